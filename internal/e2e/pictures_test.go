package e2e

import (
	"bytes"
	"image"
	"path/filepath"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
)

// jpegSize is the size of a JPEG, 0×0 when it is none.
func jpegSize(b []byte) (int, int) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return 0, 0
	}
	return cfg.Width, cfg.Height
}

// encodeSharp is encodeScene at a bitrate that keeps small detail (a QR code's modules) sharp.
func encodeSharp(t *testing.T, w, h, fps, n int, draw scene) [][][]byte {
	t.Helper()
	y4m := filepath.Join(t.TempDir(), "scene.y4m")
	writeY4M(t, y4m, w, h, fps, n, draw)
	aus, err := testcam.Encode(t.TempDir(), testcam.Clip{Width: w, Height: h, FPS: fps, KeyInt: fps, BitrateKbps: 4000, Frames: n,
		Source: "filesrc location=" + y4m + " ! y4mdec"})
	if err != nil {
		t.Fatal(err)
	}
	return aus
}

// TestPicturesAtFullSizeWhereNeeded: the worker sends keyframes at the analysis size (≤640 px, checked
// in gstpipe), yet what people see is full size. A 1920×1080 camera showing a small QR code (3-pixel
// modules: one pixel at the analysis size) with QR reading on makes a QR event, whose picture is
// 1920×1080; a 1280×720 camera with motion gets a motion event whose picture becomes 1280×720; the
// snapshot route answers both cameras at their full size.
func TestPicturesAtFullSizeWhereNeeded(t *testing.T) {
	t.Parallel() // mostly waits on the cameras' real time; its own nvrd, cameras, port and temp dir
	need(t)
	const text = "nvr-full-size-qr"
	m, err := qrcode.NewQRCodeWriter().Encode(text, gozxing.BarcodeFormat_QR_CODE, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	const px, x0, y0 = 3, 1500, 700
	qrScene := encodeSharp(t, 1920, 1080, 5, 10, func(_ int, y []byte, w, h int) {
		for i := range y {
			y[i] = 150
		}
		for my := 0; my < m.GetHeight(); my++ {
			for mx := 0; mx < m.GetWidth(); mx++ {
				v := byte(235)
				if m.Get(mx, my) {
					v = 20
				}
				for dy := 0; dy < px; dy++ {
					for dx := 0; dx < px; dx++ {
						y[(y0+my*px+dy)*w+x0+mx*px+dx] = v
					}
				}
			}
		}
	})
	moving := encodeScene(t, 1280, 720, 5, 40, func(i int, y []byte, w, h int) {
		for k := range y {
			y[k] = 120
		}
		x := 40 + i*25
		for r := 200; r < 500; r++ {
			for c := x; c < x+200; c++ {
				y[r*w+c] = 20
			}
		}
	})
	n := startNVR(t)
	qrCam := startCamera(t, testcam.Options{AUs: qrScene, FPS: 5})
	yardCam := startCamera(t, testcam.Options{AUs: moving, FPS: 5})
	for _, c := range []struct {
		name, url string
		analysis  map[string]any
	}{
		{"Door", qrCam.URL(), map[string]any{"qr": map[string]any{"enabled": true}, "motion": map[string]any{"enabled": false}}},
		{"Yard", yardCam.URL(), map[string]any{"motion": map[string]any{"enabled": true}}},
	} {
		body := map[string]any{"name": c.name, "url": c.url, "record": map[string]any{"mode": "off"},
			"detect": map[string]any{"enabled": false}}
		for k, v := range c.analysis {
			body[k] = v
		}
		var out map[string]any
		if code := n.do("POST", "/api/cameras", body, &out); code != 201 {
			t.Fatalf("create %s: %d %v", c.name, code, out)
		}
	}
	for id, w := range map[string]int{"door": 1920, "yard": 1280} {
		s := n.waitStatus(id, 30*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming && s.Width > 0 })
		if s.Width != w || s.Height != w*9/16 {
			t.Fatalf("camera %s's status says %dx%d, want the stream's %dx%d (not the analysis picture's)", id, s.Width, s.Height, w, w*9/16)
		}
	}
	n.waitSnapshot("door", 1920, 1080, 20*time.Second)
	n.waitSnapshot("yard", 1280, 720, 20*time.Second)

	deadline := time.Now().Add(40 * time.Second)
	var qrSize, motionSize [2]int
	for time.Now().Before(deadline) {
		if evs := n.events("camera=door&kind=qr"); len(evs) > 0 {
			if evs[0].Snapshot == "" {
				t.Fatalf("QR event without a picture: %+v", evs[0])
			}
			_, b, _ := n.body(evs[0].Snapshot, nil)
			qrSize[0], qrSize[1] = jpegSize(b)
		}
		if evs := n.events("camera=yard&kind=motion"); len(evs) > 0 && evs[0].Snapshot != "" {
			_, b, _ := n.body(evs[0].Snapshot, nil)
			motionSize[0], motionSize[1] = jpegSize(b)
		}
		if qrSize == [2]int{1920, 1080} && motionSize == [2]int{1280, 720} {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if qrSize != [2]int{1920, 1080} {
		t.Errorf("QR event picture %v (0×0: no QR event read), want 1920×1080", qrSize)
	}
	if motionSize != [2]int{1280, 720} {
		t.Errorf("motion event picture %v (0×0: no motion event), want 1280×720", motionSize)
	}
	var qrs []struct {
		Text string `json:"text"`
	}
	if code := n.do("GET", "/api/events?camera=door&kind=qr", nil, &qrs); code != 200 || len(qrs) == 0 || qrs[0].Text != text {
		t.Errorf("QR events %d %+v, want one reading %q", code, qrs, text)
	}
}
