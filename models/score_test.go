package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// clock is the fixed "now" every scoring test runs at.
var clock = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// eastern is the time zone of the synthetic Massachusetts activities.
var eastern = mustLoad("America/New_York")

// day0 is the start of the synthetic engagement calendar: 9 January 2017,
// 6 p.m. in Boston.
var day0 = time.Date(2017, 1, 9, 18, 0, 0, 0, eastern)

// rubricV1 is rubric version 1 as DOMAIN.md sets it out: the keys in order
// and their weights. TestStoreRubric checks the migrated rubric against it.
var rubricV1 = Rubric{Version: 1, Criteria: []Criterion{
	{Key: "groups", Position: 1, Weight: 14},
	{Key: "governor", Position: 2, Weight: 5},
	{Key: "tribal", Position: 3, Weight: 5},
	{Key: "comment", Position: 4, Weight: 10},
	{Key: "modes", Position: 5, Weight: 7},
	{Key: "access", Position: 6, Weight: 7},
	{Key: "language", Position: 7, Weight: 8},
	{Key: "plain", Position: 8, Weight: 5},
	{Key: "disability", Position: 9, Weight: 5},
	{Key: "early", Position: 10, Weight: 7},
	{Key: "feedback", Position: 11, Weight: 12},
	{Key: "advisory", Position: 12, Weight: 5},
	{Key: "ongoing", Position: 13, Weight: 10},
}}

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// opt sets one field of a test activity.
type opt func(*Activity)

// act returns a held draft-phase Massachusetts activity with the options applied.
func act(id int64, typ ActivityType, opts ...opt) Activity {
	a := Activity{ID: id, Jurisdiction: "MA", DedupeKey: fmt.Sprintf("k%d", id), Type: typ,
		Title: fmt.Sprintf("%s %d", typ.Label(), id), Phase: PhaseDraft, Status: StatusHeld,
		TimeZone: "America/New_York"}
	for _, o := range opts {
		o(&a)
	}
	return a
}

func groups(gs ...AudienceGroup) opt {
	return func(a *Activity) {
		for _, g := range gs {
			a.AudienceGroups = append(a.AudienceGroups, string(g))
		}
	}
}

func feats(fs ...Feature) opt {
	return func(a *Activity) {
		for _, f := range fs {
			a.Features = append(a.Features, string(f))
		}
	}
}

func langs(ls ...string) opt { return func(a *Activity) { a.Languages = append(a.Languages, ls...) } }

func phase(p PlanPhase) opt { return func(a *Activity) { a.Phase = p } }

func interpreted(a *Activity) { a.Interpretation = true }

func remote(a *Activity) { a.Remote = true }

func isDemo(a *Activity) { a.Demo = true }

func at(place string) opt { return func(a *Activity) { a.Location = place } }

// on starts the activity t.
func on(t time.Time) opt { return func(a *Activity) { a.Start = &t } }

// onDay starts the activity n days after day0.
func onDay(n int) opt { return on(day0.AddDate(0, 0, n)) }

// window gives the activity a start and an end.
func window(start, end time.Time) opt {
	return func(a *Activity) { a.Start, a.End = &start, &end }
}

// days opens the activity on day0 plus from and closes it n days later.
func days(from, n int) opt {
	return window(day0.AddDate(0, 0, from), day0.AddDate(0, 0, from+n))
}

// ofGroups returns one public meeting per group, ids from first upwards.
func ofGroups(first int64, gs ...AudienceGroup) []Activity {
	out := make([]Activity, 0, len(gs))
	for i, g := range gs {
		out = append(out, act(first+int64(i), TypePublicMeeting, groups(g)))
	}
	return out
}

// ruleCase is one input to a criterion rule and what it must produce. want
// is the score, 0 meaning "no evidence" (the rules never judge a 0).
type ruleCase struct {
	name     string
	acts     []Activity
	want     int
	ids      []int64
	mentions []string
	omits    []string
}

// runRuleCases scores each case with the full rubric and checks criterion key.
func runRuleCases(t *testing.T, key string, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			card := Score(rubricV1, "MA", tc.acts, clock)
			checkCard(t, rubricV1, card, tc.acts)
			got := criterionOf(t, card, key)
			switch {
			case tc.want == 0:
				if got.Status != StatusNoEvidence || got.Score != nil {
					t.Errorf("%s: status %s score %v, want no_evidence with no score", key, got.Status, deref(got.Score))
				}
			case got.Status != StatusScored || got.Score == nil:
				t.Errorf("%s: status %s score %v, want scored %d", key, got.Status, deref(got.Score), tc.want)
			case *got.Score != tc.want:
				t.Errorf("%s: score %d, want %d (rationale %q)", key, *got.Score, tc.want, got.Rationale)
			}
			wantIDs := tc.ids
			if wantIDs == nil {
				wantIDs = []int64{}
			}
			if !slices.Equal([]int64(got.EvidenceIDs), wantIDs) {
				t.Errorf("%s: evidence ids %v, want %v", key, got.EvidenceIDs, wantIDs)
			}
			for _, s := range tc.mentions {
				if !strings.Contains(got.Rationale, s) {
					t.Errorf("%s: rationale %q does not mention %q", key, got.Rationale, s)
				}
			}
			for _, s := range tc.omits {
				if strings.Contains(got.Rationale, s) {
					t.Errorf("%s: rationale %q mentions %q", key, got.Rationale, s)
				}
			}
		})
	}
}

func deref(p *int) any {
	if p == nil {
		return "<nil>"
	}
	return *p
}

func criterionOf(t *testing.T, card Scorecard, key string) CriterionScore {
	t.Helper()
	for _, c := range card.Criteria {
		if c.Key == key {
			return c
		}
	}
	t.Fatalf("scorecard has no criterion %q", key)
	return CriterionScore{}
}

