package gstpipe

// #cgo pkg-config: gstreamer-1.0
// #include <gst/gst.h>
// static void nvr_shift_dts(void *b, guint64 off) {
//   GstBuffer *buf = (GstBuffer *)b;
//   if (GST_BUFFER_DTS_IS_VALID(buf)) GST_BUFFER_DTS(buf) += off;
// }
import "C"

import (
	"time"
	"unsafe"

	"github.com/go-gst/go-gst/gst"
)

// shiftDTS adds off to buf's decode time, if it has one (go-gst has no setter for it).
func shiftDTS(buf *gst.Buffer, off time.Duration) {
	C.nvr_shift_dts(unsafe.Pointer(buf.Instance()), C.guint64(off))
}
