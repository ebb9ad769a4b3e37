package handlers

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"heard/models"
	"heard/models/modeltest"
)

var testNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// fixture is a served engine over a fresh database holding one scored
// jurisdiction (Ohio) with a few activities.
type fixture struct {
	srv      *httptest.Server
	store    *models.Store
	activity int64
	snapshot string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	store := modeltest.NewStore(t)
	ctx := context.Background()
	src, err := store.UpsertSource(ctx, models.Source{Jurisdiction: "OH", Kind: models.KindRSS,
		URL: "http://127.0.0.1:1/feed.xml", Name: "Test feed", Enabled: true, Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	sha, err := store.PutSnapshot(ctx, models.Snapshot{MediaType: "text/html", Body: []byte("<p>Listening session <script>alert(1)</script></p>"), Text: "Listening session"})
	if err != nil {
		t.Fatal(err)
	}
	start := testNow.Add(72 * time.Hour)
	end := start.Add(2 * time.Hour)
	acts := []models.Activity{
		{Type: models.TypeListeningSession, Title: "Listening session for parents & teachers", Start: &start, End: &end,
			AudienceGroups: models.StringList{"parents", "teachers"}, Languages: models.StringList{"en", "es"},
			Interpretation: true, Phase: models.PhasePreDraft, Status: models.StatusScheduled, Remote: true},
		{Type: models.TypeCommentPeriod, Title: "Public comment on the draft plan", Start: ptr(testNow.Add(-10 * 24 * time.Hour)),
			End: ptr(testNow.Add(25 * 24 * time.Hour)), Phase: models.PhaseComment, Status: models.StatusScheduled,
			AudienceGroups: models.StringList{"public"}},
		{Type: models.TypeFeedbackSummary, Title: "What we heard", Start: ptr(testNow.Add(-40 * 24 * time.Hour)),
			Phase: models.PhaseDraft, Status: models.StatusHeld},
	}
	var first int64
	for i, a := range acts {
		a.Jurisdiction, a.TimeZone, a.Demo = "OH", "America/New_York", true
		a.DedupeKey = "test:" + a.Title
		id, _, err := store.UpsertActivity(ctx, a, models.ActivitySource{SourceID: src.ID,
			URL: "http://127.0.0.1:1/feed.xml", SnapshotSHA256: sha, RetrievedAt: testNow})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = id
		}
	}
	rescoreAndPublish(t, store, "OH", testNow, "manual")
	h, err := New(store, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewEngine(h))
	t.Cleanup(srv.Close)
	return &fixture{srv: srv, store: store, activity: first, snapshot: sha}
}

func ptr(t time.Time) *time.Time { return &t }

// rescoreAndPublish scores a jurisdiction and publishes the result through
// the whole workflow (draft, right of reply, published), as the public
// sees only published scorecards.
func rescoreAndPublish(t testing.TB, store *models.Store, code string, at time.Time, trigger string) {
	t.Helper()
	ctx := context.Background()
	if _, err := store.Rescore(ctx, code, at, trigger); err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.OpenReview(ctx, code, "editor@example.org", at); err != nil {
		t.Fatal(err)
	}
	req := models.ReplyRequest{Contact: "Agency contact", Due: at.Add(14 * 24 * time.Hour)}
	if _, _, err := store.RequestReply(ctx, code, req, "editor@example.org", at); err != nil {
		t.Fatal(err)
	}
	if _, err := store.PublishReview(ctx, code, "editor@example.org", at); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) get(t *testing.T, path string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(f.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func (f *fixture) getJSON(t *testing.T, path string, wantStatus int, out any) {
	t.Helper()
	resp, body := f.get(t, path)
	if resp.StatusCode != wantStatus {
		t.Fatalf("GET %s: status %d, want %d; body %s", path, resp.StatusCode, wantStatus, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("GET %s: content type %q", path, ct)
	}
	if err := json.Unmarshal(body, out); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, body)
	}
}

type errorBody struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

func TestJurisdictionsList(t *testing.T) {
	f := newFixture(t)
	var got struct {
		Data []struct {
			Code      string     `json:"code"`
			Name      string     `json:"name"`
			Overall   *float64   `json:"overall"`
			Level     string     `json:"level"`
			UpdatedAt *time.Time `json:"updated_at"`
			Demo      bool       `json:"demo"`
		} `json:"data"`
		Meta listMeta `json:"meta"`
	}
	f.getJSON(t, "/api/v1/jurisdictions", http.StatusOK, &got)
	if len(got.Data) != 52 || got.Meta.Total != 52 {
		t.Fatalf("got %d jurisdictions (meta total %d), want 52", len(got.Data), got.Meta.Total)
	}
	scored := 0
	for _, j := range got.Data {
		switch j.Code {
		case "OH":
			scored++
			if j.Overall == nil || j.UpdatedAt == nil || j.Level == "unscored" || !j.Demo {
				t.Errorf("Ohio: %+v, want a demo score with updated_at", j)
			}
		default:
			if j.Overall != nil || j.Level != "unscored" || j.UpdatedAt != nil {
				t.Errorf("%s: %+v, want unscored", j.Code, j)
			}
		}
	}
	if scored != 1 {
		t.Fatalf("Ohio missing from the list")
	}
}

func TestJurisdictionByCode(t *testing.T) {
	f := newFixture(t)
	for _, code := range []string{"OH", "oh", "Oh"} {
		var got struct {
			Data struct {
				Code string `json:"code"`
				Name string `json:"name"`
			} `json:"data"`
		}
		f.getJSON(t, "/api/v1/jurisdictions/"+code, http.StatusOK, &got)
		if got.Data.Code != "OH" || got.Data.Name != "Ohio" {
			t.Errorf("%s: got %+v", code, got.Data)
		}
	}
	for _, path := range []string{"/api/v1/jurisdictions/ZZ", "/api/v1/jurisdictions/ZZ/scorecard",
		"/api/v1/jurisdictions/ohio/activities", "/api/v1/activities/999999", "/api/v1/nope"} {
		var e errorBody
		f.getJSON(t, path, http.StatusNotFound, &e)
		if e.Error.Code != "not_found" || e.Error.Message == "" {
			t.Errorf("%s: error body %+v", path, e)
		}
	}
}

func TestScorecard(t *testing.T) {
	f := newFixture(t)
	var got struct {
		Data scorecardJSON `json:"data"`
	}
	f.getJSON(t, "/api/v1/jurisdictions/oh/scorecard", http.StatusOK, &got)
	card := got.Data
	if card.RubricVersion != 1 || len(card.Criteria) != 13 || card.ComputedAt == nil || !card.Demo {
		t.Fatalf("scorecard header: %+v", card)
	}
	byKey := map[string]criterionJSON{}
	for _, c := range card.Criteria {
		byKey[c.Key] = c
		if c.RubricVersion != 1 || c.Title == "" || c.Rationale == "" || c.EvidenceIDs == nil {
			t.Errorf("criterion %s incomplete: %+v", c.Key, c)
		}
		if (c.Status == models.StatusScored) != (c.Score != nil) {
			t.Errorf("criterion %s: status %s with score %v", c.Key, c.Status, c.Score)
		}
	}
	if c := byKey["language"]; c.Status != models.StatusScored || len(c.EvidenceIDs) != 1 || c.EvidenceIDs[0] != f.activity {
		t.Errorf("language criterion: %+v, want scored from activity %d", c, f.activity)
	}
	if c := byKey["tribal"]; c.Status != models.StatusNotApplicable || c.Score != nil {
		t.Errorf("tribal criterion in Ohio: %+v, want not applicable (no federally recognized tribes)", c)
	}
	if c := byKey["governor"]; c.Status != models.StatusNoEvidence || c.Score != nil || c.MachineStatus != models.StatusNoEvidence {
		t.Errorf("governor criterion: %+v, want no evidence", c)
	}
	// A jurisdiction never scored still has a full, explicit scorecard.
	f.getJSON(t, "/api/v1/jurisdictions/CA/scorecard", http.StatusOK, &got)
	if got.Data.Level != models.LevelUnscored || got.Data.ComputedAt != nil || len(got.Data.Criteria) != 13 {
		t.Errorf("unscored scorecard: %+v", got.Data)
	}
}

func TestActivities(t *testing.T) {
	f := newFixture(t)
	var got struct {
		Data []map[string]any `json:"data"`
		Meta listMeta         `json:"meta"`
	}
	f.getJSON(t, "/api/v1/jurisdictions/OH/activities?per_page=2", http.StatusOK, &got)
	if got.Meta.Total != 3 || got.Meta.PerPage != 2 || got.Meta.Page != 1 || len(got.Data) != 2 {
		t.Fatalf("page 1: meta %+v, %d rows", got.Meta, len(got.Data))
	}
	for _, key := range []string{"id", "jurisdiction", "activity_type", "title", "start", "end", "languages",
		"audience_groups", "plan_phase", "status", "sources", "updated_at", "demo"} {
		if _, ok := got.Data[0][key]; !ok {
			t.Errorf("activity JSON lacks %q: %v", key, got.Data[0])
		}
	}
	srcs := got.Data[0]["sources"].([]any)
	src := srcs[0].(map[string]any)
	if src["url"] != "http://127.0.0.1:1/feed.xml" || src["snapshot_sha256"] != f.snapshot || src["retrieved_at"] == nil {
		t.Errorf("provenance: %v", src)
	}
	if start, _ := got.Data[0]["start"].(string); !strings.HasSuffix(start, "-05:00") {
		t.Errorf("start %q not in Ohio's time zone", start)
	}
	f.getJSON(t, "/api/v1/jurisdictions/OH/activities?per_page=2&page=2", http.StatusOK, &got)
	if len(got.Data) != 1 || got.Meta.Total != 3 {
		t.Fatalf("page 2: meta %+v, %d rows", got.Meta, len(got.Data))
	}
	for query, field := range map[string]string{"page=0": "page", "page=x": "page", "per_page=500": "per_page", "per_page=-1": "per_page"} {
		var e errorBody
		f.getJSON(t, "/api/v1/jurisdictions/OH/activities?"+query, http.StatusBadRequest, &e)
		if e.Error.Code != "invalid" || e.Error.Fields[field] == "" {
			t.Errorf("%s: error %+v, want field %s named", query, e, field)
		}
	}
	var one struct {
		Data models.Activity `json:"data"`
	}
	f.getJSON(t, "/api/v1/activities/"+itoa(f.activity), http.StatusOK, &one)
	if one.Data.ID != f.activity || len(one.Data.Sources) != 1 {
		t.Errorf("activity by id: %+v", one.Data)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestRubric(t *testing.T) {
	f := newFixture(t)
	var got struct {
		Data models.Rubric `json:"data"`
	}
	f.getJSON(t, "/api/v1/rubric", http.StatusOK, &got)
	if got.Data.Version != 1 || len(got.Data.Criteria) != 13 || got.Data.TotalWeight() != 100 {
		t.Fatalf("rubric: version %d, %d criteria, weight %d", got.Data.Version, len(got.Data.Criteria), got.Data.TotalWeight())
	}
	if got.Data.Criteria[0].Key != "groups" || len(got.Data.Criteria[0].Anchors) != 5 {
		t.Errorf("first criterion: %+v", got.Data.Criteria[0])
	}
	var e errorBody
	f.getJSON(t, "/api/v1/rubric?version=abc", http.StatusBadRequest, &e)
	f.getJSON(t, "/api/v1/rubric?version=99", http.StatusNotFound, &e)
}

func TestSnapshotIsServedInert(t *testing.T) {
	f := newFixture(t)
	resp, body := f.get(t, "/api/v1/snapshots/"+f.snapshot)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Listening session") {
		t.Fatalf("snapshot: %d %s", resp.StatusCode, body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") {
		t.Errorf("snapshot CSP %q does not sandbox the body", csp)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("snapshot lacks nosniff")
	}
	var e errorBody
	f.getJSON(t, "/api/v1/snapshots/not-a-hash", http.StatusBadRequest, &e)
	f.getJSON(t, "/api/v1/snapshots/"+strings.Repeat("0", 64), http.StatusNotFound, &e)
}

func TestHealth(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		var got map[string]string
		f.getJSON(t, path, http.StatusOK, &got)
		if got["status"] == "" {
			t.Errorf("%s: %v", path, got)
		}
	}
}

func TestPages(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		path   string
		status int
		want   []string
	}{
		{"/", 200, []string{`<h1>`, `href="/states/OH"`, `aria-label="Ohio, OH `, "Ranking", "Demonstration data",
			"Listening session for parents &amp; teachers", `class="tilemap `}},
		{"/states/OH", 200, []string{"<h1>Ohio</h1>", "Coverage of required stakeholder groups", "No evidence found",
			"/api/v1/snapshots/" + f.snapshot, `href="http://127.0.0.1:1/feed.xml"`, "Upcoming chances to be heard",
			"Public comment on the draft plan", "Demonstration data", "Rubric version", "Wed, Nov 25, 2026, 7:00 a.m. EST",
			"Where this evidence comes from", `class="health health-pending"`, "Test feed"}},
		{"/states/ZZ", 404, []string{"Not found"}},
		{"/methodology", 200, []string{"Methodology", "Tribal consultation", "weight 14", "Insufficient evidence",
			"searched, none found", "Ohio", "Puerto Rico", "Version 1, published"}},
		{"/no-such-page", 404, []string{"Page not found"}},
	}
	for _, tt := range tests {
		resp, body := f.get(t, tt.path)
		if resp.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d", tt.path, resp.StatusCode, tt.status)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s: content type %q", tt.path, ct)
		}
		for _, w := range tt.want {
			if !strings.Contains(string(body), w) {
				t.Errorf("%s: page lacks %q", tt.path, w)
			}
		}
		for _, external := range []string{`src="http`, `href="https://fonts`, `<script src="http`} {
			if strings.Contains(string(body), external) {
				t.Errorf("%s: page makes an external request (%s)", tt.path, external)
			}
		}
	}
	resp, _ := f.get(t, "/states/oh")
	if resp.Request.URL.Path != "/states/OH" {
		t.Errorf("lower-case state path ended at %s, want a redirect to /states/OH", resp.Request.URL.Path)
	}
	resp, body := f.get(t, "/static/style.css")
	if resp.StatusCode != 200 || !strings.Contains(string(body), ".tilemap") {
		t.Errorf("stylesheet: %d", resp.StatusCode)
	}
}

