package scrapers

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"heard/models"
)

// Extract turns a parsed item into an activity of jurisdiction j. ok is
// false when the item is not about stakeholder engagement on the state
// plan / ESSA / education policy input (unrelated news is dropped).
//
// Every field it sets is explained in a.Rules by the name of the rule that
// set it, so staff reviewing a record can see why the machine read it so.
// Sources and provenance are the runner's to add.
func Extract(it Item, j models.Jurisdiction, now time.Time) (a models.Activity, ok bool) {
	return extract(it, j, now, false)
}

// relevanceUnsure is the relevance rule of an item extraction would have
// dropped but was asked to keep: a page a person submitted.
const relevanceUnsure = "relevance:unsure:kept-because-submitted"

// extract is Extract; keepIrrelevant keeps an item it finds unrelated,
// typed as best it can, with relevanceUnsure as its relevance rule so a
// reviewer sees the machine was unsure.
func extract(it Item, j models.Jurisdiction, now time.Time, keepIrrelevant bool) (a models.Activity, ok bool) {
	title := cleanText(it.Title)
	if title == "" {
		return a, false
	}
	desc := cleanText(it.Description)
	loc := cleanText(it.Location)
	body := normalizeText(strings.Join([]string{title, desc, strings.Join(it.Categories, " ")}, " . "))
	head := normalizeText(title)
	all := body + " . " + normalizeText(loc)

	rules := models.JSONMap{}
	typ, typeRule, typed := firstMatch(titleTypeRules, head)
	if !typed {
		typ, typeRule, typed = firstMatch(typeRules, body)
	}
	relevant, why := relevance(body, all, it.Link, typed, typeRule)
	if !relevant {
		if !keepIrrelevant {
			return a, false
		}
		why = relevanceUnsure
	}
	rules["relevance"] = why
	if !typed {
		typ, typeRule = models.TypeOther, "default"
	}
	rules["activity_type"] = "type:" + typeRule

	a = models.Activity{
		Jurisdiction:   models.NormalizeCode(j.Code),
		Type:           typ,
		Title:          title,
		Description:    desc,
		URL:            cleanText(it.Link),
		TimeZone:       j.TimeZone,
		Location:       loc,
		Languages:      models.StringList{},
		AudienceGroups: models.StringList{},
		Features:       models.StringList{},
		Rules:          rules,
	}
	a.DedupeKey, rules["dedupe_key"] = dedupeKey(it, title)
	if len(a.Jurisdiction) != 2 {
		return models.Activity{}, false
	}

	w := readDates(it, typ, title, desc, now, j.Location())
	a.Start, a.End, a.AllDay = w.start, w.end, w.allDay
	setRule(rules, "start", w.startRule)
	setRule(rules, "end", w.endRule)

	a.AudienceGroups, rules["audience_groups"] = matchAll(groupRules, withoutPlace(body, normalizeText(loc)), "group")
	features, featureRule := matchAll(featureRules, all, "feature")
	a.Features, rules["features"] = timeFeatures(features, featureRule, w, typ)
	a.Languages, rules["languages"] = languages(body)
	a.Phase, rules["plan_phase"] = planPhase(body, typ)
	a.Status, rules["status"] = status(all, a.Start, a.End, now)

	a.Region, rules["region"] = region(it.Location, it.Title+". "+it.Description, j.Name)
	if name := remoteWords.match(all); name != "" {
		a.Remote, rules["remote"] = true, "remote:"+name
	}
	if name := interpretationWords.match(body); name != "" {
		a.Interpretation, rules["interpretation"] = true, "interpretation:"+name
	}
	if s := accessibilitySentences(desc); s != "" {
		a.Accessibility, rules["accessibility"] = s, "accessibility:sentence"
	}
	for k, v := range rules {
		if v == "" {
			delete(rules, k)
		}
	}
	return a, true
}

