// Package ptz holds the PTZ requests internal/onvif sends where use-go/onvif's own types would send
// empty attributes or elements (space="", an empty Timeout, a zero Speed) that cameras may refuse.
// It is named ptz because use-go/onvif picks a request's service endpoint from its package name.
package ptz

// Vector2D is a pan/tilt velocity; Space is left out when empty.
type Vector2D struct {
	X     float64 `xml:"x,attr"`
	Y     float64 `xml:"y,attr"`
	Space string  `xml:"space,attr,omitempty"`
}

// Vector1D is a zoom velocity; Space is left out when empty.
type Vector1D struct {
	X     float64 `xml:"x,attr"`
	Space string  `xml:"space,attr,omitempty"`
}

// Speed is a PTZ velocity.
type Speed struct {
	PanTilt Vector2D `xml:"onvif:PanTilt"`
	Zoom    Vector1D `xml:"onvif:Zoom"`
}

// ContinuousMove starts a move; Timeout (an ISO 8601 duration) is left out when empty.
type ContinuousMove struct {
	XMLName      string `xml:"tptz:ContinuousMove"`
	ProfileToken string `xml:"tptz:ProfileToken"`
	Velocity     Speed  `xml:"tptz:Velocity"`
	Timeout      string `xml:"tptz:Timeout,omitempty"`
}

// GotoPreset moves to a preset at the camera's default speed (Speed is optional and left out).
type GotoPreset struct {
	XMLName      string `xml:"tptz:GotoPreset"`
	ProfileToken string `xml:"tptz:ProfileToken"`
	PresetToken  string `xml:"tptz:PresetToken"`
}
