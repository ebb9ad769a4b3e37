package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"heard/models"
)

// maxJSONBody caps the body of a JSON write: generous for any form staff
// or an agency fill in, small enough that a hostile client cannot make the
// server buffer much.
const maxJSONBody = 256 << 10

// bindJSON decodes the request body into v strictly (unknown fields and
// trailing data refused, the size capped) and answers 400 or 413 itself
// when it cannot.
func (h *Handler) bindJSON(c *gin.Context, v any) bool {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxJSONBody)
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data after the JSON value")
	}
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		return true
	case errors.As(err, &tooBig):
		respondError(c, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("The body must be at most %d bytes.", maxJSONBody), nil)
	default:
		h.respondErr(c, &models.ValidationError{Fields: map[string]string{"body": "must be a JSON object of the documented fields: " + err.Error()}})
	}
	return false
}

// staffTx runs fn in one transaction with the acting user, answering the
// error itself; every staff write goes through it, so that the change, its
// audit entry and any rescore commit together or not at all.
func (h *Handler) staffTx(c *gin.Context, fn func(tx *models.Store, user models.User) error) bool {
	user, _, _ := h.currentUser(c) // requireRole has let a user through
	err := h.store.InTx(c.Request.Context(), func(tx *models.Store) error { return fn(tx, user) })
	if err != nil {
		h.respondWorkflowErr(c, err)
		return false
	}
	return true
}

// respondWorkflowErr answers the workflow's own errors (409 for a step out
// of order, 410 for a spent reply link) and the rest as respondErr does.
func (h *Handler) respondWorkflowErr(c *gin.Context, err error) {
	switch {
	case errors.Is(err, models.ErrWrongState):
		respondError(c, http.StatusConflict, "wrong_state", conflictMessage(err), nil)
	case errors.Is(err, models.ErrTokenSpent):
		respondError(c, http.StatusGone, "link_spent", "This reply link has been used or has expired. Ask the Heard team for a new one.", nil)
	default:
		h.respondErr(c, err)
	}
}

// conflictMessage is the part of a workflow error a person can act on.
func conflictMessage(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "+models.ErrWrongState.Error()); i > 0 {
		msg = msg[:i]
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}

// getStaffActivity shows staff everything about one activity: the record
// (deleted or not), its passage, corrections, history and deletion.
func (h *Handler) getStaffActivity(c *gin.Context) {
	id, ok := h.activityID(c)
	if !ok {
		return
	}
	d, err := h.staffActivity(c, id)
	if err != nil {
		h.respondErr(c, err)
		return
	}
	respondData(c, d)
}

// staffActivityJSON is the staff view of an activity.
type staffActivityJSON struct {
	Activity    models.Activity        `json:"activity"`
	Passage     string                 `json:"passage"`
	Corrections []models.Correction    `json:"corrections"`
	History     []models.HistoryEntry  `json:"history"`
	Deleted     *deletionJSON          `json:"deleted"`
	Review      map[string]interface{} `json:"review"`
}

type deletionJSON struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Reason string    `json:"reason"`
}

func (h *Handler) staffActivity(c *gin.Context, id int64) (staffActivityJSON, error) {
	ctx := c.Request.Context()
	a, err := h.store.ActivityByID(ctx, id)
	if err != nil {
		return staffActivityJSON{}, err
	}
	d := staffActivityJSON{Activity: a}
	if d.Passage, err = h.store.Passage(ctx, a); err != nil {
		return d, err
	}
	if d.Corrections, err = h.store.CorrectionsOf(ctx, id); err != nil {
		return d, err
	}
	if d.History, err = h.store.ActivityHistory(ctx, id); err != nil {
		return d, err
	}
	if a.DeletedAt != nil {
		d.Deleted = &deletionJSON{At: a.DeletedAt.UTC(), By: *a.DeletedBy, Reason: a.DeleteReason}
	}
	d.Review = map[string]interface{}{"status": a.ReviewStatus}
	return d, nil
}

