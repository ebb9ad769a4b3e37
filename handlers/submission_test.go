package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"heard/models"
	"heard/models/modeltest"
	"heard/scrapers" // tests only: the handlers know the reader by its interface
)

// reportSite serves the pages people report, counting requests.
func reportSite(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	hits := &atomic.Int32{}
	page := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, body)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/session.html", page(`<html><head><title>Listening session on the ESSA state plan</title></head>
		<body><p>Join us March 3, 2027 at 6 p.m. in Dayton to share your input on Ohio's ESSA plan.</p></body></html>`))
	mux.HandleFunc("/roads.html", page(`<html><head><title>Road closures</title></head><body>Route 9 is closed.</body></html>`))
	mux.HandleFunc("/slow.html", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			return
		case <-time.After(700 * time.Millisecond):
		}
		page(`<html><head><title>Town hall on the ESSA plan</title></head></html>`)(w, r)
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, hits
}

// siteReader reads reports through a fetcher with the address guard on:
// letting the site through explicitly when allow is set, as serve lets
// the demo corpus through, and refusing it (a loopback address) otherwise.
func siteReader(site *httptest.Server, allow bool) *scrapers.EvidenceReader {
	opts := scrapers.FetcherOptions{HostInterval: -1, MaxRetries: -1}
	if allow {
		u, _ := url.Parse(site.URL)
		opts.AllowHosts = []string{u.Host}
	}
	return &scrapers.EvidenceReader{Fetcher: scrapers.NewFetcher(opts), Timeout: 10 * time.Second,
		Now: func() time.Time { return testNow }}
}

// lockedBuffer collects the log lines of a server's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// submitFixture is a served engine with staff users and an evidence
// reader over a site of reported pages.
type submitFixture struct {
	*staffFixture
	site *httptest.Server
	hits *atomic.Int32
	logs *lockedBuffer
}

func newSubmitFixture(t *testing.T, allow bool, opts Options) *submitFixture {
	t.Helper()
	store := modeltest.NewStore(t)
	for _, r := range models.Roles {
		if _, err := store.AddUser(context.Background(), string(r)+"@example.org", r, testPassword); err != nil {
			t.Fatal(err)
		}
	}
	site, hits := reportSite(t)
	logs := &lockedBuffer{}
	opts.Now = func() time.Time { return testNow }
	if opts.Evidence == nil {
		opts.Evidence = siteReader(site, allow)
	}
	h, err := New(store, slog.New(slog.NewTextHandler(logs, nil)), opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewEngine(h))
	t.Cleanup(srv.Close)
	return &submitFixture{staffFixture: &staffFixture{srv: srv, store: store, h: h}, site: site, hits: hits, logs: logs}
}

// post sends a body of the content type.
func (f *submitFixture) post(t *testing.T, path, contentType, body string, cookie *http.Cookie) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
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

// get reads a path anonymously.
func (f *submitFixture) get(t *testing.T, path string) (*http.Response, []byte) {
	t.Helper()
	resp, body := f.do(t, "GET", path, "", nil)
	return resp, []byte(body)
}

