package handlers

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"heard/models"
)

// jurisdictionJSON is a jurisdiction with its latest score, as the API shows it.
type jurisdictionJSON struct {
	models.ScoreSummary
	LevelLabel string `json:"level_label"`
}

func summaryJSON(s models.ScoreSummary) jurisdictionJSON {
	return jurisdictionJSON{ScoreSummary: s, LevelLabel: s.Level.Label()}
}

func (h *Handler) listJurisdictions(c *gin.Context) {
	ctx := c.Request.Context()
	rubric, err := h.store.CurrentRubric(ctx)
	if err != nil {
		h.respondErr(c, err)
		return
	}
	sums, err := h.store.ScoreSummaries(ctx, rubric.Version, models.Published)
	if err != nil {
		h.respondErr(c, err)
		return
	}
	out := make([]jurisdictionJSON, len(sums))
	for i, s := range sums {
		out[i] = summaryJSON(s)
	}
	respondList(c, out, listMeta{Page: 1, PerPage: len(out), Total: len(out)})
}

// summaryFor returns one jurisdiction's summary under the current rubric.
func (h *Handler) summaryFor(ctx context.Context, code string) (models.ScoreSummary, models.Rubric, error) {
	rubric, err := h.store.CurrentRubric(ctx)
	if err != nil {
		return models.ScoreSummary{}, rubric, err
	}
	j, err := h.store.JurisdictionByCode(ctx, code)
	if err != nil {
		return models.ScoreSummary{}, rubric, err
	}
	sums, err := h.store.ScoreSummaries(ctx, rubric.Version, models.Published)
	if err != nil {
		return models.ScoreSummary{}, rubric, err
	}
	for _, s := range sums {
		if s.Code == j.Code {
			return s, rubric, nil
		}
	}
	return models.ScoreSummary{}, rubric, fmt.Errorf("jurisdiction %s: %w", code, models.ErrNotFound)
}

func (h *Handler) getJurisdiction(c *gin.Context) {
	sum, _, err := h.summaryFor(c.Request.Context(), c.Param("code"))
	if err != nil {
		h.respondErr(c, err)
		return
	}
	respondData(c, summaryJSON(sum))
}

// criterionJSON is one criterion of a scorecard, with the rubric's words.
type criterionJSON struct {
	models.CriterionScore
	Title         string `json:"title"`
	Weight        int    `json:"weight"`
	RubricVersion int    `json:"rubric_version"`
}

// scorecardJSON is a scorecard as the API shows it. ComputedAt is null and
// every criterion "not_scored" until the first score run.
type scorecardJSON struct {
	Jurisdiction  string     `json:"jurisdiction"`
	Name          string     `json:"name"`
	RubricVersion int        `json:"rubric_version"`
	ScoreRunID    *int64     `json:"score_run_id"`
	ComputedAt    *time.Time `json:"computed_at"`
	UpdatedAt     *time.Time `json:"updated_at"`
	// EvidenceThrough and Trigger say what the run was computed from and why.
	EvidenceThrough *time.Time      `json:"evidence_through"`
	Trigger         string          `json:"trigger"`
	Overall         *float64        `json:"overall"`
	Coverage        float64         `json:"coverage"`
	Level           models.Level    `json:"level"`
	LevelLabel      string          `json:"level_label"`
	EvidenceCount   int             `json:"evidence_count"`
	Demo            bool            `json:"demo"`
	Criteria        []criterionJSON `json:"criteria"`
	// Publication says when the scorecard was published and carries the
	// state agency's reply; null on an unpublished (draft) scorecard.
	Publication *models.Publication `json:"publication"`
}

// scorecard loads the scorecard of a jurisdiction that scope sees (the
// public sees the published one), or an unscored one when there is none.
func (h *Handler) scorecard(ctx context.Context, j models.Jurisdiction, rubric models.Rubric, scope models.Scope) (scorecardJSON, error) {
	card, err := h.store.Scorecard(ctx, j.Code, rubric.Version, scope)
	switch {
	case isNotFound(err):
		return h.cardJSON(j, rubric, nil), nil
	case err != nil:
		return scorecardJSON{}, err
	}
	return h.cardJSON(j, rubric, &card), nil
}

