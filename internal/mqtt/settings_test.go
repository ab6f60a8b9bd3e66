package mqtt

import (
	"strings"
	"testing"
)

// TestSettingsMerge: a PUT changes only the fields it names, an absent password is kept and "" clears
// it, and bad values are refused with a sentence naming the field.
func TestSettingsMerge(t *testing.T) {
	s, err := DefaultSettings().Merge([]byte(`{"enabled":true,"url":"mqtt://127.0.0.1","password":"pw"}`))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Enabled || s.Password != "pw" || s.prefix() != "nvr" || !s.Discovery {
		t.Fatalf("merged: %+v", s)
	}
	if u, _ := s.brokerURL(); u.Host != "127.0.0.1:1883" {
		t.Fatalf("default port not added: %v", u)
	}
	s2, err := s.Merge([]byte(`{"topic_prefix":"house/nvr"}`))
	if err != nil || s2.Password != "pw" || s2.Prefix != "house/nvr" {
		t.Fatalf("password not kept: %+v %v", s2, err)
	}
	if s3, _ := s2.Merge([]byte(`{"password":""}`)); s3.Password != "" {
		t.Fatal("an empty password did not clear it")
	}
	if s4, _ := s.Merge([]byte(`{"tls":true}`)); func() string { u, _ := s4.brokerURL(); return u.Scheme }() != "mqtts" {
		t.Fatal("tls did not switch the scheme")
	}
	for body, want := range map[string]string{
		`{"url":"http://x"}`:         "must start with mqtt://",
		`{"url":"nohost"}`:           "is not a URL",
		`{"topic_prefix":"a/#"}`:     "topic prefix",
		`{"discovery_prefix":"/ha"}`: "discovery prefix",
		`{"client_id":"a/b"}`:        "client id",
		`{"colour":"red"}`:           "expected shape",
		`{"enabled":true,"url":""}`:  "URL is missing",
	} {
		if _, err := s.Merge([]byte(body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one containing %q", body, err, want)
		}
	}
	if v := (&Service{}).view(s); v.Password != "" || !v.PasswordSet {
		t.Fatalf("view shows the password: %+v", v)
	}
}
