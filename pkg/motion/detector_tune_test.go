package motion

import (
	"fmt"
	"image"
	"math"
	"math/rand"
	"testing"
)

// clip is a synthetic pair of keyframes and what the detector should say
// about the second one with the default threshold.
type clip struct {
	name string
	want expect
	a, b *image.Gray
}

// expect is what a clip's score must be with the default threshold.
type expect int

const (
	mustIgnore expect = iota // well below the threshold (noise)
	mustDetect               // at or above the threshold
	either                   // real motion, but below the sensitivity we promise
)

// objectClip returns a pair of 320×180 frames of the noisy scene in which
// a rectangle of the given area (fraction of the frame) and contrast
// (grey levels against the local background) moves by its own width.
func objectClip(rng *rand.Rand, area, contrast, sigma float64) clip {
	const w, h = 320, 180
	bg := scene(w, h)
	ow := math.Sqrt(area*w*h/2) / w // 1:2 (upright) object, as fractions
	oh := 2 * ow * w / h
	x0, y0 := 0.3, 0.3
	a, b := cloneGray(bg), cloneGray(bg)
	paint := func(img *image.Gray, x float64) {
		for y := int(y0 * h); y < int((y0+oh)*h); y++ {
			for xx := int(x * w); xx < int((x+ow)*w); xx++ {
				i := y*img.Stride + xx
				img.Pix[i] = clamp8(float64(bg.Pix[i]) + contrast)
			}
		}
	}
	paint(a, x0)
	paint(b, x0+ow)
	addNoise(a, sigma, rng)
	addNoise(b, sigma, rng)
	want := either
	if c := math.Abs(contrast); (area >= 0.005 && c >= 40) || (area >= 0.02 && c >= 25) {
		want = mustDetect
	}
	return clip{fmt.Sprintf("object %.1f%% Δ%.0f σ%.0f", area*100, contrast, sigma), want, a, b}
}

// noiseClips returns frame pairs that must not count as motion.
func noiseClips(rng *rand.Rand) []clip {
	const w, h = 320, 180
	bg := scene(w, h)
	var clips []clip
	for _, sigma := range []float64{2, 5, 8} {
		a, b := cloneGray(bg), cloneGray(bg)
		addNoise(a, sigma, rng)
		addNoise(b, sigma, rng)
		clips = append(clips, clip{fmt.Sprintf("gaussian noise σ%.0f", sigma), mustIgnore, a, b})
	}
	for _, shift := range []float64{4, 8, 11} {
		a, b := cloneGray(bg), cloneGray(bg)
		for i := range b.Pix {
			b.Pix[i] = clamp8(float64(b.Pix[i]) + shift)
		}
		addNoise(a, 3, rng)
		addNoise(b, 3, rng)
		clips = append(clips, clip{fmt.Sprintf("uniform +%.0f σ3", shift), mustIgnore, a, b})
	}
	{ // a slow lighting gradient across the frame, 0 to +12
		a, b := cloneGray(bg), cloneGray(bg)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				i := y*b.Stride + x
				b.Pix[i] = clamp8(float64(b.Pix[i]) + 12*float64(x)/w)
			}
		}
		addNoise(a, 3, rng)
		addNoise(b, 3, rng)
		clips = append(clips, clip{"lighting gradient 0..+12 σ3", mustIgnore, a, b})
	}
	{ // hot pixels: single pixels at full white
		a, b := cloneGray(bg), cloneGray(bg)
		addNoise(a, 3, rng)
		addNoise(b, 3, rng)
		for i := 0; i < 20; i++ {
			b.Pix[rng.Intn(len(b.Pix))] = 255
		}
		clips = append(clips, clip{"20 hot pixels σ3", mustIgnore, a, b})
	}
	{ // salt-and-pepper speckle on 2% of the pixels
		a, b := cloneGray(bg), cloneGray(bg)
		addNoise(a, 3, rng)
		addNoise(b, 3, rng)
		for i := 0; i < len(b.Pix)/50; i++ {
			b.Pix[rng.Intn(len(b.Pix))] = uint8(rng.Intn(2) * 255)
		}
		clips = append(clips, clip{"2% speckle σ3", mustIgnore, a, b})
	}
	return clips
}

// tuningClips returns every synthetic clip used to tune the threshold.
func tuningClips() []clip {
	rng := rand.New(rand.NewSource(42))
	clips := noiseClips(rng)
	for _, area := range []float64{0.005, 0.01, 0.02, 0.04, 0.08} {
		for _, contrast := range []float64{-25, 40, -60} {
			clips = append(clips, objectClip(rng, area, contrast, 3))
		}
	}
	clips = append(clips, objectClip(rng, 0.02, 50, 8))
	return clips
}

// scoreClip runs a clip through a fresh detector and returns the second
// frame's result.
func scoreClip(t *testing.T, cfg Config, c clip) Result {
	t.Helper()
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := d.ProcessGray(c.a); err != nil || r.Score != 0 {
		t.Fatalf("%s: first frame: %+v, %v", c.name, r, err)
	}
	r, err := d.ProcessGray(c.b)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestThresholdTuning prints the score of every tuning clip (go test -v)
// and checks that the default threshold separates them: every noise clip
// at least 5 times below it, and objects of 0.5% of the frame with 40 grey
// levels of contrast, or 2% with 25 levels, at or above it.
func TestThresholdTuning(t *testing.T) {
	for _, c := range tuningClips() {
		r := scoreClip(t, Config{}, c)
		t.Logf("%-28s score %6.2f changed %5.1f%% motion %v", c.name, r.Score, r.Changed*100, r.Motion)
		switch {
		case r.GlobalChange:
			t.Errorf("%s: reported as a global change", c.name)
		case c.want == mustIgnore && r.Score > DefaultThreshold/5:
			t.Errorf("%s: score %.2f is too close to the threshold %.1f", c.name, r.Score, DefaultThreshold)
		case c.want == mustDetect && !r.Motion:
			t.Errorf("%s: score %.2f is below the threshold %.1f", c.name, r.Score, DefaultThreshold)
		}
	}
}
