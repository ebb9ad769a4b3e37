package handlers

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/gin-gonic/gin"

	"heard/models"
)

// tile is one square of the national map, with what it is coloured by.
type tile struct {
	models.ScoreSummary
	Row, Col int
	// Class picks the fill (level-… or cscore-…), Text is written on the
	// tile and Aria is its accessible name.
	Class, Text, Aria string
}

// legendItem is one swatch of the map's legend.
type legendItem struct {
	Class, Label string
}

// criterionOption is an entry of the colour-by switch.
type criterionOption struct {
	Key, Title string
	Selected   bool
}

// sortColumn is a sortable header of the ranking table.
type sortColumn struct {
	Label string
	URL   string
	// AriaSort is "ascending" or "descending" on the sorted column, empty
	// elsewhere.
	AriaSort string
	// Next describes what following the link does, for screen readers.
	Next string
}

type nationalData struct {
	Tiles         []tile
	Rows, Cols    int
	Ranking       []nationalRow
	Legend        []legendItem
	LegendTitle   string
	Criteria      []criterionOption
	Criterion     *models.Criterion
	Sort, Dir     string
	Columns       map[string]sortColumn
	RubricVersion int
	Upcoming      []upcomingItem
}

// nationalRow is a line of the ranking table with, when the map is
// coloured by a criterion, that criterion's result.
type nationalRow struct {
	rankRow
	CriterionClass, CriterionText string
}

// upcomingItem is an entry of the nationwide "next chances" list.
type upcomingItem struct {
	models.Activity
	StateName string
	// Open is a comment period that has opened and not yet closed;
	// DaysLeft counts the days, rounded up, until it closes.
	Open     bool
	DaysLeft int
}

// The ranking table's sort keys. Each has its natural direction, used when
// the request names none; an unknown key or direction falls back to the
// default (score, best first) rather than refusing the page, since the
// links are the only way a reader sets them.
var sortDefaults = map[string]string{"score": "desc", "name": "asc", "coverage": "desc", "updated": "desc"}

const defaultSort = "score"

// nationalQuery is the query of the national page.
type nationalQuery struct {
	Criterion string `form:"criterion"`
	Sort      string `form:"sort"`
	Dir       string `form:"dir"`
}

