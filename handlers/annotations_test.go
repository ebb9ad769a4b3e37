package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"

	"heard/models"
)

// annotatedText is the extracted text of the fixture's snapshot: "Public
// comment" twice, so that only context tells the two apart.
const annotatedText = "Public comment on the draft plan opens June 1.\n" +
	"Comments may be sent by email or mail.\nPublic comment closes July 31, after two listening sessions."

// newAnnotationFixture is a staff fixture with one Ohio activity read from
// a snapshot of annotatedText; it returns the activity's id and the
// snapshot's key.
func newAnnotationFixture(t *testing.T, text string) (*staffFixture, int64, string) {
	t.Helper()
	f := newStaffFixture(t, false)
	ctx := context.Background()
	src, err := f.store.UpsertSource(ctx, models.Source{Jurisdiction: "OH", Kind: models.KindHTML, URL: "https://education.example.gov/essa", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	sha, err := f.store.PutSnapshot(ctx, models.Snapshot{MediaType: "text/html", Body: []byte("<p>" + text + "</p>"), Text: text})
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := f.store.UpsertActivity(ctx, models.Activity{Jurisdiction: "OH", DedupeKey: "comment", Type: models.TypeCommentPeriod,
		Title: "Public comment on the draft ESSA plan", Phase: models.PhaseComment, Status: models.StatusScheduled, TimeZone: "America/New_York"},
		models.ActivitySource{SourceID: src.ID, URL: src.URL, SnapshotSHA256: sha, RetrievedAt: testNow})
	if err != nil {
		t.Fatal(err)
	}
	return f, id, sha
}

// requestCase is one request, with any method, body and session cookie,
// and the status it must get.
type requestCase struct {
	method, path, body string
	cookie             *http.Cookie
	status             int
	// offSpec marks a request the spec itself refuses.
	offSpec bool
}

// doRequest sends a request with f.do and validates the request and the
// response against openapi.yaml, as do does for GETs without a session.
func (s *specChecker) doRequest(t *testing.T, f *staffFixture, tc requestCase) string {
	t.Helper()
	resp, body := f.do(t, tc.method, tc.path, tc.body, tc.cookie)
	if resp.StatusCode != tc.status {
		t.Errorf("%s %s %s: %d %s, want %d", tc.method, tc.path, tc.body, resp.StatusCode, body, tc.status)
		return body
	}
	req, err := http.NewRequest(tc.method, f.srv.URL+tc.path, strings.NewReader(tc.body))
	if err != nil {
		t.Fatal(err)
	}
	if tc.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	route, params, err := s.router.FindRoute(req)
	if err != nil {
		t.Errorf("%s %s: not in openapi.yaml: %v", tc.method, tc.path, err)
		return body
	}
	if s.seen[route.Path] == nil {
		s.seen[route.Path] = map[int]bool{}
	}
	s.seen[route.Path][resp.StatusCode] = true
	// The session is the server's to check; the spec only names it.
	opts := *s.opts
	opts.AuthenticationFunc = openapi3filter.NoopAuthenticationFunc
	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: &opts}
	err = openapi3filter.ValidateRequest(ctx, in)
	switch {
	case tc.offSpec && err == nil:
		t.Errorf("%s %s %s: the spec accepts this request; the server refused it with %d", tc.method, tc.path, tc.body, resp.StatusCode)
	case !tc.offSpec && err != nil:
		t.Errorf("%s %s %s: request does not match openapi.yaml: %v", tc.method, tc.path, tc.body, err)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header, Options: &opts}
	out.SetBodyBytes([]byte(body))
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("%s %s: %d response does not match openapi.yaml: %v\nbody: %.500s", tc.method, tc.path, resp.StatusCode, err, body)
	}
	return body
}

// annotationBody is the data of an annotation answer, staff or public.
type annotationBody struct {
	ID         int64  `json:"id"`
	ActivityID int64  `json:"activity_id"`
	Type       string `json:"type"`
	Target     struct {
		Source   string            `json:"source"`
		Selector textQuoteSelector `json:"selector"`
		Position struct {
			Start int `json:"start"`
			End   int `json:"end"`
		} `json:"position"`
	} `json:"target"`
	Body       string   `json:"body"`
	Tags       []string `json:"tags"`
	Visibility string   `json:"visibility"`
	Author     *string  `json:"author"`
	Deleted    *string  `json:"deleted"`
	DeletedBy  *string  `json:"deleted_by"`
}

