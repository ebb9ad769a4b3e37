package models

import (
	"slices"
	"testing"
	"time"
)

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
			mentions: []string{"Found a remote option", "no in-person location", "no rural location"}},
		{name: "two venues in one county count once", acts: []Activity{
			act(1, TypePublicMeeting, at("Library"), inRegion("Lucas County")), act(2, TypePublicMeeting, at("High school"), inRegion("Lucas County")),
			act(3, TypePublicMeeting, at("Worcester"))},
			want: 1, ids: []int64{1, 2, 3}, mentions: []string{"Sessions in 2 locations only"}},
		{name: "three counties", acts: []Activity{
			act(1, TypePublicMeeting, inRegion("Lucas County"), feats(FeatureEvening)), act(2, TypePublicMeeting, inRegion("Athens County")),
			act(3, TypePublicMeeting, inRegion("Franklin County"))},
			want: 2, ids: []int64{1, 2, 3}, mentions: []string{"3 distinct locations (3 counties or regions named)"}},
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
