package scrapers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// normalizeICal reads the calendar's structure and times itself and hands
// gocal a simplified calendar. gocal v0.9.1 cannot be given raw calendars
// from the web: an RRULE with INTERVAL=0 or a large COUNT loops forever
// (a hang, which recover cannot stop); monthly BYDAY=2TU picks the wrong
// Tuesday; a list of EXDATE values is ignored; an event without DTEND is
// dropped and one without DTSTAMP fails the whole feed; floating times are
// read in the server's time.Local and an unknown TZID silently in UTC; its
// only zone hook (SetTZMapper) is process-wide. So each VEVENT of the
// calendar reaches gocal with UTC DTSTART/DTEND, a DTSTAMP, its text
// properties, and an index into icalCalendar.events, where the times and
// the rule as read here are kept.
func normalizeICal(body []byte, loc *time.Location) (*icalCalendar, error) {
	n := &icalNormalizer{loc: loc, zones: map[string]*time.Location{}}
	cal := &icalCalendar{}
	var out bytes.Buffer
	out.WriteString("BEGIN:VCALENDAR\r\n")
	var stack []string
	var ev *icalEventLines
	sawEvents, started := 0, false
	for _, raw := range unfoldICal(body) {
		if strings.TrimSpace(raw) == "" {
			continue
		}
		l, ok := parseICalLine(raw)
		if !started {
			if !ok || l.name != "BEGIN" || !strings.EqualFold(strings.TrimSpace(l.value), "VCALENDAR") {
				return nil, errNotICal
			}
			started = true
		}
		if !ok {
			continue // RFC 5545 has no use for a line without a name and a colon
		}
		switch l.name {
		case "BEGIN":
			comp := strings.ToUpper(strings.TrimSpace(l.value))
			if len(stack) >= icalMaxDepth {
				return nil, fmt.Errorf("components nested deeper than %d", icalMaxDepth)
			}
			if len(stack) == 0 && comp != "VCALENDAR" {
				return nil, fmt.Errorf("BEGIN:%s outside a VCALENDAR", comp)
			}
			stack = append(stack, comp)
			if comp == "VEVENT" && len(stack) == 2 {
				ev = &icalEventLines{}
				sawEvents++
			}
			continue
		case "END":
			comp := strings.ToUpper(strings.TrimSpace(l.value))
			if len(stack) == 0 || stack[len(stack)-1] != comp {
				return nil, fmt.Errorf("END:%s without a matching BEGIN", comp)
			}
			stack = stack[:len(stack)-1]
			if comp == "VEVENT" && ev != nil && len(stack) == 1 {
				n.finish(ev, cal, &out)
				ev = nil
			}
			continue
		}
		switch {
		case len(stack) == 1 && l.name == "METHOD":
			cal.cancelAll = cal.cancelAll || strings.EqualFold(strings.TrimSpace(l.value), "CANCEL")
		case len(stack) == 2 && ev != nil:
			n.property(ev, l)
		}
	}
	if !started {
		return nil, errNotICal
	}
	if len(stack) > 0 {
		return nil, fmt.Errorf("calendar is truncated: no END:%s", stack[len(stack)-1])
	}
	if sawEvents > 0 && len(cal.events) == 0 {
		return nil, errors.New("no event has a readable DTSTART")
	}
	out.WriteString("END:VCALENDAR\r\n")
	cal.text = out.Bytes()
	return cal, nil
}

const (
	// icalMaxDepth bounds component nesting (VCALENDAR > VEVENT > VALARM
	// is three deep).
	icalMaxDepth = 8
	// icalMaxLine bounds an unfolded line: gocal reads lines with a
	// bufio.Scanner, which stops silently at 64 KiB.
	icalMaxLine = 60 << 10
	// icalMaxCategories bounds an event's CATEGORIES, which are merged
	// from every CATEGORIES line into one.
	icalMaxCategories = 4 << 10
	// icalIndexProp carries an event's index in icalCalendar.events
	// through gocal.
	icalIndexProp = "X-HEARD-EVENT"
)

// icalCalendar is a calendar as normalizeICal read it.
type icalCalendar struct {
	text      []byte      // the simplified calendar gocal reads
	events    []icalEvent // indexed by each VEVENT's X-HEARD-EVENT
	cancelAll bool        // METHOD:CANCEL: every event in it is cancelled
}

// icalEvent holds what normalizeICal settled about one VEVENT's times.
type icalEvent struct {
	uid       string
	start     time.Time      // in its own zone; midnight in loc for all-day
	duration  *time.Duration // DTEND−DTSTART or DURATION; nil if neither
	allDay    bool
	days      int // an all-day event's length in days, at least 1
	rule      *rrule
	exdates   *timeSet
	rid       *icalTime // RECURRENCE-ID of an override
	cancelled bool
}

