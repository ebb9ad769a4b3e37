package scrapers

import (
	"slices"
	"strings"
	"testing"
	"time"

	"heard/models"
)

var (
	ohio    = models.Jurisdiction{Code: "OH", Name: "Ohio", TimeZone: "America/New_York"}
	arizona = models.Jurisdiction{Code: "AZ", Name: "Arizona", TimeZone: "America/Phoenix"}
	// extractNow is the clock every extraction test reads: 1 February 2027.
	extractNow = time.Date(2027, 2, 1, 12, 0, 0, 0, time.UTC)
)

func ptime(t time.Time) *time.Time { return &t }

// extractCase says what Extract must make of one item. Empty strings and
// nil lists are not checked; an empty, non-nil list must match exactly.
type extractCase struct {
	name   string
	j      models.Jurisdiction
	item   Item
	drop   bool
	typ    models.ActivityType
	start  string // RFC 3339 in the jurisdiction's zone, "-" for none
	end    string
	allDay bool
	groups []string
	langs  []string
	feats  []string
	phase  models.PlanPhase
	status models.ActivityStatus
	remote bool
	interp bool
	rules  map[string]string
}

var extractCases = []extractCase{
	{
		name: "evening listening session with interpretation",
		item: Item{Title: "ESSA Listening Session for Parents and Teachers – Dayton",
			Description: "Join us Wednesday, March 3, 6–8 p.m. at the Dayton Metro Library. Interpretation in Spanish and Somali available. To request an accommodation, contact the Office of Engagement.",
			Location:    "Dayton Metro Library, Dayton"},
		typ: models.TypeListeningSession, start: "2027-03-03T18:00:00-05:00", end: "2027-03-03T20:00:00-05:00",
		groups: []string{"teachers", "parents"}, langs: []string{"en", "es", "so"}, feats: []string{"accommodation", "evening"},
		phase: models.PhasePreDraft, status: models.StatusScheduled, interp: true,
		rules: map[string]string{"activity_type": "type:keyword:listening session", "start": "start:month-day-time-range", "end": "end:time-range", "plan_phase": "phase:default"},
	},
	{
		name: "comment window from through",
		item: Item{Title: "Public Comment Period on Draft ESSA State Plan",
			Description: "The Department is accepting public comment from January 5 through February 10, 2027. Comments may be submitted online."},
		typ: models.TypeCommentPeriod, start: "2027-01-05T00:00:00-05:00", end: "2027-02-10T23:59:00-05:00", allDay: true,
		phase: models.PhaseComment, status: models.StatusScheduled, remote: true,
		rules: map[string]string{"start": "start:window-month-day", "end": "end:window", "status": "status:open-window", "plan_phase": "phase:type:comment_period"},
	},
	{
		name: "comments due deadline only, amendment",
		item: Item{Title: "Comments due Feb. 10 on proposed ESSA plan amendment", Description: "Submit comments to essa@education.ohio.gov."},
		typ:  models.TypeCommentPeriod, start: "-", end: "2027-02-10T23:59:00-05:00",
		phase: models.PhaseAmendment, status: models.StatusScheduled,
		rules: map[string]string{"end": "end:deadline", "plan_phase": "phase:keyword:amendment", "activity_type": "type:keyword:comments due"},
	},
	{
		name: "comment window with en dash and abbreviations, opens and closes",
		item: Item{Title: "ESSA waiver request: public comment", DateText: "Jan. 5 – Feb. 10"},
		typ:  models.TypeCommentPeriod, start: "2027-01-05T00:00:00-05:00", end: "2027-02-10T23:59:00-05:00", allDay: true,
		phase: models.PhaseAmendment, status: models.StatusScheduled,
	},
	{
		name: "deadline with a time and a separate opening date",
		item: Item{Title: "Submit comments on the ESSA accountability draft",
			Description: "Comments are due by 5 p.m. on February 10, 2027; the comment period opens January 12."},
		typ: models.TypeCommentPeriod, start: "2027-01-12T00:00:00-05:00", end: "2027-02-10T17:00:00-05:00",
		rules: map[string]string{"end": "end:deadline"},
	},
	{
		name: "comment window across new year without years",
		item: Item{Title: "Public comment on ESSA plan", DateText: "December 15 - January 20"},
		typ:  models.TypeCommentPeriod, start: "2026-12-15T00:00:00-05:00", end: "2027-01-20T23:59:00-05:00", status: models.StatusHeld,
	},
	{
		name: "Spanish-language listening session",
		item: Item{Title: "Sesión de escucha para padres sobre el plan estatal ESSA",
			Description: "Los padres y familias están invitados a compartir sus comentarios sobre la escuela. Miércoles, 3 de marzo de 2027, de 6:00 a 8:00 p.m. Habrá interpretación."},
		typ: models.TypeListeningSession, start: "2027-03-03T18:00:00-05:00", end: "2027-03-03T20:00:00-05:00",
		groups: []string{"parents"}, langs: []string{"es"}, feats: []string{"evening"}, interp: true,
		rules: map[string]string{"languages": "language:es:spanish-words", "start": "start:spanish-date-time-range"},
	},
	{name: "unrelated: highway funding", item: Item{Title: "Governor announces new highway funding", Description: "$40 million for roads and bridges."}, drop: true},
	{name: "unrelated: new CFO", item: Item{Title: "State hires new CFO", Description: "The agency named a chief financial officer who starts March 1."}, drop: true},
	{name: "unrelated: teacher of the year", item: Item{Title: "Teacher of the Year finalists named", Description: "Five educators were named finalists."}, drop: true},
	{name: "unrelated: comment on highway plan", item: Item{Title: "Public comment sought on highway plan", Description: "ODOT invites comment on the long-range transportation plan."}, drop: true},
	{name: "empty title", item: Item{Title: "  ", Description: "ESSA listening session March 3"}, drop: true},
	{
		name: "cancelled town hall",
		item: Item{Title: "CANCELLED: ESSA Town Hall in Toledo", DateText: "Jan. 20, 2027, 6 pm", Location: "Toledo Public Library"},
		typ:  models.TypeTownHall, start: "2027-01-20T18:00:00-05:00", status: models.StatusCancelled,
		rules: map[string]string{"status": "status:keyword:cancelled", "start": "start:month-day-time"},
	},
	{
		name: "postponed webinar",
		item: Item{Title: "Postponed: ESSA school report card webinar", DateText: "March 9, 2027 3:00 PM - 4:00 PM"},
		typ:  models.TypeWebinar, start: "2027-03-09T15:00:00-05:00", end: "2027-03-09T16:00:00-05:00",
		status: models.StatusCancelled, phase: models.PhaseImplementation, remote: true,
	},
	{
		name: "ISO datetime from a time element",
		item: Item{Title: "ESSA webinar for district leaders", DateText: "2027-03-03T18:00:00-05:00"},
		typ:  models.TypeWebinar, start: "2027-03-03T18:00:00-05:00", end: "-", groups: []string{"lea"}, remote: true,
		feats: []string{"evening"}, rules: map[string]string{"start": "start:iso-datetime", "remote": "remote:keyword:webinar"},
	},
	{
		name: "ISO date is all day",
		item: Item{Title: "State Board of Education meeting: ESSA plan update", DateText: "2027-03-03"},
		typ:  models.TypeBoardMeeting, start: "2027-03-03T00:00:00-05:00", allDay: true, groups: []string{"state_board"},
		rules: map[string]string{"start": "start:iso-date", "activity_type": "type:pattern:board-of-education-meeting"},
	},
	{
		name: "numeric date, morning to noon, across daylight saving",
		item: Item{Title: "Focus group: English learner families and the ESSA plan", DateText: "3/14/2027 10 a.m. – noon"},
		typ:  models.TypeFocusGroup, start: "2027-03-14T10:00:00-04:00", end: "2027-03-14T12:00:00-04:00",
		groups: []string{"parents", "el_advocates"}, feats: []string{"weekend"},
		rules: map[string]string{"start": "start:numeric-date-time-range"},
	},
	{
		name: "Saturday session is weekend, not evening",
		item: Item{Title: "Regional ESSA town hall for rural districts", DateText: "Saturday, March 6, 2027, 10 a.m.–noon", Location: "Athens County Fairgrounds"},
		typ:  models.TypeTownHall, start: "2027-03-06T10:00:00-05:00", end: "2027-03-06T12:00:00-05:00",
		groups: []string{"rural_lea"}, feats: []string{"rural", "weekend"},
	},
	{
		name: "6 to 8 pm without year, weekday picks the year",
		item: Item{Title: "ESSA community meeting", Description: "Thursday, Dec. 10, 6 to 8 pm, Columbus."},
		typ:  models.TypePublicMeeting, start: "2026-12-10T18:00:00-05:00", end: "2026-12-10T20:00:00-05:00", status: models.StatusHeld,
	},
	{
		name: "yearless summer date is the coming one",
		item: Item{Title: "ESSA advisory council meeting", DateText: "July 20, noon"},
		typ:  models.TypeAdvisoryMeeting, start: "2027-07-20T12:00:00-04:00", end: "-", status: models.StatusScheduled,
	},
	{
		name: "register-by date is not the session",
		item: Item{Title: "ESSA listening session in Akron", Description: "Register by March 1 for the March 10 listening session, 5:30–7 p.m."},
		typ:  models.TypeListeningSession, start: "2027-03-10T17:30:00-05:00", end: "2027-03-10T19:00:00-05:00", feats: []string{"evening"},
	},
	{
		name: "what we heard report dated by the feed",
		item: Item{Title: "What We Heard: ESSA listening tour summary", GUID: "news-4411",
			Description: "A summary of stakeholder input and the Department's response to comments.",
			Published:   ptime(time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC))},
		typ: models.TypeFeedbackSummary, start: "2026-11-02T10:00:00-05:00", feats: []string{"response_to_comments"},
		phase: models.PhasePreDraft, status: models.StatusHeld,
		rules: map[string]string{"start": "start:feed-published", "plan_phase": "phase:keyword:listening tour", "dedupe_key": "dedupe:guid"},
	},
	{
		name: "draft released with plain-language summary and FAQ",
		item: Item{Title: "Draft ESSA state plan released for review",
			Description: "Read the draft, a plain-language summary and frequently asked questions.",
			Published:   ptime(time.Date(2027, 1, 4, 14, 0, 0, 0, time.UTC))},
		typ: models.TypeDraftPosted, start: "2027-01-04T09:00:00-05:00", feats: []string{"plain_summary", "faq"}, phase: models.PhaseDraft,
		rules: map[string]string{"activity_type": "type:pattern:draft-released"},
	},
	{
		name: "plan submitted",
		item: Item{Title: "Ohio submits its ESSA plan", Description: "On April 3, 2026 the plan was submitted to the U.S. Department of Education."},
		typ:  models.TypePlanSubmitted, start: "2026-04-03T00:00:00-04:00", phase: models.PhaseSubmitted, status: models.StatusHeld,
	},
	{
		name: "tribal consultation names a nation, not a language",
		item: Item{Title: "Tribal consultation on the ESSA state plan", DateText: "April 14, 2027, 10 a.m.",
			Description: "Government-to-government consultation with the Navajo Nation and tribal leaders."},
		j:   arizona,
		typ: models.TypeTribalConsultation, start: "2027-04-14T10:00:00-07:00", groups: []string{"tribes"}, langs: []string{"en"},
	},
	{
		name: "governor consultation",
		item: Item{Title: "Department meets with the Governor on draft ESSA plan", Description: "Consultation with the Governor and legislators, January 12, 2027."},
		typ:  models.TypeGovernorConsultation, start: "2027-01-12T00:00:00-05:00", groups: []string{"governor", "legislature"}, phase: models.PhaseDraft,
	},
	{
		name: "advisory meeting with roster and minutes",
		item: Item{Title: "ESSA Committee of Practitioners meeting",
			Description: "The committee roster and minutes of the previous meeting are posted. Members of the public may attend; the meeting is livestreamed with closed captions.",
			DateText:    "Feb. 24, 2027, 1–4 p.m."},
		typ: models.TypeAdvisoryMeeting, start: "2027-02-24T13:00:00-05:00", end: "2027-02-24T16:00:00-05:00",
		groups: []string{"public"}, feats: []string{"minutes", "captions", "roster"}, remote: true,
	},
	{
		name: "bilingual survey with a closing date",
		item: Item{Title: "Family survey on ESSA priorities", Description: "Available in English and Spanish. The survey closes March 1."},
		typ:  models.TypeSurvey, start: "-", end: "2027-03-01T23:59:00-05:00", langs: []string{"en", "es"}, groups: []string{"parents"},
		rules: map[string]string{"end": "end:deadline"},
	},
	{
		name: "many languages and ASL",
		item: Item{Title: "ESSA town hall for families",
			Description: "Materials in Vietnamese, Arabic and Haitian Creole. ASL interpreters will be present. Materials are available in accessible formats for screen readers.",
			DateText:    "Tuesday, February 23, 2027, 6:30 PM"},
		typ: models.TypeTownHall, start: "2027-02-23T18:30:00-05:00", langs: []string{"en", "vi", "ar", "ht", "asl"},
		feats: []string{"accessible_documents", "evening"}, interp: true,
	},
	{
		name: "implementation webinar for everyone",
		item: Item{Title: "School improvement webinar: year one of the approved plan",
			Description: "Open to the public. Higher education, employers and early childhood educators are welcome. A recording will be posted.",
			DateText:    "March 2, 2027, 2 pm"},
		typ: models.TypeWebinar, groups: []string{"higher_ed", "employers", "early_childhood", "public"},
		feats: []string{"recording"}, phase: models.PhaseImplementation, status: models.StatusScheduled,
	},
	{
		name: "statutory groups in one sentence",
		item: Item{Title: "ESSA stakeholder input sessions", Description: "For superintendents, principals and other school leaders, charter school leaders, paraprofessionals, school counselors, administrators and other staff, students, community organizations, civil rights groups, disability advocates and private school representatives."},
		typ:  models.TypeOther, start: "-", status: models.StatusUnknown,
		groups: []string{"lea", "principals", "school_leaders", "charter_leaders", "support_personnel", "paraprofessionals",
			"administrators", "other_staff", "students", "community_orgs", "civil_rights", "disability_advocates", "private_schools"},
		rules: map[string]string{"activity_type": "type:default", "status": "status:no-date"},
	},
	{
		name: "calendar event times win over dates in the text",
		item: Item{Title: "ESSA Listening Session – Dayton", GUID: "uid-1@2027-03-03T23:00:00Z",
			Description: "Register by February 24. Join us March 10 instead if you cannot make it.",
			Start:       ptime(time.Date(2027, 3, 3, 23, 0, 0, 0, time.UTC)), End: ptime(time.Date(2027, 3, 4, 1, 0, 0, 0, time.UTC))},
		typ: models.TypeListeningSession, start: "2027-03-03T18:00:00-05:00", end: "2027-03-03T20:00:00-05:00",
		feats: []string{"evening"}, status: models.StatusScheduled,
		rules: map[string]string{"start": "start:event-time", "end": "end:event-time", "status": "status:upcoming",
			"features": "evening:start-hour", "dedupe_key": "dedupe:guid"},
	},
	{
		name: "all-day calendar comment window starting on a Saturday is not a weekend session",
		item: Item{Title: "Public comment period: draft ESSA state plan amendment", AllDay: true,
			Start: ptime(time.Date(2027, 1, 16, 0, 0, 0, 0, ohio.Location())), End: ptime(time.Date(2027, 2, 15, 23, 59, 59, 0, ohio.Location()))},
		typ: models.TypeCommentPeriod, start: "2027-01-16T00:00:00-05:00", end: "2027-02-15T23:59:59-05:00", allDay: true,
		feats: []string{}, status: models.StatusScheduled, phase: models.PhaseAmendment,
		rules: map[string]string{"start": "start:event-time", "end": "end:event-time", "status": "status:open-window"},
	},
	{
		name: "Saturday calendar event is a weekend session",
		item: Item{Title: "ESSA town hall for families", Start: ptime(time.Date(2027, 3, 6, 10, 0, 0, 0, ohio.Location()))},
		typ:  models.TypeTownHall, start: "2027-03-06T10:00:00-05:00", end: "-", feats: []string{"weekend"},
		rules: map[string]string{"start": "start:event-time", "features": "weekend:start-day"},
	},
	{
		name: "cancelled calendar event by its category",
		item: Item{Title: "ESSA Town Hall – Toledo", Categories: []string{"cancelled"},
			Start: ptime(time.Date(2027, 1, 20, 18, 0, 0, 0, ohio.Location())), End: ptime(time.Date(2027, 1, 20, 20, 0, 0, 0, ohio.Location()))},
		typ: models.TypeTownHall, start: "2027-01-20T18:00:00-05:00", status: models.StatusCancelled,
		rules: map[string]string{"status": "status:keyword:cancelled", "start": "start:event-time"},
	},
	{
		name: "calendar end before start is dropped",
		item: Item{Title: "ESSA webinar for district leaders",
			Start: ptime(time.Date(2027, 3, 3, 15, 0, 0, 0, ohio.Location())), End: ptime(time.Date(2027, 3, 3, 14, 0, 0, 0, ohio.Location()))},
		typ: models.TypeWebinar, start: "2027-03-03T15:00:00-05:00", end: "-",
		rules: map[string]string{"start": "start:event-time"},
	},
	{
		name: "Phoenix time zone",
		item: Item{Title: "ESSA public hearing", DateText: "March 3, 2027, 6 p.m.", Link: "HTTPS://www.AZED.gov/essa/hearing#top"},
		j:    arizona,
		typ:  models.TypePublicMeeting, start: "2027-03-03T18:00:00-07:00",
		rules: map[string]string{"dedupe_key": "dedupe:url"},
	},
}

