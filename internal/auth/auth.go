// Package auth decides who is asking: it checks passwords (bcrypt), API tokens and session cookies
// (both stored only as SHA-256 hashes), runs the first-run setup token, and rate-limits logins. What a
// principal may do with a camera is answered by Principal.Can; the HTTP layer applies it to every route.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/nvrproject/nvr/internal/store"
)

// Errors the HTTP layer maps to statuses.
var (
	ErrNoCredentials  = errors.New("log in first: this needs a session or an API token")
	ErrBadCredentials = errors.New("wrong user name or password")
	ErrRateLimited    = errors.New("too many failed logins; wait a minute and try again")
	ErrSetupClosed    = errors.New("the setup link is no longer valid (it works once, for one hour); use nvrd user add on the server")
)

// Lifetimes.
const (
	SessionTTL  = 7 * 24 * time.Hour
	SetupTTL    = time.Hour
	CookieName  = "nvr_session"
	MinPassword = 8
	bcryptCost  = bcrypt.DefaultCost
	tokenPrefix = "nvr_"
)

var (
	dummyOnce sync.Once
	dummy     string
)

func dummyHash() string {
	dummyOnce.Do(func() {
		h, _ := bcrypt.GenerateFromPassword([]byte(randomString(12)), bcryptCost)
		dummy = string(h)
	})
	return dummy
}

// Principal is an authenticated user.
type Principal struct {
	User      *store.User
	ViaCookie bool   // a browser session (writes need the CSRF token)
	CSRF      string // the session's CSRF token
	// credHash is the stored hash of the token or session cookie that authenticated the request, so
	// live sockets can be tied to it (see Live).
	credHash string
	wall     bool // a wall token (see Wall)
}

// Admin reports the admin role.
func (p *Principal) Admin() bool { return p != nil && p.User.Role == store.RoleAdmin }

// Need is what a request wants to do with a camera.
type Need int

// Needs.
const (
	NeedLive Need = iota
	NeedRecordings
	NeedRecord // start a recording
	NeedPTZ    // pan/tilt/zoom and presets
)

// Can reports whether p may do need with the camera.
func (p *Principal) Can(cameraID string, need Need) bool {
	if p == nil {
		return false
	}
	if p.Admin() {
		return true
	}
	perm, ok := p.User.Cameras[cameraID]
	if !ok {
		return false
	}
	switch need {
	case NeedLive:
		return perm.Live
	case NeedRecordings:
		return perm.Recordings
	case NeedRecord:
		return perm.Record
	case NeedPTZ:
		return perm.PTZ
	}
	return false
}

// Service authenticates requests.
type Service struct {
	st      *store.Store
	limiter *limiter
	now     func() time.Time

	mu           sync.Mutex
	setupToken   string
	setupExpires time.Time

	lives liveRegistry
}

// New returns a Service on st.
func New(st *store.Store) *Service {
	return &Service{st: st, limiter: newLimiter(), now: time.Now, lives: liveRegistry{byKey: map[liveKey]map[*Live]bool{}}}
}

// SetClock replaces the clock (tests: setup-token expiry, rate-limit windows).
func (s *Service) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

func (s *Service) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

// HashPassword checks the password's length and hashes it.
func HashPassword(pw string) (string, error) {
	if len(pw) < MinPassword {
		return "", fmt.Errorf("password is shorter than %d characters", MinPassword)
	}
	if len(pw) > 72 {
		return "", errors.New("password is longer than 72 bytes")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcryptCost)
	return string(h), err
}

func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // the kernel's random source does not fail
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Hash is the SHA-256 of a secret, as stored.
func Hash(secret string) string {
	s := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(s[:])
}

// NewToken creates an API token for a user; the plain token is shown once, only its hash is kept.
func (s *Service) NewToken(ctx context.Context, user, name string) (string, error) {
	u, err := s.st.UserByName(ctx, user)
	if err != nil {
		return "", fmt.Errorf("there is no user named %q", user)
	}
	tok := tokenPrefix + randomString(32)
	if err := s.st.CreateToken(ctx, u.ID, Hash(tok), name); err != nil {
		return "", err
	}
	return tok, nil
}

