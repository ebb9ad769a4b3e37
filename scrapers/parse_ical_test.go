package scrapers

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

var (
	// icalLoc, icalFrom and icalTo are the zone and window every iCal test
	// reads in: Ohio, the first half of 2027.
	icalLoc  = mustLoadLocation("America/New_York")
	icalFrom = time.Date(2027, 1, 1, 0, 0, 0, 0, icalLoc)
	icalTo   = time.Date(2027, 7, 1, 0, 0, 0, 0, icalLoc)
)

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func parseICalTest(t *testing.T, body string, s Settings) []Item {
	t.Helper()
	items, err := ParseICal([]byte(body), "https://education.example.gov/calendar.ics", s, icalFrom, icalTo, icalLoc)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func TestParseICalGolden(t *testing.T) {
	tests := []struct {
		fixture, golden string
		keywords        []string
	}{
		{"ical/outlook.ics", "ical_outlook.json", nil},
		{"ical/google.ics", "ical_google.json", nil},
		{"ical/comment_period.ics", "ical_comment_period.json", nil},
		{"ical/floating.ics", "ical_floating.json", nil},
		{"ical/cancelled.ics", "ical_cancelled.json", nil},
		{"ical/district.ics", "ical_district_keywords.json", []string{"ESSA", "listening session", "state plan"}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			items := parseICalTest(t, string(readTestdata(t, tt.fixture)), Settings{Keywords: tt.keywords})
			checkGolden(t, tt.golden, items)
			checkFuzzItems(t, items)
		})
	}
}

// icalStarts lists the items' starts in loc, for compact assertions.
func icalStarts(items []Item) string {
	var out []string
	for _, it := range items {
		out = append(out, it.Start.In(icalLoc).Format("Jan 2 15:04"))
	}
	return strings.Join(out, ", ")
}

func TestParseICalOutlookZones(t *testing.T) {
	items := parseICalTest(t, string(readTestdata(t, "ical/outlook.ics")), Settings{})
	got := map[string]string{}
	for _, it := range items {
		got[it.Title] = it.Start.Format(time.RFC3339) + " " + it.End.Format(time.RFC3339)
	}
	want := map[string]string{
		// TZID=Eastern Standard Time
		"ESSA Listening Session – Dayton": "2027-03-03T18:00:00-05:00 2027-03-03T20:00:00-05:00",
		// TZID="(UTC-05:00) Eastern Time (US & Canada)"
		"ESSA Accountability Webinar for District Leaders": "2027-02-10T15:00:00-05:00 2027-02-10T16:30:00-05:00",
		// TZID=Central Standard Time: 10 a.m. in Chicago, 11 a.m. in Ohio
		"ESSA Rural Town Hall (Central time, at the Indiana line)": "2027-03-20T11:00:00-04:00 2027-03-20T13:00:00-04:00",
	}
	if len(got) != len(want) {
		t.Errorf("got %d items, want %d: %v", len(got), len(want), got)
	}
	for title, w := range want {
		if got[title] != w {
			t.Errorf("%s: %q, want %q", title, got[title], w)
		}
	}
	dayton := items[slicesIndexTitle(items, "ESSA Listening Session – Dayton")]
	if !strings.Contains(dayton.Description, "parents, teachers and community members") ||
		!strings.Contains(dayton.Description, "Spanish and Somali interpretation") {
		t.Errorf("folded, escaped description not restored: %q", dayton.Description)
	}
	if dayton.Link != "https://education.ohio.gov/essa/listening-sessions" {
		t.Errorf("link from the description = %q", dayton.Link)
	}
	if dayton.Location != "Dayton Metro Library, 215 E. Third St., Dayton, OH" {
		t.Errorf("location = %q", dayton.Location)
	}
}

func slicesIndexTitle(items []Item, title string) int {
	for i, it := range items {
		if it.Title == title {
			return i
		}
	}
	return -1
}

