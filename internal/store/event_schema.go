package store

// eventMigrations create the events tables (see event.go). An event row stays small; its
// snapshot JPEG lives in event_snapshots and goes with it (ON DELETE CASCADE).
var eventMigrations = []string{
	`CREATE TABLE IF NOT EXISTS events (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		camera_id TEXT NOT NULL,
		kind TEXT NOT NULL CHECK (kind IN ('motion','object','qr','manual','offline','tamper')),
		start_ns INTEGER NOT NULL,
		end_ns INTEGER,
		labels TEXT NOT NULL DEFAULT '[]',
		score REAL NOT NULL DEFAULT 0,
		text TEXT NOT NULL DEFAULT '',
		boxes TEXT NOT NULL DEFAULT '[]',
		recording_id TEXT
	)`,
	`CREATE INDEX IF NOT EXISTS events_camera_start ON events(camera_id, start_ns)`,
	`CREATE INDEX IF NOT EXISTS events_start ON events(start_ns)`,
	`CREATE TABLE IF NOT EXISTS event_snapshots (
		event_id INTEGER PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
		jpeg BLOB NOT NULL
	)`,
}