// cardJSON shows a score run with the rubric's words; a nil card is an
// unscored one, every criterion not scored.
func (h *Handler) cardJSON(j models.Jurisdiction, rubric models.Rubric, card *models.Scorecard) scorecardJSON {
	out := scorecardJSON{Jurisdiction: j.Code, Name: j.Name, RubricVersion: rubric.Version,
		Level: models.LevelUnscored, Criteria: make([]criterionJSON, 0, len(rubric.Criteria))}
	scores := map[string]models.CriterionScore{}
	if card != nil {
		out.ComputedAt, out.UpdatedAt = &card.ComputedAt, &card.ComputedAt
		out.ScoreRunID, out.EvidenceThrough, out.Trigger = &card.ScoreRunID, card.EvidenceThrough, card.Trigger
		out.Overall, out.Coverage, out.Level = card.Overall, card.Coverage, card.Level
		out.EvidenceCount, out.Demo, out.Publication = card.EvidenceCount, card.Demo, card.Publication
		for _, cs := range card.Criteria {
			scores[cs.Key] = cs
		}
	}
	out.LevelLabel = out.Level.Label()
	for _, cr := range rubric.Criteria {
		cs, ok := scores[cr.Key]
		if !ok {
			cs = models.CriterionScore{Key: cr.Key, Status: models.StatusNotScored, MachineStatus: models.StatusNotScored,
				EvidenceIDs: models.Int64List{}, Rationale: "Not scored yet."}
		}
		out.Criteria = append(out.Criteria, criterionJSON{CriterionScore: cs, Title: cr.Title, Weight: cr.Weight, RubricVersion: rubric.Version})
	}
	return out
}

// rubricFor returns the rubric version the request asks for in the query
// parameter param (?rubric_version=N), or the current one; it answers 400
// or 404 itself.
func (h *Handler) rubricFor(c *gin.Context, param string) (models.Rubric, bool) {
	ctx := c.Request.Context()
	var (
		rubric models.Rubric
		err    error
	)
	if v := c.Query(param); v != "" {
		n, convErr := strconv.Atoi(v)
		if convErr != nil || n < 1 || n > math.MaxInt32 {
			h.respondErr(c, &models.ValidationError{Fields: map[string]string{param: "must be a positive whole number"}})
			return rubric, false
		}
		rubric, err = h.store.RubricByVersion(ctx, n)
	} else {
		rubric, err = h.store.CurrentRubric(ctx)
	}
	if err != nil {
		h.respondErr(c, err)
		return rubric, false
	}
	return rubric, true
}

// jurisdictionAndRubric reads the :code of the path and the rubric version
// of the query, answering 400 or 404 itself.
func (h *Handler) jurisdictionAndRubric(c *gin.Context) (models.Jurisdiction, models.Rubric, bool) {
	j, err := h.store.JurisdictionByCode(c.Request.Context(), c.Param("code"))
	if err != nil {
		h.respondErr(c, err)
		return j, models.Rubric{}, false
	}
	rubric, ok := h.rubricFor(c, "rubric_version")
	return j, rubric, ok
}

func (h *Handler) getScorecard(c *gin.Context) {
	ctx := c.Request.Context()
	j, rubric, ok := h.jurisdictionAndRubric(c)
	if !ok {
		return
	}
	card, err := h.scorecard(ctx, j, rubric, models.Published)
	if err != nil {
		h.respondErr(c, err)
		return
	}
	respondData(c, card)
}

// historyPoint is one score run in a jurisdiction's score history.
type historyPoint struct {
	ScoreRunID      int64        `json:"score_run_id"`
	ComputedAt      time.Time    `json:"computed_at"`
	Overall         *float64     `json:"overall"`
	Coverage        float64      `json:"coverage"`
	Level           models.Level `json:"level"`
	EvidenceCount   int          `json:"evidence_count"`
	EvidenceThrough *time.Time   `json:"evidence_through"`
	Trigger         string       `json:"trigger"`
	RubricVersion   int          `json:"rubric_version"`
	Demo            bool         `json:"demo"`
}

