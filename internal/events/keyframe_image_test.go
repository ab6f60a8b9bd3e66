package events

import (
	"fmt"
	"image"
	"math"
	"sync"
	"testing"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/detect"
	"github.com/nvrproject/nvr/pkg/ipc"
)

// decodeLog counts the decodes of every keyframe, by scale, through Engine.onDecode.
type decodeLog struct {
	mu     sync.Mutex
	counts map[*keyframeImage]map[int]int
	luma   int // decodes that were luma-only
}

func (l *decodeLog) record(k *keyframeImage, scale int, colour bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.counts == nil {
		l.counts = map[*keyframeImage]map[int]int{}
	}
	if l.counts[k] == nil {
		l.counts[k] = map[int]int{}
	}
	l.counts[k][scale]++
	if !colour {
		l.luma++
	}
}

// scaledFake is a detector that, like *detect.Detector, takes the keyframe decoded at the
// scale its (416×416) model needs. It sees a person wherever script says, in fractions.
type scaledFake struct {
	mu     sync.Mutex
	script [][4]float64
	calls  int
	scales []int
	full   int // calls of Detect (the full-size path): none expected
}

func (d *scaledFake) DecodeSize(w, h int) (int, int) {
	s := math.Min(416/float64(w), 416/float64(h))
	return int(float64(w) * s), int(float64(h) * s)
}

func (d *scaledFake) DetectScaled(img image.Image, scale, fullW, fullH int) ([]detect.Detection, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	i := d.calls
	d.calls++
	d.scales = append(d.scales, scale)
	if img.Bounds().Dx()*scale < fullW {
		return nil, fmt.Errorf("picture %v at scale %d is not the %dx%d keyframe", img.Bounds(), scale, fullW, fullH)
	}
	if i >= len(d.script) {
		return nil, nil
	}
	b := d.script[i]
	return []detect.Detection{{Label: "person", Score: 0.5 + 0.05*float64(i),
		Box: [4]float64{b[0] * float64(fullW), b[1] * float64(fullH), b[2] * float64(fullW), b[3] * float64(fullH)}}}, nil
}

func (d *scaledFake) Detect(img image.Image) ([]detect.Detection, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.full++
	return nil, nil
}

// TestKeyframeDecodedOncePerScale runs motion, QR, detection and object snapshots on the
// same 1080p keyframes and counts every decode: none of a keyframe's scales is decoded
// twice. Motion and detection share the 1/4 decode, QR and the snapshots the full one.
func TestKeyframeDecodedOncePerScale(t *testing.T) {
	det := &scaledFake{}
	for i := range 6 {
		x := 0.3 + 0.01*float64(i)
		det.script = append(det.script, [4]float64{x, 0.3, x + 0.1, 0.8})
	}
	h := newHarness(t, Options{Detector: det})
	var log decodeLog
	h.e.onDecode = log.record // before any camera exists
	cam := testCamera("porch")
	cam.QR.Enabled = true
	cam.Detect = store.DetectSettings{Enabled: true, Labels: []string{"person"}, IdleIntervalS: 1}
	h.e.Configure(cam)

	// A code held up all along; a block moving back and forth in between (3 encodings:
	// 1080p frames are slow to make under -race).
	s := newScene(1920, 1080, 40)
	code := pasteQR(t, "nvr:porch", 1500, 300, 6, 8)
	still := s.frame(t, 0, code)
	moved := func(x int) []byte {
		return s.frame(t, 0, func(img *image.YCbCr) { code(img); block(x, 150, 120)(img) })
	}
	b1, b2 := moved(150), moved(220)
	frames := [][]byte{still, b1, b2, b1, b2, still, still}
	for i, jpg := range frames {
		h.e.Keyframe(&ipc.Keyframe{CameraID: "porch", WallNS: at(float64(i)).UnixNano(), Width: 1920, Height: 1080, JPEG: jpg})
		h.settle("porch")
	}
	h.stop() // the open object event ends, drawing its best sighting

	// What ran: a motion event, a QR event, an object event with its boxes drawn.
	if n := len(h.sink.list(store.EventMotion)); n != 1 {
		t.Errorf("%d motion events, want 1", n)
	}
	if evs := h.sink.list(store.EventQR); len(evs) != 1 || evs[0].Text != "nvr:porch" {
		t.Errorf("qr events %+v", evs)
	}
	objs := h.sink.list(store.EventObject)
	if len(objs) != 1 || !objs[0].HasSnapshot {
		t.Fatalf("object events %+v, want one with a snapshot", objs)
	}
	det.mu.Lock()
	calls, full, scales := det.calls, det.full, det.scales
	det.mu.Unlock()
	if calls < len(frames) || full != 0 {
		t.Fatalf("the detector ran %d times at a reduced scale and %d at full size", calls, full)
	}
	for _, s := range scales {
		if s != 4 {
			t.Fatalf("detection got scale %d, want 4 (480×270 covers a 416×416 model's letterbox)", s)
		}
	}

	log.mu.Lock()
	defer log.mu.Unlock()
	if len(log.counts) != len(frames) {
		t.Errorf("decodes of %d keyframes, want all %d", len(log.counts), len(frames))
	}
	shared := 0
	for k, byScale := range log.counts {
		for scale, n := range byScale {
			if n > 1 {
				t.Errorf("keyframe %p decoded %d times at scale %d: %v", k, n, scale, byScale)
			}
		}
		if byScale[1] == 1 && byScale[4] == 1 {
			shared++
		}
	}
	// Every keyframe is decoded at 1/4 (motion) and in full (QR): detection and snapshots
	// must have used those decodes, since no scale was decoded twice.
	if shared != len(frames) {
		t.Errorf("%d of %d keyframes were decoded at both 1/1 and 1/4: %v", shared, len(frames), log.counts)
	}
}

