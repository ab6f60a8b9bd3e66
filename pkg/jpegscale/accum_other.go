//go:build !amd64

package jpegscale

// haveAccum is false: blockN uses its scalar loop.
var haveAccum = false

func accum64(pix *byte, stride int, w *float32, dc float32, ks *uint8, vs *float32, n int) {
	panic("jpegscale: accum64 without AVX2")
}

func accum16(sum *[64]float32, w *float32, dc float32, ks *uint8, vs *float32, n int) {
	panic("jpegscale: accum16 without AVX2")
}