// icalTime is a DATE or DATE-TIME value.
type icalTime struct {
	t    time.Time // midnight in loc for a date; else in its zone
	date bool
}

// key names the instance in a GUID: its date, or its instant in UTC.
func (t icalTime) key() string {
	if t.date {
		return t.t.Format(time.DateOnly)
	}
	return t.t.UTC().Format(time.RFC3339)
}

// icalEventLines collects one VEVENT's properties until its END.
type icalEventLines struct {
	uid, summary, rruleText string
	start, end, rid         *icalTime
	badStart                bool
	duration                *icalDuration
	exdates                 []icalTime
	categories              []string
	text                    []string // SUMMARY, DESCRIPTION … as gocal will read them
	cancelled               bool
}

type icalNormalizer struct {
	loc   *time.Location
	zones map[string]*time.Location
}

func (n *icalNormalizer) property(ev *icalEventLines, l icalLine) {
	switch l.name {
	case "UID":
		if ev.uid == "" {
			ev.uid = strings.TrimSpace(l.value)
		}
	case "DTSTART":
		if ev.start == nil && !ev.badStart {
			t, ok := n.parseTime(l.value, l.params)
			ev.start, ev.badStart = &t, !ok
		}
	case "DTEND":
		if t, ok := n.parseTime(l.value, l.params); ok && ev.end == nil {
			ev.end = &t
		}
	case "DURATION":
		if d, ok := parseICalDuration(l.value); ok && ev.duration == nil {
			ev.duration = &d
		}
	case "RRULE":
		if ev.rruleText == "" {
			ev.rruleText = strings.TrimSpace(l.value)
		}
	case "EXDATE":
		for _, v := range strings.Split(l.value, ",") {
			if t, ok := n.parseTime(v, l.params); ok {
				ev.exdates = append(ev.exdates, t)
			}
		}
	case "RECURRENCE-ID":
		if t, ok := n.parseTime(l.value, l.params); ok && ev.rid == nil {
			ev.rid = &t
		}
	case "CATEGORIES":
		ev.categories = append(ev.categories, l.value)
	case "STATUS":
		ev.cancelled = ev.cancelled || strings.EqualFold(strings.TrimSpace(l.value), "CANCELLED")
		ev.text = append(ev.text, l.line())
	case "SUMMARY":
		if ev.summary == "" {
			ev.summary = l.value
		}
		ev.text = append(ev.text, l.line())
	case "DESCRIPTION", "LOCATION", "URL":
		ev.text = append(ev.text, l.line())
	}
}

// finish settles an event's times and writes it for gocal; an event
// without a readable DTSTART is left out.
func (n *icalNormalizer) finish(ev *icalEventLines, cal *icalCalendar, out *bytes.Buffer) {
	if ev.start == nil || ev.badStart {
		return
	}
	e := icalEvent{uid: ev.uid, start: ev.start.t, allDay: ev.start.date, days: 1, rid: ev.rid, cancelled: ev.cancelled}
	if e.uid == "" {
		// Without a UID the id must still be the same on every fetch.
		sum := sha256.Sum256([]byte(ev.summary + "\x00" + ev.start.key()))
		e.uid = "heard-" + hex.EncodeToString(sum[:8])
	}
	switch {
	case e.allDay:
		if ev.end != nil {
			if days := civilDays(ev.start.t, ev.end.t.In(n.loc)); days > 1 {
				e.days = days // DTEND is the day after the last
			}
		} else if ev.duration != nil && ev.duration.days > 1 {
			e.days = ev.duration.days
		}
		e.days = min(e.days, 3660)
	case ev.end != nil && !ev.end.t.Before(ev.start.t):
		d := ev.end.t.Sub(ev.start.t)
		e.duration = &d
	case ev.end == nil && ev.duration != nil:
		d := ev.duration.add(ev.start.t).Sub(ev.start.t)
		e.duration = &d
	}
	if ev.rruleText != "" && ev.rid == nil {
		if r, ok := parseRRule(ev.rruleText, e.start, n); ok {
			e.rule = &r
		}
	}
	if len(ev.exdates) > 0 {
		e.exdates = newTimeSet()
		for _, t := range ev.exdates {
			e.exdates.add(t)
		}
	}
	idx := len(cal.events)
	cal.events = append(cal.events, e)

	end := e.start
	if e.duration != nil {
		end = end.Add(*e.duration)
	}
	const utc = "20060102T150405Z"
	fmt.Fprintf(out, "BEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:19700101T000000Z\r\nDTSTART:%s\r\nDTEND:%s\r\n%s:%d\r\n",
		escapeICalValue(e.uid), e.start.UTC().Format(utc), end.UTC().Format(utc), icalIndexProp, idx)
	for _, line := range ev.text {
		out.WriteString(line + "\r\n")
	}
	if len(ev.categories) > 0 {
		cats := strings.Join(ev.categories, ",")
		if len(cats) > icalMaxCategories {
			cats = strings.ToValidUTF8(cats[:icalMaxCategories], "")
		}
		out.WriteString("CATEGORIES:" + cats + "\r\n")
	}
	out.WriteString("END:VEVENT\r\n")
}

