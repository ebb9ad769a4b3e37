package models_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"heard/models"
)

// day is t0 moved by whole days and hours.
func day(days, hours int) time.Time {
	return t0.Add(time.Duration(days)*24*time.Hour + time.Duration(hours)*time.Hour)
}

// filterSet is a seeded set of activities, varied in every filtered field,
// with the key of each id.
type filterSet struct {
	s    *models.Store
	ctx  context.Context
	ids  map[string]int64
	keys map[int64]string
}

// The seeded activities. Spans are [start, end] around t0, the "now" of
// the upcoming filter:
//
//	listen      MA listening_session pre_draft      parents,teachers     [d3+9h, d3+11h]
//	sesiones    NM listening_session draft          parents,el_advocates [d10, d10+2h]  Spanish
//	comment     MA comment_period    comment        public               [d-10, d20]    open
//	closed      MA comment_period    comment        public,civil_rights  [d-60, d-30]   held
//	board       NM board_meeting     submitted      state_board          [d-5, d-5+3h]  "listening session" in description
//	cancelled   MA town_hall         draft          parents              [d5]           cancelled
//	rejected    MA webinar           pre_draft      teachers             [d1]           rejected by staff
//	undated     NM survey            implementation parents,students     undated
//	deadline    MA written_comment   comment        public               end d2 only
//	survey      MA survey            draft          students             [d-3, d7]      open, not a comment period
//	advisory1/2 MA advisory_meeting  implementation lea,rural_lea        [d-20, d-20+1h] identical twins
func seedFilterSet(t *testing.T) *filterSet {
	t.Helper()
	s, ctx := newStore(t)
	ma, nm := newFixture(t, ctx, s, "MA"), newFixture(t, ctx, s, "NM")
	type seed struct {
		key, code  string
		typ        models.ActivityType
		phase      models.PlanPhase
		groups     string
		start, end *time.Time
		status     models.ActivityStatus
		title      string
		desc       string
		location   string
		region     string
	}
	at := func(days, hours int) *time.Time { d := day(days, hours); return &d }
	seeds := []seed{
		{"listen", "MA", models.TypeListeningSession, models.PhasePreDraft, "parents teachers", at(3, 9), at(3, 11),
			models.StatusScheduled, "Listening session on school quality", "Tell us what matters for your schools.",
			"Boston Public Library", "Suffolk County"},
		{"sesiones", "NM", models.TypeListeningSession, models.PhaseDraft, "parents el_advocates", at(10, 0), at(10, 2),
			models.StatusScheduled, "Sesiones de escucha para familias", "Reunión comunitaria en español sobre el plan estatal.",
			"Las Cruces", "Doña Ana"},
		{"comment", "MA", models.TypeCommentPeriod, models.PhaseComment, "public", at(-10, 0), at(20, 0),
			models.StatusScheduled, "Public comment on the draft state plan", "Submit written comments online.", "", ""},
		{"closed", "MA", models.TypeCommentPeriod, models.PhaseComment, "public civil_rights", at(-60, 0), at(-30, 0),
			models.StatusHeld, "Comment period on accountability measures", "", "", ""},
		{"board", "NM", models.TypeBoardMeeting, models.PhaseSubmitted, "state_board", at(-5, 0), at(-5, 3),
			models.StatusHeld, "State board meeting", "The board hears a summary of each listening session.", "Santa Fe", ""},
		{"cancelled", "MA", models.TypeTownHall, models.PhaseDraft, "parents", at(5, 0), nil,
			models.StatusCancelled, "Town hall", "", "Worcester", "Worcester County"},
		{"rejected", "MA", models.TypeWebinar, models.PhasePreDraft, "teachers", at(1, 0), nil,
			models.StatusScheduled, "Webinar: listening session recap", "", "", ""},
		{"undated", "NM", models.TypeSurvey, models.PhaseImplementation, "parents students", nil, nil,
			models.StatusUnknown, "Family survey on school climate", "", "", ""},
		{"deadline", "MA", models.TypeWrittenComment, models.PhaseComment, "public", nil, at(2, 0),
			models.StatusScheduled, "Written comments due", "", "", ""},
		{"survey", "MA", models.TypeSurvey, models.PhaseDraft, "students", at(-3, 0), at(7, 0),
			models.StatusScheduled, "Student voice survey", "", "", ""},
		{"advisory1", "MA", models.TypeAdvisoryMeeting, models.PhaseImplementation, "lea rural_lea", at(-20, 0), at(-20, 1),
			models.StatusHeld, "Advisory committee meeting", "", "", ""},
		{"advisory2", "MA", models.TypeAdvisoryMeeting, models.PhaseImplementation, "lea rural_lea", at(-20, 0), at(-20, 1),
			models.StatusHeld, "Advisory committee meeting", "", "", ""},
	}
	fs := &filterSet{s: s, ctx: ctx, ids: map[string]int64{}, keys: map[int64]string{}}
	for _, sd := range seeds {
		a := models.Activity{Jurisdiction: sd.code, DedupeKey: sd.key, Type: sd.typ, Phase: sd.phase,
			AudienceGroups: models.StringList(strings.Fields(sd.groups)), Start: sd.start, End: sd.end,
			Status: sd.status, Title: sd.title, Description: sd.desc, Location: sd.location, Region: sd.region,
			TimeZone: "America/New_York"}
		src := ma.from(t0)
		if sd.code == "NM" {
			a.TimeZone, src = "America/Denver", nm.from(t0)
		}
		id, _ := mustUpsert(t, ctx, s, a, src)
		fs.ids[sd.key], fs.keys[id] = id, sd.key
	}
	if _, err := s.DB().ExecContext(ctx, `UPDATE activities SET review_status = 'rejected' WHERE id = $1`, fs.ids["rejected"]); err != nil {
		t.Fatal(err)
	}
	return fs
}

