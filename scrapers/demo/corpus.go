package demo

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"heard/models"
)

// entry is one synthetic item: a news release in the feed, or an event or
// document on the engagement page.
type entry struct {
	ID          string
	Title       string
	Description string
	// DateText is how the page shows the date; DateTime, when set, is the
	// machine-readable start a <time datetime> carries.
	DateText   string
	DateTime   string
	Location   string
	Published  time.Time
	Categories []string
	OnPage     bool
}

// profile is how well a demo state engages, from 0 (thin, evidence for few
// criteria) to 4 (exemplary on every criterion).
type profile struct {
	tier    int
	tour    int      // day offset of the first listening session
	extras  bool     // a coin toss that varies states within a tier
	langs   []string // languages offered besides English and Spanish
	regions []string
}

// allCodes ranks every jurisdiction into a tier, so the demo always shows
// every level whichever subset of jurisdictions is served.
var allCodes = []string{
	"AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
	"KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC",
	"ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "PR",
}

func codeHash(code string) uint64 {
	h := fnv.New64a()
	h.Write([]byte("heard-demo/" + models.NormalizeCode(code)))
	// FNV of strings that differ in their last bytes keeps their order in
	// the high bits; the splitmix64 finalizer scatters them.
	x := h.Sum64()
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// tierOf spreads the jurisdictions evenly over the five tiers by the rank
// of their hash, so the split does not depend on luck.
func tierOf(code string) int {
	code = models.NormalizeCode(code)
	ranked := slices.Clone(allCodes)
	slices.SortFunc(ranked, func(a, b string) int {
		ha, hb := codeHash(a), codeHash(b)
		switch {
		case ha < hb:
			return -1
		case ha > hb:
			return 1
		}
		return strings.Compare(a, b)
	})
	if i := slices.Index(ranked, code); i >= 0 {
		return i * 5 / len(ranked)
	}
	return int(codeHash(code) % 5)
}

var otherLanguages = []string{
	"Vietnamese", "Chinese", "Arabic", "Somali", "Haitian Creole", "Korean", "Russian",
	"Portuguese", "Tagalog", "Hmong", "French", "Nepali", "Navajo",
}

var regionNames = []string{"Northern", "Southern", "Eastern", "Western", "Central", "Northeast", "Southwest", "Coastal", "Mountain", "River Valley"}

func newProfile(code string, rng *rand.Rand) profile {
	p := profile{tier: tierOf(code), extras: codeHash("extras/"+code)%2 == 0}
	p.tour = map[int]int{2: -265, 3: -290, 4: -334}[p.tier]
	langs := slices.Clone(otherLanguages)
	rng.Shuffle(len(langs), func(i, j int) { langs[i], langs[j] = langs[j], langs[i] })
	switch p.tier {
	case 3:
		p.langs = langs[:1]
	case 4:
		p.langs = langs[:3+rng.IntN(2)]
	}
	regions := slices.Clone(regionNames)
	rng.Shuffle(len(regions), func(i, j int) { regions[i], regions[j] = regions[j], regions[i] })
	p.regions = regions[:5]
	return p
}

// builder accumulates one jurisdiction's entries.
type builder struct {
	j       models.Jurisdiction
	code    string // lower case, as in URLs and ids
	p       profile
	rng     *rand.Rand
	day0    time.Time // local midnight of the anchor day
	now     time.Time
	entries []entry
}

// corpus generates the entries of one jurisdiction, the same for the same
// code and anchor time.
func corpus(j models.Jurisdiction, now time.Time) []entry {
	h := codeHash(j.Code)
	rng := rand.New(rand.NewPCG(h, h>>7^0x9e3779b97f4a7c15))
	loc := j.Location()
	local := now.In(loc)
	b := &builder{
		j:    j,
		code: strings.ToLower(models.NormalizeCode(j.Code)),
		rng:  rng,
		day0: time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc),
		now:  now,
	}
	b.p = newProfile(j.Code, rng)
	for _, a := range archetypes {
		a(b)
	}
	slices.SortStableFunc(b.entries, func(x, y entry) int { return y.Published.Compare(x.Published) })
	return b.entries
}

// day is local midnight offset days from the anchor day.
func (b *builder) day(offset int) time.Time { return b.day0.AddDate(0, 0, offset) }

// at is a local wall-clock time offset days from the anchor day.
func (b *builder) at(offset, hour, min int) time.Time {
	d := b.day(offset)
	return time.Date(d.Year(), d.Month(), d.Day(), hour, min, 0, 0, d.Location())
}

// weekday moves offset to the next Monday–Friday (or, with weekend, the
// next Saturday), so daytime sessions fall on working days.
func (b *builder) weekday(offset int, weekend bool) int {
	for i := 0; i < 7; i++ {
		wd := b.day(offset + i).Weekday()
		isWeekend := wd == time.Saturday || wd == time.Sunday
		if weekend && wd == time.Saturday || !weekend && !isWeekend {
			return offset + i
		}
	}
	return offset
}

func (b *builder) add(slug string, e entry) {
	n := 1
	for _, x := range b.entries {
		if strings.HasPrefix(x.ID, "demo-"+b.code+"-"+slug+"-") {
			n++
		}
	}
	e.ID = fmt.Sprintf("demo-%s-%s-%d", b.code, slug, n)
	if !strings.HasPrefix(e.Title, "[Demo]") {
		e.Title = "[Demo] " + e.Title
	}
	e.Description = strings.TrimSpace(e.Description) + " " + demoNote
	if e.Published.IsZero() {
		e.Published = b.day(-1)
	}
	b.entries = append(b.entries, e)
}

