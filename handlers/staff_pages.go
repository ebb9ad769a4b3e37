package handlers

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"heard/models"
)

// The staff workspace is a set of English pages under /staff/ with their
// own layout. They read the store directly and write through the same JSON
// API scripts use (frontend/static/staff.js sends each form as JSON), so
// the browser and scripts share one set of checks and one audit trail.

// staffPage is what every staff template receives.
type staffPage struct {
	Title string
	User  *models.User
	Data  any
	// CanEdit and IsAdmin switch the forms a role may use.
	CanEdit, IsAdmin bool
	Nav              string
}

// parseStaffPages parses the staff layout and pages once.
func parseStaffPages() (pageSet, error) {
	funcs := maps.Clone(funcsFor("en"))
	funcs["join"] = func(l models.StringList) string { return strings.Join(l, ", ") }
	funcs["has"] = func(l models.StringList, v any) bool { return l.Has(fmt.Sprint(v)) }
	funcs["scoreOf"] = func(i *int) string {
		if i == nil {
			return "—"
		}
		return fmt.Sprint(*i)
	}
	funcs["vocab"] = func(name string) []string { return vocabulary(name) }
	funcs["list"] = func(xs ...string) []string { return xs }
	funcs["jsonText"] = func(b json.RawMessage) string { return string(b) }
	funcs["str"] = func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	return parseSet(funcs, "templates/staff/layout.html", "templates/staff/page_*.html")
}

// vocabulary lists the values of a controlled vocabulary for the
// correction form.
func vocabulary(name string) []string {
	var out []string
	switch name {
	case "types":
		for _, v := range models.ActivityTypes {
			out = append(out, string(v))
		}
	case "phases":
		for _, v := range models.PlanPhases {
			out = append(out, string(v))
		}
	case "groups":
		for _, v := range models.AudienceGroups {
			out = append(out, string(v))
		}
	case "features":
		for _, v := range models.Features {
			out = append(out, string(v))
		}
	case "statuses":
		out = []string{"scheduled", "held", "cancelled", "unknown"}
	case "languages":
		out = models.LanguageCodes()
	}
	return out
}

