package handlers

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"heard/models"
	"heard/models/modeltest"
)

const testPassword = "correct horse battery"

// staffFixture is a served engine over a fresh database holding one user
// of each role, all with testPassword.
type staffFixture struct {
	srv   *httptest.Server
	store *models.Store
	h     *Handler
}

func newStaffFixture(t *testing.T, tls bool) *staffFixture {
	t.Helper()
	store := modeltest.NewStore(t)
	for _, r := range models.Roles {
		if _, err := store.AddUser(context.Background(), string(r)+"@example.org", r, testPassword); err != nil {
			t.Fatal(err)
		}
	}
	h, err := New(store, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	var srv *httptest.Server
	if tls {
		srv = httptest.NewTLSServer(NewEngine(h))
	} else {
		srv = httptest.NewServer(NewEngine(h))
	}
	t.Cleanup(srv.Close)
	return &staffFixture{srv: srv, store: store, h: h}
}

// do sends one request with the session cookie, if any, and returns the
// response with its body read.
func (f *staffFixture) do(t *testing.T, method, path, body string, cookie *http.Cookie, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == SessionCookie {
			return c
		}
	}
	return nil
}

// login logs in as email and returns the session cookie.
func (f *staffFixture) login(t *testing.T, email string, cookie *http.Cookie) *http.Cookie {
	t.Helper()
	resp, body := f.do(t, "POST", "/api/v1/session", `{"email":"`+email+`","password":"`+testPassword+`"}`, cookie)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login %s: %d %s", email, resp.StatusCode, body)
	}
	c := sessionCookie(resp)
	if c == nil || c.Value == "" {
		t.Fatalf("login %s set no session cookie", email)
	}
	return c
}

func TestLoginCookie(t *testing.T) {
	for _, tls := range []bool{false, true} {
		f := newStaffFixture(t, tls)
		resp, body := f.do(t, "POST", "/api/v1/session", `{"email":"Editor@Example.org","password":"`+testPassword+`"}`, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("tls=%v: login %d %s", tls, resp.StatusCode, body)
		}
		var got struct{ Data sessionUser }
		if err := json.Unmarshal([]byte(body), &got); err != nil || got.Data.Email != "editor@example.org" || got.Data.Role != models.RoleEditor {
			t.Errorf("login body %s (%v)", body, err)
		}
		c := sessionCookie(resp)
		if c == nil {
			t.Fatalf("tls=%v: no session cookie", tls)
		}
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != tls || c.Path != "/" {
			t.Errorf("tls=%v: cookie %+v: want HttpOnly, SameSite=Lax, Path=/ and Secure only over TLS", tls, c)
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("login Cache-Control %q", cc)
		}
	}
}

// TestLoginCookieBehindProxy: behind a reverse proxy that terminates TLS
// the session cookie is Secure when the proxy, declared in TrustedProxies,
// says the visitor came over HTTPS; the header means nothing until a proxy
// is declared.
func TestLoginCookieBehindProxy(t *testing.T) {
	store := modeltest.NewStore(t)
	if _, err := store.AddUser(context.Background(), "editor@example.org", models.RoleEditor, testPassword); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		proxies []string
		proto   string
		secure  bool
	}{
		{[]string{"127.0.0.1", "::1"}, "https", true},
		{[]string{"127.0.0.1", "::1"}, "http", false},
		{[]string{"127.0.0.1", "::1"}, "", false},
		{nil, "https", false},
	}
	for _, tt := range tests {
		h, err := New(store, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{TrustedProxies: tt.proxies})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(NewEngine(h))
		f := &staffFixture{srv: srv, store: store, h: h}
		resp, body := f.do(t, "POST", "/api/v1/session", `{"email":"editor@example.org","password":"`+testPassword+`"}`,
			nil, "X-Forwarded-Proto", tt.proto)
		srv.Close()
		c := sessionCookie(resp)
		if resp.StatusCode != http.StatusOK || c == nil {
			t.Fatalf("proxies %v, X-Forwarded-Proto %q: login %d %s", tt.proxies, tt.proto, resp.StatusCode, body)
		}
		if c.Secure != tt.secure {
			t.Errorf("proxies %v, X-Forwarded-Proto %q: cookie Secure=%v, want %v", tt.proxies, tt.proto, c.Secure, tt.secure)
		}
	}
}

