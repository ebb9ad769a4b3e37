package handlers

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"heard/models"
	"heard/models/modeltest"
)

func columnNames[R any](cols []ExportColumn[R]) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

// getCSV fetches an export and parses it as RFC 4180 CSV, returning the
// header, the records and the raw body.
func (f *fixture) getCSV(t *testing.T, path, wantFilename string) ([]string, [][]string, []byte) {
	t.Helper()
	resp, body := f.get(t, path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d; body %s", path, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("GET %s: content type %q", path, ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="`+wantFilename+`"` {
		t.Errorf("GET %s: content disposition %q, want file %s", path, cd, wantFilename)
	}
	if !bytes.HasSuffix(body, []byte("\r\n")) || bytes.Count(body, []byte("\r\n")) < 1 {
		t.Errorf("GET %s: lines do not end in CRLF", path)
	}
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = 0 // every record as long as the header
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("GET %s: not RFC 4180 CSV: %v\n%s", path, err, body)
	}
	if len(recs) == 0 {
		t.Fatalf("GET %s: no header row", path)
	}
	return recs[0], recs[1:], body
}

// getNDJSON fetches an export and decodes each line, checking that it is
// an object with exactly the keys named, in that order.
func (f *fixture) getNDJSON(t *testing.T, path string, keys []string) []map[string]any {
	t.Helper()
	resp, body := f.get(t, path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d; body %s", path, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-ndjson" {
		t.Errorf("GET %s: content type %q", path, ct)
	}
	var out []map[string]any
	for i, line := range strings.Split(strings.TrimSuffix(string(body), "\n"), "\n") {
		var got []string
		dec := json.NewDecoder(strings.NewReader(line))
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			t.Fatalf("line %d is not a JSON object: %s", i+1, line)
		}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				t.Fatalf("line %d: %v", i+1, err)
			}
			got = append(got, tok.(string))
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				t.Fatalf("line %d: %v", i+1, err)
			}
		}
		if !slices.Equal(got, keys) {
			t.Errorf("line %d keys %v, want %v", i+1, got, keys)
		}
		var row map[string]any
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		out = append(out, row)
	}
	return out
}

// scorecardByKey reads the scorecard API of a jurisdiction, by criterion key.
func (f *fixture) scorecardByKey(t *testing.T, code string) map[string]map[string]any {
	t.Helper()
	var card struct {
		Data struct {
			Criteria []map[string]any `json:"criteria"`
		} `json:"data"`
	}
	f.getJSON(t, "/api/v1/jurisdictions/"+code+"/scorecard", http.StatusOK, &card)
	out := map[string]map[string]any{}
	for _, c := range card.Data.Criteria {
		out[c["key"].(string)] = c
	}
	return out
}

func TestExportScorecardsCSV(t *testing.T) {
	f := newFixture(t)
	header, recs, _ := f.getCSV(t, "/api/v1/export/scorecards.csv", "heard-scorecards-2026-11-22.csv")
	if !slices.Equal(header, columnNames(ScorecardColumns)) {
		t.Fatalf("header %v, want %v", header, columnNames(ScorecardColumns))
	}
	// Only Ohio has been scored: one row per criterion, and no others.
	if len(recs) != 13 {
		t.Fatalf("%d rows, want 13 (Ohio's criteria)", len(recs))
	}
	at := func(rec []string, name string) string { return rec[slices.Index(header, name)] }
	api := f.scorecardByKey(t, "OH")
	for _, rec := range recs {
		key := at(rec, "criterion_key")
		want, ok := api[key]
		if !ok || at(rec, "jurisdiction") != "OH" || at(rec, "jurisdiction_name") != "Ohio" || at(rec, "rubric_version") != "1" {
			t.Errorf("row %v: not one of Ohio's criteria under rubric 1", rec)
			continue
		}
		if at(rec, "status") != want["status"] {
			t.Errorf("%s: status %q, API says %v", key, at(rec, "status"), want["status"])
		}
		wantScore := ""
		if s, ok := want["score"].(float64); ok {
			wantScore = strconv.Itoa(int(s))
		}
		if at(rec, "score") != wantScore {
			t.Errorf("%s: score %q, API says %q", key, at(rec, "score"), wantScore)
		}
		var ids []string
		for _, id := range want["evidence_ids"].([]any) {
			ids = append(ids, strconv.Itoa(int(id.(float64))))
		}
		if at(rec, "evidence_ids") != strings.Join(ids, " ") {
			t.Errorf("%s: evidence %q, API says %v", key, at(rec, "evidence_ids"), ids)
		}
		if at(rec, "override_score") != "" || at(rec, "demo") != "true" || at(rec, "level") == "" || at(rec, "rationale") == "" {
			t.Errorf("%s: override %q, demo %q, level %q", key, at(rec, "override_score"), at(rec, "demo"), at(rec, "level"))
		}
		if ts, err := time.Parse(time.RFC3339, at(rec, "computed_at")); err != nil || !ts.Equal(testNow) ||
			!strings.HasSuffix(at(rec, "computed_at"), "Z") {
			t.Errorf("%s: computed_at %q, want %s in UTC", key, at(rec, "computed_at"), testNow.Format(time.RFC3339))
		}
	}
	if at(recs[0], "criterion_key") != "groups" {
		t.Errorf("first row %s, want rubric order", at(recs[0], "criterion_key"))
	}

	// An explicit version answers the same; a bad one is refused, naming it.
	_, again, _ := f.getCSV(t, "/api/v1/export/scorecards.csv?rubric_version=1", "heard-scorecards-2026-11-22.csv")
	if len(again) != 13 {
		t.Errorf("rubric_version=1: %d rows", len(again))
	}
	for _, v := range []string{"abc", "0", "-1", "1.5"} {
		var e errorBody
		f.getJSON(t, "/api/v1/export/scorecards.csv?rubric_version="+v, http.StatusBadRequest, &e)
		if e.Error.Code != "invalid" || e.Error.Fields["rubric_version"] == "" {
			t.Errorf("rubric_version=%s: %+v, want rubric_version named", v, e)
		}
	}
	var e errorBody
	f.getJSON(t, "/api/v1/export/scorecards.ndjson?rubric_version=99", http.StatusNotFound, &e)
	if e.Error.Code != "not_found" {
		t.Errorf("rubric_version=99: %+v", e)
	}
}

