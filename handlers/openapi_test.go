package handlers

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/jmoiron/sqlx"
	"golang.org/x/time/rate"

	"heard/models"
)

// loadSpec loads and validates the embedded OpenAPI document.
func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPISpec())
	if err != nil {
		t.Fatalf("load openapi.yaml: %v", err)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation(),
		openapi3.EnableSchemaFormatValidation(), openapi3.EnableSchemaPatternValidation()); err != nil {
		t.Fatalf("openapi.yaml is not a valid OpenAPI document: %v", err)
	}
	return doc
}

func TestOpenAPISpecIsValid(t *testing.T) {
	doc := loadSpec(t)
	if doc.Info == nil || doc.Info.Version == "" || !strings.Contains(doc.Info.Description, `{"data": …}`) {
		t.Errorf("info lacks a version or the description of the envelope")
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID == "" || op.Summary == "" {
				t.Errorf("%s %s: no operationId or summary", method, path)
			}
			if op.Responses.Status(http.StatusOK) == nil && op.Responses.Status(http.StatusCreated) == nil &&
				op.Responses.Status(http.StatusAccepted) == nil && op.Responses.Status(http.StatusNoContent) == nil {
				t.Errorf("%s %s: no 200, 201, 202 or 204 response", method, path)
			}
			if strings.HasPrefix(path, "/api/") && op.Responses.Status(http.StatusTooManyRequests) == nil {
				t.Errorf("%s %s: the API is rate limited but no 429 is documented", method, path)
			}
		}
	}
}

// ginPath turns gin's /a/:b into OpenAPI's /a/{b}.
var ginParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

func ginPath(p string) string { return ginParam.ReplaceAllString(p, "{$1}") }

// openWriteOps are the writes the spec lets through without a staff
// session: logging in and out, a state agency's reply, whose link is its
// credential, and a report from the public (openWrites in
// security_test.go lists their routes).
var openWriteOps = map[string]bool{
	"POST /api/v1/session":         true,
	"DELETE /api/v1/session":       true,
	"POST /api/v1/replies/{token}": true,
	"POST /api/v1/submissions":     true,
}

// TestOpenAPICoversEveryRoute: every route of the API, whatever its method,
// and the probes are in the spec, and every operation of the spec is a
// route. Every other write needs the staff session, and says so, with the
// 401 and 403 it answers.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	doc := loadSpec(t)
	h, err := New(nil, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	engine := NewEngine(h)
	routes := map[string]bool{} // "GET /api/v1/rubric"
	for _, r := range engine.Routes() {
		p := ginPath(r.Path)
		routes[r.Method+" "+p] = true
		if !strings.HasPrefix(p, "/api/") && p != "/healthz" && p != "/readyz" {
			continue
		}
		item := doc.Paths.Value(p)
		if item == nil || item.GetOperation(r.Method) == nil {
			t.Errorf("route %s %s is missing from openapi.yaml", r.Method, p)
		}
	}
	for p, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := method + " " + p
			if !routes[key] {
				t.Errorf("openapi.yaml documents %s, which is not a route", key)
			}
			staff := op.Security != nil && len(*op.Security) > 0
			if method != http.MethodGet && !staff && !openWriteOps[key] {
				t.Errorf("openapi.yaml documents %s with no staff session; the public API is read-only", key)
			}
			if staff && op.Responses.Status(http.StatusUnauthorized) == nil {
				t.Errorf("%s needs a staff session but documents no 401", key)
			}
			if staff && method != http.MethodGet && op.Responses.Status(http.StatusForbidden) == nil {
				t.Errorf("%s is a staff write but documents no 403", key)
			}
		}
	}
}

// workspacePath reports whether a path belongs to the staff workspace or
// an agency's reply, whose operations the staff tests exercise
// (TestOpenAPIStaffWorkflow, TestOpenAPIStaffAnnotations,
// TestOpenAPIStaffSources) rather than TestOpenAPIResponses.
func workspacePath(item *openapi3.PathItem) bool {
	for _, op := range item.Operations() {
		if !slices.Contains(op.Tags, "staff") && !slices.Contains(op.Tags, "replies") {
			return false
		}
	}
	return true
}

// specChecker validates requests and their real responses against the spec
// and records which statuses each documented path was seen to answer.
type specChecker struct {
	doc    *openapi3.T
	router routers.Router
	opts   *openapi3filter.Options
	seen   map[string]map[int]bool
	// seenOps is seen by operation ("POST /api/v1/staff/…"), filled by do.
	seenOps map[string]map[int]bool
}

