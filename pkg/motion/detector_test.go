package motion

import (
	"errors"
	"image"
	"math/rand"
	"strings"
	"testing"

	"github.com/nvrproject/nvr/pkg/jpegscale"
)

// pair runs frames a then b through a fresh detector with cfg and returns
// the result for b.
func pair(t *testing.T, cfg Config, a, b *image.Gray) Result {
	t.Helper()
	return scoreClip(t, cfg, clip{name: t.Name(), a: a, b: b})
}

// movingObject returns two noisy 320×180 frames with a dark person-sized
// object (20×45 px) at x0 in the first and x1 in the second (fractions).
func movingObject(rng *rand.Rand, x0, x1, y float64) (a, b *image.Gray) {
	bg := scene(320, 180)
	a, b = cloneGray(bg), cloneGray(bg)
	drawRect(a, x0, y, x0+20.0/320, y+0.25, 20)
	drawRect(b, x1, y, x1+20.0/320, y+0.25, 20)
	addNoise(a, 3, rng)
	addNoise(b, 3, rng)
	return a, b
}

func TestMovingObjectIsMotion(t *testing.T) {
	a, b := movingObject(rand.New(rand.NewSource(1)), 0.30, 0.45, 0.40)
	r := pair(t, Config{}, a, b)
	if !r.Motion || r.Score < 2*DefaultThreshold || r.GlobalChange {
		t.Fatalf("moving object: %+v, want motion with score ≥ %.1f", r, 2*DefaultThreshold)
	}
	// The box covers the object's old and new places.
	if r.Box.Min.X > 0.31 || r.Box.Max.X < 0.505 || r.Box.Min.Y > 0.41 || r.Box.Max.Y < 0.64 {
		t.Errorf("box %+v does not cover x 0.30..0.5125, y 0.40..0.65 (less the pixel lost to erosion)", r.Box)
	}
	if r.Box.Min.X < 0.25 || r.Box.Max.X > 0.56 || r.Box.Min.Y < 0.35 || r.Box.Max.Y > 0.70 {
		t.Errorf("box %+v is much larger than the object's path", r.Box)
	}
}

func TestStaticNoisySceneIsNotMotion(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for _, sigma := range []float64{1, 4, 8} {
		a, b := cloneGray(scene(320, 180)), cloneGray(scene(320, 180))
		addNoise(a, sigma, rng)
		addNoise(b, sigma, rng)
		if r := pair(t, Config{}, a, b); r.Motion || r.Score > DefaultThreshold/5 {
			t.Errorf("Gaussian noise σ=%v: %+v, want a score below %.2f", sigma, r, DefaultThreshold/5)
		}
	}
}

func TestUniformBrightnessChangeIsNotMotion(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, shift := range []float64{-10, 5, 10, 30, 80} {
		a, b := cloneGray(scene(320, 180)), cloneGray(scene(320, 180))
		for i := range b.Pix {
			b.Pix[i] = clamp8(float64(b.Pix[i]) + shift)
		}
		addNoise(a, 2, rng)
		addNoise(b, 2, rng)
		r := pair(t, Config{}, a, b)
		if r.Motion || r.Score > DefaultThreshold/5 {
			t.Errorf("brightness %+v: %+v, want no motion", shift, r)
		}
		// Large steps change every pixel: a global change.
		if wantGlobal := shift >= 30; r.GlobalChange != wantGlobal {
			t.Errorf("brightness %+v: GlobalChange %v, want %v", shift, r.GlobalChange, wantGlobal)
		}
	}
}

func TestHotPixelIsNotMotion(t *testing.T) {
	a := scene(320, 180)
	b := cloneGray(a)
	b.Pix[90*b.Stride+160] = 255
	if r := pair(t, Config{}, a, b); r.Score != 0 || r.Motion {
		t.Errorf("hot pixel: %+v, want score 0", r)
	}
	// A 3×3 blob survives erosion: the test above is not vacuous.
	drawRect(b, 150.0/320, 80.0/180, 153.0/320, 83.0/180, 255)
	if r := pair(t, Config{}, a, b); r.Score == 0 {
		t.Errorf("3×3 blob: %+v, want a non-zero score", r)
	}
}

func TestLightsOnIsGlobalChange(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	dark := scene(320, 180)
	for i := range dark.Pix {
		dark.Pix[i] /= 3
	}
	lit := scene(320, 180)
	a, b := cloneGray(dark), cloneGray(lit)
	addNoise(a, 2, rng)
	addNoise(b, 2, rng)

	d, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	d.ProcessGray(a)
	r, _ := d.ProcessGray(b)
	if !r.GlobalChange || r.Motion || r.Score != 0 {
		t.Fatalf("lights on: %+v, want a global change with score 0", r)
	}
	// The lit frame is now the reference: a still lit frame is quiet,
	// and an object moving in the lit scene is motion again.
	c := cloneGray(lit)
	addNoise(c, 2, rng)
	if r, _ := d.ProcessGray(c); r.Motion || r.GlobalChange {
		t.Errorf("after lights on, still frame: %+v, want nothing", r)
	}
	e := cloneGray(lit)
	drawRect(e, 0.5, 0.4, 0.56, 0.65, 10)
	addNoise(e, 2, rng)
	if r, _ := d.ProcessGray(e); !r.Motion {
		t.Errorf("after lights on, object: %+v, want motion", r)
	}
}