func TestExtract(t *testing.T) {
	for _, tc := range extractCases {
		t.Run(tc.name, func(t *testing.T) {
			j := tc.j
			if j.Code == "" {
				j = ohio
			}
			a, ok := Extract(tc.item, j, extractNow)
			if ok == tc.drop {
				t.Fatalf("kept = %v, want %v (activity %+v)", ok, !tc.drop, a)
			}
			if tc.drop {
				return
			}
			if err := a.Validate(); err != nil {
				t.Fatalf("invalid activity: %v", err)
			}
			if a.Jurisdiction != j.Code || a.TimeZone != j.TimeZone || a.DedupeKey == "" {
				t.Errorf("jurisdiction %q zone %q key %q", a.Jurisdiction, a.TimeZone, a.DedupeKey)
			}
			check := func(field string, got, want any) {
				t.Helper()
				if got != want {
					t.Errorf("%s = %v, want %v (rules %v)", field, got, want, a.Rules)
				}
			}
			check("type", a.Type, tc.typ)
			if tc.start != "" {
				check("start", fmtTime(a.Start, j), tc.start)
			}
			if tc.end != "" {
				check("end", fmtTime(a.End, j), tc.end)
			}
			if tc.allDay {
				check("all_day", a.AllDay, true)
			}
			if tc.phase != "" {
				check("phase", a.Phase, tc.phase)
			}
			if tc.status != "" {
				check("status", a.Status, tc.status)
			}
			if tc.remote {
				check("remote", a.Remote, true)
			}
			if tc.interp {
				check("interpretation", a.Interpretation, true)
			}
			checkList(t, "audience_groups", a.AudienceGroups, tc.groups)
			checkList(t, "languages", a.Languages, tc.langs)
			checkList(t, "features", a.Features, tc.feats)
			for field, rule := range tc.rules {
				check("rules["+field+"]", a.Rules[field], rule)
			}
			for _, field := range []string{"activity_type", "languages", "plan_phase", "status", "dedupe_key", "relevance"} {
				if a.Rules[field] == "" {
					t.Errorf("no rule recorded for %s: %v", field, a.Rules)
				}
			}
			if a.Start != nil && a.Rules["start"] == "" || len(a.AudienceGroups) > 0 && a.Rules["audience_groups"] == "" ||
				len(a.Features) > 0 && a.Rules["features"] == "" {
				t.Errorf("a field was set without its rule: %v", a.Rules)
			}
		})
	}
}

