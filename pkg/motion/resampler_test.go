package motion

import (
	"math"
	"math/rand"
	"testing"
)

func TestResampleAreaAverage(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	var src plane
	src.resize(480, 270)
	for i := range src.Pix {
		src.Pix[i] = uint8(rng.Intn(256))
	}
	var r resampler
	// An integer factor is a plain box average.
	var half plane
	half.resize(240, 135)
	r.resample(&src, &half)
	for y := 0; y < 135; y++ {
		for x := 0; x < 240; x++ {
			sum := int(src.Pix[2*y*480+2*x]) + int(src.Pix[2*y*480+2*x+1]) +
				int(src.Pix[(2*y+1)*480+2*x]) + int(src.Pix[(2*y+1)*480+2*x+1])
			if got, want := float64(half.Pix[y*240+x]), float64(sum)/4; math.Abs(got-want) > 0.51 {
				t.Fatalf("(%d,%d): %v, want %v", x, y, got, want)
			}
		}
	}
	// A fractional factor keeps flat areas flat and the mean unchanged.
	var third plane
	third.resize(320, 180)
	r.resample(&src, &third)
	mean := func(p *plane) float64 {
		s := 0
		for _, v := range p.Pix[:p.W*p.H] {
			s += int(v)
		}
		return float64(s) / float64(p.W*p.H)
	}
	if a, b := mean(&src), mean(&third); math.Abs(a-b) > 0.5 {
		t.Errorf("mean %v after resampling, %v before", b, a)
	}
	for i := range src.Pix {
		src.Pix[i] = 77
	}
	r.resample(&src, &third)
	for i, v := range third.Pix {
		if v != 77 {
			t.Fatalf("flat 77 became %d at %d", v, i)
		}
	}
	// Odd sizes, including a single column.
	for _, sz := range [][4]int{{333, 197, 320, 189}, {7, 5, 1, 1}, {9, 1, 4, 1}} {
		var s, d plane
		s.resize(sz[0], sz[1])
		d.resize(sz[2], sz[3])
		for i := range s.Pix {
			s.Pix[i] = 200
		}
		var r resampler
		r.resample(&s, &d)
		for _, v := range d.Pix {
			if v != 200 {
				t.Fatalf("%v: flat 200 became %d", sz, v)
			}
		}
	}
}