// postCorrection corrects an activity's classification; the correction is
// kept and preferred over the machine's on later runs.
func (h *Handler) postCorrection(c *gin.Context) {
	id, ok := h.activityID(c)
	if !ok {
		return
	}
	var in models.CorrectionInput
	if !h.bindJSON(c, &in) {
		return
	}
	var after models.Activity
	if !h.staffTx(c, func(tx *models.Store, user models.User) error {
		ctx := c.Request.Context()
		before, a, corr, err := tx.CorrectActivity(ctx, id, in, user.Email, h.opts.Now())
		if err != nil {
			return err
		}
		after = a
		if err := tx.AppendAudit(ctx, user, "activity.corrected", fmt.Sprintf("activity/%d", id),
			corr.Machine, map[string]any{"fields": corr.Fields, "reason": corr.Reason, "review_status_before": before.ReviewStatus}); err != nil {
			return err
		}
		_, err = tx.Rescore(ctx, a.Jurisdiction, h.opts.Now(), "manual")
		return err
	}) {
		return
	}
	respondData(c, after)
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

// deleteActivity soft-deletes an activity (with a reason): kept, restorable
// by an admin, out of every public list and of scoring from now on.
func (h *Handler) deleteActivity(c *gin.Context) {
	id, ok := h.activityID(c)
	if !ok {
		return
	}
	var req reasonRequest
	if !h.bindJSON(c, &req) {
		return
	}
	h.softChange(c, id, "activity.deleted", func(tx *models.Store, user models.User) (models.Activity, error) {
		return tx.DeleteActivity(c.Request.Context(), id, req.Reason, user.Email, h.opts.Now())
	})
}

// restoreActivity undoes a soft deletion (admins only).
func (h *Handler) restoreActivity(c *gin.Context) {
	id, ok := h.activityID(c)
	if !ok {
		return
	}
	h.softChange(c, id, "activity.restored", func(tx *models.Store, user models.User) (models.Activity, error) {
		return tx.RestoreActivity(c.Request.Context(), id, user.Email, h.opts.Now())
	})
}

func (h *Handler) softChange(c *gin.Context, id int64, action string, change func(*models.Store, models.User) (models.Activity, error)) {
	var after models.Activity
	if !h.staffTx(c, func(tx *models.Store, user models.User) error {
		ctx := c.Request.Context()
		a, err := change(tx, user)
		if err != nil {
			return err
		}
		after = a
		state := func(deleted bool) map[string]any {
			return map[string]any{"deleted": deleted, "reason": a.DeleteReason}
		}
		if err := tx.AppendAudit(ctx, user, action, fmt.Sprintf("activity/%d", id),
			state(a.DeletedAt == nil), state(a.DeletedAt != nil)); err != nil {
			return err
		}
		_, err = tx.Rescore(ctx, a.Jurisdiction, h.opts.Now(), "manual")
		return err
	}) {
		return
	}
	d, err := h.staffActivity(c, after.ID)
	if err != nil {
		h.respondErr(c, err)
		return
	}
	respondData(c, d)
}

// staffScorecardJSON is what staff see of a jurisdiction's scorecards: the
// draft (newest run), the published one, and the review in progress.
type staffScorecardJSON struct {
	Draft     scorecardJSON            `json:"draft"`
	Published scorecardJSON            `json:"published"`
	Review    *models.ScorecardReview  `json:"review"`
	Reviews   []models.ScorecardReview `json:"reviews"`
	// UnderReview is the run the agency was asked about, when it is no
	// longer the newest: publishing publishes it, not the draft.
	UnderReview *scorecardJSON `json:"under_review"`
}

func (h *Handler) getStaffScorecard(c *gin.Context) {
	d, err := h.staffScorecard(c)
	if err != nil {
		h.respondErr(c, err)
		return
	}
	respondData(c, d)
}

func (h *Handler) staffScorecard(c *gin.Context) (staffScorecardJSON, error) {
	ctx := c.Request.Context()
	var d staffScorecardJSON
	j, err := h.store.JurisdictionByCode(ctx, c.Param("code"))
	if err != nil {
		return d, err
	}
	rubric, err := h.store.CurrentRubric(ctx)
	if err != nil {
		return d, err
	}
	if d.Draft, err = h.scorecard(ctx, j, rubric, models.Draft); err != nil {
		return d, err
	}
	if d.Published, err = h.scorecard(ctx, j, rubric, models.Published); err != nil {
		return d, err
	}
	if d.Reviews, err = h.store.ReviewsOf(ctx, j.Code); err != nil {
		return d, err
	}
	for i, r := range d.Reviews {
		if r.State == models.ReviewDraft || r.State == models.ReviewReply {
			d.Review = &d.Reviews[i]
		}
	}
	if d.Review != nil && d.Review.ScoreRunID != nil && (d.Draft.ScoreRunID == nil || *d.Draft.ScoreRunID != *d.Review.ScoreRunID) {
		card, err := h.store.ScorecardRun(ctx, *d.Review.ScoreRunID)
		if err != nil {
			return d, err
		}
		under := h.cardJSON(j, rubric, &card)
		d.UnderReview = &under
	}
	return d, nil
}

// postOpenReview opens a draft review of the jurisdiction's scorecard (or
// returns the one open).
func (h *Handler) postOpenReview(c *gin.Context) {
	var r models.ScorecardReview
	var opened bool
	if !h.staffTx(c, func(tx *models.Store, user models.User) error {
		var err error
		ctx := c.Request.Context()
		if r, opened, err = tx.OpenReview(ctx, c.Param("code"), user.Email, h.opts.Now()); err != nil || !opened {
			return err
		}
		return tx.AppendAudit(ctx, user, "review.opened", "jurisdiction/"+r.Jurisdiction+"/review", nil, r)
	}) {
		return
	}
	status := http.StatusOK
	if opened {
		status = http.StatusCreated
	}
	c.JSON(status, gin.H{"data": r})
}

// replyRequest is the body of POST …/review/reply-request: who at the
// agency is asked, and how many days they have (14 when not given).
type replyRequest struct {
	Contact string `json:"contact"`
	DueDays int    `json:"due_days"`
}

// postReplyRequest asks the state agency for its reply: the draft's run is
// fixed as the one under review and a single-use link is issued, shown in
// this answer only.
func (h *Handler) postReplyRequest(c *gin.Context) {
	var req replyRequest
	if !h.bindJSON(c, &req) {
		return
	}
	if req.DueDays == 0 {
		req.DueDays = 14
	}
	if req.DueDays < 1 || req.DueDays > 90 {
		h.respondErr(c, &models.ValidationError{Fields: map[string]string{"due_days": "must be from 1 to 90 days"}})
		return
	}
	now := h.opts.Now()
	var r models.ScorecardReview
	var token string
	if !h.staffTx(c, func(tx *models.Store, user models.User) error {
		var err error
		ctx := c.Request.Context()
		r, token, err = tx.RequestReply(ctx, c.Param("code"), models.ReplyRequest{Contact: req.Contact,
			Due: now.Add(time.Duration(req.DueDays) * 24 * time.Hour)}, user.Email, now)
		if err != nil {
			return err
		}
		// The token is not audited: it is a credential, kept only hashed.
		return tx.AppendAudit(ctx, user, "review.reply_requested", "jurisdiction/"+r.Jurisdiction+"/review",
			map[string]any{"state": models.ReviewDraft}, map[string]any{"state": r.State, "contact": r.ReplyContact,
				"score_run_id": r.ScoreRunID, "due": r.ReplyDueAt})
	}) {
		return
	}
	respondData(c, gin.H{"review": r, "reply_path": "/reply/" + token,
		"reply_url": h.absoluteURL(c, "/reply/"+token)})
}

// absoluteURL is path on the host the request came to, for links staff
// send by email.
func (h *Handler) absoluteURL(c *gin.Context, path string) string {
	scheme := "http"
	if h.overHTTPS(c) {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host + path
}

// postPublish publishes the review awaiting or holding the agency's reply.
func (h *Handler) postPublish(c *gin.Context) {
	var r models.ScorecardReview
	if !h.staffTx(c, func(tx *models.Store, user models.User) error {
		var err error
		ctx := c.Request.Context()
		if r, err = tx.PublishReview(ctx, c.Param("code"), user.Email, h.opts.Now()); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, user, "review.published", "jurisdiction/"+r.Jurisdiction+"/review",
			map[string]any{"state": models.ReviewReply}, map[string]any{"state": r.State, "score_run_id": r.ScoreRunID,
				"replied": r.RepliedAt != nil})
	}) {
		return
	}
	respondData(c, r)
}

// postWithdraw closes the open review without publishing it.
func (h *Handler) postWithdraw(c *gin.Context) {
	var req reasonRequest
	if !h.bindJSON(c, &req) {
		return
	}
	var r models.ScorecardReview
	if !h.staffTx(c, func(tx *models.Store, user models.User) error {
		var err error
		ctx := c.Request.Context()
		if r, err = tx.WithdrawReview(ctx, c.Param("code"), req.Reason, h.opts.Now()); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, user, "review.withdrawn", "jurisdiction/"+r.Jurisdiction+"/review", nil,
			map[string]any{"state": r.State, "reason": req.Reason})
	}) {
		return
	}
	respondData(c, r)
}

