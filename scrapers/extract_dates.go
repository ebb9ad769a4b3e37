package scrapers

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// dateMention is one calendar date found in free text, before its year is
// settled and before times are attached to it.
type dateMention struct {
	pos, end  int // byte span in the normalized text
	year      int // 0 when the text gave none
	month     time.Month
	day       int
	weekday   int // 1..7 (Sunday=1) when the text named one, else 0
	format    string
	instant   *time.Time // set by an ISO datetime, which needs no time of day
	hasClock  bool       // an ISO datetime without offset gave a wall-clock time
	hour, min int
	deadline  bool // preceded by "due", "by", "closes" …
	opens     bool // preceded by "opens", "begins" …
	runsOn    bool // first day of "march 3-5": the next mention ends its run
}

// clock is a time of day found in free text, optionally a range.
type clock struct {
	pos, end        int // byte span in the normalized text
	hour, min       int
	endHour, endMin int
	hasEnd          bool
	format          string
	zone            string // a US time zone named just after the time, if any
}

var monthNames = map[string]time.Month{
	"january": time.January, "jan": time.January, "february": time.February, "feb": time.February,
	"march": time.March, "mar": time.March, "april": time.April, "apr": time.April,
	"may": time.May, "june": time.June, "jun": time.June, "july": time.July, "jul": time.July,
	"august": time.August, "aug": time.August, "september": time.September, "sep": time.September,
	"sept": time.September, "october": time.October, "oct": time.October,
	"november": time.November, "nov": time.November, "december": time.December, "dec": time.December,
	"enero": time.January, "febrero": time.February, "marzo": time.March, "abril": time.April,
	"mayo": time.May, "junio": time.June, "julio": time.July, "agosto": time.August,
	"septiembre": time.September, "setiembre": time.September, "octubre": time.October,
	"noviembre": time.November, "diciembre": time.December,
}

var weekdayNames = map[string]time.Weekday{
	"sunday": time.Sunday, "sun": time.Sunday, "monday": time.Monday, "mon": time.Monday,
	"tuesday": time.Tuesday, "tue": time.Tuesday, "tues": time.Tuesday,
	"wednesday": time.Wednesday, "wed": time.Wednesday, "thursday": time.Thursday,
	"thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday,
	"friday": time.Friday, "fri": time.Friday, "saturday": time.Saturday, "sat": time.Saturday,
	"domingo": time.Sunday, "lunes": time.Monday, "martes": time.Tuesday,
	"miércoles": time.Wednesday, "miercoles": time.Wednesday, "jueves": time.Thursday,
	"viernes": time.Friday, "sábado": time.Saturday, "sabado": time.Saturday,
}

const (
	weekdayRe  = `(?:(sunday|monday|tuesday|wednesday|thursday|friday|saturday|sun|mon|tues|tue|wed|thurs|thur|thu|fri|sat)\.?,?\s+)?`
	monthRe    = `(january|february|march|april|may|june|july|august|september|october|november|december|sept|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)`
	esMonthRe  = `(enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre)`
	esWeekdayR = `(?:(domingo|lunes|martes|miércoles|miercoles|jueves|viernes|sábado|sabado),?\s+)?`
)