const demoNote = "(Demonstration data generated by Heard; not a real announcement.)"

// agency is the made-up agency name the corpus speaks for.
func (b *builder) agency() string { return b.j.Name + " Department of Education" }

func (b *builder) pick(options ...string) string { return options[b.rng.IntN(len(options))] }

// region is a made-up region of the state, distinct for distinct i.
func (b *builder) region(i int) string {
	return b.p.regions[i%len(b.p.regions)] + " " + b.j.Name
}

// capitol is the one in-person venue of the thin profiles.
func (b *builder) capitol() string {
	return b.agency() + ", State Board Room, 100 Capitol Avenue"
}

// interpretation is the language-access sentence of the profile.
func (b *builder) interpretation() string {
	switch {
	case b.p.tier < 2:
		return ""
	case len(b.p.langs) == 0:
		return "Spanish interpretation will be provided."
	}
	return "Interpretation in Spanish, " + joinAnd(b.p.langs) + " will be provided."
}

// accommodation is the disability-access sentence of the profile.
func (b *builder) accommodation(online bool) string {
	switch {
	case b.p.tier < 2:
		return ""
	case b.p.tier == 2:
		return "To request an accommodation under the ADA, contact the Office of Engagement five days ahead."
	}
	s := "To request a reasonable accommodation, including sign language interpreters, call or email the Office of Engagement."
	if b.p.tier == 4 {
		s = "To request a reasonable accommodation, including ASL interpretation, call or email the Office of Engagement."
	}
	if online && b.p.tier == 4 || online && b.p.extras {
		s += " The session is live captioned (CART)."
	}
	if b.p.tier == 4 {
		s += " Materials are available in accessible formats that work with screen readers."
	}
	return s
}

func joinAnd(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// groups is who the profile says an activity invites.
func (b *builder) groups() string {
	switch b.p.tier {
	case 0, 1:
		return "superintendents and district leaders"
	case 2:
		return "parents, teachers, principals, superintendents and district leaders, and community organizations"
	case 3:
		return "parents and families, students, teachers, principals and other school leaders, paraprofessionals, " +
			"school counselors, superintendents and district leaders from rural and urban school districts, " +
			"charter school leaders, civil rights and disability advocates, English learner advocates and community organizations"
	}
	return "parents and families, students, teachers, principals and other school leaders, paraprofessionals, " +
		"school counselors and social workers, administrators and other school staff, superintendents and district " +
		"leaders from rural and urban school districts, charter school leaders, tribal leaders, civil rights and " +
		"disability advocates, English learner advocates, community organizations, employers, higher education, " +
		"private school representatives, early childhood educators and the public"
}

// dateText writes a date the way agency calendars do, in one of several
// styles so the parser meets them all; far dates always carry the year.
func (b *builder) dateText(t time.Time) string {
	far := t.Sub(b.now) > 100*24*time.Hour || b.now.Sub(t) > 100*24*time.Hour
	switch b.rng.IntN(4) {
	case 0:
		return t.Format("Monday, January 2, 2006")
	case 1:
		if far {
			return t.Format("1/2/2006")
		}
		return t.Format("Monday, January 2")
	case 2:
		return abbrevMonth(t) + t.Format(" 2, 2006")
	}
	if far {
		return t.Format("January 2, 2006")
	}
	return t.Format("Mon., Jan. 2")
}

func abbrevMonth(t time.Time) string {
	switch t.Month() {
	case time.May, time.June, time.July:
		return t.Format("January")
	case time.September:
		return "Sept."
	}
	return t.Format("Jan") + "."
}

// clockText writes a time range in one of the styles agencies use.
func (b *builder) clockText(start, end time.Time) string {
	switch b.rng.IntN(3) {
	case 0:
		return apStyle(start, end)
	case 1:
		return start.Format("3:04 PM") + " - " + end.Format("3:04 PM")
	}
	if start.Hour() < 12 != (end.Hour() < 12) {
		return start.Format("3 pm") + " to " + end.Format("3 pm")
	}
	return start.Format("3") + " to " + end.Format("3 pm")
}

// apStyle is AP style: "6–8 p.m.", "10 a.m.–noon", "6:30–8 p.m.".
func apStyle(start, end time.Time) string {
	part := func(t time.Time, meridiem bool) string {
		if t.Hour() == 12 && t.Minute() == 0 {
			return "noon"
		}
		s := t.Format("3")
		if t.Minute() != 0 {
			s = t.Format("3:04")
		}
		if meridiem {
			s += map[bool]string{true: " a.m.", false: " p.m."}[t.Hour() < 12]
		}
		return s
	}
	same := start.Hour() < 12 == (end.Hour() < 12) && !(end.Hour() == 12 && end.Minute() == 0) && !(start.Hour() == 12 && start.Minute() == 0)
	return part(start, !same) + "\u2013" + part(end, true)
}

var spanishMonths = []string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"}
var spanishDays = []string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"}

// spanishDate writes "martes, 3 de marzo de 2027".
func spanishDate(t time.Time) string {
	return fmt.Sprintf("%s, %d de %s de %d", spanishDays[t.Weekday()], t.Day(), spanishMonths[t.Month()-1], t.Year())
}

// event builds a dated session: its date text, and a sentence for feeds.
func (b *builder) event(offset, hour, min, hours int) (start time.Time, when string) {
	start = b.at(offset, hour, min)
	end := start.Add(time.Duration(hours) * time.Hour)
	return start, b.dateText(start) + ", " + b.clockText(start, end)
}
