package store

import (
	"errors"
	"strings"
)

// validateSubURL checks the optional substream URL like the main URL (rtsp:// or rtsps:// with a
// host); the errors name it "substream URL".
func (c *Camera) validateSubURL() error {
	c.SubURL = strings.TrimSpace(c.SubURL)
	if c.SubURL == "" {
		return nil
	}
	if strings.HasPrefix(strings.ToLower(c.SubURL), "demo:") {
		return errors.New("substream URL must start with rtsp:// (demo:// is only a main stream)")
	}
	if err := ValidateURL(c.SubURL); err != nil {
		return errors.New(strings.Replace(err.Error(), "camera URL", "substream URL", 1))
	}
	return nil
}
