// Package api is nvrd's HTTP surface: the JSON API, the live WebSocket, snapshots, metrics and the
// embedded web UI. Every route is declared once in the routes table, so cross-cutting checks (auth,
// errors) apply to all of them and tests can walk them.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/nvrproject/nvr/internal/auth"
	"github.com/nvrproject/nvr/internal/store"
)

// Options configure the server.
type Options struct {
	Store Store     // the database (*store.Store)
	Sup   Pipelines // the running cameras (the supervisor, adapted in internal/app)
	Auth  Auth      // logins and sessions (*auth.Service)
	// Recorder serves recordings and takes triggers (the recorder, adapted in internal/app).
	Recorder Recordings
	// Manual, when set, handles POST /api/cameras/{id}/record (the event engine: a manual event that
	// triggers recording); otherwise the recorder is triggered directly.
	Manual func(ctx context.Context, cameraID string, seconds int) error
	// Analysis, when set, gives a camera's motion/detection state for its status (the event engine).
	Analysis Analysis
	UI       fs.FS // the web page's files
	Log      *slog.Logger
	// Listen is the address nvrd listens on and AllowHosts the extra names it answers to (Host
	// header; see hostPolicy). With neither, only loopback names and addresses are answered.
	Listen     string
	AllowHosts []string
	// Events, when set, subscribes to events as they start, change and end (the event engine's
	// Subscribe), for GET /api/stream.
	Events func(buffer int) (<-chan store.Event, func())
	// Motion, when set, returns the motion score of a camera's latest analysed keyframe and that
	// keyframe's time (ok false before the first), for GET /api/stream.
	Motion func(cameraID string) (score float64, at time.Time, ok bool)
	// Users manages accounts, tokens and camera groups; nil: the Store, when it can.
	Users UserAdmin
	// Prober runs POST /api/cameras/probe; nil: the supervisor, when it can.
	Prober Prober
	// MQTT, when set, serves /api/settings/mqtt (*mqtt.Service).
	MQTT MQTTSettings
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the client (nvrd start
	// --trusted-proxy); from anyone else the header is ignored.
	TrustedProxies []netip.Prefix
	// Audit is the audit log (nil with a *store.Store: that store).
	Audit AuditLog
	// ONVIF, when set, discovers cameras and drives their PTZ (*onvif.Service).
	ONVIF ONVIF
	// LivePerUserCamera caps one user's live sockets to one camera (0: DefaultLivePerUserCamera).
	LivePerUserCamera int
	// Signer signs export manifests (export.mp4.sig); nil: no signed exports.
	Signer ExportSigner
	// TLS, when set, tells the HTTPS certificate's fingerprints (GET /api/system/tls).
	TLS func() TLSInfo
	// Webhooks, when set, serves /api/settings/webhooks (*webhook.Service).
	Webhooks Webhooks
	// Notifications, when set, serves /api/push (*push.Service).
	Notifications Notifications
	// ExportPace is a test hook: an export job pauses this long after each segment (0: never), so a
	// browser test sees a long export's progress bar between its ends. nvrd never sets it.
	ExportPace time.Duration
}

// Server serves the API.
type Server struct {
	opt    Options
	log    *slog.Logger
	mux    *http.ServeMux
	routes []Route
	hosts  hostPolicy
	csp    string // Content-Security-Policy of every answer
	// auditMu is the audit log's once-only state (audit.go).
	auditMu auditState
	// writeTimeout is the server's WriteTimeout, which streaming routes renew per write.
	writeTimeout time.Duration
	// ring is the system page's last hour of samples (system_sampler.go).
	ring    systemRing
	exports exportJobs // background exports with progress (export_jobs.go)
	// probeSlots bounds this server's connection tests running at once (probeParallel; probe.go).
	probeSlots chan struct{}
}

// Access says who may use a route.
type Access int

// Access levels, enforced by guard for every route.
const (
	Public         Access = iota // anyone, no login (health, login, setup)
	Admin                        // administrators only
	AnyUser                      // any logged-in user; lists are filtered per camera
	CameraLive                   // users with live permission on {id}
	CameraRecorded               // users with recordings permission on {id}
	RecordingOf                  // users with recordings permission on the camera of recording {rec}
	EventOf                      // users with recordings permission on the camera of event {ev}
	UserSelf                     // administrators, or the user named {name} (their own account)
	CameraRecord                 // users with record permission on {id} (start a recording)
	CameraPTZ                    // users with ptz permission on {id}
)

// Route is one entry of the routes table.
type Route struct {
	Method, Pattern string
	Access          Access
	Handler         http.HandlerFunc
}

// New builds the server and its routes.
func New(opt Options) *Server {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if st, ok := opt.Store.(*store.Store); ok && opt.Auth == nil {
		opt.Auth = auth.New(st)
	}
	if st, ok := opt.Store.(*store.Store); ok && opt.Audit == nil {
		opt.Audit = st
	}
	webAPIDefaults(&opt)
	s := &Server{opt: opt, log: opt.Log, mux: http.NewServeMux(), hosts: newHostPolicy(opt.Listen, opt.AllowHosts), csp: policyFor(opt.UI),
		probeSlots: make(chan struct{}, probeParallel)}
	s.routes = []Route{
		{"GET", "/api/health", Public, s.health},
		{"POST", "/api/setup", Public, s.setup},
		{"POST", "/api/login", Public, s.login},
		{"POST", "/api/logout", AnyUser, s.logout},
		{"GET", "/api/me", AnyUser, s.me},
		{"GET", "/api/sessions", AnyUser, s.listSessions},
		{"DELETE", "/api/sessions/{id}", AnyUser, s.deleteSession},
		{"GET", "/api/cameras", AnyUser, s.listCameras},
		{"POST", "/api/cameras", Admin, s.createCamera},
		{"POST", "/api/cameras/probe", Admin, s.probeCamera},
		{"GET", "/api/cameras/{id}", CameraLive, s.getCamera},
		{"PATCH", "/api/cameras/{id}", Admin, s.patchCamera},
		{"DELETE", "/api/cameras/{id}", Admin, s.deleteCamera},
		{"GET", "/api/cameras/{id}/status", CameraLive, s.cameraStatus},
		{"GET", "/api/cameras/{id}/live", CameraLive, s.live},
		{"GET", "/api/cameras/{id}/snapshot.jpg", CameraLive, s.snapshot},
		{"POST", "/api/cameras/{id}/record", CameraRecord, s.recordNow},
		{"GET", "/api/cameras/{id}/recordings.m3u8", CameraRecorded, s.cameraPlaylist},
		{"GET", "/api/cameras/{id}/export.mp4", CameraRecorded, s.export},
		{"GET", "/api/cameras/{id}/export.mp4.sig", CameraRecorded, s.exportSig},
		{"GET", "/api/system/signing-key", AnyUser, s.signingKey},
		{"GET", "/api/system/tls", AnyUser, s.systemTLS},
		{"GET", "/api/recordings", AnyUser, s.listRecordings},
		{"GET", "/api/recordings/{rec}/index.m3u8", RecordingOf, s.recordingPlaylist},
		{"GET", "/api/recordings/{rec}/segments/{file}", RecordingOf, s.recordingSegment},
		{"GET", "/api/events", AnyUser, s.listEvents},
		{"GET", "/api/events/{ev}/snapshot.jpg", EventOf, s.eventSnapshot},
		{"GET", "/api/audit", Admin, s.listAudit},
		{"GET", "/metrics", Admin, s.metrics},
		{"GET", "/api/stream", AnyUser, s.stream},
		{"GET", "/api/users", Admin, s.listUsers},
		{"POST", "/api/users", Admin, s.createUser},
		{"PATCH", "/api/users/{name}", UserSelf, s.patchUser},
		{"DELETE", "/api/users/{name}", Admin, s.deleteUser},
		{"GET", "/api/tokens", AnyUser, s.listTokens},
		{"POST", "/api/tokens", AnyUser, s.createToken},
		{"DELETE", "/api/tokens/{tok}", AnyUser, s.deleteToken},
		{"GET", "/api/groups", AnyUser, s.listGroups},
		{"PUT", "/api/groups", Admin, s.putGroups},
		{"GET", "/api/settings/mqtt", Admin, s.getMQTTSettings},
		{"PUT", "/api/settings/mqtt", Admin, s.putMQTTSettings},
		{"POST", "/api/onvif/discover", Admin, s.onvifDiscover},
		{"POST", "/api/onvif/profiles", Admin, s.onvifProfiles},
		{"POST", "/api/cameras/{id}/ptz", CameraPTZ, s.ptz},
		{"GET", "/api/cameras/{id}/ptz/presets", CameraPTZ, s.ptzPresets},
		{"POST", "/api/events/{ev}/reviewed", EventOf, s.markReviewed},
		{"DELETE", "/api/events/{ev}/reviewed", EventOf, s.unmarkReviewed},
		{"DELETE", "/api/events/{ev}", Admin, s.deleteEvent},
		{"GET", "/api/events/{ev}", EventOf, s.getEvent},
		{"GET", "/api/system", Admin, s.system},
		{"GET", "/api/cameras/{id}/timeline", CameraRecorded, s.timeline},
		{"GET", "/api/cameras/{id}/timeline/days", CameraRecorded, s.timelineDays},
		{"POST", "/api/cameras/{id}/exports", CameraRecorded, s.startExport},
		{"GET", "/api/exports/{job}", AnyUser, s.getExport},
		{"GET", "/api/exports/{job}/file", AnyUser, s.exportFile},
		{"DELETE", "/api/exports/{job}", AnyUser, s.deleteExport},
		{"GET", "/api/settings/webhooks", Admin, s.listWebhooks},
		{"POST", "/api/settings/webhooks", Admin, s.createWebhook},
		{"PATCH", "/api/settings/webhooks/{hook}", Admin, s.patchWebhook},
		{"DELETE", "/api/settings/webhooks/{hook}", Admin, s.deleteWebhook},
		{"POST", "/api/settings/webhooks/{hook}/test", Admin, s.testWebhook},
		{"GET", "/api/settings/webhooks/log", Admin, s.webhookLog},
		{"GET", "/api/push/vapid-key", AnyUser, s.vapidKey},
		{"GET", "/api/push/subscriptions", AnyUser, s.listPushSubscriptions},
		{"POST", "/api/push/subscriptions", AnyUser, s.createPushSubscription},
		{"PATCH", "/api/push/subscriptions/{sub}", AnyUser, s.patchPushSubscription},
		{"DELETE", "/api/push/subscriptions/{sub}", AnyUser, s.deletePushSubscription},
		{"PUT", "/api/settings/webhooks", Admin, s.putWebhooks},
		{"GET", "/api/settings/notifications", AnyUser, s.getNotificationSettings},
		{"PUT", "/api/settings/notifications", AnyUser, s.putNotificationSettings},
		{"GET", "/api/settings/tls", AnyUser, s.systemTLS},
		{"PUT", "/api/settings/tls", Admin, s.putTLSSettings},
	}
	s.routes = append(s.routes, s.pprofRoutes()...)
	for _, r := range s.routes {
		s.mux.HandleFunc(r.Method+" "+r.Pattern, s.guard(r))
	}
	if opt.UI != nil {
		files := http.FileServerFS(opt.UI)
		s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				writeError(w, http.StatusMethodNotAllowed, "only GET is allowed here")
				return
			}
			files.ServeHTTP(w, r)
		})
	}
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such API route: "+r.Method+" "+r.URL.Path)
	})
	return s
}

// Routes returns the routes table.
func (s *Server) Routes() []Route { return s.routes }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("handler panic", "path", r.URL.Path, "panic", v)
			writeError(w, http.StatusInternalServerError, "internal error; see the nvrd log")
		}
	}()
	if !s.preflight(w, r) {
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) health(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// writeError writes {"error": msg}.
func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// storeError maps store errors to HTTP statuses.
func storeError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, store.ErrConflict):
		writeError(w, http.StatusConflict, err.Error())
	default:
		writeError(w, http.StatusInternalServerError, "database error: "+err.Error())
	}
}
