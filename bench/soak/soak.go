package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nvrproject/nvr/internal/testcam"
)

// report is the JSON the soak prints.
type report struct {
	OK        bool            `json:"ok"`
	Failures  []string        `json:"failures"`
	Cameras   int             `json:"cameras"`
	Duration  string          `json:"duration"`
	SetupS    float64         `json:"setup_s"`
	Load      loadReport      `json:"load"`
	Faults    []*faultResult  `json:"faults"`
	Resources *resourceReport `json:"resources,omitempty"`
	Checks    *checkReport    `json:"checks,omitempty"`
	Viewers   []viewerReport  `json:"viewers"`
	Burst     *burstReport    `json:"api_burst,omitempty"`
	Notes     []string        `json:"notes,omitempty"`
}

type loadReport struct {
	Start string `json:"start"` // /proc/loadavg at the start and the end
	End   string `json:"end"`
	CPUs  int    `json:"cpus"`
}

type faultResult struct {
	Name      string  `json:"name"`
	AtS       float64 `json:"at_s"`
	OK        bool    `json:"ok"`
	Skipped   bool    `json:"skipped,omitempty"`
	RecoveryS float64 `json:"recovery_s,omitempty"` // from the end of the fault until every camera streams again
	Detail    string  `json:"detail,omitempty"`
}

type soak struct {
	cfg config
	log *slog.Logger

	mu       sync.Mutex
	failures []string
	notes    []string

	dir      string // scratch directory
	data     string // data dir (the tmpfs when root)
	ram      string
	mounted  bool
	cams     []*testcam.Server
	camIDs   []string
	nvrd     *nvrd
	token    string
	t0       time.Time // the clock: every camera streamed
	viewers  []*viewer
	sampler  *sampler
	faultLog []*faultResult
}

func (s *soak) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.log.Error("soak: " + msg)
	s.mu.Lock()
	s.failures = append(s.failures, msg)
	s.mu.Unlock()
}

func (s *soak) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.log.Info("soak: " + msg)
	s.mu.Lock()
	s.notes = append(s.notes, msg)
	s.mu.Unlock()
}

func (s *soak) elapsed() float64 { return time.Since(s.t0).Seconds() }

// at sleeps until fraction f of the duration has passed on the clock.
func (s *soak) at(ctx context.Context, f float64) bool {
	d := time.Until(s.t0.Add(time.Duration(f * float64(s.cfg.duration))))
	if d <= 0 {
		return ctx.Err() == nil
	}
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.TrimSpace(string(b))
}

func (s *soak) run(ctx context.Context) *report {
	rep := &report{Cameras: s.cfg.cameras, Duration: s.cfg.duration.String()}
	rep.Load.Start, rep.Load.CPUs = loadavg(), numCPU()
	started := time.Now()
	defer s.cleanup()
	if err := s.setup(ctx); err != nil {
		s.fail("setup: %v", err)
		return s.finish(rep)
	}
	rep.SetupS = time.Since(started).Seconds()
	s.t0 = time.Now()
	s.log.Info("soak: every camera streams; the clock starts", "duration", s.cfg.duration, "setup_s", int(rep.SetupS))

	vctx, stopViewers := context.WithCancel(ctx)
	var vwg sync.WaitGroup
	for i, id := range s.camIDs {
		v := &viewer{name: id, camera: id, url: s.nvrd.url, token: s.token}
		s.viewers = append(s.viewers, v)
		if i == 0 {
			// The slow viewer watches the same camera as viewer 0, so a stall it caused would show.
			s.viewers = append(s.viewers, &viewer{name: id + "-slow", camera: id, url: s.nvrd.url, token: s.token, slow: true})
		}
	}
	for _, v := range s.viewers {
		vwg.Add(1)
		go func(v *viewer) { defer vwg.Done(); v.run(vctx) }(v)
	}
	s.sampler = &sampler{url: s.nvrd.url, token: s.token, t0: s.t0}
	sctx, stopSampler := context.WithCancel(ctx)
	var swg sync.WaitGroup
	swg.Add(1)
	go func() { defer swg.Done(); s.sampler.run(sctx, s.nvrdPID) }()

	s.schedule(ctx, rep)

	stopSampler()
	swg.Wait()
	if ctx.Err() == nil {
		rep.Resources = s.sampler.judge(s, s.cfg.duration)
		// Every camera streams at the end and every viewer got video in the last seconds.
		if err := s.waitStreaming(ctx, 30*time.Second); err != nil {
			s.fail("at the end: %v", err)
		}
		s.checkViewersFresh()
		s.checkViewerCounts(ctx)
	}
	stopViewers()
	vwg.Wait()
	for _, v := range s.viewers {
		rep.Viewers = append(rep.Viewers, v.report())
	}
	if ctx.Err() == nil {
		rep.Checks = s.finalChecks(ctx)
	}
	return s.finish(rep)
}

func (s *soak) finish(rep *report) *report {
	rep.Load.End = loadavg()
	rep.Faults = s.faultLog
	s.mu.Lock()
	rep.Failures = append([]string{}, s.failures...)
	rep.Notes = append([]string{}, s.notes...)
	s.mu.Unlock()
	rep.OK = len(rep.Failures) == 0
	return rep
}