// The date formats state agencies write, tried in this order; an earlier
// format's span hides later matches inside it ("2027-03-03" is not also a
// "3/03"). Each carries the rule name that appears in Activity.Rules.
var (
	isoRe = regexp.MustCompile(`\b(\d{4})-(\d{2})-(\d{2})(?:[t ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(z|[+-]\d{2}:?\d{2})?)?`)
	// "march 3-5, 2027": a run of days inside one month.
	monthDayRangeRe = regexp.MustCompile(`\b` + weekdayRe + monthRe + `\.?\s+(\d{1,2})(?:st|nd|rd|th)?\s*-\s*(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s*(\d{4})\b)?`)
	monthDayRe      = regexp.MustCompile(`\b` + weekdayRe + monthRe + `\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s*(\d{4})\b)?`)
	esDateRe        = regexp.MustCompile(esWeekdayR + `(?:\bel\s+)?\b(\d{1,2})\s+de\s+` + esMonthRe + `(?:\s+(?:de|del)\s+(\d{4}))?`)
	numericRe       = regexp.MustCompile(`\b(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?\b`)

	timeRangeRe = regexp.MustCompile(`\b(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\s*(?:-|to|until|till|a)\s*(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b`)
	timeRe      = regexp.MustCompile(`\b(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b`)
	time24Re    = regexp.MustCompile(`\b([01]?\d|2[0-3]):([0-5]\d)\b`)

	meridiemRe = regexp.MustCompile(`\b([ap])\.\s?m\.?`)
	noonRe     = regexp.MustCompile(`\b(?:12(?::00)?\s*)?(noon|mediodía|mediodia)\b`)
	midnightRe = regexp.MustCompile(`\b(?:12(?::00)?\s*)?midnight\b`)

	// Words just before a date that make it a closing date.
	deadlineRe = regexp.MustCompile(`(?:\bdue\b|\bdeadline\b|\bby\b|no later than|\bclos(?:e|es|ing)\b|\bends?\b|\buntil\b|\bthrough\b|\bthru\b|\bbefore\b|\bhasta\b|fecha l[ií]mite|antes del?)[^.;]{0,24}$`)
	opensRe    = regexp.MustCompile(`(?:\bopens?\b|\bbegins?\b|\bstarts?\b|\bfrom\b|\bdesde\b|\bstarting\b)[^.;]{0,16}$`)
	// What may stand between a time and the date it is on: "5 p.m. MT on".
	clockLeadsRe = regexp.MustCompile(`^\s*(?:(?:et|ct|mt|pt|est|cst|mst|pst|edt|cdt|mdt|pdt|akst|akdt|hst|ast)\s*)?,?\s*on\s+$`)
	// What may stand between two dates of one range.
	rangeGlueRe = regexp.MustCompile(`^\s*,?\s*(?:-|to|through|thru|until|till|and (?:ending|closing|runs? through)|hasta(?: el)?|al|a)\s*(?:on\s+)?$`)
)

// normalizeDateText lower-cases text and rewrites the spellings of dashes,
// meridiems and noon that the patterns would otherwise each have to carry.
func normalizeDateText(s string) string {
	s = normalizeText(s)
	s = meridiemRe.ReplaceAllString(s, "${1}m")
	s = noonRe.ReplaceAllString(s, "12:00 pm")
	s = midnightRe.ReplaceAllString(s, "12:00 am")
	return s
}

// findDates lists the dates of normalized text in reading order.
func findDates(s string) []dateMention {
	var out []dateMention
	free := newSpans(len(s)).claim
	for _, m := range isoRe.FindAllStringSubmatchIndex(s, -1) {
		d, ok := isoMention(s, m)
		if ok && free(m[0], m[1]) {
			out = append(out, d)
		}
	}
	for _, m := range monthDayRangeRe.FindAllStringSubmatchIndex(s, -1) {
		// "march 3-5 pm" is a time, not a run of days.
		if rest := strings.TrimLeft(s[m[1]:], " "); strings.HasPrefix(rest, "am") || strings.HasPrefix(rest, "pm") || strings.HasPrefix(rest, ":") {
			continue
		}
		first := dateMention{pos: m[0], end: m[1], month: monthNames[group(s, m, 2)], day: atoi(group(s, m, 3)),
			year: atoi(group(s, m, 5)), weekday: weekdayOf(group(s, m, 1)), format: "month-day", runsOn: true}
		last := first
		last.day, last.weekday, last.pos, last.runsOn = atoi(group(s, m, 4)), 0, m[1], false
		if !first.valid() || !last.valid() || last.day <= first.day || !free(m[0], m[1]) {
			continue
		}
		out = append(out, first, last)
	}
	for _, m := range monthDayRe.FindAllStringSubmatchIndex(s, -1) {
		d := dateMention{pos: m[0], end: m[1], month: monthNames[group(s, m, 2)], day: atoi(group(s, m, 3)),
			year: atoi(group(s, m, 4)), weekday: weekdayOf(group(s, m, 1)), format: "month-day"}
		if d.valid() && free(m[0], m[1]) {
			out = append(out, d)
		}
	}
	for _, m := range esDateRe.FindAllStringSubmatchIndex(s, -1) {
		d := dateMention{pos: m[0], end: m[1], month: monthNames[group(s, m, 3)], day: atoi(group(s, m, 2)),
			year: atoi(group(s, m, 4)), weekday: weekdayOf(group(s, m, 1)), format: "spanish-date"}
		if d.valid() && free(m[0], m[1]) {
			out = append(out, d)
		}
	}
	for _, m := range numericRe.FindAllStringSubmatchIndex(s, -1) {
		y := atoi(group(s, m, 3))
		if y > 0 && y < 100 {
			y += 2000
		}
		d := dateMention{pos: m[0], end: m[1], month: time.Month(atoi(group(s, m, 1))), day: atoi(group(s, m, 2)),
			year: y, format: "numeric-date"}
		if d.valid() && free(m[0], m[1]) {
			out = append(out, d)
		}
	}
	slices.SortStableFunc(out, func(a, b dateMention) int { return a.pos - b.pos })
	for i := range out {
		// Only the words since the previous date lead into this one: in
		// "register by March 1 for the March 10 session" the "by" is
		// March 1's.
		from := max(0, out[i].pos-40)
		if i > 0 && out[i-1].end > from && out[i-1].end <= out[i].pos {
			from = out[i-1].end
		}
		before := s[from:out[i].pos]
		out[i].deadline = deadlineRe.MatchString(before)
		out[i].opens = opensRe.MatchString(before)
	}
	return out
}

