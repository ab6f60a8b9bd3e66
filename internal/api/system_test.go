package api

import (
	"strings"
	"testing"
	"time"
)

// The retention forecast in words: days from the footage kept plus the free space at the last day's
// rate, and the cameras that write most of it.
func TestForecastSentence(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	const gb = 1_000_000_000
	cams := []systemCamera{
		{Name: "Gate", DayBytes: 50 * gb, DiskShare: 50},
		{Name: "Yard", DayBytes: 20 * gb, DiskShare: 20},
		{Name: "Shed", DayBytes: 30 * gb, DiskShare: 30},
	}
	host := systemHost{DiskTotal: 4000 * gb, DiskFree: 2000 * gb, RecordingsBytes: 300 * gb}
	f := forecast(cams, host, 100*gb, now.Add(-72*time.Hour), now)
	if f.Days == nil || *f.Days != 23 || f.BytesPerDay != 100*gb {
		t.Fatalf("forecast %+v, want 23 days at 100 GB a day", f)
	}
	want := "At today's rate (100.0 GB a day) this disk holds 23 days of footage; cameras Gate and Shed use 80 %."
	if f.Sentence != want {
		t.Fatalf("sentence %q, want %q", f.Sentence, want)
	}
	// Two hours of recording so far: the day's rate is scaled up from them.
	f = forecast([]systemCamera{{Name: "Gate", DayBytes: 10 * gb, DiskShare: 100}}, host, 10*gb, now.Add(-2*time.Hour), now)
	if f.BytesPerDay != 120*gb || !strings.HasSuffix(f.Sentence, "; all of it from camera Gate.") {
		t.Fatalf("after two hours: %+v", f)
	}
	// Five minutes is too little to say anything.
	if f = forecast(cams, host, gb, now.Add(-5*time.Minute), now); f.Days != nil || !strings.HasPrefix(f.Sentence, "Not enough footage yet") {
		t.Fatalf("after five minutes: %+v", f)
	}
}
