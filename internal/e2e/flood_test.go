package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"github.com/nvrproject/nvr/pkg/testskip"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/nvrproject/nvr/internal/api"
	"github.com/nvrproject/nvr/internal/recorder"
	"github.com/nvrproject/nvr/internal/supervisor"
	"github.com/nvrproject/nvr/internal/testcam"
)

// Short timeouts for the flood test (nvrd start flags), and nvrd's open-file limit under it.
const (
	floodHeaderTimeout = 2 * time.Second
	floodReadTimeout   = 3 * time.Second
	floodWriteTimeout  = 4 * time.Second
	floodIdleTimeout   = 3 * time.Second
	floodFileLimit     = 1024
)

// floodResult is what happened to one flood connection.
type floodResult struct {
	kind     string
	lifetime time.Duration
	held     bool // nvrd accepted it and kept it open (not refused over a cap)
	closed   bool // nvrd closed it (the client never gave up)
}

// floodConn opens one connection from local and misbehaves as kind says until nvrd closes it, or
// gives up after giveUp.
func floodConn(addr, local, kind string, giveUp time.Duration) floodResult {
	res := floodResult{kind: kind}
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
	start := time.Now()
	c, err := d.Dial("tcp", addr)
	if err != nil {
		res.closed = true // refused at once
		return res
	}
	defer c.Close()
	_ = c.SetDeadline(start.Add(giveUp))
	br := bufio.NewReader(c)
	switch kind {
	case "slow-body": // the probe's shape: a big Content-Length, a few bytes, then silence
		fmt.Fprintf(c, "POST /api/login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"us", addr)
	case "slow-header":
		fmt.Fprintf(c, "GET /api/health HTTP/1.1\r\nHost: %s\r\n", addr)
	case "idle": // one request, then an idle kept-alive connection
		fmt.Fprintf(c, "GET /api/health HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
		resp, err := http.ReadResponse(br, nil)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			res.held = true
		}
	}
	// Wait for nvrd to close it; anything it answers first (a 400 for the cut body) is read and dropped.
	buf := make([]byte, 4096)
	for {
		_, err := br.Read(buf)
		if err != nil {
			res.lifetime = time.Since(start)
			var ne net.Error
			if ok := asNetErr(err, &ne); ok && ne.Timeout() {
				return res // we gave up: nvrd kept it open
			}
			res.closed = true
			if res.lifetime > 500*time.Millisecond {
				res.held = true
			}
			return res
		}
	}
}

func asNetErr(err error, ne *net.Error) bool {
	e, ok := err.(net.Error)
	if ok {
		*ne = e
	}
	return ok
}

// TestFloodDoesNotStopRecording: a few thousand misbehaving connections on loopback (slow bodies as
// in the probe, slow headers, idle keep-alives) against nvrd with a 1024 open-file limit, while a camera
// records continuously and a live view plays. Recording has no gap, health answers within 1 s
// throughout, nvrd's descriptors stay clear of the recording reserve, the live view is not cut by the
// write timeout, and every held flood connection is closed by a timeout.
func TestFloodDoesNotStopRecording(t *testing.T) {
	need(t)
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		testskip.Skip(t, "prlimit (util-linux) is not installed", "apt-get install util-linux")
	}
	cam := startCamera(t, testcam.Options{})
	dir := t.TempDir()
	p := &nvrdProc{data: filepath.Join(dir, "data"), ram: filepath.Join(dir, "ram"), stderr: &lockedBuffer{}}
	addr := freeAddr(t)
	p.url = "http://" + addr
	p.provisionAdmin(t)
	if _, errOut, err := p.cli(t, "camera", "add", "--name", "Gate", "--url", cam.URL(), "--record", "continuous"); err != nil {
		t.Fatal(errOut)
	}
	p.cmd = execNVRD(p, addr, "--http-header-timeout", floodHeaderTimeout.String(), "--http-read-timeout", floodReadTimeout.String(),
		"--http-write-timeout", floodWriteTimeout.String(), "--http-idle-timeout", floodIdleTimeout.String(),
		"--allow-host", "nvr.home.arpa", "--allow-host", "Cams.Example:8080")
	// The same command under a lower open-file limit (prlimit execs nvrd: same process id).
	p.cmd.Args = append([]string{"prlimit", fmt.Sprintf("--nofile=%d:%d", floodFileLimit, floodFileLimit), "--"}, p.cmd.Args...)
	p.cmd.Path = prlimit
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.cmd.Process.Signal(syscall.SIGTERM); p.cmd.Wait() })

	// Clients on other loopback addresses than the flood's, so the per-address cap leaves them alone.
	healthClient := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true,
		DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}).DialContext}}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var st struct {
			supervisor.Status
			Recording recorder.Status `json:"recording"`
		}
		if resp, err := p.get(t, "/api/cameras/gate/status"); err == nil {
			_ = jsonDecode(resp, &st)
			if st.Recording.SegmentsWritten >= 2 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the camera does not record continuously within 30 s:\n%s", p.stderr)
		}
		time.Sleep(300 * time.Millisecond)
	}
	caps := api.LimitsForFiles(floodFileLimit)
	if m := regexp.MustCompile(`max_conns=(\d+)`).FindStringSubmatch(p.stderr.String()); m == nil || m[1] != strconv.Itoa(caps.Total) {
		t.Fatalf("nvrd did not log its connection cap %d for a %d file limit:\n%s", caps.Total, floodFileLimit, p.stderr)
	}
	reserveLine := floodFileLimit - max(256, floodFileLimit/4) // descriptors HTTP may never reach into

	// --allow-host: the names given are answered, any other name gets 421.
	for host, want := range map[string]int{"nvr.home.arpa": 200, "cams.example": 200, "rebind.attacker.example": 421, addr: 200} {
		req, _ := http.NewRequest("GET", p.url+"/api/health", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %s: HTTP %d, want %d", host, resp.StatusCode, want)
		}
	}

	// A live view from a third address, read throughout.
	wsDialer := websocket.Dialer{NetDialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.3")}}).DialContext}
	ws, _, err := wsDialer.Dial("ws://"+addr+"/api/cameras/gate/live", http.Header{"Authorization": {"Bearer " + p.token}})
	if err != nil {
		t.Fatalf("live view: %v", err)
	}
	defer ws.Close()
	var lastLive atomic.Int64
	liveDone := make(chan error, 1)
	go func() {
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				liveDone <- err
				return
			}
			lastLive.Store(time.Now().UnixNano())
		}
	}()

	// The flood: 4 addresses × 300 workers (more than nvrd's file limit), each reconnecting until 12 s have passed or 8000 connections
	// were made in all.
	floodStart := time.Now()
	floodFor := 12 * time.Second
	var attempts atomic.Int64
	results := make(chan floodResult, 8192)
	var wg sync.WaitGroup
	for a := 0; a < 4; a++ {
		local := fmt.Sprintf("127.0.1.%d", a+1)
		for w := 0; w < 300; w++ {
			kind := "slow-body"
			switch w % 10 {
			case 1:
				kind = "slow-header"
			case 2:
				kind = "idle"
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Since(floodStart) < floodFor && attempts.Add(1) <= 8000 {
					r := floodConn(addr, local, kind, 20*time.Second)
					results <- r
					if !r.held {
						time.Sleep(2 * time.Second) // refused over the cap: try again later
					}
				}
			}()
		}
	}
	floodDone := make(chan struct{})
	go func() { wg.Wait(); close(floodDone) }()

	// Health within 1 s and nvrd's descriptor count, sampled until the flood is over.
	pid := p.cmd.Process.Pid
	maxFDs, polls := 0, 0
	var slowHealth []string
	for flooding := true; flooding; {
		select {
		case <-floodDone:
			flooding = false
		case <-time.After(250 * time.Millisecond):
		}
		if fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); err == nil {
			maxFDs = max(maxFDs, len(fds))
		}
		t0 := time.Now()
		resp, err := healthClient.Get(p.url + "/api/health")
		polls++
		if err != nil {
			slowHealth = append(slowHealth, fmt.Sprintf("at %.1f s: %v", time.Since(floodStart).Seconds(), err))
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			slowHealth = append(slowHealth, fmt.Sprintf("at %.1f s: HTTP %d after %s", t0.Sub(floodStart).Seconds(), resp.StatusCode, time.Since(t0)))
		}
	}
	close(results)
	floodEnd := time.Now()

	// The flood's connections: every one closed by nvrd, the held ones by the timeout of their kind.
	limits := map[string]time.Duration{"slow-body": floodReadTimeout, "slow-header": floodHeaderTimeout, "idle": floodIdleTimeout}
	held, total := map[string]int{}, 0
	var notClosed, tooLong []string
	for r := range results {
		total++
		if !r.closed {
			notClosed = append(notClosed, fmt.Sprintf("%s open %s", r.kind, r.lifetime))
			continue
		}
		if r.held {
			held[r.kind]++
			if r.lifetime > limits[r.kind]+3*time.Second {
				tooLong = append(tooLong, fmt.Sprintf("%s lived %s", r.kind, r.lifetime.Round(time.Millisecond)))
			}
		}
	}
	t.Logf("flood: %d connections in %s, held and closed by timeouts: %v; nvrd's most descriptors %d (limit %d, HTTP cap %d connections); %d health polls",
		total, floodEnd.Sub(floodStart).Round(time.Millisecond), held, maxFDs, floodFileLimit, caps.Total, polls)
	if total < 1000 {
		t.Fatalf("the flood made only %d connections", total)
	}
	if len(notClosed) > 0 {
		t.Errorf("%d flood connections were still open after 20 s: %v", len(notClosed), notClosed[:min(5, len(notClosed))])
	}
	if len(tooLong) > 0 {
		t.Errorf("%d flood connections outlived their timeout by over 3 s: %v", len(tooLong), tooLong[:min(5, len(tooLong))])
	}
	for kind := range limits {
		if held[kind] == 0 {
			t.Errorf("no %s connection was held and then closed by its timeout", kind)
		}
	}
	if len(slowHealth) > 0 {
		t.Errorf("health did not answer within 1 s %d times of %d: %v", len(slowHealth), polls, slowHealth[:min(5, len(slowHealth))])
	}
	if maxFDs >= reserveLine {
		t.Errorf("nvrd held %d descriptors, into the %d kept for recording", maxFDs, floodFileLimit-reserveLine)
	}

	// The live view played through the flood, longer than the write timeout.
	select {
	case err := <-liveDone:
		t.Errorf("the live view was cut during the flood: %v", err)
	default:
		if since := time.Since(time.Unix(0, lastLive.Load())); since > 2*time.Second {
			t.Errorf("the live view got nothing for %s", since)
		}
	}

	// Recording: segments cover the flood with no gap. Wait until segments past its end are written.
	var segs []hlsSegment
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		var recs []recordingOut
		p.getJSON(t, "/api/recordings?camera=gate", &recs)
		segs = nil
		for i := len(recs) - 1; i >= 0; i-- {
			resp, err := p.get(t, recs[i].Playlist)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			segs = append(segs, parseOpenPlaylist(t, string(b))...)
		}
		sort.Slice(segs, func(i, j int) bool { return segs[i].pdt.Before(segs[j].pdt) })
		if n := len(segs); n > 0 && segs[n-1].pdt.After(floodEnd.Add(2*time.Second)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no segment recorded after the flood within 20 s (%d segments)\n%s", len(segs), p.stderr)
		}
	}
	covered := 0
	for i := 1; i < len(segs); i++ {
		prevEnd := segs[i-1].pdt.Add(time.Duration(segs[i-1].duration * float64(time.Second)))
		if segs[i].pdt.Before(floodStart.Add(-3*time.Second)) || segs[i].pdt.After(floodEnd.Add(3*time.Second)) {
			continue
		}
		covered++
		if gap := segs[i].pdt.Sub(prevEnd); gap.Abs() > 150*time.Millisecond {
			t.Errorf("gap of %s in the recording at %s (%.1f s into the flood)", gap, segs[i].pdt.Format(time.RFC3339Nano), segs[i].pdt.Sub(floodStart).Seconds())
		}
	}
	if covered < int(floodFor/(3*time.Second)) {
		t.Errorf("only %d segments cover the %s flood", covered, floodFor)
	}
	if logs := p.stderr.String(); strings.Contains(logs, "too many open files") || strings.Contains(logs, "unable to open database") {
		t.Errorf("nvrd ran out of descriptors:\n%s", logs)
	}
}

func jsonDecode(resp *http.Response, out any) error {
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(out)
}

// parseOpenPlaylist reads the segments of a playlist that may still be growing (no ENDLIST).
func parseOpenPlaylist(t *testing.T, body string) []hlsSegment {
	t.Helper()
	var segs []hlsSegment
	var cur hlsSegment
	for _, line := range strings.Split(body, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "#EXT-X-PROGRAM-DATE-TIME:"):
			ts, err := time.Parse(time.RFC3339Nano, strings.TrimPrefix(line, "#EXT-X-PROGRAM-DATE-TIME:"))
			if err != nil {
				t.Fatalf("bad date in playlist: %s", line)
			}
			cur.pdt = ts
		case strings.HasPrefix(line, "#EXTINF:"):
			cur.duration, _ = strconv.ParseFloat(strings.Split(strings.TrimPrefix(line, "#EXTINF:"), ",")[0], 64)
		case line != "" && !strings.HasPrefix(line, "#"):
			cur.uri = line
			segs = append(segs, cur)
			cur = hlsSegment{}
		}
	}
	return segs
}
