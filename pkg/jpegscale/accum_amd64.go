package jpegscale

import "golang.org/x/sys/cpu"

// haveAccum says whether accum64 and accum16 may be used: they need AVX2.
var haveAccum = cpu.X86.HasAVX2

// accum64 computes a block's 8×8 pixels from its DC value and its nonzero AC coefficients
// (their coding-order indices ks and values vs, n of them) with the kernel weights w (64 per
// coefficient), in the order blockN's scalar loop uses, and writes them as blockN does (rows
// stride bytes apart from pix), bit for bit.
//
//go:noescape
func accum64(pix *byte, stride int, w *float32, dc float32, ks *uint8, vs *float32, n int)

// accum16 is accum64 for 4×4 outputs (16 weights per coefficient).
//
//go:noescape
func accum16(sum *[64]float32, w *float32, dc float32, ks *uint8, vs *float32, n int)
