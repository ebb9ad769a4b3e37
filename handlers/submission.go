package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"heard/models"
)

// EvidenceReader fetches one URL someone submitted as evidence through the
// guarded fetcher, snapshots and classifies it (scrapers.EvidenceReader,
// which cmd supplies). It never fails: what could not be fetched or read
// is said in the Evidence, which is stored all the same.
type EvidenceReader interface {
	ReadEvidence(ctx context.Context, j models.Jurisdiction, url, note string) models.Evidence
}

// Public submissions make Heard fetch a page of the submitter's choosing,
// so each client address may send a few an hour: five at once at most,
// then one every twelve minutes.
const (
	DefaultSubmissionRate  rate.Limit = 5.0 / 3600
	DefaultSubmissionBurst int        = 5
)

// maxSubmissionBody bounds the body of a submission: the longest fields
// allowed, URL-encoded, fit well within it.
const maxSubmissionBody = 64 << 10

// submissionWorkTimeout bounds reading and storing one submission. The
// work is detached from the request, so a submitter who closes the page
// while Heard fetches still has the report kept.
const submissionWorkTimeout = time.Minute

// submissionContext is the context reading and storing a submission run
// under: the request's values, not its cancellation.
func submissionContext(c *gin.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(c.Request.Context()), submissionWorkTimeout)
}

// honeypotField is the form field people never see and bots fill in.
const honeypotField = "website"

// submissionLimits resolves Options.SubmissionRate and SubmissionBurst
// like rateLimits: zero means the default, negative turns the limit off.
func (o Options) submissionLimits() (limit rate.Limit, burst int, on bool) {
	if o.SubmissionRate < 0 || o.SubmissionBurst < 0 {
		return 0, 0, false
	}
	limit, burst = o.SubmissionRate, o.SubmissionBurst
	if limit == 0 {
		limit = DefaultSubmissionRate
	}
	if burst == 0 {
		burst = DefaultSubmissionBurst
	}
	return limit, burst, true
}

// evidenceRequest is the body of POST /api/v1/staff/evidence.
type evidenceRequest struct {
	Jurisdiction string `json:"jurisdiction"`
	URL          string `json:"url"`
	Note         string `json:"note"`
}

// postEvidence records evidence a staff member submits by URL: fetched
// through the guarded fetcher, snapshotted, classified and queued for
// review, with its audit entry and the rescore of its jurisdiction in the
// same transaction. Staff evidence counts like collected evidence.
func (h *Handler) postEvidence(c *gin.Context) {
	var req evidenceRequest
	if err := c.ShouldBindJSON(&req); err != nil {
		h.respondErr(c, &models.ValidationError{Fields: map[string]string{"body": "must be JSON with jurisdiction, url and note"}})
		return
	}
	user, _, _ := h.currentUser(c) // requireRole has let a user through
	sub := models.Submission{Jurisdiction: req.Jurisdiction, Origin: models.OriginStaff, URL: req.URL,
		Description: req.Note, SubmittedBy: user.Email}
	ctx := c.Request.Context()
	j, err := h.checkSubmission(ctx, &sub)
	var verr *models.ValidationError
	if errors.As(err, &verr) {
		// The staff API calls the submitter's words a note.
		if msg, ok := verr.Fields["description"]; ok {
			delete(verr.Fields, "description")
			verr.Fields["note"] = msg
		}
	}
	if err != nil {
		h.respondErr(c, err)
		return
	}
	if h.opts.Evidence == nil {
		respondError(c, http.StatusServiceUnavailable, "unavailable", "Evidence cannot be fetched on this server.", nil)
		return
	}
	ctx, cancel := submissionContext(c)
	defer cancel()
	ev := h.opts.Evidence.ReadEvidence(ctx, j, sub.URL, sub.Description)
	var saved models.Submission
	var act models.Activity
	err = h.store.InTx(ctx, func(tx *models.Store) error {
		var err error
		if saved, act, err = tx.AddSubmission(ctx, sub, ev, h.opts.Now()); err != nil {
			return err
		}
		after := map[string]any{"url": saved.URL, "status": saved.Status, "classification": saved.Classification,
			"activity_id": act.ID, "error": saved.Error}
		if err := tx.AppendAudit(ctx, user, "evidence.submitted", fmt.Sprintf("submission/%d", saved.ID), nil, after); err != nil {
			return err
		}
		_, err = tx.Rescore(ctx, j.Code, h.opts.Now(), "manual")
		return err
	})
	if err != nil {
		h.respondErr(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"data": gin.H{"submission": saved, "activity": act}})
}