func TestSourcesAndHistory(t *testing.T) {
	f := newFixture(t)
	var srcs struct {
		Data []struct {
			URL    string `json:"url"`
			Health string `json:"health"`
			Demo   bool   `json:"demo"`
		} `json:"data"`
		Meta listMeta `json:"meta"`
	}
	f.getJSON(t, "/api/v1/sources?state=oh", http.StatusOK, &srcs)
	if srcs.Meta.Total != 1 || srcs.Data[0].Health != "pending" || !srcs.Data[0].Demo {
		t.Errorf("sources of Ohio: %+v", srcs)
	}
	f.getJSON(t, "/api/v1/sources?state=CA", http.StatusOK, &srcs)
	if srcs.Meta.Total != 0 || srcs.Data == nil {
		t.Errorf("sources of California: %+v, want an empty list", srcs)
	}
	var e errorBody
	f.getJSON(t, "/api/v1/sources?state=XX", http.StatusBadRequest, &e)
	if e.Error.Fields["state"] == "" {
		t.Errorf("unknown state: %+v", e)
	}

	// An update by a later scrape shows in the activity's history.
	ctx := context.Background()
	a, err := f.store.ActivityByID(ctx, f.activity)
	if err != nil {
		t.Fatal(err)
	}
	a.Title = "Listening session (moved online)"
	src := a.Sources[0]
	src.RetrievedAt = testNow.Add(time.Hour)
	if _, _, err := f.store.UpsertActivity(ctx, a, src); err != nil {
		t.Fatal(err)
	}
	var hist struct {
		Data []struct {
			Kind   string            `json:"kind"`
			Before map[string]any    `json:"before"`
			After  map[string]string `json:"after"`
		} `json:"data"`
	}
	f.getJSON(t, "/api/v1/activities/"+itoa(f.activity)+"/history", http.StatusOK, &hist)
	if len(hist.Data) != 1 || hist.Data[0].Kind != "updated" || hist.Data[0].After["title"] != "Listening session (moved online)" {
		t.Errorf("history: %+v", hist)
	}
	f.getJSON(t, "/api/v1/activities/999999/history", http.StatusNotFound, &e)
	f.getJSON(t, "/api/v1/activities/abc/history", http.StatusBadRequest, &e)
}