// relevance keeps an item that asks for or reports input (an activity type
// or an engagement word) on an education topic; "the Governor announces
// highway funding" has neither, "Teacher of the Year named" lacks the first.
// The topic may show only in the place ("Escuela Superior de Ponce") or
// in the item's link ("/essa/sessions/pittsburgh"): entries of an agency's
// ESSA pages often leave the topic to the page's heading.
func relevance(body, all, link string, typed bool, typeRule string) (bool, string) {
	engage := typeRule
	if !typed {
		engage = engagementWords.match(body)
	}
	if engage == "" {
		return false, ""
	}
	topic := topicWords.match(all)
	if topic == "" {
		topic = linkTopic(link)
	}
	if topic == "" {
		return false, ""
	}
	return true, "relevance:engagement:" + engage + "+topic:" + topic
}

// linkTopic names the ESSA word in a link's path, "" if none; the host is
// left out, since every page of an education agency's site would match.
func linkTopic(link string) string {
	u, err := url.Parse(link)
	if err != nil || link == "" {
		return ""
	}
	path := strings.ToLower(u.Path)
	for _, w := range wordRe.FindAllString(path, -1) {
		if w == "essa" || w == "esea" {
			return "link:" + w
		}
	}
	for _, p := range []string{"state-plan", "stateplan", "every-student-succeeds", "consolidated-plan"} {
		if strings.Contains(path, p) {
			return "link:" + p
		}
	}
	return ""
}

// withoutPlace blanks the item's place out of its text: a meeting held at
// a community college or at the State Board's offices is not addressed to
// colleges or to the Board.
func withoutPlace(body, place string) string {
	if len(place) < 4 {
		return body
	}
	return strings.ReplaceAll(body, place, " | ")
}

// readDates reads the activity's time from the source's own event times (a
// calendar's DTSTART/DTEND), else its date text, else the title and
// description; news of a document with no date in its text is dated by the
// feed.
func readDates(it Item, typ models.ActivityType, title, desc string, now time.Time, loc *time.Location) when {
	if it.Start != nil && !it.Start.IsZero() {
		return eventWhen(it, loc)
	}
	closing := slices.Contains([]models.ActivityType{models.TypeCommentPeriod, models.TypeWrittenComment, models.TypeSurvey}, typ)
	if dt := cleanText(it.DateText); dt != "" {
		if w, ok := readWhen(dt, closing, now, loc); ok {
			return w.refine(title+" . "+desc, closing, now, loc)
		}
	}
	if w, ok := readWhen(title+" . "+desc, closing, now, loc); ok {
		return w
	}
	newsLike := []models.ActivityType{
		models.TypeDraftPosted, models.TypeFeedbackSummary, models.TypePlanSubmitted, models.TypeSurvey,
		models.TypeWrittenComment, models.TypeGovernorConsultation, models.TypeOther,
	}
	if it.Published != nil && !it.Published.IsZero() && slices.Contains(newsLike, typ) {
		t := it.Published.In(loc)
		return when{start: &t, startRule: "start:feed-published"}
	}
	return when{}
}

// eventWhen takes an event's machine-readable times, which say more than
// any date in its text ("register by March 1" in a March 10 meeting's
// description). An all-day event has no time of day, so it is neither an
// evening nor a weekend session by its start.
func eventWhen(it Item, loc *time.Location) when {
	start := it.Start.In(loc)
	w := when{start: &start, startRule: "start:event-time", allDay: it.AllDay, clock: !it.AllDay}
	if it.End != nil && !it.End.IsZero() && !it.End.Before(start) {
		end := it.End.In(loc)
		w.end, w.endRule = &end, "end:event-time"
	}
	return w
}

