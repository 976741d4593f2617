// Package cbcio decrypts the AES-256-CBC payloads of encrypted iOS backups
// (zero IV, PKCS#7 padding) as streams, in bounded memory.
//
// # Security
//
// Ciphertext is untrusted: its length must be a positive multiple of the
// block size and the padding must be valid PKCS#7, else a typed error is
// returned. Only the final block is held back until the end of the stream
// is known; plaintext is never written anywhere but to the caller.
package cbcio
