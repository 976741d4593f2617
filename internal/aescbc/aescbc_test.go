package aescbc

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
)

// impls runs f once per implementation available on this machine, with
// useAsm set accordingly for Decrypters created inside f.
func impls(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	names := map[bool]string{true: "aesni", false: "stdlib"}
	paths := []bool{false}
	if haveAsm {
		paths = append(paths, true)
	}
	saved := useAsm
	t.Cleanup(func() { useAsm = saved })
	for _, p := range paths {
		t.Run(names[p], func(t *testing.T) {
			useAsm = p
			f(t)
		})
	}
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newDec(t *testing.T, key []byte) *Decrypter {
	t.Helper()
	d, err := NewDecrypter(key)
	if err != nil {
		t.Fatalf("NewDecrypter(%d bytes): %v", len(key), err)
	}
	if d.asm != useAsm {
		t.Fatalf("Decrypter.asm = %v, want %v", d.asm, useAsm)
	}
	return d
}

// NIST SP 800-38A, appendix F.2 (CBC decryption), all three key sizes.
var sp80038a = []struct {
	name, key, ct string
}{
	{"F.2.2 CBC-AES128", "2b7e151628aed2a6abf7158809cf4f3c",
		"7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2 73bed6b8e3c1743b7116e69e22229516 3ff1caa1681fac09120eca307586e1a7"},
	{"F.2.4 CBC-AES192", "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
		"4f021db243bc633d7178183a9fa071e8 b4d9ada9ad7dedf4e5e738763f69145a 571b242012fb7ae07fa9baac3df102e0 08b0e27988598881d920a9e64f5615cd"},
	{"F.2.6 CBC-AES256", "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
		"f58c4c04d6e5f1ba779eabfb5f7bfbd6 9cfc4e967edb808d679f777bc6702c7d 39f23369a9d9bacfa530e26304231461 b2eb05e2c39be9fcda6c19078c6a9d1b"},
}

const (
	sp80038aIV = "000102030405060708090a0b0c0d0e0f"
	sp80038aPT = "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710"
)

func TestSP80038A(t *testing.T) {
	impls(t, func(t *testing.T) {
		for _, v := range sp80038a {
			t.Run(v.name, func(t *testing.T) {
				d := newDec(t, unhex(t, v.key))
				ct := unhex(t, v.ct)
				want := unhex(t, sp80038aPT)

				// One call, out of place.
				var iv [16]byte
				copy(iv[:], unhex(t, sp80038aIV))
				got := make([]byte, len(ct))
				d.CryptBlocks(got, ct, &iv)
				if !bytes.Equal(got, want) {
					t.Errorf("plaintext\n got %x\nwant %x", got, want)
				}
				if !bytes.Equal(iv[:], ct[48:]) {
					t.Errorf("iv after call = %x, want last ciphertext block %x", iv, ct[48:])
				}

				// Block by block, in place, chaining through iv.
				copy(iv[:], unhex(t, sp80038aIV))
				buf := bytes.Clone(ct)
				for i := 0; i < len(buf); i += 16 {
					d.CryptBlocks(buf[i:i+16], buf[i:i+16], &iv)
					if !bytes.Equal(iv[:], ct[i:i+16]) {
						t.Errorf("block %d: iv = %x, want %x", i/16, iv, ct[i:i+16])
					}
				}
				if !bytes.Equal(buf, want) {
					t.Errorf("chained in-place plaintext\n got %x\nwant %x", buf, want)
				}
			})
		}
	})
}

// TestZeroIV decrypts the F.2.6 ciphertext with a zero IV, as iOS backups
// use: only the first plaintext block changes, by XOR with the NIST IV.
func TestZeroIV(t *testing.T) {
	impls(t, func(t *testing.T) {
		d := newDec(t, unhex(t, sp80038a[2].key))
		ct := unhex(t, sp80038a[2].ct)
		want := unhex(t, sp80038aPT)
		for i, b := range unhex(t, sp80038aIV) {
			want[i] ^= b
		}
		if want[0] != 0x6b || want[15] != 0x2a^0x0f {
			t.Fatalf("bad test setup: %x", want[:16])
		}
		var iv [16]byte
		d.CryptBlocks(ct, ct, &iv)
		if !bytes.Equal(ct, want) {
			t.Errorf("plaintext\n got %x\nwant %x", ct, want)
		}
	})
}

// TestAgainstStdlib compares with crypto/cipher's CBC decrypter for random
// keys of every size and random lengths, in and out of place, in one call
// and in chained calls of random sizes.
func TestAgainstStdlib(t *testing.T) {
	impls(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		lengths := []int{0}
		for n := 1; n <= 40; n++ { // every tail and the 8-block boundary
			lengths = append(lengths, n)
		}
		lengths = append(lengths, 63, 64, 65, 127, 128, 129, 5000)
		for range 30 {
			lengths = append(lengths, rng.IntN(5001))
		}
		for _, keyLen := range []int{16, 24, 32} {
			for _, nblocks := range lengths {
				key := randBytes(rng, keyLen)
				ivb := randBytes(rng, 16)
				ct := randBytes(rng, 16*nblocks)

				block, err := aes.NewCipher(key)
				if err != nil {
					t.Fatal(err)
				}
				want := make([]byte, len(ct))
				cipher.NewCBCDecrypter(block, ivb).CryptBlocks(want, ct)
				wantIV := ivb
				if nblocks > 0 {
					wantIV = ct[len(ct)-16:]
				}

				d := newDec(t, key)
				check := func(mode string, got []byte, iv [16]byte) {
					t.Helper()
					if !bytes.Equal(got, want) {
						t.Fatalf("key %d, %d blocks, %s: first difference at byte %d", keyLen, nblocks, mode, firstDiff(got, want))
					}
					if !bytes.Equal(iv[:], wantIV) {
						t.Fatalf("key %d, %d blocks, %s: iv %x, want %x", keyLen, nblocks, mode, iv, wantIV)
					}
				}

				// Out of place, into a longer dst whose excess must stay untouched.
				var iv [16]byte
				copy(iv[:], ivb)
				dst := bytes.Repeat([]byte{0xa5}, len(ct)+32)
				d.CryptBlocks(dst, ct, &iv)
				check("out of place", dst[:len(ct)], iv)
				if !bytes.Equal(dst[len(ct):], bytes.Repeat([]byte{0xa5}, 32)) {
					t.Fatalf("key %d, %d blocks: wrote past len(src)", keyLen, nblocks)
				}

				// In place.
				copy(iv[:], ivb)
				buf := bytes.Clone(ct)
				d.CryptBlocks(buf, buf, &iv)
				check("in place", buf, iv)

				// Chained calls of random block counts, alternating in and out of place.
				copy(iv[:], ivb)
				buf = bytes.Clone(ct)
				out := make([]byte, len(ct))
				for off, i := 0, 0; off < len(buf); i++ {
					n := 16 * (1 + rng.IntN(20))
					if off+n > len(buf) {
						n = len(buf) - off
					}
					if i%2 == 0 {
						d.CryptBlocks(out[off:off+n], buf[off:off+n], &iv)
					} else {
						d.CryptBlocks(buf[off:off+n], buf[off:off+n], &iv)
						copy(out[off:], buf[off:off+n])
					}
					off += n
				}
				check("chained", out, iv)

				// The source is not modified when decrypting out of place.
				if nblocks > 0 && bytes.Equal(ct, want) {
					t.Fatal("ciphertext equals plaintext")
				}
			}
		}
	})
}