func (f *submitFixture) submissions(t *testing.T) []models.Submission {
	t.Helper()
	var out []models.Submission
	if err := f.store.DB().Select(&out, `SELECT id, jurisdiction, origin, url, description, organization, contact,
		credit, submitted_by, status, classification, error, final_url, media_type, snapshot_sha256, activity_id,
		created_at FROM submissions ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	return out
}

func jsonBody(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestStaffEvidence(t *testing.T) {
	f := newSubmitFixture(t, true, Options{})
	editor := f.login(t, "editor@example.org", nil)
	body := jsonBody(t, map[string]string{"jurisdiction": "oh", "url": f.site.URL + "/session.html", "note": "From the ODE events page"})
	resp, got := f.do(t, "POST", "/api/v1/staff/evidence", body, editor)
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Cache-Control") != "private, no-store" {
		t.Fatalf("staff evidence: %d %q %s", resp.StatusCode, resp.Header.Get("Cache-Control"), got)
	}
	var out struct {
		Data struct {
			Submission models.Submission `json:"submission"`
			Activity   models.Activity   `json:"activity"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(got), &out); err != nil {
		t.Fatal(err)
	}
	sub, act := out.Data.Submission, out.Data.Activity
	if sub.Origin != models.OriginStaff || sub.SubmittedBy != "editor@example.org" || sub.Status != "fetched" ||
		sub.Classification != models.ClassRelevant || sub.Description != "From the ODE events page" || sub.Jurisdiction != "OH" {
		t.Errorf("submission %+v", sub)
	}
	if act.Origin != models.OriginStaff || act.ReviewStatus != "new" || act.Type != models.TypeListeningSession ||
		act.Title != "Listening session on the ESSA state plan" || len(act.Sources) != 1 || act.Sources[0].SubmissionID != sub.ID {
		t.Errorf("activity %+v", act)
	}
	ctx := context.Background()
	entries, _, err := f.store.AuditLog(ctx, 10, 0)
	if err != nil || len(entries) != 1 || entries[0].Action != "evidence.submitted" ||
		entries[0].Target != "submission/"+itoa(sub.ID) || entries[0].Actor != "editor@example.org" {
		t.Errorf("audit %+v (%v)", entries, err)
	}
	// Staff evidence counts at once: the jurisdiction was rescored with it.
	card, err := f.store.LatestScorecard(ctx, "OH", 1)
	if err != nil || card.EvidenceCount != 1 {
		t.Errorf("rescore after staff evidence: %d (%v)", card.EvidenceCount, err)
	}
	if resp, got := f.get(t, "/api/v1/activities/"+itoa(act.ID)); resp.StatusCode != http.StatusOK ||
		!strings.Contains(string(got), `"origin":"staff"`) {
		t.Errorf("staff evidence is not public: %d %s", resp.StatusCode, got)
	}

	// Bad input is refused before anything is fetched.
	hits := f.hits.Load()
	bad := jsonBody(t, map[string]string{"jurisdiction": "ZZ", "url": "ftp://x.example/", "note": strings.Repeat("n", 4001)})
	resp, got = f.do(t, "POST", "/api/v1/staff/evidence", bad, editor)
	var e errorBody
	_ = json.Unmarshal([]byte(got), &e)
	if resp.StatusCode != http.StatusBadRequest || e.Error.Fields["jurisdiction"] == "" || e.Error.Fields["url"] == "" ||
		e.Error.Fields["note"] == "" || e.Error.Fields["description"] != "" {
		t.Errorf("bad evidence: %d %s", resp.StatusCode, got)
	}
	if resp, got := f.do(t, "POST", "/api/v1/staff/evidence", "not json", editor); resp.StatusCode != http.StatusBadRequest ||
		!strings.Contains(got, `"body"`) {
		t.Errorf("not JSON: %d %s", resp.StatusCode, got)
	}
	if f.hits.Load() != hits || len(f.submissions(t)) != 1 {
		t.Errorf("refused evidence was fetched or stored")
	}
}

// TestEvidenceOff: a server without an evidence reader says so.
func TestEvidenceOff(t *testing.T) {
	f := newStaffFixture(t, false)
	editor := f.login(t, "editor@example.org", nil)
	body := `{"jurisdiction":"OH","url":"https://a.example/","description":"x"}`
	if resp, got := f.do(t, "POST", "/api/v1/staff/evidence", body, editor); resp.StatusCode != http.StatusServiceUnavailable ||
		!strings.Contains(got, `"unavailable"`) {
		t.Errorf("staff evidence without a reader: %d %s", resp.StatusCode, got)
	}
	if resp, _ := f.do(t, "POST", "/api/v1/submissions", body, nil); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("public report without a reader: %d", resp.StatusCode)
	}
}

