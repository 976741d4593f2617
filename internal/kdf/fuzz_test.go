package kdf

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"testing"
)

// FuzzKey256 checks Key256 (the SHA extensions path where the CPU has it,
// else the fallback) against crypto/pbkdf2 for arbitrary inputs. The
// iteration count is kept small so that each run is cheap.
func FuzzKey256(f *testing.F) {
	f.Add([]byte("password"), []byte("salt"), uint16(1), uint8(32))
	f.Add([]byte(""), []byte(""), uint16(2), uint8(1))
	f.Add(make([]byte, 200), make([]byte, 64), uint16(300), uint8(65))
	f.Add([]byte("hashcat"), []byte("0123456789abcdefghij"), uint16(1000), uint8(32))
	f.Fuzz(func(t *testing.T, password, salt []byte, iter uint16, keyLen uint8) {
		it, n := int(iter%2048)+1, int(keyLen%96)+1
		for _, generic := range []bool{false, true} {
			saved, savedStd := useSHANI, preferStdlib256
			if generic {
				useSHANI, preferStdlib256 = false, false
			}
			got := Key256(password, salt, it, n)
			useSHANI, preferStdlib256 = saved, savedStd
			want, err := pbkdf2.Key(sha256.New, string(password), salt, it, n)
			if err != nil {
				t.Skip(err) // the standard library refuses some inputs (e.g. FIPS-only modes)
			}
			if string(got) != string(want) {
				t.Fatalf("generic=%v iter=%d len=%d: got %x, want %x", generic, it, n, got, want)
			}
		}
	})
}

// FuzzKey1 checks Key1 against crypto/pbkdf2 with SHA-1.
func FuzzKey1(f *testing.F) {
	f.Add([]byte("password"), []byte("salt"), uint16(1), uint8(20))
	f.Add([]byte{}, []byte{}, uint16(3), uint8(32))
	f.Add(make([]byte, 100), make([]byte, 20), uint16(1000), uint8(41))
	f.Fuzz(func(t *testing.T, password, salt []byte, iter uint16, keyLen uint8) {
		it, n := int(iter%2048)+1, int(keyLen%96)+1
		got := Key1(password, salt, it, n)
		want, err := pbkdf2.Key(sha1.New, string(password), salt, it, n)
		if err != nil {
			t.Skip(err)
		}
		if string(got) != string(want) {
			t.Fatalf("iter=%d len=%d: got %x, want %x", it, n, got, want)
		}
	})
}