// TestUnalignedBuffers checks buffers that start at every offset mod 16.
func TestUnalignedBuffers(t *testing.T) {
	impls(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		key := randBytes(rng, 32)
		ct := randBytes(rng, 16*21)
		block, _ := aes.NewCipher(key)
		want := make([]byte, len(ct))
		cipher.NewCBCDecrypter(block, make([]byte, 16)).CryptBlocks(want, ct)
		d := newDec(t, key)
		for so := range 16 {
			for do := range 16 {
				src := make([]byte, len(ct)+so)[so:]
				copy(src, ct)
				dst := make([]byte, len(ct)+do)[do:]
				var iv [16]byte
				d.CryptBlocks(dst, src, &iv)
				if !bytes.Equal(dst, want) {
					t.Fatalf("src offset %d, dst offset %d: mismatch at byte %d", so, do, firstDiff(dst, want))
				}
			}
			buf := make([]byte, len(ct)+so)[so:]
			copy(buf, ct)
			var iv [16]byte
			d.CryptBlocks(buf, buf, &iv)
			if !bytes.Equal(buf, want) {
				t.Fatalf("in place at offset %d: mismatch at byte %d", so, firstDiff(buf, want))
			}
		}
	})
}

func TestKeySizeError(t *testing.T) {
	impls(t, func(t *testing.T) {
		for _, n := range []int{0, 1, 15, 17, 23, 25, 31, 33, 64} {
			d, err := NewDecrypter(make([]byte, n))
			var kse KeySizeError
			if d != nil || !errors.As(err, &kse) || int(kse) != n {
				t.Errorf("NewDecrypter(%d bytes) = %v, %v; want nil, KeySizeError(%d)", n, d, err, n)
			}
			if want := "aescbc: invalid AES key size "; err != nil && !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q lacks prefix %q", err, want)
			}
		}
	})
}

