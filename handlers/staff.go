package handlers

import (
	"context"
	"fmt"

	"github.com/gin-gonic/gin"

	"heard/models"
)

// overrideRequest is the body of PUT …/criteria/{key}/override. Kind is
// "score" (the default: Score is required), "none_found" (searched and
// found nothing: the criterion scores 0) or "cleared" (withdraw the
// override in force).
type overrideRequest struct {
	Score         *int   `json:"score"`
	Kind          string `json:"kind"`
	Justification string `json:"justification"`
}

// putOverride records a staff override of one criterion, its audit entry
// and the rescore it causes, in one transaction: the published score, the
// override history and the audit log never disagree.
func (h *Handler) putOverride(c *gin.Context) {
	var req overrideRequest
	if err := c.ShouldBindJSON(&req); err != nil {
		h.respondErr(c, &models.ValidationError{Fields: map[string]string{"body": "must be JSON with score, kind and justification"}})
		return
	}
	user, _, _ := h.currentUser(c) // requireRole has let a user through
	o := models.Override{Jurisdiction: c.Param("code"), CriterionKey: c.Param("key"),
		Kind: models.OverrideKind(req.Kind), Justification: req.Justification, Author: user.Email}
	if o.Kind == "" {
		o.Kind = models.OverrideScore
	}
	if o.Kind == models.OverrideScore {
		if req.Score == nil {
			h.respondErr(c, &models.ValidationError{Fields: map[string]string{"score": "is required for an override of kind score"}})
			return
		}
		o.Score = *req.Score
	}
	saved, card, err := h.store.RecordOverride(c.Request.Context(), o, user, h.opts.Now())
	if err != nil {
		h.respondErr(c, err)
		return
	}
	respondData(c, gin.H{"override": saved, "scorecard": card})
}

// getAudit lists the audit log, newest first (admins only).
func (h *Handler) getAudit(c *gin.Context) {
	page, perPage, ok := h.paging(c)
	if !ok {
		return
	}
	entries, total, err := h.store.AuditLog(c.Request.Context(), perPage, (page-1)*perPage)
	if err != nil {
		h.respondErr(c, err)
		return
	}
	respondList(c, entries, listMeta{Page: page, PerPage: perPage, Total: total})
}

// getReviewQueue lists activities awaiting review, newest first.
func (h *Handler) getReviewQueue(c *gin.Context) {
	page, perPage, ok := h.paging(c)
	if !ok {
		return
	}
	items, total, err := h.reviewQueue(c.Request.Context(), page, perPage)
	if err != nil {
		h.respondErr(c, err)
		return
	}
	respondList(c, items, listMeta{Page: page, PerPage: perPage, Total: total})
}

// reviewQueue is a page of the review queue with the submission behind
// each submitted item.
func (h *Handler) reviewQueue(ctx context.Context, page, perPage int) ([]reviewItem, int, error) {
	acts, total, err := h.store.ReviewQueue(ctx, perPage, (page-1)*perPage)
	if err != nil {
		return nil, 0, err
	}
	ids := make([]int64, len(acts))
	for i, a := range acts {
		ids[i] = a.ID
	}
	subs, err := h.store.SubmissionsByActivity(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	items := make([]reviewItem, len(acts))
	for i, a := range acts {
		items[i] = reviewItem{ReviewItem: a}
		if sub, ok := subs[a.ID]; ok {
			items[i].Submission = &sub
		}
	}
	return items, total, nil
}

// reviewItem is an activity of the review queue with, when someone
// submitted it, the submission behind it: what happened in the
// submitter's words, the organization and the contact, for staff only.
type reviewItem struct {
	models.ReviewItem
	Submission *models.Submission `json:"submission"`
}

// reviewRequest is the body of POST /api/v1/staff/activities/{id}/review.
type reviewRequest struct {
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
}

// postReview accepts or rejects an activity, with its audit entry and the
// rescore of its jurisdiction in the same transaction: a rejected record
// stops counting at once, and is kept.
func (h *Handler) postReview(c *gin.Context) {
	id, ok := h.activityID(c)
	if !ok {
		return
	}
	var req reviewRequest
	if err := c.ShouldBindJSON(&req); err != nil {
		h.respondErr(c, &models.ValidationError{Fields: map[string]string{"body": "must be JSON with decision and reason"}})
		return
	}
	user, _, _ := h.currentUser(c)
	ctx := c.Request.Context()
	var after models.Activity
	err := h.store.InTx(ctx, func(tx *models.Store) error {
		before, a, err := tx.ReviewActivity(ctx, id, req.Decision, req.Reason, user.Email, h.opts.Now())
		if err != nil {
			return err
		}
		after = a
		target := fmt.Sprintf("activity/%d", id)
		state := func(x models.Activity) map[string]string {
			return map[string]string{"review_status": x.ReviewStatus}
		}
		if err := tx.AppendAudit(ctx, user, "activity."+req.Decision, target, state(before),
			map[string]string{"review_status": after.ReviewStatus, "reason": req.Reason}); err != nil {
			return err
		}
		_, err = tx.Rescore(ctx, after.Jurisdiction, h.opts.Now(), "manual")
		return err
	})
	if err != nil {
		h.respondErr(c, err)
		return
	}
	respondData(c, after)
}

// paging reads ?page and ?per_page, answering 400 itself when they are bad.
func (h *Handler) paging(c *gin.Context) (page, perPage int, ok bool) {
	var q pageQuery
	_ = c.ShouldBindQuery(&q) // strings always bind; parse validates
	page, perPage, err := q.parse()
	if err != nil {
		h.respondErr(c, err)
		return 0, 0, false
	}
	return page, perPage, true
}
