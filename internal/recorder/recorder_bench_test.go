package recorder

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/mpegts"
	"github.com/nvrproject/nvr/pkg/testskip"
)

// clip1080p is 20 s of 1080p25 H.264 at about 4 Mbit/s with a keyframe every second, muxed to TS by
// GStreamer as the worker does (cached in .cache/ of the repository).
func clip1080p(b *testing.B) []byte {
	b.Helper()
	if _, err := exec.LookPath("gst-launch-1.0"); err != nil {
		testskip.Skip(b, "gst-launch-1.0 is not installed", "run make setup")
	}
	path := filepath.Join("..", "..", ".cache", "bench-1080p-4mbit.ts")
	if data, err := os.ReadFile(path); err == nil && len(data) > 1<<20 {
		return data
	}
	os.MkdirAll(filepath.Dir(path), 0o755)
	cmd := exec.Command("gst-launch-1.0", "-q", "videotestsrc", "num-buffers=500", "pattern=smpte", "horizontal-speed=4", "!",
		"video/x-raw,width=1920,height=1080,framerate=25/1", "!", "x264enc", "bitrate=4000", "key-int-max=25",
		"option-string=scenecut=0:nal-hrd=cbr:vbv-maxrate=4000:vbv-bufsize=4000", "speed-preset=ultrafast", "tune=zerolatency", "!",
		"h264parse", "config-interval=-1", "!", "mpegtsmux", "!", "filesink", "location="+path+".tmp")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("encode the benchmark clip: %v %s", err, out)
	}
	os.Rename(path+".tmp", path)
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// wchar is the bytes this process has written through write(2) and friends.
func wchar() int64 {
	b, _ := os.ReadFile("/proc/self/io")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "wchar: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// BenchmarkRecordingContinuous records a 20 s 1080p 4 Mbit/s stream in continuous mode, fed as fast as
// the recorder takes it, and reports the recorder's CPU per second of video (% of one core per camera)
// and the write amplification: bytes written to the data directory (segments, index, WAL) over the
// stream's bytes. The RAM ring's copy is not disk I/O and is subtracted.
func BenchmarkRecordingContinuous(b *testing.B) {
	ts := clip1080p(b)
	b.StopTimer()
	const media = 20 * time.Second
	var cpu time.Duration
	var written, input int64
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		st, err := store.Open(filepath.Join(dir, "data"))
		if err != nil {
			b.Fatal(err)
		}
		cam := &store.Camera{Name: "Bench", URL: "demo://", Enabled: true, CameraSettings: store.DefaultSettings()}
		cam.Record.Mode = store.RecordContinuous
		st.CreateCamera(context.Background(), cam)
		ram, _ := os.MkdirTemp("/dev/shm", "nvr-bench-")
		src := &chanSource{}
		r, err := New(Options{Store: st, DataDir: filepath.Join(dir, "data"), RAMDir: ram, Log: discard(), MinFreePercent: -1,
			Stream: func(string) mpegts.Source { return src }})
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { r.Run(ctx); close(done) }()
		r.Configure(*cam)
		r.mu.Lock()
		c := r.cams[cam.ID]
		r.mu.Unlock()
		// The stream is parsed by the hub, not the recorder: mark it before the clock starts.
		at := time.Now()
		const chunk = 188 * 7 * 10
		var batches []mpegts.Batch
		for off := 0; off+chunk <= len(ts); off += chunk {
			at = at.Add(time.Duration(float64(media) * chunk / float64(len(ts))))
			batches = append(batches, src.mark(ts[off:off+chunk], at))
		}
		for src.readers() == 0 {
			time.Sleep(time.Millisecond)
		}
		b.StartTimer()
		cpu0, w0 := cpuTime(), wchar()
		for _, bt := range batches {
			src.send(bt)
		}
		for !src.drained() {
			time.Sleep(time.Millisecond)
		}
		cancel()
		<-done
		cpu += cpuTime() - cpu0
		written += wchar() - w0 - c.stat.ringBytes.Load() // minus the ring's copy in RAM
		input += int64(len(ts))
		b.StopTimer()
		if c.dropped() > 0 {
			b.Fatalf("the recorder dropped %d packets", c.dropped())
		}
		st.Close()
		os.RemoveAll(ram)
	}
	b.ReportMetric(cpu.Seconds()/(media.Seconds()*float64(b.N))*100, "%core/camera")
	b.ReportMetric(float64(written)/float64(input), "write-amplification")
	b.ReportMetric(float64(input)*8/media.Seconds()/float64(b.N)/1e6, "Mbit/s-stream")
}

// BenchmarkIndexCameraDay indexes one camera-day of continuous recording (43,200 two-second segments in
// 144 ten-minute recordings) and reports the database size.
func BenchmarkIndexCameraDay(b *testing.B) {
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		st, err := store.Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		before := dbSize(b, st, dir)
		day := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
		for r := 0; r < 144; r++ {
			start := day.Add(time.Duration(r) * 10 * time.Minute)
			rec := &store.Recording{CameraID: "front-door", Kind: store.KindContinuous, Reason: "continuous", Start: start, Open: true,
				Dir: "front-door/2026-11-25/" + strconv.Itoa(r+1)}
			if err := st.CreateRecording(ctx, rec); err != nil {
				b.Fatal(err)
			}
			for s := 0; s < 300; s++ {
				off := time.Duration(s)*2*time.Second + time.Duration(s%7)*time.Millisecond
				if err := st.AppendSegment(ctx, rec.ID, store.SegEntry{Index: s, Offset: off, Duration: 2*time.Second + 40*time.Millisecond,
					Bytes: 1_000_000 + int64(s*37%5000), Keyframes: 2}, start.Add(off+2*time.Second)); err != nil {
					b.Fatal(err)
				}
			}
			st.CloseRecording(ctx, rec.ID)
		}
		b.ReportMetric(float64(dbSize(b, st, dir)-before)/(1<<20), "MiB/camera-day")
		st.Close()
	}
}

// dbSize checkpoints the WAL into the database and returns the file's size.
func dbSize(b *testing.B, st *store.Store, dir string) int64 {
	if _, err := st.DB().Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, store.FileName))
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
