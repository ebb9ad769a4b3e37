package scrapers

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apognu/gocal"
)

// icalMaxItems bounds the items one calendar may yield: a state agency's
// calendar has hundreds of events in a window, so thousands mean a runaway
// rule or the wrong calendar.
var icalMaxItems = maxListItems

// ParseICal reads an iCalendar body into one Item per event occurrence in
// [from, to], recurring events expanded.
//
// Times: a TZID may be an IANA name, a Windows name as Outlook writes it
// ("Eastern Standard Time", "(UTC-05:00) Eastern Time (US & Canada)") or a
// libical path ("/mozilla.org/…/America/New_York"); a floating time (no
// TZID, no Z) and a TZID that names no known zone are read in loc, the
// jurisdiction's zone. Item times are given in loc. An all-day event
// (VALUE=DATE) has AllDay set, Start at midnight in loc of its first day and
// End at 23:59:59 of its last day: RFC 5545's exclusive DTEND is converted
// to the inclusive last moment that extraction compares deadlines with. A
// timed event without DTEND or DURATION has no End.
//
// Recurrence: RRULE (FREQ DAILY/WEEKLY/MONTHLY/YEARLY with INTERVAL, COUNT,
// UNTIL, BYDAY with ordinals, BYMONTHDAY, BYMONTH, BYSETPOS, WKST), EXDATE
// and RECURRENCE-ID overrides. A rule it cannot expand keeps only the first
// occurrence. GUID is the UID for a single event and UID "@" the
// occurrence's original start (RFC 3339 in UTC, or the date of an all-day
// event) for an occurrence, so a moved meeting keeps its id.
//
// Text: SUMMARY is the Title, DESCRIPTION (markup stripped) the
// Description, URL — else the first http(s) URL in the description — the
// Link, resolved against baseURL. A cancelled event (STATUS:CANCELLED, or a
// METHOD:CANCEL calendar) gets the category "cancelled", the word
// extraction marks cancellations by. s.Keywords filter the items.
//
// A body that is not a whole calendar (no BEGIN:VCALENDAR first, unbalanced
// or missing END lines) is an error, as is one whose events all lack a
// readable DTSTART; single unreadable events are skipped.
func ParseICal(body []byte, baseURL string, s Settings, from, to time.Time, loc *time.Location) (items []Item, err error) {
	// gocal is trusted with bytes from any server; a panic in it must cost
	// one source its run, not the process.
	defer func() {
		if r := recover(); r != nil {
			items, err = nil, fmt.Errorf("parse ical: parser panicked: %v", r)
		}
	}()
	if loc == nil {
		loc = time.UTC
	}
	if !to.After(from) {
		return nil, fmt.Errorf("parse ical: empty window %s – %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	cal, err := normalizeICal(body, loc)
	if err != nil {
		return nil, fmt.Errorf("parse ical: %w", err)
	}
	events, err := readICalEvents(cal, from, to, loc)
	if err != nil {
		return nil, fmt.Errorf("parse ical: %w", err)
	}
	base, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil {
		base = nil
	}

	overrides := map[string]*timeSet{}
	for _, ev := range events {
		if ev.meta.rid != nil {
			set := overrides[ev.meta.uid]
			if set == nil {
				set = newTimeSet()
				overrides[ev.meta.uid] = set
			}
			set.add(*ev.meta.rid)
		}
	}
	budget := icalExpandBudget
	items = []Item{}
	seen := map[string]bool{}
	total := 0
	for _, ev := range events {
		occ, err := occurrences(ev.meta, overrides[ev.meta.uid], from, to, loc, &budget)
		if err != nil {
			return nil, fmt.Errorf("parse ical: %w", err)
		}
		// Occurrences the keywords will drop still cost memory.
		if total += len(occ); total > 10*icalMaxItems {
			return nil, fmt.Errorf("parse ical: more than %d event occurrences in the window", 10*icalMaxItems)
		}
		for _, o := range occ {
			it := icalItem(ev, o, base, cal.cancelAll, loc)
			if it.Title == "" || seen[it.GUID] || !matchesKeywords(it, s.Keywords) {
				continue
			}
			seen[it.GUID] = true
			items = append(items, it)
			if len(items) > icalMaxItems {
				return nil, fmt.Errorf("parse ical: more than %d events between %s and %s", icalMaxItems,
					from.Format(time.DateOnly), to.Format(time.DateOnly))
			}
		}
	}
	slices.SortStableFunc(items, func(a, b Item) int {
		return cmp.Or(a.Start.Compare(*b.Start), strings.Compare(a.GUID, b.GUID))
	})
	return items, nil
}

// icalEventText is an event as gocal read it, with what normalizeICal
// settled about its times.
type icalEventText struct {
	meta                           *icalEvent
	summary, description, location string
	link, status                   string
	categories                     []string
}

// readICalEvents runs gocal over the normalized calendar. Its own window,
// recurrence and time-zone handling are not used (see normalizeICal): the
// events it sees carry plain UTC times and no rules, so it keeps each one.
func readICalEvents(cal *icalCalendar, from, to time.Time, loc *time.Location) ([]icalEventText, error) {
	gc := gocal.NewParser(bytes.NewReader(cal.text))
	gc.Start, gc.End = &from, &to
	gc.SkipBounds = true
	gc.AllDayEventsTZ = loc
	gc.Strict.Mode = gocal.StrictModeFailEvent
	gc.Duplicate.Mode = gocal.DuplicateModeKeepFirst
	if err := gc.Parse(); err != nil {
		return nil, err
	}
	out := make([]icalEventText, 0, len(gc.Events))
	for _, e := range gc.Events {
		i, err := strconv.Atoi(e.CustomAttributes[icalIndexProp])
		if err != nil || i < 0 || i >= len(cal.events) {
			continue
		}
		out = append(out, icalEventText{
			meta:        &cal.events[i],
			summary:     e.Summary,
			description: e.Description,
			location:    e.Location,
			link:        e.URL,
			status:      e.Status,
			categories:  e.Categories,
		})
	}
	return out, nil
}

// icalOccurrence is one instance of an event: its times, and the original
// start that identifies it within a recurring series (zero for a single
// event).
type icalOccurrence struct {
	start time.Time
	end   *time.Time
	id    string
}

// occurrences lists the instances of ev that overlap [from, to]: its own
// for a single event or an override, else its rule's minus EXDATEs and the
// instances that RECURRENCE-ID overrides replace.
func occurrences(ev *icalEvent, overridden *timeSet, from, to time.Time, loc *time.Location, budget *int) ([]icalOccurrence, error) {
	var out []icalOccurrence
	keep := func(start time.Time, id string) {
		o := icalOccurrence{start: start, id: id}
		switch {
		case ev.allDay:
			y, m, d := start.In(loc).Date()
			e := time.Date(y, m, d+ev.days-1, 23, 59, 59, 0, loc)
			o.end = &e
		case ev.duration != nil:
			e := start.Add(*ev.duration)
			o.end = &e
		}
		last := start
		if o.end != nil {
			last = *o.end
		}
		if start.After(to) || last.Before(from) || len(out) > icalMaxItems {
			return // one event's occurrences past the cap make the caller fail
		}
		out = append(out, o)
	}
	if ev.rid != nil {
		keep(ev.start, ev.rid.key())
		return out, nil
	}
	if ev.rule == nil {
		keep(ev.start, "")
		return out, nil
	}
	earliest := from
	if ev.duration != nil {
		earliest = from.Add(-*ev.duration)
	}
	if ev.allDay {
		earliest = earliest.AddDate(0, 0, -ev.days)
	}
	err := ev.rule.expand(ev.start, earliest, to, budget, func(t time.Time) {
		it := icalTime{t: t, date: ev.allDay}
		if ev.exdates.has(t, ev.allDay) || (overridden != nil && overridden.has(t, ev.allDay)) {
			return
		}
		keep(t, it.key())
	})
	return out, err
}

// icalItem maps one occurrence of an event to an Item.
func icalItem(ev icalEventText, o icalOccurrence, base *url.URL, cancelAll bool, loc *time.Location) Item {
	rawDesc := unescapeICalText(ev.description)
	it := Item{
		GUID:        ev.meta.uid,
		Title:       collapseSpace(unescapeICalText(ev.summary)),
		Description: htmlFragmentText(rawDesc),
		Location:    collapseSpace(unescapeICalText(ev.location)),
		AllDay:      ev.meta.allDay,
	}
	if o.id != "" {
		it.GUID += "@" + o.id
	}
	if it.Title == "" {
		it.Title = truncateWords(it.Description, 12)
	}
	it.Link = resolveLink(base, ev.link)
	if it.Link == "" {
		it.Link = resolveLink(base, firstURL(rawDesc))
	}
	start := o.start.In(loc)
	it.Start = &start
	if o.end != nil {
		end := o.end.In(loc)
		it.End = &end
	}
	for _, c := range ev.categories {
		c = collapseSpace(unescapeICalText(c))
		if c != "" && !slices.Contains(it.Categories, c) {
			it.Categories = append(it.Categories, c)
		}
	}
	cancelled := cancelAll || ev.meta.cancelled || strings.EqualFold(strings.TrimSpace(ev.status), "CANCELLED")
	if cancelled && !slices.ContainsFunc(it.Categories, func(c string) bool { return strings.EqualFold(c, "cancelled") }) {
		it.Categories = append(it.Categories, "cancelled")
	}
	return it
}

// unescapeICalText undoes the RFC 5545 text escapes gocal leaves: it has
// already turned "\\", "\;" and "\," back, but not "\n".
func unescapeICalText(s string) string {
	return strings.NewReplacer(`\n`, "\n", `\N`, "\n").Replace(s)
}

var urlInTextRe = regexp.MustCompile(`https?://[^\s<>"'\\]+`)

// firstURL is the first http(s) URL written in text, without the
// punctuation that ends the sentence around it.
func firstURL(text string) string {
	return strings.TrimRight(urlInTextRe.FindString(text), ".,;:!?)]}")
}

// timeSet holds EXDATE or RECURRENCE-ID values. A date-only value matches
// any instance on that date; a date-time matches that instant, or, in an
// all-day series, the date it is written with (exporters write an all-day
// EXDATE as midnight UTC).
type timeSet struct {
	instants     map[int64]bool
	dates        map[string]bool
	instantDates map[string]bool
}

func newTimeSet() *timeSet {
	return &timeSet{instants: map[int64]bool{}, dates: map[string]bool{}, instantDates: map[string]bool{}}
}

func (s *timeSet) add(t icalTime) {
	if t.date {
		s.dates[t.t.Format("20060102")] = true
		return
	}
	s.instants[t.t.Unix()] = true
	s.instantDates[t.t.Format("20060102")] = true // in its own zone
}

// has reports whether the set holds the instance starting at t, which is
// in the event's own zone.
func (s *timeSet) has(t time.Time, allDay bool) bool {
	if s == nil {
		return false
	}
	day := t.Format("20060102")
	if s.dates[day] {
		return true
	}
	if allDay {
		return s.instantDates[day]
	}
	return s.instants[t.Unix()]
}

// errNotICal says a body is not an iCalendar stream at all (an HTML error
// page served in place of the calendar, say).
var errNotICal = errors.New("not an iCalendar body: it does not begin with BEGIN:VCALENDAR")