func isoMention(s string, m []int) (dateMention, bool) {
	d := dateMention{pos: m[0], end: m[1], year: atoi(group(s, m, 1)), month: time.Month(atoi(group(s, m, 2))),
		day: atoi(group(s, m, 3)), format: "iso-date"}
	if !d.valid() {
		return d, false
	}
	if group(s, m, 4) == "" {
		return d, true
	}
	d.hour, d.min = atoi(group(s, m, 4)), atoi(group(s, m, 5))
	if d.hour > 23 || d.min > 59 {
		return d, false
	}
	d.format = "iso-datetime"
	zone := group(s, m, 7)
	if zone == "" {
		d.hasClock = true
		return d, true
	}
	raw := strings.ToUpper(s[m[0]:m[1]])
	raw = strings.Replace(raw, " ", "T", 1)
	if len(zone) == 5 { // +0500 is not RFC 3339
		raw = raw[:len(raw)-2] + ":" + raw[len(raw)-2:]
	}
	if len(group(s, m, 6)) == 0 {
		i := strings.LastIndexAny(raw, "Z+-")
		raw = raw[:i] + ":00" + raw[i:]
	}
	t, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		d.hasClock = true
		return d, true
	}
	d.instant = &t
	return d, true
}

func (d dateMention) valid() bool {
	if d.month < 1 || d.month > 12 || d.day < 1 || d.day > 31 {
		return false
	}
	if d.year != 0 && (d.year < 1900 || d.year > 2200) {
		return false
	}
	y := d.year
	if y == 0 {
		y = 2000 // a leap year, so February 29 stays possible
	}
	return time.Date(y, d.month, d.day, 0, 0, 0, 0, time.UTC).Day() == d.day
}

// spans records which bytes of a text a match has already taken, so that
// the first (most specific) pattern to read a stretch of text wins it.
type spans []bool

func newSpans(n int) spans { return make(spans, n+1) }

// claim takes [a, b) if none of it is taken, and reports whether it did.
func (t spans) claim(a, b int) bool {
	for i := a; i < b; i++ {
		if t[i] {
			return false
		}
	}
	for i := a; i < b; i++ {
		t[i] = true
	}
	return true
}

