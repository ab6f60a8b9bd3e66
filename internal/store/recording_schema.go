package store

// recordingMigrations create the recordings index (see recording.go). A recording's segments are kept
// in one packed column rather than a row each: a camera recording all day makes 43,200 two-second
// segments, and a row per segment would cost several MiB of index per camera-day.
var recordingMigrations = []string{
	`CREATE TABLE IF NOT EXISTS recordings (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		camera_id TEXT NOT NULL,
		kind TEXT NOT NULL CHECK (kind IN ('event','continuous')),
		reason TEXT NOT NULL DEFAULT '',
		start_ns INTEGER NOT NULL,
		end_ns INTEGER NOT NULL,
		open INTEGER NOT NULL DEFAULT 1,
		bytes INTEGER NOT NULL DEFAULT 0,
		dir TEXT NOT NULL,
		nsegs INTEGER NOT NULL DEFAULT 0,
		segs BLOB NOT NULL DEFAULT x''
	)`,
	`CREATE INDEX IF NOT EXISTS recordings_camera_start ON recordings(camera_id, start_ns)`,
	`CREATE INDEX IF NOT EXISTS recordings_end ON recordings(end_ns)`,
}