func TestExportScorecardsNDJSON(t *testing.T) {
	f := newFixture(t)
	rows := f.getNDJSON(t, "/api/v1/export/scorecards.ndjson", columnNames(ScorecardColumns))
	if len(rows) != 13 {
		t.Fatalf("%d lines, want 13", len(rows))
	}
	api := f.scorecardByKey(t, "OH")
	for _, row := range rows {
		key, _ := row["criterion_key"].(string)
		want := api[key]
		if row["status"] != want["status"] || row["score"] != want["score"] || row["override_score"] != nil {
			t.Errorf("%s: status %v score %v override %v; API: %v %v", key, row["status"], row["score"],
				row["override_score"], want["status"], want["score"])
		}
		ids, ok := row["evidence_ids"].([]any)
		if !ok || !slices.Equal(ids, want["evidence_ids"].([]any)) {
			t.Errorf("%s: evidence_ids %v, API says %v", key, row["evidence_ids"], want["evidence_ids"])
		}
		if row["rubric_version"] != 1.0 || row["demo"] != true || row["computed_at"] != testNow.Format(time.RFC3339) {
			t.Errorf("%s: rubric_version %v demo %v computed_at %v", key, row["rubric_version"], row["demo"], row["computed_at"])
		}
	}
}

func TestExportActivitiesCSV(t *testing.T) {
	f := newFixture(t)
	// A title with every character CSV must quote.
	tricky := "Session \"one\", part 2\nsecond line, with \"quotes\""
	if _, err := f.store.DB().Exec(`UPDATE activities SET title = $1 WHERE id = $2`, tricky, f.activity); err != nil {
		t.Fatal(err)
	}
	header, recs, body := f.getCSV(t, "/api/v1/export/activities.csv", "heard-activities-2026-11-22.csv")
	if !slices.Equal(header, columnNames(ActivityColumns)) {
		t.Fatalf("header %v, want %v", header, columnNames(ActivityColumns))
	}
	if len(recs) != 3 {
		t.Fatalf("%d rows, want 3", len(recs))
	}
	if !bytes.HasPrefix(body, []byte(strings.Join(header, ",")+"\r\n")) {
		t.Errorf("header line does not end in CRLF: %q", body[:min(len(body), 80)])
	}
	at := func(rec []string, name string) string { return rec[slices.Index(header, name)] }
	found := false
	for _, rec := range recs {
		if at(rec, "source_url") != "http://127.0.0.1:1/feed.xml" || at(rec, "snapshot_sha256") != f.snapshot ||
			at(rec, "retrieved_at") != testNow.Format(time.RFC3339) {
			t.Errorf("activity %s: provenance %q %q %q", at(rec, "id"), at(rec, "source_url"), at(rec, "snapshot_sha256"), at(rec, "retrieved_at"))
		}
		if at(rec, "updated_at") == "" || at(rec, "demo") != "true" || at(rec, "first_seen") == "" {
			t.Errorf("activity %s: updated_at %q demo %q", at(rec, "id"), at(rec, "updated_at"), at(rec, "demo"))
		}
		if at(rec, "id") != itoa(f.activity) {
			continue
		}
		found = true
		if at(rec, "title") != tricky {
			t.Errorf("title %q did not round-trip, want %q", at(rec, "title"), tricky)
		}
		if at(rec, "languages") != "en;es" || at(rec, "audience_groups") != "parents;teachers" {
			t.Errorf("lists: languages %q, groups %q", at(rec, "languages"), at(rec, "audience_groups"))
		}
		if at(rec, "start") != "2026-11-25T07:00:00-05:00" || at(rec, "end") != "2026-11-25T09:00:00-05:00" {
			t.Errorf("start %q end %q, want Ohio time", at(rec, "start"), at(rec, "end"))
		}
		if at(rec, "remote") != "true" || at(rec, "interpretation") != "true" || at(rec, "plan_phase") != "pre_draft" {
			t.Errorf("flags: %v", rec)
		}
	}
	if !found {
		t.Fatalf("activity %d missing from the export", f.activity)
	}
	// encoding/csv writes a line break inside a field as CRLF too.
	if !bytes.Contains(body, []byte(`"Session ""one"", part 2`+"\r\n"+`second line, with ""quotes"""`)) {
		t.Errorf("title not quoted as RFC 4180 asks")
	}

	// The state filter.
	_, ohio, _ := f.getCSV(t, "/api/v1/export/activities.csv?state=oh", "heard-activities-oh-2026-11-22.csv")
	if len(ohio) != 3 {
		t.Errorf("state=oh: %d rows, want 3", len(ohio))
	}
	caHeader, ca, _ := f.getCSV(t, "/api/v1/export/activities.csv?state=CA", "heard-activities-ca-2026-11-22.csv")
	if len(ca) != 0 || !slices.Equal(caHeader, header) {
		t.Errorf("state=CA: %d rows, want the header alone", len(ca))
	}
	for _, path := range []string{"/api/v1/export/activities.csv?state=XX", "/api/v1/export/activities.ndjson?state=ohio"} {
		var e errorBody
		f.getJSON(t, path, http.StatusBadRequest, &e)
		if e.Error.Code != "invalid" || e.Error.Fields["state"] == "" {
			t.Errorf("%s: %+v, want state named", path, e)
		}
	}
}

