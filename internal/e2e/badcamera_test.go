package e2e

import (
	"math/rand"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
)

// TestBadCamerasGiveClearErrors adds broken cameras beside a good one: each gets a plain status error,
// nvrd keeps serving and the good camera keeps streaming.
func TestBadCamerasGiveClearErrors(t *testing.T) {
	t.Parallel() // mostly waits on the camera's real time; its own nvrd, camera, port and temp dir
	good := startCamera(t, testcam.Options{})
	locked := startCamera(t, testcam.Options{User: "admin", Pass: "s3cret"})
	// A camera whose "H.264" is random bytes.
	rng := rand.New(rand.NewSource(1))
	noise := make([][][]byte, 25)
	for i := range noise {
		nal := make([]byte, 1500)
		rng.Read(nal)
		noise[i] = [][]byte{nal}
	}
	garbage := startCamera(t, testcam.Options{AUs: noise})
	n := startNVR(t)

	// A port that speaks HTTP, not RTSP.
	httpSrv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("hello")) })}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go httpSrv.Serve(ln)
	t.Cleanup(func() { httpSrv.Close() })

	// A port nothing listens on.
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedAddr := closed.Addr().String()
	closed.Close()

	goodID := n.addCamera("Good", good.URL())
	cases := []struct {
		name, url, want string
	}{
		{"Wrong host", "rtsp://no-such-camera.invalid:554/stream", "could not resolve host no-such-camera.invalid"},
		{"Closed port", "rtsp://" + closedAddr + "/stream", "connection refused by " + closedAddr},
		{"Wrong path", "rtsp://" + good.Addr() + "/nope", "no stream at that path"},
		{"Wrong password", "rtsp://admin:wrong@" + locked.Addr() + "/stream", "the camera refused the user name or password"},
		{"No password", "rtsp://" + locked.Addr() + "/stream", "asks for a user name and password"},
		{"Not RTSP", "rtsp://" + ln.Addr().String() + "/", "did not answer as an RTSP camera"},
		{"Garbage", garbage.URL(), "sends video that is not valid H.264"},
	}
	ids := make([]string, len(cases))
	for i, c := range cases {
		ids[i] = n.addCamera(c.name, c.url)
	}
	for i, c := range cases {
		s := n.waitStatus(ids[i], 45*time.Second, "error "+c.want, func(s supervisor.Status) bool {
			return s.Error != "" && s.State != supervisor.StateStreaming
		})
		if !strings.Contains(s.Error, c.want) {
			t.Errorf("%s: status error %q, want it to say %q", c.name, s.Error, c.want)
		}
		if strings.Contains(s.Error, "wrong") || strings.Contains(s.Error, "s3cret") {
			t.Errorf("%s: status error shows the password: %q", c.name, s.Error)
		}
	}
	// The good camera streamed throughout.
	gs := n.waitStatus(goodID, 10*time.Second, "streaming", func(s supervisor.Status) bool { return s.State == supervisor.StateStreaming })
	if gs.Restarts != 0 {
		t.Fatalf("the good camera restarted %d times while others failed", gs.Restarts)
	}
	// What failing cameras cost in CPU is a figure of BenchmarkFailingCamerasCPU.
	// A working camera is the same later: the good one still streams with the correct facts.
	// Its size comes with the first analysed keyframe, a moment after it starts streaming: wait for it.
	if s := n.waitStatus(goodID, 10*time.Second, "streaming at 640 wide", func(s supervisor.Status) bool {
		return s.State == supervisor.StateStreaming && s.Width == 640
	}); s.State != supervisor.StateStreaming || s.Width != 640 {
		t.Fatalf("good camera after the failures: %+v", s)
	}
}