func (h *Handler) nationalPage(c *gin.Context) {
	ctx := c.Request.Context()
	lang := langOf(c)
	var q nationalQuery
	if err := c.ShouldBindQuery(&q); err != nil {
		h.renderError(c, http.StatusBadRequest, "error.bad_request.title", "error.bad_request.message")
		return
	}
	rubric, err := h.store.CurrentRubricIn(ctx, lang)
	if err != nil {
		h.pageErr(c, err)
		return
	}
	d := nationalData{RubricVersion: rubric.Version}
	var scores map[string]models.CriterionScore
	if q.Criterion != "" {
		crit, ok := rubric.Criterion(q.Criterion)
		if !ok {
			h.renderError(c, http.StatusBadRequest, "error.criterion.title", "error.criterion.message", rubric.Version, q.Criterion)
			return
		}
		d.Criterion = &crit
		if scores, err = h.store.CriterionScores(ctx, rubric.Version, crit.Key, models.Published); err != nil {
			h.pageErr(c, err)
			return
		}
	}
	d.Criteria = append(d.Criteria, criterionOption{Title: tr(lang, "national.overall_level"), Selected: d.Criterion == nil})
	for _, cr := range rubric.Criteria {
		d.Criteria = append(d.Criteria, criterionOption{Key: cr.Key, Title: cr.Title, Selected: cr.Key == q.Criterion})
	}

	sums, err := h.store.ScoreSummaries(ctx, rubric.Version, models.Published)
	if err != nil {
		h.pageErr(c, err)
		return
	}
	names := map[string]string{}
	demo := false
	for _, s := range sums {
		t := tile{ScoreSummary: s, Row: s.TileRow + 1, Col: s.TileCol + 1}
		if d.Criterion == nil {
			t.Class, t.Text = "level-"+string(s.Level), labelIn(lang, s.Level)
			// The accessible name holds the tile's visible text, code
			// and level, word for word (WCAG 2.5.3, label in name).
			t.Aria = s.Name + ", " + s.Code + " " + t.Text
			if s.Overall != nil {
				t.Aria += tr(lang, "national.out_of_100", *s.Overall)
			}
		} else {
			cs, scored := scores[s.Code]
			t.Class, t.Text = criterionFill(lang, cs, scored)
			t.Aria = s.Name + ", " + s.Code + " " + t.Text + tr(lang, "national.for_criterion", d.Criterion.Title)
			if spoken := criterionSpoken(lang, cs, scored); !strings.HasPrefix(spoken, strings.ToLower(t.Text)) {
				t.Aria += " (" + spoken + ")" // "N/A (not applicable)"
			}
		}
		d.Tiles = append(d.Tiles, t)
		d.Rows, d.Cols = max(d.Rows, s.TileRow+1), max(d.Cols, s.TileCol+1)
		names[s.Code] = s.Name
		demo = demo || s.Demo
	}
	if d.Criterion == nil {
		d.LegendTitle = tr(lang, "national.overall_level")
		for _, l := range models.Levels {
			d.Legend = append(d.Legend, legendItem{Class: "level-" + string(l), Label: labelIn(lang, l)})
		}
	} else {
		d.LegendTitle = d.Criterion.Title
		for _, li := range criterionLegend {
			d.Legend = append(d.Legend, legendItem{Class: li.Class, Label: tr(lang, li.Label)})
		}
	}

	d.Sort, d.Dir = q.Sort, q.Dir
	if _, ok := sortDefaults[d.Sort]; !ok {
		d.Sort, d.Dir = defaultSort, sortDefaults[defaultSort]
	}
	if d.Dir != "asc" && d.Dir != "desc" {
		d.Dir = sortDefaults[d.Sort]
	}
	d.Columns = sortColumns(lang, d.Sort, d.Dir, q.Criterion)
	for _, r := range sortRanking(rank(sums), d.Sort, d.Dir) {
		row := nationalRow{rankRow: r}
		if d.Criterion != nil {
			cs, scored := scores[r.Code]
			row.CriterionClass, row.CriterionText = criterionFill(lang, cs, scored)
		}
		d.Ranking = append(d.Ranking, row)
	}

	upcoming, err := h.upcoming(ctx, "", 8)
	if err != nil {
		h.pageErr(c, err)
		return
	}
	now := h.opts.Now()
	for _, a := range upcoming {
		item := upcomingItem{Activity: a, StateName: names[a.Jurisdiction]}
		item.Open, item.DaysLeft = commentWindow(a, now)
		d.Upcoming = append(d.Upcoming, item)
	}
	title := tr(lang, "national.title")
	if d.Criterion != nil {
		title = tr(lang, "national.title_criterion", d.Criterion.Title)
	}
	h.render(c, http.StatusOK, "national", page{Title: title, Demo: demo, Data: d})
}

// criterionLegend is the key of the map coloured by a criterion: the 0–4
// scores on the level palette's blue ramp (4 darkest, like exemplary), then
// the three results without a number, each drawn differently so no reader
// needs colour to tell them apart.
// Labels are catalog keys.
var criterionLegend = []legendItem{
	{"cscore-4", "cscore.4"}, {"cscore-3", "cscore.3"}, {"cscore-2", "cscore.2"}, {"cscore-1", "cscore.1"}, {"cscore-0", "cscore.0"},
	{"cscore-no_evidence", "cscore.no_evidence"}, {"cscore-not_applicable", "cscore.not_applicable_long"},
	{"cscore-not_scored", "cscore.not_scored"}, {"cscore-unscored", "cscore.unscored"},
}

// criterionFill is the class and tile text of a criterion result; scored is
// false when the jurisdiction has no score run at all.
func criterionFill(lang string, cs models.CriterionScore, scored bool) (class, text string) {
	switch {
	case !scored:
		return "cscore-unscored", tr(lang, "cscore.unscored")
	case cs.Status == models.StatusScored && cs.Score != nil:
		return fmt.Sprintf("cscore-%d", *cs.Score), tr(lang, fmt.Sprintf("cscore.%d", *cs.Score))
	case cs.Status == models.StatusNoEvidence:
		return "cscore-no_evidence", tr(lang, "cscore.no_evidence")
	case cs.Status == models.StatusNotApplicable:
		return "cscore-not_applicable", tr(lang, "cscore.not_applicable")
	}
	return "cscore-not_scored", tr(lang, "cscore.not_scored")
}