func mustPanic(t *testing.T, what, msg string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if s, ok := r.(string); !ok || s != msg {
			t.Errorf("%s: panic %v, want %q", what, r, msg)
		}
	}()
	f()
}

func TestMisusePanics(t *testing.T) {
	impls(t, func(t *testing.T) {
		d := newDec(t, make([]byte, 32))
		var iv [16]byte
		buf := make([]byte, 64)
		mustPanic(t, "partial block", "aescbc: input not full blocks", func() { d.CryptBlocks(buf, buf[:17], &iv) })
		mustPanic(t, "short dst", "aescbc: output smaller than input", func() { d.CryptBlocks(buf[:16], buf[16:48], &iv) })
		mustPanic(t, "inexact overlap", "aescbc: invalid buffer overlap", func() { d.CryptBlocks(buf[16:48], buf[:32], &iv) })
		mustPanic(t, "inexact overlap, dst first", "aescbc: invalid buffer overlap", func() { d.CryptBlocks(buf[:32], buf[16:48], &iv) })
		// Adjacent, non-overlapping halves are fine.
		d.CryptBlocks(buf[:32], buf[32:], &iv)
		d.Close()
		mustPanic(t, "closed", "aescbc: CryptBlocks on a closed Decrypter", func() { d.CryptBlocks(buf, buf, &iv) })
		d.Close() // closing twice is harmless
	})
}

func TestCloseZeroesKeys(t *testing.T) {
	impls(t, func(t *testing.T) {
		d := newDec(t, unhex(t, sp80038a[2].key))
		if d.asm == bytes.Equal(d.dk[:], make([]byte, len(d.dk))) {
			t.Fatalf("asm=%v but round keys all zero = %v", d.asm, !d.asm)
		}
		if (d.block == nil) != d.asm {
			t.Fatalf("asm=%v but stdlib block = %v", d.asm, d.block)
		}
		d.Close()
		if !bytes.Equal(d.dk[:], make([]byte, len(d.dk))) {
			t.Errorf("round keys not zeroed: %x", d.dk)
		}
		if d.block != nil || d.rounds != 0 {
			t.Errorf("after Close: block %v, rounds %d", d.block, d.rounds)
		}
	})
}

func TestConcurrentUse(t *testing.T) {
	impls(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		key := randBytes(rng, 32)
		d := newDec(t, key)
		block, _ := aes.NewCipher(key)
		var wg sync.WaitGroup
		errs := make(chan string, 8)
		for g := range 8 {
			ct := randBytes(rng, 16*(100+g))
			wg.Go(func() {
				want := make([]byte, len(ct))
				cipher.NewCBCDecrypter(block, make([]byte, 16)).CryptBlocks(want, ct)
				for range 20 {
					var iv [16]byte
					got := make([]byte, len(ct))
					d.CryptBlocks(got, ct, &iv)
					if !bytes.Equal(got, want) {
						errs <- "goroutine mismatch"
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
	})
}

func TestNoAllocs(t *testing.T) {
	if !haveAsm {
		t.Skip("the stdlib fallback allocates its BlockMode per call")
	}
	saved := useAsm
	defer func() { useAsm = saved }()
	useAsm = true
	d := newDec(t, make([]byte, 32))
	buf := make([]byte, 4096)
	var iv [16]byte
	if n := testing.AllocsPerRun(100, func() { d.CryptBlocks(buf, buf, &iv) }); n != 0 {
		t.Errorf("CryptBlocks allocates %v times per call", n)
	}
}

func randBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
