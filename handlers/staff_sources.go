package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"heard/models"
)

// SourceRunner runs one source now, as a scheduled run would, and returns
// the run as stored. An error with a run that has an id is a run that
// failed and was recorded as failed; one without is a run that never
// started (an unknown source answers models.ErrNotFound).
type SourceRunner func(ctx context.Context, sourceID int64) (models.ScrapeRun, error)

// SettingsChecker says what is wrong with a source's extraction settings
// for a source of the kind, keyed by setting name ("" for the whole), as
// scrapers.CheckSettings does; empty means a run can read them.
type SettingsChecker func(kind models.SourceKind, settings []byte) map[string]string

// Source detail pages show this many of the latest runs and fetches.
const (
	sourceDetailRuns    = 20
	sourceDetailFetches = 20
)

// maxSourcePatch bounds the body of a source edit: settings are a few
// selectors and patterns, never kilobytes.
const maxSourcePatch = 64 << 10

// fetchJSON is a fetch as staff see it, with a link to the body it read
// when that body was kept.
type fetchJSON struct {
	models.Fetch
	SnapshotURL *string `json:"snapshot_url"`
}

func fetchesJSON(fs []models.Fetch) []fetchJSON {
	out := make([]fetchJSON, len(fs))
	for i, f := range fs {
		out[i] = fetchJSON{Fetch: f}
		if f.SHA256 != nil {
			link := "/api/v1/snapshots/" + *f.SHA256
			out[i].SnapshotURL = &link
		}
	}
	return out
}

// sourceDetailJSON is the answer of GET /api/v1/staff/sources/{id}.
type sourceDetailJSON struct {
	Source      models.SourceOverview `json:"source"`
	Runs        []models.ScrapeRun    `json:"runs"`
	Fetches     []fetchJSON           `json:"fetches"`
	FetchesMeta listMeta              `json:"fetches_meta"`
}

// sourceRunJSON is the answer of POST /api/v1/staff/sources/{id}/run.
type sourceRunJSON struct {
	Run    models.ScrapeRun      `json:"run"`
	Source models.SourceOverview `json:"source"`
}

// pathID reads the :id parameter, answering 400 itself when it is bad.
func (h *Handler) pathID(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		h.respondErr(c, &models.ValidationError{Fields: map[string]string{"id": "must be a positive whole number"}})
		return 0, false
	}
	return id, true
}

// listStaffSources lists sources with their settings, schedule, badge and
// latest run, filtered by ?state and ?health and paged.
func (h *Handler) listStaffSources(c *gin.Context) {
	ctx := c.Request.Context()
	fields := map[string]string{}
	page, perPage, err := pageQuery{Page: c.Query("page"), PerPage: c.Query("per_page")}.parse()
	var invalid *models.ValidationError
	if errors.As(err, &invalid) {
		maps.Copy(fields, invalid.Fields)
	}
	f := models.SourceFilter{Jurisdiction: c.Query("state"), Health: models.SourceBadge(c.Query("health")),
		Limit: perPage, Offset: (page - 1) * perPage}
	if f.Health != "" && !slices.Contains(models.SourceBadges, f.Health) {
		fields["health"] = "must be running, failing or disabled"
	}
	if f.Jurisdiction != "" {
		_, err := h.store.JurisdictionByCode(ctx, f.Jurisdiction)
		switch {
		case isNotFound(err):
			fields["state"] = "must be the postal code of a state, DC or PR"
		case err != nil:
			h.respondErr(c, err)
			return
		}
	}
	if len(fields) > 0 {
		h.respondErr(c, &models.ValidationError{Fields: fields})
		return
	}
	srcs, total, err := h.store.SourcesOverview(ctx, f)
	if err != nil {
		h.respondErr(c, err)
		return
	}
	respondList(c, srcs, listMeta{Page: page, PerPage: perPage, Total: total})
}

