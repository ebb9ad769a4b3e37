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

func inRegion(r string) opt { return func(a *Activity) { a.Region = r } }

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