func fmtTime(t *time.Time, j models.Jurisdiction) string {
	if t == nil {
		return "-"
	}
	return t.In(j.Location()).Format(time.RFC3339)
}

// checkList compares a list as a set; nil want skips the check.
func checkList(t *testing.T, field string, got models.StringList, want []string) {
	t.Helper()
	if want == nil {
		return
	}
	g, w := slices.Clone([]string(got)), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	if !slices.Equal(g, w) {
		t.Errorf("%s = %v, want %v", field, got, want)
	}
}

func TestDedupeKey(t *testing.T) {
	for _, tc := range []struct {
		item Item
		want string
	}{
		{Item{GUID: " tag:ohio.gov,2027:essa-12 ", Link: "https://x.gov/a"}, "guid:tag:ohio.gov,2027:essa-12"},
		{Item{Link: "HTTPS://Education.Ohio.GOV/ESSA/Events?id=3#map"}, "url:https://education.ohio.gov/ESSA/Events?id=3"},
		{Item{Title: "ESSA Town Hall", DateText: "March 3"}, "title:"},
	} {
		tc.item.Title = "ESSA listening session " + tc.item.Title
		got, _ := dedupeKey(tc.item, tc.item.Title)
		if !strings.HasPrefix(got, tc.want) || (tc.want == "title:" && len(got) != len("title:")+64) {
			t.Errorf("dedupeKey(%+v) = %q, want %q", tc.item, got, tc.want)
		}
	}
	a, _ := dedupeKey(Item{Title: "X", DateText: "March 3"}, "ESSA Town Hall")
	b, _ := dedupeKey(Item{Title: "X", DateText: "march 3"}, "essa town hall")
	if a != b {
		t.Errorf("title keys differ by case: %q %q", a, b)
	}
}