func TestParseICalRecurrence(t *testing.T) {
	items := parseICalTest(t, string(readTestdata(t, "ical/google.ics")), Settings{})
	var cop, board []Item
	for _, it := range items {
		switch {
		case strings.HasPrefix(it.Title, "ESSA Committee of Practitioners"):
			cop = append(cop, it)
		case it.Title == "State Board of Education Meeting":
			board = append(board, it)
		}
	}
	// Weekly on Wednesdays until March 16; Jan 20, Feb 17 and Feb 24
	// excluded (one EXDATE line holds two); Feb 3 moved to Feb 4 evening.
	if got, want := icalStarts(cop), "Jan 6 16:00, Jan 13 16:00, Jan 27 16:00, Feb 4 18:00, Feb 10 16:00, Mar 3 16:00, Mar 10 16:00"; got != want {
		t.Errorf("committee meetings:\n got %s\nwant %s", got, want)
	}
	moved := cop[3]
	if moved.GUID != "5k2c9v1q0essacop@google.com@2027-02-03T21:00:00Z" || moved.Title != "ESSA Committee of Practitioners (evening session)" {
		t.Errorf("moved occurrence: guid %q title %q", moved.GUID, moved.Title)
	}
	if cop[0].GUID != "5k2c9v1q0essacop@google.com@2027-01-06T21:00:00Z" {
		t.Errorf("occurrence guid = %q", cop[0].GUID)
	}
	if cop[0].Link != "https://education.example.gov/essa/cop" {
		t.Errorf("link from an HTML description = %q", cop[0].Link)
	}
	// The second Tuesday of each month, five times; April is after the
	// change to daylight time and keeps 9 a.m.
	if got, want := icalStarts(board), "Jan 12 09:00, Feb 9 09:00, Mar 9 09:00, Apr 13 09:00, May 11 09:00"; got != want {
		t.Errorf("board meetings:\n got %s\nwant %s", got, want)
	}
	if got := board[3].Start.Format(time.RFC3339); got != "2027-04-13T09:00:00-04:00" {
		t.Errorf("April meeting = %s", got)
	}
	web := items[slicesIndexTitle(items, "Webinar: Draft ESSA plan and English learners")]
	if web.Link != "https://education.example.gov/essa/webinars/el-families" || web.GUID != "7hq3webinar@google.com" {
		t.Errorf("relative URL property: link %q guid %q", web.Link, web.GUID)
	}
}

func TestParseICalAllDay(t *testing.T) {
	items := parseICalTest(t, string(readTestdata(t, "ical/comment_period.ics")), Settings{})
	want := map[string]string{
		// DTEND is exclusive: the window's last day is February 15.
		"Public comment period: draft ESSA state plan amendment": "2027-01-15T00:00:00-05:00 2027-02-15T23:59:59-05:00",
		"Family survey on ESSA priorities closes":                "2027-03-01T00:00:00-05:00 2027-03-01T23:59:59-05:00",
		"State Board retreat on ESSA plan implementation":        "2027-04-08T00:00:00-04:00 2027-04-08T23:59:59-04:00",
		"Tribal consultation week on ESSA Title VI":              "2027-05-10T00:00:00-04:00 2027-05-12T23:59:59-04:00",
	}
	if len(items) != len(want) {
		t.Fatalf("got %d items, want %d", len(items), len(want))
	}
	for _, it := range items {
		got := it.Start.Format(time.RFC3339) + " " + it.End.Format(time.RFC3339)
		if got != want[it.Title] || !it.AllDay {
			t.Errorf("%s: %s all_day=%v, want %s", it.Title, got, it.AllDay, want[it.Title])
		}
	}
}

