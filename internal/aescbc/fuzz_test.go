package aescbc

import (
	"crypto/aes"
	"crypto/cipher"
	"testing"
)

// FuzzDecrypt checks the decrypter (AES-NI pipeline where the CPU has it)
// against crypto/cipher's CBC for arbitrary keys, IVs and data, whole and
// split at an arbitrary block boundary, in place and not.
func FuzzDecrypt(f *testing.F) {
	f.Add(make([]byte, 32), make([]byte, 16), make([]byte, 16*9), uint8(3))
	f.Add([]byte("0123456789abcdef"), []byte("fedcba9876543210"), []byte("sixteen byte blksixteen byte blk"), uint8(1))
	f.Add(make([]byte, 24), make([]byte, 16), make([]byte, 16*17), uint8(8))
	f.Fuzz(func(t *testing.T, keySeed, ivSeed, data []byte, split uint8) {
		key := make([]byte, []int{16, 24, 32}[len(keySeed)%3])
		copy(key, keySeed)
		var iv [BlockSize]byte
		copy(iv[:], ivSeed)
		data = data[:len(data)/BlockSize*BlockSize]

		block, err := aes.NewCipher(key)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]byte, len(data))
		cipher.NewCBCDecrypter(block, iv[:]).CryptBlocks(want, data)

		d, err := NewDecrypter(key)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()

		got := make([]byte, len(data))
		v := iv
		cut := 0
		if n := len(data) / BlockSize; n > 0 {
			cut = int(split) % (n + 1) * BlockSize
		}
		d.CryptBlocks(got[:cut], data[:cut], &v)
		d.CryptBlocks(got[cut:], data[cut:], &v)
		if string(got) != string(want) {
			t.Fatalf("split at %d of %d: got %x, want %x", cut, len(data), got, want)
		}

		inPlace := append([]byte(nil), data...)
		v = iv
		d.CryptBlocks(inPlace, inPlace, &v)
		if string(inPlace) != string(want) {
			t.Fatalf("in place: got %x, want %x", inPlace, want)
		}
		if len(data) > 0 && string(v[:]) != string(data[len(data)-BlockSize:]) {
			t.Fatalf("iv after the call is not the last ciphertext block")
		}
	})
}
