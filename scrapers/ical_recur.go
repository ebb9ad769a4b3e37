package scrapers

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// icalExpandBudget bounds the recurrence periods (days, weeks, months or
// years) one calendar may step through. A series without COUNT starts its
// stepping near the window, so only a COUNT rule that began decades ago
// costs many; the budget keeps a hostile calendar from costing minutes.
var icalExpandBudget = 1_000_000

var errRecurrenceBudget = errors.New("recurrence rules need too many steps to expand")

// rrule is the part of an RFC 5545 RRULE that expansion supports.
type rrule struct {
	freq       string // DAILY, WEEKLY, MONTHLY or YEARLY
	interval   int
	count      int // 0: no COUNT
	until      *time.Time
	byDay      []weekdayNum
	byMonthDay []int
	byMonth    []time.Month
	bySetPos   []int
	wkst       time.Weekday
}

// weekdayNum is a BYDAY entry: "TU", or "2TU" (the second Tuesday), or
// "-1FR" (the last Friday).
type weekdayNum struct {
	n  int
	wd time.Weekday
}

var (
	icalWeekdays = map[string]time.Weekday{"SU": time.Sunday, "MO": time.Monday, "TU": time.Tuesday,
		"WE": time.Wednesday, "TH": time.Thursday, "FR": time.Friday, "SA": time.Saturday}
	byDayRe = regexp.MustCompile(`^([+-]?\d{1,2})?(SU|MO|TU|WE|TH|FR|SA)$`)
)

// parseRRule reads a rule for a series starting at start. ok is false for
// a rule it cannot expand faithfully (HOURLY, BYWEEKNO, BYHOUR …, or a
// malformed part): the event then keeps only its first occurrence rather
// than gain invented ones.
func parseRRule(s string, start time.Time, n *icalNormalizer) (rrule, bool) {
	r := rrule{interval: 1, wkst: time.Monday}
	for _, part := range strings.Split(strings.ToUpper(s), ";") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		k, v, found := strings.Cut(part, "=")
		if !found {
			return r, false
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		var ok bool
		switch k {
		case "FREQ":
			r.freq, ok = v, slices.Contains([]string{"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}, v)
		case "INTERVAL":
			r.interval, ok = atoiRange(v, 1, 1000)
		case "COUNT":
			r.count, ok = atoiRange(v, 1, 1<<30)
		case "UNTIL":
			ok = r.setUntil(v, start, n)
		case "BYDAY":
			ok = r.setByDay(v)
		case "BYMONTHDAY":
			r.byMonthDay, ok = intList(v, -31, 31)
		case "BYMONTH":
			var ms []int
			ms, ok = intList(v, 1, 12)
			for _, m := range ms {
				r.byMonth = append(r.byMonth, time.Month(m))
			}
		case "BYSETPOS":
			r.bySetPos, ok = intList(v, -366, 366)
		case "WKST":
			r.wkst, ok = icalWeekdays[v]
		default:
			ok = strings.HasPrefix(k, "X-") // vendor parts say nothing about dates
		}
		if !ok {
			return r, false
		}
	}
	if r.freq == "" {
		return r, false
	}
	// Ordinal weekdays mean something only within a month or a year.
	if r.freq == "DAILY" || r.freq == "WEEKLY" || (r.freq == "MONTHLY" && len(r.byMonthDay) > 0) {
		for _, d := range r.byDay {
			if d.n != 0 {
				return r, false
			}
		}
	}
	return r, true
}

func (r *rrule) setUntil(v string, start time.Time, n *icalNormalizer) bool {
	var t icalTime
	var ok bool
	if len(v) == 15 {
		// A floating UNTIL is in the zone of the DTSTART it limits.
		u, err := time.ParseInLocation("20060102T150405", v, start.Location())
		t, ok = icalTime{t: u}, err == nil && isDigits(v[:8])
	} else {
		t, ok = n.parseTime(v, nil)
	}
	if !ok {
		return false
	}
	u := t.t
	if t.date {
		// UNTIL=20270601 lets a series run through that day.
		y, m, d := u.Date()
		u = time.Date(y, m, d+1, 0, 0, 0, 0, start.Location()).Add(-time.Nanosecond)
	}
	r.until = &u
	return true
}

func (r *rrule) setByDay(v string) bool {
	for _, s := range strings.Split(v, ",") {
		m := byDayRe.FindStringSubmatch(strings.TrimSpace(s))
		if m == nil {
			return false
		}
		d := weekdayNum{wd: icalWeekdays[m[2]]}
		if m[1] != "" {
			var ok bool
			if d.n, ok = atoiRange(strings.TrimPrefix(m[1], "+"), -53, 53); !ok || d.n == 0 {
				return false
			}
		}
		r.byDay = append(r.byDay, d)
	}
	return len(r.byDay) > 0
}

func atoiRange(s string, lo, hi int) (int, bool) {
	n, err := strconv.Atoi(strings.TrimPrefix(s, "+"))
	if err != nil || n < lo || n > hi {
		return 0, false
	}
	return n, true
}

func intList(s string, lo, hi int) ([]int, bool) {
	var out []int
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(p), "+"))
		if err != nil || n < lo || n > hi || n == 0 {
			return nil, false
		}
		out = append(out, n)
	}
	return out, len(out) > 0
}

