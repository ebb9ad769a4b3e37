package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"heard/models"
)

// seedOhio stores one new activity in Ohio, read from a source whose
// snapshot text quotes it, and scores Ohio; it returns the activity's id.
func seedOhio(t *testing.T, store *models.Store) int64 {
	t.Helper()
	ctx := context.Background()
	src, err := store.UpsertSource(ctx, models.Source{Jurisdiction: "OH", Kind: models.KindRSS, URL: "https://education.example.gov/feed", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	sha, err := store.PutSnapshot(ctx, models.Snapshot{MediaType: "text/html", Body: []byte("<p>town hall</p>"),
		Text: "News. The department will hold a Town hall on the ESSA plan in Columbus for parents. Other news."})
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := store.UpsertActivity(ctx, models.Activity{Jurisdiction: "OH", DedupeKey: "k", Type: models.TypeTownHall,
		Title: "Town hall on the ESSA plan", Phase: models.PhaseDraft, Status: models.StatusHeld, TimeZone: "America/New_York"},
		models.ActivitySource{SourceID: src.ID, URL: src.URL, SnapshotSHA256: sha, RetrievedAt: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Rescore(ctx, "OH", testNow, "manual"); err != nil {
		t.Fatal(err)
	}
	return id
}

func auditActions(t *testing.T, store *models.Store) []string {
	t.Helper()
	entries, _, err := store.AuditLog(context.Background(), 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Action)
	}
	return out
}

// TestPublicationWorkflowAPI: the public sees nothing until a scorecard is
// published after the agency was offered its reply; the reply link works
// once; every step is audited, the token never.
func TestPublicationWorkflowAPI(t *testing.T) {
	f := newStaffFixture(t, false)
	seedOhio(t, f.store)
	editor := f.login(t, "editor@example.org", nil)
	base := "/api/v1/staff/jurisdictions/OH/review"

	publicCard := func() scorecardJSON {
		t.Helper()
		resp, body := f.do(t, "GET", "/api/v1/jurisdictions/OH/scorecard", "", nil)
		var out struct{ Data scorecardJSON }
		if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &out) != nil {
			t.Fatalf("public scorecard: %d %s", resp.StatusCode, body)
		}
		return out.Data
	}
	if c := publicCard(); c.Publication != nil || c.Level != models.LevelUnscored {
		t.Fatalf("unpublished scorecard shown to the public: %+v", c)
	}
	if resp, body := f.do(t, "POST", base+"/publish", "", editor); resp.StatusCode != http.StatusConflict {
		t.Errorf("publish with no review: %d %s", resp.StatusCode, body)
	}
	if resp, body := f.do(t, "POST", base, "", editor); resp.StatusCode != http.StatusCreated {
		t.Fatalf("open: %d %s", resp.StatusCode, body)
	}
	if resp, _ := f.do(t, "POST", base, "", editor); resp.StatusCode != http.StatusOK {
		t.Errorf("second open: %d, want 200 with the open draft", resp.StatusCode)
	}
	if resp, body := f.do(t, "POST", base+"/publish", "", editor); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "reply") {
		t.Errorf("publish a draft before offering the reply: %d %s", resp.StatusCode, body)
	}
	for _, bad := range []string{`{}`, `{"contact":"x","due_days":500}`, `{"contact":"x","extra":1}`, `[`} {
		if resp, body := f.do(t, "POST", base+"/reply-request", bad, editor); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("reply request %s: %d %s", bad, resp.StatusCode, body)
		}
	}
	resp, body := f.do(t, "POST", base+"/reply-request", `{"contact":"Deputy Superintendent","due_days":10}`, editor)
	var asked struct {
		Data struct {
			ReplyURL  string `json:"reply_url"`
			ReplyPath string `json:"reply_path"`
		}
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &asked) != nil || !strings.HasPrefix(asked.Data.ReplyPath, "/reply/") {
		t.Fatalf("reply request: %d %s", resp.StatusCode, body)
	}
	token := strings.TrimPrefix(asked.Data.ReplyPath, "/reply/")
	if !strings.HasSuffix(asked.Data.ReplyURL, asked.Data.ReplyPath) {
		t.Errorf("reply url %q", asked.Data.ReplyURL)
	}

	// The agency opens its link and replies through the page's form.
	resp, page := f.do(t, "GET", asked.Data.ReplyPath, "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Reply to the scorecard of Ohio") ||
		resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("reply page: %d %s", resp.StatusCode, page)
	}
	form := url.Values{"name": {""}, "body": {"<script>alert(1)</script>We held more sessions."}}
	resp, page = f.do(t, "POST", asked.Data.ReplyPath, form.Encode(), nil, "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "name") || strings.Contains(page, "<script>alert") {
		t.Errorf("reply without a name: %d", resp.StatusCode)
	}
	form.Set("name", "A. Official")
	resp, page = f.do(t, "POST", asked.Data.ReplyPath, form.Encode(), nil, "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusCreated || !strings.Contains(page, "Thank you") {
		t.Fatalf("reply: %d %s", resp.StatusCode, page)
	}
	if resp, _ := f.do(t, "POST", "/api/v1/replies/"+token, `{"body":"again","name":"x"}`, nil); resp.StatusCode != http.StatusGone {
		t.Errorf("second reply through the same link: %d, want 410", resp.StatusCode)
	}
	if resp, _ := f.do(t, "GET", asked.Data.ReplyPath, "", nil); resp.StatusCode != http.StatusGone {
		t.Errorf("spent link page: %d, want 410", resp.StatusCode)
	}
	if c := publicCard(); c.Publication != nil {
		t.Fatalf("published before staff published: %+v", c.Publication)
	}

	if resp, body := f.do(t, "POST", base+"/publish", "", editor); resp.StatusCode != http.StatusOK {
		t.Fatalf("publish: %d %s", resp.StatusCode, body)
	}
	c := publicCard()
	if c.Publication == nil || c.Publication.Reply == nil || c.Publication.Reply.Name != "A. Official" || c.Level == models.LevelUnscored {
		t.Fatalf("published scorecard: %+v", c)
	}
	_, statePage := f.do(t, "GET", "/states/OH", "", nil)
	if !strings.Contains(statePage, "A. Official") || strings.Contains(statePage, "<script>alert") {
		t.Errorf("the state page does not show the reply beside the scorecard, escaped")
	}

	got := strings.Join(auditActions(t, f.store), ",")
	if got != "review.published,review.replied,review.reply_requested,review.opened" {
		t.Errorf("audit actions %s", got)
	}
	var leaked int
	if err := f.store.DB().Get(&leaked, `SELECT count(*) FROM audit_log WHERE before::text LIKE '%'||$1||'%' OR after::text LIKE '%'||$1||'%'`, token); err != nil || leaked != 0 {
		t.Errorf("the reply token is in the audit log (%d, %v)", leaked, err)
	}
}