// list returns the keys Activities lists for f, in order, and the total.
func (fs *filterSet) list(t *testing.T, f models.ActivityFilter) ([]string, int) {
	t.Helper()
	acts, total, err := fs.s.Activities(fs.ctx, f)
	if err != nil {
		t.Fatalf("Activities(%+v): %v", f, err)
	}
	if acts == nil {
		t.Fatalf("Activities(%+v) returned nil, want a list", f)
	}
	out := []string{}
	for _, a := range acts {
		out = append(out, fs.keys[a.ID])
	}
	return out, total
}

func sorted(keys []string) []string {
	out := slices.Clone(keys)
	slices.Sort(out)
	return out
}

func TestStoreActivitiesFilters(t *testing.T) {
	t.Parallel()
	fs := seedFilterSet(t)
	at := func(days, hours int) *time.Time { d := day(days, hours); return &d }
	shift := func(tm *time.Time, d time.Duration) *time.Time { u := tm.Add(d); return &u }
	types := func(ts ...models.ActivityType) []models.ActivityType { return ts }
	phases := func(ps ...models.PlanPhase) []models.PlanPhase { return ps }
	groups := func(gs ...models.AudienceGroup) []models.AudienceGroup { return gs }
	tests := []struct {
		name   string
		filter models.ActivityFilter
		want   string // the keys, in any order
	}{
		{"everything", models.ActivityFilter{},
			"listen sesiones comment closed board cancelled undated deadline survey advisory1 advisory2"},
		{"with rejected", models.ActivityFilter{IncludeRejected: true},
			"listen sesiones comment closed board cancelled rejected undated deadline survey advisory1 advisory2"},
		{"one state", models.ActivityFilter{Jurisdiction: "nm"}, "sesiones board undated"},

		{"one type", models.ActivityFilter{Types: types(models.TypeListeningSession)}, "listen sesiones"},
		{"two types", models.ActivityFilter{Types: types(models.TypeListeningSession, models.TypeCommentPeriod)},
			"listen sesiones comment closed"},
		{"a type only rejected has", models.ActivityFilter{Types: types(models.TypeWebinar)}, ""},
		{"a type only rejected has, with rejected", models.ActivityFilter{Types: types(models.TypeWebinar), IncludeRejected: true}, "rejected"},

		{"one phase", models.ActivityFilter{Phases: phases(models.PhaseComment)}, "comment closed deadline"},
		{"two phases", models.ActivityFilter{Phases: phases(models.PhaseComment, models.PhaseSubmitted)},
			"comment closed deadline board"},

		{"one group", models.ActivityFilter{Groups: groups(models.GroupParents)}, "listen sesiones cancelled undated"},
		{"any of two groups", models.ActivityFilter{Groups: groups(models.GroupStudents, models.GroupCivilRights)},
			"undated survey closed"},
		{"a group nobody addressed", models.ActivityFilter{Groups: groups(models.GroupTribes)}, ""},

		{"from now", models.ActivityFilter{From: at(0, 0)}, "listen sesiones comment cancelled deadline survey"},
		{"to now", models.ActivityFilter{To: at(0, 0)}, "comment closed board survey advisory1 advisory2"},
		{"from and to now", models.ActivityFilter{From: at(0, 0), To: at(0, 0)}, "comment survey"},
		{"to the first instant of a span", models.ActivityFilter{To: at(-10, 0)}, "comment closed advisory1 advisory2"},
		{"to just before a span", models.ActivityFilter{To: shift(at(-10, 0), -time.Microsecond)}, "closed advisory1 advisory2"},
		{"from the last instant of a span", models.ActivityFilter{From: at(-30, 0), To: at(-25, 0)}, "closed"},
		{"from just after a span", models.ActivityFilter{From: shift(at(-30, 0), time.Microsecond), To: at(-25, 0)}, ""},
		{"a window inside spans", models.ActivityFilter{From: at(1, 0), To: at(1, 1)}, "comment survey"},
		{"an activity with only an end", models.ActivityFilter{From: at(2, 0), To: at(2, 0)}, "comment deadline survey"},

		{"upcoming", models.ActivityFilter{Upcoming: true, Now: t0}, "listen sesiones comment"},
		{"upcoming, with rejected", models.ActivityFilter{Upcoming: true, Now: t0, IncludeRejected: true},
			"listen sesiones comment rejected"},
		{"upcoming at a start", models.ActivityFilter{Upcoming: true, Now: day(3, 9)}, "listen sesiones comment"},
		{"upcoming just after a start", models.ActivityFilter{Upcoming: true, Now: *shift(at(3, 9), time.Microsecond)},
			"sesiones comment"},
		{"upcoming at a comment period's close", models.ActivityFilter{Upcoming: true, Now: day(20, 0)}, "comment"},
		{"upcoming after every close", models.ActivityFilter{Upcoming: true, Now: *shift(at(20, 0), time.Microsecond)}, ""},
		{"upcoming long ago", models.ActivityFilter{Upcoming: true, Now: day(-100, 0)},
			"listen sesiones comment closed board survey advisory1 advisory2"},

		{"q stemmed English", models.ActivityFilter{Query: "sessions"}, "listen board"},
		{"q upper case", models.ActivityFilter{Query: "LISTENING"}, "listen board"},
		{"q exact Spanish", models.ActivityFilter{Query: "sesiones"}, "sesiones"},
		{"q Spanish with accents", models.ActivityFilter{Query: "español reunión"}, "sesiones"},
		{"q in the region", models.ActivityFilter{Query: "Suffolk"}, "listen"},
		{"q in the location", models.ActivityFilter{Query: "worcester"}, "cancelled"},
		{"q phrase", models.ActivityFilter{Query: `"public comment"`}, "comment"},
		{"q or", models.ActivityFilter{Query: "escucha or advisory"}, "sesiones advisory1 advisory2"},
		{"q not", models.ActivityFilter{Query: "listening -webinar", IncludeRejected: true}, "listen board"},
		{"q nothing matches", models.ActivityFilter{Query: "zebra"}, ""},
		{"q without words", models.ActivityFilter{Query: "!!!"}, ""},
		{"q blank", models.ActivityFilter{Query: "   "},
			"listen sesiones comment closed board cancelled undated deadline survey advisory1 advisory2"},

		{"state, type and upcoming", models.ActivityFilter{Jurisdiction: "NM", Types: types(models.TypeListeningSession),
			Upcoming: true, Now: t0}, "sesiones"},
		{"group, phase and from", models.ActivityFilter{Jurisdiction: "MA", Groups: groups(models.GroupPublic),
			Phases: phases(models.PhaseComment), From: at(0, 0)}, "comment deadline"},
		{"q and upcoming", models.ActivityFilter{Query: "session", Upcoming: true, Now: t0}, "listen"},
		{"type and to", models.ActivityFilter{Types: types(models.TypeCommentPeriod), To: at(-20, 0)}, "closed"},
		{"q, state and phase", models.ActivityFilter{Query: "comments", Jurisdiction: "MA", Phases: phases(models.PhaseComment)},
			"comment closed deadline"},
		{"groups and rejected", models.ActivityFilter{Groups: groups(models.GroupTeachers), IncludeRejected: true}, "listen rejected"},
		{"everything at once", models.ActivityFilter{Jurisdiction: "MA", Types: types(models.TypeCommentPeriod, models.TypeSurvey),
			Phases: phases(models.PhaseComment, models.PhaseDraft), Groups: groups(models.GroupPublic, models.GroupStudents),
			From: at(-1, 0), To: at(1, 0), Upcoming: true, Now: t0, Query: "comment"}, "comment"},
	}
	for _, tc := range tests {
		got, total := fs.list(t, tc.filter)
		want := strings.Fields(tc.want)
		if !slices.Equal(sorted(got), sorted(want)) || total != len(want) {
			t.Errorf("%s: %v (total %d), want %v (total %d)", tc.name, got, total, sorted(want), len(want))
		}
	}
}

