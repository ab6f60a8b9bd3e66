package api

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/nvrproject/nvr/internal/store"
)

// The principals of the permission table, in the order of its columns. Every per-camera route is asked
// about camera "yard" (recording 1 and event 1 are yard's).
const (
	nobody     = iota // no credentials
	liveOnly          // viewer with live permission on yard only
	recOnly           // viewer with recordings permission on yard only
	otherCam          // viewer with live and recordings on house, nothing on yard
	recordOnly        // viewer with record permission on yard only (may start a recording, see nothing)
	admin             // administrator
	nPrincipals
)

var principalNames = [nPrincipals]string{"nobody", "live-only viewer", "recordings-only viewer", "viewer without the camera", "record-only viewer", "admin"}

// permTable is what each principal must get from each route, written down here rather than read from the
// routes' own Access fields, so a route whose access level is changed by mistake fails this test. A status
// is the exact HTTP status of the request below (a fresh server each route; the supervisor is not running,
// so a running camera's routes answer 503, and recording 1 has no segment file on disk).
var permTable = map[string][nPrincipals]int{
	//                                          nobody live rec  other recd admin
	"GET /api/health":                           {200, 200, 200, 200, 200, 200},
	"POST /api/setup":                           {403, 403, 403, 403, 403, 403}, // set up already: closed for all
	"POST /api/login":                           {200, 200, 200, 200, 200, 200},
	"POST /api/logout":                          {401, 204, 204, 204, 204, 204},
	"GET /api/me":                               {401, 200, 200, 200, 200, 200},
	"GET /api/sessions":                         {401, 200, 200, 200, 200, 200},
	"DELETE /api/sessions/{id}":                 {401, 400, 400, 400, 400, 400}, // "yard" is not a session id
	"GET /api/cameras":                          {401, 200, 200, 200, 200, 200},
	"POST /api/cameras":                         {401, 403, 403, 403, 403, 201},
	"GET /api/cameras/{id}":                     {401, 200, 403, 403, 403, 200},
	"PATCH /api/cameras/{id}":                   {401, 403, 403, 403, 403, 200},
	"DELETE /api/cameras/{id}":                  {401, 403, 403, 403, 403, 204},
	"GET /api/cameras/{id}/status":              {401, 200, 403, 403, 403, 200},
	"GET /api/cameras/{id}/live":                {401, 503, 403, 403, 403, 503}, // camera not running
	"GET /api/cameras/{id}/snapshot.jpg":        {401, 503, 403, 403, 403, 503},
	"POST /api/cameras/{id}/record":             {401, 403, 403, 403, 202, 202},
	"GET /api/cameras/{id}/recordings.m3u8":     {401, 403, 200, 403, 403, 200},
	"GET /api/cameras/{id}/export.mp4":          {401, 403, 400, 403, 403, 400}, // no since/until: past the check
	"GET /api/recordings":                       {401, 200, 200, 200, 200, 200},
	"GET /api/recordings/{rec}/index.m3u8":      {401, 403, 200, 403, 403, 200},
	"GET /api/recordings/{rec}/segments/{file}": {401, 403, 410, 403, 403, 410}, // no file on disk
	"GET /api/events":                           {401, 200, 200, 200, 200, 200},
	"GET /api/events/{ev}/snapshot.jpg":         {401, 403, 200, 403, 403, 200},
	"GET /api/audit":                            {401, 403, 403, 403, 403, 200},
	"GET /metrics":                              {401, 403, 403, 403, 403, 200},
	"GET /api/cameras/{id}/export.mp4.sig":      {401, 403, 400, 403, 403, 400},
	"GET /api/system/signing-key":               {401, 200, 200, 200, 200, 200},
	"GET /api/system/tls":                       {401, 200, 200, 200, 200, 200},
	"GET /api/stream":                           {401, 200, 200, 200, 200, 200}, // endless: status only
	"POST /api/cameras/probe":                   {401, 403, 403, 403, 403, 400}, // no url: past the check
	"GET /api/users":                            {401, 403, 403, 403, 403, 200},
	"POST /api/users":                           {401, 403, 403, 403, 403, 400},
	"PATCH /api/users/{name}":                   {401, 403, 403, 403, 403, 400}, // someone else's account
	"DELETE /api/users/{name}":                  {401, 403, 403, 403, 403, 404},
	"GET /api/tokens":                           {401, 200, 200, 200, 200, 200}, // one's own; admins all
	"POST /api/tokens":                          {401, 400, 400, 400, 400, 400}, // no name: past the check
	"DELETE /api/tokens/{tok}":                  {401, 404, 404, 404, 404, 404},
	"GET /api/groups":                           {401, 200, 200, 200, 200, 200}, // filtered per viewer
	"PUT /api/groups":                           {401, 403, 403, 403, 403, 400},
	"GET /api/settings/mqtt":                    {401, 403, 403, 403, 403, 503}, // no MQTT service in this env
	"PUT /api/settings/mqtt":                    {401, 403, 403, 403, 403, 503},
	"POST /api/onvif/discover":                  {401, 403, 403, 403, 403, 200},
	"POST /api/onvif/profiles":                  {401, 403, 403, 403, 403, 400}, // no address: past the check
	"POST /api/cameras/{id}/ptz":                {401, 403, 403, 403, 403, 400}, // no command: past the check
	"GET /api/cameras/{id}/ptz/presets":         {401, 403, 403, 403, 403, 200}, // ptz needs the ptz permission
	"POST /api/events/{ev}/reviewed":            {401, 403, 200, 403, 403, 200}, // the asking user's own mark
	"DELETE /api/events/{ev}/reviewed":          {401, 403, 200, 403, 403, 200},
	"DELETE /api/events/{ev}":                   {401, 403, 403, 403, 403, 204}, // admin; the recording stays
	"GET /api/system":                           {401, 403, 403, 403, 403, 200},
	"GET /api/events/{ev}":                      {401, 403, 200, 403, 403, 200},
	"GET /api/cameras/{id}/timeline":            {401, 403, 400, 403, 403, 400}, // no since/until: past the check
	"GET /api/cameras/{id}/timeline/days":       {401, 403, 400, 403, 403, 400},
	"POST /api/cameras/{id}/exports":            {401, 403, 400, 403, 403, 400},
	"GET /api/exports/{job}":                    {401, 404, 404, 404, 404, 404}, // only one's own jobs exist
	"GET /api/exports/{job}/file":               {401, 404, 404, 404, 404, 404},
	"DELETE /api/exports/{job}":                 {401, 404, 404, 404, 404, 404},
	"GET /api/settings/webhooks":                {401, 403, 403, 403, 403, 200},
	"POST /api/settings/webhooks":               {401, 403, 403, 403, 403, 400}, // no url: past the check
	"PATCH /api/settings/webhooks/{hook}":       {401, 403, 403, 403, 403, 404}, // no webhook 1
	"DELETE /api/settings/webhooks/{hook}":      {401, 403, 403, 403, 403, 404},
	"POST /api/settings/webhooks/{hook}/test":   {401, 403, 403, 403, 403, 404},
	"GET /api/settings/webhooks/log":            {401, 403, 403, 403, 403, 200},
	"GET /api/push/vapid-key":                   {401, 200, 200, 200, 200, 200},
	"GET /api/push/subscriptions":               {401, 200, 200, 200, 200, 200}, // one's own
	"POST /api/push/subscriptions":              {401, 400, 400, 400, 400, 400}, // no endpoint: past the check
	"PATCH /api/push/subscriptions/{sub}":       {401, 404, 404, 404, 404, 404}, // nobody's own subscription 1
	"DELETE /api/push/subscriptions/{sub}":      {401, 404, 404, 404, 404, 404},
	"PUT /api/settings/webhooks":                {401, 403, 403, 403, 403, 400}, // {} is not an array: past the check
	"GET /api/settings/notifications":           {401, 200, 200, 200, 200, 200}, // one's own
	"PUT /api/settings/notifications":           {401, 200, 200, 200, 200, 200}, // {}: nothing listed, nothing changed
	"GET /api/settings/tls":                     {401, 200, 200, 200, 200, 200},
	"PUT /api/settings/tls":                     {401, 403, 403, 403, 403, 405}, // set with nvrd start --tls-cert
	"GET /debug/pprof/":                         {401, 403, 403, 403, 403, 200},
	"GET /debug/pprof/cmdline":                  {401, 403, 403, 403, 403, 200},
	"GET /debug/pprof/profile":                  {401, 403, 403, 403, 403, 200}, // ?seconds=1 (permQuery)
	"GET /debug/pprof/symbol":                   {401, 403, 403, 403, 403, 200},
	"POST /debug/pprof/symbol":                  {401, 403, 403, 403, 403, 200},
	"GET /debug/pprof/trace":                    {401, 403, 403, 403, 403, 200}, // ?seconds=1
	"GET /debug/pprof/{name}":                   {401, 403, 403, 403, 403, 404}, // no profile "nosuchuser"
}