// civilDays counts calendar days from a's date to b's.
func civilDays(a, b time.Time) int {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	da := time.Date(ay, am, ad, 12, 0, 0, 0, time.UTC)
	db := time.Date(by, bm, bd, 12, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours()+12) / 24
}

func escapeICalValue(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r", "", "\n", `\n`).Replace(s)
}

// unfoldICal splits a calendar into content lines, joining folded ones
// (a line that begins with a space or a tab continues the one before).
func unfoldICal(body []byte) []string {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	var lines []string
	var cur strings.Builder
	open := false
	flush := func() {
		if !open {
			return
		}
		l := cur.String()
		if len(l) > icalMaxLine {
			l = strings.ToValidUTF8(l[:icalMaxLine], "")
		}
		lines = append(lines, l)
		cur.Reset()
	}
	for _, raw := range strings.Split(string(body), "\n") {
		raw = strings.TrimSuffix(raw, "\r")
		if (strings.HasPrefix(raw, " ") || strings.HasPrefix(raw, "\t")) && open {
			if cur.Len() <= icalMaxLine {
				cur.WriteString(raw[1:])
			}
			continue
		}
		flush()
		cur.WriteString(raw)
		open = true
	}
	flush()
	return lines
}

// icalLine is one content line: NAME;PARAM=value:VALUE.
type icalLine struct {
	name      string            // upper case
	params    map[string]string // names upper case, values unquoted
	rawParams string            // ";PARAM=value…" as written
	value     string
}

var icalNameRe = regexp.MustCompile(`^[A-Za-z0-9-]+$`)

func parseICalLine(s string) (icalLine, bool) {
	i := strings.IndexAny(s, ";:")
	if i <= 0 || !icalNameRe.MatchString(s[:i]) {
		return icalLine{}, false
	}
	l := icalLine{name: strings.ToUpper(s[:i]), params: map[string]string{}}
	j := i
	for j < len(s) && s[j] == ';' {
		k := j + 1
		eq := strings.IndexByte(s[k:], '=')
		if eq < 0 {
			return icalLine{}, false
		}
		name := strings.ToUpper(strings.TrimSpace(s[k : k+eq]))
		k += eq + 1
		var val string
		if k < len(s) && s[k] == '"' {
			end := strings.IndexByte(s[k+1:], '"')
			if end < 0 {
				return icalLine{}, false
			}
			val = s[k+1 : k+1+end]
			k += end + 2
		}
		end := strings.IndexAny(s[k:], ";:")
		if end < 0 {
			return icalLine{}, false
		}
		if val == "" {
			val = s[k : k+end]
		}
		k += end
		if _, dup := l.params[name]; !dup {
			l.params[name] = val
		}
		j = k
	}
	if j >= len(s) || s[j] != ':' {
		return icalLine{}, false
	}
	l.rawParams = s[i:j]
	l.value = s[j+1:]
	return l, true
}

// line writes the line back with its name upper case, which gocal needs.
func (l icalLine) line() string { return l.name + l.rawParams + ":" + l.value }

// parseTime reads a DATE or DATE-TIME value with its VALUE and TZID
// parameters; years outside 1900–2200 are taken for garbage.
func (n *icalNormalizer) parseTime(value string, params map[string]string) (icalTime, bool) {
	v := strings.TrimSpace(value)
	var t time.Time
	var err error
	date := strings.EqualFold(params["VALUE"], "DATE") || len(v) == 8
	switch {
	case date:
		if len(v) != 8 {
			return icalTime{}, false
		}
		t, err = time.Parse("20060102", v)
		t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, n.loc)
	case len(v) == 16 && (v[15] == 'Z' || v[15] == 'z'):
		t, err = time.Parse("20060102T150405", v[:15])
	case len(v) == 15:
		t, err = time.ParseInLocation("20060102T150405", v, n.zone(params["TZID"]))
	default:
		return icalTime{}, false
	}
	if err != nil || t.Year() < 1900 || t.Year() > 2200 || !isDigits(v[:8]) {
		return icalTime{}, false
	}
	return icalTime{t: t, date: date}, true
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

