package handlers

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"heard/frontend"
	"heard/models"
)

// pageSet maps a page name ("national") to its template, each a clone of the
// layout with the page's own blocks.
type pageSet map[string]*template.Template

var pageFuncs = template.FuncMap{
	"score": func(f *float64) string {
		if f == nil {
			return "—"
		}
		return fmt.Sprintf("%.0f", *f)
	},
	"pct": func(f float64) string { return fmt.Sprintf("%.0f%%", f) },
	"date": func(t *time.Time) string {
		if t == nil {
			return "date not given"
		}
		return t.Format("Jan 2, 2006")
	},
	"datetime": func(t *time.Time, allDay bool) string {
		if t == nil {
			return "date not given"
		}
		if allDay {
			return t.Format("Mon, Jan 2, 2006")
		}
		// AP style: "6:30 p.m."; Go's layout only knows "PM".
		clock := strings.NewReplacer("AM", "a.m.", "PM", "p.m.").Replace(t.Format("3:04 PM"))
		return t.Format("Mon, Jan 2, 2006, ") + clock + t.Format(" MST")
	},
	"stamp": func(t *time.Time) string {
		if t == nil {
			return "never"
		}
		return t.UTC().Format("Jan 2, 2006 15:04 UTC")
	},
	"iso": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format(time.RFC3339)
	},
	"label": func(v any) string {
		switch x := v.(type) {
		case models.ActivityType:
			return x.Label()
		case models.PlanPhase:
			return x.Label()
		case models.Level:
			return x.Label()
		case models.CriterionStatus:
			return strings.ReplaceAll(string(x), "_", " ")
		case string:
			return models.AudienceGroup(x).Label()
		}
		return fmt.Sprint(v)
	},
	"deint": func(i *int) int {
		if i == nil {
			return 0
		}
		return *i
	},
	"ptr": func(t time.Time) *time.Time { return &t },
	"deref": func(f *float64) float64 {
		if f == nil {
			return 0
		}
		return *f
	},
	"lang":  models.LanguageName,
	"lower": strings.ToLower,
	// apiReference is the API's operations, read from openapi.yaml once
	// at startup (api_reference.go).
	"apiReference": apiReference,
}

// parsePages parses the page templates once per language, each set with
// the template functions of its language (funcsFor).
func parsePages() (map[string]pageSet, error) {
	out := map[string]pageSet{}
	for _, l := range langs {
		set, err := parsePagesIn(l)
		if err != nil {
			return nil, err
		}
		out[l] = set
	}
	return out, nil
}

func parsePagesIn(lang string) (pageSet, error) {
	return parseSet(funcsFor(lang), "templates/layout.html", "templates/page_*.html")
}

// parseSet parses a layout and, for each page file matching glob, a clone
// of it with the page's blocks, named by the file (page_state.html is
// "state").
func parseSet(funcs template.FuncMap, layout, glob string) (pageSet, error) {
	base, err := template.New("layout").Funcs(funcs).ParseFS(frontend.FS, layout)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", layout, err)
	}
	files, err := fs.Glob(frontend.FS, glob)
	if err != nil {
		return nil, err
	}
	set := pageSet{}
	for _, f := range files {
		t, err := template.Must(base.Clone()).ParseFS(frontend.FS, f)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", f, err)
		}
		set[strings.TrimSuffix(strings.TrimPrefix(path.Base(f), "page_"), ".html")] = t
	}
	return set, nil
}

// page is what every template receives.
type page struct {
	Title string
	// Demo shows the demonstration-data banner.
	Demo bool
	Data any
	// Lang is the page's language; EnURL and EsURL are this page in
	// English and in Spanish (path and query), for the language switch
	// and the hreflang alternates.
	Lang         string
	EnURL, EsURL string
}

