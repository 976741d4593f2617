//go:build amd64 && !purego

#include "textflag.h"
#include "go_asm.h"

// SHA-256 with the x86 SHA extensions (SHA256RNDS2, SHA256MSG1, SHA256MSG2),
// plus SSSE3 PSHUFB/PALIGNR and SSE4.1 PBLENDW. No AVX is used.
//
// Register use in both functions:
//   X0       message words + round constants (implicit SHA256RNDS2 operand)
//   X1, X2   working state in the SHA-NI layout ABEF, CDGH (lane 3 first)
//   X3..X6   message schedule, four words each (W[4j..4j+3] in slot j%4)
//   X7       scratch
//   AX       round constant table
//
// Operand order is Go's: SHA256RNDS2 X0, src(ABEF), dst(CDGH -> new ABEF);
// SHA256MSG1/2 src, dst with dst = f(dst, src).

// RNDS4K(V, off): four rounds with message vector V and K[off/4..off/4+3].
#define RNDS4K(V, off) \
	MOVOU       off(AX), X0; \
	PADDD       V, X0; \
	SHA256RNDS2 X0, X1, X2; \
	PSHUFD      $0x0e, X0, X0; \
	SHA256RNDS2 X0, X2, X1

// RNDS4W(off): four rounds whose W+K sum is precomputed at off(BX).
#define RNDS4W(off) \
	MOVOU       off(BX), X0; \
	SHA256RNDS2 X0, X1, X2; \
	PSHUFD      $0x0e, X0, X0; \
	SHA256RNDS2 X0, X2, X1

// SCHED(D, Vm2, Vm1): D holds SHA256MSG1(W[t-16..], W[t-12..]); finish the
// next four schedule words from the previous two vectors.
#define SCHED(D, Vm2, Vm1) \
	MOVO       Vm1, X7; \
	PALIGNR    $4, Vm2, X7; \
	PADDD      X7, D; \
	SHA256MSG2 Vm1, D

// ROUNDS16TO63: rounds 16..63 with the remaining schedule work (the
// caller has computed W[16..19] and the SHA256MSG1 step for W[20..23]).
#define ROUNDS16TO63 \
	RNDS4K(X3, 64);  SCHED(X4, X6, X3); SHA256MSG1 X3, X6; \
	RNDS4K(X4, 80);  SCHED(X5, X3, X4); SHA256MSG1 X4, X3; \
	RNDS4K(X5, 96);  SCHED(X6, X4, X5); SHA256MSG1 X5, X4; \
	RNDS4K(X6, 112); SCHED(X3, X5, X6); SHA256MSG1 X6, X5; \
	RNDS4K(X3, 128); SCHED(X4, X6, X3); SHA256MSG1 X3, X6; \
	RNDS4K(X4, 144); SCHED(X5, X3, X4); SHA256MSG1 X4, X3; \
	RNDS4K(X5, 160); SCHED(X6, X4, X5); SHA256MSG1 X5, X4; \
	RNDS4K(X6, 176); SCHED(X3, X5, X6); SHA256MSG1 X6, X5; \
	RNDS4K(X3, 192); SCHED(X4, X6, X3); SHA256MSG1 X3, X6; \
	RNDS4K(X4, 208); SCHED(X5, X3, X4); \
	RNDS4K(X5, 224); SCHED(X6, X4, X5); \
	RNDS4K(X6, 240)

// FROM_WORDS(A, B): A = h[0..3], B = h[4..7] (lane 0 first) become the
// SHA-NI layout A = ABEF, B = CDGH.
#define FROM_WORDS(A, B) \
	PSHUFD  $0xb1, A, A; \
	PSHUFD  $0x1b, B, B; \
	MOVO    A, X7; \
	PALIGNR $8, B, A; \
	PBLENDW $0xf0, X7, B

// TO_WORDS: X1 = ABEF, X2 = CDGH become X3 = h[0..3], X4 = h[4..7].
#define TO_WORDS \
	PSHUFD  $0x1b, X1, X3; \
	PSHUFD  $0xb1, X2, X4; \
	MOVO    X3, X7; \
	PBLENDW $0xf0, X4, X3; \
	PALIGNR $8, X7, X4

// func block256SHANI(h *[8]uint32, p []byte)
TEXT ·block256SHANI(SB), NOSPLIT, $0-32
	MOVQ h+0(FP), DI
	MOVQ p_base+8(FP), SI
	MOVQ p_len+16(FP), DX
	SHRQ $6, DX
	JZ   blockdone

	MOVOU 0(DI), X1
	MOVOU 16(DI), X2
	FROM_WORDS(X1, X2)
	MOVOU flip256<>(SB), X10
	LEAQ  k256<>(SB), AX

