package detect

import (
	"fmt"
	"strings"
	"testing"
)

// best returns the highest-scoring detection with one of the labels.
func best(dets []Detection, labels ...string) (Detection, bool) {
	for _, d := range dets { // Detect returns best score first
		for _, l := range labels {
			if d.Label == l {
				return d, true
			}
		}
	}
	return Detection{}, false
}

func count(dets []Detection, label string) int {
	n := 0
	for _, d := range dets {
		if d.Label == label {
			n++
		}
	}
	return n
}

func describe(dets []Detection) string {
	var b strings.Builder
	for _, d := range dets {
		fmt.Fprintf(&b, "\n  %s %.2f [%.0f %.0f %.0f %.0f]", d.Label, d.Score, d.Box[0], d.Box[1], d.Box[2], d.Box[3])
	}
	return b.String()
}

// checkBoxes fails the test if a box lies outside w×h, is empty, or has an odd score.
func checkBoxes(t *testing.T, dets []Detection, w, h int) {
	t.Helper()
	for _, d := range dets {
		b := d.Box
		if b[0] < 0 || b[1] < 0 || b[2] > float64(w) || b[3] > float64(h) || b[2] <= b[0] || b[3] <= b[1] {
			t.Errorf("%s box %v is empty or leaves the %dx%d image", d.Label, b, w, h)
		}
		if d.Score < DefaultMinScore || d.Score > 1 {
			t.Errorf("%s score %v is outside [%v,1]", d.Label, d.Score, DefaultMinScore)
		}
	}
}

// expectBox fails the test unless a detection with one of labels overlaps want (pixels)
// by at least minIoU.
func expectBox(t *testing.T, dets []Detection, want [4]float64, minIoU float64, labels ...string) {
	t.Helper()
	d, ok := best(dets, labels...)
	if !ok {
		t.Errorf("no %s found; got:%s", strings.Join(labels, " or "), describe(dets))
		return
	}
	if got := IoU(d.Box, want); got < minIoU {
		t.Errorf("%s box %.0f overlaps the expected %.0f by IoU %.2f, want >= %.2f", d.Label, d.Box, want, got, minIoU)
	}
}

func detectFile(t *testing.T, d *Detector, name string) ([]Detection, int, int) {
	t.Helper()
	img := loadImage(t, name)
	dets, err := d.Detect(img)
	if err != nil {
		t.Fatalf("Detect(%s): %v", name, err)
	}
	b := img.Bounds()
	checkBoxes(t, dets, b.Dx(), b.Dy())
	t.Logf("%s (%dx%d):%s", name, b.Dx(), b.Dy(), describe(dets))
	return dets, b.Dx(), b.Dy()
}

func TestDetectDog(t *testing.T) {
	d := openTest(t, Options{})
	dets, w, h := detectFile(t, d, "dog.jpg")
	if w != 768 || h != 576 {
		t.Fatalf("dog.jpg is %dx%d, want 768x576", w, h)
	}
	// Boxes judged by eye on the photo: the dog sitting in front, the bicycle behind it,
	// the pick-up truck parked across the street.
	expectBox(t, dets, [4]float64{133, 205, 325, 542}, 0.7, "dog")
	expectBox(t, dets, [4]float64{125, 135, 570, 420}, 0.6, "bicycle")
	expectBox(t, dets, [4]float64{465, 77, 690, 170}, 0.7, "truck", "car")
	if n := count(dets, "dog"); n != 1 {
		t.Errorf("found %d dogs, want 1:%s", n, describe(dets))
	}
}

func TestDetectGraceHopper(t *testing.T) {
	d := openTest(t, Options{})
	dets, w, h := detectFile(t, d, "grace_hopper.bmp")
	if n := count(dets, "person"); n != 1 {
		t.Fatalf("found %d people, want 1:%s", n, describe(dets))
	}
	p, _ := best(dets, "person")
	// The portrait fills most of the frame.
	if a := area(p.Box) / float64(w*h); a < 0.5 {
		t.Errorf("the person's box %.0f covers %.0f%% of the image, want at least half", p.Box, a*100)
	}
}

func TestDetectCat(t *testing.T) {
	d := openTest(t, Options{})
	dets, w, h := detectFile(t, d, "cat.bmp")
	// The box given in shared/models/README.md, in fractions of the image.
	want := [4]float64{0.06 * float64(w), 0.17 * float64(h), 0.76 * float64(w), 0.97 * float64(h)}
	expectBox(t, dets, want, 0.8, "cat")
	if n := count(dets, "cat"); n != 1 {
		t.Errorf("found %d cats, want 1:%s", n, describe(dets))
	}
}

func TestDetectKitesAndPeople(t *testing.T) {
	d := openTest(t, Options{})
	dets, _, h := detectFile(t, d, "kite_and_cold.jpg")
	if n := count(dets, "person"); n < 3 {
		t.Errorf("found %d people, want at least 3:%s", n, describe(dets))
	}
	if n := count(dets, "kite"); n < 2 {
		t.Errorf("found %d kites, want at least 2:%s", n, describe(dets))
	}
	// People stand on the beach in the lower half; kites fly above the horizon.
	horizon := 0.5 * float64(h)
	onBeach, inSky := 0, 0
	for _, x := range dets {
		if x.Label == "person" && x.Box[1] > horizon {
			onBeach++
		}
		if x.Label == "kite" && x.Box[3] < horizon {
			inSky++
		}
	}
	if onBeach < 3 || inSky < 2 {
		t.Errorf("%d people on the beach and %d kites in the sky, want at least 3 and 2:%s", onBeach, inSky, describe(dets))
	}
}

// TestDetectConcurrent runs Detect from several goroutines on one detector (run it with
// -race) and checks every caller gets the same answer.
func TestDetectConcurrent(t *testing.T) {
	d := openTest(t, Options{Threads: 1})
	img := loadImage(t, "cat.bmp")
	want, err := d.Detect(img)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			for range 3 {
				got, err := d.Detect(img)
				if err != nil {
					errs <- err
					return
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					errs <- fmt.Errorf("concurrent Detect gave %v, want %v", got, want)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestDetectAfterClose(t *testing.T) {
	d := openTest(t, Options{})
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Detect(loadImage(t, "cat.bmp")); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Detect after Close: %v, want an error saying the detector is closed", err)
	}
}

func TestMinScoreOption(t *testing.T) {
	d := openTest(t, Options{MinScore: 0.8})
	dets, _, _ := detectFile(t, d, "dog.jpg")
	for _, x := range dets {
		if x.Score < 0.8 {
			t.Errorf("%s scored %.2f, below MinScore 0.8", x.Label, x.Score)
		}
	}
	if _, ok := best(dets, "dog"); !ok {
		t.Errorf("the dog (score ~0.85) is missing at MinScore 0.8:%s", describe(dets))
	}
}