func TestStoreActivitiesOrder(t *testing.T) {
	t.Parallel()
	fs := seedFilterSet(t)
	tests := []struct {
		name   string
		filter models.ActivityFilter
		want   string // the keys in order
	}{
		// Newest start first, twins by id, undated (no start) last by id.
		{"by start", models.ActivityFilter{},
			"sesiones cancelled listen survey board comment advisory1 advisory2 closed undated deadline"},
		// A hit in the title outranks one in the description.
		{"by rank", models.ActivityFilter{Query: "listening sessions"}, "listen board"},
		{"rank ties by id", models.ActivityFilter{Query: "advisory"}, "advisory1 advisory2"},
		{"a filter keeps the order", models.ActivityFilter{Jurisdiction: "MA", Phases: []models.PlanPhase{models.PhaseComment}},
			"comment closed deadline"},
	}
	for _, tc := range tests {
		if got, _ := fs.list(t, tc.filter); !slices.Equal(got, strings.Fields(tc.want)) {
			t.Errorf("%s: %v, want %s", tc.name, got, tc.want)
		}
	}
	// The description hit ranks strictly lower, not just later by id.
	var title, desc float64
	err := fs.s.DB().QueryRowContext(fs.ctx, `SELECT
		(SELECT ts_rank(search, websearch_to_tsquery('english', 'session')) FROM activities WHERE id = $1),
		(SELECT ts_rank(search, websearch_to_tsquery('english', 'session')) FROM activities WHERE id = $2)`,
		fs.ids["listen"], fs.ids["board"]).Scan(&title, &desc)
	if err != nil {
		t.Fatal(err)
	}
	if title <= desc {
		t.Errorf("rank of a title hit %v, of a description hit %v; want the title higher", title, desc)
	}
}