func TestExportActivitiesNDJSON(t *testing.T) {
	f := newFixture(t)
	rows := f.getNDJSON(t, "/api/v1/export/activities.ndjson?state=OH", columnNames(ActivityColumns))
	if len(rows) != 3 {
		t.Fatalf("%d lines, want 3", len(rows))
	}
	for _, row := range rows {
		if row["source_url"] != "http://127.0.0.1:1/feed.xml" || row["snapshot_sha256"] != f.snapshot {
			t.Errorf("activity %v: provenance %v %v", row["id"], row["source_url"], row["snapshot_sha256"])
		}
		for _, list := range []string{"languages", "audience_groups", "features"} {
			if _, ok := row[list].([]any); !ok {
				t.Errorf("activity %v: %s is %T, want an array", row["id"], list, row[list])
			}
		}
		if row["id"] == float64(f.activity) {
			if row["title"] != "Listening session for parents & teachers" || row["start"] != "2026-11-25T07:00:00-05:00" {
				t.Errorf("activity %v: title %v start %v", row["id"], row["title"], row["start"])
			}
		} else if row["end"] != nil && row["title"] == "What we heard" {
			t.Errorf("activity %v: end %v, want null", row["id"], row["end"])
		}
	}
}

func TestDataPage(t *testing.T) {
	f := newFixture(t)
	resp, body := f.get(t, "/data")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/data: status %d", resp.StatusCode)
	}
	page := string(body)
	for _, col := range append(columnNames(ScorecardColumns), columnNames(ActivityColumns)...) {
		if !strings.Contains(page, `<th scope="row"><code>`+col+`</code></th>`) {
			t.Errorf("/data lacks column %s", col)
		}
	}
	for _, want := range []string{`href="/api/v1/export/scorecards.csv"`, `href="/api/v1/export/scorecards.ndjson"`,
		`href="/api/v1/export/activities.csv"`, `href="/api/v1/export/activities.ndjson"`, `href="/api/v1/jurisdictions"`,
		"<caption>Columns of the scorecards export", "<caption>Columns of the activities export", `<th scope="col">`,
		`<a href="/data">Data</a>`, "rubric_version", "updated_at", "demo", "the machine&#39;s score stands"} {
		if !strings.Contains(page, want) {
			t.Errorf("/data lacks %q", want)
		}
	}
}