// permQuery keeps the timed profiles short: one second instead of net/http/pprof's default 30.
func permQuery(pattern string) string {
	if pattern == "/debug/pprof/profile" || pattern == "/debug/pprof/trace" {
		return "?seconds=1"
	}
	return ""
}

// permPath fills a route pattern's wildcards with yard's camera, recording, event and a segment name.
func permPath(pattern string) string {
	return strings.NewReplacer("{id}", "yard", "{rec}", "1", "{ev}", "1", "{file}", "000000.ts", "{name}", "nosuchuser", "{tok}", "999",
		"{job}", "nosuchjob", "{hook}", "1", "{sub}", "1").Replace(pattern)
}

func permBody(pattern string) string {
	switch {
	case pattern == "/api/login":
		return `{"user":"admin","password":"` + testPassword + `"}`
	case pattern == "/api/setup":
		return `{"token":"x","user":"eve","password":"long password"}`
	case pattern == "/api/cameras":
		return `{"name":"Gate","url":"rtsp://10.0.0.7/s"}`
	case strings.HasSuffix(pattern, "/record"):
		return `{"seconds":5}`
	}
	return "{}"
}

// permTokens adds the table's viewers to a test env and returns every principal's token.
func permTokens(t *testing.T, e *testEnv) [nPrincipals]string {
	t.Helper()
	ctx := context.Background()
	var toks [nPrincipals]string
	toks[admin] = e.admin
	for i, p := range map[int]map[string]store.Perm{
		liveOnly:   {"yard": {Live: true}},
		recOnly:    {"yard": {Recordings: true}},
		otherCam:   {"house": {Live: true, Recordings: true}},
		recordOnly: {"yard": {Record: true}},
	} {
		u := &store.User{Name: fmt.Sprintf("viewer%d", i), Role: store.RoleViewer, PasswordHash: pwHash, Cameras: p}
		if err := e.st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		tok, err := e.auth.NewToken(ctx, u.Name, "test")
		if err != nil {
			t.Fatal(err)
		}
		toks[i] = tok
	}
	return toks
}

