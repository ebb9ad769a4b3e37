package handlers

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"heard/models"
)

// noRedirect is a client that reports redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func TestNationalColourByCriterion(t *testing.T) {
	f := newFixture(t)
	resp, body := f.get(t, "/?criterion=language")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	page := string(body)
	// Ohio's language criterion is scored from the bilingual listening
	// session; read what the scorecard says so the test follows the engine.
	card, err := f.store.LatestScorecard(t.Context(), "OH", 1)
	if err != nil {
		t.Fatal(err)
	}
	var lang models.CriterionScore
	for _, c := range card.Criteria {
		if c.Key == "language" {
			lang = c
		}
	}
	if lang.Score == nil {
		t.Fatalf("fixture: Ohio's language criterion is %s, want scored", lang.Status)
	}
	n := string(rune('0' + *lang.Score))
	for _, want := range []string{
		`<label for="criterion">`, `<select id="criterion" name="criterion">`, `<option value="language" selected>`,
		`<option value="">Overall level</option>`, `<button type="submit">Show</button>`,
		`class="tile cscore-` + n + `" href="/states/OH" aria-label="Ohio, OH ` + n + ` of 4 for Language access"`,
		`<span class="lvl">` + n + ` of 4</span>`,
		`aria-label="Texas, TX Not yet scored for Language access"`, `<span class="lvl">Not yet scored</span>`,
		`Key: Language access`, `<span class="swatch cscore-4" aria-hidden="true"></span>4 of 4`,
		`<span class="swatch cscore-no_evidence" aria-hidden="true"></span>No evidence`,
		`<span class="swatch cscore-not_applicable" aria-hidden="true"></span>N/A`,
		// The ranking shows the criterion too, and sorting keeps it.
		`<th scope="col">Language access</th>`, `href="/?criterion=language&amp;dir=asc&amp;sort=name#rank-h"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("/?criterion=language lacks %q", want)
		}
	}
	if strings.Contains(page, `class="tile level-`) {
		t.Errorf("tiles still coloured by level")
	}
	// The overall view keeps the level palette and legend.
	_, body = f.get(t, "/")
	for _, want := range []string{`class="tile level-`, `Key: Overall level`, `<option value="" selected>Overall level</option>`,
		`<span class="swatch level-exemplary" aria-hidden="true"></span>Exemplary`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/ lacks %q", want)
		}
	}
}

func TestNationalCriterionNotApplicable(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	js, err := f.store.Jurisdictions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// One jurisdiction without federally recognized tribes and one with,
	// both scored without evidence.
	var without, with string
	for _, j := range js {
		switch {
		case j.Code == "OH":
		case !j.FederallyRecognizedTribes && without == "":
			without = j.Code
		case j.FederallyRecognizedTribes && with == "":
			with = j.Code
		}
	}
	if without == "" || with == "" {
		t.Fatalf("fixture: no pair of jurisdictions with and without tribes")
	}
	for _, code := range []string{without, with} {
		rescoreAndPublish(t, f.store, code, testNow, "manual")
	}
	_, body := f.get(t, "/?criterion=tribal")
	for code, want := range map[string]string{without: `cscore-not_applicable" href="/states/%s" aria-label="[^"]+, %s N/A for Tribal consultation \(not applicable\)"><span class="code">%s</span> <span class="lvl">N/A</span>`,
		with: `cscore-no_evidence" href="/states/%s" aria-label="[^"]+, %s No evidence for Tribal consultation"><span class="code">%s</span> <span class="lvl">No evidence</span>`} {
		if !regexp.MustCompile(fmt.Sprintf(want, code, code, code)).Match(body) {
			t.Errorf("%s: tile does not match %s", code, want)
		}
	}
}

func TestNationalBadCriterion(t *testing.T) {
	f := newFixture(t)
	resp, body := f.get(t, "/?criterion=nope")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d, want 400", resp.StatusCode)
	}
	if !strings.Contains(string(body), "Unknown criterion") || !strings.Contains(string(body), "no criterion &#34;nope&#34;") {
		t.Errorf("error page does not name the criterion:\n%s", body)
	}
}

