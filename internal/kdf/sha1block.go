package kdf

import (
	"encoding/binary"
	"math/bits"
)

// iv1 is the SHA-1 initial hash value (FIPS 180-4 §5.3.1).
var iv1 = [5]uint32{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0}

// compress1 applies one SHA-1 compression to h with the message block
// given as 16 big-endian-decoded words.
func compress1(h *[5]uint32, m *[16]uint32) {
	var w [16]uint32
	copy(w[:], m[:])
	a, b, c, d, e := h[0], h[1], h[2], h[3], h[4]
	// next expands the schedule in place (W[i] for i ≥ 16).
	next := func(i int) uint32 {
		t := w[(i-3)&15] ^ w[(i-8)&15] ^ w[(i-14)&15] ^ w[i&15]
		w[i&15] = bits.RotateLeft32(t, 1)
		return w[i&15]
	}
	for i := 0; i < 16; i++ {
		t := bits.RotateLeft32(a, 5) + ((b & c) | (^b & d)) + e + 0x5a827999 + w[i]
		a, b, c, d, e = t, a, bits.RotateLeft32(b, 30), c, d
	}
	for i := 16; i < 20; i++ {
		t := bits.RotateLeft32(a, 5) + ((b & c) | (^b & d)) + e + 0x5a827999 + next(i)
		a, b, c, d, e = t, a, bits.RotateLeft32(b, 30), c, d
	}
	for i := 20; i < 40; i++ {
		t := bits.RotateLeft32(a, 5) + (b ^ c ^ d) + e + 0x6ed9eba1 + next(i)
		a, b, c, d, e = t, a, bits.RotateLeft32(b, 30), c, d
	}
	for i := 40; i < 60; i++ {
		t := bits.RotateLeft32(a, 5) + ((b & c) | (b & d) | (c & d)) + e + 0x8f1bbcdc + next(i)
		a, b, c, d, e = t, a, bits.RotateLeft32(b, 30), c, d
	}
	for i := 60; i < 80; i++ {
		t := bits.RotateLeft32(a, 5) + (b ^ c ^ d) + e + 0xca62c1d6 + next(i)
		a, b, c, d, e = t, a, bits.RotateLeft32(b, 30), c, d
	}
	h[0] += a
	h[1] += b
	h[2] += c
	h[3] += d
	h[4] += e
	clear(w[:])
}

// block1 hashes the whole 64-byte blocks of p into h.
func block1(h *[5]uint32, p []byte) {
	var m [16]uint32
	for len(p) >= 64 {
		for i := range m {
			m[i] = binary.BigEndian.Uint32(p[4*i:])
		}
		compress1(h, &m)
		p = p[64:]
	}
	clear(m[:])
}

// state1 is the working state of one PBKDF2-HMAC-SHA1 output block.
type state1 struct {
	ipad, opad, u, acc [5]uint32
}

// hmacTailLen1 is the bit length of each message in the PBKDF2 loop: one
// 64-byte pad block plus a 20-byte digest.
const hmacTailLen1 = (64 + 20) * 8

// iterate1 runs n further PBKDF2-HMAC-SHA1 iterations on st: one inner and
// one outer compression of a fixed-layout block each.
func iterate1(st *state1, n int) {
	var m [16]uint32
	m[5] = 0x80000000
	m[15] = hmacTailLen1
	var h [5]uint32
	u, acc := st.u, st.acc
	for ; n > 0; n-- {
		copy(m[:5], u[:])
		h = st.ipad
		compress1(&h, &m)
		copy(m[:5], h[:])
		u = st.opad
		compress1(&u, &m)
		for i := range acc {
			acc[i] ^= u[i]
		}
	}
	st.u, st.acc = u, acc
	clear(m[:])
	clear(h[:])
	clear(u[:])
	clear(acc[:])
}