func TestMaskIgnoresMotion(t *testing.T) {
	a, b := movingObject(rand.New(rand.NewSource(5)), 0.30, 0.45, 0.40)
	mask := Polygon{{0.25, 0.35}, {0.60, 0.35}, {0.60, 0.70}, {0.25, 0.70}}
	if r := pair(t, Config{Masks: []Polygon{mask}}, a, b); r.Motion || r.Score != 0 {
		t.Errorf("motion inside a mask: %+v, want score 0", r)
	}
	// A mask elsewhere does not hide it.
	other := Polygon{{0, 0}, {0.2, 0}, {0.2, 0.2}}
	if r := pair(t, Config{Masks: []Polygon{other}}, a, b); !r.Motion {
		t.Errorf("motion outside the mask: %+v, want motion", r)
	}
}

func TestZones(t *testing.T) {
	a, b := movingObject(rand.New(rand.NewSource(6)), 0.30, 0.45, 0.40)
	left := Polygon{{0, 0}, {0.2, 0}, {0.2, 1}, {0, 1}}
	middle := Polygon{{0.25, 0.3}, {0.6, 0.3}, {0.6, 0.8}, {0.25, 0.8}}
	if r := pair(t, Config{Zones: []Polygon{left}}, a, b); r.Motion || r.Score != 0 {
		t.Errorf("motion outside every zone: %+v, want score 0", r)
	}
	r := pair(t, Config{Zones: []Polygon{left, middle}}, a, b)
	if !r.Motion {
		t.Errorf("motion inside a zone: %+v, want motion", r)
	}
	// A mask inside the zone over the object wins.
	r = pair(t, Config{Zones: []Polygon{middle}, Masks: []Polygon{middle}}, a, b)
	if r.Motion {
		t.Errorf("zone fully masked: %+v, want no motion", r)
	}
}

func TestMaskRasterisation(t *testing.T) {
	d, err := New(Config{
		Zones: []Polygon{{{0, 0}, {0.5, 0}, {0.5, 1}, {0, 1}}},                                               // left half
		Masks: []Polygon{{{0, 0}, {0.25, 0}, {0.25, 0.5}, {0, 0.5}}, {{0.9, 0.9}, {0.95, 0.9}, {0.9, 0.95}}}, // top-left quarter; a triangle outside the zone
	})
	if err != nil {
		t.Fatal(err)
	}
	d.updateMask(40, 20)
	if want := 20*20 - 10*10; d.monitored != want {
		t.Errorf("monitored %d pixels, want %d", d.monitored, want)
	}
	for _, c := range []struct {
		x, y    int
		ignored uint8
	}{{0, 0, 1}, {9, 9, 1}, {10, 9, 0}, {9, 10, 0}, {19, 19, 0}, {20, 0, 1}, {39, 19, 1}} {
		if got := d.mask[c.y*40+c.x]; got != c.ignored {
			t.Errorf("pixel (%d,%d): ignored=%d, want %d", c.x, c.y, got, c.ignored)
		}
	}
	// A zone smaller than a pixel still watches one pixel.
	d.SetConfig(Config{Zones: []Polygon{{{0.5, 0.5}, {0.501, 0.5}, {0.5, 0.501}}}})
	d.updateMask(40, 20)
	if d.monitored != 1 {
		t.Errorf("tiny zone: %d monitored pixels, want 1", d.monitored)
	}
}

func TestBadConfigErrors(t *testing.T) {
	square := Polygon{{0, 0}, {1, 0}, {1, 1}, {0, 1}}
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{Zones: []Polygon{square, {{0, 0}, {1, 1}}}}, "zone 2 has only 2 points; a polygon needs at least 3"},
		{Config{Masks: []Polygon{{{0, 0}, {1.5, 0}, {1, 1}}}}, "mask 1 point 2 is (1.5, 0); coordinates are image fractions and must be within 0..1"},
		{Config{Zones: []Polygon{{{0, 0}, {0.5, 0.5}, {1, 1}}}}, "zone 1 has zero area"},
		{Config{Threshold: -1}, "threshold -1 must be a positive number"},
		{Config{Width: 8}, "analysis width 8 is outside 32..1920"},
	}
	for _, c := range cases {
		_, err := New(c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%+v: got error %v, want one containing %q and wrapping ErrInvalidConfig", c.cfg, err, c.want)
		}
	}
	// A rejected SetConfig keeps the previous configuration.
	d, _ := New(Config{Threshold: 7})
	if err := d.SetConfig(cases[0].cfg); err == nil || d.threshold != 7 {
		t.Errorf("SetConfig with a bad polygon: err %v, threshold %v", err, d.threshold)
	}
}

