package segments

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nvrproject/nvr/pkg/mpegts"
	"github.com/nvrproject/nvr/pkg/testskip"
)

func TestWriteFileDurable(t *testing.T) {
	dir := t.TempDir()
	data := bytes.Repeat([]byte("segment"), 10000)
	for range 2 { // the second write replaces the first
		if err := WriteFileDurable(dir, "a.ts", data); err != nil {
			t.Fatal(err)
		}
		data = data[:100]
	}
	got, err := os.ReadFile(filepath.Join(dir, "a.ts"))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes (%v), want the 100 written last", len(got), err)
	}
	if files := ringFiles(t, dir); len(files) != 1 {
		t.Fatalf("files after a durable write: %v (temp file left?)", files)
	}
	for _, bad := range []string{"", "x/a.ts", ".a.ts.tmp", ".."} {
		if err := WriteFileDurable(dir, bad, data); err == nil {
			t.Fatalf("WriteFileDurable accepted the name %q", bad)
		}
	}
	if err := WriteFileDurable(filepath.Join(dir, "missing"), "a.ts", data); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("write into a missing directory: %v, want an error wrapping os.ErrNotExist", err)
	}
}

func TestWriteFileDurableReportsFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		testskip.Skip(t, "this test mounts a 1 MiB tmpfs, which needs root", "run the tests as root (sudo -E go test ...)")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir).CombinedOutput(); err != nil {
		testskip.Skip(t, fmt.Sprintf("cannot mount a tmpfs here: %v: %s", err, out), "run the tests as root on a machine that allows mount")
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	if err := WriteFileDurable(dir, "small.ts", make([]byte, 100<<10)); err != nil {
		t.Fatalf("100 KiB into a 1 MiB tmpfs: %v", err)
	}
	err := WriteFileDurable(dir, "big.ts", make([]byte, 2<<20))
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("2 MiB into a 1 MiB tmpfs: %v, want an error wrapping ENOSPC", err)
	}
	if !strings.Contains(err.Error(), "big.ts") {
		t.Fatalf("the error does not name the file: %v", err)
	}
	if files := ringFiles(t, dir); len(files) != 1 || files[0] != "small.ts" {
		t.Fatalf("after the failed write the directory holds %v, want only small.ts", files)
	}
}

func TestTempFiles(t *testing.T) {
	for name, want := range map[string]bool{
		".a.ts.tmp": true, "/x/y/.20261125T100000.ts.tmp": true, "a.ts": false, ".tmp": false,
		"a.tmp": false, ".hidden": false, ".x.tmp": true,
	} {
		if IsTemp(name) != want {
			t.Errorf("IsTemp(%q) = %v, want %v", name, !want, want)
		}
	}
	dir := t.TempDir()
	for _, n := range []string{".a.ts.tmp", ".b.ts.tmp", "c.ts", ".hidden"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, ".d.tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	n, err := CleanTemp(dir)
	if err != nil || n != 2 {
		t.Fatalf("CleanTemp removed %d (%v), want 2", n, err)
	}
	if files := ringFiles(t, dir); strings.Join(files, " ") != ".d.tmp .hidden c.ts" {
		t.Fatalf("after CleanTemp: %v", files)
	}
	if _, err := CleanTemp(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("CleanTemp of a missing directory succeeded")
	}
}

func TestProbeSegmentFile(t *testing.T) {
	for _, spec := range []clipSpec{plainClip, bframeClip} {
		ts := clip(t, spec)
		segs := feed(NewSegmenter(0), ts, rand.New(rand.NewPCG(4, 4)), realTime(len(ts)/188, 10*time.Second))
		dir := t.TempDir()
		for _, seg := range segs {
			name := seg.Start.Format("150405.000") + ".ts"
			if err := WriteFileDurable(dir, name, seg.Data); err != nil {
				t.Fatal(err)
			}
			info, err := ProbeSegmentFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if !info.Whole || info.Problem != "" || info.Bytes != int64(len(seg.Data)) || info.Keyframes != seg.Keyframes ||
				info.FirstPTS != seg.FirstPTS || info.Frames != 50 || !near(info.Duration, seg.Duration, time.Millisecond) {
				t.Fatalf("B-frames %d: probe of segment %d = %+v; segmenter said %v, %d keyframes, PTS %d",
					spec.bframes, seg.Seq, info, seg.Duration, seg.Keyframes, seg.FirstPTS)
			}
			if tickDiff(info.LastPTS, info.FirstPTS) != 49*3600 {
				t.Fatalf("segment %d: last PTS is %d ticks after the first, want 49 frames", seg.Seq, tickDiff(info.LastPTS, info.FirstPTS))
			}
		}
	}
}

func TestProbeSegmentFileFindsDamage(t *testing.T) {
	ts := clip(t, plainClip)
	dir := t.TempDir()
	for _, tc := range []struct {
		name, problem string
		data          []byte
	}{
		{"empty", "empty", nil},
		{"partial", "partial packet", ts[:100*188+50]},
		{"no PAT", "PAT", ts[188:]},
		{"no keyframe", "no keyframe", ts[:2*188]},
		{"bad sync", "sync byte", append(append(append([]byte(nil), ts[:5*188]...), make([]byte, 188)...), ts[5*188:]...)},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_"))
		if err := os.WriteFile(path, tc.data, 0o644); err != nil {
			t.Fatal(err)
		}
		info, err := ProbeSegmentFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if info.Whole || !strings.Contains(info.Problem, tc.problem) || info.Bytes != int64(len(tc.data)) {
			t.Fatalf("%s: %+v, want not whole because of %q", tc.name, info, tc.problem)
		}
	}
	if _, err := ProbeSegmentFile(filepath.Join(dir, "missing.ts")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("probe of a missing file: %v", err)
	}
}

// TestProbeSegmentFileOneFrame: a segment flushed at shutdown just after its keyframe holds one frame.
// The probe must give it a duration (one frame interval, as the Segmenter did), not 0: an index rebuilt
// with a 0-s segment cannot be written as a playlist.
func TestProbeSegmentFileOneFrame(t *testing.T) {
	ts := clip(t, plainClip)
	s := NewSegmenter(0)
	var psi mpegts.PSI
	var segs []Segment
	starts := 0 // video frames begun after the keyframe that cut the first segment
	for i, p := range packets(ts) {
		psi.Observe(p)
		if len(segs) > 0 && psi.VideoPID != 0 && mpegts.PID(p) == psi.VideoPID && mpegts.PUSI(p) {
			if starts++; starts == 1 {
				break // stop before the second frame of the open segment
			}
		}
		segs = append(segs, s.Write(p, t0.Add(time.Duration(i)*time.Millisecond))...)
	}
	seg := s.Flush()
	if len(segs) != 1 || seg == nil || seg.Keyframes != 1 || seg.Duration <= 0 {
		t.Fatalf("setup: %d segments cut, flushed %+v", len(segs), seg)
	}
	dir := t.TempDir()
	if err := WriteFileDurable(dir, "000001.ts", seg.Data); err != nil {
		t.Fatal(err)
	}
	info, err := ProbeSegmentFile(filepath.Join(dir, "000001.ts"))
	if err != nil {
		t.Fatal(err)
	}
	if !info.Whole || info.Frames != 1 || !near(info.Duration, seg.Duration, time.Millisecond) {
		t.Fatalf("probe of a one-frame segment = %+v; the segmenter said %v", info, seg.Duration)
	}
}
