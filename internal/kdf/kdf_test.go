package kdf

import (
	"bytes"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"math/rand/v2"
	"testing"
)

// forEachImpl runs f once per SHA-256 block implementation available
// here: the pure-Go fallback always, the SHA extensions path where the CPU
// has it.
func forEachImpl(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	forEachMode(t, false, f)
}

// forEachKeyImpl runs f once per Key256 code path: the pure-Go loop, the
// crypto/pbkdf2 delegation used without SHA extensions, and the SHA
// extensions loop where the CPU has it.
func forEachKeyImpl(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	forEachMode(t, true, f)
}

func forEachMode(t *testing.T, withStdlib bool, f func(t *testing.T)) {
	t.Helper()
	savedSHA, savedStd := useSHANI, preferStdlib256
	t.Cleanup(func() { useSHANI, preferStdlib256 = savedSHA, savedStd })
	type mode struct {
		name     string
		sha, std bool
	}
	modes := []mode{{"generic", false, false}}
	if withStdlib {
		modes = append(modes, mode{"stdlib", false, true})
	}
	if haveSHANI {
		modes = append(modes, mode{"shani", true, false})
	} else {
		t.Log("SHA extensions not available: the assembly path is not tested here")
	}
	for _, m := range modes {
		useSHANI, preferStdlib256 = m.sha, m.std
		t.Run(m.name, f)
	}
	useSHANI, preferStdlib256 = savedSHA, savedStd
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// twoStage is one iOS ≥ 10.2 vector of docs/FORMAT.md §16.2.
type twoStage struct {
	name, password, dpsl string
	dpic                 int
	salt                 string
	iter                 int
	stage1, kek          string
}

// Vectors B, G and H (DPIC 1000) of docs/FORMAT.md §16.2.
var fastVectors = []twoStage{
	{"B", "hashcat", "99fafc983e732998adb9fadc162a2e382143f115", 1000,
		"2721336781705041205314422175267631184867", 10000,
		"9cc8d5a8d95a97a42b32441226c36939138d7d75dd1994360161dc2aaad32a3e",
		"ca1bdd8196307fe1e2ed421321267d96e2988bf12f736035192cfed20ec823ea"},
	{"G", "855632538858211", "c77a159b325d10efee51a1c05701ef63fb85b599", 1000,
		"8840233131165307147445064802216857558435", 10000,
		"d2e5cb8817b8d2b5bcb4c6923cbfd8c4094cd2c3f9fd704b32768975b3548622",
		"eed63bdf495271d39f9573cd996f673e993c42653487dad8bc6c5a9d5f9e5c9e"},
	{"H", "1", "46de5e844e0ee1c81d2cca6acefb77789c1a7cd0", 1000,
		"6832814730342072666684158073107301064276", 10000,
		"3925d5a992949e99d98761f041cbaaea0467e2edc64acf34268982ea7129c0cb",
		"b13991335ad8f67fb71045f6dfc2b5739976726601ec67ae14ba8c3263767a46"},
}

// Full-strength vectors (DPIC 10,000,000): D and I of docs/FORMAT.md §16.2.
var slowVectors = []twoStage{
	{"D", "hashcat", "425b4bb4e200b5fd4c66979c9caca31716052063", 10000000,
		"2353363784073608264337337723324886300850", 10000,
		"0f0b30df2907fb4835002b4dbcd131a6112a6b6ee37de1d642f74f96bd57282b",
		"aaedbb211064488c143d639b527786f63362c24f81203be94caf2efcf6f398b8"},
	{"I", "test123", "66f159e15f3ddbbdd4057f8babef7ad4472fac10", 10000000,
		"f09cfa82cc1695657cb2c347ee127c2523795fda", 10000,
		"f4e8b819495eeeb6dfd63a8f60150561c0b0feb12d5d7424d4738d8416563eb2",
		"14b002704b801f2f6afabd38cd5bee2b2a8151071f93375cc76cfc7e19539e69"},
}

func checkTwoStage(t *testing.T, v twoStage) {
	t.Helper()
	stage1 := Key256([]byte(v.password), unhex(t, v.dpsl), v.dpic, 32)
	if got := hex.EncodeToString(stage1); got != v.stage1 {
		t.Fatalf("vector %s: stage1 = %s, want %s", v.name, got, v.stage1)
	}
	kek := Key1(stage1, unhex(t, v.salt), v.iter, 32)
	if got := hex.EncodeToString(kek); got != v.kek {
		t.Fatalf("vector %s: KEK = %s, want %s", v.name, got, v.kek)
	}
}

func TestKnownAnswersTwoStage(t *testing.T) {
	forEachKeyImpl(t, func(t *testing.T) {
		for _, v := range fastVectors {
			checkTwoStage(t, v)
		}
	})
}

func TestKnownAnswersFullStrength(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000,000 PBKDF2 iterations per vector")
	}
	// Default implementation only: the pure-Go path takes several seconds
	// per vector and is covered by the DPIC 1000 vectors and cross-checks.
	for _, v := range slowVectors {
		checkTwoStage(t, v)
	}
}

