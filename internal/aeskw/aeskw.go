package aeskw

import (
	"crypto/aes"
	"crypto/subtle"
	"encoding/binary"
	"errors"
)

// defaultIV is the RFC 3394 initial value (A6A6A6A6A6A6A6A6).
const defaultIV = 0xA6A6A6A6A6A6A6A6

var (
	// ErrIntegrity means the unwrapped integrity value was wrong: the
	// key-encryption key is not the one the data was wrapped with.
	ErrIntegrity = errors.New("aeskw: integrity check failed")
	// ErrLength means the input is not a whole number (at least 2) of
	// 64-bit blocks, or the key is not a valid AES key.
	ErrLength = errors.New("aeskw: invalid length")
)

// Unwrap unwraps wrapped (n+1 64-bit blocks) with kek and returns the n
// blocks of key data.
func Unwrap(kek, wrapped []byte) ([]byte, error) {
	if len(wrapped)%8 != 0 || len(wrapped) < 24 {
		return nil, ErrLength
	}
	c, err := aes.NewCipher(kek)
	if err != nil {
		return nil, ErrLength
	}
	n := len(wrapped)/8 - 1
	a := binary.BigEndian.Uint64(wrapped[:8])
	r := make([]byte, n*8)
	copy(r, wrapped[8:])
	var b [16]byte
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			binary.BigEndian.PutUint64(b[:8], a^uint64(n*j+i))
			copy(b[8:], r[(i-1)*8:i*8])
			c.Decrypt(b[:], b[:])
			a = binary.BigEndian.Uint64(b[:8])
			copy(r[(i-1)*8:i*8], b[8:])
		}
	}
	var got, want [8]byte
	binary.BigEndian.PutUint64(got[:], a)
	binary.BigEndian.PutUint64(want[:], defaultIV)
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		clear(r)
		return nil, ErrIntegrity
	}
	return r, nil
}

// Wrap wraps key (a whole number, at least 2, of 64-bit blocks) with kek.
func Wrap(kek, key []byte) ([]byte, error) {
	if len(key)%8 != 0 || len(key) < 16 {
		return nil, ErrLength
	}
	c, err := aes.NewCipher(kek)
	if err != nil {
		return nil, ErrLength
	}
	n := len(key) / 8
	a := uint64(defaultIV)
	r := make([]byte, len(key))
	copy(r, key)
	var b [16]byte
	for j := 0; j <= 5; j++ {
		for i := 1; i <= n; i++ {
			binary.BigEndian.PutUint64(b[:8], a)
			copy(b[8:], r[(i-1)*8:i*8])
			c.Encrypt(b[:], b[:])
			a = binary.BigEndian.Uint64(b[:8]) ^ uint64(n*j+i)
			copy(r[(i-1)*8:i*8], b[8:])
		}
	}
	out := make([]byte, 8+len(r))
	binary.BigEndian.PutUint64(out[:8], a)
	copy(out[8:], r)
	return out, nil
}
