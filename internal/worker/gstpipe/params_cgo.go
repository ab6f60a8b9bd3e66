package gstpipe

// #cgo pkg-config: gstreamer-1.0
// #include <gst/gst.h>
// static gsize nvr_buf_peek(void *b, void *dst, gsize n, gsize *size) {
//   GstBuffer *buf = (GstBuffer *)b;
//   *size = gst_buffer_get_size(buf);
//   return gst_buffer_extract(buf, 0, dst, n);
// }
// static int nvr_buf_poke(void *b, void *src, gsize n) {
//   GstBuffer *buf = (GstBuffer *)b;
//   if (!gst_buffer_is_writable(buf)) return 0;
//   return gst_buffer_fill(buf, 0, src, n) == n;
// }
import "C"

import (
	"unsafe"

	"github.com/go-gst/go-gst/gst"
)

// peekBuffer copies the first len(dst) bytes of buf (fewer when it is shorter) into dst and returns
// how many it copied and the buffer's size: one cgo call where go-gst's GetSize and Extract take five
// (Extract mallocs, copies twice and frees), for every RTP packet the parameter-set filter reads.
func peekBuffer(buf *gst.Buffer, dst []byte) (n, size int) {
	var sz C.gsize
	got := C.nvr_buf_peek(unsafe.Pointer(buf.Instance()), unsafe.Pointer(&dst[0]), C.gsize(len(dst)), &sz)
	return int(got), int(sz)
}

// pokeBuffer writes src over the first bytes of buf when buf is writable, and reports whether it did.
func pokeBuffer(buf *gst.Buffer, src []byte) bool {
	return C.nvr_buf_poke(unsafe.Pointer(buf.Instance()), unsafe.Pointer(&src[0]), C.gsize(len(src))) != 0
}
