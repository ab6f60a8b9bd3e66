package store

// trustMigrations are the access-control additions: the record permission (off for existing viewers,
// as for new ones), and the audit log (audit.go).
var trustMigrations = []string{
	`ALTER TABLE user_cameras ADD COLUMN record INTEGER NOT NULL DEFAULT 0`,
}