func TestFirstFrameAndSizeChange(t *testing.T) {
	d, _ := New(Config{})
	a, b := movingObject(rand.New(rand.NewSource(7)), 0.2, 0.6, 0.3)
	if r, _ := d.ProcessGray(a); r != (Result{}) {
		t.Errorf("first frame: %+v, want zero result", r)
	}
	// A different frame size resets the reference instead of comparing.
	small := scene(160, 90)
	if r, _ := d.ProcessGray(small); r != (Result{}) {
		t.Errorf("size change: %+v, want zero result", r)
	}
	d.ProcessGray(a)
	d.Reset()
	if r, _ := d.ProcessGray(b); r != (Result{}) {
		t.Errorf("after Reset: %+v, want zero result", r)
	}
	if _, err := d.ProcessGray(&image.Gray{}); err == nil {
		t.Error("empty frame: want an error")
	}
}

func TestSetConfigKeepsReference(t *testing.T) {
	a, b := movingObject(rand.New(rand.NewSource(8)), 0.3, 0.45, 0.4)
	d, _ := New(Config{})
	d.ProcessGray(a)
	if err := d.SetConfig(Config{Threshold: 1000}); err != nil {
		t.Fatal(err)
	}
	r, _ := d.ProcessGray(b)
	if r.Score < DefaultThreshold || r.Motion {
		t.Errorf("after raising the threshold: %+v, want a score but no motion", r)
	}
}

// jpegClip encodes a static scene and the same scene with an object as
// 1280×720 JPEGs (each frame with its own noise).
func jpegClip(t testing.TB, rng *rand.Rand, quality int) (still1, still2, moved []byte) {
	bg := scene(1280, 720)
	f := func(object bool) []byte {
		img := cloneGray(bg)
		if object {
			drawRect(img, 0.4, 0.3, 0.46, 0.75, 25)
		}
		addNoise(img, 4, rng)
		return encodeJPEG(t, colorize(img), quality)
	}
	return f(false), f(false), f(true)
}

func TestProcessJPEG(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	for _, q := range []int{60, 90} {
		still1, still2, moved := jpegClip(t, rng, q)
		d, _ := New(Config{})
		for i, c := range []struct {
			data   []byte
			motion bool
		}{{still1, false}, {still2, false}, {moved, true}, {still1, true}} {
			r, err := d.ProcessJPEG(c.data)
			if err != nil {
				t.Fatal(err)
			}
			if r.Motion != c.motion || (!c.motion && r.Score > DefaultThreshold/5) {
				t.Errorf("quality %d frame %d: %+v, want motion %v", q, i, r, c.motion)
			}
		}
		// A broken frame is an error and leaves the reference alone.
		if _, err := d.ProcessJPEG(moved[:100]); err == nil {
			t.Error("truncated JPEG: want an error")
		}
		if r, _ := d.ProcessJPEG(still1); r.Motion {
			t.Errorf("same frame after an error: %+v, want no motion", r)
		}
	}
}

// withAdobeRGB inserts an Adobe APP14 segment declaring RGB components,
// which the fast decoder leaves to image/jpeg.
func withAdobeRGB(data []byte) []byte {
	app14 := []byte{0xff, 0xee, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0}
	return append(append(append([]byte(nil), data[:2]...), app14...), data[2:]...)
}

func TestProcessJPEGFallback(t *testing.T) {
	still1, still2, moved := jpegClip(t, rand.New(rand.NewSource(10)), 85)
	still1, still2, moved = withAdobeRGB(still1), withAdobeRGB(still2), withAdobeRGB(moved)
	if f, err := jpegscale.Decode(still1, 320, 0); err != nil || !f.Fallback {
		t.Fatalf("fast decoder on an RGB JPEG: fallback %v, error %v; want the image/jpeg fallback", f.Fallback, err)
	}
	d, _ := New(Config{})
	for i, c := range []struct {
		data   []byte
		motion bool
	}{{still1, false}, {still2, false}, {moved, true}} {
		r, err := d.ProcessJPEG(c.data)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if r.Motion != c.motion {
			t.Errorf("frame %d: %+v, want motion %v", i, r, c.motion)
		}
	}
}

func TestProcessJPEGDoesNotAllocate(t *testing.T) {
	a, b := benchFrames(t, 1280, 720)
	d, _ := New(Config{Masks: []Polygon{{{0, 0}, {0.3, 0}, {0.3, 0.1}, {0, 0.1}}}})
	d.ProcessJPEG(a)
	d.ProcessJPEG(b)
	frames := [][]byte{a, b}
	i := 0
	allocs := testing.AllocsPerRun(20, func() {
		if _, err := d.ProcessJPEG(frames[i%2]); err != nil {
			t.Fatal(err)
		}
		i++
	})
	if allocs != 0 {
		t.Errorf("%v allocations per frame, want 0", allocs)
	}
}
