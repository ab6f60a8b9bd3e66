package store

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestAnalysisSettingsDefaultsAndOldRows(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	// A row written before the new fields existed.
	if _, err := s.DB().ExecContext(ctx, `INSERT INTO cameras(id, name, url, enabled, settings, created_ns, updated_ns)
		VALUES ('old','Old','rtsp://h/s',1,'{"record":{"mode":"events","pre_roll_s":5,"post_roll_s":7},"motion":{"enabled":true,"threshold":3}}',1,1)`); err != nil {
		t.Fatal(err)
	}
	c, err := s.Camera(ctx, "old")
	if err != nil {
		t.Fatal(err)
	}
	if !c.Motion.Enabled || c.Motion.Threshold != 3 || c.Motion.EffectiveMinFrames() != 1 || c.QR.Enabled {
		t.Fatalf("motion/qr %+v %+v", c.Motion, c.QR)
	}
	d := c.Detect
	if got := strings.Join(d.EffectiveLabels(), ","); got != "person,car,bicycle,motorcycle,dog,cat" {
		t.Errorf("labels %s", got)
	}
	if d.EffectiveMinScore("dog") != 0.5 || d.EffectiveMinArea() != 0.001 || d.EffectiveIdleIntervalS() != 15 || d.EffectiveRecordOn() != RecordOnMotion {
		t.Errorf("detect defaults %+v", d)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("an old row does not validate: %v", err)
	}

	// The new fields round-trip through JSON and the database.
	c.Motion.MinFrames = 3
	c.Motion.Masks = []Polygon{{{0, 0}, {0.2, 0}, {0.2, 0.1}}}
	c.Detect.Labels = []string{" person ", "truck"}
	c.Detect.MinScore = map[string]float64{"person": 0.7}
	c.Detect.RecordOn = RecordOnObjects
	if err := s.UpdateCamera(ctx, c); err != nil {
		t.Fatal(err)
	}
	c2, err := s.Camera(ctx, "old")
	if err != nil {
		t.Fatal(err)
	}
	if c2.Motion.MinFrames != 3 || len(c2.Motion.Masks) != 1 || c2.Motion.Masks[0][1].X != 0.2 ||
		strings.Join(c2.Detect.Labels, ",") != "person,truck" || c2.Detect.EffectiveMinScore("person") != 0.7 ||
		c2.Detect.EffectiveMinScore("truck") != 0.5 || c2.Detect.EffectiveRecordOn() != RecordOnObjects {
		t.Fatalf("round trip: %+v %+v", c2.Motion, c2.Detect)
	}
	b, _ := json.Marshal(c2.Motion)
	if !strings.Contains(string(b), `"masks":[[{"x":0,"y":0},{"x":0.2,"y":0}`) || !strings.Contains(string(b), `"threshold":3`) {
		t.Errorf("motion JSON %s", b)
	}
}

func TestAnalysisValidation(t *testing.T) {
	tri := Polygon{{0, 0}, {1, 0}, {0, 1}}
	cases := []struct {
		name string
		edit func(c *Camera)
		want string // part of the error; "" = valid
	}{
		{"defaults", func(c *Camera) {}, ""},
		{"full", func(c *Camera) {
			c.Motion = MotionSettings{Enabled: true, Threshold: 4, MinFrames: 2, Zones: []Polygon{tri}, Masks: []Polygon{tri}}
			c.QR.Enabled = true
			c.Detect = DetectSettings{Enabled: true, Labels: []string{"person", "toothbrush"}, MinScore: map[string]float64{"person": 1},
				MinArea: 0.01, Zones: []Polygon{tri}, IdleIntervalS: 60, RecordOn: RecordOnEither}
		}, ""},
		{"negative threshold", func(c *Camera) { c.Motion.Threshold = -1 }, "motion threshold"},
		{"huge threshold", func(c *Camera) { c.Motion.Threshold = 300 }, "motion threshold"},
		{"min frames", func(c *Camera) { c.Motion.MinFrames = -2 }, "min_frames"},
		{"two points", func(c *Camera) { c.Motion.Zones = []Polygon{{{0, 0}, {1, 1}}} }, "motion zone 1 has 2 points"},
		{"out of range", func(c *Camera) { c.Motion.Masks = []Polygon{tri, {{0, 0}, {1.5, 0}, {0, 1}}} }, "motion mask 2 point 2"},
		{"flat", func(c *Camera) { c.Detect.Zones = []Polygon{{{0, 0}, {0.5, 0.5}, {1, 1}}} }, "detect zone 1 has no area"},
		{"empty label", func(c *Camera) { c.Detect.Labels = []string{"person", " "} }, "detect label 2 is empty"},
		{"twice", func(c *Camera) { c.Detect.Labels = []string{"dog", "dog"} }, "listed twice"},
		{"score", func(c *Camera) { c.Detect.MinScore = map[string]float64{"dog": 1.5} }, "min_score"},
		{"area", func(c *Camera) { c.Detect.MinArea = 1 }, "min_area"},
		{"idle", func(c *Camera) { c.Detect.IdleIntervalS = -1 }, "idle_interval_s"},
		{"record_on", func(c *Camera) { c.Detect.RecordOn = "always" }, `record_on "always"`},
	}
	for _, tc := range cases {
		c := Camera{Name: "x", URL: "rtsp://h/s", CameraSettings: DefaultSettings()}
		tc.edit(&c)
		err := c.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		case err != nil && (strings.Contains(err.Error(), "\n") || strings.HasSuffix(err.Error(), ".")):
			t.Errorf("%s: not one plain sentence: %q", tc.name, err)
		}
	}
}

func TestPolygonContains(t *testing.T) {
	sq := Polygon{{0.2, 0.2}, {0.8, 0.2}, {0.8, 0.8}, {0.2, 0.8}}
	for _, tc := range []struct {
		p  Point
		in bool
	}{{Point{0.5, 0.5}, true}, {Point{0.1, 0.5}, false}, {Point{0.5, 0.9}, false}, {Point{0.79, 0.21}, true}} {
		if sq.Contains(tc.p) != tc.in {
			t.Errorf("%v: want inside=%v", tc.p, tc.in)
		}
	}
}
