//go:build amd64 && !purego

package aescbc

import "golang.org/x/sys/cpu"

// haveAsm reports whether the CPU runs the AES-NI path: AESDEC and
// AESDECLAST plus SSE2 (baseline on amd64).
var haveAsm = cpu.X86.HasAES

// useAsm selects the path for Decrypters created from now on. Tests switch
// it off to exercise the stdlib fallback on machines with AES-NI.
var useAsm = haveAsm

// decryptBlocksAsm decrypts the len(src)/16 blocks of src into dst (same
// length; equal or disjoint) with the right-aligned decryption keys dk of
// an nr-round AES, chaining from *iv, and stores the last ciphertext block
// in *iv. It runs eight blocks at a time, then one at a time.
//
//go:noescape
func decryptBlocksAsm(nr int, dk *[(maxRounds + 1) * BlockSize]byte, dst, src []byte, iv *[BlockSize]byte)

// subWordAsm applies the S-box to each byte of *t (AES-NI).
//
//go:noescape
func subWordAsm(t *[4]byte)

// invMixColumnsAsm applies InvMixColumns to the round key *rk (AES-NI).
//
//go:noescape
func invMixColumnsAsm(rk *[16]byte)