// civilDate is a day on the calendar, without a zone.
type civilDate struct {
	y int
	m time.Month
	d int
}

func dateOf(t time.Time) civilDate {
	y, m, d := t.Date()
	return civilDate{y, m, d}
}

// norm makes day overflow ("March 32") a real date.
func (c civilDate) norm() civilDate {
	return dateOf(time.Date(c.y, c.m, c.d, 12, 0, 0, 0, time.UTC))
}

func (c civilDate) weekday() time.Weekday {
	return time.Date(c.y, c.m, c.d, 12, 0, 0, 0, time.UTC).Weekday()
}

func (c civilDate) compare(o civilDate) int {
	if c.y != o.y {
		return c.y - o.y
	}
	if c.m != o.m {
		return int(c.m) - int(o.m)
	}
	return c.d - o.d
}

func daysIn(y int, m time.Month) int { return time.Date(y, m+1, 0, 12, 0, 0, 0, time.UTC).Day() }

// expand calls emit with each instance of the series from start — which
// is always the first — through to, the COUNT or the UNTIL, whichever
// comes first. Without COUNT, stepping starts just before earliest.
func (r rrule) expand(start, earliest, to time.Time, budget *int, emit func(time.Time)) error {
	zone := start.Location()
	hh, mm, ss := start.Clock()
	first := dateOf(start)
	last := dateOf(to.In(zone))
	emitted := 0
	yield := func(t time.Time) bool {
		if (r.until != nil && t.After(*r.until)) || t.After(to) {
			return false
		}
		emitted++
		if r.count > 0 && emitted > r.count {
			return false
		}
		emit(t)
		return true
	}
	if !yield(start) {
		return nil
	}
	p := 0
	if r.count == 0 && start.Before(earliest) {
		p = r.periodsBefore(first, dateOf(earliest.In(zone)))
	}
	for ; ; p++ {
		if *budget <= 0 {
			return errRecurrenceBudget
		}
		*budget--
		begin, days := r.period(p, first, start)
		if begin.compare(last) > 0 {
			return nil
		}
		for _, d := range days {
			t := time.Date(d.y, d.m, d.d, hh, mm, ss, 0, zone)
			if !t.After(start) {
				continue
			}
			if !yield(t) {
				return nil
			}
		}
	}
}

// periodsBefore is how many whole periods can be skipped, with a margin,
// before reaching the period that holds date e.
func (r rrule) periodsBefore(s, e civilDate) int {
	var n int
	switch r.freq {
	case "DAILY":
		n = civilDays(time.Date(s.y, s.m, s.d, 0, 0, 0, 0, time.UTC), time.Date(e.y, e.m, e.d, 0, 0, 0, 0, time.UTC))
	case "WEEKLY":
		n = civilDays(time.Date(s.y, s.m, s.d, 0, 0, 0, 0, time.UTC), time.Date(e.y, e.m, e.d, 0, 0, 0, 0, time.UTC)) / 7
	case "MONTHLY":
		n = (e.y-s.y)*12 + int(e.m) - int(s.m)
	case "YEARLY":
		n = e.y - s.y
	}
	return max(0, n/r.interval-1)
}