// render executes into a buffer first so a template error becomes a clean
// 500 page rather than half a page.
func (h *Handler) render(c *gin.Context, status int, name string, p page) {
	lang := langOf(c)
	t, ok := h.pages[lang][name]
	if !ok {
		h.log.Error("missing page template", "page", name)
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	p.Demo = p.Demo || h.opts.Demo || h.servesDemoData(c.Request.Context())
	p.Lang = lang
	en := englishPath(c.Request.URL.Path)
	if q := c.Request.URL.RawQuery; q != "" {
		en += "?" + q
	}
	p.EnURL, p.EsURL = en, localPath("es", en)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		h.log.Error("render page", "page", name, "request_id", c.GetString(requestIDKey), "err", err)
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// servesDemoData reports whether any demo source is enabled, so that every
// page, not only those showing a scorecard, says the data is demonstration
// data. It is asked once per render and is an index-only lookup.
func (h *Handler) servesDemoData(ctx context.Context) bool {
	if h.store == nil {
		return false // a handler built for routing tests alone
	}
	demo, err := h.store.HasDemoSources(ctx)
	if err != nil {
		h.log.Warn("check for demo data", "err", err)
	}
	return demo
}

// renderError renders the error page; title and message are catalog keys,
// message formatted with args.
func (h *Handler) renderError(c *gin.Context, status int, title, message string, args ...any) {
	lang := langOf(c)
	h.render(c, status, "error", page{Title: tr(lang, title), Data: map[string]any{"Status": status, "Message": tr(lang, message, args...)}})
	c.Abort()
}

// pageErr renders the error page matching err.
func (h *Handler) pageErr(c *gin.Context, err error) {
	if isNotFound(err) {
		h.renderError(c, http.StatusNotFound, "error.no_state.title", "error.no_state.message")
		return
	}
	if models.IsUnavailable(err) {
		h.unavailable(c, err)
		h.renderError(c, http.StatusServiceUnavailable, "error.unavailable.title", "error.unavailable.message")
		return
	}
	h.log.Error("page failed", "path", c.Request.URL.Path, "request_id", c.GetString(requestIDKey), "err", err)
	h.renderError(c, http.StatusInternalServerError, "error.internal.title", "error.internal.message")
}

// The national page, the search and the about page are in national.go.

// rankRow is a line of the ranking table; Rank is 0 for a jurisdiction
// without a level, whose total rests on too little evidence to compare.
type rankRow struct {
	models.ScoreSummary
	Rank int
}

// rank orders jurisdictions with a level by overall score, best first, and
// puts those with insufficient evidence or no score after them, unranked.
func rank(sums []models.ScoreSummary) []rankRow {
	ranked := func(s models.ScoreSummary) bool {
		return s.Level != models.LevelInsufficient && s.Level != models.LevelUnscored
	}
	rows := make([]rankRow, len(sums))
	for i, s := range sums {
		rows[i] = rankRow{ScoreSummary: s}
	}
	slices.SortStableFunc(rows, func(a, b rankRow) int {
		if ra, rb := ranked(a.ScoreSummary), ranked(b.ScoreSummary); ra != rb {
			if ra {
				return -1
			}
			return 1
		}
		return compareOverall(b.Overall, a.Overall)
	})
	for i := range rows {
		if ranked(rows[i].ScoreSummary) {
			rows[i].Rank = i + 1
		}
	}
	return rows
}

// compareOverall orders scores with unscored (nil) below every score.
func compareOverall(a, b *float64) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	case *a < *b:
		return -1
	case *a > *b:
		return 1
	}
	return 0
}

