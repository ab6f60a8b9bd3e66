package segments

import (
	"testing"
	"time"
)

func TestExportNameIsUTC(t *testing.T) {
	start := time.Date(2026, 12, 2, 9, 5, 7, 0, time.FixedZone("CET", 3600))
	if got, want := ExportName("yard", start), "yard_20261202-080507.mp4"; got != want {
		t.Fatalf("ExportName = %q, want %q", got, want)
	}
}