// getHistory returns the series of a jurisdiction's score runs, oldest
// first, under the current or the requested rubric version.
func (h *Handler) getHistory(c *gin.Context) {
	ctx := c.Request.Context()
	j, rubric, ok := h.jurisdictionAndRubric(c)
	if !ok {
		return
	}
	runs, err := h.store.ScoreHistory(ctx, j.Code, rubric.Version, models.Published)
	if err != nil {
		h.respondErr(c, err)
		return
	}
	out := make([]historyPoint, len(runs))
	for i, r := range runs {
		out[i] = historyPoint{ScoreRunID: r.ScoreRunID, ComputedAt: r.ComputedAt, Overall: r.Overall,
			Coverage: r.Coverage, Level: r.Level, EvidenceCount: r.EvidenceCount, EvidenceThrough: r.EvidenceThrough,
			Trigger: r.Trigger, RubricVersion: r.RubricVersion, Demo: r.Demo}
	}
	respondList(c, out, listMeta{Page: 1, PerPage: len(out), Total: len(out)})
}

// getOverrides lists every staff override of a jurisdiction's criteria,
// newest first, with its justification: the history behind each published
// score that differs from the machine's.
func (h *Handler) getOverrides(c *gin.Context) {
	ctx := c.Request.Context()
	j, rubric, ok := h.jurisdictionAndRubric(c)
	if !ok {
		return
	}
	list, err := h.store.Overrides(ctx, j.Code, rubric.Version)
	if err != nil {
		h.respondErr(c, err)
		return
	}
	respondList(c, list, listMeta{Page: 1, PerPage: len(list), Total: len(list)})
}

// pageQuery is the paging of list endpoints.
type pageQuery struct {
	Page    string `form:"page"`
	PerPage string `form:"per_page"`
}

// MaxPerPage caps per_page so one request cannot ask for the whole table.
const MaxPerPage = 200

// parse validates the paging parameters, naming each bad field.
func (q pageQuery) parse() (page, perPage int, err error) {
	page, perPage = 1, 50
	fields := map[string]string{}
	if q.Page != "" {
		n, convErr := strconv.Atoi(q.Page)
		if convErr != nil || n < 1 || n > 1_000_000 {
			fields["page"] = "must be a whole number from 1"
		}
		page = n
	}
	if q.PerPage != "" {
		n, convErr := strconv.Atoi(q.PerPage)
		if convErr != nil || n < 1 || n > MaxPerPage {
			fields["per_page"] = fmt.Sprintf("must be a whole number from 1 to %d", MaxPerPage)
		}
		perPage = n
	}
	if len(fields) > 0 {
		return 0, 0, &models.ValidationError{Fields: fields}
	}
	return page, perPage, nil
}

// listActivities lists the activities of every jurisdiction
// (GET /api/v1/activities, narrowed by ?state=) or of one
// (GET /api/v1/jurisdictions/:code/activities, where state is not read),
// filtered by activityQuery. Every bad parameter is named in one 400;
// parameters it does not know are ignored, as caches and trackers add their
// own. The order is stable for paging: newest start first, undated last,
// then id; with q, most relevant first, then id.
func (h *Handler) listActivities(c *gin.Context) {
	ctx := c.Request.Context()
	var q activityQuery
	if err := c.ShouldBindQuery(&q); err != nil {
		h.respondErr(c, &models.ValidationError{Fields: map[string]string{"query": "could not be read"}})
		return
	}
	filter, page, perPage, fields := q.parse(h.opts.Now())
	code := c.Param("code")
	if state := strings.TrimSpace(q.State); code == "" && state != "" {
		if !isPostalCode(state) {
			fields["state"] = stateMessage(q.State)
		} else if j, err := h.store.JurisdictionByCode(ctx, state); isNotFound(err) {
			fields["state"] = stateMessage(q.State)
		} else if err != nil {
			h.respondErr(c, err)
			return
		} else {
			filter.Jurisdiction = j.Code
		}
	}
	if len(fields) > 0 {
		h.respondErr(c, &models.ValidationError{Fields: fields})
		return
	}
	if code != "" {
		j, err := h.store.JurisdictionByCode(ctx, code)
		if err != nil {
			h.respondErr(c, err)
			return
		}
		filter.Jurisdiction = j.Code
	}
	acts, total, err := h.store.Activities(ctx, filter)
	if err != nil {
		h.respondErr(c, err)
		return
	}
	respondList(c, acts, listMeta{Page: page, PerPage: perPage, Total: total})
}

