package segments

import (
	"fmt"
	"time"
)

// ExportName is the file name of an MP4 export, the same from the web app, the API and the command
// line: <camera>_<YYYYMMDD-HHMMSS>.mp4, the time being the export's first frame in UTC (so two people
// in different time zones name the same clip alike, and names sort by time).
func ExportName(camera string, start time.Time) string {
	return fmt.Sprintf("%s_%s.mp4", camera, start.UTC().Format("20060102-150405"))
}