// checkCard checks what must hold of every scorecard: criteria in rubric
// order, statuses consistent with scores, evidence ids sorted, distinct, never
// nil and all among the input, and totals within their ranges.
func checkCard(t *testing.T, r Rubric, card Scorecard, acts []Activity) {
	t.Helper()
	known := map[int64]bool{}
	for _, a := range acts {
		known[a.ID] = true
	}
	if len(card.Criteria) != len(r.Criteria) {
		t.Fatalf("scorecard has %d criteria, rubric %d", len(card.Criteria), len(r.Criteria))
	}
	for i, c := range card.Criteria {
		if c.Key != r.Criteria[i].Key {
			t.Errorf("criterion %d is %q, want %q (rubric order)", i, c.Key, r.Criteria[i].Key)
		}
		if c.EvidenceIDs == nil {
			t.Errorf("%s: evidence ids are nil, want a list", c.Key)
		}
		if !slices.IsSorted(c.EvidenceIDs) || len(slices.Compact(slices.Clone(c.EvidenceIDs))) != len(c.EvidenceIDs) {
			t.Errorf("%s: evidence ids %v are not sorted and distinct", c.Key, c.EvidenceIDs)
		}
		for _, id := range c.EvidenceIDs {
			if !known[id] {
				t.Errorf("%s: cites activity %d, which is not among the input", c.Key, id)
			}
		}
		if strings.TrimSpace(c.Rationale) == "" {
			t.Errorf("%s: empty rationale", c.Key)
		}
		switch c.Status {
		case StatusScored:
			if c.Score == nil || *c.Score < 1 || *c.Score > 4 {
				t.Errorf("%s: scored with score %v, want 1 to 4", c.Key, deref(c.Score))
			}
			if len(c.EvidenceIDs) == 0 {
				t.Errorf("%s: scored %v without citing evidence", c.Key, deref(c.Score))
			}
		case StatusNoEvidence, StatusNotScored, StatusNotApplicable:
			if c.Score != nil {
				t.Errorf("%s: status %s carries score %d", c.Key, c.Status, *c.Score)
			}
			if len(c.EvidenceIDs) != 0 {
				t.Errorf("%s: status %s cites %v", c.Key, c.Status, c.EvidenceIDs)
			}
		default:
			t.Errorf("%s: unknown status %q", c.Key, c.Status)
		}
	}
	if card.Overall != nil && (*card.Overall < 0 || *card.Overall > 100) {
		t.Errorf("overall %v outside 0-100", *card.Overall)
	}
	if card.Coverage < 0 || card.Coverage > 100 {
		t.Errorf("coverage %v outside 0-100", card.Coverage)
	}
}

func TestRubricV1MatchesRules(t *testing.T) {
	if got := rubricV1.TotalWeight(); got != 100 {
		t.Errorf("rubric weights sum to %d, want 100", got)
	}
	for _, c := range rubricV1.Criteria {
		if _, ok := criterionRules[c.Key]; !ok {
			t.Errorf("criterion %q has no scoring rule", c.Key)
		}
	}
	for key := range criterionRules {
		if _, ok := rubricV1.Criterion(key); !ok {
			t.Errorf("rule %q scores a criterion rubric v1 does not have", key)
		}
	}
}

func TestScoreGroups(t *testing.T) {
	statutory := StatutoryGroups
	others := []AudienceGroup{GroupStudents, GroupCommunityOrgs, GroupCivilRights, GroupDisabilityAdv,
		GroupELAdvocates, GroupHigherEd, GroupEmployers, GroupPrivateSchools, GroupEarlyChildhood, GroupPublic}
	without := func(gs []AudienceGroup, drop ...AudienceGroup) []AudienceGroup {
		return slices.DeleteFunc(slices.Clone(gs), func(g AudienceGroup) bool { return slices.Contains(drop, g) })
	}
	ids := func(n int) []int64 {
		out := make([]int64, n)
		for i := range out {
			out[i] = int64(i + 1)
		}
		return out
	}
	runRuleCases(t, "groups", []ruleCase{
		{name: "no groups named", acts: []Activity{act(1, TypePublicMeeting), act(2, TypeSurvey)}, want: 0,
			mentions: []string{"No activity record names"}},
		{name: "parents only", acts: []Activity{act(1, TypeSurvey, groups(GroupParents)), act(2, TypeDraftPosted)},
			want: 1, ids: []int64{1},
			mentions: []string{"1 of 15 statutory groups", "0 of 10 other groups", "no record of the Governor",
				"rural school districts", "tribal representatives", "and other school staff"},
			omits: []string{"parents"}},
		{name: "six statutory and every other group", acts: []Activity{
			act(1, TypePublicMeeting, groups(statutory[:6]...)), act(2, TypeSurvey, groups(others...))},
			want: 1, ids: []int64{1, 2}, mentions: []string{"6 of 15 statutory", "10 of 10 other"}},
		{name: "seven statutory", acts: ofGroups(1, statutory[:7]...), want: 2, ids: ids(7),
			mentions: []string{"7 of 15 statutory"}},
		{name: "nine statutory and every other group", acts: []Activity{
			act(1, TypePublicMeeting, groups(statutory[:9]...)), act(2, TypeSurvey, groups(others...))},
			want: 2, ids: []int64{1, 2}},
		{name: "ten statutory and three others", acts: ofGroups(1, append(slices.Clone(statutory[:10]), others[:3]...)...),
			want: 2, ids: ids(13)},
		{name: "ten statutory and four others", acts: ofGroups(1, append(slices.Clone(statutory[:10]), others[:4]...)...),
			want: 3, ids: ids(14), mentions: []string{"10 of 15 statutory", "4 of 10 other"}},
		{name: "twelve statutory and every other group", acts: []Activity{
			act(1, TypePublicMeeting, groups(statutory[:12]...)), act(2, TypeSurvey, groups(others...))},
			want: 3, ids: []int64{1, 2}},
		{name: "thirteen statutory and six others", acts: []Activity{
			act(1, TypePublicMeeting, groups(without(statutory, GroupTribes, GroupCharterLeaders)...)),
			act(2, TypeSurvey, groups(others[:6]...))},
			want: 3, ids: []int64{1, 2}},
		{name: "thirteen statutory and seven others", acts: []Activity{
			act(1, TypePublicMeeting, groups(without(statutory, GroupTribes, GroupCharterLeaders)...)),
			act(2, TypeSurvey, groups(others[:7]...)), act(3, TypeDraftPosted)},
			want: 4, ids: []int64{1, 2},
			mentions: []string{"13 of 15 statutory", "7 of 10 other", "no record of tribal representatives and charter school leaders"}},
		{name: "every group, repeated", acts: []Activity{
			act(5, TypePublicMeeting, groups(AudienceGroups...)), act(3, TypeSurvey, groups(AudienceGroups...))},
			want: 4, ids: []int64{3, 5}, mentions: []string{"15 of 15 statutory", "10 of 10 other"},
			omits: []string{"no record"}},
	})
}