// TestCorrectDeleteRestoreAPI: corrections apply at once and are audited;
// a deleted activity leaves the public API and only an admin restores it.
func TestCorrectDeleteRestoreAPI(t *testing.T) {
	f := newStaffFixture(t, false)
	id := seedOhio(t, f.store)
	editor := f.login(t, "editor@example.org", nil)
	admin := f.login(t, "admin@example.org", nil)
	path := "/api/v1/staff/activities/" + itoa(id)

	for _, bad := range []string{`{"activity_type":"party","reason":"x"}`, `{"reason":"x"}`, `{"plan_phase":"draft"}`, `{"plan_phase":"draft","reason":"x","bogus":1}`} {
		if resp, body := f.do(t, "POST", path+"/correction", bad, editor); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("correction %s: %d %s", bad, resp.StatusCode, body)
		}
	}
	if resp, _ := f.do(t, "POST", path+"/correction", `{"reason":"x","plan_phase":"draft","padding":"`+strings.Repeat("x", maxJSONBody)+`"}`, editor); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("huge body: %d, want 413", resp.StatusCode)
	}
	resp, body := f.do(t, "POST", path+"/correction", `{"activity_type":"listening_session","audience_groups":["parents","students"],"reason":"The notice calls it a listening session."}`, editor)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"listening_session"`) || !strings.Contains(body, `"staff correction"`) {
		t.Fatalf("correction: %d %s", resp.StatusCode, body)
	}
	if _, body := f.do(t, "GET", "/api/v1/activities/"+itoa(id), "", nil); !strings.Contains(body, `"activity_type":"listening_session"`) {
		t.Errorf("public record not corrected: %s", body)
	}
	if resp, body := f.do(t, "GET", path, "", editor); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"passage":"…The department will hold a Town hall`) &&
		!strings.Contains(body, "Town hall on the ESSA plan in Columbus") {
		t.Errorf("staff view: %d %s", resp.StatusCode, body)
	}

	if resp, _ := f.do(t, "DELETE", path, `{"reason":""}`, editor); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("delete without reason: %d", resp.StatusCode)
	}
	if resp, body := f.do(t, "DELETE", path, `{"reason":"Duplicate"}`, editor); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"deleted":{`) {
		t.Fatalf("delete: %d %s", resp.StatusCode, body)
	}
	if resp, _ := f.do(t, "GET", "/api/v1/activities/"+itoa(id), "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("deleted activity public: %d", resp.StatusCode)
	}
	if _, body := f.do(t, "GET", "/api/v1/jurisdictions/OH/activities", "", nil); strings.Contains(body, "Town hall") {
		t.Errorf("deleted activity listed")
	}
	if resp, _ := f.do(t, "DELETE", path, `{"reason":"again"}`, editor); resp.StatusCode != http.StatusConflict {
		t.Errorf("second delete: %d, want 409", resp.StatusCode)
	}
	if resp, _ := f.do(t, "POST", path+"/restore", "", editor); resp.StatusCode != http.StatusForbidden {
		t.Errorf("editor restore: %d, want 403", resp.StatusCode)
	}
	if resp, body := f.do(t, "POST", path+"/restore", "", admin); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"deleted":null`) {
		t.Fatalf("restore: %d %s", resp.StatusCode, body)
	}
	if resp, _ := f.do(t, "GET", "/api/v1/activities/"+itoa(id), "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("restored activity public: %d", resp.StatusCode)
	}
	if got := strings.Join(auditActions(t, f.store), ","); got != "activity.restored,activity.deleted,activity.corrected" {
		t.Errorf("audit actions %s", got)
	}
}