// getStaffSource answers one source with its badge, its latest runs and
// the first page of its fetch history.
func (h *Handler) getStaffSource(c *gin.Context) {
	id, ok := h.pathID(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	src, err := h.store.SourceOverviewByID(ctx, id)
	if err != nil {
		h.respondErr(c, err)
		return
	}
	runs, err := h.store.ScrapeRunsBySource(ctx, id, sourceDetailRuns)
	if err != nil {
		h.respondErr(c, err)
		return
	}
	fetches, total, err := h.store.FetchHistory(ctx, id, sourceDetailFetches, 0)
	if err != nil {
		h.respondErr(c, err)
		return
	}
	respondData(c, sourceDetailJSON{Source: src, Runs: runs, Fetches: fetchesJSON(fetches),
		FetchesMeta: listMeta{Page: 1, PerPage: sourceDetailFetches, Total: total}})
}

// listStaffSourceFetches pages through a source's fetch history, newest
// first.
func (h *Handler) listStaffSourceFetches(c *gin.Context) {
	id, ok := h.pathID(c)
	if !ok {
		return
	}
	page, perPage, ok := h.paging(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	// An unknown source is a 404, not an empty history.
	if _, err := h.store.SourceByID(ctx, id); err != nil {
		h.respondErr(c, err)
		return
	}
	fetches, total, err := h.store.FetchHistory(ctx, id, perPage, (page-1)*perPage)
	if err != nil {
		h.respondErr(c, err)
		return
	}
	respondList(c, fetchesJSON(fetches), listMeta{Page: page, PerPage: perPage, Total: total})
}

// sourcePatch is the body of PATCH /api/v1/staff/sources/{id}; absent
// fields are left as they are.
type sourcePatch struct {
	Name                 *string         `json:"name"`
	Settings             json.RawMessage `json:"settings"`
	FetchIntervalSeconds *int64          `json:"fetch_interval_seconds"`
	Enabled              *bool           `json:"enabled"`
	Verified             *bool           `json:"verified"`
}

const sourcePatchFields = "name, settings, fetch_interval_seconds, enabled and verified"

// decodeSourcePatch reads the body strictly: a misspelt field must not be
// taken for an edit that changes nothing.
func decodeSourcePatch(c *gin.Context) (sourcePatch, error) {
	var req sourcePatch
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxSourcePatch))
	if err != nil {
		return req, &models.ValidationError{Fields: map[string]string{"body": fmt.Sprintf("must be at most %d bytes", maxSourcePatch)}}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err = dec.Decode(&req)
	if err == nil && dec.More() {
		err = errors.New("trailing data")
	}
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		return req, nil
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return req, &models.ValidationError{Fields: map[string]string{typeErr.Field: "must be " + jsonTypeName(typeErr.Field)}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return req, &models.ValidationError{Fields: map[string]string{name: "is not a field of a source: send any of " + sourcePatchFields}}
	}
	return req, &models.ValidationError{Fields: map[string]string{"body": "must be a JSON object with any of " + sourcePatchFields}}
}

// jsonTypeName says what type a field of sourcePatch takes.
func jsonTypeName(field string) string {
	switch field {
	case "name":
		return "a string"
	case "fetch_interval_seconds":
		return "a whole number of seconds"
	case "enabled", "verified":
		return "true or false"
	}
	return "a JSON object"
}

// patchStaffSource edits a source: its name, settings (checked as a run
// will read them), interval, enabled and verified flags, with the audit
// entry of the change in the same transaction.
func (h *Handler) patchStaffSource(c *gin.Context) {
	id, ok := h.pathID(c)
	if !ok {
		return
	}
	req, err := decodeSourcePatch(c)
	if err != nil {
		h.respondErr(c, err)
		return
	}
	if req.Settings != nil && h.opts.CheckSettings == nil {
		// Settings that were never checked could break every run.
		respondError(c, http.StatusServiceUnavailable, "unavailable",
			"This server cannot check source settings, so it does not change them.", nil)
		return
	}
	user, _, _ := h.currentUser(c)
	ctx := c.Request.Context()
	u := models.SourceUpdate{Name: req.Name, Settings: req.Settings, FetchIntervalSec: req.FetchIntervalSeconds,
		Enabled: req.Enabled, Verified: req.Verified, CheckSettings: h.opts.CheckSettings}
	var out models.SourceOverview
	err = h.store.InTx(ctx, func(tx *models.Store) error {
		before, after, err := tx.UpdateSource(ctx, id, u)
		if err != nil {
			return err
		}
		if err := tx.AppendAudit(ctx, user, "source.update", sourceTarget(id), before, after); err != nil {
			return err
		}
		out, err = tx.SourceOverviewByID(ctx, id)
		return err
	})
	if err != nil {
		h.respondErr(c, err)
		return
	}
	respondData(c, out)
}

func sourceTarget(id int64) string { return fmt.Sprintf("source/%d", id) }

// runStaffSource runs an enabled source now and answers the run, failed
// or not, with the source as it stands after it. The run keeps its own
// transactions, so that a failed run is on record however it ends; its
// audit entry follows it, and is written even if the client has gone.
func (h *Handler) runStaffSource(c *gin.Context) {
	id, ok := h.pathID(c)
	if !ok {
		return
	}
	if h.opts.RunSource == nil {
		respondError(c, http.StatusServiceUnavailable, "unavailable",
			"This server does not run sources; they are run by the scheduler only.", nil)
		return
	}
	ctx := c.Request.Context()
	src, err := h.store.SourceOverviewByID(ctx, id)
	if err != nil {
		h.respondErr(c, err)
		return
	}
	if !src.Enabled {
		msg := fmt.Sprintf("Source %d is disabled", id)
		if src.DisabledReason != "" {
			msg += " (" + src.DisabledReason + ")"
		}
		respondError(c, http.StatusConflict, "conflict", msg+"; enable it before running it.", nil)
		return
	}
	run, runErr := h.opts.RunSource(ctx, id)
	if run.ID == 0 {
		if runErr == nil {
			runErr = errors.New("run source: no run recorded")
		}
		h.respondErr(c, runErr)
		return
	}
	user, _, _ := h.currentUser(c)
	kept := context.WithoutCancel(ctx)
	err = h.store.InTx(kept, func(tx *models.Store) error {
		return tx.AppendAudit(kept, user, "source.run", sourceTarget(id), nil, run)
	})
	if err != nil {
		h.respondErr(c, err)
		return
	}
	after, err := h.store.SourceOverviewByID(kept, id)
	if err != nil {
		h.respondErr(c, err)
		return
	}
	respondData(c, sourceRunJSON{Run: run, Source: after})
}
