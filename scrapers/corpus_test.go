package scrapers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"heard/models"
)

// corpusNow is the clock of the corpus tests: mid-February 2027, so the
// corpus holds past meetings, open comment windows and coming sessions.
var corpusNow = time.Date(2027, 2, 15, 12, 0, 0, 0, time.UTC)

// corpusManifest is testdata/corpus/manifest.json: the documents of the
// fixture corpus and what must hold for each, whatever the goldens say.
type corpusManifest struct {
	Documents []corpusDoc `json:"documents"`
}

// corpusDoc is one document of the corpus, shaped like an agency's output.
type corpusDoc struct {
	// File is relative to testdata, so calendar and PDF fixtures kept
	// beside their parsers' tests can join the corpus.
	File string `json:"file"`
	// Name names the golden file; empty means the file's base name.
	Name         string              `json:"name,omitempty"`
	Kind         string              `json:"kind"` // html, rss, atom, ical, pdf
	Jurisdiction models.Jurisdiction `json:"jurisdiction"`
	BaseURL      string              `json:"base_url"`
	Settings     Settings            `json:"settings"`
	Note         string              `json:"note"`
	// MustDrop are titles (substrings, any case) of unrelated items that
	// no kept activity may carry.
	MustDrop []string       `json:"must_drop,omitempty"`
	Expect   []corpusExpect `json:"expect,omitempty"`
}

func (d corpusDoc) name() string {
	if d.Name != "" {
		return d.Name
	}
	return strings.TrimSuffix(filepath.Base(d.File), filepath.Ext(d.File))
}

// corpusExpect is what one activity must look like. The activity is the
// nth (from 0) whose title contains TitleContains; unset fields are not
// checked. Start and End are RFC 3339 in the jurisdiction's zone, "-" for
// none. List fields ending in _include are subsets; Languages is exact.
type corpusExpect struct {
	TitleContains         string            `json:"title_contains"`
	Nth                   int               `json:"nth,omitempty"`
	ActivityType          string            `json:"activity_type,omitempty"`
	PlanPhase             string            `json:"plan_phase,omitempty"`
	Status                string            `json:"status,omitempty"`
	Start                 string            `json:"start,omitempty"`
	End                   string            `json:"end,omitempty"`
	AllDay                *bool             `json:"all_day,omitempty"`
	LocationContains      string            `json:"location_contains,omitempty"`
	Remote                *bool             `json:"remote,omitempty"`
	Languages             []string          `json:"languages,omitempty"`
	Interpretation        *bool             `json:"interpretation,omitempty"`
	AccessibilityContains string            `json:"accessibility_contains,omitempty"`
	GroupsInclude         []string          `json:"audience_groups_include,omitempty"`
	GroupsExclude         []string          `json:"audience_groups_exclude,omitempty"`
	FeaturesInclude       []string          `json:"features_include,omitempty"`
	FeaturesExclude       []string          `json:"features_exclude,omitempty"`
	Rules                 map[string]string `json:"rules,omitempty"`
}

// corpusActivity is the stable view of an activity kept in the goldens:
// what extraction decided, without descriptions or store-filled fields.
type corpusActivity struct {
	DedupeKey      string         `json:"dedupe_key"`
	Type           string         `json:"type"`
	Title          string         `json:"title"`
	Start          string         `json:"start,omitempty"`
	End            string         `json:"end,omitempty"`
	AllDay         bool           `json:"all_day"`
	Location       string         `json:"location,omitempty"`
	Region         string         `json:"region,omitempty"`
	Remote         bool           `json:"remote"`
	Languages      []string       `json:"languages"`
	Interpretation bool           `json:"interpretation"`
	Accessibility  string         `json:"accessibility,omitempty"`
	AudienceGroups []string       `json:"audience_groups"`
	Features       []string       `json:"features"`
	PlanPhase      string         `json:"plan_phase"`
	Status         string         `json:"status"`
	Rules          models.JSONMap `json:"rules"`
}

// corpusGolden is a document's golden file: the activities kept, and the
// titles of the items extraction dropped, so a review sees both.
type corpusGolden struct {
	Activities []corpusActivity `json:"activities"`
	Dropped    []string         `json:"dropped"`
}

func readCorpusManifest(t testing.TB) corpusManifest {
	t.Helper()
	var m corpusManifest
	if err := json.Unmarshal(readTestdata(t, "corpus/manifest.json"), &m); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	return m
}