// timeFeatures adds the evening and weekend features, which only a start
// with a time of day can show — read from the text or an event's own times
// (a feed's publication time says nothing about when people could take
// part).
func timeFeatures(fs models.StringList, rule string, w when, typ models.ActivityType) (models.StringList, string) {
	if w.start == nil || !w.clock || !slices.Contains(models.ParticipationTypes, typ) {
		return fs, rule
	}
	var extra []string
	if w.start.Hour() >= 17 {
		fs = append(fs, string(models.FeatureEvening))
		extra = append(extra, "evening:start-hour")
	}
	if wd := w.start.Weekday(); wd == time.Saturday || wd == time.Sunday {
		fs = append(fs, string(models.FeatureWeekend))
		extra = append(extra, "weekend:start-day")
	}
	if len(extra) == 0 {
		return fs, rule
	}
	if rule != "" {
		extra = append([]string{rule}, extra...)
	}
	return fs, strings.Join(extra, "; ")
}

// matchAll applies every rule of the table and lists the values found, in
// vocabulary order, with the rules that found them.
func matchAll[T ~string](rules []rule[T], s, prefix string) (models.StringList, string) {
	out := models.StringList{}
	var names []string
	for _, r := range rules {
		if name := r.match(s); name != "" && !out.Has(string(r.value)) {
			out = append(out, string(r.value))
			names = append(names, prefix+":"+string(r.value)+":"+name)
		}
	}
	return out, strings.Join(names, "; ")
}

// languages lists the languages a text is in or offers: English when it is
// written in English, Spanish when written in or offered in Spanish, and
// any other language named in a sentence about language.
func languages(body string) (models.StringList, string) {
	langs := models.StringList{}
	var names []string
	words := wordSet(body)
	english := 0
	for _, w := range englishWords {
		if words[w] {
			english++
		}
	}
	spanish := 0
	for _, w := range spanishWords {
		if words[w] || (strings.Contains(w, " ") && hasPhrase(body, w)) {
			spanish++
			if strings.ContainsAny(w, "áéíóúñ") || len(w) > 5 {
				spanish++ // distinctively Spanish, not "los" or "del"
			}
		}
	}
	switch {
	case english >= 2 || (spanish < 3 && english >= 1):
		langs = append(langs, "en")
		names = append(names, "language:en:function-words")
	case englishExplicit.match(body) != "":
		langs = append(langs, "en")
		names = append(names, "language:en:"+englishExplicit.match(body))
	}
	switch {
	case spanish >= 3:
		langs = append(langs, "es")
		names = append(names, "language:es:spanish-words")
	default:
		if name := spanishExplicit.match(body); name != "" {
			langs = append(langs, "es")
			names = append(names, "language:es:"+name)
		}
	}
	for _, sentence := range sentences(body) {
		if languageContext.match(sentence) == "" {
			continue
		}
		for _, r := range languageRules {
			if name := r.match(sentence); name != "" && !langs.Has(r.value) {
				langs = append(langs, r.value)
				names = append(names, "language:"+r.value+":"+name)
			}
		}
	}
	if len(langs) == 0 {
		// A title too short to tell is, on a US agency's site, English.
		langs = append(langs, "en")
		names = append(names, "language:en:default")
	}
	return langs, strings.Join(names, "; ")
}

// planPhase places the activity in the plan's life: amendments first (they
// recur every year), then what the type says, then wording, and early input
// when nothing says otherwise.
func planPhase(body string, typ models.ActivityType) (models.PlanPhase, string) {
	if name := amendmentRule.match(body); name != "" {
		return models.PhaseAmendment, "phase:" + name
	}
	switch typ {
	case models.TypePlanSubmitted:
		return models.PhaseSubmitted, "phase:type:plan_submitted"
	case models.TypeCommentPeriod, models.TypeWrittenComment:
		return models.PhaseComment, "phase:type:" + string(typ)
	}
	for _, r := range []rule[models.PlanPhase]{implementationRule, submittedRule, commentRule, preDraftRule, draftRule} {
		if name := r.match(body); name != "" {
			return r.value, "phase:" + name
		}
	}
	if typ == models.TypeDraftPosted {
		return models.PhaseDraft, "phase:type:draft_posted"
	}
	return models.PhasePreDraft, "phase:default"
}