// FuzzExtract feeds Extract arbitrary text: it must never panic, and what
// it keeps must be a valid record.
func FuzzExtract(f *testing.F) {
	for _, tc := range extractCases {
		f.Add(tc.item.Title, tc.item.Description, tc.item.DateText)
	}
	f.Add("ESSA listening session", "31/31/2027 99:99 pm", "2027-02-29T25:61:00+99:99")
	f.Add("ESSA survey", "February 29 - February 28", "12/31/99 - 1/1/00 11:59 pm to 12:00 am")
	f.Fuzz(func(t *testing.T, title, desc, dateText string) {
		pub := extractNow.Add(-48 * time.Hour)
		it := Item{Title: title, Description: desc, DateText: dateText, Published: &pub, Location: desc}
		for _, j := range []models.Jurisdiction{ohio, {Code: "ZZ", TimeZone: "Not/AZone"}} {
			a, ok := Extract(it, j, extractNow)
			if !ok {
				continue
			}
			if err := a.Validate(); err != nil {
				t.Fatalf("Extract(%q, %q, %q) gave an invalid activity: %v", title, desc, dateText, err)
			}
			if a.Rules["activity_type"] == "" || (a.Start != nil && a.Rules["start"] == "") {
				t.Fatalf("missing rule names: %v", a.Rules)
			}
		}
	})
}
