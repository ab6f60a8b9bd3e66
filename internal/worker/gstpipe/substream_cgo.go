package gstpipe

// #cgo pkg-config: gstreamer-1.0
// #include <gst/gst.h>
// static int nvr_msg_within(void *m, void *bin) {
//   GstMessage *msg = (GstMessage *)m;
//   return GST_MESSAGE_SRC(msg) != NULL && gst_object_has_as_ancestor(GST_MESSAGE_SRC(msg), GST_OBJECT(bin));
// }
import "C"

import (
	"unsafe"

	"github.com/go-gst/go-gst/gst"
)

// msgWithin says whether msg was posted by bin or an element inside it (go-gst gives only the
// source's name, and rtspsrc's own children have names nvr does not choose).
func msgWithin(msg *gst.Message, bin *gst.Element) bool {
	return C.nvr_msg_within(unsafe.Pointer(msg.Instance()), unsafe.Pointer(bin.Instance())) != 0
}