// SetupToken returns the one-time first-run token, creating it when no user exists. ok is false when
// setup is already done.
func (s *Service) SetupToken(ctx context.Context) (token string, ok bool, err error) {
	n, err := s.st.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.setupToken == "" || s.now().After(s.setupExpires) { // s.mu is held
		s.setupToken, s.setupExpires = randomString(24), s.now().Add(SetupTTL)
	}
	return s.setupToken, true, nil
}

// NeedsSetup reports that no user exists yet.
func (s *Service) NeedsSetup(ctx context.Context) bool {
	n, err := s.st.CountUsers(ctx)
	return err == nil && n == 0
}

// Setup uses the one-time token to create the first admin.
func (s *Service) Setup(ctx context.Context, token, name, password string) (*store.User, error) {
	s.mu.Lock()
	valid := s.setupToken != "" && s.now().Before(s.setupExpires) &&
		subtle.ConstantTimeCompare([]byte(token), []byte(s.setupToken)) == 1
	if valid {
		s.setupToken = "" // single use, even if what follows fails
	}
	s.mu.Unlock()
	if !valid || !s.NeedsSetup(ctx) {
		return nil, ErrSetupClosed
	}
	hash, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	u := &store.User{Name: name, Role: store.RoleAdmin, PasswordHash: hash}
	if err := s.st.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// Login checks a password (rate-limited per user and client address, and more slowly per address; see
// limiter.go) and opens a session. It returns the cookie value (secret) and the session.
func (s *Service) Login(ctx context.Context, addr, name, password string) (string, *store.Session, *store.User, error) {
	lname := strings.ToLower(name)
	now := s.clock()
	if !s.limiter.check(lname, addr, now) {
		return "", nil, nil, ErrRateLimited
	}
	u, err := s.st.UserByName(ctx, name)
	hash := dummyHash() // the same bcrypt work for unknown users: no user enumeration by timing
	if err == nil {
		hash = u.PasswordHash
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil || err != nil {
		s.limiter.fail(lname, addr, now)
		return "", nil, nil, ErrBadCredentials
	}
	s.limiter.succeed(lname, addr)
	secret := randomString(32)
	sess := &store.Session{UserID: u.ID, CSRF: randomString(24), Expires: now.Add(SessionTTL)}
	if err := s.st.CreateSession(ctx, Hash(secret), *sess); err != nil {
		return "", nil, nil, err
	}
	return secret, sess, u, nil
}

// Logout ends the session of the request's cookie.
func (s *Service) Logout(r *http.Request) {
	if c, err := r.Cookie(CookieName); err == nil {
		_ = s.st.DeleteSession(r.Context(), Hash(c.Value))
		s.lives.endCredential(Hash(c.Value)) // its live sockets close now, not at the next check
	}
}

// Authenticate finds the principal of a request: a bearer token, else a session cookie.
func (s *Service) Authenticate(r *http.Request) (*Principal, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		// The scheme is case-insensitive (RFC 9110 §11.1): "bearer" and "BEARER" are Bearer too.
		scheme, tok, _ := strings.Cut(strings.TrimSpace(h), " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return nil, ErrNoCredentials
		}
		return s.fromToken(ctx, strings.TrimSpace(tok))
	}
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" {
		return nil, ErrNoCredentials
	}
	sess, err := s.st.SessionByHash(ctx, Hash(c.Value))
	if err != nil {
		return nil, ErrNoCredentials
	}
	u, err := s.st.UserByID(ctx, sess.UserID)
	if err != nil {
		return nil, ErrNoCredentials
	}
	return &Principal{User: u, ViaCookie: true, CSRF: sess.CSRF, credHash: Hash(c.Value)}, nil
}

// CheckCSRF verifies the X-CSRF-Token header of a cookie-authenticated write.
func (p *Principal) CheckCSRF(r *http.Request) bool {
	if !p.ViaCookie {
		return true
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	got := r.Header.Get("X-CSRF-Token")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(p.CSRF)) == 1
}
