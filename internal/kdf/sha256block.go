package kdf

import (
	"encoding/binary"
	"math/bits"
)

// iv256 is the SHA-256 initial hash value (FIPS 180-4 §5.3.3).
var iv256 = [8]uint32{
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
}

// k256 holds the SHA-256 round constants (FIPS 180-4 §4.2.2).
var k256 = [64]uint32{
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}

// compress256Generic applies one SHA-256 compression to h with the
// message block given as 16 big-endian-decoded words.
func compress256Generic(h *[8]uint32, m *[16]uint32) {
	var w [64]uint32
	copy(w[:16], m[:])
	for i := 16; i < 64; i++ {
		v1 := w[i-2]
		t1 := bits.RotateLeft32(v1, -17) ^ bits.RotateLeft32(v1, -19) ^ (v1 >> 10)
		v2 := w[i-15]
		t2 := bits.RotateLeft32(v2, -7) ^ bits.RotateLeft32(v2, -18) ^ (v2 >> 3)
		w[i] = t1 + w[i-7] + t2 + w[i-16]
	}
	a, b, c, d, e, f, g, hh := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]
	for i := 0; i < 64; i++ {
		t1 := hh + (bits.RotateLeft32(e, -6) ^ bits.RotateLeft32(e, -11) ^ bits.RotateLeft32(e, -25)) +
			((e & f) ^ (^e & g)) + k256[i] + w[i]
		t2 := (bits.RotateLeft32(a, -2) ^ bits.RotateLeft32(a, -13) ^ bits.RotateLeft32(a, -22)) +
			((a & b) ^ (a & c) ^ (b & c))
		hh, g, f, e, d, c, b, a = g, f, e, d+t1, c, b, a, t1+t2
	}
	h[0] += a
	h[1] += b
	h[2] += c
	h[3] += d
	h[4] += e
	h[5] += f
	h[6] += g
	h[7] += hh
	clear(w[:])
}

// block256Generic hashes the whole 64-byte blocks of p into h.
func block256Generic(h *[8]uint32, p []byte) {
	var m [16]uint32
	for len(p) >= 64 {
		for i := range m {
			m[i] = binary.BigEndian.Uint32(p[4*i:])
		}
		compress256Generic(h, &m)
		p = p[64:]
	}
	clear(m[:])
}

// state256 is the working state of one PBKDF2-HMAC-SHA256 output block.
// Its layout is shared with the assembly (offsets 0, 32, 64, 96).
type state256 struct {
	ipad [8]uint32 // chaining value after the (key ^ ipad) block
	opad [8]uint32 // chaining value after the (key ^ opad) block
	u    [8]uint32 // the current U value
	acc  [8]uint32 // U1 ^ U2 ^ ... so far
}

// hmacTailLen256 is the bit length of the message hashed by each inner or
// outer compression in the PBKDF2 loop: one 64-byte pad block plus a
// 32-byte digest.
const hmacTailLen256 = (64 + 32) * 8

// iterate256Generic runs n further PBKDF2 iterations on st in pure Go:
// each is one inner and one outer compression of a fixed-layout block.
func iterate256Generic(st *state256, n int) {
	var m [16]uint32
	m[8] = 0x80000000
	m[15] = hmacTailLen256
	var h [8]uint32
	u := st.u
	acc := st.acc
	for ; n > 0; n-- {
		copy(m[:8], u[:])
		h = st.ipad
		compress256Generic(&h, &m)
		copy(m[:8], h[:])
		u = st.opad
		compress256Generic(&u, &m)
		for i := range acc {
			acc[i] ^= u[i]
		}
	}
	st.u = u
	st.acc = acc
	clear(m[:])
	clear(h[:])
	clear(u[:])
	clear(acc[:])
}