// period returns the first day of the p-th period of the series and the
// days in it that the rule selects, in order.
func (r rrule) period(p int, first civilDate, start time.Time) (civilDate, []civilDate) {
	var begin civilDate
	var days []civilDate
	switch r.freq {
	case "DAILY":
		begin = civilDate{first.y, first.m, first.d + p*r.interval}.norm()
		days = []civilDate{begin}
	case "WEEKLY":
		back := (int(first.weekday()) - int(r.wkst) + 7) % 7
		begin = civilDate{first.y, first.m, first.d - back + 7*p*r.interval}.norm()
		for i := range 7 {
			d := civilDate{begin.y, begin.m, begin.d + i}.norm()
			if (len(r.byDay) == 0 && d.weekday() == start.Weekday()) || r.hasWeekday(d.weekday()) {
				days = append(days, d)
			}
		}
	case "MONTHLY":
		begin = civilDate{first.y, first.m + time.Month(p*r.interval), 1}.norm()
		days = r.monthDays(begin.y, begin.m, first.d)
	case "YEARLY":
		begin = civilDate{first.y + p*r.interval, time.January, 1}
		days = r.yearDays(begin.y, first)
	}
	days = slices.DeleteFunc(days, func(d civilDate) bool {
		return (len(r.byMonth) > 0 && !slices.Contains(r.byMonth, d.m)) ||
			(len(r.byMonthDay) > 0 && !monthDayMatches(d, r.byMonthDay)) ||
			(len(r.byDay) > 0 && !r.hasWeekday(d.weekday()))
	})
	slices.SortFunc(days, civilDate.compare)
	days = slices.Compact(days)
	return begin, r.setPos(days)
}

func (r rrule) hasWeekday(wd time.Weekday) bool {
	return slices.ContainsFunc(r.byDay, func(d weekdayNum) bool { return d.wd == wd })
}

func monthDayMatches(d civilDate, mds []int) bool {
	n := daysIn(d.y, d.m)
	for _, md := range mds {
		if md == d.d || (md < 0 && n+1+md == d.d) {
			return true
		}
	}
	return false
}

// monthDays are the days of one month the rule selects: its BYMONTHDAY
// days, else its BYDAY days (ordinals counted within the month), else the
// series' own day of the month.
func (r rrule) monthDays(y int, m time.Month, day int) []civilDate {
	n := daysIn(y, m)
	var out []civilDate
	switch {
	case len(r.byMonthDay) > 0:
		for d := 1; d <= n; d++ {
			out = append(out, civilDate{y, m, d}) // filtered by the caller
		}
	case len(r.byDay) > 0:
		for _, wd := range r.byDay {
			out = append(out, nthWeekdays(civilDate{y, m, 1}, n, wd)...)
		}
	case day <= n:
		out = append(out, civilDate{y, m, day})
	}
	return out
}

// yearDays are the days of one year the rule selects.
func (r rrule) yearDays(y int, first civilDate) []civilDate {
	months := r.byMonth
	if len(months) == 0 {
		months = []time.Month{first.m}
	}
	var out []civilDate
	switch {
	case len(r.byMonthDay) > 0 || (len(r.byDay) > 0 && len(r.byMonth) > 0):
		for _, m := range months {
			out = append(out, r.monthDays(y, m, first.d)...)
		}
	case len(r.byDay) > 0:
		// BYDAY without BYMONTH counts within the year: 20MO is the
		// twentieth Monday.
		n := civilDays(time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(y+1, 1, 1, 0, 0, 0, 0, time.UTC))
		for _, wd := range r.byDay {
			out = append(out, nthWeekdays(civilDate{y, time.January, 1}, n, wd)...)
		}
	default:
		for _, m := range months {
			if first.d <= daysIn(y, m) {
				out = append(out, civilDate{y, m, first.d})
			}
		}
	}
	return out
}

// nthWeekdays lists, within the n days from begin, every day of the
// weekday, or only the nth (counted from the end when negative).
func nthWeekdays(begin civilDate, n int, wd weekdayNum) []civilDate {
	off := (int(wd.wd) - int(begin.weekday()) + 7) % 7
	var all []civilDate
	for i := off; i < n; i += 7 {
		all = append(all, civilDate{begin.y, begin.m, begin.d + i}.norm())
	}
	switch {
	case wd.n == 0:
		return all
	case wd.n > 0 && wd.n <= len(all):
		return all[wd.n-1 : wd.n]
	case wd.n < 0 && -wd.n <= len(all):
		return all[len(all)+wd.n : len(all)+wd.n+1]
	}
	return nil
}

// setPos keeps the BYSETPOS-th of a period's days, if the rule has any.
func (r rrule) setPos(days []civilDate) []civilDate {
	if len(r.bySetPos) == 0 {
		return days
	}
	var out []civilDate
	for _, pos := range r.bySetPos {
		i := pos - 1
		if pos < 0 {
			i = len(days) + pos
		}
		if i >= 0 && i < len(days) {
			out = append(out, days[i])
		}
	}
	slices.SortFunc(out, civilDate.compare)
	return slices.Compact(out)
}
