package push

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/nvrproject/nvr/internal/store"
)

// No push service (Google's, Mozilla's, Apple's) is reachable from here, so a local HTTP endpoint
// plays one: it takes the POST as a push service would, and the test decrypts the payload with the
// browser side's private key (RFC 8291) and checks the VAPID Authorization header (RFC 8292).

// browser is a subscribing browser's keys: its P-256 key pair and auth secret.
type browser struct {
	priv *ecdh.PrivateKey
	auth []byte
}

func newBrowser(t *testing.T) *browser {
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	return &browser{priv, auth}
}

func (b *browser) subscribeBody(endpoint, filters string) string {
	enc := base64.RawURLEncoding.EncodeToString
	s := fmt.Sprintf(`{"endpoint":%q,"expirationTime":null,"keys":{"p256dh":%q,"auth":%q}`, endpoint,
		enc(b.priv.PublicKey().Bytes()), enc(b.auth))
	if filters != "" {
		s += "," + filters
	}
	return s + "}"
}

// decrypt undoes RFC 8291's aes128gcm content coding (one record) as the browser would.
func (b *browser) decrypt(t *testing.T, body []byte) []byte {
	t.Helper()
	if len(body) < 21 {
		t.Fatalf("body of %d bytes has no aes128gcm header", len(body))
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if idlen != 65 || rs < 18 {
		t.Fatalf("header: rs %d, keyid length %d (want the server's 65-byte public key)", rs, idlen)
	}
	asPub, ct := body[21:21+idlen], body[21+idlen:]
	serverKey, err := ecdh.P256().NewPublicKey(asPub)
	if err != nil {
		t.Fatalf("the keyid is not a P-256 point: %v", err)
	}
	shared, err := b.priv.ECDH(serverKey)
	if err != nil {
		t.Fatal(err)
	}
	// IKM = HKDF(auth, ecdh, "WebPush: info" 0x00 ua_public as_public, 32)
	prkKey, _ := hkdf.Extract(sha256.New, shared, b.auth)
	info := append(append([]byte("WebPush: info\x00"), b.priv.PublicKey().Bytes()...), asPub...)
	ikm, _ := hkdf.Expand(sha256.New, prkKey, string(info), 32)
	prk, _ := hkdf.Extract(sha256.New, ikm, salt)
	cek, _ := hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16)
	nonce, _ := hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12)
	blk, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(blk)
	if uint32(len(ct)) > rs {
		t.Fatalf("ciphertext of %d bytes is more than one record of %d", len(ct), rs)
	}
	pt, err := gcm.Open(nil, nonce, ct, nil)
	if err != nil {
		t.Fatalf("the payload does not decrypt with the subscription's keys: %v", err)
	}
	pt = bytes.TrimRight(pt, "\x00")
	if len(pt) == 0 || pt[len(pt)-1] != 2 {
		t.Fatalf("the last record does not end with the 0x02 delimiter")
	}
	return pt[:len(pt)-1]
}

// pushService is the local endpoint playing a push service.
type pushService struct {
	*httptest.Server
	mu   sync.Mutex
	got  []*http.Request
	body [][]byte
	code int
}

func newPushService(t *testing.T, code int) *pushService {
	p := &pushService{code: code}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		p.got, p.body = append(p.got, r), append(p.body, b)
		p.mu.Unlock()
		w.WriteHeader(p.code)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *pushService) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.got)
}

type bus struct{ ch chan store.Event }

func (b *bus) Subscribe(int) (<-chan store.Event, func()) { return b.ch, func() {} }

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func startService(t *testing.T, clk *clock) (*Service, *store.Store, *bus) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b := &bus{ch: make(chan store.Event, 16)}
	s := New(Options{Store: st, Events: b, Clock: clk.now, Contact: "admin@example.org"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		st.Close()
	})
	return s, st, b
}

