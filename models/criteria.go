package models

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// criterionRules maps each criterion key the engine can score to its rule.
var criterionRules = map[string]func([]Activity) CriterionScore{
	"groups":     scoreGroups,
	"governor":   scoreGovernor,
	"tribal":     scoreTribal,
	"comment":    scoreComment,
	"modes":      scoreModes,
	"access":     scoreAccess,
	"language":   scoreLanguage,
	"plain":      scorePlain,
	"disability": scoreDisability,
	"early":      scoreEarly,
	"feedback":   scoreFeedback,
	"advisory":   scoreAdvisory,
	"ongoing":    scoreOngoing,
}

func scored(score int, ids []int64, format string, args ...any) CriterionScore {
	return CriterionScore{Status: StatusScored, Score: &score, EvidenceIDs: sortedIDs(ids),
		Rationale: fmt.Sprintf(format, args...)}
}

func noEvidence(format string, args ...any) CriterionScore {
	return CriterionScore{Status: StatusNoEvidence, EvidenceIDs: Int64List{}, Rationale: fmt.Sprintf(format, args...)}
}

func sortedIDs(ids []int64) Int64List {
	out := slices.Clone(ids)
	slices.Sort(out)
	return Int64List(slices.Compact(out))
}

// ladder returns the highest score whose threshold n reaches: thresholds[i]
// is the least n for score i+1.
func ladder(n int, thresholds ...int) int {
	score := 0
	for i, t := range thresholds {
		if n >= t {
			score = i + 1
		}
	}
	return score
}

func matching(acts []Activity, keep func(Activity) bool) (out []Activity, ids []int64) {
	for _, a := range acts {
		if keep(a) {
			out = append(out, a)
			ids = append(ids, a.ID)
		}
	}
	return out, ids
}

func ofType(types ...ActivityType) func(Activity) bool {
	return func(a Activity) bool { return slices.Contains(types, a.Type) }
}

func withFeature(fs ...Feature) func(Activity) bool {
	return func(a Activity) bool {
		return slices.ContainsFunc(fs, a.HasFeature)
	}
}

