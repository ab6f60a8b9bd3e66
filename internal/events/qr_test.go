package events

import (
	"image"
	"math"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/nvrproject/nvr/internal/store"
)

// qrModules renders text as a QR code: one bool per module (true = dark), with a quiet zone.
func qrModules(t *testing.T, text string) (n int, dark func(x, y int) bool) {
	t.Helper()
	m, err := qrcode.NewQRCodeWriter().Encode(text, gozxing.BarcodeFormat_QR_CODE, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m.GetWidth(), func(x, y int) bool { return m.Get(x, y) }
}

// pasteQR draws the code onto the frame's luma, centred at (cx, cy), modules px pixels wide,
// turned by deg degrees (nearest module for each pixel: printed paper seen by a camera).
func pasteQR(t *testing.T, text string, cx, cy, px, deg float64) func(img *image.YCbCr) {
	n, dark := qrModules(t, text)
	return func(img *image.YCbCr) {
		sin, cos := math.Sincos(deg * math.Pi / 180)
		half := float64(n) * px / 2
		r := int(half*math.Sqrt2) + 2
		for y := int(cy) - r; y <= int(cy)+r; y++ {
			for x := int(cx) - r; x <= int(cx)+r; x++ {
				if x < 0 || y < 0 || x >= img.Rect.Dx() || y >= img.Rect.Dy() {
					continue
				}
				// Turn the pixel back into the code's frame.
				dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
				u, v := (cos*dx+sin*dy+half)/px, (-sin*dx+cos*dy+half)/px
				mx, my := int(math.Floor(u)), int(math.Floor(v))
				if mx < 0 || my < 0 || mx >= n || my >= n {
					continue
				}
				val := uint8(235)
				if dark(mx, my) {
					val = 25
				}
				img.Y[y*img.YStride+x] = val
			}
		}
	}
}

func TestQREvents(t *testing.T) {
	h := newHarness(t, Options{})
	cam := testCamera("door")
	cam.Motion.Enabled = false
	cam.QR.Enabled = true
	h.e.Configure(cam)
	s := newScene(1280, 720, 10)

	h.feed("door", 0, s.still(t))
	code := pasteQR(t, "nvr:pair:1234", 700, 380, 5, 17) // about 145 px across, turned 17°
	first := s.frame(t, 0, code)
	h.feed("door", 1, first)
	for sec := 2.0; sec <= 6; sec++ { // held up for a while: no new events
		h.feed("door", sec, s.frame(t, 0, pasteQR(t, "nvr:pair:1234", 700+5*sec, 380, 4.5, 15+sec)))
	}
	h.feed("door", 7, s.still(t))
	evs := h.sink.list(store.EventQR)
	if len(evs) != 1 {
		t.Fatalf("got %d qr events, want 1: %+v", len(evs), evs)
	}
	e := evs[0]
	if e.Text != "nvr:pair:1234" || !e.Start.Equal(at(1)) || !e.End.Equal(at(1)) || e.CameraID != "door" {
		t.Fatalf("event %+v", e)
	}
	if string(h.sink.snapshot(e.ID)) != string(first) {
		t.Error("the snapshot is not the keyframe the code was read in")
	}

	// Seen again 10 s after it was last seen (at 6 s): a new event; another text: another.
	h.feed("door", 16.5, s.frame(t, 0, pasteQR(t, "nvr:pair:1234", 500, 300, 5, -20)))
	h.feed("door", 17.5, s.frame(t, 0, pasteQR(t, "second code", 500, 300, 6, 5)))
	evs = h.sink.list(store.EventQR)
	if len(evs) != 3 || evs[1].Text != "nvr:pair:1234" || !evs[1].Start.Equal(at(16.5)) || evs[2].Text != "second code" {
		t.Fatalf("later events %+v", evs)
	}
	if st, _ := h.e.Status("door"); !st.QREnabled || st.QRCodes < 7 || st.Events != 3 {
		t.Errorf("status %+v", st)
	}
	for _, c := range h.rec.list() {
		t.Errorf("a QR code triggered a recording: %+v", c)
	}
}