// renderStaff renders a staff page (or the agency's reply page, which
// shares the plain layout) with the logged-in user, if any.
func (h *Handler) renderStaff(c *gin.Context, status int, name, title string, data any) {
	t, ok := h.staffPages[name]
	if !ok {
		h.log.Error("missing staff template", "page", name)
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	c.Header("Cache-Control", "private, no-store")
	p := staffPage{Title: title, Data: data, Nav: name}
	if u, ok, _ := h.currentUser(c); ok {
		p.User = &u
		p.CanEdit = u.Role == models.RoleAdmin || u.Role == models.RoleEditor
		p.IsAdmin = u.Role == models.RoleAdmin
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		h.log.Error("render staff page", "page", name, "request_id", c.GetString(requestIDKey), "err", err)
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// requireStaffPage guards a staff page as requireRole guards the API: an
// anonymous visitor gets the login page (401), a user without the role a
// 403 page.
func (h *Handler) requireStaffPage(roles ...models.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		u, ok, err := h.currentUser(c)
		switch {
		case err != nil:
			h.staffPageErr(c, err)
			c.Abort()
		case !ok:
			h.renderStaff(c, http.StatusUnauthorized, "login", "Log in", loginData{Next: c.Request.URL.RequestURI()})
			c.Abort()
		case len(roles) > 0 && !slices.Contains(roles, u.Role):
			h.renderStaff(c, http.StatusForbidden, "message", "Not allowed",
				messageData{Heading: "Your role does not allow this", Text: "Ask an admin if you need it."})
			c.Abort()
		default:
			c.Next()
		}
	}
}

type loginData struct{ Next string }

type messageData struct{ Heading, Text string }

func (h *Handler) staffPageErr(c *gin.Context, err error) {
	var verr *models.ValidationError
	if errors.As(err, &verr) {
		h.renderStaff(c, http.StatusBadRequest, "message", "Bad request", messageData{Heading: "Bad request", Text: verr.Error()})
		return
	}
	if isNotFound(err) {
		h.renderStaff(c, http.StatusNotFound, "message", "Not found", messageData{Heading: "Not found", Text: "There is nothing at this address."})
		return
	}
	if models.IsUnavailable(err) {
		h.unavailable(c, err)
		h.renderStaff(c, http.StatusServiceUnavailable, "message", "Unavailable",
			messageData{Heading: "The database is briefly unavailable", Text: "Please try again in a few seconds."})
		return
	}
	h.log.Error("staff page failed", "path", c.Request.URL.Path, "request_id", c.GetString(requestIDKey), "err", err)
	h.renderStaff(c, http.StatusInternalServerError, "message", "Error", messageData{Heading: "Something went wrong", Text: "The error has been logged."})
}

// registerStaffPages adds the /staff/ pages.
func (h *Handler) registerStaffPages(r *gin.Engine) {
	r.GET("/staff/login", h.staffLogin)
	staff := r.Group("/staff", h.requireStaffPage())
	staff.GET("/", h.staffDashboard)
	staff.GET("/review", h.staffReviewPage)
	staff.GET("/activities/:id", h.staffActivityPage)
	staff.GET("/states/:code", h.staffStatePage)
	staff.GET("/sources", h.staffSourcesPage)
	staff.GET("/sources/:id", h.staffSourcePage)
	staff.GET("/audit", h.requireStaffPage(models.RoleAdmin), h.staffAuditPage)
}

func (h *Handler) staffLogin(c *gin.Context) {
	next := c.Query("next")
	if !strings.HasPrefix(next, "/staff/") || strings.HasPrefix(next, "//") {
		next = "/staff/"
	}
	h.renderStaff(c, http.StatusOK, "login", "Log in", loginData{Next: next})
}

// dashboardRow is one jurisdiction on the staff dashboard.
type dashboardRow struct {
	Draft     models.ScoreSummary
	Published models.ScoreSummary
	Review    *models.ScorecardReview
}

type dashboardData struct {
	Queue int
	Rows  []dashboardRow
}

func (h *Handler) staffDashboard(c *gin.Context) {
	ctx := c.Request.Context()
	rubric, err := h.store.CurrentRubric(ctx)
	if err != nil {
		h.staffPageErr(c, err)
		return
	}
	drafts, err := h.store.ScoreSummaries(ctx, rubric.Version, models.Draft)
	if err != nil {
		h.staffPageErr(c, err)
		return
	}
	published, err := h.store.ScoreSummaries(ctx, rubric.Version, models.Published)
	if err != nil {
		h.staffPageErr(c, err)
		return
	}
	open, err := h.store.OpenReviews(ctx)
	if err != nil {
		h.staffPageErr(c, err)
		return
	}
	_, queue, err := h.store.ReviewQueue(ctx, 1, 0)
	if err != nil {
		h.staffPageErr(c, err)
		return
	}
	d := dashboardData{Queue: queue}
	for i, s := range drafts {
		row := dashboardRow{Draft: s, Published: published[i]}
		if r, ok := open[s.Code]; ok {
			row.Review = &r
		}
		d.Rows = append(d.Rows, row)
	}
	h.renderStaff(c, http.StatusOK, "dashboard", "Staff workspace", d)
}

// pager is a staff list's place: the page shown and its neighbours (0
// when there is none).
type pager struct {
	Page, PerPage      int
	PrevPage, NextPage int
}

// pageOf reads ?page and ?per_page, answering 400 itself when they are bad.
func (h *Handler) pageOf(c *gin.Context) (pager, bool) {
	var q pageQuery
	_ = c.ShouldBindQuery(&q) // strings always bind; parse validates
	page, perPage, err := q.parse()
	if err != nil {
		h.staffPageErr(c, err)
		return pager{}, false
	}
	return pager{Page: page, PerPage: perPage}, true
}

// offset is where the page starts.
func (p pager) offset() int { return (p.Page - 1) * p.PerPage }

// of sets the neighbours once the list's total is known.
func (p pager) of(total int) pager {
	if p.Page > 1 {
		p.PrevPage = p.Page - 1
	}
	if p.Page*p.PerPage < total {
		p.NextPage = p.Page + 1
	}
	return p
}

type reviewPageData struct {
	pager
	Items []reviewItem
	Total int
}

func (h *Handler) staffReviewPage(c *gin.Context) {
	pg, ok := h.pageOf(c)
	if !ok {
		return
	}
	items, total, err := h.reviewQueue(c.Request.Context(), pg.Page, pg.PerPage)
	if err != nil {
		h.staffPageErr(c, err)
		return
	}
	d := reviewPageData{pager: pg.of(total), Items: items, Total: total}
	h.renderStaff(c, http.StatusOK, "review", "Review queue", d)
}

// maxAnnotatableText is how much of a snapshot's text the activity page
// shows for quoting; a longer text shows the passage around the activity.
const maxAnnotatableText = 200_000

// activityPageData is the staff activity page: the staff view of the
// record, the text its annotations quote, and the annotations.
type activityPageData struct {
	staffActivityJSON
	Snapshot    string
	Text        string
	Annotations []models.Annotation
}

func (h *Handler) staffActivityPage(c *gin.Context) {
	id, ok := h.pageID(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	d, err := h.staffActivity(c, id)
	if err != nil {
		h.staffPageErr(c, err)
		return
	}
	p := activityPageData{staffActivityJSON: d, Text: d.Passage}
	if len(d.Activity.Sources) > 0 {
		p.Snapshot = d.Activity.Sources[0].SnapshotSHA256
		snap, err := h.store.SnapshotBySHA256(ctx, p.Snapshot)
		if err != nil {
			h.staffPageErr(c, err)
			return
		}
		if len(snap.Text) <= maxAnnotatableText {
			p.Text = snap.Text
		}
	}
	if p.Annotations, err = h.store.Annotations(ctx, models.AnnotationFilter{ActivityIDs: []int64{id},
		IncludeStaff: true, IncludeDeleted: true}); err != nil {
		h.staffPageErr(c, err)
		return
	}
	h.renderStaff(c, http.StatusOK, "activity", d.Activity.Title, p)
}

type sourcesPageData struct {
	Sources []models.SourceOverview
	Total   int
	State   string
	Health  string
	pager
}

func (h *Handler) staffSourcesPage(c *gin.Context) {
	pg, ok := h.pageOf(c)
	if !ok {
		return
	}
	d := sourcesPageData{State: strings.ToUpper(c.Query("state")), Health: c.Query("health")}
	if d.Health != "" && !slices.Contains(models.SourceBadges, models.SourceBadge(d.Health)) {
		h.staffPageErr(c, &models.ValidationError{Fields: map[string]string{"health": "must be running, failing or disabled"}})
		return
	}
	var err error
	d.Sources, d.Total, err = h.store.SourcesOverview(c.Request.Context(), models.SourceFilter{Jurisdiction: d.State,
		Health: models.SourceBadge(d.Health), Limit: pg.PerPage, Offset: pg.offset()})
	if err != nil {
		h.staffPageErr(c, err)
		return
	}
	d.pager = pg.of(d.Total)
	h.renderStaff(c, http.StatusOK, "sources", "Sources", d)
}

type sourcePageData struct {
	Source   models.SourceOverview
	Settings string
	Runs     []models.ScrapeRun
	Fetches  []fetchJSON
	Total    int
}

func (h *Handler) staffSourcePage(c *gin.Context) {
	id, ok := h.pageID(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	var d sourcePageData
	var err error
	if d.Source, err = h.store.SourceOverviewByID(ctx, id); err != nil {
		h.staffPageErr(c, err)
		return
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, d.Source.Settings, "", "  ") == nil {
		d.Settings = pretty.String()
	}
	if d.Runs, err = h.store.ScrapeRunsBySource(ctx, id, sourceDetailRuns); err != nil {
		h.staffPageErr(c, err)
		return
	}
	fetches, total, err := h.store.FetchHistory(ctx, id, 50, 0)
	if err != nil {
		h.staffPageErr(c, err)
		return
	}
	d.Fetches, d.Total = fetchesJSON(fetches), total
	h.renderStaff(c, http.StatusOK, "source", cmp.Or(d.Source.Name, d.Source.URL), d)
}

// pageID reads the :id of a staff page, answering 404 itself.
func (h *Handler) pageID(c *gin.Context) (int64, bool) {
	var id int64
	if _, err := fmt.Sscan(c.Param("id"), &id); err != nil || id < 1 || fmt.Sprint(id) != c.Param("id") {
		h.staffPageErr(c, models.ErrNotFound)
		return 0, false
	}
	return id, true
}

type statePageData struct {
	staffScorecardJSON
	Rubric models.Rubric
}

func (h *Handler) staffStatePage(c *gin.Context) {
	d, err := h.staffScorecard(c)
	if err != nil {
		h.staffPageErr(c, err)
		return
	}
	rubric, err := h.store.CurrentRubric(c.Request.Context())
	if err != nil {
		h.staffPageErr(c, err)
		return
	}
	h.renderStaff(c, http.StatusOK, "state", d.Draft.Name, statePageData{staffScorecardJSON: d, Rubric: rubric})
}

type auditPageData struct {
	Entries []models.AuditEntry
	Total   int
	pager
}

func (h *Handler) staffAuditPage(c *gin.Context) {
	pg, ok := h.pageOf(c)
	if !ok {
		return
	}
	entries, total, err := h.store.AuditLog(c.Request.Context(), pg.PerPage, pg.offset())
	if err != nil {
		h.staffPageErr(c, err)
		return
	}
	d := auditPageData{pager: pg.of(total), Entries: entries, Total: total}
	h.renderStaff(c, http.StatusOK, "audit", "Audit log", d)
}