// TestHostileParameters: bytes the database would refuse and numbers out of
// range are answered as client errors, never as 500.
func TestHostileParameters(t *testing.T) {
	f := newFixture(t)
	for path, status := range map[string]int{
		"/api/v1/jurisdictions/a%00":                                   http.StatusNotFound,
		"/api/v1/jurisdictions/%00/activities":                         http.StatusNotFound,
		"/api/v1/jurisdictions/%FF%FE/scorecard":                       http.StatusNotFound,
		"/api/v1/rubric?version=99999999999":                           http.StatusBadRequest,
		"/api/v1/jurisdictions/OH/scorecard?rubric_version=9999999999": http.StatusBadRequest,
		"/api/v1/jurisdictions/OH/history?rubric_version=-1":           http.StatusBadRequest,
		"/api/v1/activities/99999999999999999999":                      http.StatusBadRequest,
	} {
		var e errorBody
		f.getJSON(t, path, status, &e)
		if e.Error.Code == "internal" || e.Error.Message == "" {
			t.Errorf("%s: %+v", path, e)
		}
	}
	resp, _ := f.get(t, "/states/%00")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/states/%%00: %d", resp.StatusCode)
	}
}

func TestHeadRequests(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/", "/states/OH", "/api/v1/jurisdictions", "/api/v1/rubric"} {
		req, _ := http.NewRequest(http.MethodHead, f.srv.URL+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || len(body) != 0 || resp.Header.Get("Content-Type") == "" {
			t.Errorf("HEAD %s: %d, %d body bytes, type %q", path, resp.StatusCode, len(body), resp.Header.Get("Content-Type"))
		}
	}
	req, _ := http.NewRequest(http.MethodHead, f.srv.URL+"/nope", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("HEAD /nope: %d", resp.StatusCode)
	}
}

