package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"heard/models"
)

// TestOpenAPIStaffSchemas: the schemas openapi.yaml spells out twice or
// copies from a vocabulary of models stay in step with what they copy.
func TestOpenAPIStaffSchemas(t *testing.T) {
	s := newSpecChecker(t)
	activity, item := s.schema(t, "Activity"), s.schema(t, "ReviewItem")
	want := append(slices.Clone(activity.Required), "passage", "submission")
	if !slices.Equal(item.Required, want) {
		t.Errorf("ReviewItem requires %v,\nwant Activity's fields, passage and submission %v", item.Required, want)
	}
	for name := range activity.Properties {
		if item.Properties[name] == nil {
			t.Errorf("ReviewItem lacks Activity's property %s", name)
		}
	}
	if len(item.Properties) != len(activity.Properties)+2 {
		t.Errorf("ReviewItem has %d properties, Activity %d", len(item.Properties), len(activity.Properties))
	}
	for name, vocab := range map[string][]string{
		"LanguageCode":  models.LanguageCodes(),
		"ActivityType":  strs(models.ActivityTypes),
		"PlanPhase":     strs(models.PlanPhases),
		"AudienceGroup": strs(models.AudienceGroups),
		"Feature":       strs(models.Features),
		"Role":          strs(models.Roles),
	} {
		var enum []string
		for _, v := range s.schema(t, name).Enum {
			enum = append(enum, v.(string))
		}
		if !slices.Equal(slices.Sorted(slices.Values(enum)), slices.Sorted(slices.Values(vocab))) {
			t.Errorf("schema %s lists %v;\nmodels has %v", name, enum, vocab)
		}
	}
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// TestOpenAPIStaffWorkflow drives the staff workflow through real requests
// — logging in, the review queue, review, correction, deletion and
// restoration of an activity, overrides, a scorecard's review from opening
// through the agency's reply to publication, a withdrawn review, the audit
// log and logging out — and validates every request and answer, refusals
// included, against openapi.yaml. Every status each of these operations
// documents (but 429 and 5xx) is seen.
func TestOpenAPIStaffWorkflow(t *testing.T) {
	f := newSourcesFixture(t, func(*models.Store) Options { return Options{RateLimit: -1} })
	ctx := context.Background()
	id := seedOhio(t, f.store)
	rubric, err := f.store.CurrentRubric(ctx)
	if err != nil || len(rubric.Criteria) < 3 {
		t.Fatalf("rubric: %v %+v", err, rubric)
	}
	s := newSpecChecker(t)
	base := f.srv.URL
	do := func(tc apiCase) string {
		t.Helper()
		_, body := s.do(t, base, tc)
		return string(body)
	}
	const elsewhere = "https://elsewhere.example"
	// huge is a JSON string of a body over the 256 KiB every JSON write is
	// capped at; the spec itself lets it through.
	huge := `"` + strings.Repeat("x", maxJSONBody) + `"`

	// Logging in: three sessions, then refusals, the last because the
	// client has spent its attempts (five a minute).
	session := map[string]*http.Cookie{}
	for _, who := range []string{"editor", "admin", "viewer"} {
		resp, _ := s.do(t, base, apiCase{method: "POST", path: "/api/v1/session", status: 200,
			body: `{"email":"` + who + `@example.org","password":"` + testPassword + `"}`})
		if session[who] = sessionCookie(resp); session[who] == nil {
			t.Fatalf("login %s set no cookie", who)
		}
	}
	editor, admin, viewer := session["editor"], session["admin"], session["viewer"]
	for _, tc := range []apiCase{
		{method: "POST", path: "/api/v1/session", body: `{"email":"editor@example.org"}`, status: 400, offSpec: true},
		{method: "POST", path: "/api/v1/session", body: `{"email":"","password":""}`, status: 400, offSpec: true},
		{method: "POST", path: "/api/v1/session", body: `{"email":"editor@example.org","password":"x"}`, status: 403, origin: elsewhere},
		{method: "POST", path: "/api/v1/session", body: `{"email":"editor@example.org","password":"wrong password"}`, status: 401},
		{method: "POST", path: "/api/v1/session", body: `{"email":"nobody@example.org","password":"` + testPassword + `"}`, status: 401},
		{method: "POST", path: "/api/v1/session", body: `{"email":"admin@example.org","password":"` + testPassword + `"}`, status: 429},
	} {
		do(tc)
	}
	if body := do(apiCase{path: "/api/v1/session", cookie: editor, status: 200}); !strings.Contains(body, `"role":"editor"`) {
		t.Errorf("session: %s", body)
	}
	do(apiCase{path: "/api/v1/session", status: 401})
	if body := do(apiCase{path: "/api/v1/staff/me", cookie: viewer, status: 200}); !strings.Contains(body, `"email":"viewer@example.org"`) ||
		strings.Contains(body, "password") {
		t.Errorf("staff/me: %s", body)
	}
	do(apiCase{path: "/api/v1/staff/me", status: 401})

	// The review queue, with the passage each record was read from.
	body := do(apiCase{path: "/api/v1/staff/review", cookie: viewer, status: 200})
	var queue struct{ Data []models.ReviewItem }
	if err := json.Unmarshal([]byte(body), &queue); err != nil || len(queue.Data) != 1 || queue.Data[0].ID != id ||
		!strings.Contains(queue.Data[0].Passage, "Town hall on the ESSA plan") {
		t.Errorf("review queue: %v %s", err, body)
	}
	act := "/api/v1/staff/activities/" + itoa(id)
	for _, tc := range []apiCase{
		{path: "/api/v1/staff/review?page=2&per_page=1", cookie: viewer, status: 200},
		{path: "/api/v1/staff/review?per_page=0", cookie: viewer, status: 400, offSpec: true},
		{path: "/api/v1/staff/review", status: 401},

		{method: "POST", path: act + "/review", body: `{"decision":"maybe"}`, cookie: editor, status: 400, offSpec: true},
		{method: "POST", path: act + "/review", body: `{"decision":"rejected","reason":" "}`, cookie: editor, status: 400},
		{method: "POST", path: act + "/review", body: `[`, cookie: editor, status: 400, offSpec: true},
		{method: "POST", path: "/api/v1/staff/activities/abc/review", body: `{"decision":"accepted"}`, cookie: editor, status: 400, offSpec: true},
		{method: "POST", path: "/api/v1/staff/activities/999999/review", body: `{"decision":"accepted"}`, cookie: editor, status: 404},
		{method: "POST", path: act + "/review", body: `{"decision":"accepted"}`, cookie: viewer, status: 403},
		{method: "POST", path: act + "/review", body: `{"decision":"accepted"}`, status: 401},
		{method: "POST", path: act + "/review", body: `{"decision":"accepted","reason":"Matches the notice."}`, cookie: editor, status: 200},
	} {
		do(tc)
	}

	// The staff view of the activity, a correction, a deletion and an
	// admin's restoration.
	for _, tc := range []apiCase{
		{path: act, cookie: viewer, status: 200},
		{path: "/api/v1/staff/activities/999999", cookie: viewer, status: 404},
		{path: "/api/v1/staff/activities/0", cookie: viewer, status: 400, offSpec: true},
		{path: act, status: 401},

		{method: "POST", path: act + "/correction", body: `{"activity_type":"party","reason":"x"}`, cookie: editor, status: 400, offSpec: true},
		{method: "POST", path: act + "/correction", body: `{"reason":"x"}`, cookie: editor, status: 400, offSpec: true},
		{method: "POST", path: act + "/correction", body: `{"plan_phase":"draft"}`, cookie: editor, status: 400, offSpec: true},
		{method: "POST", path: act + "/correction", body: `{"plan_phase":"draft","reason":"x","bogus":1}`, cookie: editor, status: 400, offSpec: true},
		{method: "POST", path: act + "/correction", body: `{"plan_phase":"draft","reason":"  "}`, cookie: editor, status: 400},
		{method: "POST", path: act + "/correction", body: `{"plan_phase":"draft","reason":` + huge + `}`, cookie: editor, status: 413},
		{method: "POST", path: "/api/v1/staff/activities/999999/correction", body: `{"plan_phase":"draft","reason":"x"}`, cookie: editor, status: 404},
		{method: "POST", path: act + "/correction", body: `{"plan_phase":"draft","reason":"x"}`, cookie: viewer, status: 403},
		{method: "POST", path: act + "/correction", body: `{"plan_phase":"draft","reason":"x"}`, status: 401},
		{method: "POST", path: act + "/correction", cookie: editor, status: 200, body: `{"activity_type":"listening_session",
			"audience_groups":["parents","students"],"languages":["es","asl"],"interpretation":true,
			"reason":"The notice calls it a listening session, with Spanish and ASL interpretation."}`},
	} {
		do(tc)
	}
	var view struct{ Data staffActivityJSON }
	if err := json.Unmarshal([]byte(do(apiCase{path: act, cookie: viewer, status: 200})), &view); err != nil ||
		len(view.Data.Corrections) != 1 || len(view.Data.History) == 0 || view.Data.History[0].Kind != "corrected" || view.Data.Passage == "" ||
		view.Data.Activity.Rules["activity_type"] != "staff correction" || view.Data.Deleted != nil {
		t.Errorf("staff view after the correction: %v %+v", err, view.Data)
	}
	for _, tc := range []apiCase{
		{method: "DELETE", path: act, cookie: editor, status: 400, offSpec: true},
		{method: "DELETE", path: act, body: `{"reason":""}`, cookie: editor, status: 400, offSpec: true},
		{method: "DELETE", path: act, body: `{"reason":"  "}`, cookie: editor, status: 400},
		{method: "DELETE", path: act, body: `{"reason":` + huge + `}`, cookie: editor, status: 413},
		{method: "DELETE", path: "/api/v1/staff/activities/999999", body: `{"reason":"x"}`, cookie: editor, status: 404},
		{method: "DELETE", path: act, body: `{"reason":"x"}`, cookie: viewer, status: 403},
		{method: "DELETE", path: act, body: `{"reason":"x"}`, status: 401},
	} {
		do(tc)
	}
	if body := do(apiCase{method: "DELETE", path: act, body: `{"reason":"A duplicate of the Columbus session."}`, cookie: editor, status: 200}); !strings.Contains(body, `"deleted":{"at":`) {
		t.Errorf("delete: %s", body)
	}
	for _, tc := range []apiCase{
		{method: "DELETE", path: act, body: `{"reason":"again"}`, cookie: editor, status: 409},
		{path: act, cookie: viewer, status: 200}, // staff still see it
		{path: "/api/v1/activities/" + itoa(id), status: 404},
		{method: "POST", path: act + "/restore", cookie: editor, status: 403},
		{method: "POST", path: act + "/restore", status: 401},
		{method: "POST", path: "/api/v1/staff/activities/999999/restore", cookie: admin, status: 404},
		{method: "POST", path: "/api/v1/staff/activities/x/restore", cookie: admin, status: 400, offSpec: true},
	} {
		do(tc)
	}
	if body := do(apiCase{method: "POST", path: act + "/restore", cookie: admin, status: 200}); !strings.Contains(body, `"deleted":null`) {
		t.Errorf("restore: %s", body)
	}
	do(apiCase{method: "POST", path: act + "/restore", cookie: admin, status: 409})
	do(apiCase{path: "/api/v1/activities/" + itoa(id), status: 200})

	// Scorecard review: nothing to publish, ask about or withdraw before a
	// review is open; opened once; published only after the agency was
	// offered its reply.
	card := "/api/v1/staff/jurisdictions/OH/scorecard"
	rev := "/api/v1/staff/jurisdictions/OH/review"
	for _, tc := range []apiCase{
		{path: card, cookie: viewer, status: 200},
		{path: "/api/v1/staff/jurisdictions/ZZ/scorecard", cookie: viewer, status: 404},
		{path: card, status: 401},

		{method: "POST", path: rev + "/publish", cookie: editor, status: 409},
		{method: "POST", path: rev + "/reply-request", body: `{"contact":"Deputy Superintendent"}`, cookie: editor, status: 409},
		{method: "POST", path: rev + "/withdraw", body: `{"reason":"x"}`, cookie: editor, status: 409},
		{method: "POST", path: rev, cookie: viewer, status: 403},
		{method: "POST", path: rev, status: 401},
		{method: "POST", path: "/api/v1/staff/jurisdictions/ZZ/review", cookie: editor, status: 404},
		{method: "POST", path: rev, cookie: editor, status: 201},
		{method: "POST", path: rev, cookie: editor, status: 200},
		{method: "POST", path: rev + "/publish", cookie: editor, status: 409},
		{method: "POST", path: rev + "/publish", cookie: viewer, status: 403},
		{method: "POST", path: rev + "/publish", status: 401},

		{method: "POST", path: rev + "/reply-request", body: `{}`, cookie: editor, status: 400, offSpec: true},
		{method: "POST", path: rev + "/reply-request", body: `{"contact":"x","due_days":500}`, cookie: editor, status: 400, offSpec: true},
		{method: "POST", path: rev + "/reply-request", body: `{"contact":"x","extra":1}`, cookie: editor, status: 400, offSpec: true},
		{method: "POST", path: rev + "/reply-request", body: `{"contact":"   "}`, cookie: editor, status: 400},
		{method: "POST", path: rev + "/reply-request", body: `{"contact":` + huge + `}`, cookie: editor, status: 413},
		{method: "POST", path: rev + "/reply-request", body: `{"contact":"x"}`, cookie: viewer, status: 403},
		{method: "POST", path: rev + "/reply-request", body: `{"contact":"x"}`, status: 401},
	} {
		do(tc)
	}
	var asked struct {
		Data struct {
			Review    models.ScorecardReview `json:"review"`
			ReplyPath string                 `json:"reply_path"`
			ReplyURL  string                 `json:"reply_url"`
		}
	}
	body = do(apiCase{method: "POST", path: rev + "/reply-request", body: `{"contact":"Deputy Superintendent","due_days":10}`, cookie: editor, status: 200})
	if err := json.Unmarshal([]byte(body), &asked); err != nil || asked.Data.Review.State != models.ReviewReply ||
		asked.Data.ReplyURL != base+asked.Data.ReplyPath {
		t.Fatalf("reply request: %v %s", err, body)
	}
	token := strings.TrimPrefix(asked.Data.ReplyPath, "/reply/")
	do(apiCase{method: "POST", path: rev + "/reply-request", body: `{"contact":"x"}`, cookie: editor, status: 409})

	// Overrides, each rescoring Ohio: the run under review is now older
	// than the draft, and the staff scorecard says so.
	override := func(key string) string { return "/api/v1/jurisdictions/OH/criteria/" + key + "/override" }
	k0, k1 := rubric.Criteria[0].Key, rubric.Criteria[1].Key
	for _, tc := range []apiCase{
		{method: "PUT", path: override(k0), body: `{"kind":"score","score":3,"justification":"The board minutes record a second comment period."}`, cookie: editor, status: 200},
		{method: "PUT", path: override(k1), body: `{"kind":"none_found","justification":"Searched the board minutes and found nothing."}`, cookie: editor, status: 200},
		{method: "PUT", path: override(k1), body: `{"kind":"cleared","justification":"Evidence turned up after all."}`, cookie: editor, status: 200},
		{method: "PUT", path: override(k0), body: `{"justification":"No score given."}`, cookie: editor, status: 400},
		{method: "PUT", path: override(k0), body: `{"score":9,"justification":"x"}`, cookie: editor, status: 400, offSpec: true},
		{method: "PUT", path: override(k0), body: `{"score":"three","justification":"x"}`, cookie: editor, status: 400, offSpec: true},
		{method: "PUT", path: override("no_such_criterion"), body: `{"score":2,"justification":"x"}`, cookie: editor, status: 400},
		{method: "PUT", path: "/api/v1/jurisdictions/ZZ/criteria/" + k0 + "/override", body: `{"score":2,"justification":"x"}`, cookie: editor, status: 404},
		{method: "PUT", path: override(k0), body: `{"score":2,"justification":"x"}`, cookie: viewer, status: 403},
		{method: "PUT", path: override(k0), body: `{"score":2,"justification":"x"}`, status: 401},
	} {
		do(tc)
	}
	var staffCard struct{ Data staffScorecardJSON }
	if err := json.Unmarshal([]byte(do(apiCase{path: card, cookie: viewer, status: 200})), &staffCard); err != nil ||
		staffCard.Data.Review == nil || staffCard.Data.UnderReview == nil || staffCard.Data.Draft.ScoreRunID == nil ||
		*staffCard.Data.UnderReview.ScoreRunID != *asked.Data.Review.ScoreRunID || staffCard.Data.Published.Publication != nil {
		t.Errorf("staff scorecard while the reply is awaited: %v %+v", err, staffCard.Data)
	}

	// The agency replies through its link, once.
	reply := "/api/v1/replies/" + token
	for _, tc := range []apiCase{
		{method: "POST", path: reply, body: `{"body":"","name":"x"}`, status: 400, offSpec: true},
		{method: "POST", path: reply, body: `{"body":"  ","name":"  "}`, status: 400},
		{method: "POST", path: reply, body: `{"body":"x","name":"y","extra":1}`, status: 400, offSpec: true},
		{method: "POST", path: reply, body: `{"body":` + huge + `,"name":"A. Official"}`, status: 413},
		{method: "POST", path: reply, body: `{"body":"x","name":"y"}`, status: 403, origin: elsewhere},
		{method: "POST", path: "/api/v1/replies/not-a-token", body: `{"body":"x","name":"y"}`, status: 410},
		{method: "POST", path: reply, body: `{"body":"We held four more sessions in rural districts.","name":"A. Official","title":"Deputy Superintendent"}`, status: 201},
		{method: "POST", path: reply, body: `{"body":"Again.","name":"A. Official"}`, status: 410},
	} {
		do(tc)
	}

	// Publication: the public scorecard now shows the run the agency was
	// asked about, with its reply.
	body = do(apiCase{method: "POST", path: rev + "/publish", cookie: editor, status: 200})
	if !strings.Contains(body, `"state":"published"`) {
		t.Errorf("publish: %s", body)
	}
	do(apiCase{method: "POST", path: rev + "/publish", cookie: editor, status: 409})
	var public struct{ Data scorecardJSON }
	if err := json.Unmarshal([]byte(do(apiCase{path: "/api/v1/jurisdictions/OH/scorecard", status: 200})), &public); err != nil ||
		public.Data.Publication == nil || public.Data.Publication.Reply == nil || public.Data.ScoreRunID == nil ||
		*public.Data.ScoreRunID != *asked.Data.Review.ScoreRunID {
		t.Errorf("public scorecard after publication: %v %+v", err, public.Data)
	}

	// A second review of Ohio, withdrawn; and one of California, never
	// scored, so there is nothing to ask the agency about.
	for _, tc := range []apiCase{
		{method: "POST", path: rev, cookie: editor, status: 201},
		{method: "POST", path: rev + "/withdraw", body: `{"reason":""}`, cookie: editor, status: 400, offSpec: true},
		{method: "POST", path: rev + "/withdraw", body: `{"reason":"  "}`, cookie: editor, status: 400},
		{method: "POST", path: rev + "/withdraw", body: `{"reason":` + huge + `}`, cookie: editor, status: 413},
		{method: "POST", path: rev + "/withdraw", body: `{"reason":"x"}`, cookie: viewer, status: 403},
		{method: "POST", path: rev + "/withdraw", body: `{"reason":"x"}`, status: 401},
		{method: "POST", path: rev + "/withdraw", body: `{"reason":"Rescored after the corrections; a new review follows."}`, cookie: editor, status: 200},
		{method: "POST", path: rev + "/withdraw", body: `{"reason":"again"}`, cookie: editor, status: 409},
		{method: "POST", path: "/api/v1/staff/jurisdictions/CA/review", cookie: admin, status: 201},
		{method: "POST", path: "/api/v1/staff/jurisdictions/CA/review/reply-request", body: `{"contact":"Chief Deputy"}`, cookie: admin, status: 404},
		{path: "/api/v1/staff/jurisdictions/CA/scorecard", cookie: viewer, status: 200},
	} {
		do(tc)
	}
	staffCard.Data = staffScorecardJSON{}
	if err := json.Unmarshal([]byte(do(apiCase{path: card, cookie: viewer, status: 200})), &staffCard); err != nil ||
		staffCard.Data.Review != nil || staffCard.Data.UnderReview != nil || len(staffCard.Data.Reviews) != 2 ||
		staffCard.Data.Reviews[0].State != models.ReviewWithdrawn || staffCard.Data.Reviews[1].State != models.ReviewPublished {
		t.Errorf("staff scorecard after the withdrawal: %v %+v", err, staffCard.Data)
	}

	// The audit log holds every write, the reply link never.
	for _, tc := range []apiCase{
		{path: "/api/v1/audit?page=1&per_page=5", cookie: admin, status: 200},
		{path: "/api/v1/audit?page=0", cookie: admin, status: 400, offSpec: true},
		{path: "/api/v1/audit", cookie: editor, status: 403},
		{path: "/api/v1/audit", status: 401},
	} {
		do(tc)
	}
	body = do(apiCase{path: "/api/v1/audit?per_page=200", cookie: admin, status: 200})
	var audit struct{ Data []models.AuditEntry }
	if err := json.Unmarshal([]byte(body), &audit); err != nil {
		t.Fatal(err)
	}
	actions := map[string]bool{}
	for _, e := range audit.Data {
		actions[e.Action] = true
	}
	for _, want := range []string{"activity.accepted", "activity.corrected", "activity.deleted", "activity.restored",
		"override.score", "override.none_found", "override.cleared", "review.opened", "review.reply_requested",
		"review.replied", "review.published", "review.withdrawn"} {
		if !actions[want] {
			t.Errorf("no %s in the audit log: %v", want, actions)
		}
	}
	if strings.Contains(body, token) {
		t.Error("the reply token is in the audit log")
	}

	// Logging out: one session, then every session of a user; refused
	// from another site, answered even with no session.
	for _, tc := range []apiCase{
		{method: "DELETE", path: "/api/v1/session", cookie: admin, status: 403, origin: elsewhere},
		{path: "/api/v1/audit", cookie: admin, status: 200}, // still logged in
		{method: "DELETE", path: "/api/v1/session", cookie: admin, status: 204},
		{path: "/api/v1/session", cookie: admin, status: 401},
		{method: "DELETE", path: "/api/v1/session?everywhere=true", cookie: viewer, status: 204},
		{path: "/api/v1/staff/me", cookie: viewer, status: 401},
		{method: "DELETE", path: "/api/v1/session", status: 204},
		{path: "/api/v1/session", cookie: editor, status: 200}, // other users' sessions live on
	} {
		do(tc)
	}

	// Every operation this test covers answered every status it documents
	// but throttling and server failures.
	for path, item := range s.doc.Paths.Map() {
		if !workspacePath(item) || strings.HasPrefix(path, "/api/v1/staff/annotations") ||
			strings.HasPrefix(path, "/api/v1/staff/sources") {
			continue
		}
		for method, op := range item.Operations() {
			key := method + " " + path
			for code := range op.Responses.Map() {
				status, err := strconv.Atoi(code)
				if err != nil {
					t.Errorf("%s: response %q is not a status", key, code)
					continue
				}
				if status != http.StatusTooManyRequests && status < 500 && !s.seenOps[key][status] {
					t.Errorf("%s: documents %d, which the test never saw (saw %v)", key, status, s.seenOps[key])
				}
			}
		}
	}
}
