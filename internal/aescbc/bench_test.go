package aescbc

import (
	"crypto/aes"
	"crypto/cipher"
	"testing"
)

// BenchmarkDecrypt compares in-place AES-256-CBC decryption of 256 KiB and
// 4 MiB buffers: this package's AES-NI path ("aesni", when available), its
// fallback ("fallback"), and crypto/cipher's CBC decrypter used directly
// ("stdlib").
func BenchmarkDecrypt(b *testing.B) {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	for _, size := range []struct {
		name string
		n    int
	}{{"256KiB", 256 << 10}, {"4MiB", 4 << 20}} {
		buf := make([]byte, size.n)
		b.Run(size.name+"/stdlib", func(b *testing.B) {
			block, _ := aes.NewCipher(key)
			b.SetBytes(int64(size.n))
			for b.Loop() {
				cipher.NewCBCDecrypter(block, make([]byte, 16)).CryptBlocks(buf, buf)
			}
		})
		paths := []bool{false}
		if haveAsm {
			paths = append(paths, true)
		}
		for _, p := range paths {
			name := "fallback"
			if p {
				name = "aesni"
			}
			b.Run(size.name+"/"+name, func(b *testing.B) {
				saved := useAsm
				useAsm = p
				d, err := NewDecrypter(key)
				useAsm = saved
				if err != nil {
					b.Fatal(err)
				}
				defer d.Close()
				var iv [16]byte
				b.SetBytes(int64(size.n))
				for b.Loop() {
					d.CryptBlocks(buf, buf, &iv)
				}
			})
		}
	}
}

// BenchmarkNewDecrypter measures the key set-up paid once per file.
func BenchmarkNewDecrypter(b *testing.B) {
	key := make([]byte, 32)
	for b.Loop() {
		d, err := NewDecrypter(key)
		if err != nil {
			b.Fatal(err)
		}
		d.Close()
	}
}