var (
	// tzNameRe is what may be handed to time.LoadLocation.
	tzNameRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+){0,3}$`)
	// tzDisplayPrefixRe is the offset Outlook puts before a display name.
	tzDisplayPrefixRe = regexp.MustCompile(`^\((?:utc|gmt)[^)]*\)\s*`)
)

// windowsZones maps the zone names Windows and Outlook write in TZID to
// IANA zones, for US states and territories; keys are lower case, with
// Outlook's "(UTC-05:00) " prefix removed. The mapping follows CLDR's
// windowsZones.xml, so "Atlantic Standard Time" is Halifax's zone, which
// keeps daylight saving time as Outlook's own zone of that name does;
// Puerto Rico's Outlook zone is "SA Western Standard Time".
var windowsZones = map[string]string{
	"eastern standard time":                "America/New_York",
	"eastern time (us & canada)":           "America/New_York",
	"us eastern standard time":             "America/Indiana/Indianapolis",
	"indiana (east)":                       "America/Indiana/Indianapolis",
	"central standard time":                "America/Chicago",
	"central time (us & canada)":           "America/Chicago",
	"mountain standard time":               "America/Denver",
	"mountain time (us & canada)":          "America/Denver",
	"us mountain standard time":            "America/Phoenix",
	"arizona":                              "America/Phoenix",
	"pacific standard time":                "America/Los_Angeles",
	"pacific time (us & canada)":           "America/Los_Angeles",
	"alaskan standard time":                "America/Anchorage",
	"alaska":                               "America/Anchorage",
	"aleutian standard time":               "America/Adak",
	"aleutian islands":                     "America/Adak",
	"hawaiian standard time":               "Pacific/Honolulu",
	"hawaii":                               "Pacific/Honolulu",
	"atlantic standard time":               "America/Halifax",
	"atlantic time (canada)":               "America/Halifax",
	"sa western standard time":             "America/Puerto_Rico",
	"georgetown, la paz, manaus, san juan": "America/Puerto_Rico",
	"west pacific standard time":           "Pacific/Guam",
	"guam, port moresby":                   "Pacific/Guam",
	"utc-11":                               "Pacific/Pago_Pago",
	"coordinated universal time":           "UTC",
	"utc":                                  "UTC",
}

// zone resolves a TZID: a Windows name, an IANA name, or a libical-style
// path ending in one. Anything else, and no TZID, is the jurisdiction's
// zone: a calendar a state agency publishes is kept in its own time, so
// that guess is nearer than UTC.
func (n *icalNormalizer) zone(tzid string) *time.Location {
	tzid = strings.Trim(strings.TrimSpace(tzid), `"`)
	if tzid == "" {
		return n.loc
	}
	if z, ok := n.zones[tzid]; ok {
		return z
	}
	z := n.loc
	key := tzDisplayPrefixRe.ReplaceAllString(strings.ToLower(tzid), "")
	if name, ok := windowsZones[key]; ok {
		if l, err := time.LoadLocation(name); err == nil {
			z = l
		}
	} else {
		parts := strings.Split(strings.Trim(tzid, "/"), "/")
		for k := max(0, len(parts)-3); k < len(parts); k++ {
			name := strings.Join(parts[k:], "/")
			if !tzNameRe.MatchString(name) || strings.EqualFold(name, "local") {
				continue
			}
			if l, err := time.LoadLocation(name); err == nil {
				z = l
				break
			}
		}
	}
	if len(n.zones) < 1024 {
		n.zones[tzid] = z
	}
	return z
}

// icalDuration is a DURATION value: days and weeks are nominal (calendar
// days), the rest exact.
type icalDuration struct {
	days  int
	exact time.Duration
}

func (d icalDuration) add(t time.Time) time.Time { return t.AddDate(0, 0, d.days).Add(d.exact) }

var icalDurationRe = regexp.MustCompile(`^\+?P(?:(\d{1,4})W)?(?:(\d{1,5})D)?(?:T(?:(\d{1,5})H)?(?:(\d{1,6})M)?(?:(\d{1,7})S)?)?$`)

// parseICalDuration reads a non-negative DURATION ("PT1H30M", "P3D").
func parseICalDuration(v string) (icalDuration, bool) {
	v = strings.ToUpper(strings.TrimSpace(v))
	m := icalDurationRe.FindStringSubmatch(v)
	if m == nil || strings.HasSuffix(v, "P") || strings.HasSuffix(v, "T") {
		return icalDuration{}, false
	}
	n := func(i int) int { x, _ := strconv.Atoi(m[i]); return x }
	d := icalDuration{days: 7*n(1) + n(2)}
	d.exact = time.Duration(n(3))*time.Hour + time.Duration(n(4))*time.Minute + time.Duration(n(5))*time.Second
	return d, true
}