func TestLoginFailures(t *testing.T) {
	f := newStaffFixture(t, false)
	var bodies []string
	for _, body := range []string{
		`{"email":"editor@example.org","password":"wrong password!"}`,
		`{"email":"nobody@example.org","password":"` + testPassword + `"}`,
	} {
		resp, got := f.do(t, "POST", "/api/v1/session", body, nil)
		if resp.StatusCode != http.StatusUnauthorized || sessionCookie(resp) != nil {
			t.Errorf("%s: %d %s, cookie %v; want 401 and no cookie", body, resp.StatusCode, got, sessionCookie(resp))
		}
		bodies = append(bodies, got)
	}
	if bodies[0] != bodies[1] {
		t.Errorf("a wrong password and an unknown email answer differently:\n%s\n%s", bodies[0], bodies[1])
	}
	if resp, _ := f.do(t, "POST", "/api/v1/session", `{"email":1}`, nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed login: %d, want 400", resp.StatusCode)
	}
}

func TestLoginRateLimit(t *testing.T) {
	f := newStaffFixture(t, false)
	wrong := `{"email":"viewer@example.org","password":"wrong password!"}`
	for i := range loginBurst {
		if resp, body := f.do(t, "POST", "/api/v1/session", wrong, nil); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d %s", i+1, resp.StatusCode, body)
		}
	}
	resp, _ := f.do(t, "POST", "/api/v1/session", wrong, nil)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("attempt %d: %d (Retry-After %q), want 429", loginBurst+1, resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Even the right password waits: the account is being guessed at.
	if resp, _ := f.do(t, "POST", "/api/v1/session", `{"email":"viewer@example.org","password":"`+testPassword+`"}`, nil); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("right password while limited: %d, want 429", resp.StatusCode)
	}
	// Per account too: another address cannot keep guessing the same account.
	if d := f.h.logins.allow("viewer@example.org", "192.0.2.7"); d <= 0 {
		t.Error("the account's limit does not hold for another address")
	}
	if d := f.h.logins.allow("admin@example.org", "192.0.2.8"); d > 0 {
		t.Error("another account from another address is limited")
	}
}

func TestSessionLifecycle(t *testing.T) {
	f := newStaffFixture(t, false)
	if resp, _ := f.do(t, "GET", "/api/v1/session", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous GET session: %d, want 401", resp.StatusCode)
	}
	// An anonymous session token planted before login is not the one
	// after: the token is renewed.
	planted := &http.Cookie{Name: SessionCookie, Value: "planted-token"}
	a := f.login(t, "admin@example.org", planted)
	if a.Value == planted.Value {
		t.Error("login kept the planted token")
	}
	again := f.login(t, "admin@example.org", a)
	if again.Value == a.Value {
		t.Error("logging in again kept the session token")
	}
	if resp, _ := f.do(t, "GET", "/api/v1/session", "", a); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("token replaced at login still works: %d", resp.StatusCode)
	}
	resp, body := f.do(t, "GET", "/api/v1/session", "", again)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"email":"admin@example.org"`) || !strings.Contains(body, `"role":"admin"`) {
		t.Errorf("GET session: %d %s", resp.StatusCode, body)
	}

	// Logout ends the session: the old cookie no longer works.
	resp, _ = f.do(t, "DELETE", "/api/v1/session", "", again)
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("logout: %d", resp.StatusCode)
	}
	if c := sessionCookie(resp); c == nil || c.MaxAge >= 0 {
		t.Errorf("logout cookie %+v: want it deleted", c)
	}
	if resp, _ := f.do(t, "GET", "/api/v1/session", "", again); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("cookie reused after logout: %d, want 401", resp.StatusCode)
	}
	if resp, _ := f.do(t, "GET", "/api/v1/staff/me", "", again); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("staff route after logout: %d, want 401", resp.StatusCode)
	}
}

func TestLogoutEverywhere(t *testing.T) {
	f := newStaffFixture(t, false)
	laptop := f.login(t, "editor@example.org", nil)
	phone := f.login(t, "editor@example.org", nil)
	other := f.login(t, "viewer@example.org", nil)
	if resp, _ := f.do(t, "GET", "/api/v1/staff/me", "", phone); resp.StatusCode != http.StatusOK {
		t.Fatalf("second session: %d", resp.StatusCode)
	}
	if resp, _ := f.do(t, "DELETE", "/api/v1/session?everywhere=true", "", laptop); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("logout everywhere: %d", resp.StatusCode)
	}
	for name, c := range map[string]*http.Cookie{"laptop": laptop, "phone": phone} {
		if resp, _ := f.do(t, "GET", "/api/v1/session", "", c); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s session after logout everywhere: %d, want 401", name, resp.StatusCode)
		}
	}
	if resp, _ := f.do(t, "GET", "/api/v1/session", "", other); resp.StatusCode != http.StatusOK {
		t.Errorf("another user's session ended too: %d", resp.StatusCode)
	}
	// A new login works again.
	c := f.login(t, "editor@example.org", nil)
	if resp, _ := f.do(t, "GET", "/api/v1/session", "", c); resp.StatusCode != http.StatusOK {
		t.Errorf("login after logout everywhere: %d", resp.StatusCode)
	}
}