// criterionSpoken is criterionFill's text as a screen reader should say it.
func criterionSpoken(lang string, cs models.CriterionScore, scored bool) string {
	class, text := criterionFill(lang, cs, scored)
	switch class {
	case "cscore-not_applicable":
		return tr(lang, "cscore.not_applicable_spoken")
	case "cscore-no_evidence":
		return tr(lang, "cscore.no_evidence_spoken")
	}
	r := []rune(text)
	return strings.ToLower(string(r[:1])) + string(r[1:])
}

// commentWindow says whether a is a comment period open at now and, if so,
// how many days (rounded up) are left before it closes.
func commentWindow(a models.Activity, now time.Time) (open bool, daysLeft int) {
	if a.Type != models.TypeCommentPeriod || a.End == nil || !a.End.After(now) ||
		(a.Start != nil && a.Start.After(now)) {
		return false, 0
	}
	return true, int(math.Ceil(a.End.Sub(now).Hours() / 24))
}

// sortRanking orders the ranked rows by key and direction. Whatever the
// order, rows without a value for the key (unranked for score, no coverage,
// never updated) stay last, so the direction only reverses the comparable
// ones.
func sortRanking(rows []rankRow, key, dir string) []rankRow {
	if key == defaultSort && dir == "desc" {
		return rows // rank's own order
	}
	sign := 1
	if dir == "desc" {
		sign = -1
	}
	// nilLast compares two optional values, missing after present in
	// either direction.
	nilLast := func(aMissing, bMissing bool, cmpPresent func() int) int {
		switch {
		case aMissing && bMissing:
			return 0
		case aMissing:
			return 1
		case bMissing:
			return -1
		}
		return sign * cmpPresent()
	}
	out := slices.Clone(rows)
	slices.SortStableFunc(out, func(a, b rankRow) int {
		var c int
		switch key {
		case "name":
			c = sign * cmp.Compare(a.Name, b.Name)
		case "score":
			c = nilLast(a.Rank == 0, b.Rank == 0, func() int { return compareOverall(a.Overall, b.Overall) })
		case "coverage":
			c = nilLast(a.Coverage == nil, b.Coverage == nil, func() int { return cmp.Compare(*a.Coverage, *b.Coverage) })
		case "updated":
			c = nilLast(a.UpdatedAt == nil, b.UpdatedAt == nil, func() int { return a.UpdatedAt.Compare(*b.UpdatedAt) })
		}
		return cmp.Or(c, cmp.Compare(a.Name, b.Name))
	})
	return out
}

// sortColumns builds the ranking table's header links: a column already
// sorted links to the other direction, any other to its natural one, and
// every link keeps the chosen criterion.
func sortColumns(lang, key, dir, criterion string) map[string]sortColumn {
	labels := map[string]string{"score": tr(lang, "col.score"), "name": tr(lang, "col.state"),
		"coverage": tr(lang, "col.coverage"), "updated": tr(lang, "col.updated")}
	// AriaSort keeps the ARIA tokens; Next is read aloud.
	words := map[string]string{"asc": "ascending", "desc": "descending"}
	spoken := map[string]string{"asc": tr(lang, "sort.asc"), "desc": tr(lang, "sort.desc")}
	out := make(map[string]sortColumn, len(labels))
	for k, label := range labels {
		col := sortColumn{Label: label}
		next := sortDefaults[k]
		if k == key {
			col.AriaSort = words[dir]
			next = map[string]string{"asc": "desc", "desc": "asc"}[dir]
		}
		v := url.Values{}
		if criterion != "" {
			v.Set("criterion", criterion)
		}
		v.Set("sort", k)
		v.Set("dir", next)
		col.URL = localPath(lang, "/?"+v.Encode()+"#rank-h")
		col.Next = spoken[next]
		out[k] = col
	}
	return out
}