func TestOverrideShownWithMachineScore(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.store.AddOverride(ctx, models.Override{Jurisdiction: "OH", RubricVersion: 1, CriterionKey: "comment",
		Kind: models.OverrideScore, Score: 4, Justification: "Second round documented in board minutes of May 3.",
		Author: "analyst@example.org"}); err != nil {
		t.Fatal(err)
	}
	rescoreAndPublish(t, f.store, "OH", testNow.Add(time.Minute), "override")
	var got struct {
		Data scorecardJSON `json:"data"`
	}
	f.getJSON(t, "/api/v1/jurisdictions/OH/scorecard", http.StatusOK, &got)
	var comment criterionJSON
	for _, c := range got.Data.Criteria {
		if c.Key == "comment" {
			comment = c
		}
	}
	if comment.Score == nil || *comment.Score != 4 || comment.MachineScore == nil || *comment.MachineScore == 4 ||
		comment.Override == nil || comment.Override.Author != "analyst@example.org" || got.Data.Trigger != "override" {
		t.Fatalf("comment criterion %+v (override %+v)", comment, comment.Override)
	}
	var overrides struct {
		Data []models.Override `json:"data"`
	}
	f.getJSON(t, "/api/v1/jurisdictions/OH/overrides", http.StatusOK, &overrides)
	if len(overrides.Data) != 1 || overrides.Data[0].ScoreValue == nil || *overrides.Data[0].ScoreValue != 4 {
		t.Errorf("override history %+v", overrides.Data)
	}
	var hist struct {
		Data []historyPoint `json:"data"`
	}
	f.getJSON(t, "/api/v1/jurisdictions/OH/history", http.StatusOK, &hist)
	if len(hist.Data) != 2 || hist.Data[1].Trigger != "override" || !hist.Data[0].ComputedAt.Before(hist.Data[1].ComputedAt) {
		t.Errorf("history %+v", hist.Data)
	}
	_, export := f.get(t, "/api/v1/export/scorecards.ndjson")
	var exported bool
	for _, line := range strings.Split(strings.TrimSpace(string(export)), "\n") {
		var row map[string]any
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatal(err)
		}
		if row["jurisdiction"] == "OH" && row["criterion_key"] == "comment" {
			exported = row["override_score"] == 4.0 && row["score"] == 4.0
		}
	}
	if !exported {
		t.Errorf("the scorecards export does not carry the override")
	}
	_, body := f.get(t, "/states/OH")
	for _, want := range []string{"Staff override", "Second round documented in board minutes of May 3.",
		"machine's score from the evidence alone: 2 of 4"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("state page lacks %q", want)
		}
	}
}
