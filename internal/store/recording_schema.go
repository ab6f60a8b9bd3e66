package store

// recordingMigrations create the recordings and segments index (see recording.go).
var recordingMigrations = []string{}