func decodeAnnotation(t *testing.T, body string) annotationBody {
	t.Helper()
	var out struct {
		Data annotationBody `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("%v in %s", err, body)
	}
	return out.Data
}

func decodeAnnotations(t *testing.T, body string) []annotationBody {
	t.Helper()
	var out struct {
		Data []annotationBody `json:"data"`
		Meta listMeta         `json:"meta"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("%v in %s", err, body)
	}
	if out.Meta.Total != len(out.Data) {
		t.Errorf("meta %+v for %d annotations", out.Meta, len(out.Data))
	}
	return out.Data
}

// TestAnnotationsAPI walks an annotation through its life: created by an
// editor, listed by staff and the public, edited, deleted and restored by
// an admin; each write audited, every refusal a clear 4xx, and every
// request and answer checked against openapi.yaml.
func TestAnnotationsAPI(t *testing.T) {
	f, activity, sha := newAnnotationFixture(t, annotatedText)
	ctx := context.Background()
	s := newSpecChecker(t)
	viewer := f.login(t, "viewer@example.org", nil)
	editor := f.login(t, "editor@example.org", nil)
	admin := f.login(t, "admin@example.org", nil)
	act := itoa(activity)
	const create = "/api/v1/staff/annotations"
	post := func(selector, rest string) string {
		return `{"activity_id":` + act + `,"snapshot_sha256":"` + sha + `","selector":` + selector + rest + `}`
	}
	second := post(`{"type":"TextQuoteSelector","exact":"Public  comment","prefix":"or mail."}`,
		`,"body":"Eight weeks: longer than the rubric's 30 days.","tags":["Comment Period","timeline","comment period"],"visibility":"public"`)

	// Refusals, each naming what is wrong, and none of them audited.
	for _, tc := range []struct {
		requestCase
		field string
	}{
		{requestCase{method: "POST", path: create, body: second, status: 401}, ""},
		{requestCase{method: "POST", path: create, body: second, cookie: viewer, status: 403}, ""},
		{requestCase{method: "POST", path: create, body: `not json`, cookie: editor, status: 400, offSpec: true}, "body"},
		{requestCase{method: "POST", path: create, body: post(`null`, `,"body":"x"`), cookie: editor, status: 400, offSpec: true}, "selector"},
		{requestCase{method: "POST", path: create, body: post(`{"type":"TextPositionSelector","exact":"June 1"}`, `,"body":"x"`), cookie: editor, status: 400, offSpec: true}, "selector.type"},
		{requestCase{method: "POST", path: create, body: post(`{"type":"TextQuoteSelector","exact":"public hearing"}`, `,"body":"x"`), cookie: editor, status: 400}, "selector"},
		{requestCase{method: "POST", path: create, body: post(`{"type":"TextQuoteSelector","exact":"Public comment","suffix":"ends"}`, `,"body":"x"`), cookie: editor, status: 400}, "selector"},
		{requestCase{method: "POST", path: create, body: post(`{"type":"TextQuoteSelector","exact":"June 1"}`, `,"body":"   "`), cookie: editor, status: 400}, "body"},
		{requestCase{method: "POST", path: create, body: post(`{"type":"TextQuoteSelector","exact":"June 1"}`, `,"body":"x","visibility":"everyone"`), cookie: editor, status: 400, offSpec: true}, "visibility"},
		{requestCase{method: "POST", path: create, body: `{"activity_id":999999,"snapshot_sha256":"` + sha + `","selector":{"type":"TextQuoteSelector","exact":"June 1"},"body":"x"}`, cookie: editor, status: 400}, "activity_id"},
		{requestCase{method: "POST", path: create, body: `{"activity_id":` + act + `,"snapshot_sha256":"` + strings.Repeat("0", 64) + `","selector":{"type":"TextQuoteSelector","exact":"June 1"},"body":"x"}`, cookie: editor, status: 400}, "snapshot_sha256"},
	} {
		body := s.doRequest(t, f, tc.requestCase)
		if tc.field != "" && !strings.Contains(body, `"`+tc.field+`":`) {
			t.Errorf("POST %s: %s does not name %q", tc.body, body, tc.field)
		}
	}
	if _, total, _ := f.store.AuditLog(ctx, 10, 0); total != 0 {
		t.Fatalf("refused requests left %d audit entries", total)
	}

	// The second "Public comment", told apart by its prefix; whitespace in
	// the quote need not match the text's.
	a := decodeAnnotation(t, s.doRequest(t, f, requestCase{method: "POST", path: create, body: second, cookie: editor, status: 201}))
	sel := a.Target.Selector
	if a.ID == 0 || a.Type != "Annotation" || a.ActivityID != activity || a.Target.Source != "/api/v1/snapshots/"+sha ||
		sel.Type != "TextQuoteSelector" || sel.Exact != "Public comment" || !strings.HasSuffix(sel.Prefix, "by email or mail.\n") ||
		!strings.HasPrefix(sel.Suffix, " closes July 31") || a.Target.Position.Start != 86 || a.Target.Position.End != 100 {
		t.Errorf("anchored %+v", a)
	}
	if a.Body != "Eight weeks: longer than the rubric's 30 days." || strings.Join(a.Tags, "|") != "comment period|timeline" ||
		a.Visibility != "public" || a.Author == nil || *a.Author != "editor@example.org" || a.Deleted != nil {
		t.Errorf("stored %+v", a)
	}
	private := decodeAnnotation(t, s.doRequest(t, f, requestCase{method: "POST", path: create, cookie: editor, status: 201,
		body: post(`{"type":"TextQuoteSelector","exact":"listening sessions"}`, `,"body":"Check the sessions were held."`)}))
	if private.Visibility != "staff" {
		t.Errorf("default visibility %q, want staff", private.Visibility)
	}

	// Staff, viewers included, list both; the public only the public one,
	// and never a staff email.
	list := "/api/v1/staff/annotations?activity_id=" + act
	s.doRequest(t, f, requestCase{method: "GET", path: list, status: 401})
	s.doRequest(t, f, requestCase{method: "GET", path: "/api/v1/staff/annotations", cookie: viewer, status: 400, offSpec: true})
	s.doRequest(t, f, requestCase{method: "GET", path: list + "&include_deleted=maybe", cookie: viewer, status: 400, offSpec: true})
	s.doRequest(t, f, requestCase{method: "GET", path: "/api/v1/staff/annotations?activity_id=999999", cookie: viewer, status: 404})
	if got := decodeAnnotations(t, s.doRequest(t, f, requestCase{method: "GET", path: list, cookie: viewer, status: 200})); len(got) != 2 || got[0].ID != a.ID || got[1].ID != private.ID {
		t.Errorf("staff list %+v", got)
	}
	public := "/api/v1/activities/" + act + "/annotations"
	body := s.doRequest(t, f, requestCase{method: "GET", path: public, status: 200})
	if got := decodeAnnotations(t, body); len(got) != 1 || got[0].ID != a.ID || got[0].Target.Selector.Exact != "Public comment" {
		t.Errorf("public list %s", body)
	}
	if strings.Contains(body, "example.org") || strings.Contains(body, `"author"`) || strings.Contains(body, "Check the sessions") {
		t.Errorf("the public list shows staff-only matter: %s", body)
	}

	// Editing: body, tags, visibility; never the passage.
	one := "/api/v1/staff/annotations/" + itoa(private.ID)
	for _, tc := range []struct {
		requestCase
		field string
	}{
		{requestCase{method: "PATCH", path: one, body: `{"visibility":"public"}`, cookie: viewer, status: 403}, ""},
		{requestCase{method: "PATCH", path: one, body: `{}`, cookie: editor, status: 400, offSpec: true}, "request"},
		{requestCase{method: "PATCH", path: one, body: `{"selector":{"type":"TextQuoteSelector","exact":"June 1"}}`, cookie: editor, status: 400, offSpec: true}, "selector"},
		{requestCase{method: "PATCH", path: one, body: `{"body":"","tags":["` + strings.Repeat("x", 51) + `"]}`, cookie: editor, status: 400, offSpec: true}, "tags"},
		{requestCase{method: "PATCH", path: "/api/v1/staff/annotations/999999", body: `{"body":"x"}`, cookie: editor, status: 404}, ""},
		{requestCase{method: "PATCH", path: "/api/v1/staff/annotations/abc", body: `{"body":"x"}`, cookie: editor, status: 400, offSpec: true}, "id"},
	} {
		body := s.doRequest(t, f, tc.requestCase)
		if tc.field != "" && !strings.Contains(body, `"`+tc.field+`":`) {
			t.Errorf("PATCH %s: %s does not name %q", tc.body, body, tc.field)
		}
	}
	edited := decodeAnnotation(t, s.doRequest(t, f, requestCase{method: "PATCH", path: one, cookie: editor, status: 200,
		body: `{"body":"Both sessions were held; minutes posted.","tags":["Sessions"],"visibility":"public"}`}))
	if edited.Body != "Both sessions were held; minutes posted." || strings.Join(edited.Tags, "|") != "sessions" ||
		edited.Visibility != "public" || edited.Target.Selector.Exact != "listening sessions" {
		t.Errorf("edited %+v", edited)
	}
	if body := s.doRequest(t, f, requestCase{method: "GET", path: public, status: 200}); len(decodeAnnotations(t, body)) != 2 {
		t.Errorf("a note made public is not listed: %s", body)
	}

	// Deleting hides it everywhere but the staff list that asks for it;
	// only an admin restores it.
	s.doRequest(t, f, requestCase{method: "DELETE", path: one, status: 401})
	deleted := decodeAnnotation(t, s.doRequest(t, f, requestCase{method: "DELETE", path: one, cookie: editor, status: 200}))
	if deleted.Deleted == nil || deleted.DeletedBy == nil || *deleted.DeletedBy != "editor@example.org" {
		t.Errorf("deleted %+v", deleted)
	}
	s.doRequest(t, f, requestCase{method: "DELETE", path: one, cookie: editor, status: 409})
	s.doRequest(t, f, requestCase{method: "DELETE", path: "/api/v1/staff/annotations/999999", cookie: editor, status: 404})
	s.doRequest(t, f, requestCase{method: "PATCH", path: one, body: `{"body":"x"}`, cookie: editor, status: 409})
	if body := s.doRequest(t, f, requestCase{method: "GET", path: public, status: 200}); len(decodeAnnotations(t, body)) != 1 {
		t.Errorf("a deleted note is public: %s", body)
	}
	if got := decodeAnnotations(t, s.doRequest(t, f, requestCase{method: "GET", path: list, cookie: viewer, status: 200})); len(got) != 1 {
		t.Errorf("staff list without deleted %+v", got)
	}
	if got := decodeAnnotations(t, s.doRequest(t, f, requestCase{method: "GET", path: list + "&include_deleted=true", cookie: viewer, status: 200})); len(got) != 2 || got[1].Deleted == nil {
		t.Errorf("staff list with deleted %+v", got)
	}
	restore := one + "/restore"
	s.doRequest(t, f, requestCase{method: "POST", path: restore, cookie: editor, status: 403})
	if r := decodeAnnotation(t, s.doRequest(t, f, requestCase{method: "POST", path: restore, cookie: admin, status: 200})); r.Deleted != nil || r.DeletedBy != nil || r.Body != edited.Body {
		t.Errorf("restored %+v", r)
	}
	s.doRequest(t, f, requestCase{method: "POST", path: restore, cookie: admin, status: 409})
	s.doRequest(t, f, requestCase{method: "POST", path: "/api/v1/staff/annotations/999999/restore", cookie: admin, status: 404})
	if body := s.doRequest(t, f, requestCase{method: "GET", path: public, status: 200}); len(decodeAnnotations(t, body)) != 2 {
		t.Errorf("a restored note is not public again: %s", body)
	}

	// Each write is in the audit log with the annotation before and after.
	entries, total, err := f.store.AuditLog(ctx, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"annotation.restore", "annotation.delete", "annotation.update", "annotation.create", "annotation.create"}
	if total != len(want) {
		t.Fatalf("%d audit entries, want %d: %+v", total, len(want), entries)
	}
	for i, e := range entries {
		if e.Action != want[i] {
			t.Errorf("audit entry %d is %s, want %s", i, e.Action, want[i])
		}
	}
	state := func(raw json.RawMessage) (a models.Annotation) {
		t.Helper()
		if err := json.Unmarshal(raw, &a); err != nil {
			t.Fatalf("audit state %s: %v", raw, err)
		}
		return a
	}
	update := entries[2]
	if update.Actor != "editor@example.org" || update.Target != "annotation/"+itoa(private.ID) ||
		state(update.Before).Body != "Check the sessions were held." || state(update.After).Body != edited.Body {
		t.Errorf("update audited as %s: %s → %s", update.Actor, update.Before, update.After)
	}
	if created := entries[4]; string(created.Before) != "null" || state(created.After).Exact != "Public comment" || state(created.After).ID != a.ID {
		t.Errorf("create audited as %s → %s", created.Before, created.After)
	}
	if restored := entries[0]; restored.Actor != "admin@example.org" || state(restored.Before).DeletedAt == nil || state(restored.After).DeletedAt != nil {
		t.Errorf("restore audited as %s: %s → %s", restored.Actor, restored.Before, restored.After)
	}

	// Every staff path was seen answering a success and an error.
	for path := range s.doc.Paths.Map() {
		if !strings.HasPrefix(path, "/api/v1/staff/annotations") {
			continue
		}
		var ok, failed bool
		for status := range s.seen[path] {
			ok = ok || status < 300
			failed = failed || status >= 400
		}
		if !ok || !failed {
			t.Errorf("%s: the test saw statuses %v; want a success and an error", path, s.seen[path])
		}
	}
}