func newSpecChecker(t *testing.T) *specChecker {
	doc := loadSpec(t)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	// NDJSON bodies are checked line by line in checkExport; the validator
	// itself only needs to read them as text.
	openapi3filter.RegisterBodyDecoder("application/x-ndjson", openapi3filter.PlainBodyDecoder)
	return &specChecker{doc: doc, router: router, seen: map[string]map[int]bool{}, seenOps: map[string]map[int]bool{},
		opts: &openapi3filter.Options{
			IncludeResponseStatus:   true,
			MultiError:              true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.EnableFormatValidation()},
			// Staff sessions are the server's to check; the spec's part is
			// the parameters and bodies.
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		}}
}

// apiCase is one real request and what it must answer.
type apiCase struct {
	method string // GET when empty
	path   string
	body   string // sent as JSON when not empty
	cookie *http.Cookie
	status int
	// offSpec marks a request the spec forbids (a bad parameter): it must
	// fail request validation, and the server's 4xx must still match the spec.
	offSpec     bool
	ifNoneMatch string
	// contentType is the body's media type; JSON when empty.
	contentType string
	// origin is sent as the Origin header, to play a browser on another site.
	origin string
}

// do sends the request to base and validates the request and the response.
func (s *specChecker) do(t *testing.T, base string, tc apiCase) (*http.Response, []byte) {
	t.Helper()
	method := cmp.Or(tc.method, http.MethodGet)
	// newReq makes the request afresh, so the validator can read the body
	// the client has already sent.
	newReq := func() *http.Request {
		req, err := http.NewRequest(method, base+tc.path, strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case tc.contentType != "":
			req.Header.Set("Content-Type", tc.contentType)
		case tc.body != "":
			req.Header.Set("Content-Type", "application/json")
		}
		if tc.ifNoneMatch != "" {
			req.Header.Set("If-None-Match", tc.ifNoneMatch)
		}
		if tc.origin != "" {
			req.Header.Set("Origin", tc.origin)
		}
		if tc.cookie != nil {
			req.AddCookie(tc.cookie)
		}
		return req
	}
	resp, err := http.DefaultClient.Do(newReq())
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != tc.status {
		t.Errorf("%s %s: status %d, want %d; body %.300s", method, tc.path, resp.StatusCode, tc.status, body)
		return resp, body
	}

	req := newReq()
	route, params, err := s.router.FindRoute(req)
	if err != nil {
		t.Errorf("%s %s: not in openapi.yaml: %v", method, tc.path, err)
		return resp, body
	}
	if s.seen[route.Path] == nil {
		s.seen[route.Path] = map[int]bool{}
	}
	s.seen[route.Path][resp.StatusCode] = true
	op := method + " " + route.Path
	if s.seenOps[op] == nil {
		s.seenOps[op] = map[int]bool{}
	}
	s.seenOps[op][resp.StatusCode] = true
	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: s.opts}
	err = openapi3filter.ValidateRequest(ctx, in)
	switch {
	case tc.offSpec && err == nil:
		t.Errorf("%s %s: the spec accepts this request; the server refused it with %d", method, tc.path, resp.StatusCode)
	case !tc.offSpec && err != nil:
		t.Errorf("%s %s: request does not match openapi.yaml: %v", method, tc.path, err)
	}

	if resp.StatusCode == http.StatusNotModified {
		// kin-openapi does not validate 304s: check them here.
		if route.Operation.Responses.Status(http.StatusNotModified) == nil {
			t.Errorf("GET %s: 304 is not documented", tc.path)
		}
		if len(body) != 0 || resp.Header.Get("ETag") == "" || resp.Header.Get("Cache-Control") == "" {
			t.Errorf("GET %s: 304 with %d body bytes, ETag %q, Cache-Control %q", tc.path, len(body),
				resp.Header.Get("ETag"), resp.Header.Get("Cache-Control"))
		}
		return resp, body
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode,
		Header: resp.Header, Options: s.opts}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("%s %s: %d response does not match openapi.yaml: %v\nbody: %.500s", method, tc.path, resp.StatusCode, err, body)
	}
	return resp, body
}

// schema returns a component schema.
func (s *specChecker) schema(t *testing.T, name string) *openapi3.Schema {
	t.Helper()
	ref := s.doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		t.Fatalf("openapi.yaml has no schema %s", name)
	}
	return ref.Value
}