func TestScoreGovernor(t *testing.T) {
	runRuleCases(t, "governor", []ruleCase{
		{name: "none", acts: []Activity{act(1, TypePublicMeeting, groups(GroupParents))}, want: 0,
			mentions: []string{"No record of consultation with the Governor"}},
		{name: "board meeting only", acts: []Activity{act(3, TypeBoardMeeting), act(4, TypeSurvey)}, want: 1,
			ids: []int64{3}, mentions: []string{"no record of the Governor's consultation"}},
		{name: "legislators named only", acts: []Activity{act(4, TypePublicMeeting, groups(GroupLegislature)), act(5, TypeSurvey, groups(GroupParents))},
			want: 1, ids: []int64{4}},
		{name: "governor consultation only", acts: []Activity{act(1, TypeGovernorConsultation)}, want: 2,
			ids: []int64{1}, mentions: []string{"no record of the legislature or state board"}},
		{name: "governor and state board", acts: []Activity{
			act(1, TypeGovernorConsultation, groups(GroupGovernor)), act(2, TypeBoardMeeting, groups(GroupStateBoard)), act(9, TypeSurvey)},
			want: 3, ids: []int64{1, 2}, mentions: []string{"2 of 3 state bodies"}},
		{name: "one consultation, all three bodies", acts: []Activity{
			act(1, TypeGovernorConsultation, groups(GroupGovernor)), act(2, TypeBoardMeeting, groups(GroupStateBoard, GroupLegislature))},
			want: 3, ids: []int64{1, 2}, mentions: []string{"3 of 3 state bodies"}},
		{name: "two consultations, all three bodies", acts: []Activity{
			act(7, TypeGovernorConsultation, groups(GroupGovernor)), act(2, TypeGovernorConsultation, phase(PhaseAmendment)),
			act(3, TypeBoardMeeting, groups(GroupStateBoard)), act(4, TypePublicMeeting, groups(GroupLegislature)),
			act(9, TypeSurvey, groups(GroupParents))},
			want: 4, ids: []int64{2, 3, 4, 7}, mentions: []string{"2 consultations with the Governor"}},
	})
}

func TestScoreTribal(t *testing.T) {
	runRuleCases(t, "tribal", []ruleCase{
		{name: "none", acts: []Activity{act(1, TypePublicMeeting, groups(GroupParents))}, want: 0,
			mentions: []string{"No record of tribal consultation"}},
		{name: "tribes named at a meeting", acts: []Activity{act(2, TypePublicMeeting, groups(GroupTribes)), act(3, TypeSurvey)},
			want: 1, ids: []int64{2}, mentions: []string{"1 activity", "no dedicated tribal consultation"}},
		{name: "one consultation", acts: []Activity{act(1, TypeTribalConsultation)}, want: 2, ids: []int64{1},
			mentions: []string{"1 tribal consultation found, across 1 plan phase"}},
		{name: "two consultations", acts: []Activity{act(1, TypeTribalConsultation), act(2, TypeTribalConsultation), act(3, TypePublicMeeting, groups(GroupTribes))},
			want: 3, ids: []int64{1, 2, 3}, mentions: []string{"2 tribal consultations"}},
		{name: "three consultations in one phase", acts: []Activity{
			act(1, TypeTribalConsultation), act(2, TypeTribalConsultation), act(3, TypeTribalConsultation)},
			want: 3, ids: []int64{1, 2, 3}, mentions: []string{"3 tribal consultations found, across 1 plan phase"}},
		{name: "three consultations in two phases", acts: []Activity{
			act(1, TypeTribalConsultation), act(2, TypeTribalConsultation), act(3, TypeTribalConsultation, phase(PhaseImplementation))},
			want: 4, ids: []int64{1, 2, 3}, mentions: []string{"across 2 plan phases"}},
	})
}

func TestScoreComment(t *testing.T) {
	march1 := time.Date(2017, 3, 1, 0, 0, 0, 0, eastern)
	runRuleCases(t, "comment", []ruleCase{
		{name: "none", acts: []Activity{act(1, TypeSurvey, days(0, 40))}, want: 0,
			mentions: []string{"No public comment period"}},
		{name: "undated", acts: []Activity{act(1, TypeCommentPeriod)}, want: 1, ids: []int64{1},
			mentions: []string{"none gives both an opening and a closing date"}},
		{name: "no closing date", acts: []Activity{act(1, TypeCommentPeriod, onDay(0))}, want: 1, ids: []int64{1},
			mentions: []string{"none gives both"}},
		{name: "21 days", acts: []Activity{act(1, TypeCommentPeriod, days(0, 21))}, want: 1, ids: []int64{1},
			mentions: []string{"ran 21 days", "short of the 30 days"}},
		{name: "an hour short of 30 days", acts: []Activity{act(1, TypeCommentPeriod,
			window(day0, day0.AddDate(0, 0, 30).Add(-time.Hour)))}, want: 1, ids: []int64{1},
			mentions: []string{"ran 29 days"}},
		{name: "30 days", acts: []Activity{act(1, TypeCommentPeriod, days(0, 30))}, want: 2, ids: []int64{1},
			mentions: []string{"One comment window of at least 30 days (30 days)", "no second round"}},
		{name: "30 days across the spring clock change", acts: []Activity{act(1, TypeCommentPeriod,
			window(march1, march1.AddDate(0, 0, 30)))}, want: 2, ids: []int64{1},
			mentions: []string{"(30 days)"}},
		{name: "written comment for 30 days", acts: []Activity{act(1, TypeWrittenComment, days(0, 30))}, want: 2, ids: []int64{1}},
		{name: "one full window and a short one", acts: []Activity{
			act(1, TypeCommentPeriod, days(0, 10)), act(2, TypeCommentPeriod, days(40, 31))},
			want: 2, ids: []int64{1, 2}, mentions: []string{"(31 days)"}},
		{name: "announced window without responses", acts: []Activity{
			act(1, TypeCommentPeriod, days(0, 30), feats(FeatureAdvanceNotice))}, want: 2, ids: []int64{1}},
		{name: "two full windows", acts: []Activity{
			act(1, TypeCommentPeriod, days(0, 30)), act(2, TypeCommentPeriod, days(100, 45), phase(PhaseComment))},
			want: 3, ids: []int64{1, 2}, mentions: []string{"2 comment windows of at least 30 days (longest 45 days)"}},
		{name: "announced window with responses", acts: []Activity{
			act(1, TypeCommentPeriod, days(0, 30), feats(FeatureAdvanceNotice)),
			act(5, TypeFeedbackSummary, feats(FeatureResponseToComment)), act(6, TypeSurvey)},
			want: 3, ids: []int64{1, 5}},
		{name: "two full windows with responses", acts: []Activity{
			act(1, TypeCommentPeriod, days(0, 30)), act(2, TypeCommentPeriod, days(100, 30)),
			act(5, TypeFeedbackSummary, feats(FeatureResponseToComment))},
			want: 4, ids: []int64{1, 2, 5}, mentions: []string{"2 comment windows", "responses to comments were published"}},
	})
}