// replyJSON is the body of POST /api/v1/replies/{token}.
type replyJSON struct {
	Body  string `json:"body"`
	Name  string `json:"name"`
	Title string `json:"title"`
}

// postReply stores a state agency's reply through its single-use link: the
// one public write that needs no account, since the link is the credential.
func (h *Handler) postReply(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	var req replyJSON
	if !h.bindJSON(c, &req) {
		return
	}
	r, err := h.storeReply(c, c.Param("token"), models.ReplyInput{Body: req.Body, Name: req.Name, Title: req.Title})
	if err != nil {
		h.respondWorkflowErr(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"data": gin.H{"jurisdiction": r.Jurisdiction, "submitted_at": r.RepliedAt}})
}

// storeReply stores the reply and its audit entry together; the actor is
// the agency person named, with no account.
func (h *Handler) storeReply(c *gin.Context, token string, in models.ReplyInput) (models.ScorecardReview, error) {
	var r models.ScorecardReview
	err := h.store.InTx(c.Request.Context(), func(tx *models.Store) error {
		var err error
		ctx := c.Request.Context()
		if r, err = tx.SubmitReply(ctx, token, in, h.opts.Now()); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, models.User{Email: "agency reply: " + strings.TrimSpace(in.Name)}, "review.replied",
			"jurisdiction/"+r.Jurisdiction+"/review", nil, map[string]any{"name": r.ReplyName, "title": r.ReplyTitle,
				"length": len(in.Body)})
	})
	return r, err
}