// checkExport validates an export body: the CSV header is the row schema's
// columns in order and every record has them all; every NDJSON line is a
// row of the schema.
func (s *specChecker) checkExport(t *testing.T, path string, body []byte, rowSchema string, wantRows bool) {
	t.Helper()
	sc := s.schema(t, rowSchema)
	rows := 0
	if strings.Contains(path, ".csv") {
		recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatalf("%s: not CSV: %v", path, err)
		}
		if len(recs) == 0 || !slices.Equal(recs[0], sc.Required) {
			t.Errorf("%s: CSV header %v,\nwant the columns of %s %v", path, recs[:min(1, len(recs))], rowSchema, sc.Required)
		}
		rows = len(recs) - 1
	} else {
		for line := range strings.Lines(string(body)) {
			var v any
			if err := json.Unmarshal([]byte(line), &v); err != nil {
				t.Fatalf("%s: line %d is not JSON: %v", path, rows+1, err)
			}
			if err := sc.VisitJSON(v, openapi3.EnableFormatValidation(), openapi3.MultiErrors()); err != nil {
				t.Errorf("%s: line %d is not a %s: %v\n%s", path, rows+1, rowSchema, err, line)
			}
			rows++
		}
	}
	if wantRows && rows == 0 {
		t.Errorf("%s: no rows", path)
	}
}

