package api

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// RecordingUsage is each camera's kept footage (*store.Store has it); the system page finds it on
// Options.Store.
type RecordingUsage interface {
	RecordingUsage(ctx context.Context, since time.Time) ([]store.CameraUsage, error)
}

// systemCamera is one camera's row of GET /api/system.
type systemCamera struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Enabled      bool     `json:"enabled"`
	State        string   `json:"state"`
	Error        string   `json:"error"`
	Restarts     uint64   `json:"restarts"`
	BitrateBPS   uint64   `json:"bitrate_bps"`
	FPS          *float64 `json:"fps"`
	KeyframeIntS *float64 `json:"keyframe_interval_s"`
	Width        int      `json:"width"`
	Height       int      `json:"height"`
	Codec        string   `json:"codec"`
	Viewers      int      `json:"viewers"`
	Dropped      uint64   `json:"dropped_packets"`
	Keyframes    uint64   `json:"keyframes"`
	BytesIn      uint64   `json:"bytes_in"`
	WorkerPID    int      `json:"worker_pid"`
	WorkerCPU    *float64 `json:"worker_cpu_percent"`
	DiskBytes    int64    `json:"disk_bytes"`     // its recordings
	DayBytes     int64    `json:"day_bytes"`      // its recordings of the last 24 h
	DiskShare    float64  `json:"disk_share_pct"` // its share of the last 24 h's footage
}

// systemHost is the host part of GET /api/system.
type systemHost struct {
	NvrdPID         int      `json:"nvrd_pid"`
	NvrdCPU         *float64 `json:"nvrd_cpu_percent"`
	WorkersCPU      *float64 `json:"workers_cpu_percent"`
	NvrdRSS         int64    `json:"nvrd_rss_bytes"`
	MemTotal        int64    `json:"mem_total_bytes"`
	MemAvailable    int64    `json:"mem_available_bytes"`
	DiskTotal       int64    `json:"disk_total_bytes"`
	DiskFree        int64    `json:"disk_free_bytes"`
	RecordingsBytes int64    `json:"recordings_bytes"`
	DiskError       string   `json:"disk_error,omitempty"`
}

// systemForecast is the retention forecast: how many days of footage the disk holds at the last day's
// rate, and which cameras take most of it.
type systemForecast struct {
	BytesPerDay int64    `json:"bytes_per_day"`
	Days        *float64 `json:"days"`
	Top         []string `json:"top"`     // names of the cameras that write most
	TopPct      float64  `json:"top_pct"` // their share of the footage
	Sentence    string   `json:"sentence"`
}

// system is GET /api/system (admin): every camera's stream figures, the host's CPU, memory and disk,
// the retention forecast, and the sampler's last hour.
func (s *Server) system(w http.ResponseWriter, r *http.Request) {
	report, err := s.systemReport(r.Context())
	if err != nil {
		storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, report)
}