func TestScoreModes(t *testing.T) {
	runRuleCases(t, "modes", []ruleCase{
		{name: "no participation", acts: []Activity{act(1, TypeDraftPosted), act(2, TypeFeedbackSummary), act(3, TypeOther)},
			want: 0, mentions: []string{"No meeting, survey"}},
		{name: "one meeting", acts: []Activity{act(1, TypePublicMeeting), act(2, TypeDraftPosted)}, want: 1, ids: []int64{1},
			mentions: []string{"1 way to take part (public meeting); at most 1 in a single plan phase"}},
		{name: "two meetings, one type", acts: []Activity{act(1, TypePublicMeeting), act(2, TypePublicMeeting, phase(PhaseComment))},
			want: 1, ids: []int64{1, 2}},
		{name: "meeting and survey", acts: []Activity{act(1, TypePublicMeeting), act(2, TypeSurvey)}, want: 2, ids: []int64{1, 2},
			mentions: []string{"2 ways to take part (public meeting and survey)"}},
		{name: "four types", acts: []Activity{act(1, TypePublicMeeting), act(2, TypeSurvey), act(3, TypeWebinar), act(4, TypeFocusGroup)},
			want: 3, ids: []int64{1, 2, 3, 4}, mentions: []string{"4 ways", "at most 4 in a single plan phase"}},
		{name: "six types, three in one phase", acts: []Activity{
			act(1, TypePublicMeeting), act(2, TypeSurvey), act(3, TypeWebinar),
			act(4, TypeFocusGroup, phase(PhaseComment)), act(5, TypeCommentPeriod, phase(PhaseComment)),
			act(6, TypeTownHall, phase(PhaseImplementation)), act(7, TypeDraftPosted)},
			want: 4, ids: []int64{1, 2, 3, 4, 5, 6}, mentions: []string{"6 ways", "at most 3 in a single plan phase"}},
		{name: "six types, each in its own phase", acts: []Activity{
			act(1, TypePublicMeeting, phase(PhasePreDraft)), act(2, TypeSurvey, phase(PhaseDraft)),
			act(3, TypeWebinar, phase(PhaseComment)), act(4, TypeFocusGroup, phase(PhaseSubmitted)),
			act(5, TypeCommentPeriod, phase(PhaseImplementation)), act(6, TypeTownHall, phase(PhaseAmendment))},
			want: 3, ids: []int64{1, 2, 3, 4, 5, 6}, mentions: []string{"6 ways", "at most 1 in a single plan phase"}},
	})
}

func TestScoreAccess(t *testing.T) {
	runRuleCases(t, "access", []ruleCase{
		{name: "nothing known", acts: []Activity{act(1, TypePublicMeeting), act(2, TypeSurvey)}, want: 0,
			mentions: []string{"No record of where or when"}},
		{name: "one place", acts: []Activity{act(1, TypePublicMeeting, at("Malden")), act(2, TypeSurvey)}, want: 1, ids: []int64{1},
			mentions: []string{"Sessions in 1 location only", "no remote option", "no evening or weekend session", "no rural location"}},
		{name: "the same place spelt twice", acts: []Activity{
			act(1, TypePublicMeeting, at("Malden")), act(2, TypeTownHall, at(" MALDEN ")), act(3, TypeTownHall, at("Worcester"))},
			want: 1, ids: []int64{1, 2, 3}, mentions: []string{"Sessions in 2 locations only"}},
		{name: "remote only", acts: []Activity{act(1, TypeWebinar, remote, at("Zoom"))}, want: 1, ids: []int64{1},
			mentions: []string{"Found a remote option", "only 0 in-person locations", "no rural location"}},
		{name: "remote and evening", acts: []Activity{act(1, TypeWebinar, remote), act(2, TypePublicMeeting, feats(FeatureEvening))},
			want: 2, ids: []int64{1, 2}, mentions: []string{"a remote option and evening or weekend sessions"}},
		{name: "remote, weekend and three places", acts: []Activity{
			act(1, TypeWebinar, remote), act(2, TypePublicMeeting, at("Malden"), feats(FeatureWeekend)),
			act(3, TypePublicMeeting, at("Worcester")), act(4, TypePublicMeeting, at("Springfield")), act(5, TypeSurvey)},
			want: 3, ids: []int64{1, 2, 3, 4}, mentions: []string{"3 distinct locations", "no rural location"}},
		{name: "everything", acts: []Activity{
			act(1, TypeWebinar, remote), act(2, TypePublicMeeting, at("Malden"), feats(FeatureEvening)),
			act(3, TypePublicMeeting, at("Worcester")), act(4, TypePublicMeeting, at("Pittsfield"), feats(FeatureRural))},
			want: 4, ids: []int64{1, 2, 3, 4}, omits: []string{"no "}},
	})
}

func TestScoreLanguage(t *testing.T) {
	runRuleCases(t, "language", []ruleCase{
		{name: "English only", acts: []Activity{act(1, TypePublicMeeting, langs("en"))}, want: 0,
			mentions: []string{"No materials in a language other than English"}},
		{name: "interpretation only", acts: []Activity{act(1, TypePublicMeeting, interpreted), act(2, TypeSurvey, langs("en"))},
			want: 1, ids: []int64{1}, mentions: []string{"no materials in other languages", "interpretation offered at 1 activity"}},
		{name: "Vietnamese only", acts: []Activity{act(1, TypeSurvey, langs("en", "vi"))}, want: 1, ids: []int64{1},
			mentions: []string{"materials in Vietnamese", "at 0 activities"}},
		{name: "Spanish only", acts: []Activity{act(1, TypeSurvey, langs("en", "es"))}, want: 2, ids: []int64{1},
			mentions: []string{"materials in Spanish"}},
		{name: "two languages", acts: []Activity{act(1, TypeSurvey, langs("vi")), act(2, TypeDraftPosted, langs("so"))},
			want: 2, ids: []int64{1, 2}, mentions: []string{"Somali and Vietnamese"}},
		{name: "two languages and interpretation", acts: []Activity{
			act(1, TypeSurvey, langs("es", "vi")), act(2, TypePublicMeeting, interpreted)},
			want: 3, ids: []int64{1, 2}, mentions: []string{"Spanish and Vietnamese", "at 1 activity"}},
		{name: "three languages, interpretation twice", acts: []Activity{
			act(1, TypeSurvey, langs("es", "vi", "ht")), act(2, TypePublicMeeting, interpreted), act(3, TypeTownHall, interpreted)},
			want: 3, ids: []int64{1, 2, 3}},
		{name: "three languages, interpretation three times", acts: []Activity{
			act(1, TypeSurvey, langs("es", "vi", "ht")), act(2, TypePublicMeeting, interpreted),
			act(3, TypeTownHall, interpreted), act(4, TypeWebinar, interpreted, langs("es")), act(5, TypeWebinar, langs("en"))},
			want: 4, ids: []int64{1, 2, 3, 4}, mentions: []string{"Haitian Creole, Spanish and Vietnamese", "at 3 activities"}},
	})
}

