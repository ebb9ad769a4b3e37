package models_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"heard/models"
)

// readPage is evidence as the scrapers give it for a page they read: a
// listening session in Ohio.
func readPage(url string) models.Evidence {
	start := time.Date(2026, 3, 10, 18, 0, 0, 0, time.UTC)
	body := "<html><title>Listening session on the ESSA plan</title><p>Parents welcome.</p></html>"
	return models.Evidence{
		Fetch:    models.Fetch{URL: url, FinalURL: url + "?from=redirect", StatusCode: 200, StartedAt: t0, Bytes: len(body), Attempts: 1},
		Robots:   []models.Fetch{{URL: "https://advocates.example.org/robots.txt", StatusCode: 404, StartedAt: t0, Attempts: 1}},
		Snapshot: &models.Snapshot{MediaType: "text/html", Body: []byte(body), Text: "Listening session on the ESSA plan Parents welcome."},
		Activity: models.Activity{Type: models.TypeListeningSession, Title: "Listening session on the ESSA plan",
			Description: "Parents welcome.", URL: url, Start: &start, Phase: models.PhasePreDraft,
			Status: models.StatusHeld, TimeZone: "America/New_York", AudienceGroups: models.StringList{"parents"},
			Rules: models.JSONMap{"relevance": "relevance:engagement:listening+topic:essa"}},
		Classification: models.ClassRelevant,
	}
}

func publicReport(url string) models.Submission {
	return models.Submission{Jurisdiction: "oh", Origin: models.OriginPublic, URL: "  " + url + " ",
		Description: "The department held a listening session in Dayton.", Organization: "Parents for Ohio Schools",
		Contact: "maria@example.org", Credit: true}
}

