package scrapers

import (
	"regexp"
	"time"
)

// Times of day are read in the jurisdiction's zone unless the text names
// another: a state split between two zones writes "6–7:30 p.m. Pacific
// time" for its western sessions.

// zoneAfterRe finds a US time zone written after a time: "6 p.m. Pacific
// time", "9 a.m. CT", "4:00 p.m. (hora del Pacífico)".
var zoneAfterRe = regexp.MustCompile(`^\s*\(?\s*(?:(eastern|central|mountain|pacific|alaska|hawaii|hawaiʻi|hawai'i|atlantic)(?:\s+(?:standard|daylight|prevailing))?\s+time|(et|est|edt|ct|cst|cdt|mt|mst|mdt|pt|pst|pdt|akst|akdt|akt|hst|ast)|hora del? (este|centro|montaña|montana|pacífico|pacifico|atlántico|atlantico))\b`)

// zoneFamily names the US time zone written at the start of s ("pacific"
// for "PT" or "Pacific time"), "" if none.
func zoneFamily(s string) string {
	m := zoneAfterRe.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	switch name := m[1] + m[2] + m[3]; name {
	case "et", "est", "edt", "eastern", "este":
		return "eastern"
	case "ct", "cst", "cdt", "central", "centro":
		return "central"
	case "mt", "mst", "mdt", "mountain", "montaña", "montana":
		return "mountain"
	case "pt", "pst", "pdt", "pacific", "pacífico", "pacifico":
		return "pacific"
	case "akst", "akdt", "akt", "alaska":
		return "alaska"
	case "hst", "hawaii", "hawaiʻi", "hawai'i":
		return "hawaii"
	default: // ast, atlantic
		return "atlantic"
	}
}

// zoneFamilies are the US zones by standard offset from UTC, with the
// place whose rules a time in that zone follows when the jurisdiction's
// own zone is another.
var zoneFamilies = map[string]struct {
	offset int // hours east of UTC in standard time
	place  string
}{
	"atlantic": {-4, "America/Puerto_Rico"}, "eastern": {-5, "America/New_York"},
	"central": {-6, "America/Chicago"}, "mountain": {-7, "America/Denver"},
	"pacific": {-8, "America/Los_Angeles"}, "alaska": {-9, "America/Anchorage"},
	"hawaii": {-10, "Pacific/Honolulu"},
}

// location is where the clock's time is read: the jurisdiction's zone,
// unless the text named another ("6–7:30 p.m. Pacific time" in Idaho).
// A name of the jurisdiction's own family keeps its rules, so "MST" in
// Arizona stays without daylight saving time.
func (c *clock) location(loc *time.Location) *time.Location {
	if c == nil || c.zone == "" {
		return loc
	}
	f := zoneFamilies[c.zone]
	_, off := time.Date(2027, time.January, 15, 12, 0, 0, 0, loc).Zone()
	if off == f.offset*3600 {
		return loc
	}
	if l, err := time.LoadLocation(f.place); err == nil {
		return l
	}
	return loc
}

// zoneRule marks a start or end read in a zone the text named, not the
// jurisdiction's.
func (c *clock) zoneRule(loc *time.Location) string {
	if c.location(loc) == loc {
		return ""
	}
	return "+zone:" + c.zone
}