// TestKnownAnswersSHA1Only checks the iOS 4–10.1 derivation (vectors A, C,
// E and F of docs/FORMAT.md §16.2): KEK = PBKDF2-HMAC-SHA1(password, SALT, 10000).
func TestKnownAnswersSHA1Only(t *testing.T) {
	vectors := []struct{ name, password, salt, kek string }{
		{"A", "hashcat", "2202015774208421818002001652122401871832",
			"a29e0b44321c66a8f34c587ce924421e37231a3f020598a9a1a2ccdb71b424db"},
		{"C", "hashcat", "4542263740587424862267232255853830404566",
			"274deb9da2cc41e5316a8f740b6bff41885b475252dfeb0488d4cb0ebed5db7c"},
		{"E", "123456", "266343aaf99102ba7f6af64a3a2d62637793f753",
			"e3b46feb8370ba6caedc4925ef30b7d6c93c1462cfecc71901810ef92fb14405"},
		{"F", "test123", "37d2bd7caefbb24a9729e41a3257ef06188dc01e",
			"0fa447b306577e8aeb2165a3d480c40fa70eaf99f83a74c5b334b687c488a2cd"},
	}
	for _, v := range vectors {
		got := hex.EncodeToString(Key1([]byte(v.password), unhex(t, v.salt), 10000, 32))
		if got != v.kek {
			t.Errorf("vector %s: KEK = %s, want %s", v.name, got, v.kek)
		}
	}
}

// TestRFC6070 checks Key1 against the PBKDF2-HMAC-SHA1 vectors of RFC 6070
// (the 16,777,216-iteration one is left out).
func TestRFC6070(t *testing.T) {
	vectors := []struct {
		p, s   string
		c, len int
		dk     string
	}{
		{"password", "salt", 1, 20, "0c60c80f961f0e71f3a9b524af6012062fe037a6"},
		{"password", "salt", 2, 20, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"},
		{"password", "salt", 4096, 20, "4b007901b765489abead49d926f721d065a429c1"},
		{"passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096, 25,
			"3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038"},
		{"pass\x00word", "sa\x00lt", 4096, 16, "56fa6aa75548099dcc37d7f03425e0c3"},
	}
	for _, v := range vectors {
		got := hex.EncodeToString(Key1([]byte(v.p), []byte(v.s), v.c, v.len))
		if got != v.dk {
			t.Errorf("Key1(%q, %q, %d, %d) = %s, want %s", v.p, v.s, v.c, v.len, got, v.dk)
		}
	}
}

func stdlibKey(t testing.TB, h func() hash.Hash, password, salt []byte, iter, keyLen int) []byte {
	t.Helper()
	k, err := pbkdf2.Key(h, string(password), salt, iter, keyLen)
	if err != nil {
		t.Fatalf("crypto/pbkdf2: %v", err)
	}
	return k
}

// randLen picks a length, favouring the boundaries that matter for
// HMAC keys (64) and for the salt padding (52..64 spill into a second
// block once the counter and padding are added).
func randLen(r *rand.Rand, max int) int {
	edges := []int{0, 1, 19, 20, 31, 32, 33, 51, 52, 55, 56, 63, 64, 65, 119, 120, 128, 129}
	if r.IntN(2) == 0 {
		if e := edges[r.IntN(len(edges))]; e <= max {
			return e
		}
	}
	return r.IntN(max + 1)
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestKey256MatchesStdlib(t *testing.T) {
	forEachKeyImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 256))
		for i := 0; i < 300; i++ {
			password := randBytes(r, randLen(r, 200))
			salt := randBytes(r, randLen(r, 200))
			iter := 1 + r.IntN(40)
			keyLen := 1 + r.IntN(100)
			got := Key256(password, salt, iter, keyLen)
			want := stdlibKey(t, sha256.New, password, salt, iter, keyLen)
			if !bytes.Equal(got, want) {
				t.Fatalf("Key256(len(p)=%d, len(s)=%d, iter=%d, keyLen=%d) = %x, want %x",
					len(password), len(salt), iter, keyLen, got, want)
			}
		}
	})
}

func TestKey1MatchesStdlib(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for i := 0; i < 300; i++ {
		password := randBytes(r, randLen(r, 200))
		salt := randBytes(r, randLen(r, 200))
		iter := 1 + r.IntN(40)
		keyLen := 1 + r.IntN(100)
		got := Key1(password, salt, iter, keyLen)
		want := stdlibKey(t, sha1.New, password, salt, iter, keyLen)
		if !bytes.Equal(got, want) {
			t.Fatalf("Key1(len(p)=%d, len(s)=%d, iter=%d, keyLen=%d) = %x, want %x",
				len(password), len(salt), iter, keyLen, got, want)
		}
	}
}

