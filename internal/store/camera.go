package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nvrproject/nvr/pkg/redact"
)

// Camera is one camera's configuration, as stored and as the API shows it.
type Camera struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	URL     string `json:"url"`
	Enabled bool   `json:"enabled"`
	CameraSettings
	Revision int64 `json:"-"`
}

// CameraSettings are the per-camera feature settings, stored as one JSON document.
type CameraSettings struct {
	Record RecordSettings `json:"record"`
	Motion MotionSettings `json:"motion"`
	QR     QRSettings     `json:"qr"`
	Detect DetectSettings `json:"detect"`
	// ONVIF is the camera's ONVIF device address for PTZ (host[:port] or an http:// URL, which may
	// carry the ONVIF account); empty: the RTSP URL's host on port 80 with the RTSP account.
	// Admin-only like URL (it may hold a password).
	ONVIF string `json:"onvif,omitempty"`
	// SubURL is the camera's substream (optional, rtsp:// like URL): it feeds the keyframe analysis
	// and the grid tiles; the main URL is recorded. Admin-only like URL.
	SubURL string `json:"sub_url,omitempty"`
}

// RecordSettings say what to record.
type RecordSettings struct {
	Mode      string `json:"mode"` // events | continuous | off
	PreRollS  int    `json:"pre_roll_s"`
	PostRollS int    `json:"post_roll_s"`
	// MaxAgeDays is how long recordings are kept (0 = the default, 30 days).
	MaxAgeDays int `json:"max_age_days"`
}

// Recording modes.
const (
	RecordEvents     = "events"
	RecordContinuous = "continuous"
	RecordOff        = "off"
)

// DefaultSettings are a new camera's settings.
func DefaultSettings() CameraSettings {
	return CameraSettings{
		Record: RecordSettings{Mode: RecordEvents, PreRollS: 10, PostRollS: 10},
		Motion: MotionSettings{Enabled: true},
		Detect: DetectSettings{Enabled: true},
	}
}

// Validate checks a camera and says what is wrong in one sentence.
func (c *Camera) Validate() error {
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" {
		return errors.New("camera name is empty")
	}
	if len(c.Name) > 64 {
		return errors.New("camera name is longer than 64 characters")
	}
	if err := ValidateText("camera name", c.Name); err != nil {
		return err
	}
	c.URL = strings.TrimSpace(c.URL)
	if err := ValidateURL(c.URL); err != nil {
		return err
	}
	switch c.Record.Mode {
	case RecordEvents, RecordContinuous, RecordOff:
	default:
		return fmt.Errorf("record mode %q is not one of events, continuous, off", c.Record.Mode)
	}
	if c.Record.PreRollS < 0 || c.Record.PreRollS > 60 {
		return fmt.Errorf("pre_roll_s must be between 0 and 60 seconds, not %d", c.Record.PreRollS)
	}
	if c.Record.PostRollS < 0 || c.Record.PostRollS > 600 {
		return fmt.Errorf("post_roll_s must be between 0 and 600 seconds, not %d", c.Record.PostRollS)
	}
	if c.Record.MaxAgeDays < 0 || c.Record.MaxAgeDays > 3650 {
		return fmt.Errorf("max_age_days must be between 0 (default, 30 days) and 3650, not %d", c.Record.MaxAgeDays)
	}
	if err := c.validateONVIF(); err != nil {
		return err
	}
	if err := c.validateSubURL(); err != nil {
		return err
	}
	return c.validateAnalysis()
}

// ValidateURL accepts rtsp:// and rtsps:// URLs with a host, and demo:// (the built-in test pattern).
func ValidateURL(raw string) error {
	raw = strings.TrimSpace(raw)
	if len(raw) > MaxURLBytes {
		return fmt.Errorf("camera URL is %d bytes long; at most %d are accepted", len(raw), MaxURLBytes)
	}
	if err := ValidateText("camera URL", raw); err != nil {
		return err
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("camera URL %q is not a valid URL", redactRaw(raw))
	}
	switch u.Scheme {
	case "rtsp", "rtsps":
		if err := checkHostPort(u); err != nil {
			return err
		}
	case "demo":
	default:
		return fmt.Errorf("camera URL must start with rtsp:// (got %q)", redactRaw(raw))
	}
	return nil
}

// redactRaw is the URL for an error message: its password hidden (pkg/redact), and cut short when long.
func redactRaw(raw string) string {
	raw = redact.URL(raw)
	if len(raw) > 60 {
		return raw[:60] + "..."
	}
	return raw
}

var slugRe = regexp.MustCompile(`[^a-z0-9]+`)