func TestParseICalFloating(t *testing.T) {
	items := parseICalTest(t, string(readTestdata(t, "ical/floating.ics")), Settings{})
	got := map[string]string{}
	for _, it := range items {
		s := it.Start.Format(time.RFC3339) + " "
		if it.End != nil {
			s += it.End.Format(time.RFC3339)
		}
		got[it.Title] = s
	}
	want := map[string]string{
		"ESSA community meeting – Toledo":                         "2027-03-03T18:00:00-05:00 2027-03-03T20:00:00-05:00",
		"ESSA focus group for English learner families":           "2027-03-14T10:00:00-04:00 2027-03-14T12:00:00-04:00",
		"Deadline: written comments on ESSA report card redesign": "2027-04-01T17:00:00-04:00 ",
		"ESSA advisory council (unknown TZID read as local time)": "2027-04-15T09:00:00-04:00 2027-04-15T10:00:00-04:00",
	}
	for title, w := range want {
		if got[title] != w {
			t.Errorf("%s: %q, want %q", title, got[title], w)
		}
	}
	// The same calendar read for Arizona is in Arizona's time.
	phoenix := mustLoadLocation("America/Phoenix")
	az, err := ParseICal(readTestdata(t, "ical/floating.ics"), "", Settings{}, icalFrom, icalTo, phoenix)
	if err != nil {
		t.Fatal(err)
	}
	if got := az[0].Start.Format(time.RFC3339); got != "2027-03-03T18:00:00-07:00" {
		t.Errorf("floating time in Phoenix = %s", got)
	}
	// A zone without a loadable name (a fixed offset) still works.
	fixed := time.FixedZone("ChST", 10*3600)
	gu, err := ParseICal(readTestdata(t, "ical/floating.ics"), "", Settings{}, icalFrom, icalTo, fixed)
	if err != nil {
		t.Fatal(err)
	}
	if got := gu[0].Start.Format(time.RFC3339); got != "2027-03-03T18:00:00+10:00" {
		t.Errorf("floating time in a fixed zone = %s", got)
	}
}

func TestParseICalCancelled(t *testing.T) {
	items := parseICalTest(t, string(readTestdata(t, "ical/cancelled.ics")), Settings{})
	got := map[string]bool{}
	for _, it := range items {
		got[it.Title+" "+it.Start.Format("Jan 2")] = slicesContainsFold(it.Categories, "cancelled")
	}
	want := map[string]bool{
		"ESSA Town Hall – Toledo Jan 20":     true,
		"ESSA Town Hall – Akron Jan 27":      false,
		"ESSA Parent Advisory Council Jan 5": false,
		"ESSA Parent Advisory Council Feb 2": false,
		"ESSA Parent Advisory Council Mar 2": true, // a cancelled override
		"ESSA Parent Advisory Council Apr 6": false,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("cancelled:\n got %v\nwant %v", got, want)
	}
	// A METHOD:CANCEL message cancels every event in it.
	body := strings.Replace(string(readTestdata(t, "ical/cancelled.ics")), "VERSION:2.0", "VERSION:2.0\r\nMETHOD:CANCEL", 1)
	for _, it := range parseICalTest(t, body, Settings{}) {
		if !slicesContainsFold(it.Categories, "cancelled") {
			t.Errorf("%s not cancelled by METHOD:CANCEL", it.Title)
		}
	}
}

func slicesContainsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// icalCal wraps VEVENT properties, one event per argument (lines
// separated by "\n"), in a calendar.
func icalCal(events ...string) string {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
	for i, ev := range events {
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:ev-%d\r\nSUMMARY:ESSA meeting %d\r\n", i, i)
		for _, l := range strings.Split(ev, "\n") {
			b.WriteString(l + "\r\n")
		}
		b.WriteString("END:VEVENT\r\n")
	}
	b.WriteString("END:VCALENDAR\r\n")
	return b.String()
}

