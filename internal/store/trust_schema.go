package store

// trustMigrations are the access-control additions: the record permission (off for existing viewers,
// as for new ones), and the audit log (audit.go).
var trustMigrations = []string{
	`ALTER TABLE user_cameras ADD COLUMN record INTEGER NOT NULL DEFAULT 0`,
	`CREATE TABLE IF NOT EXISTS audit (
		id INTEGER PRIMARY KEY,
		at_ns INTEGER NOT NULL,
		user TEXT NOT NULL DEFAULT '',
		addr TEXT NOT NULL DEFAULT '',
		action TEXT NOT NULL,
		camera TEXT NOT NULL DEFAULT '',
		detail TEXT NOT NULL DEFAULT ''
	)`,
	`CREATE INDEX IF NOT EXISTS audit_at ON audit(at_ns)`,
}