// replyPageData is what the reply page shows: the scorecard the agency is
// asked about, and the form's state.
type replyPageData struct {
	Token   string
	Review  models.ScorecardReview
	Card    scorecardJSON
	Input   models.ReplyInput
	Errors  map[string]string
	Done    bool
	Spent   bool
	Message string
}

// replyPage is the page a reply link opens: the scorecard under review and
// a form for the agency's response.
func (h *Handler) replyPage(c *gin.Context) {
	h.renderReply(c, http.StatusOK, replyPageData{Token: c.Param("token")})
}

// replyForm takes the reply page's form (it works without JavaScript).
func (h *Handler) replyForm(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxJSONBody)
	d := replyPageData{Token: c.Param("token"), Input: models.ReplyInput{Body: c.PostForm("body"),
		Name: c.PostForm("name"), Title: c.PostForm("title")}}
	_, err := h.storeReply(c, d.Token, d.Input)
	var verr *models.ValidationError
	switch {
	case err == nil:
		d.Done = true
		h.renderReply(c, http.StatusCreated, d)
	case errors.As(err, &verr):
		d.Errors = verr.Fields
		h.renderReply(c, http.StatusBadRequest, d)
	default:
		h.renderReply(c, http.StatusOK, d) // renderReply reads the link's state itself
	}
}

func (h *Handler) renderReply(c *gin.Context, status int, d replyPageData) {
	c.Header("Cache-Control", "no-store")
	c.Header("Referrer-Policy", "no-referrer") // the link is a credential
	ctx := c.Request.Context()
	if !d.Done {
		r, err := h.store.ReviewByReplyToken(ctx, d.Token, h.opts.Now())
		switch {
		case errors.Is(err, models.ErrTokenSpent):
			d.Spent, status = true, http.StatusGone
		case err != nil:
			h.pageErr(c, err)
			return
		default:
			d.Review = r
			j, err := h.store.JurisdictionByCode(ctx, r.Jurisdiction)
			if err != nil {
				h.pageErr(c, err)
				return
			}
			rubric, err := h.store.CurrentRubric(ctx)
			if err != nil {
				h.pageErr(c, err)
				return
			}
			card, err := h.store.ScorecardRun(ctx, *r.ScoreRunID)
			if err != nil {
				h.pageErr(c, err)
				return
			}
			d.Card = h.cardJSON(j, rubric, &card)
		}
	}
	title := "Reply to your scorecard"
	h.renderStaff(c, status, "reply", title, d)
}