// schedule runs the faults at their times and waits for the end of the duration.
func (s *soak) schedule(ctx context.Context, rep *report) {
	steps := []struct {
		at   float64
		name string
		do   func(context.Context) *faultResult
	}{
		{0.10, "nvrd kill -9 and restart", s.faultNvrdKill},
		{0.54, "worker kill -9", s.faultWorkerKill},
		{0.56, "camera server down 10 s", s.faultCameraDown},
		{0.63, "data volume full", s.faultDiskFull},
		{0.70, "API burst", func(ctx context.Context) *faultResult {
			r, b := s.faultBurst(ctx, 0.76)
			rep.Burst = b
			return r
		}},
	}
	for _, st := range steps {
		if !s.at(ctx, st.at) {
			return
		}
		s.log.Info("soak: fault", "name", st.name, "t", int(s.elapsed()))
		r := st.do(ctx)
		r.Name, r.AtS = st.name, round1(r.AtS)
		r.RecoveryS = round1(r.RecoveryS)
		s.faultLog = append(s.faultLog, r)
		s.log.Info("soak: fault done", "name", st.name, "ok", r.OK, "skipped", r.Skipped, "recovery_s", r.RecoveryS, "detail", r.Detail)
		if !r.OK && !r.Skipped {
			s.fail("fault %q: %s", st.name, r.Detail)
		}
		if s.nvrd.exited() {
			s.fail("nvrd exited on its own after the fault %q: %s", st.name, s.nvrd.tail())
			return
		}
	}
	s.at(ctx, 1.0)
}

func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }

func (s *soak) nvrdPID() int {
	if s.nvrd == nil {
		return 0
	}
	return s.nvrd.pid()
}

// setup encodes the clips, starts the cameras, mounts the data volume, provisions an admin and its
// token with the CLI, adds the cameras, starts nvrd and waits until every camera streams.
func (s *soak) setup(ctx context.Context) error {
	for _, b := range []string{"nvrd", "nvr-worker"} {
		if _, err := os.Stat(filepath.Join(s.cfg.bin, b)); err != nil {
			return fmt.Errorf("%s is missing in %s; run make build first", b, s.cfg.bin)
		}
	}
	dir, err := os.MkdirTemp("", "nvr-soak-")
	if err != nil {
		return err
	}
	s.dir = dir
	s.data = filepath.Join(dir, "data")
	s.ram = filepath.Join(dir, "ram")
	if err := os.MkdirAll(s.data, 0o750); err != nil {
		return err
	}
	if os.Geteuid() == 0 {
		out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%dm,mode=0750", s.cfg.tmpfsMiB), "nvr-soak", s.data).CombinedOutput()
		if err != nil {
			s.note("could not mount a tmpfs for the data volume (%v: %s): the disk-full fault is skipped", err, strings.TrimSpace(string(out)))
		} else {
			s.mounted = true
		}
	} else {
		s.note("not root: the data volume is a plain directory and the disk-full fault is skipped")
	}
	cache := filepath.Join(s.cfg.repo, ".cache", "testclips")
	moving, err := testcam.Encode(cache, testcam.Clip{Width: 320, Height: 240, FPS: 15, KeyInt: 15, BitrateKbps: 300, Frames: 150})
	if err != nil {
		return err
	}
	// The event cameras' clip: 5 s of a moving ball, then 35 s of black (a still picture
	// with detail scores ~3 from keyframe to keyframe at this bitrate, enough to keep motion going), in a loop, so motion
	// events start and end and their recordings open and close (after the post-roll) all the time.
	still, err := testcam.Encode(cache, testcam.Clip{Width: 320, Height: 240, FPS: 15, KeyInt: 15, BitrateKbps: 300, Frames: 525,
		Source: "videotestsrc pattern=black num-buffers=525"})
	if err != nil {
		return err
	}
	mixed := append(append([][][]byte{}, moving[:75]...), still...)
	for i := 0; i < s.cfg.cameras; i++ {
		clip, mode := moving, "continuous"
		if i%2 == 1 {
			clip, mode = mixed, "events"
		}
		cam, err := testcam.Start(testcam.Options{AUs: clip, FPS: 15})
		if err != nil {
			return err
		}
		s.cams = append(s.cams, cam)
		id := fmt.Sprintf("soak%d", i)
		s.camIDs = append(s.camIDs, id)
		if _, err := s.cli(ctx, "", "camera", "add", "--name", id, "--url", cam.URL(), "--record", mode); err != nil {
			return err
		}
	}
	if _, err := s.cli(ctx, "a soak password\n", "user", "add", "root", "--role", "admin"); err != nil {
		return err
	}
	out, err := s.cli(ctx, "", "token", "create", "root")
	if err != nil {
		return err
	}
	s.token = strings.TrimSpace(out)
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	s.nvrd = &nvrd{bin: s.cfg.bin, data: s.data, ram: s.ram, addr: addr, url: "http://" + addr, logPath: filepath.Join(dir, "nvrd.log")}
	if err := s.nvrd.start(); err != nil {
		return err
	}
	if err := s.waitStreaming(ctx, 90*time.Second); err != nil {
		return err
	}
	return nil
}

func (s *soak) cli(ctx context.Context, stdin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(s.cfg.bin, "nvrd"), append(args, "--data-dir", s.data)...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("nvrd %s: %v: %s", strings.Join(args[:2], " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// cleanup stops everything the soak started and unmounts the data volume.
func (s *soak) cleanup() {
	if s.nvrd != nil {
		s.nvrd.stop(15 * time.Second)
	}
	for _, c := range s.cams {
		c.Close()
	}
	if s.mounted {
		if out, err := exec.Command("umount", s.data).CombinedOutput(); err != nil {
			s.log.Error("soak: unmount the data volume", "err", err, "out", string(out))
		}
	}
	if s.dir != "" {
		if os.Getenv("SOAK_KEEP") != "" {
			s.log.Info("soak: kept the scratch directory", "dir", s.dir)
			return
		}
		_ = os.RemoveAll(s.dir)
	}
}
