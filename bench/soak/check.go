package main

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nvrproject/nvr/internal/store"
	"github.com/nvrproject/nvr/pkg/segments"
)

type checkReport struct {
	Recordings     int      `json:"recordings"`
	OpenAtEnd      int      `json:"open_after_stop"`
	Segments       int      `json:"segments_indexed"`
	SegmentsValid  int      `json:"segments_valid"`
	SegmentBytes   int64    `json:"segment_bytes"`
	Missing        []string `json:"segments_missing,omitempty"`
	Invalid        []string `json:"segments_invalid,omitempty"`
	Unindexed      int      `json:"segment_files_not_indexed"`
	Playlists      int      `json:"playlists"`
	PlaylistsOK    int      `json:"playlists_ok"`
	PlaylistErrors []string `json:"playlist_errors,omitempty"`
	TempFiles      []string `json:"temp_files,omitempty"`
	CleanStop      bool     `json:"clean_stop"`
	Panics         []string `json:"panics,omitempty"`
	LogLines       int      `json:"nvrd_log_lines"`
	LogWarnings    int      `json:"nvrd_log_warnings"`
	LogErrors      int      `json:"nvrd_log_errors"`
}

func firstN(xs []string, n int) []string {
	if len(xs) > n {
		return append(xs[:n:n], fmt.Sprintf("... and %d more", len(xs)-n))
	}
	return xs
}

// finalChecks: every playlist parses (while nvrd runs); nvrd stops cleanly; every segment in the
// index is on disk and whole TS; no temporary file is left; no panic in nvrd's log.
func (s *soak) finalChecks(ctx context.Context) *checkReport {
	c := &checkReport{}
	var recs []struct {
		ID       string `json:"id"`
		Open     bool   `json:"open"`
		Segments int    `json:"segments"`
		Playlist string `json:"playlist"`
	}
	if err := s.getJSON(ctx, "/api/recordings", &recs); err != nil {
		s.fail("list recordings: %v", err)
	}
	for _, rc := range recs {
		c.Playlists++
		code, body, err := s.get(ctx, rc.Playlist)
		if err == nil && code != 200 {
			err = fmt.Errorf("HTTP %d", code)
		}
		if err == nil {
			err = checkPlaylist(string(body), !rc.Open)
		}
		if err != nil {
			c.PlaylistErrors = append(c.PlaylistErrors, fmt.Sprintf("recording %s: %v", rc.ID, err))
			continue
		}
		c.PlaylistsOK++
	}
	if len(c.PlaylistErrors) > 0 {
		s.fail("%d of %d playlists do not parse; the first: %s", len(c.PlaylistErrors), c.Playlists, c.PlaylistErrors[0])
	}
	c.PlaylistErrors = firstN(c.PlaylistErrors, 10)
	if len(recs) == 0 {
		s.fail("no recordings at all")
	}

	clean, err := s.nvrd.stop(30 * time.Second)
	c.CleanStop = clean
	if err != nil {
		s.fail("stop nvrd: %v", err)
	}

	st, err := store.Open(s.data)
	if err != nil {
		s.fail("open the index after the run: %v", err)
		return c
	}
	defer st.Close()
	all, err := st.AllRecordings(ctx)
	if err != nil {
		s.fail("read the index: %v", err)
		return c
	}
	root := filepath.Join(s.data, "recordings")
	indexed := map[string]bool{}
	c.Recordings = len(all)
	for _, r := range all {
		if r.Open {
			c.OpenAtEnd++
		}
		for _, seg := range r.Segments {
			c.Segments++
			p := filepath.Join(root, r.Dir, store.SegmentFile(seg.Index))
			indexed[p] = true
			info, err := segments.ProbeSegmentFile(p)
			switch {
			case err != nil:
				c.Missing = append(c.Missing, fmt.Sprintf("recording %d segment %d: %v", r.ID, seg.Index, err))
			case !info.Whole:
				c.Invalid = append(c.Invalid, fmt.Sprintf("%s: %s", p, info.Problem))
			case info.Bytes != seg.Bytes:
				c.Invalid = append(c.Invalid, fmt.Sprintf("%s: %d bytes on disk, %d in the index", p, info.Bytes, seg.Bytes))
			default:
				c.SegmentsValid++
				c.SegmentBytes += info.Bytes
			}
		}
	}
	if c.OpenAtEnd > 0 {
		s.fail("%d recordings are still open after nvrd stopped cleanly", c.OpenAtEnd)
	}
	if len(c.Missing) > 0 {
		s.fail("%d indexed segments are missing; the first: %s", len(c.Missing), c.Missing[0])
	}
	if len(c.Invalid) > 0 {
		s.fail("%d indexed segments are not valid TS; the first: %s", len(c.Invalid), c.Invalid[0])
	}
	if c.Segments == 0 {
		s.fail("the index holds no segments")
	}
	c.Missing, c.Invalid = firstN(c.Missing, 10), firstN(c.Invalid, 10)
	_ = filepath.WalkDir(s.data, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if segments.IsTemp(p) || strings.HasSuffix(p, ".tmp") {
			c.TempFiles = append(c.TempFiles, p)
		}
		if strings.HasSuffix(p, ".ts") && strings.HasPrefix(p, root) && !indexed[p] {
			c.Unindexed++
		}
		return nil
	})
	if len(c.TempFiles) > 0 {
		s.fail("%d temporary files left in the data dir: %v", len(c.TempFiles), firstN(c.TempFiles, 5))
	}
	s.scanLog(c)
	return c
}