// TestStoreActivitiesPaging walks every page of several listings and page
// sizes: each activity comes exactly once, in the unpaged order, and every
// page (even one past the end) reports the same total.
func TestStoreActivitiesPaging(t *testing.T) {
	t.Parallel()
	fs := seedFilterSet(t)
	filters := []models.ActivityFilter{
		{},
		{IncludeRejected: true},
		{Query: "comment or session or advisory or survey"},
		{Jurisdiction: "MA", Phases: []models.PlanPhase{models.PhaseComment, models.PhaseImplementation}},
		{Upcoming: true, Now: day(-100, 0)},
	}
	for _, f := range filters {
		all, total := fs.list(t, f)
		if total != len(all) || len(all) < 3 {
			t.Fatalf("%+v: %d listed of %d; want at least 3, all of them", f, len(all), total)
		}
		for size := 1; size <= 4; size++ {
			var walked []string
			for off := 0; ; off += size {
				p := f
				p.Limit, p.Offset = size, off
				page, pageTotal := fs.list(t, p)
				if pageTotal != total {
					t.Errorf("%+v: total %d, want %d", p, pageTotal, total)
				}
				if len(page) == 0 {
					break
				}
				walked = append(walked, page...)
			}
			if !slices.Equal(walked, all) {
				t.Errorf("%+v in pages of %d: %v, want %v", f, size, walked, all)
			}
			seen := map[string]bool{}
			for _, k := range walked {
				if seen[k] {
					t.Errorf("%+v in pages of %d: %s twice", f, size, k)
				}
				seen[k] = true
			}
		}
	}
	got, total := fs.list(t, models.ActivityFilter{Types: []models.ActivityType{models.TypeListeningSession}, Limit: 1, Offset: 5})
	if len(got) != 0 || total != 2 {
		t.Errorf("past the last page of a filtered list: %v of %d, want none of 2", got, total)
	}
}

// TestStoreActivitiesSearchFollowsEdits checks that the generated search
// column follows the title when a scrape changes it, and that it stays out
// of the activity's history.
func TestStoreActivitiesSearchFollowsEdits(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	f := newFixture(t, ctx, s, "MA")
	a := newActivity("MA", "renamed")
	id, _ := mustUpsert(t, ctx, s, a, f.from(t0))
	a.Title = "Roundtable with superintendents"
	mustUpsert(t, ctx, s, a, f.from(t0.Add(time.Hour)))
	for q, want := range map[string]int{"tour": 0, "roundtable": 1, "superintendent": 1} {
		if _, total, err := s.Activities(ctx, models.ActivityFilter{Query: q}); err != nil || total != want {
			t.Errorf("q %q: %d found, %v; want %d", q, total, err, want)
		}
	}
	hist, err := s.ActivityHistory(ctx, id)
	if err != nil || len(hist) != 1 {
		t.Fatalf("history: %v, %v", hist, err)
	}
	if strings.Contains(string(hist[0].After), "search") || !strings.Contains(string(hist[0].After), "Roundtable") {
		t.Errorf("history after = %s, want the title and no search column", hist[0].After)
	}
}
