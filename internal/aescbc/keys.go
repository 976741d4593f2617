package aescbc

// Key expansion (FIPS-197 §5.2) and the equivalent inverse cipher's
// decryption keys (§5.3.5), computed without secret-dependent table
// look-ups or branches: SubWord evaluates the S-box arithmetically
// (inversion in GF(2^8) as x^254, then the affine map), and all GF(2^8)
// multiplications use masks instead of conditionals.

// xtime multiplies a by x (i.e. 2) in GF(2^8) modulo x^8+x^4+x^3+x+1.
func xtime(a byte) byte {
	return a<<1 ^ 0x1b&-(a>>7)
}

// gmul multiplies a and b in GF(2^8) in constant time.
func gmul(a, b byte) byte {
	var p byte
	for range 8 {
		p ^= a & -(b & 1)
		a = xtime(a)
		b >>= 1
	}
	return p
}

// sbox returns the AES S-box value of a, computed rather than looked up.
func sbox(a byte) byte {
	// Inverse as a^254 (0 maps to 0): 254 = 0b11111110.
	x2 := gmul(a, a)
	x3 := gmul(x2, a)
	x6 := gmul(x3, x3)
	x7 := gmul(x6, a)
	x14 := gmul(x7, x7)
	x15 := gmul(x14, a)
	x30 := gmul(x15, x15)
	x31 := gmul(x30, a)
	x62 := gmul(x31, x31)
	x63 := gmul(x62, a)
	x126 := gmul(x63, x63)
	x127 := gmul(x126, a)
	b := gmul(x127, x127)
	rotl := func(v byte, n uint) byte { return v<<n | v>>(8-n) }
	return b ^ rotl(b, 1) ^ rotl(b, 2) ^ rotl(b, 3) ^ rotl(b, 4) ^ 0x63
}

// invMixColumn applies InvMixColumns to one 4-byte column in place.
func invMixColumn(c []byte) {
	a0, a1, a2, a3 := c[0], c[1], c[2], c[3]
	c[0] = gmul(a0, 14) ^ gmul(a1, 11) ^ gmul(a2, 13) ^ gmul(a3, 9)
	c[1] = gmul(a0, 9) ^ gmul(a1, 14) ^ gmul(a2, 11) ^ gmul(a3, 13)
	c[2] = gmul(a0, 13) ^ gmul(a1, 9) ^ gmul(a2, 14) ^ gmul(a3, 11)
	c[3] = gmul(a0, 11) ^ gmul(a1, 13) ^ gmul(a2, 9) ^ gmul(a3, 14)
}

// keyAsm selects the AES-NI SubWord and InvMixColumns (the results are
// the same; tests compare both).
var keyAsm = haveAsm

// subWord applies the S-box to each byte of t.
func subWord(t *[4]byte) {
	if keyAsm {
		subWordAsm(t)
		return
	}
	for i := range t {
		t[i] = sbox(t[i])
	}
}

// expandKey writes the 4·(Nr+1) words of the FIPS-197 key schedule of key
// (16, 24 or 32 bytes) into w as bytes: word i is w[4i:4i+4], so round key
// r is w[16r:16r+16], in the byte order AES-NI expects. It returns Nr.
func expandKey(w *[(maxRounds + 1) * BlockSize]byte, key []byte) int {
	nk := len(key) / 4
	nr := nk + 6
	n := 4 * (nr + 1)
	copy(w[:], key)
	rcon := byte(1)
	var t [4]byte
	for i := nk; i < n; i++ {
		copy(t[:], w[4*(i-1):4*i])
		switch {
		case i%nk == 0:
			t[0], t[1], t[2], t[3] = t[1], t[2], t[3], t[0]
			subWord(&t)
			t[0] ^= rcon
			rcon = xtime(rcon)
		case nk > 6 && i%nk == 4:
			subWord(&t)
		}
		for j := range 4 {
			w[4*i+j] = w[4*(i-nk)+j] ^ t[j]
		}
	}
	wipe(t[:])
	return nr
}

// expandDecKeys fills dk with the decryption round keys of the equivalent
// inverse cipher, right-aligned: slot 14-Nr+i holds
// InvMixColumns(ek[Nr-i]) for 0 < i < Nr, with ek[Nr] in slot 14-Nr and
// ek[0] in slot 14.
func expandDecKeys(dk *[(maxRounds + 1) * BlockSize]byte, key []byte) {
	var ek [(maxRounds + 1) * BlockSize]byte
	nr := expandKey(&ek, key)
	clear(dk[:])
	base := maxRounds - nr
	for i := 0; i <= nr; i++ {
		rk := dk[(base+i)*BlockSize : (base+i+1)*BlockSize]
		copy(rk, ek[(nr-i)*BlockSize:(nr-i+1)*BlockSize])
		if i > 0 && i < nr {
			if keyAsm {
				invMixColumnsAsm((*[BlockSize]byte)(rk))
				continue
			}
			for c := 0; c < BlockSize; c += 4 {
				invMixColumn(rk[c : c+4])
			}
		}
	}
	wipe(ek[:])
}
