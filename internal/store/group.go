package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Group is a named, ordered set of cameras (e.g. "Outside") the live grid can show at once.
type Group struct {
	Name    string   `json:"name"`
	Cameras []string `json:"cameras"` // camera ids, in the order the grid shows them
}

// MaxGroupName is the longest group name accepted, in characters.
const MaxGroupName = 64

var groupMigrations = []string{
	`CREATE TABLE IF NOT EXISTS camera_groups (
		id INTEGER PRIMARY KEY,
		name TEXT NOT NULL UNIQUE COLLATE NOCASE,
		position INTEGER NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS camera_group_members (
		group_id INTEGER NOT NULL REFERENCES camera_groups(id) ON DELETE CASCADE,
		camera_id TEXT NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
		position INTEGER NOT NULL,
		PRIMARY KEY (group_id, camera_id)
	)`,
}

// Groups returns every group in order, each with its cameras in order (a deleted camera leaves its
// groups by itself).
func (s *Store) Groups(ctx context.Context) ([]Group, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT g.name, m.camera_id FROM camera_groups g
		LEFT JOIN camera_group_members m ON m.group_id = g.id ORDER BY g.position, m.position`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Group{}
	for rows.Next() {
		var name string
		var cam sql.NullString
		if err := rows.Scan(&name, &cam); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].Name != name {
			out = append(out, Group{Name: name, Cameras: []string{}})
		}
		if cam.Valid {
			g := &out[len(out)-1]
			g.Cameras = append(g.Cameras, cam.String)
		}
	}
	return out, rows.Err()
}

// SetGroups replaces every group with gs, all or nothing: a bad name, a name given twice, a camera
// given twice in a group or a camera that does not exist changes nothing.
func (s *Store) SetGroups(ctx context.Context, gs []Group) error {
	seen := map[string]bool{}
	for i := range gs {
		g := &gs[i]
		g.Name = strings.TrimSpace(g.Name)
		if g.Name == "" {
			return fmt.Errorf("group %d has no name", i+1)
		}
		if n := utf8.RuneCountInString(g.Name); n > MaxGroupName {
			return fmt.Errorf("group %d's name is %d characters long; at most %d are accepted", i+1, n, MaxGroupName)
		}
		if err := ValidateText("group name", g.Name); err != nil {
			return err
		}
		if seen[strings.ToLower(g.Name)] {
			return fmt.Errorf("there are two groups named %q; group names must differ", g.Name)
		}
		seen[strings.ToLower(g.Name)] = true
		cams := map[string]bool{}
		for _, c := range g.Cameras {
			if cams[c] {
				return fmt.Errorf("group %q lists camera %q twice", g.Name, c)
			}
			cams[c] = true
		}
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM camera_groups`); err != nil {
			return err
		}
		for i, g := range gs {
			res, err := tx.ExecContext(ctx, `INSERT INTO camera_groups(name, position) VALUES (?,?)`, g.Name, i)
			if err != nil {
				return err
			}
			id, _ := res.LastInsertId()
			for j, c := range g.Cameras {
				if _, err := tx.ExecContext(ctx, `INSERT INTO camera_group_members(group_id, camera_id, position) VALUES (?,?,?)`, id, c, j); err != nil {
					if strings.Contains(err.Error(), "FOREIGN KEY") {
						return fmt.Errorf("group %q lists camera %q, which does not exist", g.Name, c)
					}
					return err
				}
			}
		}
		return nil
	})
}
