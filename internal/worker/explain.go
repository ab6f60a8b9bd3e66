package worker

import (
	"net/url"
	"strings"
)

// Explain turns a GStreamer error (its message and debug string) into one plain sentence about the camera
// at rawURL. Unknown errors keep GStreamer's own message.
func Explain(rawURL, message, debug string) string {
	host := hostOf(rawURL)
	all := strings.ToLower(message + " " + debug)
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(all, s) {
				return true
			}
		}
		return false
	}
	switch {
	case has("failed to connect"):
		if strings.HasPrefix(strings.ToLower(rawURL), "rtsps:") {
			if msg := diagnoseConnect(rawURL); !strings.HasPrefix(msg, "could not connect to the camera at") {
				return msg
			}
			if msg := diagnoseTLS(rawURL); msg != "" {
				return msg
			}
		}
		return diagnoseConnect(rawURL)
	case has("unauthorized", "401"):
		return unauthorized(rawURL)
	case has("no supported stream was found", "unsupported transport", "461"):
		return "the camera at " + host + " refused every way nvr asked it to send video (RTP over TCP, then over UDP)"
	case has("could not receive any udp packets"):
		return "no video arrived over UDP from the camera at " + host + " (it refuses RTP over TCP; a firewall between nvr and the camera may block UDP)"
	case has("tls", "certificate", "handshake") && strings.HasPrefix(strings.ToLower(rawURL), "rtsps:"):
		if msg := diagnoseTLS(rawURL); msg != "" {
			return msg
		}
		return "TLS with the camera at " + host + " failed"
	case has("not found (404)", "404"):
		return "camera at " + host + " has no stream at that path (404 Not Found)"
	case has("could not resolve", "name or service not known", "error resolving", "temporary failure in name resolution"):
		return "could not resolve host " + hostname(rawURL)
	case has("connection refused"):
		return "connection refused by " + host + " (nothing listens on that port)"
	case has("no route to host", "network is unreachable"):
		return "no route to " + host
	case has("timeout", "timed out"):
		return "camera at " + host + " did not answer in time"
	case has("not-linked", "not-negotiated", "no suitable plugins", "missing plugin", "unhandled stream"):
		return "stream is not H.264 (nvr records H.264 without re-encoding; set the camera's codec to H.264)"
	case has("parsing h.264", "parse h.264", "h264parse", "rtph264depay"):
		return "camera at " + host + " sends video that is not valid H.264"
	case has("could not read message", "could not receive message", "invalid", "bad request", "could not parse", "could not get/set settings"):
		return "the service at " + host + " did not answer as an RTSP camera"
	case has("end of stream", "eos"):
		return "camera at " + host + " ended the stream"
	case has("could not read from resource", "connection reset", "broken pipe", "closed"):
		return "camera at " + host + " closed the connection"
	}
	msg := strings.TrimSpace(message)
	if msg == "" {
		msg = "the media pipeline failed"
	}
	return msg + " (" + host + ")"
}

// hostOf returns host:port of a URL for messages, never the credentials.
func hostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return "the camera"
	}
	if u.Port() == "" && u.Scheme == "rtsp" {
		return u.Hostname() + ":554"
	}
	if u.Port() == "" && u.Scheme == "rtsps" {
		return u.Hostname() + ":322"
	}
	return u.Host
}

func hostname(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Hostname() == "" {
		return "(none)"
	}
	return u.Hostname()
}
