// Package aescbc decrypts AES-CBC (AES-256-CBC in iOS backups) fast, using
// the parallelism of CBC decryption on AES-NI CPUs.
//
// CBC encryption is serial, but decryption is not: plaintext block i is
// D(C[i]) XOR C[i-1], and every C is known in advance. crypto/cipher's CBC
// decrypter nevertheless runs one block at a time through the AES-NI
// pipeline, waiting out each AESDEC's latency. On amd64 CPUs with AES-NI
// (detected at run time with golang.org/x/sys/cpu) this package runs eight
// blocks through the rounds together in assembly, then finishes the last
// zero to seven blocks one at a time; that is several times the stdlib's
// throughput per core. Elsewhere (other architectures, the purego build
// tag, CPUs without AES-NI) it uses crypto/aes with cipher.NewCBCDecrypter.
//
// A Decrypter holds only the key schedule; the chaining value lives with
// the caller and CryptBlocks advances it, so a stream can be decrypted in
// pieces of any block-multiple size, and independent streams (or the
// pieces of one stream whose preceding ciphertext block is known) can be
// decrypted in parallel with one Decrypter.
//
// # Security
//
// The AES-NI path is constant-time: AESDEC and AESDECLAST have no
// data-dependent timing and the assembly has no secret-dependent branches
// or memory addresses. The key schedule (FIPS-197 key expansion and the
// InvMixColumns transform of the equivalent inverse cipher) takes its
// SubWord from AESENCLAST and its InvMixColumns from AESIMC (about 2 µs per
// key, against 30 µs for the Go below: it is paid once per extracted
// file); the Go version, kept for tests and checked against it, uses no
// tables: S-box values are computed arithmetically (inversion as x^254 in
// GF(2^8), then the affine map) and GF(2^8) products use masks, so
// expansion time does not depend on the key either. The fallback path
// is the standard library's crypto/aes with its properties: constant-time
// where the stdlib uses hardware AES instructions (e.g. arm64 with the AES
// extension); its portable Go code, used on CPUs without them and under
// the purego tag, is table-based and not guaranteed constant-time against
// cache-timing attacks.
//
// The expanded decryption keys stay in the Decrypter until Close zeroes
// them; temporaries of the key expansion are zeroed before NewDecrypter
// returns, through non-inlined helpers, and the assembly clears the vector
// registers it used. This is best effort: Go may copy values on the stack,
// and the fallback's stdlib key schedule cannot be cleared (it is only
// dropped, and lives until garbage collected). The key passed to
// NewDecrypter is not retained; the caller owns and should clear it.
//
// CBC is unauthenticated: decrypting tampered ciphertext yields garbage
// plaintext, never an error. Padding is not handled here (see cbcio).
//
// # Compatibility
//
// Output equals crypto/cipher.NewCBCDecrypter over crypto/aes for every
// key (16, 24 or 32 bytes), IV and block-multiple length, in place or not;
// the tests check this on both paths, plus the NIST SP 800-38A F.2 CBC
// vectors and FIPS-197 key-expansion values. Misuse (a length that is not
// a multiple of 16, a dst shorter than src, partially overlapping buffers,
// use after Close) panics, as crypto/cipher.BlockMode does; callers must
// validate untrusted ciphertext lengths first. The assembly uses only SSE2
// and AES-NI (no AVX) and makes no alignment assumptions.
//
// # Concurrency
//
// A Decrypter is safe for concurrent use by multiple goroutines as long as
// each call has its own iv and buffers; Close must not run concurrently
// with CryptBlocks. The implementation switch is read once per Decrypter,
// at construction (tests alone change it).
package aescbc
