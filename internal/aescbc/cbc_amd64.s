//go:build amd64 && !purego

#include "textflag.h"

// AES-CBC decryption with AES-NI. CBC decryption is parallel: plaintext
// block i is D(C[i]) XOR C[i-1], so eight independent blocks go through the
// rounds together and the AESDEC latency is hidden. Only SSE2 and AES-NI
// instructions are used (no AVX), all loads and stores are unaligned
// MOVOU, and no instruction takes a memory operand that would have to be
// 16-byte aligned.
//
// Registers:
//   X0..X7   eight cipher states
//   X8       current round key
//   X9       chaining value (previous ciphertext block)
//   X10      scratch (ciphertext reloaded for the XOR, tail-loop copy)
//   CX       number of rounds (10, 12 or 14)
//   DI       decryption keys, right-aligned: slot 14-Nr first, slot 14 last
//   R8       address of the first round key (slot 14-Nr)
//   SI, DX   source, destination
//   BX       blocks left
//   AX       iv
//
// In-place operation (DX == SI) is safe: each iteration reads all the
// ciphertext it needs, including the next chaining value, before storing.

// ROUND8(off): one AESDEC round of X0..X7 with the key at off(DI).
#define ROUND8(off) \
	MOVOU  off(DI), X8; \
	AESDEC X8, X0; \
	AESDEC X8, X1; \
	AESDEC X8, X2; \
	AESDEC X8, X3; \
	AESDEC X8, X4; \
	AESDEC X8, X5; \
	AESDEC X8, X6; \
	AESDEC X8, X7

// LAST8(off): the final AESDECLAST round of X0..X7.
#define LAST8(off) \
	MOVOU      off(DI), X8; \
	AESDECLAST X8, X0; \
	AESDECLAST X8, X1; \
	AESDECLAST X8, X2; \
	AESDECLAST X8, X3; \
	AESDECLAST X8, X4; \
	AESDECLAST X8, X5; \
	AESDECLAST X8, X6; \
	AESDECLAST X8, X7

// ROUND1(off): one AESDEC round of X0.
#define ROUND1(off) \
	MOVOU  off(DI), X8; \
	AESDEC X8, X0

// func decryptBlocksAsm(nr int, dk *[240]byte, dst, src []byte, iv *[16]byte)
TEXT ·decryptBlocksAsm(SB), NOSPLIT, $0-72
	MOVQ nr+0(FP), CX
	MOVQ dk+8(FP), DI
	MOVQ dst_base+16(FP), DX
	MOVQ src_base+40(FP), SI
	MOVQ src_len+48(FP), BX
	MOVQ iv+64(FP), AX
	MOVOU (AX), X9

	// R8 = DI + 16*(14-nr)
	MOVQ $14, R8
	SUBQ CX, R8
	SHLQ $4, R8
	ADDQ DI, R8

	SHRQ $4, BX
	CMPQ BX, $8
	JB   tail

loop8:
	MOVOU (R8), X8
	MOVOU 0(SI), X0
	MOVOU 16(SI), X1
	MOVOU 32(SI), X2
	MOVOU 48(SI), X3
	MOVOU 64(SI), X4
	MOVOU 80(SI), X5
	MOVOU 96(SI), X6
	MOVOU 112(SI), X7
	PXOR  X8, X0
	PXOR  X8, X1
	PXOR  X8, X2
	PXOR  X8, X3
	PXOR  X8, X4
	PXOR  X8, X5
	PXOR  X8, X6
	PXOR  X8, X7
	CMPQ  CX, $12
	JB    rounds10x8
	JE    rounds12x8
	ROUND8(16)
	ROUND8(32)

rounds12x8:
	ROUND8(48)
	ROUND8(64)

rounds10x8:
	ROUND8(80)
	ROUND8(96)
	ROUND8(112)
	ROUND8(128)
	ROUND8(144)
	ROUND8(160)
	ROUND8(176)
	ROUND8(192)
	ROUND8(208)
	LAST8(224)

	// P[i] = D(C[i]) XOR C[i-1]; all loads precede the stores.
	PXOR  X9, X0
	MOVOU 0(SI), X10
	PXOR  X10, X1
	MOVOU 16(SI), X10
	PXOR  X10, X2
	MOVOU 32(SI), X10
	PXOR  X10, X3
	MOVOU 48(SI), X10
	PXOR  X10, X4
	MOVOU 64(SI), X10
	PXOR  X10, X5
	MOVOU 80(SI), X10
	PXOR  X10, X6
	MOVOU 96(SI), X10
	PXOR  X10, X7
	MOVOU 112(SI), X9
	MOVOU X0, 0(DX)
	MOVOU X1, 16(DX)
	MOVOU X2, 32(DX)
	MOVOU X3, 48(DX)
	MOVOU X4, 64(DX)
	MOVOU X5, 80(DX)
	MOVOU X6, 96(DX)
	MOVOU X7, 112(DX)
	ADDQ  $128, SI
	ADDQ  $128, DX
	SUBQ  $8, BX
	CMPQ  BX, $8
	JAE   loop8

tail:
	TESTQ BX, BX
	JZ    done

loop1:
	MOVOU (SI), X0
	MOVO  X0, X10
	MOVOU (R8), X8
	PXOR  X8, X0
	CMPQ  CX, $12
	JB    rounds10x1
	JE    rounds12x1
	ROUND1(16)
	ROUND1(32)

rounds12x1:
	ROUND1(48)
	ROUND1(64)

rounds10x1:
	ROUND1(80)
	ROUND1(96)
	ROUND1(112)
	ROUND1(128)
	ROUND1(144)
	ROUND1(160)
	ROUND1(176)
	ROUND1(192)
	ROUND1(208)
	MOVOU      224(DI), X8
	AESDECLAST X8, X0
	PXOR       X9, X0
	MOVO       X10, X9
	MOVOU      X0, (DX)
	ADDQ       $16, SI
	ADDQ       $16, DX
	DECQ       BX
	JNZ        loop1

done:
	MOVOU X9, (AX)

	// Leave no key or plaintext material in the vector registers.
	PXOR  X0, X0
	PXOR  X1, X1
	PXOR  X2, X2
	PXOR  X3, X3
	PXOR  X4, X4
	PXOR  X5, X5
	PXOR  X6, X6
	PXOR  X7, X7
	PXOR  X8, X8
	PXOR  X9, X9
	PXOR  X10, X10
	RET