// checkSubmission normalizes and validates a submission before anything is
// fetched, the jurisdiction included, and returns its jurisdiction.
func (h *Handler) checkSubmission(ctx context.Context, sub *models.Submission) (models.Jurisdiction, error) {
	sub.Normalize()
	err := sub.Validate()
	fields := map[string]string{}
	var verr *models.ValidationError
	if errors.As(err, &verr) {
		fields = verr.Fields
	} else if err != nil {
		return models.Jurisdiction{}, err
	}
	var j models.Jurisdiction
	if _, bad := fields["jurisdiction"]; !bad {
		j, err = h.store.JurisdictionByCode(ctx, sub.Jurisdiction)
		if isNotFound(err) {
			fields["jurisdiction"] = "must be the postal code of a state, DC or PR"
		} else if err != nil {
			return j, err
		}
	}
	if len(fields) > 0 {
		return j, &models.ValidationError{Fields: fields}
	}
	return j, nil
}

// submissionForm is a public report, from JSON or from the HTML form.
type submissionForm struct {
	Jurisdiction string `json:"jurisdiction"`
	URL          string `json:"url"`
	Description  string `json:"description"`
	Organization string `json:"organization"`
	Contact      string `json:"contact"`
	Credit       bool   `json:"credit"`
	// Website is the honeypot.
	Website string `json:"website"`
}

// errBadBody is a body that is neither JSON nor a form.
var errBadBody = &models.ValidationError{Fields: map[string]string{
	"body": "must be JSON or a form (application/x-www-form-urlencoded) with jurisdiction, url and description"}}

// readSubmissionForm reads a report from a JSON body or a form post, up to
// maxSubmissionBody bytes.
func readSubmissionForm(c *gin.Context) (submissionForm, error) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxSubmissionBody)
	var f submissionForm
	switch c.ContentType() {
	case gin.MIMEJSON:
		if err := c.ShouldBindJSON(&f); err != nil {
			return f, errBadBody
		}
		return f, nil
	case gin.MIMEPOSTForm, gin.MIMEMultipartPOSTForm:
		// ParseMultipartForm would hide ParseForm's error (a body over the
		// cap) behind ErrNotMultipart, so each kind is parsed on its own.
		parse := c.Request.ParseForm
		if c.ContentType() == gin.MIMEMultipartPOSTForm {
			parse = func() error { return c.Request.ParseMultipartForm(maxSubmissionBody) }
		}
		if err := parse(); err != nil {
			return f, errBadBody
		}
		form := c.Request.PostForm
		f = submissionForm{Jurisdiction: form.Get("jurisdiction"), URL: form.Get("url"),
			Description: form.Get("description"), Organization: form.Get("organization"),
			Contact: form.Get("contact"), Website: form.Get(honeypotField)}
		// A checked box sends "on"; an API client may send true or 1.
		switch strings.ToLower(strings.TrimSpace(form.Get("credit"))) {
		case "on", "true", "1", "yes":
			f.Credit = true
		}
		return f, nil
	}
	return f, errBadBody
}

// submitOutcome is what became of a public report.
type submitOutcome struct {
	// status is 202 when the report was received (or the honeypot
	// caught it: the bot must not learn that), else the error's.
	status     int
	fields     map[string]string
	retryAfter time.Duration
	err        error
}

// receiveSubmission takes a public report: within the client's allowance,
// past the honeypot, valid, then fetched through the guarded fetcher and
// stored as an untrusted activity queued for review.
func (h *Handler) receiveSubmission(c *gin.Context, f submissionForm) submitOutcome {
	if limit, burst, on := h.opts.submissionLimits(); on {
		if d := h.submits.wait("submit-ip:"+clientBlock(c.ClientIP()), limit, burst); d > 0 {
			return submitOutcome{status: http.StatusTooManyRequests, retryAfter: d}
		}
	}
	if strings.TrimSpace(f.Website) != "" {
		h.log.Info("submission dropped: the honeypot field was filled", "request_id", c.GetString(requestIDKey),
			"client", c.ClientIP(), "jurisdiction", f.Jurisdiction, "url", f.URL)
		return submitOutcome{status: http.StatusAccepted}
	}
	sub := models.Submission{Jurisdiction: f.Jurisdiction, Origin: models.OriginPublic, URL: f.URL,
		Description: f.Description, Organization: f.Organization, Contact: f.Contact, Credit: f.Credit}
	ctx := c.Request.Context()
	j, err := h.checkSubmission(ctx, &sub)
	var verr *models.ValidationError
	if errors.As(err, &verr) {
		return submitOutcome{status: http.StatusBadRequest, fields: verr.Fields}
	} else if err != nil {
		return submitOutcome{status: http.StatusInternalServerError, err: err}
	}
	if h.opts.Evidence == nil {
		return submitOutcome{status: http.StatusServiceUnavailable}
	}
	ctx, cancel := submissionContext(c)
	defer cancel()
	ev := h.opts.Evidence.ReadEvidence(ctx, j, sub.URL, sub.Description)
	saved, act, err := h.store.AddSubmission(ctx, sub, ev, h.opts.Now())
	if err != nil {
		return submitOutcome{status: http.StatusInternalServerError, err: err}
	}
	h.log.Info("public submission queued for review", "request_id", c.GetString(requestIDKey),
		"submission_id", saved.ID, "activity_id", act.ID, "jurisdiction", saved.Jurisdiction,
		"status", saved.Status, "classification", saved.Classification)
	return submitOutcome{status: http.StatusAccepted}
}