blockloop:
	MOVO X1, X8
	MOVO X2, X9

	MOVOU  0(SI), X3
	PSHUFB X10, X3
	MOVOU  16(SI), X4
	PSHUFB X10, X4
	MOVOU  32(SI), X5
	PSHUFB X10, X5
	MOVOU  48(SI), X6
	PSHUFB X10, X6

	RNDS4K(X3, 0)
	RNDS4K(X4, 16)
	SHA256MSG1 X4, X3
	RNDS4K(X5, 32)
	SHA256MSG1 X5, X4
	RNDS4K(X6, 48)
	SCHED(X3, X5, X6)
	SHA256MSG1 X6, X5
	ROUNDS16TO63

	PADDD X8, X1
	PADDD X9, X2

	ADDQ $64, SI
	DECQ DX
	JNZ  blockloop

	TO_WORDS
	MOVOU X3, 0(DI)
	MOVOU X4, 16(DI)

	// Leave no message or state words in the vector registers.
	PXOR X0, X0
	PXOR X1, X1
	PXOR X2, X2
	PXOR X3, X3
	PXOR X4, X4
	PXOR X5, X5
	PXOR X6, X6
	PXOR X7, X7
	PXOR X8, X8
	PXOR X9, X9

blockdone:
	RET

// One compression of the fixed PBKDF2 block: X3, X4 hold the 32-byte
// previous digest as words, the rest of the block is constant.
#define PBKDF2_COMPRESS \
	MOVOU 32(BX), X5; \
	MOVOU 48(BX), X6; \
	RNDS4K(X3, 0); \
	RNDS4K(X4, 16); \
	SHA256MSG1 X4, X3; \
	RNDS4W(0); \
	SHA256MSG1 X5, X4; \
	RNDS4W(16); \
	SCHED(X3, X5, X6); \
	SHA256MSG1 X6, X5; \
	ROUNDS16TO63

// func iterate256SHANI(st *state256, n int)
//
// The state256 field offsets come from go_asm.h (state256_ipad, ...), so
// a change to the Go struct cannot silently desynchronise this code.
TEXT ·iterate256SHANI(SB), NOSPLIT, $0-16
	MOVQ  st+0(FP), DI
	MOVQ  n+8(FP), CX
	TESTQ CX, CX
	JLE   iterdone

	LEAQ k256<>(SB), AX
	LEAQ pad256<>(SB), BX

	MOVOU state256_ipad(DI), X8
	MOVOU state256_ipad+16(DI), X9
	FROM_WORDS(X8, X9)
	MOVOU state256_opad(DI), X10
	MOVOU state256_opad+16(DI), X11
	FROM_WORDS(X10, X11)
	MOVOU state256_u(DI), X3
	MOVOU state256_u+16(DI), X4
	MOVOU state256_acc(DI), X12
	MOVOU state256_acc+16(DI), X13

iterloop:
	// inner: H(key^ipad || U)
	MOVO X8, X1
	MOVO X9, X2
	PBKDF2_COMPRESS
	PADDD X8, X1
	PADDD X9, X2
	TO_WORDS

	// outer: H(key^opad || inner)
	MOVO X10, X1
	MOVO X11, X2
	PBKDF2_COMPRESS
	PADDD X10, X1
	PADDD X11, X2
	TO_WORDS

	PXOR X3, X12
	PXOR X4, X13
	DECQ CX
	JNZ  iterloop

	MOVOU X3, state256_u(DI)
	MOVOU X4, state256_u+16(DI)
	MOVOU X12, state256_acc(DI)
	MOVOU X13, state256_acc+16(DI)

	// Leave no key-derived words in the vector registers.
	PXOR X0, X0
	PXOR X1, X1
	PXOR X2, X2
	PXOR X3, X3
	PXOR X4, X4
	PXOR X5, X5
	PXOR X6, X6
	PXOR X7, X7
	PXOR X8, X8
	PXOR X9, X9
	PXOR X10, X10
	PXOR X11, X11
	PXOR X12, X12
	PXOR X13, X13

iterdone:
	RET

// func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eaxArg+0(FP), AX
	MOVL ecxArg+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// SHA-256 round constants, four per 16-byte row (lane 0 first).