// TestPublicSubmission follows a report from anyone: received, untrusted
// (hidden from every public view, unscored), shown to staff with who sent
// it, and public with its credit once an editor accepts it.
func TestPublicSubmission(t *testing.T) {
	f := newSubmitFixture(t, true, Options{})
	org := `Parents <b>&</b> Teachers of Ohio`
	report := jsonBody(t, map[string]any{"jurisdiction": "OH", "url": f.site.URL + "/session.html",
		"description": "The department held a listening session in Dayton.", "organization": org,
		"contact": "maria@example.org", "credit": true})
	resp, got := f.do(t, "POST", "/api/v1/submissions", report, nil)
	if resp.StatusCode != http.StatusAccepted || !strings.Contains(got, `"status":"received"`) ||
		strings.Contains(got, "maria") || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("report: %d %s", resp.StatusCode, got)
	}
	subs := f.submissions(t)
	if len(subs) != 1 || subs[0].Origin != models.OriginPublic || subs[0].Contact != "maria@example.org" ||
		!subs[0].Credit || subs[0].Status != "fetched" || subs[0].ActivityID == nil || subs[0].SnapshotSHA256 == nil {
		t.Fatalf("stored %+v", subs)
	}
	id, snap := itoa(*subs[0].ActivityID), *subs[0].SnapshotSHA256
	title := "Listening session on the ESSA state plan"

	// Hidden from every public view.
	for _, path := range []string{"/api/v1/activities?state=OH", "/api/v1/jurisdictions/OH/activities",
		"/api/v1/export/activities.csv", "/api/v1/export/activities.ndjson", "/states/OH", "/es/states/OH",
		"/states/OH/feed.atom", "/states/OH/upcoming.ics", "/states/OH/widget"} {
		if resp, body := f.get(t, path); resp.StatusCode != http.StatusOK || strings.Contains(string(body), title) {
			t.Errorf("%s: %d, shows the unreviewed report: %v", path, resp.StatusCode, strings.Contains(string(body), title))
		}
	}
	for _, path := range []string{"/api/v1/activities/" + id, "/api/v1/activities/" + id + "/history", "/api/v1/snapshots/" + snap} {
		if resp, _ := f.get(t, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s anonymous: %d, want 404", path, resp.StatusCode)
		}
	}
	if card, err := f.store.Rescore(context.Background(), "OH", testNow, "manual"); err != nil || card.EvidenceCount != 0 {
		t.Errorf("the unreviewed report is scored: %d (%v)", card.EvidenceCount, err)
	}

	// Staff see it, privately, with who sent it.
	viewer := f.login(t, "viewer@example.org", nil)
	for _, path := range []string{"/api/v1/activities/" + id, "/api/v1/snapshots/" + snap} {
		if resp, _ := f.do(t, "GET", path, "", viewer); resp.StatusCode != http.StatusOK ||
			resp.Header.Get("Cache-Control") != "private, no-store" {
			t.Errorf("%s for staff: %d %q", path, resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
	}
	resp, got = f.do(t, "GET", "/api/v1/staff/review", "", viewer)
	var queue struct {
		Data []struct {
			ID         int64              `json:"id"`
			Origin     string             `json:"origin"`
			Submission *models.Submission `json:"submission"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(got), &queue); err != nil || resp.StatusCode != http.StatusOK || len(queue.Data) != 1 {
		t.Fatalf("review queue: %d %s (%v)", resp.StatusCode, got, err)
	}
	if q := queue.Data[0]; q.Origin != "public" || q.Submission == nil || q.Submission.Contact != "maria@example.org" ||
		q.Submission.Organization != org || !strings.Contains(q.Submission.Description, "Dayton") {
		t.Errorf("queued report %+v", q)
	}

	// Accepted: public, scored and credited, escaped, in both languages.
	editor := f.login(t, "editor@example.org", nil)
	if resp, got := f.do(t, "POST", "/api/v1/staff/activities/"+id+"/review", `{"decision":"accepted"}`, editor); resp.StatusCode != http.StatusOK {
		t.Fatalf("accept: %d %s", resp.StatusCode, got)
	}
	if card, err := f.store.LatestScorecard(context.Background(), "OH", 1); err != nil || card.EvidenceCount != 1 {
		t.Errorf("the accepted report is not scored: %d (%v)", card.EvidenceCount, err)
	}
	escaped := `Parents &lt;b&gt;&amp;&lt;/b&gt; Teachers of Ohio`
	for path, words := range map[string]string{"/states/OH": "Reported by " + escaped, "/es/states/OH": "Informado por " + escaped} {
		_, body := f.get(t, path)
		if !strings.Contains(string(body), title) || !strings.Contains(string(body), words) || strings.Contains(string(body), "<b>&</b>") {
			t.Errorf("%s lacks %q", path, words)
		}
		if strings.Contains(string(body), "maria@example.org") {
			t.Errorf("%s shows the submitter's contact", path)
		}
	}
	for _, path := range []string{"/api/v1/activities/" + id, "/api/v1/snapshots/" + snap, "/api/v1/export/activities.csv"} {
		resp, body := f.get(t, path)
		if resp.StatusCode != http.StatusOK || strings.Contains(string(body), "maria@example.org") {
			t.Errorf("%s after acceptance: %d, contact shown: %v", path, resp.StatusCode, strings.Contains(string(body), "maria"))
		}
	}
	if _, body := f.get(t, "/api/v1/activities/"+id); !strings.Contains(string(body), `"reported_by":"Parents \u003cb\u003e\u0026\u003c/b\u003e Teachers of Ohio"`) {
		t.Errorf("the API does not credit the organization: %s", body)
	}
}

// TestPublicSubmissionGuard: with the address guard on and no exception,
// a report of a private address is refused by the fetcher, and still kept
// for review with what the person said.
func TestPublicSubmissionGuard(t *testing.T) {
	f := newSubmitFixture(t, false, Options{})
	report := jsonBody(t, map[string]any{"jurisdiction": "OH", "url": f.site.URL + "/session.html",
		"description": "Town hall on the ESSA plan in Dayton"})
	if resp, got := f.do(t, "POST", "/api/v1/submissions", report, nil); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("report: %d %s", resp.StatusCode, got)
	}
	if f.hits.Load() != 0 {
		t.Errorf("%d requests reached the private address", f.hits.Load())
	}
	subs := f.submissions(t)
	if len(subs) != 1 || subs[0].Status != "failed" || subs[0].Classification != models.ClassUnread ||
		!strings.Contains(subs[0].Error, "forbidden network address") {
		t.Fatalf("stored %+v", subs)
	}
	viewer := f.login(t, "viewer@example.org", nil)
	if _, got := f.do(t, "GET", "/api/v1/staff/review", "", viewer); !strings.Contains(got, "Town hall on the ESSA plan in Dayton") ||
		!strings.Contains(got, `"status":"failed"`) {
		t.Errorf("the refused report is not queued: %s", got)
	}
}

func TestPublicSubmissionForm(t *testing.T) {
	f := newSubmitFixture(t, true, Options{})
	resp, body := f.get(t, "/submit?state=oh")
	page := string(body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `<option value="OH" selected>Ohio</option>`) ||
		!strings.Contains(page, `action="/submit" method="post"`) {
		t.Fatalf("form: %d", resp.StatusCode)
	}
	// Every field has a label; the honeypot is hidden from people.
	for _, id := range []string{"f-jurisdiction", "f-url", "f-description", "f-organization", "f-contact", "f-credit", "f-website"} {
		if !strings.Contains(page, `<label for="`+id+`">`) || !strings.Contains(page, `id="`+id+`"`) {
			t.Errorf("field %s has no label", id)
		}
	}
	if !strings.Contains(page, `<div class="hp" aria-hidden="true">`) ||
		!strings.Contains(page, `name="website" type="text" tabindex="-1" autocomplete="off"`) {
		t.Error("the honeypot is not hidden from people")
	}
	if _, body := f.get(t, "/states/OH"); !strings.Contains(string(body), `<a href="/submit?state=OH">Report an activity we missed</a>`) ||
		!strings.Contains(string(body), `<a href="/submit">`) {
		t.Error("the state page does not link to the form")
	}
	if _, body := f.get(t, "/es/states/OH"); !strings.Contains(string(body), `<a href="/es/submit?state=OH">Informar de una actividad que falta</a>`) {
		t.Error("the Spanish state page does not link to the Spanish form")
	}

	// A good post: thanks, and the report stored with its credit consent.
	form := url.Values{"jurisdiction": {"OH"}, "url": {f.site.URL + "/roads.html"}, "description": {"Board heard comment on ESSA."},
		"organization": {"Ohio PTA"}, "credit": {"on"}, "website": {""}}
	resp, got := f.post(t, "/submit", "application/x-www-form-urlencoded", form.Encode(), nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(got, "Thank you") || strings.Contains(got, `<form class="submit-form"`) {
		t.Fatalf("form post: %d", resp.StatusCode)
	}
	subs := f.submissions(t)
	if len(subs) != 1 || !subs[0].Credit || subs[0].Organization != "Ohio PTA" || subs[0].Classification != models.ClassUnsure {
		t.Fatalf("stored %+v", subs)
	}

	// The API takes a multipart form too.
	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	for k, v := range map[string]string{"jurisdiction": "pr", "url": f.site.URL + "/session.html", "description": "Sesión de escucha"} {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	if resp, got := f.post(t, "/api/v1/submissions", w.FormDataContentType(), mp.String(), nil); resp.StatusCode != http.StatusAccepted {
		t.Errorf("multipart report: %d %s", resp.StatusCode, got)
	}
	if subs := f.submissions(t); len(subs) != 2 || subs[1].Jurisdiction != "PR" || subs[1].Credit {
		t.Errorf("multipart report stored as %+v", subs[1:])
	}

	// A bad post in Spanish: 400, the fields named, what was typed kept
	// (escaped), nothing stored.
	bad := url.Values{"jurisdiction": {"ZZ"}, "url": {`javascript:alert("x")`}, "description": {""},
		"organization": {`<script>alert(1)</script>`}}
	resp, got = f.post(t, "/es/submit", "application/x-www-form-urlencoded", bad.Encode(), nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad form post: %d", resp.StatusCode)
	}
	for _, want := range []string{"Corrija lo siguiente", `<a href="#f-jurisdiction">Elija el estado`, `<a href="#f-url">Escriba la dirección web`,
		`<a href="#f-description">Cuente qué pasó`, `id="f-url-err"`, `aria-invalid="true"`, `value="&lt;script&gt;alert(1)&lt;/script&gt;"`} {
		if !strings.Contains(got, want) {
			t.Errorf("bad form post lacks %q", want)
		}
	}
	if strings.Contains(got, "<script>alert(1)") || len(f.submissions(t)) != 2 {
		t.Error("bad form post unescaped or stored")
	}
	if resp, _ := f.post(t, "/submit", "text/plain", "jurisdiction=OH", nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a body that is not a form: %d", resp.StatusCode)
	}
}

func TestPublicSubmissionRefusals(t *testing.T) {
	f := newSubmitFixture(t, true, Options{})
	for _, tc := range []struct {
		name, contentType, body string
		fields                  []string
	}{
		{"missing fields", "application/json", `{}`, []string{"jurisdiction", "url", "description"}},
		{"bad values", "application/json", jsonBody(t, map[string]any{"jurisdiction": "Ohio", "url": "file:///etc/passwd",
			"description": strings.Repeat("d", 4001), "organization": strings.Repeat("o", 201), "contact": strings.Repeat("c", 201)}),
			[]string{"jurisdiction", "url", "description", "organization", "contact"}},
		{"unknown state", "application/x-www-form-urlencoded", "jurisdiction=ZZ&url=https%3A%2F%2Fa.example%2F&description=x", []string{"jurisdiction"}},
		{"NUL", "application/json", `{"jurisdiction":"OH","url":"https://a.example/","description":"a\u0000b"}`, []string{"description"}},
		{"credit not a boolean", "application/json", `{"jurisdiction":"OH","url":"https://a.example/","description":"x","credit":"yes"}`, []string{"body"}},
		{"not JSON", "application/json", `{"jurisdiction":`, []string{"body"}},
		{"other type", "text/plain", "hello", []string{"body"}},
		{"too large", "application/x-www-form-urlencoded", "description=" + strings.Repeat("x", maxSubmissionBody), []string{"body"}},
	} {
		resp, got := f.post(t, "/api/v1/submissions", tc.contentType, tc.body, nil)
		var e errorBody
		if err := json.Unmarshal([]byte(got), &e); err != nil || resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d %.200s", tc.name, resp.StatusCode, got)
			continue
		}
		for _, field := range tc.fields {
			if e.Error.Fields[field] == "" {
				t.Errorf("%s: no error on %s: %v", tc.name, field, e.Error.Fields)
			}
		}
	}
	if n := len(f.submissions(t)); n != 0 || f.hits.Load() != 0 {
		t.Errorf("refused reports: %d stored, %d fetches", n, f.hits.Load())
	}
}

// TestPublicSubmissionHoneypot: a bot that fills the hidden field is
// answered as if its report were received; nothing is fetched or stored,
// and the drop is logged.
func TestPublicSubmissionHoneypot(t *testing.T) {
	f := newSubmitFixture(t, true, Options{})
	good := jsonBody(t, map[string]any{"jurisdiction": "OH", "url": f.site.URL + "/session.html", "description": "x"})
	_, real := f.do(t, "POST", "/api/v1/submissions", good, nil)
	bot := jsonBody(t, map[string]any{"jurisdiction": "OH", "url": f.site.URL + "/session.html", "description": "x",
		"website": "http://spam.example/"})
	resp, got := f.do(t, "POST", "/api/v1/submissions", bot, nil)
	if resp.StatusCode != http.StatusAccepted || got != real {
		t.Errorf("honeypot answer %d %s, want the same as a real report's %s", resp.StatusCode, got, real)
	}
	form := url.Values{"jurisdiction": {"OH"}, "url": {f.site.URL + "/session.html"}, "description": {"x"}, "website": {"spam"}}
	if resp, got := f.post(t, "/submit", "application/x-www-form-urlencoded", form.Encode(), nil); resp.StatusCode != http.StatusOK ||
		!strings.Contains(got, "Thank you") {
		t.Errorf("honeypot form post: %d", resp.StatusCode)
	}
	if n := len(f.submissions(t)); n != 1 {
		t.Errorf("%d submissions stored, want only the real one", n)
	}
	if strings.Count(f.logs.String(), "honeypot") != 2 {
		t.Errorf("honeypot drops not logged:\n%s", f.logs.String())
	}
}

// TestPublicSubmissionRateLimit: each client may send only a few reports;
// the API and the form answer 429 with Retry-After past them, and store
// nothing more.
func TestPublicSubmissionRateLimit(t *testing.T) {
	f := newSubmitFixture(t, true, Options{SubmissionRate: rate.Limit(1.0 / 3600), SubmissionBurst: 2})
	report := url.Values{"jurisdiction": {"OH"}, "url": {f.site.URL + "/roads.html"}, "description": {"x"}}.Encode()
	for i := range 2 {
		if resp, got := f.post(t, "/api/v1/submissions", "application/x-www-form-urlencoded", report, nil); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("report %d: %d %s", i+1, resp.StatusCode, got)
		}
	}
	resp, got := f.post(t, "/api/v1/submissions", "application/x-www-form-urlencoded", report, nil)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(got, "rate_limited") {
		t.Errorf("third report: %d %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), got)
	}
	resp, got = f.post(t, "/submit", "application/x-www-form-urlencoded", report, nil)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(got, "Too many reports") || resp.Header.Get("Retry-After") == "" {
		t.Errorf("form past the limit: %d", resp.StatusCode)
	}
	if n := len(f.submissions(t)); n != 2 {
		t.Errorf("%d submissions stored, want 2", n)
	}
	// The allowance is separate from the API's and from logins: reading
	// goes on.
	if resp, _ := f.get(t, "/api/v1/jurisdictions"); resp.StatusCode != http.StatusOK {
		t.Errorf("reading after the report limit: %d", resp.StatusCode)
	}
}

// TestPublicSubmissionOutlivesTheRequest: a submitter who gives up while
// Heard is still fetching the page still has the report kept.
func TestPublicSubmissionOutlivesTheRequest(t *testing.T) {
	f := newSubmitFixture(t, true, Options{})
	report := jsonBody(t, map[string]any{"jurisdiction": "OH", "url": f.site.URL + "/slow.html", "description": "Town hall"})
	client := &http.Client{Timeout: 200 * time.Millisecond}
	if resp, err := client.Post(f.srv.URL+"/api/v1/submissions", "application/json", strings.NewReader(report)); err == nil {
		resp.Body.Close()
		t.Fatalf("the client did not give up: %d", resp.StatusCode)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if subs := f.submissions(t); len(subs) == 1 {
			if subs[0].Status != "fetched" || subs[0].ActivityID == nil {
				t.Errorf("kept as %+v", subs[0])
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the report of a submitter who gave up was lost")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