func TestScorePlain(t *testing.T) {
	runRuleCases(t, "plain", []ruleCase{
		{name: "none", acts: []Activity{act(1, TypeDraftPosted)}, want: 0, mentions: []string{"No plain-language summary"}},
		{name: "one summary", acts: []Activity{act(1, TypeDraftPosted, feats(FeaturePlainSummary)), act(2, TypeSurvey)},
			want: 1, ids: []int64{1}, mentions: []string{"plain-language summaries (1)", "no FAQs and explainer videos"}},
		{name: "summary and FAQ", acts: []Activity{act(1, TypeDraftPosted, feats(FeaturePlainSummary)), act(2, TypeOther, feats(FeatureFAQ))},
			want: 2, ids: []int64{1, 2}, mentions: []string{"no explainer videos"}},
		{name: "summaries on four activities", acts: []Activity{
			act(1, TypeDraftPosted, feats(FeaturePlainSummary)), act(2, TypeDraftPosted, feats(FeaturePlainSummary)),
			act(3, TypeDraftPosted, feats(FeaturePlainSummary)), act(4, TypeDraftPosted, feats(FeaturePlainSummary))},
			want: 2, ids: []int64{1, 2, 3, 4}, mentions: []string{"plain-language summaries (4)"}},
		{name: "all three kinds on three activities", acts: []Activity{
			act(1, TypeDraftPosted, feats(FeaturePlainSummary, FeatureFAQ)), act(2, TypeOther, feats(FeatureVideo)),
			act(3, TypeWebinar, feats(FeatureVideo))},
			want: 3, ids: []int64{1, 2, 3}, omits: []string{"no "}},
		{name: "two kinds on four activities", acts: []Activity{
			act(1, TypeDraftPosted, feats(FeaturePlainSummary)), act(2, TypeOther, feats(FeatureFAQ)),
			act(3, TypeOther, feats(FeatureFAQ)), act(4, TypeOther, feats(FeatureFAQ))},
			want: 3, ids: []int64{1, 2, 3, 4}},
		{name: "all three kinds on four activities", acts: []Activity{
			act(1, TypeDraftPosted, feats(FeaturePlainSummary)), act(2, TypeOther, feats(FeatureFAQ)),
			act(3, TypeWebinar, feats(FeatureVideo)), act(4, TypeWebinar, feats(FeatureVideo))},
			want: 4, ids: []int64{1, 2, 3, 4}},
	})
}

func TestScoreDisability(t *testing.T) {
	runRuleCases(t, "disability", []ruleCase{
		{name: "none", acts: []Activity{act(1, TypePublicMeeting, feats(FeatureEvening))}, want: 0,
			mentions: []string{"No accommodation notice"}},
		{name: "one accommodation notice", acts: []Activity{act(1, TypePublicMeeting, feats(FeatureAccommodation))},
			want: 1, ids: []int64{1}, mentions: []string{"accommodation notices (1)", "no captions and accessible documents"}},
		{name: "captions and accessible documents", acts: []Activity{
			act(1, TypeWebinar, feats(FeatureCaptions)), act(2, TypeDraftPosted, feats(FeatureAccessibleDocs))},
			want: 2, ids: []int64{1, 2}, mentions: []string{"no accommodation notices"}},
		{name: "all three kinds on three activities", acts: []Activity{
			act(1, TypeWebinar, feats(FeatureCaptions, FeatureAccommodation)), act(2, TypeDraftPosted, feats(FeatureAccessibleDocs)),
			act(3, TypePublicMeeting, feats(FeatureAccommodation))},
			want: 3, ids: []int64{1, 2, 3}},
		{name: "all three kinds on four activities", acts: []Activity{
			act(1, TypeWebinar, feats(FeatureCaptions)), act(2, TypeDraftPosted, feats(FeatureAccessibleDocs)),
			act(3, TypePublicMeeting, feats(FeatureAccommodation)), act(4, TypePublicMeeting, feats(FeatureAccommodation))},
			want: 4, ids: []int64{1, 2, 3, 4}},
	})
}

func TestScoreEarly(t *testing.T) {
	feb20 := time.Date(2017, 2, 20, 12, 0, 0, 0, eastern)
	runRuleCases(t, "early", []ruleCase{
		{name: "no draft", acts: []Activity{act(1, TypePublicMeeting, onDay(0))}, want: 0,
			mentions: []string{"No dated draft"}},
		{name: "undated draft", acts: []Activity{act(1, TypeDraftPosted), act(2, TypePublicMeeting, onDay(0))}, want: 0},
		{name: "draft before any input", acts: []Activity{act(1, TypeDraftPosted, onDay(0)), act(2, TypePublicMeeting, onDay(5))},
			want: 1, ids: []int64{1}, mentions: []string{"January 9, 2017 before any recorded chance"}},
		{name: "input the same day, earlier", acts: []Activity{
			act(1, TypeDraftPosted, onDay(0)), act(2, TypePublicMeeting, on(day0.Add(-3*time.Hour)))},
			want: 1, ids: []int64{1, 2}, mentions: []string{"0 days before"}},
		{name: "ten days before", acts: []Activity{act(1, TypeDraftPosted, onDay(10)), act(2, TypeSurvey, onDay(0))},
			want: 2, ids: []int64{1, 2}, mentions: []string{"10 days before", "January 19, 2017"}},
		{name: "thirty days before", acts: []Activity{act(1, TypeDraftPosted, onDay(30)), act(2, TypeSurvey, onDay(0))},
			want: 3, ids: []int64{1, 2}},
		{name: "thirty days before, across the spring clock change", acts: []Activity{
			act(1, TypeDraftPosted, on(feb20.AddDate(0, 0, 30))), act(2, TypeSurvey, on(feb20))},
			want: 3, ids: []int64{1, 2}, mentions: []string{"30 days before"}},
		{name: "ninety days before", acts: []Activity{
			act(1, TypeDraftPosted, onDay(95)), act(4, TypeDraftPosted, onDay(300)), act(9, TypeDraftPosted),
			act(2, TypeListeningSession, onDay(0)), act(3, TypeSurvey, onDay(20)),
			act(5, TypeFeedbackSummary, onDay(-200))},
			want: 4, ids: []int64{1, 2, 4, 9}, mentions: []string{"95 days before", "April 14, 2017"}},
	})
}