// systemReport is the document of GET /api/system (and, without its samples, of the push stream's
// "system" message).
func (s *Server) systemReport(ctx context.Context) (map[string]any, error) {
	cams, err := s.opt.Store.Cameras(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	s.ring.mu.Lock()
	points := append([]SystemPoint(nil), s.ring.points...)
	s.ring.mu.Unlock()
	var latest *SystemPoint
	if n := len(points); n > 0 {
		latest = &points[n-1]
	}

	usage := map[string]store.CameraUsage{}
	var oldest time.Time
	if u, ok := any(s.opt.Store).(RecordingUsage); ok {
		list, err := u.RecordingUsage(ctx, now.Add(-24*time.Hour))
		if err != nil {
			return nil, err
		}
		for _, c := range list {
			usage[c.CameraID] = c
			if oldest.IsZero() || c.Oldest.Before(oldest) {
				oldest = c.Oldest
			}
		}
	}
	host := systemHost{NvrdPID: os.Getpid(), NvrdRSS: procRSS(os.Getpid())}
	host.MemTotal, host.MemAvailable = memInfo()
	if latest != nil {
		host.NvrdCPU, host.WorkersCPU = &latest.NvrdCPU, &latest.WorkersCPU
	}
	if s.opt.Recorder != nil {
		if host.DiskTotal, host.DiskFree, err = diskSpace(s.opt.Recorder.Root()); err != nil {
			host.DiskError = "cannot read the recordings volume: " + err.Error()
		}
	}
	var dayTotal int64
	for _, u := range usage {
		host.RecordingsBytes += u.Bytes
		dayTotal += u.BytesSince
	}

	out := make([]systemCamera, 0, len(cams))
	for _, c := range cams {
		row := systemCamera{ID: c.ID, Name: c.Name, Enabled: c.Enabled, State: StateDisabled}
		if p := s.opt.Sup.Camera(c.ID); p != nil {
			st := p.Status()
			row.State, row.Error, row.Restarts, row.BitrateBPS = st.State, st.Error, st.Restarts, st.BitrateBPS
			row.Width, row.Height, row.Codec, row.Viewers, row.Dropped = st.Width, st.Height, st.Codec, st.Viewers, st.Dropped
			row.Keyframes, row.BytesIn, row.WorkerPID = st.Keyframes, st.BytesIn, st.WorkerPID
		}
		if latest != nil {
			if rt, ok := latest.Cameras[c.ID]; ok {
				row.FPS, row.KeyframeIntS, row.WorkerCPU = rt.FPS, rt.KeyframeIntS, rt.WorkerCPU
			}
		}
		u := usage[c.ID]
		row.DiskBytes, row.DayBytes = u.Bytes, u.BytesSince
		if dayTotal > 0 {
			row.DiskShare = float64(u.BytesSince) / float64(dayTotal) * 100
		}
		out = append(out, row)
	}
	return map[string]any{
		"at":       now.UTC().Format(store.TimeFormat),
		"cameras":  out,
		"host":     host,
		"forecast": forecast(out, host, dayTotal, oldest, now),
		"samples":  points,
		"every_s":  SystemSampleEvery.Seconds(),
	}, nil
}

// forecast works out the retention forecast: the footage of the last 24 h (or of the time since the
// first recording, scaled to a day, when that is shorter) against what the volume can hold, which is
// the footage kept now plus the free space.
func forecast(cams []systemCamera, host systemHost, dayBytes int64, oldest time.Time, now time.Time) systemForecast {
	var f systemForecast
	window := 24 * time.Hour
	if !oldest.IsZero() && now.Sub(oldest) < window {
		window = now.Sub(oldest)
	}
	if dayBytes == 0 || window < 10*time.Minute {
		f.Sentence = "Not enough footage yet to forecast how long this disk lasts; look again after ten minutes of recording."
		return f
	}
	f.BytesPerDay = int64(float64(dayBytes) / window.Hours() * 24)
	if host.DiskTotal > 0 {
		d := float64(host.RecordingsBytes+host.DiskFree) / float64(f.BytesPerDay)
		f.Days = &d
	}
	sorted := append([]systemCamera(nil), cams...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].DayBytes > sorted[j].DayBytes })
	for _, c := range sorted {
		if c.DayBytes == 0 || (len(f.Top) > 0 && f.TopPct >= 60) || len(f.Top) == 3 {
			break
		}
		f.Top = append(f.Top, c.Name)
		f.TopPct += c.DiskShare
	}
	var b strings.Builder
	if f.Days != nil {
		fmt.Fprintf(&b, "At today's rate (%s a day) this disk holds %s of footage", humanBytes(f.BytesPerDay), humanDays(*f.Days))
	} else {
		fmt.Fprintf(&b, "Cameras record %s a day", humanBytes(f.BytesPerDay))
	}
	switch {
	case len(f.Top) == 1 && f.TopPct > 99.5:
		fmt.Fprintf(&b, "; all of it from camera %s.", f.Top[0])
	case len(f.Top) == 1:
		fmt.Fprintf(&b, "; camera %s uses %.0f %%.", f.Top[0], f.TopPct)
	case len(f.Top) > 1:
		fmt.Fprintf(&b, "; cameras %s and %s use %.0f %%.", strings.Join(f.Top[:len(f.Top)-1], ", "), f.Top[len(f.Top)-1], f.TopPct)
	default:
		b.WriteString(".")
	}
	f.Sentence = b.String()
	return f
}

func humanDays(d float64) string {
	switch {
	case d < 1:
		return fmt.Sprintf("%.0f hours", d*24)
	case d < 1.5:
		return "1 day"
	default:
		return fmt.Sprintf("%.0f days", d)
	}
}

func humanBytes(n int64) string {
	const k = 1000.0
	v := float64(n)
	for _, u := range []string{"B", "kB", "MB", "GB", "TB"} {
		if v < k || u == "TB" {
			if u == "B" {
				return fmt.Sprintf("%d B", n)
			}
			return fmt.Sprintf("%.1f %s", v, u)
		}
		v /= k
	}
	return ""
}
