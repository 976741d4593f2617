//go:build amd64 && !purego

#include "textflag.h"

// Key-schedule helpers on AES-NI (constant time, like the rest of the
// path): the pure-Go SubWord and InvMixColumns of keys.go cost about 30 µs
// per key, paid once per extracted file.

// func subWordAsm(t *[4]byte)
// SubWord: the word is copied to the four columns, so AESENCLAST's
// ShiftRows moves equal bytes and its SubBytes is all that acts; the round
// key is zero.
TEXT ·subWordAsm(SB), NOSPLIT, $0-8
	MOVQ       t+0(FP), AX
	MOVL       (AX), BX
	MOVQ       BX, X0
	PSHUFD     $0, X0, X0
	PXOR       X1, X1
	AESENCLAST X1, X0
	MOVQ       X0, BX
	MOVL       BX, (AX)
	PXOR       X0, X0
	RET

// func invMixColumnsAsm(rk *[16]byte)
// InvMixColumns of a round key, in place.
TEXT ·invMixColumnsAsm(SB), NOSPLIT, $0-8
	MOVQ   rk+0(FP), AX
	MOVOU  (AX), X0
	AESIMC X0, X0
	MOVOU  X0, (AX)
	PXOR   X0, X0
	RET