// TestStaffPages: the workspace's pages ask anonymous visitors to log in,
// refuse roles without the right, and show staff their work.
func TestStaffPages(t *testing.T) {
	f := newStaffFixture(t, false)
	id := seedOhio(t, f.store)
	viewer := f.login(t, "viewer@example.org", nil)
	editor := f.login(t, "editor@example.org", nil)
	admin := f.login(t, "admin@example.org", nil)

	resp, body := f.do(t, "GET", "/staff/review", "", nil)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `data-api="/api/v1/session"`) {
		t.Errorf("anonymous: %d", resp.StatusCode)
	}
	if resp, _ := f.do(t, "GET", "/staff/audit", "", editor); resp.StatusCode != http.StatusForbidden {
		t.Errorf("editor on the audit page: %d", resp.StatusCode)
	}
	for _, tc := range []struct {
		cookie *http.Cookie
		path   string
		want   []string
		not    []string
	}{
		{viewer, "/staff/", []string{"Ohio", "1 activities await review"}, nil},
		{viewer, "/staff/review", []string{"Town hall on the ESSA plan", "in Columbus for parents"}, []string{`data-api="/api/v1/staff/activities/`}},
		{editor, "/staff/review", []string{`data-api="/api/v1/staff/activities/` + itoa(id) + `/review"`, `data-api="/api/v1/staff/evidence"`}, nil},
		{editor, "/staff/activities/" + itoa(id), []string{`id="correction-form"`, `value="listening_session"`, "Delete"}, []string{"Restore this activity"}},
		{editor, "/staff/states/OH", []string{"Open a draft for publication", `/criteria/comment/override`, "Nothing published yet"}, nil},
		{viewer, "/staff/states/OH", []string{"Nothing published yet"}, []string{"Open a draft", "Save override"}},
		{admin, "/staff/audit", []string{"Audit log"}, nil},
		{viewer, "/staff/sources", []string{"education.example.gov/feed", "health-running"}, []string{"Run now"}},
		{editor, "/staff/sources?health=running&state=oh", []string{"education.example.gov/feed", "Run now"}, nil},
		{editor, "/staff/sources?health=disabled", []string{"0 sources"}, nil},
		{editor, "/staff/activities/" + itoa(id), []string{`id="annotation-form"`, "in Columbus for parents"}, nil},
	} {
		resp, body := f.do(t, "GET", tc.path, "", tc.cookie)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", tc.path, resp.StatusCode)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q", tc.path, w)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(body, n) {
				t.Errorf("%s shows %q", tc.path, n)
			}
		}
		if regexp.MustCompile(`<script>|style="`).MatchString(body) {
			t.Errorf("%s has inline script or style", tc.path)
		}
	}
	if resp, _ := f.do(t, "GET", "/staff/activities/999999", "", editor); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown activity page: %d", resp.StatusCode)
	}
	if resp, _ := f.do(t, "GET", "/staff/activities/1x", "", editor); resp.StatusCode != http.StatusNotFound {
		t.Errorf("malformed activity page: %d", resp.StatusCode)
	}
	if resp, _ := f.do(t, "GET", "/staff/states/ZZ", "", editor); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown state page: %d", resp.StatusCode)
	}
	if resp, _ := f.do(t, "GET", "/staff/sources?health=bogus", "", editor); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad health filter: %d", resp.StatusCode)
	}
	srcs, _, err := f.store.SourcesOverview(context.Background(), models.SourceFilter{})
	if err != nil || len(srcs) != 1 {
		t.Fatalf("sources: %v %v", srcs, err)
	}
	resp, body = f.do(t, "GET", "/staff/sources/"+itoa(srcs[0].ID), "", editor)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="source-settings"`) || !strings.Contains(body, "Fetch history") {
		t.Errorf("source page: %d", resp.StatusCode)
	}
}
