package handlers

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"heard/models"
)

// withNewMexico adds New Mexico activities to the fixture's three in Ohio:
// a Spanish listening session, a past board meeting, a cancelled town hall
// and a webinar starting at midnight UTC, for the date edges.
func (f *fixture) withNewMexico(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	src, err := f.store.UpsertSource(ctx, models.Source{Jurisdiction: "NM", Kind: models.KindHTML,
		URL: "http://127.0.0.1:1/nm.html", Name: "NM hub", Enabled: true, Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	midnight := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	acts := []models.Activity{
		{Type: models.TypeListeningSession, Title: "Sesiones de escucha para familias", Start: ptr(testNow.Add(5 * 24 * time.Hour)),
			Phase: models.PhaseDraft, Status: models.StatusScheduled, AudienceGroups: models.StringList{"parents", "el_advocates"}},
		{Type: models.TypeBoardMeeting, Title: "State board meeting", Start: ptr(testNow.Add(-3 * 24 * time.Hour)),
			Phase: models.PhaseSubmitted, Status: models.StatusHeld, AudienceGroups: models.StringList{"state_board"}},
		{Type: models.TypeTownHall, Title: "Town hall in Las Cruces", Start: ptr(testNow.Add(2 * 24 * time.Hour)),
			Phase: models.PhaseDraft, Status: models.StatusCancelled, AudienceGroups: models.StringList{"parents"}},
		{Type: models.TypeWebinar, Title: "Midnight webinar", Start: &midnight,
			Phase: models.PhaseDraft, Status: models.StatusHeld, AudienceGroups: models.StringList{"teachers"}},
	}
	for _, a := range acts {
		a.Jurisdiction, a.TimeZone, a.Demo, a.DedupeKey = "NM", "America/Denver", true, "nm:"+a.Title
		if _, _, err := f.store.UpsertActivity(ctx, a, models.ActivitySource{SourceID: src.ID,
			URL: src.URL, SnapshotSHA256: f.snapshot, RetrievedAt: testNow}); err != nil {
			t.Fatal(err)
		}
	}
}

type activityList struct {
	Data []struct {
		ID    int64  `json:"id"`
		Title string `json:"title"`
	} `json:"data"`
	Meta listMeta `json:"meta"`
}

func (l activityList) titles() []string {
	out := []string{}
	for _, a := range l.Data {
		out = append(out, a.Title)
	}
	return out
}

func TestActivityFilters(t *testing.T) {
	f := newFixture(t)
	f.withNewMexico(t)
	const (
		listening = "Listening session for parents & teachers"
		comment   = "Public comment on the draft plan"
		heard     = "What we heard"
		sesiones  = "Sesiones de escucha para familias"
		board     = "State board meeting"
		townHall  = "Town hall in Las Cruces"
		midnight  = "Midnight webinar"
	)
	tests := []struct {
		path string
		want []string // in order
	}{
		{"/api/v1/activities", []string{sesiones, listening, townHall, midnight, board, comment, heard}},
		{"/api/v1/activities?state=nm", []string{sesiones, townHall, midnight, board}},
		{"/api/v1/activities?type=listening_session", []string{sesiones, listening}},
		{"/api/v1/activities?type=listening_session,comment_period", []string{sesiones, listening, comment}},
		{"/api/v1/activities?type=listening_session&type=comment_period&type=listening_session", []string{sesiones, listening, comment}},
		{"/api/v1/activities?type=,listening_session,+", []string{sesiones, listening}},
		{"/api/v1/activities?phase=comment,submitted", []string{board, comment}},
		{"/api/v1/activities?group=parents", []string{sesiones, listening, townHall}},
		{"/api/v1/activities?group=public&group=state_board", []string{board, comment}},
		{"/api/v1/activities?from=2026-11-22&to=2026-11-22", []string{comment}},
		// A date ends a range at the end of that day (UTC), not a moment later.
		{"/api/v1/activities?from=2026-11-19&to=2026-11-19", []string{board, comment}},
		{"/api/v1/activities?from=2026-11-20&to=2026-11-20", []string{midnight, comment}},
		{"/api/v1/activities?to=2026-11-19T11:59:59Z", []string{comment, heard}},
		{"/api/v1/activities?to=2026-11-19T12:00:00Z", []string{board, comment, heard}},
		{"/api/v1/activities?to=2026-11-19T07:00:00-05:00", []string{board, comment, heard}},
		{"/api/v1/activities?to=2026-11-19T13:00:00+01:00", []string{board, comment, heard}}, // '+' arrives as a space
		{"/api/v1/activities?from=2026-11-25T12:00:00Z", []string{sesiones, listening, comment}},
		{"/api/v1/activities?upcoming=true", []string{sesiones, listening, comment}},
		{"/api/v1/activities?upcoming=false", []string{sesiones, listening, townHall, midnight, board, comment, heard}},
		{"/api/v1/activities?q=sessions", []string{listening}},
		{"/api/v1/activities?q=sesiones", []string{sesiones}},
		// The two-word phrase outranks the one word, though the board met later.
		{"/api/v1/activities?q=" + url.QueryEscape(`"public comment" or board`), []string{comment, board}},
		{"/api/v1/activities?state=NM&group=parents&upcoming=true", []string{sesiones}},
		{"/api/v1/activities?sort=title&foo=bar", []string{sesiones, listening, townHall, midnight, board, comment, heard}},
		{"/api/v1/jurisdictions/OH/activities?type=comment_period", []string{comment}},
		{"/api/v1/jurisdictions/oh/activities?q=session&upcoming=true", []string{listening}},
		// state is not read on a jurisdiction's own listing.
		{"/api/v1/jurisdictions/OH/activities?state=NM", []string{listening, comment, heard}},
		{"/api/v1/jurisdictions/OH/activities?state=XX", []string{listening, comment, heard}},
	}
	for _, tt := range tests {
		var got activityList
		f.getJSON(t, tt.path, http.StatusOK, &got)
		if !slices.Equal(got.titles(), tt.want) || got.Meta.Total != len(tt.want) {
			t.Errorf("%s: %q (total %d), want %q", tt.path, got.titles(), got.Meta.Total, tt.want)
		}
		if got.Meta.Page != 1 || got.Meta.PerPage != 50 {
			t.Errorf("%s: meta %+v, want page 1 of 50", tt.path, got.Meta)
		}
	}
}

func TestActivityFiltersInvalid(t *testing.T) {
	f := newFixture(t)
	long := strings.Repeat("é", MaxQueryLen+1)
	tests := []struct {
		query  string
		fields map[string]string // field → a fragment its message must hold
	}{
		{"state=XX", map[string]string{"state": `"XX"`}},
		{"state=Ohio", map[string]string{"state": `"Ohio"`}},
		{"type=picnic", map[string]string{"type": `"picnic"`}},
		{"type=listening_session,picnic", map[string]string{"type": `"picnic"`}},
		{"type=picnic&type=rave", map[string]string{"type": `"picnic", "rave"`}},
		{"type=Listening_Session", map[string]string{"type": `"Listening_Session"`}},
		{"phase=drafting", map[string]string{"phase": `"drafting"`}},
		{"group=aliens", map[string]string{"group": `"aliens"`}},
		{"group=parents,robots", map[string]string{"group": `"robots"`}},
		{"from=yesterday", map[string]string{"from": `"yesterday"`}},
		{"to=2026-13-01", map[string]string{"to": `"2026-13-01"`}},
		{"to=2026-11-22T25:00:00Z", map[string]string{"to": `"2026-11-22T25:00:00Z"`}},
		{"from=2026-11-23&to=2026-11-22", map[string]string{"to": "before from"}},
		{"from=2026-11-22T10:00:00Z&to=2026-11-22T09:59:59Z", map[string]string{"to": "before from"}},
		{"upcoming=yes", map[string]string{"upcoming": `"yes"`}},
		{"upcoming=1", map[string]string{"upcoming": `"1"`}},
		{"upcoming=TRUE", map[string]string{"upcoming": `"TRUE"`}},
		{"upcoming=", map[string]string{}}, // empty is absent: no error
		{"q=" + url.QueryEscape(long), map[string]string{"q": "at most 200"}},
		{"q=%ff", map[string]string{"q": "UTF-8"}},
		{"q=a%00b", map[string]string{"q": "UTF-8"}},
		{"page=0", map[string]string{"page": "from 1"}},
		{"per_page=201", map[string]string{"per_page": "1 to 200"}},
		// Every bad field is named in the one answer.
		{"state=XX&type=picnic&phase=x&group=y&from=z&to=w&upcoming=maybe&q=" + url.QueryEscape(long) + "&page=-1&per_page=0",
			map[string]string{"state": `"XX"`, "type": `"picnic"`, "phase": `"x"`, "group": `"y"`, "from": `"z"`,
				"to": `"w"`, "upcoming": `"maybe"`, "q": "200", "page": "", "per_page": ""}},
	}
	for _, tt := range tests {
		for _, base := range []string{"/api/v1/activities?", "/api/v1/jurisdictions/OH/activities?"} {
			fields := tt.fields
			if strings.HasPrefix(base, "/api/v1/jurisdictions/") {
				// A jurisdiction's listing does not read state.
				fields = map[string]string{}
				for k, v := range tt.fields {
					if k != "state" {
						fields[k] = v
					}
				}
			}
			if len(fields) == 0 {
				var ok activityList
				f.getJSON(t, base+tt.query, http.StatusOK, &ok)
				continue
			}
			var e errorBody
			f.getJSON(t, base+tt.query, http.StatusBadRequest, &e)
			if e.Error.Code != "invalid" || e.Error.Message == "" || len(e.Error.Fields) != len(fields) {
				t.Errorf("%s%s: error %+v, want exactly fields %v", base, tt.query, e.Error, fields)
				continue
			}
			for field, fragment := range fields {
				if msg, ok := e.Error.Fields[field]; !ok || !strings.Contains(msg, fragment) {
					t.Errorf("%s%s: field %s = %q, want it to hold %q", base, tt.query, field, msg, fragment)
				}
			}
		}
	}
	// The longest query allowed is fine.
	var ok activityList
	f.getJSON(t, "/api/v1/activities?q="+url.QueryEscape(strings.Repeat("é", MaxQueryLen)), http.StatusOK, &ok)
	// A bad parameter on an unknown jurisdiction is still a 400; a good one a 404.
	var e errorBody
	f.getJSON(t, "/api/v1/jurisdictions/ZZ/activities?type=picnic", http.StatusBadRequest, &e)
	f.getJSON(t, "/api/v1/jurisdictions/ZZ/activities?type=survey", http.StatusNotFound, &e)
}

// TestActivityPaging walks every page of the global listing, plain and
// filtered: each activity comes once, in order, with the same total.
func TestActivityPaging(t *testing.T) {
	f := newFixture(t)
	f.withNewMexico(t)
	for _, filter := range []string{"", "&type=listening_session,webinar,board_meeting,comment_period", "&q=session+or+meeting+or+comment"} {
		var all activityList
		f.getJSON(t, "/api/v1/activities?per_page=200"+filter, http.StatusOK, &all)
		if len(all.Data) < 3 || all.Meta.Total != len(all.Data) {
			t.Fatalf("%s: %d of %d", filter, len(all.Data), all.Meta.Total)
		}
		for perPage := 1; perPage <= 3; perPage++ {
			var walked []int64
			for page := 1; ; page++ {
				var got activityList
				f.getJSON(t, "/api/v1/activities?per_page="+itoa(int64(perPage))+"&page="+itoa(int64(page))+filter, http.StatusOK, &got)
				if got.Meta.Total != all.Meta.Total || got.Meta.Page != page || got.Meta.PerPage != perPage {
					t.Errorf("%s page %d of %d: meta %+v, total want %d", filter, page, perPage, got.Meta, all.Meta.Total)
				}
				if len(got.Data) == 0 {
					break
				}
				for _, a := range got.Data {
					walked = append(walked, a.ID)
				}
			}
			var want []int64
			for _, a := range all.Data {
				want = append(want, a.ID)
			}
			if !slices.Equal(walked, want) {
				t.Errorf("%s in pages of %d: %v, want %v", filter, perPage, walked, want)
			}
			seen := map[int64]bool{}
			for _, id := range walked {
				if seen[id] {
					t.Errorf("%s in pages of %d: activity %d twice", filter, perPage, id)
				}
				seen[id] = true
			}
		}
	}
}

func TestParseInstant(t *testing.T) {
	tests := []struct {
		in       string
		endOfDay bool
		want     time.Time
		ok       bool
	}{
		{"2026-11-22", false, time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), true},
		{"2026-11-22", true, time.Date(2026, 11, 22, 23, 59, 59, 999999000, time.UTC), true},
		{"2026-11-22T09:30:00Z", true, time.Date(2026, 11, 22, 9, 30, 0, 0, time.UTC), true},
		{"2026-11-22T09:30:00.5-05:00", false, time.Date(2026, 11, 22, 14, 30, 0, 500000000, time.UTC), true},
		{"2026-11-22T09:30:00 01:00", false, time.Date(2026, 11, 22, 8, 30, 0, 0, time.UTC), true},
		{"2026-02-30", false, time.Time{}, false},
		{"22/11/2026", false, time.Time{}, false},
		{"2026-11-22T09:30", false, time.Time{}, false},
		{"", false, time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := parseInstant(tt.in, tt.endOfDay)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("parseInstant(%q, %v) = %v, %v; want %v, %v", tt.in, tt.endOfDay, got, ok, tt.want, tt.ok)
		}
	}
}