func TestParseICalRules(t *testing.T) {
	const ny = "DTSTART;TZID=America/New_York:"
	tests := []struct {
		name, event, want string
	}{
		{"weekly two days every other week", ny + "20270105T180000\nRRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=5",
			"Jan 5 18:00, Jan 7 18:00, Jan 19 18:00, Jan 21 18:00, Feb 2 18:00"},
		{"last Friday", ny + "20270129T120000\nRRULE:FREQ=MONTHLY;BYDAY=-1FR;COUNT=4",
			"Jan 29 12:00, Feb 26 12:00, Mar 26 12:00, Apr 30 12:00"},
		{"last Tuesday by BYSETPOS", ny + "20270126T120000\nRRULE:FREQ=MONTHLY;BYDAY=TU;BYSETPOS=-1;COUNT=3",
			"Jan 26 12:00, Feb 23 12:00, Mar 30 12:00"},
		{"last day of the month", ny + "20270131T090000\nRRULE:FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3",
			"Jan 31 09:00, Feb 28 09:00, Mar 31 09:00"},
		{"the 31st skips short months", ny + "20270131T090000\nRRULE:FREQ=MONTHLY;COUNT=3",
			"Jan 31 09:00, Mar 31 09:00, May 31 09:00"},
		{"daily with until", ny + "20270301T080000\nRRULE:FREQ=DAILY;UNTIL=20270303T130000Z",
			"Mar 1 08:00, Mar 2 08:00, Mar 3 08:00"},
		{"weekdays", ny + "20270104T080000\nRRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=6",
			"Jan 4 08:00, Jan 5 08:00, Jan 6 08:00, Jan 7 08:00, Jan 8 08:00, Jan 11 08:00"},
		{"yearly in a month", ny + "20250415T100000\nRRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=3TU",
			"Apr 20 10:00"},
		{"started years ago, no count", ny + "20150610T100000\nRRULE:FREQ=WEEKLY;INTERVAL=3",
			"Jan 20 10:00, Feb 10 10:00, Mar 3 10:00, Mar 24 10:00, Apr 14 10:00, May 5 10:00, May 26 10:00, Jun 16 10:00"},
		{"started years ago, with count", "DTSTART:20200101T150000Z\nRRULE:FREQ=DAILY;COUNT=2560",
			"Jan 1 10:00, Jan 2 10:00, Jan 3 10:00"},
		{"count ends before the window", ny + "20261201T100000\nRRULE:FREQ=WEEKLY;COUNT=3", ""},
		{"hourly is not expanded", ny + "20270105T100000\nRRULE:FREQ=HOURLY;COUNT=5", "Jan 5 10:00"},
		{"interval zero is not expanded", ny + "20270105T100000\nRRULE:FREQ=WEEKLY;INTERVAL=0", "Jan 5 10:00"},
		{"garbage rule is not expanded", ny + "20270105T100000\nRRULE:FREQ=WEEKLY;BYDAY=XX", "Jan 5 10:00"},
		{"exdate as a date", ny + "20270105T100000\nRRULE:FREQ=DAILY;COUNT=3\nEXDATE;VALUE=DATE:20270106", "Jan 5 10:00, Jan 7 10:00"},
		{"all-day exdate as midnight UTC", "DTSTART;VALUE=DATE:20270105\nRRULE:FREQ=WEEKLY;COUNT=3\nEXDATE:20270112T000000Z", "Jan 5 00:00, Jan 19 00:00"},
		{"vendor part ignored", ny + "20270105T100000\nRRULE:FREQ=DAILY;COUNT=2;X-EVOLUTION-ENDDATE=20270106T150000Z", "Jan 5 10:00, Jan 6 10:00"},
		{"event across the window's start", "DTSTART;VALUE=DATE:20261228\nDTEND;VALUE=DATE:20270105", "Dec 28 00:00"},
		{"lower-case names and a quoted TZID", `dtstart;tzid="America/Chicago":20270105T100000`, "Jan 5 11:00"},
		{"libical TZID path", "DTSTART;TZID=/freeassociation.sourceforge.net/Tzfile/America/Denver:20270105T100000", "Jan 5 12:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items := parseICalTest(t, icalCal(tt.event), Settings{})
			if got := icalStarts(items); got != tt.want {
				t.Errorf("starts:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestParseICalAllDayOverride(t *testing.T) {
	body := "BEGIN:VCALENDAR\r\n" +
		"BEGIN:VEVENT\r\nUID:fair\r\nSUMMARY:ESSA booth at the county fair\r\nDTSTART;VALUE=DATE:20270105\r\nRRULE:FREQ=WEEKLY;COUNT=2\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:fair\r\nSUMMARY:ESSA booth at the county fair (moved)\r\nRECURRENCE-ID;VALUE=DATE:20270112\r\nDTSTART;VALUE=DATE:20270113\r\nEND:VEVENT\r\n" +
		"END:VCALENDAR\r\n"
	items := parseICalTest(t, body, Settings{})
	if got := icalStarts(items); got != "Jan 5 00:00, Jan 13 00:00" {
		t.Fatalf("starts = %s", got)
	}
	if items[1].GUID != "fair@2027-01-12" || !items[1].AllDay || items[1].End.Format(time.DateTime) != "2027-01-13 23:59:59" {
		t.Errorf("moved all-day occurrence: %+v", items[1])
	}
}

func TestParseICalStartedYearsAgoCount(t *testing.T) {
	// 2560 days from 2020-01-01 ends 2027-01-03: the rule is counted from
	// its start, not from the window.
	items := parseICalTest(t, icalCal("DTSTART:20200101T150000Z\nRRULE:FREQ=DAILY;COUNT=2560"), Settings{})
	if len(items) == 0 || items[len(items)-1].Start.Format(time.DateOnly) != "2027-01-03" {
		t.Errorf("last occurrence: %s", icalStarts(items))
	}
}

func TestParseICalErrors(t *testing.T) {
	tests := []struct {
		name, body string
		want       string
	}{
		{"empty", "", "not an iCalendar"},
		{"html page", "<!DOCTYPE html><html><body>Calendar moved</body></html>", "not an iCalendar"},
		{"feed", string(readTestdata(t, "feeds/rss.xml")), "not an iCalendar"},
		{"truncated", strings.SplitAfter(string(readTestdata(t, "ical/google.ics")), "END:VEVENT\r\n")[0], "truncated"},
		{"end without begin", "BEGIN:VCALENDAR\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "without a matching BEGIN"},
		{"mismatched end", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VTODO\r\nEND:VCALENDAR\r\n", "without a matching BEGIN"},
		{"only unreadable dates", icalCal("DTSTART:TBD", "DTSTART:20271340T250000"), "no event has a readable DTSTART"},
		{"nesting", "BEGIN:VCALENDAR\r\n" + strings.Repeat("BEGIN:X\r\n", 20), "nested"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := ParseICal([]byte(tt.body), "https://example.gov/", Settings{}, icalFrom, icalTo, icalLoc)
			if err == nil {
				t.Fatalf("want an error, got %d items", len(items))
			}
			if !strings.HasPrefix(err.Error(), "parse ical: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := ParseICal([]byte(icalCal("DTSTART:20270105T100000Z")), "", Settings{}, icalTo, icalFrom, icalLoc); err == nil {
		t.Error("an empty window must be an error")
	}
}

func TestParseICalSkipsBadEvents(t *testing.T) {
	items := parseICalTest(t, icalCal("DTSTART:TBD", "DTSTART:20270105T100000Z", "SUMMARY:no start at all"), Settings{})
	if len(items) != 1 || items[0].Title != "ESSA meeting 1" {
		t.Errorf("items = %v", titles(items))
	}
	// Events without UID or DTSTAMP are kept, with a stable made-up id.
	body := "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:ESSA forum\r\nDTSTART:20270105T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	a, b := parseICalTest(t, body, Settings{}), parseICalTest(t, body, Settings{})
	if len(a) != 1 || !strings.HasPrefix(a[0].GUID, "heard-") || a[0].GUID != b[0].GUID {
		t.Errorf("made-up uid: %+v", a)
	}
}

func TestParseICalLimits(t *testing.T) {
	// Rules that would never end in gocal (INTERVAL=0, a huge COUNT) end
	// at the window here.
	done := make(chan []Item, 1)
	go func() {
		items, err := ParseICal([]byte(icalCal(
			"DTSTART:20270105T100000Z\nRRULE:FREQ=DAILY;COUNT=1000000000",
			"DTSTART:19000105T100000Z\nRRULE:FREQ=WEEKLY;INTERVAL=1;COUNT=999999",
		)), "", Settings{}, icalFrom, icalTo, icalLoc)
		if err != nil {
			t.Error(err)
		}
		done <- items
	}()
	select {
	case items := <-done:
		if len(items) != 177+26 {
			t.Errorf("got %d occurrences, want 177 daily + 26 weekly", len(items))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("expansion did not end")
	}

	restore := icalMaxItems
	icalMaxItems = 100
	_, err := ParseICal([]byte(icalCal("DTSTART:20270105T100000Z\nRRULE:FREQ=DAILY")), "", Settings{}, icalFrom, icalTo, icalLoc)
	icalMaxItems = restore
	if err == nil || !strings.Contains(err.Error(), "more than 100 events") {
		t.Errorf("item cap: err = %v", err)
	}

	restoreBudget := icalExpandBudget
	icalExpandBudget = 1000
	_, err = ParseICal([]byte(icalCal("DTSTART:19500105T100000Z\nRRULE:FREQ=DAILY;COUNT=99999")), "", Settings{}, icalFrom, icalTo, icalLoc)
	icalExpandBudget = restoreBudget
	if !errors.Is(err, errRecurrenceBudget) {
		t.Errorf("budget: err = %v", err)
	}
}

func TestParseICalKeywords(t *testing.T) {
	items := parseICalTest(t, string(readTestdata(t, "ical/district.ics")), Settings{})
	if len(items) != 6 {
		t.Errorf("no keywords keeps all 6 events, got %d", len(items))
	}
	items = parseICalTest(t, string(readTestdata(t, "ical/district.ics")), Settings{Keywords: []string{"essa"}})
	want := "Family input night: the state's ESSA plan and our schools|Board of Education regular meeting"
	if got := strings.Join(titles(items), "|"); got != want {
		t.Errorf("titles = %s, want %s", got, want)
	}
}

// TestExtractICalItems checks that extraction reads calendar items by
// their own times: the comment window is open until the last moment of
// its last day, and a cancelled occurrence is cancelled.
func TestExtractICalItems(t *testing.T) {
	items := parseICalTest(t, string(readTestdata(t, "ical/comment_period.ics")), Settings{})
	a, ok := Extract(items[0], ohio, time.Date(2027, 2, 15, 22, 0, 0, 0, icalLoc))
	if !ok || a.Type != "comment_period" || a.Status != "scheduled" || !a.AllDay ||
		fmtTime(a.End, ohio) != "2027-02-15T23:59:59-05:00" || a.Rules["end"] != "end:event-time" {
		t.Errorf("comment window: ok %v %s %s all_day %v end %s rules %v", ok, a.Type, a.Status, a.AllDay, fmtTime(a.End, ohio), a.Rules)
	}
	items = parseICalTest(t, string(readTestdata(t, "ical/cancelled.ics")), Settings{})
	a, ok = Extract(items[4], ohio, extractNow)
	if !ok || a.Status != "cancelled" || fmtTime(a.Start, ohio) != "2027-03-02T13:00:00-05:00" {
		t.Errorf("cancelled occurrence: ok %v status %s start %s", ok, a.Status, fmtTime(a.Start, ohio))
	}
}

// FuzzParseICal feeds ParseICal arbitrary calendars: it must not panic or
// hang, and what it returns must lie in the window with stable ids.
func FuzzParseICal(f *testing.F) {
	for _, name := range []string{"outlook.ics", "google.ics", "comment_period.ics", "floating.ics", "cancelled.ics", "district.ics"} {
		f.Add(readTestdata(f, "ical/"+name))
	}
	f.Add([]byte(icalCal("DTSTART:20270105T100000Z\nRRULE:FREQ=MONTHLY;BYDAY=-1FR,2TU;BYSETPOS=1,-1;INTERVAL=2")))
	f.Add([]byte(icalCal("DTSTART;VALUE=DATE:20270105\nDURATION:P2W\nRRULE:FREQ=YEARLY;BYMONTH=1,3;BYMONTHDAY=-1,5\nEXDATE:20270305T000000Z")))
	f.Add([]byte(icalCal("DTSTART;TZID=\"(UTC-07:00) Arizona\":20270105T100000\nRECURRENCE-ID:20270105T170000Z")))
	f.Add([]byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:2027\r\n \r\n\tEND:VEVENT\r\nEND:VCALENDAR"))
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := ParseICal(body, "https://example.gov/cal.ics", Settings{}, icalFrom, icalTo, icalLoc)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "parse ical: ") {
				t.Fatalf("error %q does not say what failed", err)
			}
			return
		}
		checkFuzzItems(t, items)
		seen := map[string]bool{}
		for _, it := range items {
			if it.Start == nil || it.GUID == "" || seen[it.GUID] {
				t.Fatalf("item without start or with a missing or repeated guid: %+v", it)
			}
			seen[it.GUID] = true
			last := *it.Start
			if it.End != nil {
				if it.End.Before(*it.Start) {
					t.Errorf("end %s before start %s", it.End, it.Start)
				}
				last = *it.End
			}
			if it.Start.After(icalTo) || last.Before(icalFrom) {
				t.Errorf("occurrence %s – %s outside the window", it.Start, last)
			}
			if it.AllDay && (it.Start.In(icalLoc).Hour() != 0 || it.End == nil) {
				t.Errorf("all-day item not at midnight or without an end: %+v", it)
			}
		}
	})
}