// TestKeyframeImageSizeFromTheKeyframe: the size is the one ipc.Keyframe carries; the JPEG
// header is read only for a keyframe without one.
func TestKeyframeImageSizeFromTheKeyframe(t *testing.T) {
	k := newKeyframeImage(&ipc.Keyframe{Width: 1920, Height: 1080, JPEG: []byte("not a jpeg")})
	if w, h, err := k.size(); err != nil || w != 1920 || h != 1080 || k.Bounds() != image.Rect(0, 0, 1920, 1080) {
		t.Fatalf("size %dx%d, %v: want the keyframe's 1920x1080 without reading the header", w, h, err)
	}
	k = newKeyframeImage(&ipc.Keyframe{JPEG: grey(t, 200, 100)})
	if w, h, err := k.size(); err != nil || w != 200 || h != 100 {
		t.Fatalf("size without one in the keyframe: %dx%d, %v", w, h, err)
	}
	if _, _, err := newKeyframeImage(&ipc.Keyframe{JPEG: []byte("not a jpeg")}).size(); err == nil {
		t.Fatal("no error for the size of a keyframe that is not a JPEG")
	}
}

// TestKeyframeImageColourServesLuma: a luma request takes a colour decode of the same
// scale; a colour request after a luma-only one decodes again, which the colour hint avoids.
func TestKeyframeImageColourServesLuma(t *testing.T) {
	jpg := newScene(640, 360, 41).still(t)
	for _, c := range []struct {
		name   string
		hint   bool
		first  bool // colour first
		decode int  // decodes of scale 2 wanted
	}{
		{"colour then luma", false, true, 1},
		{"luma then colour", false, false, 2},
		{"luma then colour, colour hint", true, false, 1},
	} {
		var log decodeLog
		k := newKeyframeImage(&ipc.Keyframe{JPEG: jpg})
		k.onDecode, k.colour = log.record, c.hint
		get := []func(int) error{
			func(s int) error { _, err := k.luma(s); return err },
			func(s int) error { _, err := k.colourAt(s); return err },
		}
		if c.first {
			get[0], get[1] = get[1], get[0]
		}
		for _, g := range get {
			if err := g(2); err != nil {
				t.Fatal(err)
			}
		}
		f, _ := k.luma(2)
		if f.Scale != 2 || f.Image.Bounds().Dx() != 320 {
			t.Errorf("%s: scale %d, %v", c.name, f.Scale, f.Image.Bounds())
		}
		if n := log.counts[k][2]; n != c.decode {
			t.Errorf("%s: %d decodes, want %d", c.name, n, c.decode)
		}
		if _, ok := k.full().(*image.YCbCr); !ok {
			t.Errorf("%s: the full picture is a %T, want colour", c.name, k.full())
		}
	}
}

// TestKeyframeImageRelease: release gives the decodes back; a (wrong) later request
// decodes afresh rather than reading pixels another keyframe now owns.
func TestKeyframeImageRelease(t *testing.T) {
	var log decodeLog
	k := newKeyframeImage(&ipc.Keyframe{JPEG: grey(t, 320, 240)})
	k.onDecode = log.record
	if _, err := k.luma(2); err != nil {
		t.Fatal(err)
	}
	k.release()
	for _, d := range k.cache {
		if d != nil {
			t.Fatal("a decode is still cached after release")
		}
	}
	f, err := k.luma(2)
	if err != nil || f.Image.Bounds().Dx() != 160 || log.counts[k][2] != 2 {
		t.Fatalf("after release: %v, %v, %d decodes", f.Image.Bounds(), err, log.counts[k][2])
	}
	k.release()
	k.release() // twice is harmless
}
