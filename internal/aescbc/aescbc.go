package aescbc

import (
	"crypto/aes"
	"crypto/cipher"
	"strconv"
	"unsafe"
)

// BlockSize is the AES block size in bytes.
const BlockSize = 16

// maxRounds is the number of rounds of AES-256, the largest key size.
const maxRounds = 14

// KeySizeError is returned by NewDecrypter for a key that is not 16, 24 or
// 32 bytes long. Its value is the offending length (never the key).
type KeySizeError int

func (k KeySizeError) Error() string {
	return "aescbc: invalid AES key size " + strconv.Itoa(int(k))
}

// Decrypter decrypts AES-CBC ciphertext with one key. It holds no IV: the
// chaining value is passed to (and updated by) each CryptBlocks call, so one
// Decrypter can serve many independent streams, concurrently.
type Decrypter struct {
	// dk holds the Nr+1 round keys of the equivalent inverse cipher
	// (FIPS-197 §5.3.5) right-aligned in 15 slots: the key applied first
	// is in slot 14-Nr, the key of AESDECLAST in slot 14. Used by the
	// AES-NI path only.
	dk     [(maxRounds + 1) * BlockSize]byte
	rounds int          // 10, 12 or 14; 0 after Close
	asm    bool         // AES-NI path chosen at construction
	block  cipher.Block // stdlib cipher, fallback path only
}

// NewDecrypter returns a CBC decrypter for an AES key of 16, 24 or 32 bytes
// (AES-128, AES-192, AES-256). Any other length returns a KeySizeError.
//
// The key is not retained: the Decrypter holds the expanded round keys.
// Call Close to zero them when the key is no longer needed.
func NewDecrypter(key []byte) (*Decrypter, error) {
	switch len(key) {
	case 16, 24, 32:
	default:
		return nil, KeySizeError(len(key))
	}
	d := &Decrypter{rounds: len(key)/4 + 6}
	if useAsm {
		d.asm = true
		expandDecKeys(&d.dk, key)
		return d, nil
	}
	b, err := aes.NewCipher(key)
	if err != nil { // unreachable: the length was checked above
		return nil, KeySizeError(len(key))
	}
	d.block = b
	return d, nil
}

// CryptBlocks decrypts src into dst with AES-CBC, chaining from *iv, and
// sets *iv to the last ciphertext block of src, so that consecutive calls
// over the pieces of one stream give the same result as a single call.
//
// len(src) must be a multiple of BlockSize and dst at least as long as src;
// dst and src may be the same slice (in-place decryption) but must not
// otherwise overlap. Like crypto/cipher.BlockMode, CryptBlocks panics when
// these conditions are violated, or when d has been closed: they are
// programming errors, not properties of the ciphertext. A zero-length src
// leaves dst and *iv unchanged.
func (d *Decrypter) CryptBlocks(dst, src []byte, iv *[BlockSize]byte) {
	if d.rounds == 0 {
		panic("aescbc: CryptBlocks on a closed Decrypter")
	}
	if len(src)%BlockSize != 0 {
		panic("aescbc: input not full blocks")
	}
	if len(dst) < len(src) {
		panic("aescbc: output smaller than input")
	}
	dst = dst[:len(src)]
	if inexactOverlap(dst, src) {
		panic("aescbc: invalid buffer overlap")
	}
	if len(src) == 0 {
		return
	}
	if d.asm {
		decryptBlocksAsm(d.rounds, &d.dk, dst, src, iv)
		return
	}
	var next [BlockSize]byte
	copy(next[:], src[len(src)-BlockSize:]) // before an in-place overwrite
	cipher.NewCBCDecrypter(d.block, iv[:]).CryptBlocks(dst, src)
	*iv = next
}

// Close zeroes the round keys held by d (the AES-NI path) and drops its
// reference to the stdlib cipher (the fallback path, whose key schedule
// cannot be cleared and stays in memory until garbage collected). Using d
// after Close panics; closing twice is harmless.
func (d *Decrypter) Close() {
	wipe(d.dk[:])
	d.rounds = 0
	d.block = nil
}

// inexactOverlap reports whether x and y share memory without starting at
// the same address.
func inexactOverlap(x, y []byte) bool {
	if len(x) == 0 || len(y) == 0 || &x[0] == &y[0] {
		return false
	}
	x0 := uintptr(unsafe.Pointer(&x[0]))
	y0 := uintptr(unsafe.Pointer(&y[0]))
	return x0 <= y0+uintptr(len(y)-1) && y0 <= x0+uintptr(len(x)-1)
}

// wipe clears b; it is not inlined so that the stores are not removed as
// dead.
//
//go:noinline
func wipe(b []byte) { clear(b) }