// upcoming returns the next activities that have not started (or, for a
// comment period, not closed), soonest first.
func (h *Handler) upcoming(ctx context.Context, code string, limit int) ([]models.Activity, error) {
	// The database keeps only what is still open; the soonest come first.
	out, _, err := h.store.Activities(ctx, models.ActivityFilter{Jurisdiction: code, Upcoming: true, Now: h.opts.Now()})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b models.Activity) int { return activityWhen(a).Compare(activityWhen(b)) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func activityWhen(a models.Activity) time.Time {
	if a.Start != nil {
		return *a.Start
	}
	if a.End != nil {
		return *a.End
	}
	return time.Time{}
}

// criterionView is a criterion of the state page with its evidence.
type criterionView struct {
	Criterion models.Criterion
	Score     criterionJSON
	Anchor    string
	// Evidence is the first evidenceShown of the activities the score
	// rests on; EvidenceTotal counts them all.
	Evidence      []activityView
	EvidenceTotal int
}

// The state page lists at most this many activities per criterion and per
// plan phase, so that it stays a page however much is collected; the rest
// are one link away (the activities JSON, the exports).
const (
	evidenceShown = 12
	phaseShown    = 25
)

type phaseGroup struct {
	Phase      models.PlanPhase
	Activities []activityView
	// Total counts the phase's activities, of which Activities are the
	// most recent phaseShown.
	Total int
}

// activityView is an activity of the state page with the public notes
// staff have made on passages of its evidence.
type activityView struct {
	models.Activity
	Notes []models.Annotation
}

type stateData struct {
	Summary  models.ScoreSummary
	Card     scorecardJSON
	Criteria []criterionView
	Phases   []phaseGroup
	Upcoming []chance
	Sources  []models.SourceHealth
	Total    int
	Now      time.Time
	TimeZone string
	Share    shareLinks
}

func (h *Handler) statePage(c *gin.Context) {
	ctx := c.Request.Context()
	code := c.Param("code")
	if code != strings.ToUpper(code) {
		c.Redirect(http.StatusMovedPermanently, localPath(langOf(c), "/states/"+models.NormalizeCode(code)))
		return
	}
	sum, rubric, err := h.summaryFor(ctx, code)
	if err != nil {
		h.pageErr(c, err)
		return
	}
	card, err := h.scorecard(ctx, sum.Jurisdiction, rubric, models.Published)
	if err != nil {
		h.pageErr(c, err)
		return
	}
	// Only what the page lists is loaded: the most recent of each phase
	// and the first evidence of each criterion, however many a state has.
	var acts []models.Activity
	phaseTotals := map[models.PlanPhase]int{}
	total := 0
	for _, p := range models.PlanPhases {
		list, n, err := h.store.Activities(ctx, models.ActivityFilter{Jurisdiction: sum.Code,
			Phases: []models.PlanPhase{p}, Limit: phaseShown})
		if err != nil {
			h.pageErr(c, err)
			return
		}
		acts, phaseTotals[p], total = append(acts, list...), n, total+n
	}
	var evidenceIDs []int64
	for _, cs := range card.Criteria {
		evidenceIDs = append(evidenceIDs, cs.EvidenceIDs[:min(len(cs.EvidenceIDs), evidenceShown)]...)
	}
	if len(evidenceIDs) > 0 {
		evidence, _, err := h.store.Activities(ctx, models.ActivityFilter{Jurisdiction: sum.Code, IDs: evidenceIDs})
		if err != nil {
			h.pageErr(c, err)
			return
		}
		acts = append(acts, evidence...)
	}
	notes, err := h.publicNotes(ctx, acts)
	if err != nil {
		h.pageErr(c, err)
		return
	}
	byID := make(map[int64]activityView, len(acts))
	byPhase := map[models.PlanPhase][]activityView{}
	for _, a := range acts {
		if _, seen := byID[a.ID]; seen {
			continue
		}
		v := activityView{Activity: a, Notes: notes[a.ID]}
		byID[a.ID] = v
		if len(byPhase[a.Phase]) < phaseShown && a.Phase.Valid() {
			byPhase[a.Phase] = append(byPhase[a.Phase], v)
		}
	}
	d := stateData{Summary: sum, Card: card, Total: total, Now: h.opts.Now(), TimeZone: sum.TimeZone}
	lang := langOf(c)
	if lang != "en" {
		// The criteria's texts in the page's language; the scores are
		// the same rubric version's.
		if rubric, err = h.store.RubricIn(ctx, rubric.Version, lang); err != nil {
			h.pageErr(c, err)
			return
		}
		d.Card.LevelLabel = labelIn(lang, sum.Level)
	}
	for i, cs := range card.Criteria {
		cv := criterionView{Criterion: rubric.Criteria[i], Score: cs}
		if cs.Score != nil && *cs.Score < len(cv.Criterion.Anchors) {
			cv.Anchor = cv.Criterion.Anchors[*cs.Score]
		}
		// Every evidence id counts (the score rests on them all); the
		// first few are listed, those still public.
		cv.EvidenceTotal = len(cs.EvidenceIDs)
		for _, id := range cs.EvidenceIDs[:min(len(cs.EvidenceIDs), evidenceShown)] {
			if a, ok := byID[id]; ok {
				cv.Evidence = append(cv.Evidence, a)
			}
		}
		d.Criteria = append(d.Criteria, cv)
	}
	for _, p := range models.PlanPhases {
		if n := phaseTotals[p]; n > 0 {
			d.Phases = append(d.Phases, phaseGroup{Phase: p, Activities: byPhase[p], Total: n})
		}
	}
	upcoming, err := h.upcoming(ctx, sum.Code, 20)
	if err != nil {
		h.pageErr(c, err)
		return
	}
	d.Upcoming = chances(lang, upcoming, sum.Location(), d.Now)
	d.Share = h.shareLinks(c, sum)
	if lang != "en" {
		// The page links to itself in its language; the badge image and
		// the embed snippets stay English for now.
		d.Share.URL = h.origin(c) + localPath(lang, "/states/"+sum.Code)
		d.Share.BadgeAlt = sum.Name + ": " + labelIn(lang, sum.Level)
		if sum.Overall != nil {
			d.Share.BadgeAlt += fmt.Sprintf(", %.0f/100", *sum.Overall)
		}
	}
	if d.Sources, err = h.store.SourcesHealth(ctx, sum.Code); err != nil {
		h.pageErr(c, err)
		return
	}
	h.render(c, http.StatusOK, "state", page{Title: tr(lang, "state.title", sum.Name), Demo: sum.Demo, Data: d})
}

// publicNotes loads the public annotations of the page's activities in
// one query, by activity.
func (h *Handler) publicNotes(ctx context.Context, acts []models.Activity) (map[int64][]models.Annotation, error) {
	ids := make([]int64, len(acts))
	for i, a := range acts {
		ids[i] = a.ID
	}
	list, err := h.store.Annotations(ctx, models.AnnotationFilter{ActivityIDs: ids})
	if err != nil {
		return nil, err
	}
	return models.AnnotationsByActivity(list), nil
}

type methodologyData struct {
	Rubric      models.Rubric
	Versions    []models.Rubric
	Levels      []models.Level
	MinCoverage float64
	// NoTribes are the jurisdictions where the tribal criterion does not
	// apply.
	NoTribes []models.Jurisdiction
}

func (h *Handler) methodologyPage(c *gin.Context) {
	ctx := c.Request.Context()
	rubric, err := h.store.CurrentRubricIn(ctx, langOf(c))
	if err != nil {
		h.pageErr(c, err)
		return
	}
	versions, err := h.store.RubricVersions(ctx)
	if err != nil {
		h.pageErr(c, err)
		return
	}
	js, err := h.store.Jurisdictions(ctx)
	if err != nil {
		h.pageErr(c, err)
		return
	}
	d := methodologyData{Rubric: rubric, Versions: versions, Levels: models.Levels, MinCoverage: models.MinCoverage}
	for _, j := range js {
		if !j.FederallyRecognizedTribes {
			d.NoTribes = append(d.NoTribes, j)
		}
	}
	h.render(c, http.StatusOK, "methodology", page{Title: tr(langOf(c), "nav.methodology"), Data: d})
}