// searchData is the search results page.
type searchData struct {
	Query   string
	Matches []models.Jurisdiction
}

// search takes a reader from a state's name or postal code to its page:
// a code (any case) or a whole name (any case, accents ignored) goes
// straight there, as does a prefix or part of a name that only one
// jurisdiction has. Several candidates are listed; none is a 404 page with
// the search form again.
func (h *Handler) search(c *gin.Context) {
	lang := langOf(c)
	q := strings.TrimSpace(c.Query("q"))
	if q == "" {
		h.render(c, http.StatusOK, "search", page{Title: tr(lang, "search.title"), Data: searchData{}})
		return
	}
	js, err := h.store.Jurisdictions(c.Request.Context())
	if err != nil {
		h.pageErr(c, err)
		return
	}
	matches := matchJurisdictions(js, q)
	switch len(matches) {
	case 1:
		c.Redirect(http.StatusSeeOther, localPath(lang, "/states/"+matches[0].Code))
		c.Abort()
	case 0:
		h.render(c, http.StatusNotFound, "search", page{Title: tr(lang, "search.title_none", q), Data: searchData{Query: q}})
	default:
		h.render(c, http.StatusOK, "search", page{Title: tr(lang, "search.title_many", q), Data: searchData{Query: q, Matches: matches}})
	}
}

// matchJurisdictions returns the jurisdictions q names: the one whose code
// or whole name it is, else those whose name starts with it, else those
// with a word starting with it (so "carolina" finds both Carolinas).
func matchJurisdictions(js []models.Jurisdiction, q string) []models.Jurisdiction {
	key := foldName(q)
	if key == "" {
		return nil
	}
	var prefix, word []models.Jurisdiction
	for _, j := range js {
		name := foldName(j.Name)
		if strings.EqualFold(strings.ReplaceAll(key, " ", ""), j.Code) || name == key {
			return []models.Jurisdiction{j}
		}
		if strings.HasPrefix(name, key) {
			prefix = append(prefix, j)
		} else if strings.Contains(" "+name, " "+key) {
			word = append(word, j)
		}
	}
	if len(prefix) > 0 {
		return prefix
	}
	return word
}

// foldName lower-cases s, drops accents and punctuation, and collapses
// spaces, so "Nuevo  México", "new mexico" and "D.C." compare as typed.
func foldName(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		if base, ok := accentFold[r]; ok {
			r = base
		}
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		case unicode.IsSpace(r) || r == '-' || r == '_':
			space = true
		}
	}
	return b.String()
}

// accentFold maps the accented Latin letters a reader might type for a
// state's name (Spanish and French spellings mostly) to their base letter.
var accentFold = func() map[rune]rune {
	m := map[rune]rune{}
	for base, accented := range map[rune]string{
		'a': "áàâäãåā", 'e': "éèêëē", 'i': "íìîïī", 'o': "óòôöõō", 'u': "úùûüū",
		'n': "ñ", 'c': "ç", 'y': "ýÿ",
	} {
		for _, r := range accented {
			m[r] = base
		}
	}
	return m
}()

// aboutData is the about page: what to cite and when it was read.
type aboutData struct {
	RubricVersion int
	Accessed      string
	// URL is the site's home page and StateURL a state page's pattern,
	// in the page's language.
	URL, StateURL string
}

func (h *Handler) aboutPage(c *gin.Context) {
	rubric, err := h.store.CurrentRubric(c.Request.Context())
	if err != nil {
		h.pageErr(c, err)
		return
	}
	scheme := "http"
	if c.Request.TLS != nil || c.GetHeader("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	lang := langOf(c)
	d := aboutData{RubricVersion: rubric.Version, Accessed: longDate(lang, h.opts.Now().UTC()),
		URL: scheme + "://" + c.Request.Host + localPath(lang, "/"), StateURL: scheme + "://" + c.Request.Host + localPath(lang, "/states/XX")}
	h.render(c, http.StatusOK, "about", page{Title: tr(lang, "about.title"), Data: d})
}
