package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"heard/models/modeltest"
)

func TestAPITokens(t *testing.T) {
	store := modeltest.NewStore(t)
	ctx := context.Background()
	tok, secret, err := store.CreateAPIToken(ctx, "Policy lab", "admin@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if tok.LastUsedAt != nil || len(secret) < 40 {
		t.Fatalf("new token %+v, secret %q", tok, secret)
	}
	h, err := New(store, slog.New(slog.NewTextHandler(io.Discard, nil)),
		// A slow refill (one request in 1,000 s, a token ten times that) keeps
		// the burst the only allowance however slowly the requests run.
		Options{Now: func() time.Time { return testNow }, RateLimit: 0.001, RateBurst: 2})
	if err != nil {
		t.Fatal(err)
	}
	engine := NewEngine(h)
	get := func(auth, ip string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/rubric", nil)
		req.RemoteAddr = ip
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		engine.ServeHTTP(w, req)
		return w
	}
	// Anonymous clients get the per-client burst (2); a token ten times it.
	for i := range 3 {
		if w := get("", "192.0.2.1:1"); (i < 2) != (w.Code == http.StatusOK) {
			t.Errorf("anonymous request %d: %d", i+1, w.Code)
		}
	}
	for i := range 20 {
		if w := get("Bearer "+secret, "192.0.2.1:1"); w.Code != http.StatusOK {
			t.Fatalf("token request %d: %d", i+1, w.Code)
		}
	}
	if w := get("Bearer "+secret, "192.0.2.1:1"); w.Code != http.StatusTooManyRequests {
		t.Errorf("token request over its own burst: %d", w.Code)
	}
	list, _ := store.APITokens(ctx)
	if list[0].LastUsedAt == nil || !list[0].LastUsedAt.Equal(testNow) {
		t.Errorf("last used %v, want %v", list[0].LastUsedAt, testNow)
	}
	for _, auth := range []string{"Bearer heard_not-a-real-token", "Basic Zm9vOmJhcg==", "Bearer " + secret + "x"} {
		if w := get(auth, "192.0.2.9:1"); w.Code != http.StatusUnauthorized {
			t.Errorf("%q: %d, want 401", auth, w.Code)
		}
	}
	if _, err := store.RevokeAPIToken(ctx, tok.ID, testNow); err != nil {
		t.Fatal(err)
	}
	if w := get("Bearer "+secret, "192.0.2.10:1"); w.Code != http.StatusUnauthorized {
		t.Errorf("revoked token: %d, want 401", w.Code)
	}
	// Read-only: a token is no session, so writes stay refused.
	req := httptest.NewRequest(http.MethodPut, "/api/v1/jurisdictions/OH/criteria/comment/override", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	w := httptest.NewRecorder()
	engine.ServeHTTP(w, req)
	if w.Code != http.StatusUnauthorized {
		t.Errorf("write with a token: %d, want 401", w.Code)
	}
}