// TestScoreEarlyEarlierDraft pins the one way in which new evidence may lower
// a score: finding an earlier draft moves the decision point forward, so the
// same engagement came less early. It is why the monotonicity property leaves
// drafts out for this criterion.
func TestScoreEarlyEarlierDraft(t *testing.T) {
	acts := []Activity{act(1, TypeListeningSession, onDay(0)), act(2, TypeDraftPosted, onDay(120))}
	before := criterionOf(t, Score(rubricV1, "MA", acts, clock), "early")
	after := criterionOf(t, Score(rubricV1, "MA", append(acts, act(3, TypeDraftPosted, onDay(5))), clock), "early")
	if deref(before.Score) != 4 || deref(after.Score) != 2 {
		t.Errorf("early: %v with the late draft, %v once an earlier draft is found; want 4 then 2",
			deref(before.Score), deref(after.Score))
	}
}

func TestScoreFeedback(t *testing.T) {
	summary := func(id int64, p PlanPhase, opts ...opt) Activity {
		return act(id, TypeFeedbackSummary, append([]opt{phase(p)}, opts...)...)
	}
	runRuleCases(t, "feedback", []ruleCase{
		{name: "none", acts: []Activity{act(1, TypePublicMeeting)}, want: 0, mentions: []string{"No \"what we heard\" summary"}},
		{name: "a recording", acts: []Activity{act(1, TypeBoardMeeting, feats(FeatureRecording)), act(2, TypeSurvey)},
			want: 1, ids: []int64{1}, mentions: []string{"0 feedback summaries", "1 recording or set of minutes"}},
		{name: "minutes and a response", acts: []Activity{act(1, TypeBoardMeeting, feats(FeatureMinutes)),
			act(2, TypeCommentPeriod, feats(FeatureResponseToComment))},
			want: 1, ids: []int64{1, 2}, mentions: []string{"1 published response to comments"}},
		{name: "one summary", acts: []Activity{summary(1, PhaseComment)}, want: 2, ids: []int64{1},
			mentions: []string{"1 feedback summary across 1 plan phase"}},
		{name: "two summaries, one phase", acts: []Activity{summary(1, PhaseComment), summary(2, PhaseComment)},
			want: 2, ids: []int64{1, 2}},
		{name: "two summaries and a response", acts: []Activity{summary(1, PhaseComment), summary(2, PhaseComment, feats(FeatureResponseToComment))},
			want: 3, ids: []int64{1, 2}},
		{name: "two summaries, two phases", acts: []Activity{summary(1, PhaseComment), summary(2, PhaseDraft)},
			want: 3, ids: []int64{1, 2}, mentions: []string{"2 feedback summaries across 2 plan phases"}},
		{name: "three summaries, two phases, a response", acts: []Activity{
			summary(1, PhaseComment), summary(2, PhaseDraft), summary(3, PhaseDraft), act(4, TypeCommentPeriod, feats(FeatureResponseToComment))},
			want: 3, ids: []int64{1, 2, 3, 4}},
		{name: "three summaries, three phases, a response", acts: []Activity{
			summary(1, PhaseComment), summary(2, PhaseDraft), summary(3, PhaseAmendment),
			act(4, TypeCommentPeriod, feats(FeatureResponseToComment)), act(5, TypeWebinar, feats(FeatureRecording)), act(6, TypeSurvey)},
			want: 4, ids: []int64{1, 2, 3, 4, 5}, mentions: []string{"3 feedback summaries across 3 plan phases", "1 recording"}},
	})
}

func TestScoreAdvisory(t *testing.T) {
	meetings := func(first int64, n int, yearOf func(i int) int) []Activity {
		out := make([]Activity, n)
		for i := range out {
			out[i] = act(first+int64(i), TypeAdvisoryMeeting, on(time.Date(yearOf(i), 3, 1+i, 14, 0, 0, 0, eastern)))
		}
		return out
	}
	in2017 := func(int) int { return 2017 }
	twoYears := func(i int) int { return 2017 + i%2 }
	runRuleCases(t, "advisory", []ruleCase{
		{name: "a roster but no meetings", acts: []Activity{act(1, TypeOther, feats(FeatureRoster))}, want: 0,
			mentions: []string{"No advisory committee"}},
		{name: "one meeting", acts: meetings(1, 1, in2017), want: 1, ids: []int64{1},
			mentions: []string{"1 advisory meeting over 1 year", "no published roster"}},
		{name: "three meetings", acts: meetings(1, 3, in2017), want: 2, ids: []int64{1, 2, 3}},
		{name: "five meetings and a roster", acts: append(meetings(1, 5, twoYears), act(9, TypeOther, feats(FeatureRoster))),
			want: 2, ids: []int64{1, 2, 3, 4, 5, 9}},
		{name: "six meetings in one year with a roster", acts: append(meetings(1, 6, in2017), act(9, TypeOther, feats(FeatureRoster))),
			want: 3, ids: []int64{1, 2, 3, 4, 5, 6, 9}},
		{name: "six meetings over two years, no roster", acts: meetings(1, 6, twoYears), want: 3, ids: []int64{1, 2, 3, 4, 5, 6},
			mentions: []string{"6 advisory meetings over 2 years"}},
		{name: "six meetings over two years with a roster", acts: append(meetings(1, 6, twoYears), act(9, TypeOther, feats(FeatureRoster)), act(10, TypeSurvey)),
			want: 4, ids: []int64{1, 2, 3, 4, 5, 6, 9}, mentions: []string{"a membership roster is published"}},
	})
}