// slug makes an id from a name: lower case letters, digits and dashes.
func slug(name string) string {
	s := strings.Trim(slugRe.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if len(s) > 40 {
		s = s[:40]
	}
	switch s {
	case "":
		s = "camera"
	case "run", "ring": // names used beside the cameras' directories in the RAM dir
		s += "-camera"
	}
	return s
}

// ErrConflict is returned when a name is already taken.
var ErrConflict = errors.New("conflict")

// conflict is an ErrConflict that says in its own words what is taken.
type conflict string

func (c conflict) Error() string        { return string(c) }
func (c conflict) Is(target error) bool { return target == ErrConflict }

// CreateCamera validates and inserts c, choosing its id from its name.
func (s *Store) CreateCamera(ctx context.Context, c *Camera) error {
	if err := c.Validate(); err != nil {
		return err
	}
	settings, err := json.Marshal(c.CameraSettings)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM cameras WHERE name = ?`, c.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return conflict(fmt.Sprintf("a camera named %q already exists", c.Name))
		}
		base := slug(c.Name)
		c.ID = base
		for i := 2; ; i++ {
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM cameras WHERE id = ?`, c.ID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				break
			}
			c.ID = fmt.Sprintf("%s-%d", base, i)
		}
		now := time.Now().UnixNano()
		c.Revision = 1
		if _, err := tx.ExecContext(ctx, `INSERT INTO cameras(id, name, url, enabled, settings, revision, created_ns, updated_ns) VALUES (?,?,?,?,?,1,?,?)`,
			c.ID, c.Name, strings.TrimSpace(c.URL), c.Enabled, string(settings), now, now); err != nil {
			return err
		}
		return bumpRev(ctx, tx)
	})
}

// UpdateCamera validates and stores c (found by id), bumping its revision.
func (s *Store) UpdateCamera(ctx context.Context, c *Camera) error {
	if err := c.Validate(); err != nil {
		return err
	}
	settings, err := json.Marshal(c.CameraSettings)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM cameras WHERE name = ? AND id <> ?`, c.Name, c.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return conflict(fmt.Sprintf("a camera named %q already exists", c.Name))
		}
		res, err := tx.ExecContext(ctx, `UPDATE cameras SET name=?, url=?, enabled=?, settings=?, revision=revision+1, updated_ns=? WHERE id=?`,
			c.Name, strings.TrimSpace(c.URL), c.Enabled, string(settings), time.Now().UnixNano(), c.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("camera %q: %w", c.ID, ErrNotFound)
		}
		if err := tx.QueryRowContext(ctx, `SELECT revision FROM cameras WHERE id=?`, c.ID).Scan(&c.Revision); err != nil {
			return err
		}
		return bumpRev(ctx, tx)
	})
}

// DeleteCamera removes a camera by id.
func (s *Store) DeleteCamera(ctx context.Context, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM cameras WHERE id=?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("camera %q: %w", id, ErrNotFound)
		}
		return bumpRev(ctx, tx)
	})
}

// Cameras lists every camera, ordered by name.
func (s *Store) Cameras(ctx context.Context) ([]*Camera, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, url, enabled, settings, revision FROM cameras ORDER BY name COLLATE NOCASE`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Camera
	for rows.Next() {
		c, err := scanCamera(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Camera returns one camera by id.
func (s *Store) Camera(ctx context.Context, id string) (*Camera, error) {
	return s.cameraWhere(ctx, `id = ?`, id)
}

// CameraByName returns one camera by name (case-insensitive) or id.
func (s *Store) CameraByName(ctx context.Context, name string) (*Camera, error) {
	return s.cameraWhere(ctx, `name = ? OR id = ?`, name, name)
}

func (s *Store) cameraWhere(ctx context.Context, where string, args ...any) (*Camera, error) {
	row := s.db.QueryRowContext(ctx, `SELECT id, name, url, enabled, settings, revision FROM cameras WHERE `+where+` LIMIT 1`, args...)
	c, err := scanCamera(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("camera %q: %w", args[0], ErrNotFound)
	}
	return c, err
}

type scanner interface{ Scan(...any) error }

func scanCamera(r scanner) (*Camera, error) {
	var c Camera
	var settings string
	if err := r.Scan(&c.ID, &c.Name, &c.URL, &c.Enabled, &settings, &c.Revision); err != nil {
		return nil, err
	}
	c.CameraSettings = DefaultSettings()
	if err := json.Unmarshal([]byte(settings), &c.CameraSettings); err != nil {
		return nil, fmt.Errorf("camera %s has unreadable settings: %w", c.ID, err)
	}
	return &c, nil
}

// CamerasRevision changes whenever any process changes a camera; a running nvrd polls it.
func (s *Store) CamerasRevision(ctx context.Context) (int64, error) {
	var v string
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key='cameras_rev'`).Scan(&v); err != nil {
		return 0, err
	}
	return strconv.ParseInt(v, 10, 64)
}

func bumpRev(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='cameras_rev'`)
	return err
}

func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
