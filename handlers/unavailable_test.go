package handlers

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"heard/models"
)

// TestDatabaseDownAnswers503: with the database unreachable, every kind of
// request — public JSON and pages in both languages, a signed-in editor's,
// a login, readiness — answers 503 at once with a Retry-After, never 500
// and never a wait. (cmd/heard's TestPostgresRestart stops a real server
// under a running heard.)
func TestDatabaseDownAnswers503(t *testing.T) {
	db, err := sqlx.Open("postgres", "postgres://heard@/heard?host=/nonexistent-heard-socket&sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h, err := New(models.NewStore(db), slog.New(slog.NewTextHandler(io.Discard, nil)),
		Options{Now: func() time.Time { return testNow }, Cache: NewResponseCache(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewEngine(h))
	t.Cleanup(srv.Close)
	session := &http.Cookie{Name: SessionCookie, Value: "a-session-token-the-database-would-know"}

	tests := []struct {
		method, path, body string
		cookie             *http.Cookie
		json               bool
		want               string // in the body
	}{
		{"GET", "/api/v1/jurisdictions", "", nil, true, `"code":"unavailable"`},
		{"GET", "/api/v1/jurisdictions/OH/scorecard", "", nil, true, `"code":"unavailable"`},
		{"GET", "/api/v1/activities?jurisdiction=OH", "", nil, true, `"code":"unavailable"`},
		{"GET", "/", "", nil, false, "Briefly unavailable"},
		{"GET", "/states/OH", "", nil, false, "Briefly unavailable"},
		{"GET", "/es/states/OH", "", nil, false, "No disponible por un momento"},
		{"GET", "/staff/", "", session, false, "Briefly unavailable"},
		{"GET", "/api/v1/staff/me", "", session, true, `"code":"unavailable"`},
		{"PUT", "/api/v1/jurisdictions/OH/criteria/comment/override", `{"score":3,"justification":"x"}`, session, true, `"code":"unavailable"`},
		{"POST", "/api/v1/session", `{"email":"editor@example.org","password":"correct horse battery"}`, nil, true, `"code":"unavailable"`},
		{"GET", "/states/OH/feed.atom", "", nil, false, "Briefly unavailable"},
		{"GET", "/states/OH/upcoming.ics", "", nil, false, "Briefly unavailable"},
		{"GET", "/states/OH/badge.svg", "", nil, false, "Briefly unavailable"},
		{"GET", "/states/OH/widget", "", nil, false, "Briefly unavailable"},
		{"GET", "/reply/a-reply-token", "", nil, false, "Briefly unavailable"},
		{"GET", "/api/v1/export/activities.csv", "", nil, true, `"code":"unavailable"`},
		{"GET", "/readyz", "", nil, true, `"status":"unavailable"`},
	}
	for _, tt := range tests {
		req, err := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		if tt.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if tt.cookie != nil {
			req.AddCookie(tt.cookie)
		}
		start := time.Now()
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.method, tt.path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		took := time.Since(start)
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), tt.want) {
			t.Errorf("%s %s: %d %.300s; want 503 with %s", tt.method, tt.path, resp.StatusCode, body, tt.want)
		}
		if took > 2*time.Second {
			t.Errorf("%s %s took %v; an unreachable database must fail fast", tt.method, tt.path, took)
		}
		if tt.path == "/readyz" {
			continue
		}
		if resp.Header.Get("Retry-After") != unavailableRetry || resp.Header.Get("Cache-Control") != cacheNone {
			t.Errorf("%s %s: Retry-After %q, Cache-Control %q; want %s and %s", tt.method, tt.path,
				resp.Header.Get("Retry-After"), resp.Header.Get("Cache-Control"), unavailableRetry, cacheNone)
		}
		if tt.json && !json.Valid(body) {
			t.Errorf("%s %s: not JSON: %s", tt.method, tt.path, body)
		}
	}
}