func TestAddSubmissionQueuesAnUntrustedActivity(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	url := "https://advocates.example.org/dayton"
	sub, act, err := s.AddSubmission(ctx, publicReport(url), readPage(url), t0)
	if err != nil {
		t.Fatal(err)
	}
	if sub.ID == 0 || sub.Jurisdiction != "OH" || sub.URL != url || sub.Status != "fetched" ||
		sub.Classification != models.ClassRelevant || sub.SnapshotSHA256 == nil || sub.MediaType != "text/html" ||
		sub.ActivityID == nil || *sub.ActivityID != act.ID || sub.FinalURL != url+"?from=redirect" {
		t.Errorf("submission as stored: %+v", sub)
	}
	if act.Origin != models.OriginPublic || act.ReviewStatus != "new" || act.DedupeKey != "submission:"+strconv.FormatInt(sub.ID, 10) ||
		act.Type != models.TypeListeningSession || !act.Withheld() || act.ReportedBy != "" {
		t.Errorf("activity as stored: %+v", act)
	}
	if len(act.Sources) != 1 || act.Sources[0].SubmissionID != sub.ID || act.Sources[0].SourceID != 0 ||
		act.Sources[0].SnapshotSHA256 != *sub.SnapshotSHA256 || act.Sources[0].URL != url+"?from=redirect" {
		t.Errorf("provenance: %+v", act.Sources)
	}
	var fetches []struct {
		Purpose string  `db:"purpose"`
		SHA     *string `db:"sha256"`
		Source  *int64  `db:"source_id"`
	}
	if err := s.DB().SelectContext(ctx, &fetches, `SELECT purpose, sha256, source_id FROM fetches
		WHERE submission_id = $1 ORDER BY id`, sub.ID); err != nil {
		t.Fatal(err)
	}
	if len(fetches) != 2 || fetches[0].Purpose != "submission" || fetches[0].SHA == nil || fetches[0].Source != nil ||
		fetches[1].Purpose != "robots" {
		t.Errorf("fetches of the submission: %+v", fetches)
	}

	// Untrusted: in no public list, no export and no score until accepted,
	// but in the review queue.
	before, err := s.Rescore(ctx, "OH", t0, "manual")
	if err != nil {
		t.Fatal(err)
	}
	if listed, total, _ := s.Activities(ctx, models.ActivityFilter{Jurisdiction: "OH"}); total != 0 || len(listed) != 0 {
		t.Errorf("a public report nobody reviewed is listed: %d", total)
	}
	if _, total, _ := s.Activities(ctx, models.ActivityFilter{Jurisdiction: "OH", IncludeWithheld: true}); total != 1 {
		t.Errorf("IncludeWithheld lists %d, want 1", total)
	}
	if n := exportedActivities(t, s); n != 0 {
		t.Errorf("the export holds %d withheld activities", n)
	}
	queue, _, err := s.ReviewQueue(ctx, 10, 0)
	if err != nil || len(queue) != 1 || queue[0].ID != act.ID {
		t.Fatalf("review queue %v, %v; want the report", queue, err)
	}
	if before.EvidenceCount != 0 {
		t.Errorf("the score counted %d activities before the report was accepted", before.EvidenceCount)
	}
	if withheld, err := s.SnapshotWithheld(ctx, *sub.SnapshotSHA256); err != nil || !withheld {
		t.Errorf("the page of a report nobody reviewed: withheld %v, %v", withheld, err)
	}

	if _, _, err := s.ReviewActivity(ctx, act.ID, "accepted", "", "editor@example.org", t0); err != nil {
		t.Fatal(err)
	}
	accepted := mustActivity(t, ctx, s, act.ID)
	if accepted.Withheld() || accepted.ReportedBy != "Parents for Ohio Schools" {
		t.Errorf("accepted report: withheld %v, reported by %q", accepted.Withheld(), accepted.ReportedBy)
	}
	after, err := s.Rescore(ctx, "OH", t0, "manual")
	if err != nil {
		t.Fatal(err)
	}
	if after.EvidenceCount != 1 {
		t.Errorf("the accepted report counts as %d pieces of evidence, want 1", after.EvidenceCount)
	}
	if _, total, _ := s.Activities(ctx, models.ActivityFilter{Jurisdiction: "OH"}); total != 1 || exportedActivities(t, s) != 1 {
		t.Errorf("the accepted report is not listed and exported: %d", total)
	}
	if withheld, _ := s.SnapshotWithheld(ctx, *sub.SnapshotSHA256); withheld {
		t.Error("the page of an accepted report is still withheld")
	}
}