// status reads a cancellation from the text and otherwise compares the
// dates with now. An open comment window is still scheduled: people can
// still take part in it.
func status(s string, start, end *time.Time, now time.Time) (models.ActivityStatus, string) {
	switch {
	case cancelledWords.match(s) != "":
		return models.StatusCancelled, "status:" + cancelledWords.match(s)
	case start == nil && end != nil && end.Before(now):
		return models.StatusHeld, "status:past-deadline"
	case start == nil && end != nil:
		return models.StatusScheduled, "status:open-until-deadline"
	case start == nil:
		return models.StatusUnknown, "status:no-date"
	case end != nil && start.Before(now) && !end.Before(now):
		return models.StatusScheduled, "status:open-window"
	case start.Before(now):
		return models.StatusHeld, "status:past"
	}
	return models.StatusScheduled, "status:upcoming"
}

// accessibilitySentences keeps, verbatim, the sentences of the description
// that tell people how to get an accommodation.
func accessibilitySentences(desc string) string {
	var keep []string
	for _, s := range sentenceSpanRe.FindAllString(desc, -1) {
		if accessibilityWords.match(normalizeText(s)) != "" {
			keep = append(keep, strings.TrimSpace(s))
		}
		if len(keep) == 2 {
			break
		}
	}
	out := strings.Join(keep, " ")
	if len(out) > 500 {
		out = strings.ToValidUTF8(out[:500], "") + "…"
	}
	return out
}

// dedupeKey is the item's identity across runs: the source's own id, else
// its normalized URL, else a digest of its title and date.
func dedupeKey(it Item, title string) (string, string) {
	if g := cleanText(it.GUID); g != "" {
		return "guid:" + g, "dedupe:guid"
	}
	if u := normalizeURL(cleanText(it.Link)); u != "" {
		return "url:" + u, "dedupe:url"
	}
	sum := sha256.Sum256([]byte(strings.ToLower(title) + "|" + strings.ToLower(cleanText(it.DateText))))
	return "title:" + hex.EncodeToString(sum[:]), "dedupe:title-hash"
}

// normalizeURL lower-cases the scheme and host and drops the fragment, the
// parts that vary between links to one page.
func normalizeURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

var (
	spaceRe    = regexp.MustCompile(`\s+`)
	sentenceRe = regexp.MustCompile(`[.!?;]\s+`)
	// sentenceSpanRe keeps a sentence's own full stop, for quoting it. A
	// stop inside a word (an email address, "1.2") does not end the
	// sentence, nor does "p.m." followed by a lower-case word.
	sentenceSpanRe = regexp.MustCompile(`(?:\b[ap]\.m\.\s+[\p{Ll}\d]|[^.!?;]|[.!?;]+[^\s.!?;])+(?:[.!?;]+|$)`)
	wordRe         = regexp.MustCompile(`[\p{L}\p{N}']+`)
	dashes         = strings.NewReplacer("\u2010", "-", "\u2011", "-", "\u2012", "-", "\u2013", "-", "\u2014", "-",
		"\u2015", "-", "\u2212", "-", "\u00a0", " ", "\u2019", "'", "\u2018", "'", "\u201c", `"`, "\u201d", `"`)
)

// cleanText makes source text safe to store: valid UTF-8, no NUL (which
// PostgreSQL text refuses), whitespace collapsed.
func cleanText(s string) string {
	return strings.TrimSpace(spaceRe.ReplaceAllString(storableText(s), " "))
}

// normalizeText is the form every rule reads: lower case, one kind of dash
// and apostrophe, single spaces.
func normalizeText(s string) string {
	return cleanText(strings.ToLower(dashes.Replace(strings.ToValidUTF8(s, " "))))
}

func sentences(s string) []string { return sentenceRe.Split(s, -1) }

func wordSet(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range wordRe.FindAllString(s, -1) {
		out[w] = true
	}
	return out
}

func setRule(m models.JSONMap, field, rule string) {
	if rule != "" {
		m[field] = rule
	}
}
