#include "textflag.h"

// ROWOUT writes the eight sums in Y (X is its low half) as one row of pixels at DI, then moves
// DI down a row (DX bytes). Y12 holds 128.5, Y13 zero, Y14 255; X8 is scratch.
#define ROWOUT(Y, X) \
	VADDPS Y12, Y, Y \
	VMAXPS Y13, Y, Y \
	VMINPS Y14, Y, Y \
	VCVTTPS2DQ Y, Y \
	VEXTRACTI128 $1, Y, X8 \
	VPACKUSDW X8, X, X \
	VPACKUSWB X, X, X \
	VMOVQ X, (DI) \
	ADDQ DX, DI

// func accum64(pix *byte, stride int, w *float32, dc float32, ks *uint8, vs *float32, n int)
// sum[j] = dc*w[j]; then for i < n: sum[j] += vs[i]*w[ks[i]*64+j], j < 64. Multiply and add
// are separate instructions, each rounded to float32, as the scalar Go code does them. Then
// pixel j (row j/8 at pix + (j/8)*stride) is toByte(sum[j] + 128.5): add, clamp to 0..255,
// truncate.
TEXT ·accum64(SB), NOSPLIT, $0-56
	MOVQ pix+0(FP), DI
	MOVQ stride+8(FP), DX
	MOVQ w+16(FP), SI
	VBROADCASTSS dc+24(FP), Y15
	MOVQ ks+32(FP), R8
	MOVQ vs+40(FP), R9
	MOVQ n+48(FP), CX
	VMULPS 0(SI), Y15, Y0
	VMULPS 32(SI), Y15, Y1
	VMULPS 64(SI), Y15, Y2
	VMULPS 96(SI), Y15, Y3
	VMULPS 128(SI), Y15, Y4
	VMULPS 160(SI), Y15, Y5
	VMULPS 192(SI), Y15, Y6
	VMULPS 224(SI), Y15, Y7
	TESTQ CX, CX
	JZ done64
loop64:
	MOVBQZX (R8), AX
	SHLQ $8, AX
	ADDQ SI, AX
	VBROADCASTSS (R9), Y15
	VMULPS 0(AX), Y15, Y8
	VMULPS 32(AX), Y15, Y9
	VMULPS 64(AX), Y15, Y10
	VMULPS 96(AX), Y15, Y11
	VADDPS Y8, Y0, Y0
	VADDPS Y9, Y1, Y1
	VADDPS Y10, Y2, Y2
	VADDPS Y11, Y3, Y3
	VMULPS 128(AX), Y15, Y8
	VMULPS 160(AX), Y15, Y9
	VMULPS 192(AX), Y15, Y10
	VMULPS 224(AX), Y15, Y11
	VADDPS Y8, Y4, Y4
	VADDPS Y9, Y5, Y5
	VADDPS Y10, Y6, Y6
	VADDPS Y11, Y7, Y7
	INCQ R8
	ADDQ $4, R9
	DECQ CX
	JNZ loop64
done64:
	MOVL $0x43008000, AX // 128.5
	VMOVQ AX, X12
	VBROADCASTSS X12, Y12
	VXORPS Y13, Y13, Y13
	MOVL $0x437f0000, AX // 255
	VMOVQ AX, X14
	VBROADCASTSS X14, Y14
	ROWOUT(Y0, X0)
	ROWOUT(Y1, X1)
	ROWOUT(Y2, X2)
	ROWOUT(Y3, X3)
	ROWOUT(Y4, X4)
	ROWOUT(Y5, X5)
	ROWOUT(Y6, X6)
	ROWOUT(Y7, X7)
	VZEROUPPER
	RET

// func accum16(sum *[64]float32, w *float32, dc float32, ks *uint8, vs *float32, n int)
// accum64 for 16 outputs a block (scale 1/2): w holds 16 weights per coefficient.
TEXT ·accum16(SB), NOSPLIT, $0-48
	MOVQ sum+0(FP), DI
	MOVQ w+8(FP), SI
	VBROADCASTSS dc+16(FP), Y15
	MOVQ ks+24(FP), R8
	MOVQ vs+32(FP), R9
	MOVQ n+40(FP), CX
	VMULPS 0(SI), Y15, Y0
	VMULPS 32(SI), Y15, Y1
	TESTQ CX, CX
	JZ done16
loop16:
	MOVBQZX (R8), AX
	SHLQ $6, AX
	ADDQ SI, AX
	VBROADCASTSS (R9), Y15
	VMULPS 0(AX), Y15, Y8
	VMULPS 32(AX), Y15, Y9
	VADDPS Y8, Y0, Y0
	VADDPS Y9, Y1, Y1
	INCQ R8
	ADDQ $4, R9
	DECQ CX
	JNZ loop16
done16:
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VZEROUPPER
	RET