// TestEveryRouteChecksPermissions asks every registered route as each principal and compares the status
// with permTable; a route missing from the table, or a table row without a route, fails.
func TestEveryRouteChecksPermissions(t *testing.T) {
	probe := newEnv(t)
	routes := New(Options{Store: probe.st, Auth: probe.auth}).Routes()
	seen := map[string]bool{}
	for _, rt := range routes {
		key := rt.Method + " " + rt.Pattern
		seen[key] = true
		want, ok := permTable[key]
		if !ok {
			t.Errorf("route %s is not in permTable: add a row saying what each principal gets", key)
			continue
		}
		t.Run(key, func(t *testing.T) {
			e := newEnv(t) // fresh: an admin's DELETE must not change what the next route sees
			toks := permTokens(t, e)
			// The admin goes last: their writes change the camera the others are asked about.
			for _, p := range []int{nobody, otherCam, liveOnly, recOnly, recordOnly, admin} {
				if rt.Pattern == "/api/stream" { // never ends: the status is all there is to check
					if code := e.status(t, rt.Method, permPath(rt.Pattern), toks[p]); code != want[p] {
						t.Errorf("%s: HTTP %d, want %d", principalNames[p], code, want[p])
					}
					continue
				}
				code, out := e.do(t, rt.Method, permPath(rt.Pattern)+permQuery(rt.Pattern), toks[p], permBody(rt.Pattern), nil)
				if code != want[p] {
					t.Errorf("%s: HTTP %d, want %d (%s)", principalNames[p], code, want[p], strings.TrimSpace(out))
				}
			}
		})
	}
	var stale []string
	for key := range permTable {
		if !seen[key] {
			stale = append(stale, key)
		}
	}
	sort.Strings(stale)
	for _, key := range stale {
		t.Errorf("permTable row %q has no route any more: remove it", key)
	}
}

// TestListsFollowLiveAndRecordingsApart: the lists every user may ask for show a camera's recordings and
// events only to those with recordings permission on it, and the camera itself to anyone with either.
func TestListsFollowLiveAndRecordingsApart(t *testing.T) {
	e := newEnv(t)
	toks := permTokens(t, e)
	for _, c := range []struct {
		path string
		p    int
		want bool // yard appears
	}{
		{"/api/cameras", liveOnly, true}, {"/api/cameras", recOnly, true}, {"/api/cameras", otherCam, false},
		{"/api/recordings", liveOnly, false}, {"/api/recordings", recOnly, true}, {"/api/recordings", otherCam, false},
		{"/api/events", liveOnly, false}, {"/api/events", recOnly, true}, {"/api/events", otherCam, false},
		{"/api/recordings", admin, true}, {"/api/events", admin, true},
	} {
		code, body := e.do(t, "GET", c.path, toks[c.p], "", nil)
		if code != 200 {
			t.Fatalf("%s as %s: HTTP %d %s", c.path, principalNames[c.p], code, body)
		}
		if got := strings.Contains(body, `"yard"`); got != c.want {
			t.Errorf("%s as %s: yard listed %v, want %v: %s", c.path, principalNames[c.p], got, c.want, body)
		}
	}
}
