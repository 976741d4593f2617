// Package kdf derives iTunes/Finder backup keys from passwords with PBKDF2
// (RFC 8018), specialised for the 10,000,000-iteration first stage of iOS
// ≥ 10.2 backups.
//
// Unlocking an iOS ≥ 10.2 backup computes
//
//	k1  := Key256(password, DPSL, DPIC, 32) // PBKDF2-HMAC-SHA256, DPIC = 10,000,000 in practice
//	kek := Key1(k1, SALT, ITER, 32)         // PBKDF2-HMAC-SHA1,   ITER = 10,000
//
// and older backups (iOS 4–10.1) compute only Key1(password, SALT, ITER, 32).
// Which branch applies is the keybag's business (presence of DPSL/DPIC).
//
// Key256 hashes the HMAC key's ipad and opad blocks once, so that each
// PBKDF2 iteration costs exactly two compressions (inner, outer) of a fixed
// 64-byte block: the previous 32- or 20-byte U value followed by constant
// padding. Nothing is allocated per iteration. On amd64 CPUs with the SHA
// extensions (SHA-NI, detected at run time) the whole SHA-256 iteration loop
// runs in assembly with the pad states, U and the running XOR held in vector
// registers (about 1.9x faster than crypto/pbkdf2, see BENCHMARKS.md).
// Elsewhere (other CPUs, other architectures, the purego build tag) Key256
// delegates to crypto/pbkdf2, whose SHA-256 has assembly for more platforms
// and beats a pure-Go loop there; the package's own pure-Go loop is the last
// resort, used when crypto/pbkdf2 refuses the input.
// Key1 is crypto/pbkdf2 with crypto/sha1 (assembly on the common
// platforms, faster than a pure-Go SHA-1): its stage is 10,000
// iterations, well under 1% of an unlock. SHA-1 is forbidden in FIPS
// 140-only mode (GODEBUG=fips140=only, where crypto/sha1 panics); iOS
// backups cannot be read without it, so CheckSHA1 reports ErrFIPSOnly there
// and Key1 returns nil.
//
// Results equal crypto/pbkdf2.Key with sha256.New / sha1.New for every
// password (including empty ones and ones longer than the 64-byte block,
// which HMAC hashes first), salt, iteration count and key length.
//
// # Security
//
// The functions keep no state between calls. Intermediate buffers (the padded
// key blocks, the ipad/opad chaining values, U, the accumulator and the
// message blocks) are zeroed before returning, through non-inlined helpers so
// the stores are not optimised away, and the assembly clears the vector
// registers it used. This is best effort: Go may have copied values on the
// stack, and the caller owns (and should clear) the password and the
// returned key. When Key256 delegates to crypto/pbkdf2 (no SHA extensions), and always
// for Key1,
// that package's HMAC state and a string copy of the password are left to
// the garbage collector. The returned slice has no spare capacity holding
// further derived bytes.
//
// Running time depends on iter, keyLen and the lengths of password and salt,
// never on their contents. Both functions run for time proportional to
// iter × ceil(keyLen/hLen), so iteration counts read from an untrusted
// keybag must be bounded by the caller.
//
// # Compatibility
//
// Key256 and Key1 follow RFC 8018 PBKDF2 with HMAC (RFC 2104). An iter below
// 1 is treated as 1; a keyLen below 1 or above (2^32−1)×hLen returns nil
// (crypto/pbkdf2 returns an error there).
//
// # Concurrency
//
// Key256 and Key1 are safe for concurrent use. The implementation switch is
// read-only after package initialisation (tests alone change it).
package kdf