func exportedActivities(t *testing.T, s *models.Store) int {
	t.Helper()
	n := 0
	if err := s.ActivityRows(t.Context(), "OH", func(models.ActivityRow) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSubmissionCredit(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	for _, tc := range []struct {
		name   string
		sub    func(*models.Submission)
		review string
		want   string
	}{
		{"consented and accepted", func(*models.Submission) {}, "accepted", "Parents for Ohio Schools"},
		{"no consent", func(s *models.Submission) { s.Credit = false }, "accepted", ""},
		{"rejected", func(*models.Submission) {}, "rejected", ""},
		{"staff evidence", func(s *models.Submission) { s.Origin = models.OriginStaff }, "accepted", ""},
	} {
		url := "https://advocates.example.org/" + strings.ReplaceAll(tc.name, " ", "-")
		sub := publicReport(url)
		tc.sub(&sub)
		_, act, err := s.AddSubmission(ctx, sub, readPage(url), t0)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if _, _, err := s.ReviewActivity(ctx, act.ID, tc.review, "duplicate", "editor@example.org", t0); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := mustActivity(t, ctx, s, act.ID).ReportedBy; got != tc.want {
			t.Errorf("%s: reported by %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestStaffSubmissionCountsAtOnce(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	url := "https://doe.example.gov/oh/session"
	sub := models.Submission{Jurisdiction: "OH", Origin: models.OriginStaff, URL: url, SubmittedBy: "editor@example.org"}
	_, act, err := s.AddSubmission(ctx, sub, readPage(url), t0)
	if err != nil {
		t.Fatal(err)
	}
	if act.Origin != models.OriginStaff || act.Withheld() || act.ReviewStatus != "new" {
		t.Errorf("staff evidence: %+v", act)
	}
	if _, total, _ := s.Activities(ctx, models.ActivityFilter{Jurisdiction: "OH"}); total != 1 {
		t.Errorf("staff evidence is not listed: %d", total)
	}
}

// TestFailedSubmissionIsKept: a URL that could not be read still gives a
// submission and an activity queued for review, whose stored copy is the
// report itself: the URL and what happened, never who sent it.
func TestFailedSubmissionIsKept(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	url := "http://10.0.0.1/admin"
	ev := models.Evidence{
		Fetch:          models.Fetch{URL: url, StartedAt: t0, Error: "forbidden network address 10.0.0.1:80"},
		Activity:       models.Activity{Title: "The department held a listening session in Dayton.", Type: models.TypeListeningSession},
		Classification: models.ClassUnread,
		Error:          "forbidden network address 10.0.0.1:80",
	}
	sub, act, err := s.AddSubmission(ctx, publicReport(url), ev, t0)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Status != "failed" || sub.Classification != models.ClassUnread || sub.SnapshotSHA256 != nil ||
		!strings.Contains(sub.Error, "forbidden network address") {
		t.Errorf("failed submission: %+v", sub)
	}
	if act.Status != models.StatusUnknown || act.Phase != models.PhasePreDraft || act.TimeZone != "America/New_York" ||
		act.URL != url || len(act.Sources) != 1 || !act.Withheld() {
		t.Errorf("activity of a failed submission: %+v", act)
	}
	snap, err := s.SnapshotBySHA256(ctx, act.Sources[0].SnapshotSHA256)
	if err != nil {
		t.Fatal(err)
	}
	body := string(snap.Body)
	if !strings.Contains(body, url) || !strings.Contains(body, "listening session in Dayton") ||
		strings.Contains(body, "maria@example.org") || strings.Contains(body, "Parents for Ohio") {
		t.Errorf("report snapshot %q", body)
	}
	if !strings.Contains(act.Sources[0].Note, "could not be read") {
		t.Errorf("source note %q", act.Sources[0].Note)
	}
	if withheld, _ := s.SnapshotWithheld(ctx, snap.SHA256); !withheld {
		t.Error("the report of an unreviewed submission is served to the public")
	}
	var fetchErr string
	if err := s.DB().GetContext(ctx, &fetchErr, `SELECT error FROM fetches WHERE submission_id = $1`, sub.ID); err != nil ||
		!strings.Contains(fetchErr, "forbidden") {
		t.Errorf("fetch error %q, %v", fetchErr, err)
	}
}

func TestSubmissionValidation(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	long := func(n int) string { return strings.Repeat("x", n) }
	for _, tc := range []struct {
		name   string
		mutate func(*models.Submission)
		field  string
	}{
		{"no url", func(s *models.Submission) { s.URL = "" }, "url"},
		{"javascript url", func(s *models.Submission) { s.URL = "javascript:alert(1)" }, "url"},
		{"file url", func(s *models.Submission) { s.URL = "file:///etc/passwd" }, "url"},
		{"url without host", func(s *models.Submission) { s.URL = "https:///path" }, "url"},
		{"url with a space", func(s *models.Submission) { s.URL = "https://a.example/x y" }, "url"},
		{"url too long", func(s *models.Submission) { s.URL = "https://a.example/" + long(2048) }, "url"},
		{"no description", func(s *models.Submission) { s.Description = "  " }, "description"},
		{"description too long", func(s *models.Submission) { s.Description = long(models.MaxSubmissionDescription + 1) }, "description"},
		{"NUL in description", func(s *models.Submission) { s.Description = "a\x00b" }, "description"},
		{"invalid UTF-8", func(s *models.Submission) { s.Organization = "\xff" }, "organization"},
		{"organization too long", func(s *models.Submission) { s.Organization = long(201) }, "organization"},
		{"contact too long", func(s *models.Submission) { s.Contact = long(201) }, "contact"},
		{"bad code", func(s *models.Submission) { s.Jurisdiction = "Ohio" }, "jurisdiction"},
		{"unknown jurisdiction", func(s *models.Submission) { s.Jurisdiction = "ZZ" }, "jurisdiction"},
		{"bad origin", func(s *models.Submission) { s.Origin = "robot" }, "origin"},
	} {
		sub := publicReport("https://advocates.example.org/x")
		tc.mutate(&sub)
		_, _, err := s.AddSubmission(ctx, sub, readPage(sub.URL), t0)
		var verr *models.ValidationError
		if !errors.As(err, &verr) || verr.Fields[tc.field] == "" {
			t.Errorf("%s: %v, want a validation error on %s", tc.name, err, tc.field)
		}
	}
	// A staff member's note may be empty; the longest allowed fields pass.
	ok := models.Submission{Jurisdiction: "pr", Origin: models.OriginStaff, URL: "https://a.example/" + long(2048-18),
		Organization: long(200), Contact: long(200), Description: strings.Repeat("é", models.MaxSubmissionDescription)}
	if _, _, err := s.AddSubmission(ctx, ok, readPage(ok.URL), t0); err != nil {
		t.Errorf("a submission at every limit: %v", err)
	}
	if n := count(t, ctx, s, "submissions"); n != 1 {
		t.Errorf("%d submissions stored, want only the valid one", n)
	}
}

// TestSnapshotWithheldOnlyWhenOnlyReportsPointToIt: a page a source also
// fetched is public whatever a report says.
func TestSnapshotWithheldOnlyWhenOnlyReportsPointToIt(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	url := "https://doe.example.gov/oh/essa"
	sub, _, err := s.AddSubmission(ctx, publicReport(url), readPage(url), t0)
	if err != nil {
		t.Fatal(err)
	}
	src := mustSource(t, ctx, s, "OH", url)
	if _, err := s.InsertFetch(ctx, models.Fetch{SourceID: src.ID, URL: url, StatusCode: 200, StartedAt: t0,
		SHA256: sub.SnapshotSHA256}); err != nil {
		t.Fatal(err)
	}
	if withheld, err := s.SnapshotWithheld(ctx, *sub.SnapshotSHA256); err != nil || withheld {
		t.Errorf("a page a source fetched: withheld %v, %v", withheld, err)
	}
	if withheld, err := s.SnapshotWithheld(ctx, strings.Repeat("0", 64)); err != nil || withheld {
		t.Errorf("an unknown snapshot: withheld %v, %v", withheld, err)
	}
}

// TestProvenanceHasExactlyOneOrigin: the database refuses a fetch or an
// activity source that names neither a source nor a submission, or both.
func TestProvenanceHasExactlyOneOrigin(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	f := newFixture(t, ctx, s, "OH")
	id, _ := mustUpsert(t, ctx, s, newActivity("OH", "k"), f.from(t0))
	sub, _, err := s.AddSubmission(ctx, publicReport("https://a.example/r"), readPage("https://a.example/r"), t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct {
		name string
		sql  string
		args []any
	}{
		{"fetch of nothing", `INSERT INTO fetches (url, started_at) VALUES ('https://a.example/', now())`, nil},
		{"fetch of both", `INSERT INTO fetches (source_id, submission_id, url, started_at) VALUES ($1, $2, 'https://a.example/', now())`,
			[]any{f.src.ID, sub.ID}},
		{"source of nothing", `INSERT INTO activity_sources (activity_id, url, snapshot_sha256, retrieved_at, last_seen_at)
			VALUES ($1, 'https://a.example/z', $2, now(), now())`, []any{id, f.snap}},
	} {
		if _, err := s.DB().ExecContext(ctx, q.sql, q.args...); err == nil {
			t.Errorf("%s: stored", q.name)
		}
	}
}
