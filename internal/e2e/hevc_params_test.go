package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
)

// TestH265KeyframesCarryParameterSets: an H.265 camera that sends its VPS, SPS and PPS only in the SDP
// (sprop-vps/sps/pps, none in the stream) still gives every keyframe of the live TS and the first picture
// of every recorded segment all three in front of its first slice, so a viewer joining at any keyframe,
// or a segment played on its own, decodes: ffprobe decodes each segment alone.
func TestH265KeyframesCarryParameterSets(t *testing.T) {
	s := clipStream(t, testcam.HEVC)
	opts := s.Options(testcam.HEVC.FPS)
	opts.Variant.ParamsInSDP = true
	cam := startCamera(t, opts)
	n := startNVR(t)
	var c map[string]any
	body := map[string]any{"name": "HEVC sdp", "url": cam.URL(),
		"record": map[string]any{"mode": "events", "pre_roll_s": 0, "post_roll_s": 0},
		"motion": map[string]any{"enabled": false}, "detect": map[string]any{"enabled": false}}
	if code := n.do("POST", "/api/cameras", body, &c); code != 201 {
		t.Fatalf("create: %d %v", code, c)
	}
	id := c["id"].(string)
	n.waitStatus(id, 45*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })

	// Live: 5 s hold at least two keyframes (2 s GOP).
	live := checkTS(t, readLive(t, n.dialLive(id), 5*time.Second))
	pes, err := testcam.ReadVideoPES(live)
	if err != nil {
		t.Fatal(err)
	}
	keys := 0
	for i, p := range pes {
		if !hevcIRAP(p.Data) {
			continue
		}
		keys++
		if missing := hevcMissingParams(p.Data); missing != "" {
			t.Fatalf("live keyframe PES %d (of %d, keyframe %d) has no %s before its first slice; NAL types %v", i, len(pes), keys, missing, hevcTypes(p.Data))
		}
	}
	if keys < 2 {
		t.Fatalf("the live TS has %d keyframes in 5 s, want at least 2", keys)
	}

	// Recordings: every segment's first picture, and each segment decodes alone.
	if code := n.do("POST", "/api/cameras/"+id+"/record", map[string]any{"seconds": 6}, nil); code != 202 {
		t.Fatalf("trigger: HTTP %d", code)
	}
	rs := n.waitRecordings(id, 60*time.Second, "a finished recording", func(rs []recordingOut) bool { return len(rs) > 0 && !rs[0].Open })
	_, pl, _ := n.body(rs[0].Playlist, nil)
	segs := parsePlaylist(t, string(pl))
	if len(segs) < 2 {
		t.Fatalf("a 6 s recording has %d segments, want at least 2 to check later ones", len(segs))
	}
	dir := t.TempDir()
	for i, sg := range segs {
		path := n.fetchPlaylistMedia(rs[0].Playlist, []hlsSegment{sg})
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		pes, err := testcam.ReadAllVideoPES(b)
		if err != nil || len(pes) == 0 {
			t.Fatalf("segment %d: %d video PES (%v)", i, len(pes), err)
		}
		if !hevcIRAP(pes[0].Data) {
			t.Fatalf("segment %d starts with a picture that is not a keyframe: NAL types %v", i, hevcTypes(pes[0].Data))
		}
		if missing := hevcMissingParams(pes[0].Data); missing != "" {
			t.Fatalf("segment %d's first picture has no %s before its first slice; NAL types %v", i, missing, hevcTypes(pes[0].Data))
		}
		alone := filepath.Join(dir, fmt.Sprintf("seg%d.ts", i))
		if err := os.WriteFile(alone, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames",
			"-show_entries", "stream=nb_read_frames", "-of", "default=nw=1:nk=1", alone).CombinedOutput()
		frames, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n") // the stream, then again under its program
		if err != nil || atoi(frames) < int(sg.duration*float64(testcam.HEVC.FPS))-3 {
			t.Fatalf("segment %d (%.2f s) alone decodes to %q frames (%v), want about %.0f", i, sg.duration, frames, err, sg.duration*float64(testcam.HEVC.FPS))
		}
	}
}

// hevcTypes lists the H.265 NAL unit types of an Annex-B access unit.
func hevcTypes(au []byte) []int {
	var ts []int
	for _, n := range testcam.NALUs(au) {
		if len(n) > 0 {
			ts = append(ts, int(n[0]>>1)&0x3f)
		}
	}
	return ts
}

// hevcIRAP reports whether the access unit holds an IRAP picture (BLA, IDR or CRA: types 16–21).
func hevcIRAP(au []byte) bool {
	for _, t := range hevcTypes(au) {
		if t >= 16 && t <= 21 {
			return true
		}
	}
	return false
}

// hevcMissingParams names the parameter sets (VPS 32, SPS 33, PPS 34) missing before the access unit's
// first slice, or "".
func hevcMissingParams(au []byte) string {
	seen := map[int]bool{}
	for _, t := range hevcTypes(au) {
		if t < 32 { // a slice
			break
		}
		seen[t] = true
	}
	var missing []string
	for i, name := range []string{"VPS", "SPS", "PPS"} {
		if !seen[32+i] {
			missing = append(missing, name)
		}
	}
	return strings.Join(missing, " and ")
}