func TestNationalSort(t *testing.T) {
	f := newFixture(t)
	sortedHeader := regexp.MustCompile(`<th scope="col" aria-sort="(ascending|descending)"><a href="([^"]+)">(\w+)`)
	tests := []struct {
		query, header, ariaSort, next string
		first                         string // code of the first row
	}{
		{"", "Score", "descending", "/?dir=asc&amp;sort=score#rank-h", "OH"},
		{"?sort=bogus&dir=sideways", "Score", "descending", "/?dir=asc&amp;sort=score#rank-h", "OH"},
		{"?sort=name", "State", "ascending", "/?dir=desc&amp;sort=name#rank-h", "AL"},
		{"?sort=name&dir=desc", "State", "descending", "/?dir=asc&amp;sort=name#rank-h", "WY"},
		{"?sort=score&dir=asc", "Score", "ascending", "/?dir=desc&amp;sort=score#rank-h", "OH"}, // unranked stay last
		{"?sort=coverage&dir=asc", "Coverage", "ascending", "/?dir=desc&amp;sort=coverage#rank-h", "OH"},
		{"?sort=updated", "Updated", "descending", "/?dir=asc&amp;sort=updated#rank-h", "OH"},
	}
	firstRow := regexp.MustCompile(`<tbody>\s*<tr>\s*<td>[^<]*</td>\s*<th scope="row"><a href="/states/(\w\w)">`)
	for _, tt := range tests {
		resp, body := f.get(t, "/"+tt.query)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", tt.query, resp.StatusCode)
			continue
		}
		all := sortedHeader.FindAllSubmatch(body, -1)
		if len(all) != 1 {
			t.Errorf("%s: %d headers with aria-sort, want 1", tt.query, len(all))
			continue
		}
		if m := all[0]; string(m[1]) != tt.ariaSort || string(m[2]) != tt.next || string(m[3]) != tt.header {
			t.Errorf("%s: sorted header %s aria-sort=%s linking %s; want %s %s %s", tt.query, m[3], m[1], m[2], tt.header, tt.ariaSort, tt.next)
		}
		if m := firstRow.FindSubmatch(body); m == nil || string(m[1]) != tt.first {
			t.Errorf("%s: first row %q, want %s", tt.query, m, tt.first)
		}
	}
	// Other columns link to their natural direction.
	_, body := f.get(t, "/?criterion=language&sort=name")
	for _, want := range []string{`href="/?criterion=language&amp;dir=desc&amp;sort=score#rank-h">Score`,
		`href="/?criterion=language&amp;dir=desc&amp;sort=coverage#rank-h">Coverage`,
		`<input type="hidden" name="sort" value="name">`, `<input type="hidden" name="dir" value="asc">`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("sorted by name with a criterion: lacks %q", want)
		}
	}
}

func TestSortRankingKeepsMissingLast(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	sum := func(code string, overall, coverage *float64, level models.Level) models.ScoreSummary {
		return models.ScoreSummary{Jurisdiction: models.Jurisdiction{Code: code, Name: code}, Overall: overall, Coverage: coverage, Level: level}
	}
	rows := rank([]models.ScoreSummary{
		sum("AA", f(37), f(30), models.LevelInsufficient),
		sum("BB", f(33), f(80), models.LevelLimited),
		sum("CC", nil, nil, models.LevelUnscored),
		sum("DD", f(90), f(100), models.LevelExemplary),
	})
	codes := func(rs []rankRow) string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Code)
		}
		return strings.Join(out, " ")
	}
	for _, tt := range []struct{ key, dir, want string }{
		{"score", "desc", "DD BB AA CC"},
		{"score", "asc", "BB DD AA CC"},
		{"coverage", "desc", "DD BB AA CC"},
		{"coverage", "asc", "AA BB DD CC"},
		{"name", "desc", "DD CC BB AA"},
	} {
		if got := codes(sortRanking(rows, tt.key, tt.dir)); got != tt.want {
			t.Errorf("%s %s: %s, want %s", tt.key, tt.dir, got, tt.want)
		}
	}
}