func TestScoreOngoing(t *testing.T) {
	later := func(id int64, p PlanPhase, year int) Activity {
		return act(id, TypePublicMeeting, phase(p), on(time.Date(year, 10, 2, 18, 0, 0, 0, eastern)))
	}
	runRuleCases(t, "ongoing", []ruleCase{
		{name: "before submission only", acts: []Activity{act(1, TypePublicMeeting, phase(PhasePreDraft)), act(2, TypePlanSubmitted, phase(PhaseSubmitted))},
			want: 0, mentions: []string{"No engagement during implementation"}},
		{name: "undated", acts: []Activity{act(1, TypeSurvey, phase(PhaseImplementation))}, want: 1, ids: []int64{1},
			mentions: []string{"1 activity", "over 0 years"}},
		{name: "one dated activity", acts: []Activity{later(1, PhaseAmendment, 2018)}, want: 1, ids: []int64{1},
			mentions: []string{"1 activity", "over 1 year"}},
		{name: "one year", acts: []Activity{later(1, PhaseImplementation, 2018), later(2, PhaseAmendment, 2018)},
			want: 2, ids: []int64{1, 2}, mentions: []string{"2 activities", "over 1 year"}},
		{name: "two years", acts: []Activity{later(1, PhaseImplementation, 2018), later(2, PhaseAmendment, 2019)},
			want: 3, ids: []int64{1, 2}},
		{name: "three years", acts: []Activity{
			later(1, PhaseImplementation, 2018), later(2, PhaseAmendment, 2019), later(3, PhaseImplementation, 2021),
			later(4, PhaseDraft, 2022)},
			want: 4, ids: []int64{1, 2, 3}, mentions: []string{"over 3 years"}},
	})
}

func TestLevelFor(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		overall  *float64
		coverage float64
		want     Level
	}{
		{nil, 100, LevelUnscored},
		{nil, 0, LevelUnscored},
		{f(95), 49.9, LevelInsufficient},
		{f(0), 0, LevelInsufficient},
		{f(80), 50, LevelExemplary},
		{f(100), 100, LevelExemplary},
		{f(79.9), 100, LevelStrong},
		{f(60), 100, LevelStrong},
		{f(59.9), 100, LevelDeveloping},
		{f(40), 100, LevelDeveloping},
		{f(39.9), 100, LevelLimited},
		{f(20), 100, LevelLimited},
		{f(19.9), 100, LevelMinimal},
		{f(0), 100, LevelMinimal},
	}
	for _, tc := range tests {
		if got := LevelFor(tc.overall, tc.coverage); got != tc.want {
			t.Errorf("LevelFor(%v, %v) = %s, want %s", deref64(tc.overall), tc.coverage, got, tc.want)
		}
	}
}

func deref64(p *float64) any {
	if p == nil {
		return "<nil>"
	}
	return *p
}

func TestScoreOverall(t *testing.T) {
	rubric := func(cs ...Criterion) Rubric { return Rubric{Version: 7, Criteria: cs} }
	c := func(key string, w int) Criterion { return Criterion{Key: key, Weight: w} }
	// Six participation types, three in one phase: modes 4.
	richModes := []Activity{
		act(1, TypePublicMeeting), act(2, TypeSurvey), act(3, TypeWebinar),
		act(4, TypeFocusGroup, phase(PhaseComment)), act(5, TypeCommentPeriod, phase(PhaseComment)),
		act(6, TypeTownHall, phase(PhaseComment))}
	// Undated draft-phase activities: ongoing stays without evidence; one
	// dated implementation activity gives ongoing 2.
	oneYearLater := act(20, TypeDraftPosted, phase(PhaseImplementation), on(time.Date(2019, 5, 1, 12, 0, 0, 0, eastern)))
	tests := []struct {
		name     string
		rubric   Rubric
		acts     []Activity
		overall  *float64
		coverage float64
		level    Level
		statuses []CriterionStatus
	}{
		{name: "nothing found", rubric: rubricV1, acts: nil, overall: nil, coverage: 0, level: LevelUnscored,
			statuses: slices.Repeat([]CriterionStatus{StatusNoEvidence}, 13)},
		{name: "weighted mean of the scored criteria only",
			rubric: rubric(c("modes", 7), c("ongoing", 10), c("groups", 14)),
			acts:   append(slices.Clone(richModes), oneYearLater),
			// (7×4/4 + 10×1/4) / (7+10) = 9.5/17; coverage 17/31.
			overall: ptr(55.9), coverage: 54.8, level: LevelDeveloping,
			statuses: []CriterionStatus{StatusScored, StatusScored, StatusNoEvidence}},
		{name: "under half the weight covered",
			rubric:  rubric(c("modes", 7), c("comment", 10)),
			acts:    []Activity{act(1, TypePublicMeeting)},
			overall: ptr(25.0), coverage: 41.2, level: LevelInsufficient,
			statuses: []CriterionStatus{StatusScored, StatusNoEvidence}},
		{name: "unknown criterion is not scored and counts against coverage",
			rubric:  rubric(c("secret_sauce", 50), c("modes", 50)),
			acts:    []Activity{act(1, TypePublicMeeting)},
			overall: ptr(25.0), coverage: 50, level: LevelLimited,
			statuses: []CriterionStatus{StatusNotScored, StatusScored}},
		{name: "only unknown criteria", rubric: rubric(c("secret_sauce", 100)), acts: richModes,
			overall: nil, coverage: 0, level: LevelUnscored, statuses: []CriterionStatus{StatusNotScored}},
		{name: "full marks on the criteria found",
			rubric:  rubric(c("modes", 30), c("tribal", 20)),
			acts:    richModes,
			overall: ptr(100.0), coverage: 60, level: LevelExemplary,
			statuses: []CriterionStatus{StatusScored, StatusNoEvidence}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			card := Score(tc.rubric, "ma", tc.acts, clock)
			checkCard(t, tc.rubric, card, tc.acts)
			if !equalPtr(card.Overall, tc.overall) {
				t.Errorf("overall %v, want %v", deref64(card.Overall), deref64(tc.overall))
			}
			if card.Coverage != tc.coverage {
				t.Errorf("coverage %v, want %v", card.Coverage, tc.coverage)
			}
			if card.Level != tc.level {
				t.Errorf("level %s, want %s", card.Level, tc.level)
			}
			for i, want := range tc.statuses {
				if got := card.Criteria[i].Status; got != want {
					t.Errorf("%s: status %s, want %s", card.Criteria[i].Key, got, want)
				}
			}
			if card.RubricVersion != tc.rubric.Version || card.Jurisdiction != "ma" || !card.ComputedAt.Equal(clock) ||
				card.EvidenceCount != len(tc.acts) || card.Demo {
				t.Errorf("header = %s v%d at %v, %d activities, demo %v; want ma v%d at %v, %d, false",
					card.Jurisdiction, card.RubricVersion, card.ComputedAt, card.EvidenceCount, card.Demo,
					tc.rubric.Version, clock, len(tc.acts))
			}
		})
	}
}