// activityID reads the :id parameter, answering 400 itself when it is bad.
func (h *Handler) activityID(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		h.respondErr(c, &models.ValidationError{Fields: map[string]string{"id": "must be a positive whole number"}})
		return 0, false
	}
	return id, true
}

func (h *Handler) getActivity(c *gin.Context) {
	id, ok := h.activityID(c)
	if !ok {
		return
	}
	a, err := h.store.ActivityByID(c.Request.Context(), id)
	if err == nil && !h.mayShow(c, a) {
		err = models.ErrNotFound
	}
	if err != nil {
		h.respondErr(c, err)
		return
	}
	respondData(c, a)
}

// mayShow reports whether the request may see the activity: anyone, unless
// it is a report from the public staff have not accepted, or staff deleted
// it; those only staff see, privately.
func (h *Handler) mayShow(c *gin.Context, a models.Activity) bool {
	if !a.Withheld() && a.DeletedAt == nil {
		return true
	}
	if _, staff, _ := h.currentUser(c); !staff {
		return false
	}
	c.Header("Cache-Control", "private, no-store")
	return true
}

// getActivityHistory lists what later scrapes changed in an activity:
// updates with the fields before and after, cancellations, restorations.
func (h *Handler) getActivityHistory(c *gin.Context) {
	id, ok := h.activityID(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	a, err := h.store.ActivityByID(ctx, id)
	if err == nil && !h.mayShow(c, a) {
		err = models.ErrNotFound
	}
	if err != nil {
		h.respondErr(c, err)
		return
	}
	hist, err := h.store.ActivityHistory(ctx, id)
	if err != nil {
		h.respondErr(c, err)
		return
	}
	respondList(c, hist, listMeta{Page: 1, PerPage: len(hist), Total: len(hist)})
}

// listSources lists the sources Heard reads, with their health, so anyone
// can see where the evidence comes from and which collectors are failing.
func (h *Handler) listSources(c *gin.Context) {
	ctx := c.Request.Context()
	code := c.Query("state")
	if code != "" {
		if _, err := h.store.JurisdictionByCode(ctx, code); err != nil {
			if isNotFound(err) {
				err = &models.ValidationError{Fields: map[string]string{"state": "must be the postal code of a state, DC or PR"}}
			}
			h.respondErr(c, err)
			return
		}
	}
	srcs, err := h.store.SourcesHealth(ctx, code)
	if err != nil {
		h.respondErr(c, err)
		return
	}
	respondList(c, srcs, listMeta{Page: 1, PerPage: len(srcs), Total: len(srcs)})
}

func (h *Handler) getRubric(c *gin.Context) {
	rubric, ok := h.rubricFor(c, "version")
	if !ok {
		return
	}
	respondData(c, rubric)
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// getSnapshot serves a stored body as evidence. The body is someone else's
// page: a sandboxing CSP and nosniff keep a browser from running it here.
func (h *Handler) getSnapshot(c *gin.Context) {
	key := c.Param("sha256")
	if !sha256Hex.MatchString(key) {
		h.respondErr(c, &models.ValidationError{Fields: map[string]string{"sha256": "must be 64 lower-case hex digits"}})
		return
	}
	ctx := c.Request.Context()
	snap, err := h.store.SnapshotBySHA256(ctx, key)
	if err != nil {
		h.respondErr(c, err)
		return
	}
	// Anyone can make Heard store a page by reporting it; what only
	// unaccepted reports point to is served to staff alone.
	cache := "public, max-age=31536000, immutable"
	withheld, err := h.store.SnapshotWithheld(ctx, key)
	if err != nil {
		h.respondErr(c, err)
		return
	}
	if withheld {
		if _, staff, _ := h.currentUser(c); !staff {
			h.respondErr(c, models.ErrNotFound)
			return
		}
		cache = "private, no-store"
	}
	c.Header("Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Cache-Control", cache)
	c.Header("ETag", `"`+snap.SHA256+`"`)
	c.Data(http.StatusOK, snap.MediaType, snap.Body)
}