// TestOpenAPIResponses sends real requests to every endpoint and validates
// each request and its response against openapi.yaml.
func TestOpenAPIResponses(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()

	// Give every record type something to show: an override in force, a
	// finished scrape run with a warning, a change in an activity's history.
	if _, err := f.store.AddOverride(ctx, models.Override{Jurisdiction: "OH", RubricVersion: 1, CriterionKey: "comment",
		Kind: models.OverrideScore, Score: 4, Justification: "Second round documented in board minutes.",
		Author: "analyst@example.org"}); err != nil {
		t.Fatal(err)
	}
	rescoreAndPublish(t, f.store, "OH", testNow.Add(time.Minute), "override")
	a, err := f.store.ActivityByID(ctx, f.activity)
	if err != nil {
		t.Fatal(err)
	}
	run, err := f.store.StartScrapeRun(ctx, a.Sources[0].SourceID, testNow)
	if err != nil {
		t.Fatal(err)
	}
	finished := testNow.Add(time.Second)
	run.FinishedAt, run.Status, run.Found, run.Updated = &finished, "ok", 1, 1
	run.Warn("detail page %s could not be read", "http://127.0.0.1:1/x")
	if err := f.store.FinishScrapeRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	a.Title = "Listening session (moved online)"
	src := a.Sources[0]
	src.RetrievedAt, src.ScrapeRunID = testNow.Add(time.Hour), &run.ID
	if _, _, err := f.store.UpsertActivity(ctx, a, src); err != nil {
		t.Fatal(err)
	}

	// An engine of our own without the rate limits, which this many
	// requests would otherwise reach, reading reported pages from a site of
	// its own, with staff to send evidence.
	site, _ := reportSite(t)
	h, err := New(f.store, slog.New(slog.NewTextHandler(io.Discard, nil)),
		Options{Now: func() time.Time { return testNow }, RateLimit: -1, SubmissionRate: -1, Evidence: siteReader(site, true)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewEngine(h))
	defer srv.Close()
	s := newSpecChecker(t)
	staff := map[models.Role]*http.Cookie{}
	for _, r := range []models.Role{models.RoleEditor, models.RoleViewer} {
		email := string(r) + "@example.org"
		if _, err := f.store.AddUser(ctx, email, r, testPassword); err != nil {
			t.Fatal(err)
		}
		resp, err := http.Post(srv.URL+"/api/v1/session", "application/json",
			strings.NewReader(`{"email":"`+email+`","password":"`+testPassword+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if staff[r] = sessionCookie(resp); staff[r] == nil {
			t.Fatalf("login %s: %d", email, resp.StatusCode)
		}
	}
	report := func(fields string) string {
		return `{"jurisdiction":"OH","url":"` + site.URL + `/session.html","description":"Listening session in Dayton."` + fields + `}`
	}
	const form, js = "application/x-www-form-urlencoded", "application/json"
	evidence := `{"jurisdiction":"oh","url":"` + site.URL + `/roads.html","note":"On the board page"}`
	writes := []apiCase{
		{method: "POST", path: "/api/v1/submissions", body: report(`,"organization":"Ohio PTA","contact":"a@example.org","credit":true`),
			contentType: js, status: 202},
		{method: "POST", path: "/api/v1/submissions", body: "jurisdiction=oh&url=" + url.QueryEscape(site.URL+"/missing") +
			"&description=Town+hall&credit=on", contentType: form, status: 202},
		{method: "POST", path: "/api/v1/submissions", body: report(`,"website":"http://spam.example/"`), contentType: js, status: 202},
		{method: "POST", path: "/api/v1/submissions", body: `{"jurisdiction":"ZZ","url":"https://a.example/","description":"x"}`,
			contentType: js, status: 400},
		{method: "POST", path: "/api/v1/submissions", body: `{"jurisdiction":"OH","url":"https://a.example/"}`, contentType: js,
			status: 400, offSpec: true},
		{method: "POST", path: "/api/v1/submissions", body: "hello", contentType: "text/plain", status: 400, offSpec: true},
		{method: "POST", path: "/api/v1/staff/evidence", body: evidence, contentType: js, cookie: staff[models.RoleEditor], status: 201},
		{method: "POST", path: "/api/v1/staff/evidence", body: `{"jurisdiction":"ZZ","url":"https://a.example/"}`, contentType: js,
			cookie: staff[models.RoleEditor], status: 400},
		{method: "POST", path: "/api/v1/staff/evidence", body: evidence, contentType: js, status: 401},
		{method: "POST", path: "/api/v1/staff/evidence", body: evidence, contentType: js, cookie: staff[models.RoleViewer], status: 403},
	}
	for _, tc := range writes {
		s.do(t, srv.URL, tc)
	}
	// A server that fetches nothing says so.
	hOff, err := New(f.store, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	srvOff := httptest.NewServer(NewEngine(hOff))
	defer srvOff.Close()
	s.do(t, srvOff.URL, apiCase{method: "POST", path: "/api/v1/submissions", body: report(""), contentType: js, status: 503})

	id := itoa(f.activity)
	zeros := strings.Repeat("0", 64)
	cases := []apiCase{
		{path: "/api/v1/jurisdictions", status: 200},

		{path: "/api/v1/jurisdictions/OH", status: 200},
		{path: "/api/v1/jurisdictions/oh", status: 200},
		{path: "/api/v1/jurisdictions/CA", status: 200}, // never scored: nulls
		{path: "/api/v1/jurisdictions/ZZ", status: 404},
		{path: "/api/v1/jurisdictions/ohio", status: 404, offSpec: true},

		{path: "/api/v1/jurisdictions/OH/scorecard", status: 200},
		{path: "/api/v1/jurisdictions/oh/scorecard?rubric_version=1", status: 200},
		{path: "/api/v1/jurisdictions/CA/scorecard", status: 200}, // unscored scorecard
		{path: "/api/v1/jurisdictions/OH/scorecard?rubric_version=99", status: 404},
		{path: "/api/v1/jurisdictions/ZZ/scorecard", status: 404},
		{path: "/api/v1/jurisdictions/OH/scorecard?rubric_version=0", status: 400, offSpec: true},
		{path: "/api/v1/jurisdictions/OH/scorecard?rubric_version=one", status: 400, offSpec: true},
		{path: "/api/v1/jurisdictions/OH/scorecard?rubric_version=9999999999", status: 400, offSpec: true},

		{path: "/api/v1/jurisdictions/OH/activities", status: 200},
		{path: "/api/v1/jurisdictions/OH/activities?type=listening_session&type=comment_period&group=parents&upcoming=true&per_page=1&page=2", status: 200},
		{path: "/api/v1/jurisdictions/OH/activities?phase=comment&from=2026-11-01&to=2026-12-31T23:59:59Z&q=comment", status: 200},
		{path: "/api/v1/jurisdictions/CA/activities", status: 200},
		{path: "/api/v1/jurisdictions/ZZ/activities", status: 404},
		{path: "/api/v1/jurisdictions/OH/activities?type=bogus&per_page=500", status: 400, offSpec: true},
		{path: "/api/v1/jurisdictions/OH/activities?from=2026-12-01&to=2026-11-01", status: 400},

		{path: "/api/v1/jurisdictions/OH/history", status: 200},
		{path: "/api/v1/jurisdictions/OH/history?rubric_version=1", status: 200},
		{path: "/api/v1/jurisdictions/CA/history", status: 200},
		{path: "/api/v1/jurisdictions/ZZ/history", status: 404},
		{path: "/api/v1/jurisdictions/OH/history?rubric_version=-1", status: 400, offSpec: true},

		{path: "/api/v1/jurisdictions/OH/overrides", status: 200},
		{path: "/api/v1/jurisdictions/CA/overrides?rubric_version=1", status: 200},
		{path: "/api/v1/jurisdictions/ZZ/overrides", status: 404},
		{path: "/api/v1/jurisdictions/OH/overrides?rubric_version=99", status: 404},
		{path: "/api/v1/jurisdictions/OH/overrides?rubric_version=x", status: 400, offSpec: true},

		{path: "/api/v1/activities", status: 200},
		{path: "/api/v1/activities?state=oh&type=listening_session&phase=pre_draft&group=teachers&from=2026-11-01&to=2026-12-31T00:00:00Z&q=listening&page=1&per_page=2", status: 200},
		{path: "/api/v1/activities?upcoming=false&state=", status: 200},
		{path: "/api/v1/activities?from=2026-03-02T09:00:00%2B01:00&to=2027-01-01T00:00:00-05:00", status: 200},
		{path: "/api/v1/activities?state=XX", status: 400},
		{path: "/api/v1/activities?from=2026-12-01&to=2026-11-30", status: 400},
		{path: "/api/v1/activities?state=Ohio&phase=later&group=aliens&from=yesterday&upcoming=maybe&page=0", status: 400, offSpec: true},
		{path: "/api/v1/activities?q=" + strings.Repeat("x", MaxQueryLen+1), status: 400, offSpec: true},

		{path: "/api/v1/activities/" + id, status: 200},
		{path: "/api/v1/activities/999999", status: 404},
		{path: "/api/v1/activities/abc", status: 400, offSpec: true},
		{path: "/api/v1/activities/0", status: 400, offSpec: true},

		{path: "/api/v1/activities/" + id + "/annotations", status: 200},
		{path: "/api/v1/activities/999999/annotations", status: 404},
		{path: "/api/v1/activities/x/annotations", status: 400, offSpec: true},

		{path: "/api/v1/activities/" + id + "/history", status: 200},
		{path: "/api/v1/activities/999999/history", status: 404},
		{path: "/api/v1/activities/-3/history", status: 400, offSpec: true},

		{path: "/api/v1/sources", status: 200},
		{path: "/api/v1/sources?state=oh", status: 200},
		{path: "/api/v1/sources?state=CA", status: 200},
		{path: "/api/v1/sources?state=XX", status: 400},
		{path: "/api/v1/sources?state=ohio", status: 400, offSpec: true},

		{path: "/api/v1/rubric", status: 200},
		{path: "/api/v1/rubric?version=1", status: 200},
		{path: "/api/v1/rubric?version=99", status: 404},
		{path: "/api/v1/rubric?version=abc", status: 400, offSpec: true},

		{path: "/api/v1/snapshots/" + f.snapshot, status: 200},
		{path: "/api/v1/snapshots/" + zeros, status: 404},
		{path: "/api/v1/snapshots/not-a-hash", status: 400, offSpec: true},
		{path: "/api/v1/snapshots/" + strings.ToUpper(f.snapshot), status: 400, offSpec: true},

		{path: "/api/v1/export/scorecards.csv?rubric_version=99", status: 404},
		{path: "/api/v1/export/scorecards.csv?rubric_version=0", status: 400, offSpec: true},
		{path: "/api/v1/export/scorecards.ndjson?rubric_version=99", status: 404},
		{path: "/api/v1/export/scorecards.ndjson?rubric_version=x", status: 400, offSpec: true},
		{path: "/api/v1/export/scorecards.csv?rubric_version=9999999999", status: 400, offSpec: true},
		{path: "/api/v1/export/activities.csv?state=XX", status: 400},
		{path: "/api/v1/export/activities.ndjson?state=ZZ", status: 400},

		{path: "/api/v1/openapi.yaml", status: 200},
		{path: "/data", status: 200},
		{path: "/healthz", status: 200},
		{path: "/readyz", status: 200},
	}
	for _, tc := range cases {
		s.do(t, srv.URL, tc)
	}

	// The exports, whose bodies are checked row by row.
	for _, x := range []struct {
		path, schema string
		rows         bool
	}{
		{"/api/v1/export/scorecards.csv", "ScorecardExportRow", true},
		{"/api/v1/export/scorecards.csv?rubric_version=1", "ScorecardExportRow", true},
		{"/api/v1/export/scorecards.ndjson", "ScorecardExportRow", true},
		{"/api/v1/export/activities.csv", "ActivityExportRow", true},
		{"/api/v1/export/activities.csv?state=ca", "ActivityExportRow", false},
		{"/api/v1/export/activities.ndjson?state=oh", "ActivityExportRow", true},
	} {
		_, body := s.do(t, srv.URL, apiCase{path: x.path, status: 200})
		s.checkExport(t, x.path, body, x.schema, x.rows)
	}

	// The records under test really carry what the spec lets be null or
	// empty, so their shapes were checked.
	var card struct {
		Data scorecardJSON `json:"data"`
	}
	_, body := s.do(t, srv.URL, apiCase{path: "/api/v1/jurisdictions/OH/scorecard", status: 200})
	if err := json.Unmarshal(body, &card); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(card.Data.Criteria, func(c criterionJSON) bool { return c.Override != nil }) {
		t.Error("no criterion of the scorecard shows an override")
	}
	_, body = s.do(t, srv.URL, apiCase{path: "/api/v1/sources?state=OH", status: 200})
	if !strings.Contains(string(body), `"warnings":["detail page`) {
		t.Errorf("sources: no last run with its warnings in %s", body)
	}
	_, body = s.do(t, srv.URL, apiCase{path: "/api/v1/activities/" + id + "/history", status: 200})
	if !strings.Contains(string(body), `"kind":"updated"`) {
		t.Errorf("activity history: no update in %s", body)
	}

	// Conditional GETs: the ETag of a 200 sent back gives a 304.
	for _, path := range []string{"/api/v1/jurisdictions", "/api/v1/jurisdictions/OH/scorecard",
		"/api/v1/activities?state=OH", "/api/v1/rubric", "/api/v1/snapshots/" + f.snapshot, "/api/v1/openapi.yaml"} {
		resp, _ := s.do(t, srv.URL, apiCase{path: path, status: 200})
		s.do(t, srv.URL, apiCase{path: path, status: 304, ifNoneMatch: resp.Header.Get("ETag")})
	}

	// Unknown routes are JSON 404s in the error envelope.
	errBody := s.schema(t, "ErrorBody")
	for _, path := range []string{"/api/v1/nope", "/api/v2/jurisdictions", "/api/v1/jurisdictions/OH/nope"} {
		resp, body := (&fixture{srv: srv}).get(t, path)
		var v any
		if err := json.Unmarshal(body, &v); err != nil || resp.StatusCode != 404 ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("GET %s: %d %q %s, want a JSON 404", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
			continue
		}
		if err := errBody.VisitJSON(v); err != nil {
			t.Errorf("GET %s: 404 body is not an ErrorBody: %v", path, err)
		}
		if resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s: Cache-Control %q", path, resp.Header.Get("Cache-Control"))
		}
	}

	// Failures the fixture cannot produce: a database that does not answer
	// (503, from /readyz too) and a client over its rate limit (429).
	down := downStore(t)
	hDown, err := New(down, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	srvDown := httptest.NewServer(NewEngine(hDown))
	defer srvDown.Close()
	for _, path := range []string{"/api/v1/jurisdictions", "/api/v1/jurisdictions/OH", "/api/v1/jurisdictions/OH/scorecard",
		"/api/v1/jurisdictions/OH/activities", "/api/v1/jurisdictions/OH/history", "/api/v1/jurisdictions/OH/overrides",
		"/api/v1/activities", "/api/v1/activities/1", "/api/v1/activities/1/history", "/api/v1/sources",
		"/api/v1/rubric", "/api/v1/snapshots/" + zeros, "/api/v1/export/scorecards.csv",
		"/api/v1/export/scorecards.ndjson", "/api/v1/export/activities.csv", "/api/v1/export/activities.ndjson"} {
		_, body := s.do(t, srvDown.URL, apiCase{path: path, status: 503})
		if strings.Contains(string(body), "dial") || strings.Contains(string(body), "heard-no-such") {
			t.Errorf("GET %s: 503 leaks internals: %s", path, body)
		}
	}
	s.do(t, srvDown.URL, apiCase{method: "POST", path: "/api/v1/submissions", body: report(""), contentType: "application/json", status: 503})
	s.do(t, srvDown.URL, apiCase{path: "/readyz", status: 503})
	s.do(t, srvDown.URL, apiCase{path: "/healthz", status: 200})

	hLimited, err := New(down, slog.New(slog.NewTextHandler(io.Discard, nil)),
		Options{RateLimit: rate.Limit(1e-6), RateBurst: 1})
	if err != nil {
		t.Fatal(err)
	}
	srvLimited := httptest.NewServer(NewEngine(hLimited))
	defer srvLimited.Close()
	s.do(t, srvLimited.URL, apiCase{path: "/api/v1/openapi.yaml", status: 200}) // spends the burst
	for _, path := range []string{"/api/v1/jurisdictions", "/api/v1/jurisdictions/OH/scorecard", "/api/v1/activities?state=OH",
		"/api/v1/openapi.yaml", "/api/v1/export/activities.csv", "/api/v1/snapshots/" + zeros} {
		s.do(t, srvLimited.URL, apiCase{path: path, status: 429})
	}
	s.do(t, srvLimited.URL, apiCase{method: "POST", path: "/api/v1/submissions", body: report(""), contentType: js, status: 429})
	s.do(t, srvLimited.URL, apiCase{path: "/healthz", status: 200}) // probes are never limited

	// Every documented API path was seen answering both a success and an
	// error; the staff workspace's in tests of their own.
	for path, item := range s.doc.Paths.Map() {
		if workspacePath(item) {
			continue
		}
		var ok, failed bool
		for status := range s.seen[path] {
			ok = ok || status < 300
			failed = failed || status >= 400
		}
		if !ok || (!failed && path != "/healthz" && path != "/data") {
			t.Errorf("%s: the test saw statuses %v; want a success and an error", path, s.seen[path])
		}
	}
}

// downStore is a Store over a database that cannot be reached.
func downStore(t *testing.T) *models.Store {
	t.Helper()
	db, err := sqlx.Open("postgres", "host=/heard-no-such-dir dbname=heard sslmode=disable connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return models.NewStore(db)
}

// TestOpenAPIValidationIsStrict: the validator used above does catch a
// dropped field, an unknown one and a wrong type, so its passes mean something.
func TestOpenAPIValidationIsStrict(t *testing.T) {
	s := newSpecChecker(t)
	card := s.schema(t, "Scorecard")
	good := map[string]any{
		"jurisdiction": "OH", "name": "Ohio", "rubric_version": 1.0, "score_run_id": nil, "computed_at": nil,
		"updated_at": nil, "evidence_through": nil, "trigger": "", "overall": nil, "coverage": 0.0,
		"level": "unscored", "level_label": "Not yet scored", "evidence_count": 0.0, "demo": false,
		"criteria": []any{}, "publication": nil,
	}
	if err := card.VisitJSON(good, openapi3.EnableFormatValidation()); err != nil {
		t.Fatalf("an unscored scorecard fails: %v", err)
	}
	for name, mutate := range map[string]func(m map[string]any){
		"dropped field":    func(m map[string]any) { delete(m, "coverage") },
		"unknown field":    func(m map[string]any) { m["extra"] = 1 },
		"wrong type":       func(m map[string]any) { m["demo"] = "yes" },
		"not a date-time":  func(m map[string]any) { m["computed_at"] = "yesterday" },
		"outside the enum": func(m map[string]any) { m["level"] = "great" },
	} {
		bad := map[string]any{}
		for k, v := range good {
			bad[k] = v
		}
		mutate(bad)
		if err := card.VisitJSON(bad, openapi3.EnableFormatValidation()); err == nil {
			t.Errorf("%s: validation passed", name)
		}
	}
}

// TestOpenAPIServed: the document is served as YAML and is the embedded one.
func TestOpenAPIServed(t *testing.T) {
	h, err := New(nil, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	NewEngine(h).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.yaml", nil))
	if w.Code != 200 || w.Header().Get("Content-Type") != openAPIMediaType || !bytes.Equal(w.Body.Bytes(), OpenAPISpec()) {
		t.Fatalf("GET /api/v1/openapi.yaml: %d %q, %d bytes", w.Code, w.Header().Get("Content-Type"), w.Body.Len())
	}
	if w.Header().Get("ETag") == "" || w.Header().Get("Cache-Control") == "" {
		t.Errorf("no ETag or Cache-Control: %v", w.Header())
	}
}