// submissionReceipt is the answer to an accepted public report. It says
// nothing of what was fetched, so it reads the same whatever became of
// the report, the honeypot's included.
type submissionReceipt struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// postSubmission is POST /api/v1/submissions: a public report as JSON or
// a form post, answered 202 once queued for review.
func (h *Handler) postSubmission(c *gin.Context) {
	c.Header("Cache-Control", cacheNone)
	f, err := readSubmissionForm(c)
	if err != nil {
		h.respondErr(c, err)
		return
	}
	out := h.receiveSubmission(c, f)
	switch out.status {
	case http.StatusAccepted:
		c.JSON(http.StatusAccepted, gin.H{"data": submissionReceipt{Status: "received",
			Message: "Thank you. Staff will review the report before it is published."}})
	case http.StatusTooManyRequests:
		c.Header("Retry-After", strconv.Itoa(retrySeconds(out.retryAfter)))
		respondError(c, http.StatusTooManyRequests, "rate_limited", "Too many reports from this client; try again later.", nil)
	case http.StatusBadRequest:
		respondError(c, http.StatusBadRequest, "invalid", "Some fields are invalid.", out.fields)
	case http.StatusServiceUnavailable:
		respondError(c, http.StatusServiceUnavailable, "unavailable", "Reports cannot be received on this server.", nil)
	default:
		h.respondErr(c, out.err)
	}
}

func retrySeconds(d time.Duration) int { return max(1, int(d.Seconds()+0.999)) }

// submitData is what the report form shows.
type submitData struct {
	Jurisdictions []models.Jurisdiction
	Form          submissionForm
	// Errors are the refused fields, by name, each with its catalog key.
	Errors map[string]string
	// Problem is a catalog key for a failure no field explains.
	Problem string
	// Thanks replaces the form once a report is received.
	Thanks bool
	Max    map[string]int
}

// submitFields are the form's fields in the order they are shown; errors
// are listed in the same order.
var submitFields = []string{"jurisdiction", "url", "description", "organization", "contact"}

// ErrorList is the refused fields in form order, for the error summary.
func (d submitData) ErrorList() []string {
	var out []string
	for _, f := range submitFields {
		if _, ok := d.Errors[f]; ok {
			out = append(out, f)
		}
	}
	return out
}

func (h *Handler) newSubmitData(ctx context.Context, f submissionForm) (submitData, error) {
	js, err := h.store.Jurisdictions(ctx)
	if err != nil {
		return submitData{}, err
	}
	return submitData{Jurisdictions: js, Form: f, Errors: map[string]string{}, Max: map[string]int{
		"url": models.MaxSubmissionURL, "description": models.MaxSubmissionDescription,
		"organization": models.MaxSubmissionOrganization, "contact": models.MaxSubmissionContact,
	}}, nil
}

// submitPage shows the report form, its state chosen by ?state.
func (h *Handler) submitPage(c *gin.Context) {
	d, err := h.newSubmitData(c.Request.Context(), submissionForm{Jurisdiction: models.NormalizeCode(c.Query("state"))})
	if err != nil {
		h.pageErr(c, err)
		return
	}
	h.render(c, http.StatusOK, "submit", page{Title: tr(langOf(c), "submit.title"), Data: d})
}

// postSubmitPage takes the form posted without JavaScript: a thank-you
// page, or the form again with what was wrong (400), too many reports
// (429) or the service off (503).
func (h *Handler) postSubmitPage(c *gin.Context) {
	c.Header("Cache-Control", cacheNone)
	lang := langOf(c)
	f, err := readSubmissionForm(c)
	out := submitOutcome{status: http.StatusBadRequest, fields: map[string]string{}}
	if err == nil {
		out = h.receiveSubmission(c, f)
	}
	if out.status == http.StatusInternalServerError {
		h.pageErr(c, out.err)
		return
	}
	d, derr := h.newSubmitData(c.Request.Context(), f)
	if derr != nil {
		h.pageErr(c, derr)
		return
	}
	status := out.status
	switch out.status {
	case http.StatusAccepted:
		d.Thanks, status = true, http.StatusOK
	case http.StatusBadRequest:
		for field := range out.fields {
			d.Errors[field] = "submit.err." + field
		}
		if len(d.ErrorList()) == 0 {
			d.Problem = "submit.err.body"
		}
	case http.StatusTooManyRequests:
		c.Header("Retry-After", strconv.Itoa(retrySeconds(out.retryAfter)))
		d.Problem = "submit.err.rate_limited"
	default:
		d.Problem = "submit.err.unavailable"
	}
	title := tr(lang, "submit.title")
	if d.Thanks {
		title = tr(lang, "submit.thanks_title")
	} else if status >= 400 {
		title = tr(lang, "submit.error_title")
	}
	h.render(c, status, "submit", page{Title: title, Data: d})
}