// findClocks lists times of day, reading text whose dates were blanked out
// so that "2027" or "3/14" never pass for an hour.
func findClocks(s string) []clock {
	var out []clock
	mark := newSpans(len(s)).claim
	for _, m := range timeRangeRe.FindAllStringSubmatchIndex(s, -1) {
		eh, ok := hour12(atoi(group(s, m, 4)), group(s, m, 6))
		em := atoi(group(s, m, 5))
		sm := atoi(group(s, m, 2))
		mer := group(s, m, 3)
		if mer == "" {
			mer = group(s, m, 6)
		}
		sh, ok2 := hour12(atoi(group(s, m, 1)), mer)
		if !ok || !ok2 || sm > 59 || em > 59 {
			continue
		}
		if group(s, m, 3) == "" && sh*60+sm > eh*60+em && sh >= 12 {
			sh -= 12 // "11-1 pm" starts in the morning
		}
		if mark(m[0], m[1]) {
			out = append(out, clock{pos: m[0], end: m[1], hour: sh, min: sm, endHour: eh, endMin: em, hasEnd: true, format: "time-range"})
		}
	}
	for _, m := range timeRe.FindAllStringSubmatchIndex(s, -1) {
		h, ok := hour12(atoi(group(s, m, 1)), group(s, m, 3))
		mi := atoi(group(s, m, 2))
		if ok && mi <= 59 && mark(m[0], m[1]) {
			out = append(out, clock{pos: m[0], end: m[1], hour: h, min: mi, format: "time"})
		}
	}
	for _, m := range time24Re.FindAllStringSubmatchIndex(s, -1) {
		if mark(m[0], m[1]) {
			out = append(out, clock{pos: m[0], end: m[1], hour: atoi(group(s, m, 1)), min: atoi(group(s, m, 2)), format: "time-24h"})
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].pos < out[j-1].pos; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	for i := range out {
		out[i].zone = zoneFamily(s[out[i].end:min(len(s), out[i].end+40)])
	}
	return out
}

func hour12(h int, meridiem string) (int, bool) {
	switch meridiem {
	case "am":
		if h < 1 || h > 12 {
			return 0, false
		}
		return h % 12, true
	case "pm":
		if h < 1 || h > 12 {
			return 0, false
		}
		return h%12 + 12, true
	}
	return h, h <= 23
}

// resolveYears gives every mention a year. A yearless date before the
// last one with a year takes the year that puts it nearest the mention
// after it, which is settled first: so "January 5 through February 10,
// 2027" is one window, "December 15, 2026 – January 20" crosses the new
// year, and the list "January 13–14, March 10–11, …, November 3–4, 2027"
// stays in 2027. A date after the last year follows the one before it; with
// no year anywhere each date is nearest now. A year whose weekday agrees
// with a named weekday wins over a nearer one.
func resolveYears(ds []dateMention, now time.Time) {
	last := -1
	for i := range ds {
		if ds[i].year != 0 {
			last = i
		}
	}
	if last < 0 {
		for i := range ds {
			ds[i].year = nearestYear(ds[i], now)
		}
		return
	}
	for i := last + 1; i < len(ds); i++ {
		ds[i].year = nearestYear(ds[i], ds[i-1].civil())
	}
	for i := last - 1; i >= 0; i-- {
		if ds[i].year == 0 {
			ds[i].year = nearestYear(ds[i], ds[i+1].civil())
		}
	}
}

func nearestYear(d dateMention, now time.Time) int {
	best, bestGap, bestWeekday := now.Year(), time.Duration(1<<62), false
	for y := now.Year() - 1; y <= now.Year()+1; y++ {
		c := time.Date(y, d.month, d.day, 12, 0, 0, 0, now.Location())
		if c.Day() != d.day { // February 29 in a common year
			continue
		}
		gap := c.Sub(now)
		if gap < 0 {
			gap = -gap
		}
		weekdayOK := d.weekday != 0 && int(c.Weekday())+1 == d.weekday
		if (weekdayOK && !bestWeekday) || (weekdayOK == bestWeekday && gap < bestGap) {
			best, bestGap, bestWeekday = y, gap, weekdayOK
		}
	}
	return best
}

// civil is the mention's date at noon UTC, for ordering only.
func (d dateMention) civil() time.Time {
	return time.Date(d.year, d.month, d.day, 12, 0, 0, 0, time.UTC)
}

// at places the mention in loc at a wall-clock time; ok is false for a date
// that does not exist in that year (February 29).
func (d dateMention) at(loc *time.Location, hour, min int) (time.Time, bool) {
	if d.instant != nil {
		return d.instant.In(loc), true
	}
	t := time.Date(d.year, d.month, d.day, hour, min, 0, 0, loc)
	return t, t.Day() == d.day
}

func weekdayOf(name string) int {
	if wd, ok := weekdayNames[name]; ok {
		return int(wd) + 1
	}
	return 0
}

func group(s string, m []int, i int) string {
	if 2*i+1 >= len(m) || m[2*i] < 0 {
		return ""
	}
	return s[m[2*i]:m[2*i+1]]
}

func atoi(s string) int {
	if len(s) > 6 {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}

// blank replaces the spans of the mentions with spaces so later patterns
// cannot read into them.
func blank(s string, ds []dateMention) string {
	b := []byte(s)
	for _, d := range ds {
		for i := d.pos; i < d.end && i < len(b); i++ {
			b[i] = ' '
		}
	}
	return string(b)
}

// when is what extraction settles about an activity's time.
type when struct {
	start, end         *time.Time
	allDay             bool
	startRule, endRule string
	clock              bool // the start carries a time of day read from text
}

// readWhen reads the dates and times of raw in loc. closing says the
// activity is a window people act within (a comment period, a survey): a
// lone date after "due" or "closes" ends it rather than starting it.
func readWhen(raw string, closing bool, now time.Time, loc *time.Location) (when, bool) {
	var w when
	s := normalizeDateText(raw)
	ds := findDates(s)
	if len(ds) == 0 {
		return w, false
	}
	resolveYears(ds, now)
	clocks := attachClocks(s, ds, findClocks(blank(s, ds)))
	isRange := func(i int) bool {
		if i+1 >= len(ds) {
			return false
		}
		return ds[i].runsOn || rangeGlueRe.MatchString(s[ds[i].end:ds[i+1].pos])
	}
	first := 0
	// Only closing dates ("share your feedback before May 1") make a
	// window people act within, whatever the type.
	closing = closing || !slices.ContainsFunc(ds, func(d dateMention) bool { return !d.deadline })
	if closing {
		for i := range ds {
			if isRange(i) {
				return w.window(ds[i], ds[i+1], clocks[i], clocks[i+1], loc)
			}
		}
		for i := range ds {
			if !ds[i].deadline {
				continue
			}
			w.endRule = "end:deadline"
			w.end = w.closeOf(ds[i], clocks[i], loc)
			for j := range ds {
				if j != i && !ds[j].deadline && ds[j].civil().Before(ds[i].civil()) {
					w.setStart(ds[j], clocks[j], loc)
					break
				}
			}
			w.tidy()
			return w, w.start != nil || w.end != nil
		}
	} else {
		// A meeting's "register by" date is not the meeting.
		for i := range ds {
			if !ds[i].deadline {
				first = i
				break
			}
		}
	}
	if isRange(first) {
		return w.window(ds[first], ds[first+1], clocks[first], clocks[first+1], loc)
	}
	w.setStart(ds[first], clocks[first], loc)
	if c := clocks[first]; c != nil && c.hasEnd && w.start != nil && ds[first].instant == nil {
		if e, ok := ds[first].at(c.location(loc), c.endHour, c.endMin); ok {
			if !e.After(*w.start) {
				e = e.Add(24 * time.Hour)
			}
			w.end, w.endRule = &e, "end:time-range"
		}
	}
	w.tidy()
	return w, w.start != nil
}

// attachClocks gives each date the first time of day written after it and
// before the next date; a time written before every date ("6 p.m. on March
// 3") belongs to the first, and one written just before a date with "on"
// ("due by 5 p.m. MT on March 12") to that date. A date written twice (in
// a title and again in the text) shares the time either gave.
func attachClocks(s string, ds []dateMention, cs []clock) []*clock {
	out := make([]*clock, len(ds))
	for k := range cs {
		idx := 0
		for i := range ds {
			if ds[i].pos < cs[k].pos {
				idx = i
			}
		}
		// Only the first date after the time, a few characters on.
		if i := slices.IndexFunc(ds, func(d dateMention) bool { return d.pos >= cs[k].end }); i >= 0 &&
			ds[i].pos-cs[k].end <= 16 && clockLeadsRe.MatchString(s[cs[k].end:ds[i].pos]) {
			idx = i
		}
		if out[idx] == nil {
			out[idx] = &cs[k]
		}
	}
	for i := range ds {
		if out[i] != nil || ds[i].instant != nil || ds[i].hasClock {
			continue
		}
		for j := range ds {
			if out[j] != nil && ds[j].instant == nil && ds[j].civil().Equal(ds[i].civil()) {
				out[i] = out[j]
				break
			}
		}
	}
	return out
}

func (w *when) setStart(d dateMention, c *clock, loc *time.Location) {
	rule := "start:" + d.format
	var t time.Time
	var ok bool
	switch {
	case d.instant != nil:
		t, ok = d.at(loc, 0, 0)
		w.clock = true
	case c != nil:
		t, ok = d.at(c.location(loc), c.hour, c.min)
		rule += "-time"
		if c.hasEnd {
			rule += "-range"
		}
		rule += c.zoneRule(loc)
		w.clock = true
	case d.hasClock:
		t, ok = d.at(loc, d.hour, d.min)
		w.clock = true
	default:
		t, ok = d.at(loc, 0, 0)
		w.allDay = true
	}
	if ok {
		w.start, w.startRule = &t, rule
	}
}

// closeOf is the last moment of a closing date: its time if one was given,
// else 23:59 that day.
func (w *when) closeOf(d dateMention, c *clock, loc *time.Location) *time.Time {
	var t time.Time
	var ok bool
	switch {
	case d.instant != nil || d.hasClock:
		t, ok = d.at(loc, d.hour, d.min)
	case c != nil && c.hasEnd:
		t, ok = d.at(c.location(loc), c.endHour, c.endMin)
	case c != nil:
		t, ok = d.at(c.location(loc), c.hour, c.min)
	default:
		t, ok = d.at(loc, 23, 59)
	}
	if !ok {
		return nil
	}
	return &t
}

func (w when) window(a, b dateMention, ca, cb *clock, loc *time.Location) (when, bool) {
	w.setStart(a, ca, loc)
	w.startRule = strings.Replace(w.startRule, "start:", "start:window-", 1)
	w.end, w.endRule = w.closeOf(b, cb, loc), "end:window"
	w.tidy()
	return w, w.start != nil
}

// refine completes a reading of the source's date field with the item's
// own text. Lists often put the date in one column and the time in another
// ("2/17/2027" | "9:00 AM"), or give one <time> where the text has the
// range; a news list's date is often when the notice was posted, while
// the text gives the comment window that opens that day.
func (w when) refine(text string, closing bool, now time.Time, loc *time.Location) when {
	if w.start == nil || w.end != nil {
		return w
	}
	if tw, ok := readWhen(text, closing, now, loc); ok {
		sameDay := tw.start != nil && tw.start.In(loc).Format(time.DateOnly) == w.start.In(loc).Format(time.DateOnly)
		switch {
		case tw.end != nil && sameDay:
			return tw
		case tw.end != nil && tw.start == nil && closing && !w.start.After(*tw.end):
			// Posted on the field's date, open until the text's deadline.
			tw.start, tw.startRule, tw.allDay, tw.clock = w.start, w.startRule, w.allDay, w.clock
			return tw
		case sameDay && w.allDay && tw.clock:
			return tw
		}
		return w
	}
	if !w.allDay || closing {
		return w
	}
	// The date alone in its field, a time alone in the text.
	s := normalizeDateText(text)
	if len(findDates(s)) > 0 {
		return w
	}
	cs := findClocks(s)
	if len(cs) == 0 {
		return w
	}
	c := &cs[0]
	cl := c.location(loc)
	d := w.start.In(loc)
	start := time.Date(d.Year(), d.Month(), d.Day(), c.hour, c.min, 0, 0, cl)
	w.start, w.allDay, w.clock = &start, false, true
	w.startRule += "+text-time" + c.zoneRule(loc)
	if c.hasEnd {
		end := time.Date(d.Year(), d.Month(), d.Day(), c.endHour, c.endMin, 0, 0, cl)
		if !end.After(start) {
			end = end.Add(24 * time.Hour)
		}
		w.end, w.endRule = &end, "end:text-time-range"
	}
	return w
}

// tidy drops an end that comes before the start, which only a misread can
// produce, rather than store an impossible record.
func (w *when) tidy() {
	if w.end == nil {
		w.endRule = ""
	}
	if w.start != nil && w.end != nil && w.end.Before(*w.start) {
		w.end, w.endRule = nil, ""
	}
	if w.start == nil {
		w.startRule = ""
		w.allDay = false
	}
}
