//go:build amd64 && !purego

package kdf

import "golang.org/x/sys/cpu"

// haveSHANI reports whether the CPU can run the SHA extensions code path:
// SHA256RNDS2/SHA256MSG1/SHA256MSG2 plus the SSSE3 (PSHUFB, PALIGNR) and
// SSE4.1 (PBLENDW) instructions it also uses.
var haveSHANI = detectSHANI()

// useSHANI selects the assembly path. Tests switch it off to exercise the
// pure-Go fallback on machines that have the extensions.
var useSHANI = haveSHANI

func detectSHANI() bool {
	if !cpu.X86.HasSSSE3 || !cpu.X86.HasSSE41 {
		return false
	}
	// golang.org/x/sys/cpu has no flag for the SHA extensions on x86, so
	// read CPUID leaf 7 (EBX bit 29) directly.
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, ebx, _, _ := cpuid(7, 0)
	return ebx&(1<<29) != 0
}

// cpuid executes the CPUID instruction.
func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

// block256SHANI hashes the whole 64-byte blocks of p into h.
//
//go:noescape
func block256SHANI(h *[8]uint32, p []byte)

// iterate256SHANI runs n further PBKDF2 iterations on st, keeping the pad
// states, the current U and the accumulator in registers.
//
//go:noescape
func iterate256SHANI(st *state256, n int)

func block256(h *[8]uint32, p []byte) {
	if useSHANI {
		block256SHANI(h, p)
		return
	}
	block256Generic(h, p)
}

func iterate256(st *state256, n int) {
	if n <= 0 {
		return
	}
	if useSHANI {
		// The assembly loop has no preemption point: run it in chunks
		// of about 10 ms so that the scheduler and the garbage collector
		// are never held up for the whole derivation (about a second).
		for n > 0 {
			c := min(n, iterChunk)
			iterate256SHANI(st, c)
			n -= c
		}
		return
	}
	iterate256Generic(st, n)
}

// iterChunk is the number of iterations run by one call of the assembly
// loop (about 10 ms at the SHA-NI rate of ~10M iterations a second).
const iterChunk = 1 << 17
