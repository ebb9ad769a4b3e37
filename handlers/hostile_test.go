package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"heard/models"
)

// TestScriptPayloadsAreEscaped: text from scraped pages is shown as text on
// every page and returned as data by the API, never as markup.
func TestScriptPayloadsAreEscaped(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	payload := `<script>alert("x")</script><img src=x onerror=alert(1)>'; DROP TABLE activities; --`
	a, err := f.store.ActivityByID(ctx, f.activity)
	if err != nil {
		t.Fatal(err)
	}
	a.Title, a.Location, a.Description = payload, payload, payload
	if _, _, err := f.store.UpsertActivity(ctx, a, a.Sources[0]); err != nil {
		t.Fatal(err)
	}
	rescoreAndPublish(t, f.store, "OH", testNow, "manual")
	// (upcoming.ics is text/calendar with nosniff: its text is no markup.)
	for _, path := range []string{"/", "/states/OH", "/es/states/OH", "/states/OH/widget", "/states/OH/feed.atom"} {
		resp, body := f.get(t, path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		if strings.Contains(string(body), "<script>alert") || strings.Contains(string(body), "<img src=x") {
			t.Errorf("%s renders the payload as markup", path)
		}
	}
	var got struct {
		Data models.Activity `json:"data"`
	}
	f.getJSON(t, "/api/v1/activities/"+itoa(f.activity), http.StatusOK, &got)
	if got.Data.Title != payload {
		t.Errorf("API title %q, want the payload as data", got.Data.Title)
	}
}

// TestSQLMetacharactersAreHarmless: every query parameter is bound, never
// spliced: metacharacters give an answer (or a 400), never a 500, and the
// data is still there afterwards.
func TestSQLMetacharactersAreHarmless(t *testing.T) {
	f := newFixture(t)
	// Hundreds of requests from one address: without the rate limit, so
	// that every one reaches its handler.
	h, err := New(f.store, slog.New(slog.NewTextHandler(io.Discard, nil)),
		Options{Now: func() time.Time { return testNow }, RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(NewEngine(h))
	t.Cleanup(f.srv.Close)
	evil := []string{`'`, `"`, `'; DROP TABLE activities; --`, `%' OR '1'='1`, `\`, `$1`, `) OR (1=1`}
	params := []string{"state", "type", "phase", "group", "from", "to", "upcoming", "q", "page", "per_page", "rubric_version", "version", "sort", "criterion"}
	paths := []string{"/api/v1/activities", "/api/v1/jurisdictions/OH/activities", "/api/v1/jurisdictions/OH/scorecard",
		"/api/v1/rubric", "/api/v1/sources", "/api/v1/export/activities.csv", "/", "/search"}
	for _, p := range paths {
		for _, param := range params {
			for _, v := range evil {
				resp, body := f.get(t, p+"?"+param+"="+url.QueryEscape(v))
				if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
					t.Errorf("%s?%s=%q: %d %s", p, param, v, resp.StatusCode, body)
				}
			}
		}
	}
	var list struct {
		Meta listMeta `json:"meta"`
	}
	f.getJSON(t, "/api/v1/jurisdictions/OH/activities", http.StatusOK, &list)
	if list.Meta.Total != 3 {
		t.Errorf("activities after the barrage: %d, want 3", list.Meta.Total)
	}
}