var panicLine = regexp.MustCompile(`^(panic: |fatal error: |goroutine \d+ \[)|DATA RACE`)

func (s *soak) scanLog(c *checkReport) {
	f, err := os.Open(s.nvrd.logPath)
	if err != nil {
		s.fail("read nvrd's log: %v", err)
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		c.LogLines++
		if panicLine.MatchString(l) {
			c.Panics = append(c.Panics, l)
		}
		if strings.Contains(l, "level=WARN") {
			c.LogWarnings++
		}
		if strings.Contains(l, "level=ERROR") {
			c.LogErrors++
		}
	}
	if len(c.Panics) > 0 {
		s.fail("nvrd's log shows a panic: %s", c.Panics[0])
	}
	c.Panics = firstN(c.Panics, 10)
}

// checkPlaylist parses an HLS media playlist: #EXTM3U first, every #EXTINF with a positive duration
// followed by a URI, at least one segment, and #EXT-X-ENDLIST when the recording is finished.
func checkPlaylist(text string, finished bool) error {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "#EXTM3U" {
		return fmt.Errorf("does not start with #EXTM3U")
	}
	var segs int
	var endlist, pendingInf bool
	for i, l := range lines[1:] {
		l = strings.TrimSpace(l)
		switch {
		case l == "":
		case strings.HasPrefix(l, "#EXTINF:"):
			if pendingInf {
				return fmt.Errorf("line %d: #EXTINF without a URI before it", i+2)
			}
			v := strings.TrimPrefix(l, "#EXTINF:")
			if j := strings.IndexByte(v, ','); j >= 0 {
				v = v[:j]
			}
			d, err := strconv.ParseFloat(v, 64)
			if err != nil || d <= 0 {
				return fmt.Errorf("line %d: bad duration %q", i+2, v)
			}
			pendingInf = true
		case l == "#EXT-X-ENDLIST":
			endlist = true
		case strings.HasPrefix(l, "#"):
		default:
			if !pendingInf {
				return fmt.Errorf("line %d: URI %q without #EXTINF", i+2, l)
			}
			pendingInf = false
			segs++
		}
	}
	if pendingInf {
		return fmt.Errorf("the last #EXTINF has no URI")
	}
	if segs == 0 {
		return fmt.Errorf("no segments")
	}
	if finished && !endlist {
		return fmt.Errorf("a finished recording without #EXT-X-ENDLIST")
	}
	return nil
}