// TestAnnotationsOnStatePage: public notes appear with their passage under
// the activity on the state page, in English and Spanish; staff-only and
// deleted notes and staff emails do not; and a hostile quote or note is
// shown as text.
func TestAnnotationsOnStatePage(t *testing.T) {
	payload := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	text := annotatedText + "\nThe agenda said: " + payload + " and nothing more."
	f, activity, sha := newAnnotationFixture(t, text)
	ctx := context.Background()
	editor, err := f.store.UserByEmail(ctx, "editor@example.org")
	if err != nil {
		t.Fatal(err)
	}
	add := func(exact, body string, v models.Visibility) models.Annotation {
		t.Helper()
		a, err := f.store.AddAnnotation(ctx, models.AnnotationInput{ActivityID: activity, SnapshotSHA256: sha,
			Quote: models.TextQuote{Exact: exact}, Body: body, Visibility: v}, editor, testNow)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	add("opens June 1", "Eight weeks of comment, more than the rubric asks.", models.VisibilityPublic)
	add(payload, "Quoted markup: "+payload, models.VisibilityPublic)
	add("listening sessions", "Staff-only: call the department.", models.VisibilityStaff)
	gone := add("Comments may be sent", "Deleted note.", models.VisibilityPublic)
	if _, _, err := f.store.DeleteAnnotation(ctx, gone.ID, "editor@example.org", testNow); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct{ path, label, note string }{
		{"/states/OH", "Note from Heard's staff", "<span>Eight weeks"},
		// Staff write in English: the note says so on the Spanish page.
		{"/es/states/OH", "Nota del equipo de Heard", `<span lang="en">Eight weeks`},
	} {
		resp, body := f.do(t, "GET", tc.path, "", nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", tc.path, resp.StatusCode)
		}
		if !strings.Contains(body, `<blockquote cite="/api/v1/snapshots/`+sha+`">opens June 1</blockquote>`) ||
			!strings.Contains(body, tc.note+" of comment, more than the rubric asks.") || !strings.Contains(body, tc.label) {
			t.Errorf("%s lacks the public note with its passage", tc.path)
		}
		for _, hidden := range []string{"Staff-only: call the department.", "Deleted note.", "editor@example.org"} {
			if strings.Contains(body, hidden) {
				t.Errorf("%s shows %q", tc.path, hidden)
			}
		}
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
			t.Errorf("%s renders an annotation's payload as markup", tc.path)
		}
		if !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
			t.Errorf("%s does not show the quoted markup as text", tc.path)
		}
	}
	// The API returns the payload as data.
	_, body := f.do(t, "GET", "/api/v1/activities/"+itoa(activity)+"/annotations", "", nil)
	got := decodeAnnotations(t, body)
	if len(got) != 2 || got[1].Target.Selector.Exact != payload || got[1].Body != "Quoted markup: "+payload {
		t.Errorf("public annotations %s", body)
	}
}
