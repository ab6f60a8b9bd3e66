package worker

import (
	"strings"
	"testing"
)

// TestExplain maps GStreamer's own error texts (as rtspsrc, the depayloaders and the parsers word them
// on GStreamer 1.22) to the plain sentence the camera status shows, never with the password.
func TestExplain(t *testing.T) {
	const url = "rtsp://admin:s3cret@10.1.2.3/stream"
	cases := []struct{ message, debug, want string }{
		{"Unauthorized", "../gst/rtsp/gstrtspsrc.c(6649): gst_rtspsrc_send (): Unauthorized (401)", "the camera refused the user name or password (401 Unauthorized) at 10.1.2.3:554"},
		{"No supported stream was found. You might need to allow more transport protocols or may otherwise be missing the right GStreamer RTSP extension plugin.", "gstrtspsrc.c(7894): gst_rtspsrc_setup_streams_start ()", "refused every way nvr asked it to send video (RTP over TCP, then over UDP)"},
		{"Could not read from resource.", "Could not receive any UDP packets for 10.0000 seconds, maybe your firewall is blocking it.", "no video arrived over UDP from the camera at 10.1.2.3:554"},
		{"Not Found", "gstrtspsrc.c: Not Found (404)", "camera at 10.1.2.3:554 has no stream at that path"},
		{"Could not open resource for reading and writing.", "Failed to connect. (Generic error)", ""}, // diagnosed by dialling, below
		{"Internal data stream error.", "streaming stopped, reason not-linked (-1)", "stream is not H.264"},
		{"Error parsing H.264 stream", "../gst/videoparsers/gsth264parse.c: Invalid H.264 stream", "sends video that is not valid H.264"},
		{"Could not read from resource.", "Could not receive message. (Parse error)", "did not answer as an RTSP camera"},
		{"Could not read from resource.", "Connection reset by peer", "closed the connection"},
		{"end of stream", "", "ended the stream"},
		{"Something new", "", "Something new (10.1.2.3:554)"},
	}
	for _, c := range cases {
		got := Explain(url, c.message, c.debug)
		if c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("Explain(%q, %q) = %q, want it to say %q", c.message, c.debug, got, c.want)
		}
		if strings.Contains(got, "s3cret") {
			t.Errorf("Explain(%q) shows the password: %q", c.message, got)
		}
	}
	// Without credentials in the URL, a 401 asks for them.
	if got := Explain("rtsp://10.1.2.3/s", "Unauthorized", "Unauthorized (401)"); !strings.Contains(got, "asks for a user name and password") {
		t.Errorf("401 without credentials: %q", got)
	}
	// "Failed to connect" is diagnosed by dialling: port 1 on loopback refuses.
	if got := Explain("rtsp://u:p@127.0.0.1:1/x", "Could not open resource", "Failed to connect."); !strings.Contains(got, "connection refused by 127.0.0.1:1") {
		t.Errorf("connect failure on a closed port: %q", got)
	}
}