DATA k256<>+0(SB)/4, $0x428a2f98
DATA k256<>+4(SB)/4, $0x71374491
DATA k256<>+8(SB)/4, $0xb5c0fbcf
DATA k256<>+12(SB)/4, $0xe9b5dba5
DATA k256<>+16(SB)/4, $0x3956c25b
DATA k256<>+20(SB)/4, $0x59f111f1
DATA k256<>+24(SB)/4, $0x923f82a4
DATA k256<>+28(SB)/4, $0xab1c5ed5
DATA k256<>+32(SB)/4, $0xd807aa98
DATA k256<>+36(SB)/4, $0x12835b01
DATA k256<>+40(SB)/4, $0x243185be
DATA k256<>+44(SB)/4, $0x550c7dc3
DATA k256<>+48(SB)/4, $0x72be5d74
DATA k256<>+52(SB)/4, $0x80deb1fe
DATA k256<>+56(SB)/4, $0x9bdc06a7
DATA k256<>+60(SB)/4, $0xc19bf174
DATA k256<>+64(SB)/4, $0xe49b69c1
DATA k256<>+68(SB)/4, $0xefbe4786
DATA k256<>+72(SB)/4, $0x0fc19dc6
DATA k256<>+76(SB)/4, $0x240ca1cc
DATA k256<>+80(SB)/4, $0x2de92c6f
DATA k256<>+84(SB)/4, $0x4a7484aa
DATA k256<>+88(SB)/4, $0x5cb0a9dc
DATA k256<>+92(SB)/4, $0x76f988da
DATA k256<>+96(SB)/4, $0x983e5152
DATA k256<>+100(SB)/4, $0xa831c66d
DATA k256<>+104(SB)/4, $0xb00327c8
DATA k256<>+108(SB)/4, $0xbf597fc7
DATA k256<>+112(SB)/4, $0xc6e00bf3
DATA k256<>+116(SB)/4, $0xd5a79147
DATA k256<>+120(SB)/4, $0x06ca6351
DATA k256<>+124(SB)/4, $0x14292967
DATA k256<>+128(SB)/4, $0x27b70a85
DATA k256<>+132(SB)/4, $0x2e1b2138
DATA k256<>+136(SB)/4, $0x4d2c6dfc
DATA k256<>+140(SB)/4, $0x53380d13
DATA k256<>+144(SB)/4, $0x650a7354
DATA k256<>+148(SB)/4, $0x766a0abb
DATA k256<>+152(SB)/4, $0x81c2c92e
DATA k256<>+156(SB)/4, $0x92722c85
DATA k256<>+160(SB)/4, $0xa2bfe8a1
DATA k256<>+164(SB)/4, $0xa81a664b
DATA k256<>+168(SB)/4, $0xc24b8b70
DATA k256<>+172(SB)/4, $0xc76c51a3
DATA k256<>+176(SB)/4, $0xd192e819
DATA k256<>+180(SB)/4, $0xd6990624
DATA k256<>+184(SB)/4, $0xf40e3585
DATA k256<>+188(SB)/4, $0x106aa070
DATA k256<>+192(SB)/4, $0x19a4c116
DATA k256<>+196(SB)/4, $0x1e376c08
DATA k256<>+200(SB)/4, $0x2748774c
DATA k256<>+204(SB)/4, $0x34b0bcb5
DATA k256<>+208(SB)/4, $0x391c0cb3
DATA k256<>+212(SB)/4, $0x4ed8aa4a
DATA k256<>+216(SB)/4, $0x5b9cca4f
DATA k256<>+220(SB)/4, $0x682e6ff3
DATA k256<>+224(SB)/4, $0x748f82ee
DATA k256<>+228(SB)/4, $0x78a5636f
DATA k256<>+232(SB)/4, $0x84c87814
DATA k256<>+236(SB)/4, $0x8cc70208
DATA k256<>+240(SB)/4, $0x90befffa
DATA k256<>+244(SB)/4, $0xa4506ceb
DATA k256<>+248(SB)/4, $0xbef9a3f7
DATA k256<>+252(SB)/4, $0xc67178f2
GLOBL k256<>(SB), RODATA|NOPTR, $256

// Constants for the fixed second half of every PBKDF2 block (a 32-byte
// digest after one 64-byte pad block: 0x80, zeros, bit length 768):
// +0 K[8..11]+W[8..11], +16 K[12..15]+W[12..15], +32 W[8..11], +48 W[12..15].
DATA pad256<>+0(SB)/4, $0x5807aa98
DATA pad256<>+4(SB)/4, $0x12835b01
DATA pad256<>+8(SB)/4, $0x243185be
DATA pad256<>+12(SB)/4, $0x550c7dc3
DATA pad256<>+16(SB)/4, $0x72be5d74
DATA pad256<>+20(SB)/4, $0x80deb1fe
DATA pad256<>+24(SB)/4, $0x9bdc06a7
DATA pad256<>+28(SB)/4, $0xc19bf474
DATA pad256<>+32(SB)/4, $0x80000000
DATA pad256<>+36(SB)/4, $0x00000000
DATA pad256<>+40(SB)/4, $0x00000000
DATA pad256<>+44(SB)/4, $0x00000000
DATA pad256<>+48(SB)/4, $0x00000000
DATA pad256<>+52(SB)/4, $0x00000000
DATA pad256<>+56(SB)/4, $0x00000000
DATA pad256<>+60(SB)/4, $0x00000300
GLOBL pad256<>(SB), RODATA|NOPTR, $64

// PSHUFB mask turning big-endian message bytes into dwords.
DATA flip256<>+0(SB)/8, $0x0405060700010203
DATA flip256<>+8(SB)/8, $0x0c0d0e0f08090a0b
GLOBL flip256<>(SB), RODATA|NOPTR, $16

