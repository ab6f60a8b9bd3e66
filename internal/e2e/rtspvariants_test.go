package e2e

import (
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
)

// hasNALType says whether an Annex-B H.264 byte stream holds a NAL unit of type typ.
func hasNALType(b []byte, typ byte) bool {
	for i := 0; i+3 < len(b); i++ {
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 && b[i+3]&0x1f == typ {
			return true
		}
	}
	return false
}

// TestRTSPVariantCameras runs cameras of the RTSP variants (issue 14 item 6) through nvrd and real
// workers: Digest credentials given in the API's user and password fields, RTSPS with a self-signed
// certificate, a camera that refuses TCP interleaving (UDP on loopback), SPS/PPS only in the SDP, and
// RTP timestamps that jump an hour forward and two back every 3 s. Each streams with its transport
// (and certificate fingerprint) in the status; its live TS starts at a keyframe carrying SPS and PPS,
// with pictures one frame apart; a recording plays in ffprobe with the playlist's duration and
// segments of their true length; Chromium plays the SDP-only camera live; motion fires on the SDP-only
// and the jumping cameras' keyframes.
func TestRTSPVariantCameras(t *testing.T) {
	const pass = "p@ss:w/rd"
	const hour = 90000 * 3600
	cases := []struct {
		name      string
		opt       testcam.Options
		user      string
		transport string
		motion    bool
	}{
		{"digest", testcam.Options{User: "op", Pass: pass, Variant: testcam.Variant{Auth: testcam.AuthDigest}}, "op", "tcp", false},
		{"rtsps", testcam.Options{User: "op", Pass: pass, Variant: testcam.Variant{TLS: true, Auth: testcam.AuthDigest}}, "op", "tcp", false},
		{"udp", testcam.Options{Variant: testcam.Variant{UDP: true, RefuseTCP: true}}, "", "udp", false},
		{"sdp", testcam.Options{Variant: testcam.Variant{ParamsInSDP: true}}, "", "tcp", true},
		{"jumps", testcam.Options{Variant: testcam.Variant{Jumps: []int64{hour, -2 * hour}, JumpEvery: 75}}, "", "tcp", true},
	}
	n := startNVR(t)
	type entry struct {
		cam         *testcam.Server
		rec, motion string
	}
	entries := make([]entry, len(cases))
	for i, tc := range cases {
		cam := startCamera(t, tc.opt)
		url := strings.Replace(cam.URL(), tc.opt.User+":"+tc.opt.Pass+"@", "", 1)
		create := func(name string, body map[string]any) string {
			t.Helper()
			body["name"], body["url"] = name, url
			if tc.user != "" {
				body["user"], body["password"] = tc.user, pass
			}
			var c map[string]any
			if code := n.do("POST", "/api/cameras", body, &c); code != 201 {
				t.Fatalf("create %s: %d %v", name, code, c)
			}
			return c["id"].(string)
		}
		e := entry{cam: cam}
		e.rec = create("Var "+tc.name, map[string]any{"record": map[string]any{"mode": "events", "pre_roll_s": 0, "post_roll_s": 0},
			"motion": map[string]any{"enabled": false}, "detect": map[string]any{"enabled": false}})
		if tc.motion {
			// The ball never stops moving: this entry only analyses, or its recording would never end.
			e.motion = create("Var "+tc.name+" motion", map[string]any{"record": map[string]any{"mode": "off"}, "detect": map[string]any{"enabled": false}})
		}
		entries[i] = e
	}
	for i, tc := range cases {
		e := entries[i]
		t.Run(tc.name, func(t *testing.T) {
			st := n.waitStatus(e.rec, 60*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
			if st.Transport != tc.transport {
				t.Errorf("status transport %q, want %q", st.Transport, tc.transport)
			}
			if fp := e.cam.CertFingerprint(); st.TLSFingerprint != fp {
				t.Errorf("status tls_fingerprint %q, want the camera's %q", st.TLSFingerprint, fp)
			}

			// The live TS: from a keyframe with its parameter sets, pictures one frame apart, and it keeps
			// coming across the jumps (4 s holds at least one).
			live := checkTS(t, readLive(t, n.dialLive(e.rec), 4*time.Second))
			pes, err := testcam.ReadVideoPES(live)
			if err != nil {
				t.Fatal(err)
			}
			if len(pes) < 50 || !pes[0].RandomAccess {
				t.Fatalf("live: %d pictures in 4 s, first a keyframe: %v", len(pes), len(pes) > 0 && pes[0].RandomAccess)
			}
			for i, p := range pes {
				if p.RandomAccess && !(hasNALType(p.Data, 7) && hasNALType(p.Data, 8)) {
					t.Fatalf("live keyframe %d carries no SPS/PPS: a player joining there cannot decode", i)
				}
			}
			if _, hi := testcam.PresentationGaps(pes); hi > 90000/2 {
				t.Fatalf("live: two pictures in a row are %.1f s apart", float64(hi)/90000)
			}
			livePath := filepath.Join(t.TempDir(), "live.ts")
			if err := os.WriteFile(livePath, live, 0o644); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(streamCodecs(t, livePath), ","); got != "h264" {
				t.Fatalf("the live TS has streams %q, want h264", got)
			}
			// It decodes from its first byte on: the parameter sets are in the TS, not only in the SDP.
			if lp := ffprobe(t, livePath); atoi(lp.Streams[0].NbReadFrames) < len(pes)-2 || lp.Streams[0].Width != 640 {
				t.Fatalf("ffprobe decodes %s frames %d wide of the live TS's %d pictures", lp.Streams[0].NbReadFrames, lp.Streams[0].Width, len(pes))
			}

			if tc.name == "sdp" {
				// Chromium plays it (mpegts.js into MSE needs the SPS/PPS in the TS; there is no SDP there).
				needBrowser(t)
				r := runLivePlay(t, n, e.rec)
				if r.Fatal != "" || r.First.VideoWidth != 640 || len(r.Errors) > 0 {
					t.Fatalf("the live page did not play the SDP-only camera: %s, width %d, console errors %v", r.Fatal, r.First.VideoWidth, r.Errors)
				}
			}

			// A recording: ffprobe reads it, with the playlist's duration, segments of their true length.
			if code := n.do("POST", "/api/cameras/"+e.rec+"/record", map[string]any{"seconds": 6}, nil); code != 202 {
				t.Fatalf("trigger: HTTP %d", code)
			}
			rs := n.waitRecordings(e.rec, 60*time.Second, "a finished recording", func(rs []recordingOut) bool { return len(rs) > 0 && !rs[0].Open })
			_, pl, _ := n.body(rs[0].Playlist, nil)
			segs := parsePlaylist(t, string(pl))
			var sum float64
			for i, sg := range segs {
				if sg.duration <= 0 || sg.duration > 3.5 {
					t.Fatalf("segment %d lasts %.2f s in the playlist; segments are cut about every 2 s", i, sg.duration)
				}
				sum += sg.duration
			}
			media := n.fetchPlaylistMedia(rs[0].Playlist, segs)
			p := ffprobe(t, media)
			d := mediaDuration(t, media)
			frames := atoi(p.Streams[0].NbReadFrames)
			t.Logf("%s: status %+v; recording %d segments, playlist %.2f s, media %.2f s, %d frames", tc.name, st, len(segs), sum, d, frames)
			if !strings.HasPrefix(p.Streams[0].CodecName, "h264") || p.Streams[0].Width != 640 {
				t.Fatalf("recording is %+v", p.Streams[0])
			}
			if math.Abs(d-sum) > 0.3 || sum < 5 {
				t.Fatalf("the recording lasts %.2f s in ffprobe, the playlist says %.2f s (asked for 6 s)", d, sum)
			}
			if want := sum * 25; math.Abs(float64(frames)-want) > 0.05*want+2 {
				t.Fatalf("the recording decodes to %d frames, want about %.0f", frames, want)
			}

			if tc.name == "jumps" {
				js := n.waitStatus(e.rec, 20*time.Second, "timestamp jumps in the status", func(s supervisor.Status) bool { return s.TimeJumps > 0 })
				t.Logf("jumps: %d, note %q", js.TimeJumps, js.StreamNote)
				if !strings.Contains(js.StreamNote, "timestamps jumped") {
					t.Errorf("stream_note %q does not say the timestamps jumped", js.StreamNote)
				}
				if js.Restarts != 0 {
					t.Errorf("the jumping camera's worker restarted %d times", js.Restarts)
				}
			}
			if e.motion != "" {
				deadline := time.Now().Add(60 * time.Second)
				for len(n.events("camera="+e.motion+"&kind=motion")) == 0 {
					if time.Now().After(deadline) {
						t.Fatalf("the moving ball made no motion event on the %s camera in 60 s", tc.name)
					}
					time.Sleep(500 * time.Millisecond)
				}
			}
		})
	}
}

// TestRTSPVariantFailures: a wrong password (Digest camera, given in the API's fields), rtsps:// to a
// camera without TLS, and a camera that refuses every transport each get their sentence, both as the
// camera's status error and as the answer of POST /api/cameras/probe; the password never shows.
func TestRTSPVariantFailures(t *testing.T) {
	digest := startCamera(t, testcam.Options{User: "op", Pass: "right", Variant: testcam.Variant{Auth: testcam.AuthDigest}})
	plain := startCamera(t, testcam.Options{})
	refusing := startCamera(t, testcam.Options{Variant: testcam.Variant{RefuseTCP: true}})
	n := startNVR(t)
	cases := []struct {
		name, url, user, password, want string
	}{
		{"wrong password", "rtsp://" + digest.Addr() + "/stream", "op", "Wr0ngPass", "the camera refused the user name or password"},
		{"rtsps without TLS", "rtsps://" + plain.Addr() + "/stream", "", "", "does not speak TLS on that port"},
		{"no transport", refusing.URL(), "", "", "refused every way nvr asked it to send video"},
	}
	ids := make([]string, len(cases))
	for i, c := range cases {
		body := map[string]any{"name": "Fail " + c.name, "url": c.url}
		if c.user != "" {
			body["user"], body["password"] = c.user, c.password
		}
		var out map[string]any
		if code := n.do("POST", "/api/cameras", body, &out); code != 201 {
			t.Fatalf("create %s: %d %v", c.name, code, out)
		}
		ids[i] = out["id"].(string)
	}
	for i, c := range cases {
		s := n.waitStatus(ids[i], 60*time.Second, "error "+c.want, func(s supervisor.Status) bool {
			return s.Error != "" && s.State != supervisor.StateStreaming
		})
		var pr probeAnswer
		body := map[string]any{"url": c.url}
		if c.user != "" {
			body["user"], body["password"] = c.user, c.password
		}
		code := n.do("POST", "/api/cameras/probe", body, &pr)
		t.Logf("%s: status %q; probe HTTP %d %q", c.name, s.Error, code, pr.Error)
		if !strings.Contains(s.Error, c.want) {
			t.Errorf("%s: status error %q, want it to say %q", c.name, s.Error, c.want)
		}
		if code != http.StatusUnprocessableEntity || !strings.Contains(pr.Error, c.want) {
			t.Errorf("%s: probe HTTP %d %q, want 422 saying %q", c.name, code, pr.Error, c.want)
		}
		if strings.Contains(s.Error, "Wr0ng") || strings.Contains(pr.Error, "Wr0ng") {
			t.Errorf("%s: the sentence shows the password", c.name)
		}
	}
}
