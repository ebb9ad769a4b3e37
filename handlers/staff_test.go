package handlers

import (
	"context"
	"encoding/json"
	"heard/models"
	"net/http"
	"strings"
	"testing"
)

func TestPutOverrideIsAuditedAndRescores(t *testing.T) {
	f := newStaffFixture(t, false)
	ctx := context.Background()
	editor := f.login(t, "editor@example.org", nil)
	viewer := f.login(t, "viewer@example.org", nil)
	admin := f.login(t, "admin@example.org", nil)
	path := "/api/v1/jurisdictions/oh/criteria/comment/override"

	for _, tt := range []struct {
		cookie *http.Cookie
		body   string
		status int
		field  string
	}{
		{nil, `{"score":3,"justification":"x"}`, http.StatusUnauthorized, ""},
		{viewer, `{"score":3,"justification":"x"}`, http.StatusForbidden, ""},
		{editor, `{"score":3}`, http.StatusBadRequest, "justification"},
		{editor, `{"justification":"x"}`, http.StatusBadRequest, "score"},
		{editor, `{"score":9,"justification":"x"}`, http.StatusBadRequest, "score"},
		{editor, `not json`, http.StatusBadRequest, "body"},
	} {
		resp, body := f.do(t, "PUT", path, tt.body, tt.cookie)
		if resp.StatusCode != tt.status || (tt.field != "" && !strings.Contains(body, `"`+tt.field+`"`)) {
			t.Errorf("PUT %s: %d %s, want %d naming %q", tt.body, resp.StatusCode, body, tt.status, tt.field)
		}
	}
	if _, total, _ := f.store.AuditLog(ctx, 10, 0); total != 0 {
		t.Fatalf("refused requests left %d audit entries", total)
	}

	resp, body := f.do(t, "PUT", path, `{"score":3,"justification":"Second round held; see the minutes."}`, editor)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("override: %d %s", resp.StatusCode, body)
	}
	card, err := f.store.LatestScorecard(ctx, "OH", 1)
	if err != nil || card.Trigger != "override" {
		t.Fatalf("no rescore after the override: %+v (%v)", card, err)
	}
	for _, c := range card.Criteria {
		if c.Key == "comment" && (c.Score == nil || *c.Score != 3 || c.Override == nil || c.Override.Author != "editor@example.org") {
			t.Errorf("comment after override: %+v", c)
		}
	}
	resp, _ = f.do(t, "PUT", path, `{"kind":"cleared","justification":"Minutes were of another plan."}`, admin)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("clear: %d", resp.StatusCode)
	}

	// The audit log, newest first, is for admins only.
	if resp, _ := f.do(t, "GET", "/api/v1/audit", "", editor); resp.StatusCode != http.StatusForbidden {
		t.Errorf("editor read the audit log: %d", resp.StatusCode)
	}
	resp, body = f.do(t, "GET", "/api/v1/audit", "", admin)
	var log struct {
		Data []struct {
			Actor  string          `json:"actor"`
			Action string          `json:"action"`
			Target string          `json:"target"`
			Before json.RawMessage `json:"before"`
			After  json.RawMessage `json:"after"`
		} `json:"data"`
		Meta listMeta `json:"meta"`
	}
	if err := json.Unmarshal([]byte(body), &log); err != nil || resp.StatusCode != 200 {
		t.Fatalf("audit: %d %s", resp.StatusCode, body)
	}
	if log.Meta.Total != 2 || log.Data[0].Action != "override.cleared" || log.Data[0].Actor != "admin@example.org" ||
		log.Data[1].Action != "override.score" || string(log.Data[1].Before) != "null" ||
		!strings.Contains(string(log.Data[0].Before), "Second round") || log.Data[0].Target != "jurisdiction/OH/criterion/comment" {
		t.Errorf("audit log %+v", log)
	}

	// Append-only, whatever role the application connects as.
	for _, stmt := range []string{`UPDATE audit_log SET actor = 'someone else'`, `DELETE FROM audit_log`, `TRUNCATE audit_log`} {
		if _, err := f.store.DB().ExecContext(ctx, stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused", stmt, err)
		}
	}
}