func addUser(t *testing.T, st *store.Store, name, role string, perms map[string]store.Perm) int64 {
	u := &store.User{Name: name, Role: role, PasswordHash: "x", Cameras: perms}
	if err := st.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// waitFor waits (30 s at most) for cond.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestPushEncryptedVAPIDAndQuietPeriod(t *testing.T) {
	ps := newPushService(t, http.StatusCreated)
	t0 := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	clk := &clock{t: t0}
	s, st, b := startService(t, clk)
	ctx := context.Background()
	for _, c := range []*store.Camera{{ID: "yard", Name: "Yard", URL: "rtsp://127.0.0.1/yard", CameraSettings: store.DefaultSettings()}, {ID: "house", Name: "House", URL: "rtsp://127.0.0.1/house", CameraSettings: store.DefaultSettings()}} {
		if err := st.CreateCamera(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	admin := addUser(t, st, "admin", store.RoleAdmin, nil)
	viewer := addUser(t, st, "vic", store.RoleViewer, map[string]store.Perm{"yard": {Live: true}}) // no recordings
	br := newBrowser(t)
	v, err := s.Subscribe(ctx, admin, []byte(br.subscribeBody(ps.URL+"/push/admin", `"kinds":["object"]`)))
	if err != nil {
		t.Fatal(err)
	}
	if sv := v.(SubscriptionView); sv.QuietS != 300 || len(sv.Kinds) != 1 {
		t.Fatalf("subscription %+v: want the default quiet period of 300 s", sv)
	}
	if _, err := s.Subscribe(ctx, viewer, []byte(newBrowser(t).subscribeBody(ps.URL+"/push/vic", ""))); err != nil {
		t.Fatal(err)
	}
	pub, err := s.VAPIDPublicKey(ctx)
	if err != nil {
		t.Fatal(err)
	}

	handled := func(n int64) func() bool {
		return func() bool { sent, quiet, _, failed := s.Stats(); return sent+quiet+failed >= n }
	}
	send := func(at time.Time, e store.Event, n int64) {
		clk.set(at)
		e.Start = at
		b.ch <- e
		waitFor(t, fmt.Sprintf("event %d handled", e.ID), handled(n))
	}
	person := []string{"person"}
	b.ch <- store.Event{ID: 9, CameraID: "yard", Kind: store.EventMotion, Start: t0} // filtered out by kind
	send(t0, store.Event{ID: 1, CameraID: "yard", Kind: store.EventObject, Labels: person, Score: 0.87, HasSnapshot: true}, 1)
	send(t0.Add(time.Minute), store.Event{ID: 2, CameraID: "yard", Kind: store.EventObject, Labels: person}, 2) // quiet
	send(t0.Add(time.Minute), store.Event{ID: 3, CameraID: "house", Kind: store.EventObject, Labels: person}, 3)
	send(t0.Add(5*time.Minute+time.Second), store.Event{ID: 4, CameraID: "yard", Kind: store.EventObject, Labels: person}, 4)
	sent, quiet, dropped, failed := s.Stats()
	if sent != 3 || quiet != 1 || dropped != 0 || failed != 0 {
		t.Errorf("sent %d, held back %d, dropped %d, failed %d; want 3, 1, 0, 0", sent, quiet, dropped, failed)
	}

	ps.mu.Lock()
	defer ps.mu.Unlock()
	var ids []string
	for i, r := range ps.got {
		if r.URL.Path != "/push/admin" {
			t.Errorf("a notification went to %s (the viewer may not see events of yard or house)", r.URL.Path)
			continue
		}
		if r.Header.Get("Content-Encoding") != "aes128gcm" || r.Header.Get("TTL") == "" {
			t.Errorf("headers %v", r.Header)
		}
		var n Notification
		if err := json.Unmarshal(br.decrypt(t, ps.body[i]), &n); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, n.Event)
		if n.Event == "1" {
			if n.Title != "Person on Yard" || n.URL != "#/events?camera=yard&event=1" ||
				n.Image != "/api/events/1/snapshot.jpg" || !strings.Contains(n.Body, "87 %") {
				t.Errorf("notification %+v", n)
			}
		}
		checkVAPID(t, r.Header.Get("Authorization"), pub, ps.URL)
	}
	if strings.Join(ids, ",") != "1,3,4" {
		t.Errorf("notified events %v, want 1,3,4 (2 is within yard's quiet period)", ids)
	}
}

// checkVAPID verifies the Authorization header: "vapid t=<JWT>, k=<public key>", the JWT signed with
// ES256 by that key, for the push service's origin, expiring within a day, with a contact.
func checkVAPID(t *testing.T, h, wantKey, origin string) {
	t.Helper()
	rest, ok := strings.CutPrefix(h, "vapid t=")
	tok, key, ok2 := strings.Cut(rest, ", k=")
	if !ok || !ok2 {
		t.Fatalf("Authorization %q is not vapid t=..., k=...", h)
	}
	if strings.TrimRight(key, "=") != strings.TrimRight(wantKey, "=") {
		t.Errorf("k=%s, want the VAPID public key %s", key, wantKey)
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(key, "="))
	if err != nil {
		t.Fatal(err)
	}
	x, y := elliptic.Unmarshal(elliptic.P256(), raw) //nolint:staticcheck // the uncompressed point VAPID sends
	if x == nil {
		t.Fatalf("k= is not a P-256 point")
	}
	pk := &ecdsa.PublicKey{Curve: elliptic.P256(), X: x, Y: y}
	claims := jwt.MapClaims{}
	parsed, err := jwt.ParseWithClaims(tok, claims, func(tk *jwt.Token) (any, error) { return pk, nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithExpirationRequired())
	if err != nil || !parsed.Valid {
		t.Fatalf("the VAPID JWT does not verify with the public key: %v", err)
	}
	if aud, _ := claims.GetAudience(); len(aud) != 1 || aud[0] != origin {
		t.Errorf("aud %v, want %s", aud, origin)
	}
	exp, _ := claims.GetExpirationTime()
	if exp == nil || time.Until(exp.Time) <= 0 || time.Until(exp.Time) > 24*time.Hour {
		t.Errorf("exp %v: must be in the future and within 24 hours", exp)
	}
	if sub, _ := claims.GetSubject(); sub != "mailto:admin@example.org" {
		t.Errorf("sub %q", sub)
	}
}

func TestVAPIDKeysKeptInTheStore(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	k1, err := New(Options{Store: st}).VAPIDPublicKey(context.Background())
	if err != nil || len(k1) < 80 {
		t.Fatalf("key %q, %v", k1, err)
	}
	st.Close()
	st, err = store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	k2, err := New(Options{Store: st}).VAPIDPublicKey(context.Background())
	if err != nil || k2 != k1 {
		t.Errorf("after a restart the key is %q, want the stored %q", k2, k1)
	}
}

func TestExpiredSubscriptionRemoved(t *testing.T) {
	ps := newPushService(t, http.StatusGone)
	s, st, b := startService(t, &clock{t: time.Now()})
	ctx := context.Background()
	uid := addUser(t, st, "admin", store.RoleAdmin, nil)
	if _, err := s.Subscribe(ctx, uid, []byte(newBrowser(t).subscribeBody(ps.URL+"/gone", ""))); err != nil {
		t.Fatal(err)
	}
	b.ch <- store.Event{ID: 1, CameraID: "yard", Kind: store.EventMotion, Start: time.Now()}
	waitFor(t, "the expired subscription removed", func() bool {
		v, _ := s.Subscriptions(ctx, uid)
		return len(v.([]SubscriptionView)) == 0
	})
}

func TestSubscribeInputErrors(t *testing.T) {
	s := New(Options{})
	good := newBrowser(t).subscribeBody("https://push.example/x", "")
	for body, want := range map[string]string{
		`{"endpoint":"","keys":{}}`:                                         "is not the URL of a push service",
		`{"endpoint":"https://p/x","keys":{"p256dh":"AAAA","auth":"AAAA"}}`: "are not a browser's push keys",
		strings.Replace(good, "}}", `},"quiet_s":-1}`, 1):                   "between 0 and 86400",
		`{"endpoint":"https://p/x","colour":1}`:                             `unknown field "colour"`,
	} {
		_, err := s.Subscribe(context.Background(), 1, []byte(body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", body, err, want)
		}
	}
}
