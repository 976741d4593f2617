package kdf

import (
	"crypto/fips140"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"errors"
)

// preferStdlib256 makes Key256 delegate to crypto/pbkdf2 when the SHA
// extensions path is not in use: the standard library's SHA-256 has
// assembly for more platforms (AVX2 on amd64, the ARMv8 SHA-2 instructions
// on arm64, ...) and is faster there than the pure-Go loop (measured on
// amd64 without SHA-NI: 0.44 s vs 0.61 s per million iterations). Tests
// switch it off to exercise the pure-Go loop.
var preferStdlib256 = true

// maxBlocks is the largest number of output blocks PBKDF2 allows
// (RFC 8018 §5.2: dkLen ≤ (2^32 − 1) × hLen).
const maxBlocks = 1<<32 - 1

// Key256 returns PBKDF2-HMAC-SHA256(password, salt, iter, keyLen)
// (RFC 8018 §5.2), the first stage of the iOS ≥ 10.2 backup key
// derivation (salt DPSL, iter DPIC, keyLen 32).
//
// The HMAC pad states are hashed once; every further iteration is exactly
// one inner and one outer SHA-256 compression and allocates nothing. On
// amd64 CPUs with the SHA extensions the iteration loop runs in assembly;
// elsewhere Key256 uses crypto/pbkdf2 (whose SHA-256 has assembly on more
// platforms) and, where that refuses the input, a pure-Go loop.
//
// An iter below 1 counts as 1. A keyLen below 1 or above (2^32−1)×32
// yields nil. The run time is proportional to iter × ceil(keyLen/32):
// callers must bound iter when it comes from untrusted input.
func Key256(password, salt []byte, iter, keyLen int) []byte {
	const hLen = 32
	if keyLen < 1 || uint64(keyLen-1)/hLen >= maxBlocks {
		return nil
	}
	if iter < 1 {
		iter = 1
	}
	if !useSHANI && preferStdlib256 {
		// crypto/pbkdf2 refuses some inputs in FIPS 140-only mode (short
		// passwords or salts); the pure-Go loop below then takes over.
		if k, err := pbkdf2.Key(sha256.New, string(password), salt, iter, keyLen); err == nil && len(k) == keyLen {
			wipe(k[keyLen:cap(k)])
			return k[:keyLen:keyLen]
		}
	}
	nBlocks := (keyLen + hLen - 1) / hLen

	var st state256
	var key, pad [64]byte
	if len(password) > len(key) {
		sum := sum256(password)
		copy(key[:], sum[:])
		wipe(sum[:])
	} else {
		copy(key[:], password)
	}
	for i := range pad {
		pad[i] = key[i] ^ 0x36
	}
	st.ipad = iv256
	block256(&st.ipad, pad[:])
	for i := range pad {
		pad[i] = key[i] ^ 0x5c
	}
	st.opad = iv256
	block256(&st.opad, pad[:])

	out := make([]byte, nBlocks*hLen)
	full := len(salt) &^ 63
	var tail [128]byte
	var h [8]uint32
	for b := 1; b <= nBlocks; b++ {
		// U1 = HMAC(password, salt || INT(b)).
		h = st.ipad
		block256(&h, salt[:full])
		block256(&h, padTail(&tail, salt[full:], uint32(b), 64+uint64(len(salt))+4))
		digestBlock256(&pad, &h)
		h = st.opad
		block256(&h, pad[:])
		st.u, st.acc = h, h
		iterate256(&st, iter-1)
		for i, w := range st.acc {
			binary.BigEndian.PutUint32(out[(b-1)*hLen+4*i:], w)
		}
	}
	wipe256(&st)
	wipe(key[:])
	wipe(pad[:])
	wipe(tail[:])
	clear(h[:])
	wipe(out[keyLen:])
	return out[:keyLen:keyLen]
}

// Key1 returns PBKDF2-HMAC-SHA1(password, salt, iter, keyLen)
// (RFC 8018 §5.2), the key derivation of iOS 4–10.1 backups and the second
// stage of iOS ≥ 10.2 ones (password = Key256 output, salt SALT, iter ITER,
// keyLen 32).
//
// It is crypto/pbkdf2 with crypto/sha1, whose SHA-1 has assembly (the
// stage is 10,000 iterations in practice). An iter below 1 counts as 1; a
// keyLen below 1 or above (2^32−1)×20 yields nil, and so does FIPS
// 140-only mode, where SHA-1 is forbidden: callers check CheckSHA1 first
// to report it.
func Key1(password, salt []byte, iter, keyLen int) []byte {
	const hLen = 20
	if keyLen < 1 || uint64(keyLen-1)/hLen >= maxBlocks || CheckSHA1() != nil {
		return nil
	}
	k, err := pbkdf2.Key(sha1.New, string(password), salt, max(iter, 1), keyLen)
	if err != nil {
		return nil
	}
	wipe(k[keyLen:cap(k)]) // further derived bytes
	return k[:keyLen:keyLen]
}

// ErrFIPSOnly reports that SHA-1 is forbidden (GODEBUG=fips140=only, where
// crypto/sha1 panics). Every iOS backup needs SHA-1: its key derivation
// (PBKDF2-HMAC-SHA1) and its file IDs (SHA-1 of domain-path), so that mode
// cannot be supported.
var ErrFIPSOnly = errors.New("iOS backups need SHA-1, which GODEBUG=fips140=only forbids")

// CheckSHA1 returns ErrFIPSOnly when SHA-1 cannot be used, nil otherwise.
func CheckSHA1() error {
	if fips140.Enforced() {
		return ErrFIPSOnly
	}
	return nil
}

// padTail writes rest || BE32(ctr) followed by Merkle–Damgård padding for
// a message of total bytes into buf and returns the one or two resulting
// 64-byte blocks. len(rest) must be below 64.
func padTail(buf *[128]byte, rest []byte, ctr uint32, total uint64) []byte {
	clear(buf[:])
	n := copy(buf[:], rest)
	binary.BigEndian.PutUint32(buf[n:], ctr)
	n += 4
	buf[n] = 0x80
	end := 64
	if n+1+8 > 64 {
		end = 128
	}
	binary.BigEndian.PutUint64(buf[end-8:], total*8)
	return buf[:end]
}

// digestBlock256 writes the padded 64-byte block holding the 32-byte
// digest h, as hashed after a 64-byte HMAC pad block.
func digestBlock256(blk *[64]byte, h *[8]uint32) {
	clear(blk[:])
	for i, w := range h {
		binary.BigEndian.PutUint32(blk[4*i:], w)
	}
	blk[32] = 0x80
	binary.BigEndian.PutUint64(blk[56:], hmacTailLen256)
}

// sum256 returns the SHA-256 digest of msg (block256 plus FIPS 180-4
// padding). It hashes over-long HMAC keys and lets tests compare the block
// functions with crypto/sha256.
func sum256(msg []byte) [32]byte {
	h := iv256
	full := len(msg) &^ 63
	block256(&h, msg[:full])
	var tail [128]byte
	n := copy(tail[:], msg[full:])
	tail[n] = 0x80
	end := 64
	if n+1+8 > 64 {
		end = 128
	}
	binary.BigEndian.PutUint64(tail[end-8:], uint64(len(msg))*8)
	block256(&h, tail[:end])
	wipe(tail[:])
	var out [32]byte
	for i, w := range h {
		binary.BigEndian.PutUint32(out[4*i:], w)
	}
	return out
}

// wipe zeroes b. It is not inlined so the stores are not dropped as dead.
//
//go:noinline
func wipe(b []byte) { clear(b) }

//go:noinline
func wipe256(st *state256) { *st = state256{} }