// listLabels joins plain-language names: "a, b and c".
func listLabels(labels []string) string {
	switch len(labels) {
	case 0:
		return ""
	case 1:
		return labels[0]
	}
	return strings.Join(labels[:len(labels)-1], ", ") + " and " + labels[len(labels)-1]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

func scoreGroups(acts []Activity) CriterionScore {
	reached := map[AudienceGroup]bool{}
	var ids []int64
	for _, a := range acts {
		if len(a.AudienceGroups) > 0 {
			ids = append(ids, a.ID)
		}
		for _, g := range a.AudienceGroups {
			reached[AudienceGroup(g)] = true
		}
	}
	if len(reached) == 0 {
		return noEvidence("No activity record names the stakeholder groups it was meant for.")
	}
	var statutory, others int
	var missing []string
	for _, g := range AudienceGroups {
		isStatutory := slices.Contains(StatutoryGroups, g)
		switch {
		case reached[g] && isStatutory:
			statutory++
		case reached[g]:
			others++
		case isStatutory:
			missing = append(missing, g.Label())
		}
	}
	nOthers := len(AudienceGroups) - len(StatutoryGroups)
	score := 1
	switch {
	case statutory >= 13 && others >= 7:
		score = 4
	case statutory >= 10 && others >= 4:
		score = 3
	case statutory >= 7:
		score = 2
	}
	msg := fmt.Sprintf("Reached %d of %d statutory groups and %d of %d other groups named in the 2016 rule",
		statutory, len(StatutoryGroups), others, nOthers)
	if len(missing) > 0 {
		msg += "; no record of " + listLabels(missing)
	}
	return scored(score, ids, "%s.", msg)
}

func scoreGovernor(acts []Activity) CriterionScore {
	_, consult := matching(acts, ofType(TypeGovernorConsultation))
	_, named := matching(acts, func(a Activity) bool {
		return a.HasGroup(GroupGovernor) || a.HasGroup(GroupLegislature) || a.HasGroup(GroupStateBoard)
	})
	_, board := matching(acts, ofType(TypeBoardMeeting))
	bodies := 0
	for _, g := range []AudienceGroup{GroupGovernor, GroupLegislature, GroupStateBoard} {
		for _, a := range acts {
			if a.HasGroup(g) {
				bodies++
				break
			}
		}
	}
	ids := append(append(consult, named...), board...)
	switch {
	case len(ids) == 0:
		return noEvidence("No record of consultation with the Governor, legislators or the state board.")
	case len(consult) == 0:
		return scored(1, ids, "The Governor, legislature or state board appear in %s, but no record of the Governor's consultation.",
			plural(len(ids), "activity", "activities"))
	case bodies >= 3 && len(consult) >= 2:
		return scored(4, ids, "%s with the Governor, and the legislature and state board were engaged too.",
			plural(len(consult), "consultation", "consultations"))
	case bodies >= 2:
		return scored(3, ids, "Governor consultation on record, with %d of 3 state bodies engaged.", bodies)
	}
	return scored(2, ids, "Governor consultation on record; no record of the legislature or state board taking part.")
}

func scoreTribal(acts []Activity) CriterionScore {
	consults, ids := matching(acts, ofType(TypeTribalConsultation))
	_, named := matching(acts, func(a Activity) bool { return a.HasGroup(GroupTribes) })
	if len(consults) == 0 && len(named) == 0 {
		return noEvidence("No record of tribal consultation or of tribal representatives taking part.")
	}
	if len(consults) == 0 {
		return scored(1, named, "Tribal representatives appear in %s, but no dedicated tribal consultation was found.",
			plural(len(named), "activity", "activities"))
	}
	phases := distinctPhases(consults)
	score := 2
	switch {
	case len(consults) >= 3 && phases >= 2:
		score = 4
	case len(consults) >= 2:
		score = 3
	}
	return scored(score, append(ids, named...), "%s found, across %s.",
		plural(len(consults), "tribal consultation", "tribal consultations"), plural(phases, "plan phase", "plan phases"))
}

func distinctPhases(acts []Activity) int {
	seen := map[PlanPhase]bool{}
	for _, a := range acts {
		seen[a.Phase] = true
	}
	return len(seen)
}

func scoreComment(acts []Activity) CriterionScore {
	periods, ids := matching(acts, ofType(TypeCommentPeriod, TypeWrittenComment))
	if len(periods) == 0 {
		return noEvidence("No public comment period or call for written comment was found.")
	}
	var full, longest int
	notice := false
	for _, a := range periods {
		if a.Start == nil || a.End == nil {
			continue
		}
		days := wallDays(*a.Start, *a.End)
		longest = max(longest, days)
		if days >= 30 {
			full++
		}
		notice = notice || a.HasFeature(FeatureAdvanceNotice)
	}
	_, responses := matching(acts, withFeature(FeatureResponseToComment))
	switch {
	case full == 0 && longest == 0:
		return scored(1, ids, "%s found, but none gives both an opening and a closing date.",
			plural(len(periods), "comment opportunity", "comment opportunities"))
	case full == 0:
		return scored(1, ids, "The longest comment window found ran %d days, short of the 30 days commonly read into the law.", longest)
	case full >= 2 && len(responses) > 0:
		return scored(4, append(ids, responses...), "%d comment windows of 30 days or more on successive drafts, and responses to comments were published.", full)
	case full >= 2 || (notice && len(responses) > 0):
		return scored(3, append(ids, responses...), "%s of at least 30 days (longest %d days); no published response to comments on every round.",
			plural(full, "comment window", "comment windows"), longest)
	}
	return scored(2, ids, "One comment window of at least 30 days (%d days); no second round on a revised draft was found.", longest)
}

// wallDays counts the whole days from start to end on the wall clock of
// start's time zone, so that a window spanning a daylight-saving change is
// not an hour short of its last day.
func wallDays(start, end time.Time) int {
	end = end.In(start.Location())
	wall := func(t time.Time) time.Time {
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	}
	return int(wall(end).Sub(wall(start)).Hours() / 24)
}

func scoreModes(acts []Activity) CriterionScore {
	types := map[ActivityType]bool{}
	perPhase := map[PlanPhase]map[ActivityType]bool{}
	var ids []int64
	for _, a := range acts {
		if !slices.Contains(ParticipationTypes, a.Type) {
			continue
		}
		ids = append(ids, a.ID)
		types[a.Type] = true
		if perPhase[a.Phase] == nil {
			perPhase[a.Phase] = map[ActivityType]bool{}
		}
		perPhase[a.Phase][a.Type] = true
	}
	if len(types) == 0 {
		return noEvidence("No meeting, survey, webinar, focus group or comment opportunity was found.")
	}
	richest := 0
	for _, ts := range perPhase {
		richest = max(richest, len(ts))
	}
	labels := make([]string, 0, len(types))
	for t := range types {
		labels = append(labels, strings.ToLower(t.Label()))
	}
	sort.Strings(labels)
	score := ladder(len(types), 1, 2, 4, 6)
	if score == 4 && richest < 3 {
		score = 3 // exemplary means several ways to take part within one phase
	}
	return scored(score, ids, "%s to take part (%s); at most %d in a single plan phase.",
		plural(len(types), "way", "ways"), listLabels(labels), richest)
}

func scoreAccess(acts []Activity) CriterionScore {
	_, remote := matching(acts, func(a Activity) bool { return a.Remote })
	_, offHours := matching(acts, withFeature(FeatureEvening, FeatureWeekend))
	_, rural := matching(acts, withFeature(FeatureRural))
	// A place is its county or region when extraction found one, so two
	// venues in one county count once; otherwise the venue itself.
	places, regions := map[string]bool{}, map[string]bool{}
	var placeIDs []int64
	for _, a := range acts {
		if a.Remote {
			continue
		}
		place := strings.TrimSpace(strings.ToLower(a.Location))
		if r := strings.TrimSpace(strings.ToLower(a.Region)); r != "" {
			place, regions[r] = "region:"+r, true
		}
		if place != "" {
			places[place] = true
			placeIDs = append(placeIDs, a.ID)
		}
	}
	var have, lack []string
	check := func(ok bool, yes, no string) {
		if ok {
			have = append(have, yes)
		} else {
			lack = append(lack, no)
		}
	}
	check(len(remote) > 0, "a remote option", "no remote option")
	check(len(offHours) > 0, "evening or weekend sessions", "no evening or weekend session")
	spread := fmt.Sprintf("%d distinct locations", len(places))
	if len(regions) > 0 {
		spread += fmt.Sprintf(" (%s named)", plural(len(regions), "county or region", "counties or regions"))
	}
	few := "no in-person location"
	if len(places) > 0 {
		few = "only " + plural(len(places), "in-person location", "in-person locations")
	}
	check(len(places) >= 3, spread, few)
	check(len(rural) > 0, "a rural location", "no rural location")
	ids := slices.Concat(remote, offHours, rural, placeIDs)
	if len(have) == 0 {
		if len(places) == 0 {
			return noEvidence("No record of where or when sessions were held, or of a remote option.")
		}
		return scored(1, ids, "Sessions in %s only; %s.", plural(len(places), "location", "locations"), listLabels(lack))
	}
	msg := "Found " + listLabels(have)
	if len(lack) > 0 {
		msg += "; " + listLabels(lack)
	}
	return scored(len(have), ids, "%s.", msg)
}

func scoreLanguage(acts []Activity) CriterionScore {
	langs := map[string]bool{}
	var ids []int64
	interpreted := 0
	for _, a := range acts {
		other := false
		for _, l := range a.Languages {
			if l != "en" {
				langs[l] = true
				other = true
			}
		}
		if a.Interpretation {
			interpreted++
		}
		if other || a.Interpretation {
			ids = append(ids, a.ID)
		}
	}
	if len(langs) == 0 && interpreted == 0 {
		return noEvidence("No materials in a language other than English and no interpretation were found.")
	}
	names := make([]string, 0, len(langs))
	for l := range langs {
		names = append(names, LanguageName(l))
	}
	sort.Strings(names)
	score := 1
	switch {
	case len(langs) >= 3 && interpreted >= 3:
		score = 4
	case len(langs) >= 2 && interpreted >= 1:
		score = 3
	case langs["es"] || len(langs) >= 2:
		score = 2
	}
	what := "no materials in other languages"
	if len(names) > 0 {
		what = "materials in " + listLabels(names)
	}
	return scored(score, ids, "Found %s; interpretation offered at %s.", what, plural(interpreted, "activity", "activities"))
}

func featureScore(acts []Activity, none string, fs map[Feature]string) CriterionScore {
	var ids []int64
	var have, lack []string
	for _, f := range Features {
		label, ok := fs[f]
		if !ok {
			continue
		}
		_, with := matching(acts, withFeature(f))
		if len(with) > 0 {
			have = append(have, fmt.Sprintf("%s (%d)", label, len(with)))
			ids = append(ids, with...)
		} else {
			lack = append(lack, label)
		}
	}
	if len(have) == 0 {
		return noEvidence("%s", none)
	}
	// One point per kind of support found, and one more when it is
	// sustained across four or more activities.
	score := len(have)
	if len(sortedIDs(ids)) >= 4 {
		score++
	}
	msg := "Found " + listLabels(have)
	if len(lack) > 0 {
		msg += "; no " + listLabels(lack)
	}
	return scored(min(score, 4), ids, "%s.", msg)
}

func scorePlain(acts []Activity) CriterionScore {
	return featureScore(acts, "No plain-language summary, FAQ or explainer video was found.", map[Feature]string{
		FeaturePlainSummary: "plain-language summaries", FeatureFAQ: "FAQs", FeatureVideo: "explainer videos",
	})
}

func scoreDisability(acts []Activity) CriterionScore {
	return featureScore(acts, "No accommodation notice, captioning or accessible-document statement was found.", map[Feature]string{
		FeatureAccommodation: "accommodation notices", FeatureCaptions: "captions", FeatureAccessibleDocs: "accessible documents",
	})
}

func scoreEarly(acts []Activity) CriterionScore {
	drafts, draftIDs := matching(acts, ofType(TypeDraftPosted))
	var firstDraft *Activity
	for i := range drafts {
		if drafts[i].Start != nil && (firstDraft == nil || drafts[i].Start.Before(*firstDraft.Start)) {
			firstDraft = &drafts[i]
		}
	}
	if firstDraft == nil {
		return noEvidence("No dated draft was found, so input before decisions cannot be judged.")
	}
	var first *Activity
	for i := range acts {
		a := &acts[i]
		if a.Start != nil && slices.Contains(ParticipationTypes, a.Type) && (first == nil || a.Start.Before(*first.Start)) {
			first = a
		}
	}
	if first == nil || !first.Start.Before(*firstDraft.Start) {
		return scored(1, draftIDs, "The first draft was posted %s before any recorded chance to give input.",
			firstDraft.Start.Format("January 2, 2006"))
	}
	days := wallDays(*first.Start, *firstDraft.Start)
	ids := append(draftIDs, first.ID)
	return scored(ladder(days, 0, 1, 30, 90), ids, "Engagement began %d days before the first draft was posted (%s).",
		days, firstDraft.Start.Format("January 2, 2006"))
}

func scoreFeedback(acts []Activity) CriterionScore {
	summaries, sumIDs := matching(acts, ofType(TypeFeedbackSummary))
	_, responses := matching(acts, withFeature(FeatureResponseToComment))
	_, records := matching(acts, withFeature(FeatureRecording, FeatureMinutes))
	ids := slices.Concat(sumIDs, responses, records)
	if len(ids) == 0 {
		return noEvidence("No \"what we heard\" summary, response to comments, recording or minutes was found.")
	}
	phases := distinctPhases(summaries)
	score := 1
	switch {
	case len(summaries) >= 3 && phases >= 3 && len(responses) > 0:
		score = 4
	case len(summaries) >= 2 && (len(responses) > 0 || phases >= 2):
		score = 3
	case len(summaries) >= 1:
		score = 2
	}
	return scored(score, ids, "%s across %s, %s and %s.",
		plural(len(summaries), "feedback summary", "feedback summaries"), plural(phases, "plan phase", "plan phases"),
		plural(len(responses), "published response to comments", "published responses to comments"),
		plural(len(records), "recording or set of minutes", "recordings or sets of minutes"))
}

func scoreAdvisory(acts []Activity) CriterionScore {
	meetings, ids := matching(acts, ofType(TypeAdvisoryMeeting))
	if len(meetings) == 0 {
		return noEvidence("No advisory committee or task force meeting was found.")
	}
	_, rosters := matching(acts, withFeature(FeatureRoster))
	years := distinctYears(meetings)
	score := ladder(len(meetings), 1, 3, 6)
	if score == 3 && years >= 2 && len(rosters) > 0 {
		score = 4
	}
	return scored(score, append(ids, rosters...), "%s over %s; %s.",
		plural(len(meetings), "advisory meeting", "advisory meetings"), plural(years, "year", "years"),
		map[bool]string{true: "a membership roster is published", false: "no published roster was found"}[len(rosters) > 0])
}

func distinctYears(acts []Activity) int {
	seen := map[int]bool{}
	for _, a := range acts {
		if a.Start != nil {
			seen[a.Start.Year()] = true
		}
	}
	return len(seen)
}

func scoreOngoing(acts []Activity) CriterionScore {
	later, ids := matching(acts, func(a Activity) bool {
		return a.Phase == PhaseImplementation || a.Phase == PhaseAmendment
	})
	if len(later) == 0 {
		return noEvidence("No engagement during implementation or on plan amendments was found.")
	}
	years := distinctYears(later)
	score := 1 // a single activity is a one-off, whatever its year
	if len(later) >= 2 {
		score = max(2, ladder(years, 0, 1, 2, 3))
	}
	return scored(score, ids, "%s during implementation or amendments, spread over %s.",
		plural(len(later), "activity", "activities"), plural(years, "year", "years"))
}