func TestSearch(t *testing.T) {
	f := newFixture(t)
	for _, q := range []string{"oh", "OH", "Ohio", "ohio", "OHIO", "  ohi ", "Ohío"} {
		resp, err := noRedirect.Get(f.srv.URL + "/search?q=" + strings.ReplaceAll(q, " ", "+"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/states/OH" {
			t.Errorf("q=%q: %d to %q, want 303 to /states/OH", q, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	for q, want := range map[string]string{"new+mex": "/states/NM", "Puerto": "/states/PR", "district": "/states/DC",
		"west": "/states/WV", "nm": "/states/NM", "in": "/states/IN"} {
		resp, err := noRedirect.Get(f.srv.URL + "/search?q=" + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
			t.Errorf("q=%q: %d to %q, want 303 to %s", q, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}

	resp, body := f.get(t, "/search?q=new")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("several matches: status %d", resp.StatusCode)
	}
	for _, want := range []string{`href="/states/NH">New Hampshire</a>`, `href="/states/NJ">New Jersey</a>`,
		`href="/states/NM">New Mexico</a>`, `href="/states/NY">New York</a>`, `role="search"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("q=new lacks %q", want)
		}
	}
	if strings.Contains(string(body), "/states/NV") {
		t.Errorf("q=new lists Nevada")
	}
	_, body = f.get(t, "/search?q=carolina")
	if !strings.Contains(string(body), "North Carolina") || !strings.Contains(string(body), "South Carolina") {
		t.Errorf("q=carolina does not list both Carolinas")
	}

	resp, body = f.get(t, "/search?q=Atlantis")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("no match: status %d, want 404", resp.StatusCode)
	}
	for _, want := range []string{"No state, DC or Puerto Rico matches “Atlantis”", `<form class="search" action="/search" method="get" role="search">`,
		`<label for="q">`, `value="Atlantis"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("no match lacks %q", want)
		}
	}
	resp, _ = f.get(t, "/search?q=")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("empty search: %d", resp.StatusCode)
	}
	// The box on the national page.
	_, body = f.get(t, "/")
	for _, want := range []string{`<form class="search" action="/search" method="get" role="search">`,
		`<label for="q">Find a state by name or postal code</label>`, `<input id="q" name="q" type="search"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/ lacks %q", want)
		}
	}
}

func TestNationalUpcomingDetails(t *testing.T) {
	f := newFixture(t)
	_, body := f.get(t, "/")
	page := string(body)
	// The comment period closes 25 days after the test clock.
	for _, want := range []string{"Public comment on the draft plan — <strong>open for comment, 25 days left</strong>",
		"Listening session for parents &amp; teachers — <time", "7:00 a.m. EST</time> <span class=\"tz\">(time zone America/New_York)</span> · remote option"} {
		if !strings.Contains(page, want) {
			t.Errorf("/ lacks %q", want)
		}
	}
}

func TestAboutPage(t *testing.T) {
	f := newFixture(t)
	resp, body := f.get(t, "/about")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{"<h1>About Heard</h1>", "Who it is for", "Advocates", "Researchers", "State agency staff",
		"Where the data comes from", "rubric version 1.", "(accessed November 22, 2026)", "to be decided", "Contact",
		"demonstration data", `<a href="/about">About</a>`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/about lacks %q", want)
		}
	}
}

func TestDataPageListsEveryOperation(t *testing.T) {
	f := newFixture(t)
	doc := loadSpec(t)
	resp, body := f.get(t, "/data")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	page := string(body)
	if !strings.Contains(page, `<h2 id="api-heading">API reference</h2>`) {
		t.Fatalf("/data has no API reference")
	}
	ops := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops++
			heading := `<h4 id="op-` + op.OperationID + `-h"><span class="method">` + method + `</span> <code>` + path + `</code></h4>`
			if !strings.Contains(page, heading) {
				t.Errorf("/data lacks %s %s", method, path)
				continue
			}
			section := page[strings.Index(page, heading):]
			section = section[:strings.Index(section, "</section>")]
			if !strings.Contains(section, "<strong>"+escapeText(op.Summary)+"</strong>") {
				t.Errorf("%s %s: summary %q missing", method, path, op.Summary)
			}
			for _, p := range op.Parameters {
				if !strings.Contains(section, `<th scope="row"><code>`+p.Value.Name+`</code>`) {
					t.Errorf("%s %s: parameter %s missing", method, path, p.Value.Name)
				}
			}
			for code := range op.Responses.Map() {
				if !strings.Contains(section, "<li><code>"+code+"</code>") {
					t.Errorf("%s %s: response %s missing", method, path, code)
				}
			}
		}
	}
	if ops == 0 || strings.Count(page, `class="api-op"`) != ops {
		t.Errorf("%d operations on the page, %d in the spec", strings.Count(page, `class="api-op"`), ops)
	}
}

// escapeText is html/template's escaping of text in an element.
func escapeText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}
