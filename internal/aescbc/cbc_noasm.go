//go:build !amd64 || purego

package aescbc

// haveAsm is false where no assembly is built (non-amd64, or the purego
// build tag).
const haveAsm = false

// useAsm exists so tests can flip it uniformly; it can only be false here.
var useAsm = false

func decryptBlocksAsm(nr int, dk *[(maxRounds + 1) * BlockSize]byte, dst, src []byte, iv *[BlockSize]byte) {
	panic("aescbc: no assembly in this build")
}

func subWordAsm(t *[4]byte)         { panic("aescbc: no assembly in this build") }
func invMixColumnsAsm(rk *[16]byte) { panic("aescbc: no assembly in this build") }