func TestScoreNotScoredRationale(t *testing.T) {
	card := Score(Rubric{Criteria: []Criterion{{Key: "secret_sauce", Weight: 100}}}, "MA",
		[]Activity{act(1, TypePublicMeeting, groups(AudienceGroups...))}, clock)
	c := card.Criteria[0]
	if c.Key != "secret_sauce" || c.Status != StatusNotScored || c.Score != nil || c.EvidenceIDs == nil || len(c.EvidenceIDs) != 0 {
		t.Errorf("unknown criterion = %+v, want not_scored with no score and empty evidence", c)
	}
	if !strings.Contains(c.Rationale, "does not score this criterion") {
		t.Errorf("rationale %q does not say the criterion is not scored", c.Rationale)
	}
}

func TestScoreDemo(t *testing.T) {
	tests := []struct {
		name string
		acts []Activity
		want bool
	}{
		{"none", nil, false},
		{"real only", []Activity{act(1, TypePublicMeeting), act(2, TypeSurvey)}, false},
		{"one demo among real", []Activity{act(1, TypePublicMeeting), act(2, TypeSurvey, isDemo)}, true},
		{"demo first", []Activity{act(1, TypePublicMeeting, isDemo), act(2, TypeSurvey)}, true},
	}
	for _, tc := range tests {
		if got := Score(rubricV1, "MA", tc.acts, clock).Demo; got != tc.want {
			t.Errorf("%s: demo %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestScoreWeightedMeanProperty recomputes the overall score and coverage of
// random scorecards from their criteria.
func TestScoreWeightedMeanProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 29))
	for trial := range 300 {
		acts := randomActivities(r, r.IntN(25))
		card := Score(rubricV1, "MA", acts, clock)
		var sum, scoredW, applicableW float64
		for i, c := range card.Criteria {
			w := float64(rubricV1.Criteria[i].Weight)
			if c.Status != StatusNotApplicable {
				applicableW += w
			}
			if c.Status == StatusScored {
				sum += w * float64(*c.Score) * 25
				scoredW += w
			}
		}
		var want *float64
		if scoredW > 0 {
			want = ptr(math.Round(sum/scoredW*10) / 10)
		}
		if !equalPtr(card.Overall, want) || card.Coverage != math.Round(100*scoredW/applicableW*10)/10 {
			t.Fatalf("trial %d: overall %v coverage %v, want %v and %v", trial,
				deref64(card.Overall), card.Coverage, deref64(want), 100*scoredW/applicableW)
		}
		if card.Level != LevelFor(want, card.Coverage) {
			t.Fatalf("trial %d: level %s, want %s", trial, card.Level, LevelFor(want, card.Coverage))
		}
	}
}

// TestScoreMonotoneProperty checks that new evidence never lowers a
// criterion: for random activity sets, adding one more activity leaves every
// criterion at least where it was ("no evidence" counting below 1). The one
// exception is a draft for the early criterion (see
// TestScoreEarlyEarlierDraft). Every scorecard is also checked for evidence
// ids that are not among its input.
func TestScoreMonotoneProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(2017, 1111))
	rank := func(c CriterionScore) int {
		if c.Status == StatusScored {
			return *c.Score
		}
		return 0
	}
	for trial := range 1500 {
		base := randomActivities(r, r.IntN(30))
		extra := randomActivity(r, 10_000+int64(trial))
		before := Score(rubricV1, "MA", base, clock)
		grown := append(slices.Clone(base), extra)
		after := Score(rubricV1, "MA", grown, clock)
		checkCard(t, rubricV1, before, base)
		checkCard(t, rubricV1, after, grown)
		for i, b := range before.Criteria {
			a := after.Criteria[i]
			if b.Key == "early" && extra.Type == TypeDraftPosted {
				continue
			}
			if rank(a) < rank(b) {
				t.Fatalf("trial %d: adding %+v lowered %s from %v (%s) to %v (%s); base: %+v",
					trial, extra, b.Key, deref(b.Score), b.Rationale, deref(a.Score), a.Rationale, base)
			}
		}
		if t.Failed() {
			t.FailNow()
		}
	}
}

// randomActivities returns n random activities with distinct ids in no
// particular order.
func randomActivities(r *rand.Rand, n int) []Activity {
	out := make([]Activity, n)
	for i, id := range r.Perm(n) {
		out[i] = randomActivity(r, int64(3*id+1))
	}
	return out
}

// randomActivity draws every field a rule reads, with odds that let each
// criterion reach its higher scores in sets of a dozen or so.
func randomActivity(r *rand.Rand, id int64) Activity {
	typ := ActivityTypes[r.IntN(len(ActivityTypes))]
	if r.IntN(3) == 0 {
		// The types several criteria need many of.
		typ = []ActivityType{TypeAdvisoryMeeting, TypeCommentPeriod, TypeTribalConsultation,
			TypeFeedbackSummary, TypeGovernorConsultation}[r.IntN(5)]
	}
	a := act(id, typ, phase(PlanPhases[r.IntN(len(PlanPhases))]))
	for _, g := range AudienceGroups {
		if r.IntN(6) == 0 {
			a.AudienceGroups = append(a.AudienceGroups, string(g))
		}
	}
	for _, f := range Features {
		if r.IntN(7) == 0 {
			a.Features = append(a.Features, string(f))
		}
	}
	for _, l := range []string{"en", "es", "vi", "so", "ht"} {
		if r.IntN(4) == 0 {
			a.Languages = append(a.Languages, l)
		}
	}
	a.Interpretation = r.IntN(4) == 0
	a.Remote = r.IntN(4) == 0
	a.Location = []string{"", "", "Boston", " boston", "Worcester", "Springfield", "Pittsfield"}[r.IntN(7)]
	if r.IntN(5) > 0 {
		start := day0.Add(time.Duration(r.IntN(5*365*24)) * time.Hour)
		a.Start = &start
		if r.IntN(2) == 0 {
			end := start.Add(time.Duration(r.IntN(60*24)) * time.Hour)
			a.End = &end
		}
	}
	a.Demo = r.IntN(10) == 0
	return a
}

func ptr[T any](v T) *T { return &v }

func equalPtr(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
