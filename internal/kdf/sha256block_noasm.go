//go:build !amd64 || purego

package kdf

// haveSHANI is false where no assembly is built (non-amd64, or the purego
// build tag).
const haveSHANI = false

// useSHANI exists so tests can flip it uniformly; it has no effect here.
var useSHANI = false

func block256(h *[8]uint32, p []byte) { block256Generic(h, p) }

func iterate256(st *state256, n int) {
	if n <= 0 {
		return
	}
	iterate256Generic(st, n)
}