func TestSessionEndsWithPasswordChange(t *testing.T) {
	f := newStaffFixture(t, false)
	cookie := f.login(t, "editor@example.org", nil)
	if resp, _ := f.do(t, "GET", "/api/v1/session", "", cookie); resp.StatusCode != http.StatusOK {
		t.Fatalf("fresh session: %d", resp.StatusCode)
	}
	if _, err := f.store.SetPassword(context.Background(), "Editor@Example.org", "a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	if resp, _ := f.do(t, "GET", "/api/v1/session", "", cookie); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("session after a password change: %d, want 401", resp.StatusCode)
	}
	resp, _ := f.do(t, "POST", "/api/v1/session", `{"email":"editor@example.org","password":"`+testPassword+`"}`, nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("old password still logs in: %d", resp.StatusCode)
	}
}

func TestReviewQueue(t *testing.T) {
	f := newStaffFixture(t, false)
	ctx := context.Background()
	// One new activity in Ohio, read from a source.
	src, err := f.store.UpsertSource(ctx, models.Source{Jurisdiction: "OH", Kind: models.KindRSS, URL: "https://education.example.gov/feed", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	sha, err := f.store.PutSnapshot(ctx, models.Snapshot{MediaType: "text/html", Body: []byte("<p>town hall</p>")})
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := f.store.UpsertActivity(ctx, models.Activity{Jurisdiction: "OH", DedupeKey: "k", Type: models.TypeTownHall,
		Title: "Town hall on the ESSA plan", Phase: models.PhaseDraft, Status: models.StatusHeld, TimeZone: "America/New_York"},
		models.ActivitySource{SourceID: src.ID, URL: src.URL, SnapshotSHA256: sha, RetrievedAt: testNow})
	if err != nil {
		t.Fatal(err)
	}
	viewer := f.login(t, "viewer@example.org", nil)
	editor := f.login(t, "editor@example.org", nil)
	resp, body := f.do(t, "GET", "/api/v1/staff/review", "", viewer)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Town hall on the ESSA plan") || !strings.Contains(body, sha) {
		t.Fatalf("queue: %d %s", resp.StatusCode, body)
	}
	path := "/api/v1/staff/activities/" + itoa(id) + "/review"
	if resp, _ := f.do(t, "POST", path, `{"decision":"rejected","reason":"x"}`, viewer); resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer reviewed: %d", resp.StatusCode)
	}
	if resp, body := f.do(t, "POST", path, `{"decision":"rejected"}`, editor); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "reason") {
		t.Errorf("reject without reason: %d %s", resp.StatusCode, body)
	}
	if resp, body := f.do(t, "POST", path, `{"decision":"rejected","reason":"Not about ESSA: a facilities meeting."}`, editor); resp.StatusCode != http.StatusOK {
		t.Fatalf("reject: %d %s", resp.StatusCode, body)
	}
	if _, body := f.do(t, "GET", "/api/v1/staff/review", "", viewer); strings.Contains(body, "Town hall on the ESSA plan") {
		t.Errorf("a reviewed activity stayed in the queue")
	}
	// Kept, but no longer public nor scored.
	if _, err := f.store.ActivityByID(ctx, id); err != nil {
		t.Errorf("rejected activity deleted: %v", err)
	}
	card, err := f.store.LatestScorecard(ctx, "OH", 1)
	if err != nil || card.EvidenceCount != 0 {
		t.Errorf("rescore after rejection: %+v (%v)", card.EvidenceCount, err)
	}
	if _, total, _ := f.store.AuditLog(ctx, 10, 0); total != 1 {
		t.Errorf("audit entries %d, want 1", total)
	}
}