// TestCorpusGolden parses and extracts every document of the corpus and
// compares the result with testdata/corpus/golden/<name>.json (rewritten
// by -update); the manifest's must_drop and expect entries are checked
// independently, so a wrong golden cannot hide a regression.
func TestCorpusGolden(t *testing.T) {
	m := readCorpusManifest(t)
	if len(m.Documents) < 40 {
		t.Errorf("corpus has %d documents, want at least 40", len(m.Documents))
	}
	names := map[string]bool{}
	expectations := 0
	for _, doc := range m.Documents {
		expectations += len(doc.Expect)
		name := doc.name()
		if names[name] {
			t.Errorf("two documents have the golden name %q", name)
		}
		names[name] = true
		t.Run(name, func(t *testing.T) { checkCorpusDoc(t, doc) })
	}
	if expectations < 60 {
		t.Errorf("manifest has %d expectations, want at least 60", expectations)
	}
}

func checkCorpusDoc(t *testing.T, doc corpusDoc) {
	if doc.Note == "" || doc.BaseURL == "" || doc.Jurisdiction.TimeZone == "" {
		t.Errorf("manifest entry needs a note, a base URL and a time zone")
	}
	if _, err := time.LoadLocation(doc.Jurisdiction.TimeZone); err != nil {
		t.Fatalf("time zone: %v", err)
	}
	items, err := parseCorpusDoc(doc, readTestdata(t, doc.File))
	if errors.Is(err, ErrNoPDFTool) {
		requirePDFTool(t) // skips locally, fails under CI=true
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(items) == 0 {
		t.Fatal("the parser read no items")
	}
	got := corpusGolden{Activities: []corpusActivity{}, Dropped: []string{}}
	var kept []models.Activity
	for _, it := range items {
		a, ok := Extract(it, doc.Jurisdiction, corpusNow)
		if !ok {
			got.Dropped = append(got.Dropped, it.Title)
			continue
		}
		checkCorpusActivity(t, a)
		kept = append(kept, a)
		got.Activities = append(got.Activities, corpusView(a, doc.Jurisdiction.Location()))
	}
	for _, drop := range doc.MustDrop {
		has := func(title string) bool { return strings.Contains(strings.ToLower(title), strings.ToLower(drop)) }
		for _, a := range kept {
			if has(a.Title) {
				t.Errorf("unrelated item %q was kept as %s (rules %v)", a.Title, a.Type, a.Rules)
			}
		}
		// A keyword filter drops items before extraction sees them;
		// otherwise a must_drop names an item the document has.
		if len(doc.Settings.Keywords) == 0 && !slices.ContainsFunc(got.Dropped, has) {
			t.Errorf("must_drop %q names no item of the document", drop)
		}
	}
	for _, e := range doc.Expect {
		checkCorpusExpect(t, e, got.Activities)
	}
	checkCorpusGolden(t, doc.name(), got)
}

// parseCorpusDoc reads a document with the parser of its kind.
func parseCorpusDoc(doc corpusDoc, body []byte) ([]Item, error) {
	switch doc.Kind {
	case "html":
		return ParseHTML(body, doc.BaseURL, doc.Settings)
	case "rss", "atom":
		return ParseFeed(body, doc.BaseURL, doc.Settings)
	case "ical", "pdf":
		return parseCorpusCalendarOrPDF(doc, body)
	}
	return nil, fmt.Errorf("unknown kind %q", doc.Kind)
}

// checkCorpusActivity asserts what every kept activity promises: a valid
// record whose type and phase say which rule set them, as does every
// other field extraction filled in.
func checkCorpusActivity(t *testing.T, a models.Activity) {
	t.Helper()
	if err := a.Validate(); err != nil {
		t.Errorf("%q: invalid activity: %v", a.Title, err)
	}
	need := []string{"activity_type", "plan_phase", "languages", "status", "relevance", "dedupe_key"}
	if a.Start != nil {
		need = append(need, "start")
	}
	if a.End != nil {
		need = append(need, "end")
	}
	if a.Remote {
		need = append(need, "remote")
	}
	if a.Interpretation {
		need = append(need, "interpretation")
	}
	if a.Accessibility != "" {
		need = append(need, "accessibility")
	}
	if len(a.AudienceGroups) > 0 {
		need = append(need, "audience_groups")
	}
	if len(a.Features) > 0 {
		need = append(need, "features")
	}
	for _, field := range need {
		if a.Rules[field] == "" {
			t.Errorf("%q: %s set without the rule that set it (rules %v)", a.Title, field, a.Rules)
		}
	}
}

func corpusView(a models.Activity, loc *time.Location) corpusActivity {
	return corpusActivity{
		DedupeKey: a.DedupeKey, Type: string(a.Type), Title: a.Title,
		Start: corpusTime(a.Start, loc), End: corpusTime(a.End, loc), AllDay: a.AllDay,
		Location: a.Location, Region: a.Region, Remote: a.Remote, Languages: nonNil(a.Languages),
		Interpretation: a.Interpretation, Accessibility: a.Accessibility,
		AudienceGroups: nonNil(a.AudienceGroups), Features: nonNil(a.Features),
		PlanPhase: string(a.Phase), Status: string(a.Status), Rules: a.Rules,
	}
}

func corpusTime(t *time.Time, loc *time.Location) string {
	if t == nil {
		return ""
	}
	return t.In(loc).Format(time.RFC3339)
}

func nonNil(l models.StringList) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// checkCorpusExpect finds the activity an expectation names and compares
// the fields it sets.
func checkCorpusExpect(t *testing.T, e corpusExpect, acts []corpusActivity) {
	t.Helper()
	var matches []corpusActivity
	for _, a := range acts {
		if strings.Contains(strings.ToLower(a.Title), strings.ToLower(e.TitleContains)) {
			matches = append(matches, a)
		}
	}
	if e.Nth >= len(matches) {
		t.Errorf("expected activity %q #%d: only %d kept activities match", e.TitleContains, e.Nth, len(matches))
		return
	}
	a := matches[e.Nth]
	errorf := func(field string, got, want any) {
		t.Helper()
		t.Errorf("%q: %s = %v, want %v (rules %v)", a.Title, field, got, want, a.Rules)
	}
	str := func(field, got, want string) {
		t.Helper()
		if want == "-" {
			want = ""
		}
		if got != want {
			errorf(field, got, want)
		}
	}
	if e.ActivityType != "" {
		str("type", a.Type, e.ActivityType)
	}
	if e.PlanPhase != "" {
		str("plan_phase", a.PlanPhase, e.PlanPhase)
	}
	if e.Status != "" {
		str("status", a.Status, e.Status)
	}
	if e.Start != "" {
		str("start", a.Start, e.Start)
	}
	if e.End != "" {
		str("end", a.End, e.End)
	}
	for _, b := range []struct {
		field string
		got   bool
		want  *bool
	}{{"all_day", a.AllDay, e.AllDay}, {"remote", a.Remote, e.Remote}, {"interpretation", a.Interpretation, e.Interpretation}} {
		if b.want != nil && b.got != *b.want {
			errorf(b.field, b.got, *b.want)
		}
	}
	if e.LocationContains != "" && !strings.Contains(a.Location, e.LocationContains) {
		errorf("location", a.Location, "…"+e.LocationContains+"…")
	}
	if e.AccessibilityContains != "" && !strings.Contains(a.Accessibility, e.AccessibilityContains) {
		errorf("accessibility", a.Accessibility, "…"+e.AccessibilityContains+"…")
	}
	if e.Languages != nil {
		g, w := slices.Clone(a.Languages), slices.Clone(e.Languages)
		slices.Sort(g)
		slices.Sort(w)
		if !slices.Equal(g, w) {
			errorf("languages", a.Languages, e.Languages)
		}
	}
	for _, set := range []struct {
		field      string
		got        []string
		with, wout []string
	}{{"audience_groups", a.AudienceGroups, e.GroupsInclude, e.GroupsExclude}, {"features", a.Features, e.FeaturesInclude, e.FeaturesExclude}} {
		for _, v := range set.with {
			if !slices.Contains(set.got, v) {
				errorf(set.field, set.got, "to include "+v)
			}
		}
		for _, v := range set.wout {
			if slices.Contains(set.got, v) {
				errorf(set.field, set.got, "not to include "+v)
			}
		}
	}
	for field, want := range e.Rules {
		str("rules["+field+"]", a.Rules[field], want)
	}
}

// checkCorpusGolden compares a document's result with its golden file, or
// rewrites the file under -update.
func checkCorpusGolden(t *testing.T, name string, got corpusGolden) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(got); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "corpus", "golden", name+".json")
	if *updateGolden {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./scrapers -run TestCorpusGolden -update to create it)", err)
	}
	if !bytes.Equal(want, buf.Bytes()) {
		t.Errorf("%s differs from the golden file; rerun with -update and review the diff:\n%s", path, buf.Bytes())
	}
}