// TestLongPasswordIsHashed pins the HMAC rule that keys longer than a block
// are replaced by their digest: a 100-byte password and its SHA-256 (or
// SHA-1) digest derive the same key.
func TestLongPasswordIsHashed(t *testing.T) {
	forEachKeyImpl(t, func(t *testing.T) {
		long := bytes.Repeat([]byte("0123456789"), 10)
		salt := []byte("salt")
		d256 := sha256.Sum256(long)
		if a, b := Key256(long, salt, 3, 40), Key256(d256[:], salt, 3, 40); !bytes.Equal(a, b) {
			t.Errorf("Key256: long password %x, its digest %x", a, b)
		}
		d1 := sha1.Sum(long)
		if a, b := Key1(long, salt, 3, 40), Key1(d1[:], salt, 3, 40); !bytes.Equal(a, b) {
			t.Errorf("Key1: long password %x, its digest %x", a, b)
		}
	})
}

func TestEdgeArguments(t *testing.T) {
	forEachKeyImpl(t, func(t *testing.T) {
		p, s := []byte("hashcat"), []byte("salt")
		for _, keyLen := range []int{0, -1, -32} {
			if k := Key256(p, s, 10, keyLen); k != nil {
				t.Errorf("Key256 keyLen %d = %x, want nil", keyLen, k)
			}
			if k := Key1(p, s, 10, keyLen); k != nil {
				t.Errorf("Key1 keyLen %d = %x, want nil", keyLen, k)
			}
		}
		one256 := stdlibKey(t, sha256.New, p, s, 1, 32)
		one1 := stdlibKey(t, sha1.New, p, s, 1, 32)
		for _, iter := range []int{0, -5} {
			if k := Key256(p, s, iter, 32); !bytes.Equal(k, one256) {
				t.Errorf("Key256 iter %d = %x, want the 1-iteration key %x", iter, k, one256)
			}
			if k := Key1(p, s, iter, 32); !bytes.Equal(k, one1) {
				t.Errorf("Key1 iter %d = %x, want the 1-iteration key %x", iter, k, one1)
			}
		}
		// The result exposes no spare capacity holding further derived bytes.
		if k := Key256(p, s, 2, 33); len(k) != 33 || cap(k) != 33 {
			t.Errorf("Key256 keyLen 33: len %d cap %d, want 33 33", len(k), cap(k))
		}
		if k := Key1(p, s, 2, 21); len(k) != 21 || cap(k) != 21 {
			t.Errorf("Key1 keyLen 21: len %d cap %d, want 21 21", len(k), cap(k))
		}
		// Inputs are not modified.
		p2, s2 := bytes.Clone(p), bytes.Clone(s)
		Key256(p2, s2, 5, 64)
		Key1(p2, s2, 5, 64)
		if !bytes.Equal(p2, p) || !bytes.Equal(s2, s) {
			t.Errorf("inputs modified: %q %q", p2, s2)
		}
	})
}

// TestAllocationsIndependentOfIterations checks that rounds allocate
// nothing: the only allocation is the returned key.
func TestAllocationsIndependentOfIterations(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		p, s := []byte("hashcat"), []byte("0123456789abcdef0123")
		for _, iter := range []int{1, 2000} {
			if n := testing.AllocsPerRun(5, func() { Key256(p, s, iter, 32) }); n != 1 {
				t.Errorf("Key256 iter %d: %v allocations, want 1", iter, n)
			}
		}
	})
}

func TestBlock256MatchesStdlib(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		if got, want := hex.EncodeToString(func() []byte { s := sum256([]byte("abc")); return s[:] }()),
			"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; got != want {
			t.Fatalf(`SHA-256("abc") = %s, want %s`, got, want)
		}
		r := rand.New(rand.NewPCG(2, 256))
		for i := 0; i < 2000; i++ {
			n := randLen(r, 1100)
			if i%100 == 0 {
				n = 4096 + r.IntN(4096) // many blocks in one call
			}
			msg := randBytes(r, n)
			if got, want := sum256(msg), sha256.Sum256(msg); got != want {
				t.Fatalf("len %d: got %x, want %x", n, got, want)
			}
		}
	})
}

func TestBlock256EmptyInputLeavesState(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		h := iv256
		block256(&h, nil)
		block256(&h, make([]byte, 63)) // no whole block
		if h != iv256 {
			t.Errorf("state changed without a whole block: %08x", h)
		}
	})
}

// TestIterateImplementationsAgree runs the SHA extensions loop and the Go
// loop from the same arbitrary (not HMAC-derived) state.
func TestIterateImplementationsAgree(t *testing.T) {
	if !haveSHANI {
		t.Skip("SHA extensions not available")
	}
	saved := useSHANI
	defer func() { useSHANI = saved }()
	r := rand.New(rand.NewPCG(3, 256))
	for i := 0; i < 200; i++ {
		var st state256
		for j := range 8 {
			st.ipad[j], st.opad[j], st.u[j], st.acc[j] = r.Uint32(), r.Uint32(), r.Uint32(), r.Uint32()
		}
		n := r.IntN(50)
		a, b := st, st
		useSHANI = true
		iterate256(&a, n)
		useSHANI = false
		iterate256(&b, n)
		if a != b {
			t.Fatalf("n=%d: SHA-NI state %08x, Go state %08x", n, a, b)
		}
		if n == 0 && a != st {
			t.Fatalf("n=0 changed the state")
		}
	}
}