// TestExportErrors checks both sides of the first byte: an error before it
// is a JSON error with its status, one after it drops the connection so
// the file cannot pass for complete.
func TestExportErrors(t *testing.T) {
	h := &Handler{log: slog.New(slog.NewTextHandler(io.Discard, nil)), opts: Options{Now: func() time.Time { return testNow }}}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	cols := ScorecardColumns[:2]
	failAfter := func(n int) gin.HandlerFunc {
		return func(c *gin.Context) {
			streamExport(h, c, "test", formatCSV, cols, func(fn func(models.ScorecardRow) error) error {
				for i := range n {
					if err := fn(models.ScorecardRow{Jurisdiction: "OH", JurisdictionName: strconv.Itoa(i)}); err != nil {
						return err
					}
				}
				return errors.New("connection to the database lost")
			})
		}
	}
	r.GET("/before", failAfter(0))
	r.GET("/after", failAfter(2*exportFlushEvery+1))
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)

	resp, err := http.Get(srv.URL + "/before")
	if err != nil {
		t.Fatal(err)
	}
	var e errorBody
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || resp.StatusCode != http.StatusInternalServerError ||
		e.Error.Code != "internal" || strings.Contains(e.Error.Message, "database") {
		t.Errorf("error before the first row: %d %+v (%v)", resp.StatusCode, e, err)
	}
	resp.Body.Close()

	resp, err = http.Get(srv.URL + "/after")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("error mid-stream: status %d, read error %v, want a truncated 200", resp.StatusCode, err)
	}
	if !bytes.HasPrefix(body, []byte("jurisdiction,jurisdiction_name\r\nOH,0\r\n")) {
		t.Errorf("rows before the error were not sent: %q", body[:min(len(body), 60)])
	}
}

// discardWriter is a ResponseWriter that counts the body and keeps none of
// it, so the benchmark measures the export rather than a buffer.
type discardWriter struct {
	header http.Header
	status int
	n      int64
}

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }
func (w *discardWriter) Flush()                      {}
func (w *discardWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// BenchmarkExportActivitiesCSV streams ~20,000 activities of one
// jurisdiction as CSV through the router.
func BenchmarkExportActivitiesCSV(b *testing.B) {
	const n = 20_000
	store := modeltest.NewStore(b)
	ctx := context.Background()
	src, err := store.UpsertSource(ctx, models.Source{Jurisdiction: "TX", Kind: models.KindHTML,
		URL: "https://tea.example.gov/essa", Name: "Bench", Enabled: true})
	if err != nil {
		b.Fatal(err)
	}
	sha, err := store.PutSnapshot(ctx, models.Snapshot{MediaType: "text/html", Body: []byte("<p>bench</p>"), Text: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	_, err = store.DB().ExecContext(ctx, `
		WITH ins AS (
			INSERT INTO activities (jurisdiction, dedupe_key, activity_type, title, description, url,
				start_at, end_at, time_zone, location, region, languages, audience_groups, features,
				plan_phase, status, content_hash, first_seen, last_seen, updated_at)
			SELECT 'TX', 'bench:' || g, 'listening_session', 'Listening session ' || g || ', "regional"',
				'Come and tell us what matters to you, about school accountability, in region ' || (g % 20) || '.',
				'https://tea.example.gov/events/' || g,
				$1::timestamptz + g * interval '1 hour', $1::timestamptz + g * interval '1 hour' + interval '2 hours',
				'America/Chicago', 'Region ' || (g % 20) || ' Education Service Center', 'Region ' || (g % 20),
				'{en,es}', '{parents,teachers,students}', '{evening}', 'draft', 'held',
				repeat('0', 64), $1, $1, $1
			FROM generate_series(1, $2) AS g
			RETURNING id
		)
		INSERT INTO activity_sources (activity_id, source_id, url, snapshot_sha256, retrieved_at, last_seen_at)
		SELECT id, $3, 'https://tea.example.gov/essa', $4, $1, $1 FROM ins`,
		testNow, n, src.ID, sha)
	if err != nil {
		b.Fatal(err)
	}
	// As autovacuum would before any real export.
	if _, err := store.DB().ExecContext(ctx, `ANALYZE activities, activity_sources`); err != nil {
		b.Fatal(err)
	}
	h, err := New(store, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{Now: func() time.Time { return testNow }, RateLimit: -1})
	if err != nil {
		b.Fatal(err)
	}
	engine := NewEngine(h)
	run := func() *discardWriter {
		w := &discardWriter{header: http.Header{}, status: http.StatusOK}
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/api/v1/export/activities.csv?state=TX", nil)
		engine.ServeHTTP(w, req)
		return w
	}
	first := run()
	if first.status != http.StatusOK || first.n == 0 {
		b.Fatalf("export: status %d, %d bytes", first.status, first.n)
	}
	b.SetBytes(first.n)
	b.ReportAllocs()
	for b.Loop() {
		if w := run(); w.n != first.n {
			b.Fatalf("export wrote %d bytes, then %d", first.n, w.n)
		}
	}
	b.ReportMetric(float64(n), "rows/op")
}