// parseCorpusCalendarOrPDF reads a calendar over the first half of 2027 in
// the jurisdiction's zone, or a PDF's text layer with pdftotext.
func parseCorpusCalendarOrPDF(doc corpusDoc, body []byte) ([]Item, error) {
	loc := doc.Jurisdiction.Location()
	if doc.Kind == "ical" {
		from, to := time.Date(2027, 1, 1, 0, 0, 0, 0, loc), time.Date(2027, 7, 1, 0, 0, 0, 0, loc)
		return ParseICal(body, doc.BaseURL, doc.Settings, from, to, loc)
	}
	text, _, err := PDFText(context.Background(), body)
	if err != nil {
		return nil, err
	}
	return ParsePDF(text, doc.BaseURL, doc.Settings)
}

// FuzzExtractDates feeds the date reader arbitrary text, seeded with the
// corpus's date fields and texts: it must never panic, and what it reads
// must hold together — a date when it says it read one, a rule for each
// time it set, an end not before the start — in every zone, read alone or
// refined by an item's text.
func FuzzExtractDates(f *testing.F) {
	m := readCorpusManifest(f)
	for _, doc := range m.Documents {
		if doc.Kind == "pdf" {
			continue // needs pdftotext; its texts reach Extract via the corpus test
		}
		items, err := parseCorpusDoc(doc, readTestdata(f, doc.File))
		if err != nil {
			f.Fatalf("%s: %v", doc.File, err)
		}
		for _, it := range items {
			text := it.Title + " . " + it.Description
			if len(text) > 400 {
				text = text[:400]
			}
			f.Add(it.DateText, text, false)
			f.Add(it.DateText, text, true)
		}
	}
	for _, s := range []string{
		"March 3, 6–8 p.m.", "comments due Feb. 10", "Jan. 5 – Feb. 10", "desde el 1 de marzo hasta el 31 de marzo de 2027",
		"due by 5:00 p.m. MT on March 12, 2027", "6–7:30 p.m. Pacific time", "11 pm - 1 am", "December 15 – January 20",
		"January 13–14, March 10–11, November 3–4, 2027", "2/30/2027 25:00", "12/31/99 - 1/1/00 11:59 pm to 12:00 am",
		"before May 1", "del 15 de marzo", "Mar 2, 2027, 6:30 p.m.–8 p.m. AKST on", "2027-03-14T02:30:00", "noon–midnight ET",
	} {
		f.Add(s, s, true)
		f.Add("", s, false)
	}
	zones := []string{"America/New_York", "America/Phoenix", "America/Anchorage", "Pacific/Honolulu", "America/Puerto_Rico", "America/Boise"}
	f.Fuzz(func(t *testing.T, dateText, text string, closing bool) {
		for _, z := range zones {
			loc, err := time.LoadLocation(z)
			if err != nil {
				t.Fatal(err) // Go ships the zone data: a missing zone is a fault
			}
			w, ok := readWhen(dateText, closing, corpusNow, loc)
			checkFuzzWhen(t, w, ok, dateText)
			if ok {
				checkFuzzWhen(t, w.refine(text, closing, corpusNow, loc), true, dateText+" | "+text)
			}
		}
	})
}

func checkFuzzWhen(t *testing.T, w when, ok bool, input string) {
	t.Helper()
	if ok && w.start == nil && w.end == nil {
		t.Fatalf("%q: read a date but set neither start nor end", input)
	}
	if w.start != nil && w.end != nil && w.end.Before(*w.start) {
		t.Fatalf("%q: end %s before start %s", input, w.end, w.start)
	}
	if (w.start != nil) != (w.startRule != "") || (w.end != nil) != (w.endRule != "") {
		t.Fatalf("%q: times and rules disagree: start %v %q, end %v %q", input, w.start, w.startRule, w.end, w.endRule)
	}
	if w.allDay && w.start == nil {
		t.Fatalf("%q: all day without a start", input)
	}
}
