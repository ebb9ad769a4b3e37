package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"heard/models"
)

// Annotations are shown in the shape of a W3C Web Annotation: a target
// (the snapshot, the TextQuoteSelector of the passage, and its position
// as a TextPositionSelector) and a body. Staff see who wrote and who
// deleted each one; the public sees neither, since staff emails are not
// published: a public note speaks for Heard's staff as a whole.

// textQuoteSelector is the W3C TextQuoteSelector of an annotation's target.
type textQuoteSelector struct {
	Type   string `json:"type"`
	Exact  string `json:"exact"`
	Prefix string `json:"prefix"`
	Suffix string `json:"suffix"`
}

// textPositionSelector is where the quote was found in the snapshot's
// text, in characters: a hint, since the quote is the anchor.
type textPositionSelector struct {
	Type  string `json:"type"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// annotationTarget is the passage an annotation is about.
type annotationTarget struct {
	Source         string               `json:"source"`
	SnapshotSHA256 string               `json:"snapshot_sha256"`
	Selector       textQuoteSelector    `json:"selector"`
	Position       textPositionSelector `json:"position"`
}

// annotationJSON is an annotation as the public API shows it.
type annotationJSON struct {
	ID         int64             `json:"id"`
	Type       string            `json:"type"`
	ActivityID int64             `json:"activity_id"`
	Target     annotationTarget  `json:"target"`
	Body       string            `json:"body"`
	Tags       models.StringList `json:"tags"`
	Visibility models.Visibility `json:"visibility"`
	Created    time.Time         `json:"created"`
	Modified   time.Time         `json:"modified"`
}

// staffAnnotationJSON is an annotation as staff see it: the public form
// with its author and, once deleted, when and by whom.
type staffAnnotationJSON struct {
	annotationJSON
	Author    string     `json:"author"`
	Deleted   *time.Time `json:"deleted"`
	DeletedBy *string    `json:"deleted_by"`
}

func publicAnnotation(a models.Annotation) annotationJSON {
	return annotationJSON{ID: a.ID, Type: "Annotation", ActivityID: a.ActivityID,
		Target: annotationTarget{Source: "/api/v1/snapshots/" + a.SnapshotSHA256, SnapshotSHA256: a.SnapshotSHA256,
			Selector: textQuoteSelector{Type: "TextQuoteSelector", Exact: a.Exact, Prefix: a.Prefix, Suffix: a.Suffix},
			Position: textPositionSelector{Type: "TextPositionSelector", Start: a.Start, End: a.End}},
		Body: a.Body, Tags: a.Tags, Visibility: a.Visibility, Created: a.CreatedAt.UTC(), Modified: a.UpdatedAt.UTC()}
}

func staffAnnotation(a models.Annotation) staffAnnotationJSON {
	out := staffAnnotationJSON{annotationJSON: publicAnnotation(a), Author: a.Author, DeletedBy: a.DeletedBy}
	if a.DeletedAt != nil {
		d := a.DeletedAt.UTC()
		out.Deleted = &d
	}
	return out
}

// maxAnnotationRequest caps the body of an annotation write: room for the
// longest note, quote and context, each character escaped.
const maxAnnotationRequest = 256 << 10

// bindAnnotationJSON binds a write's JSON body, answering 400 itself when
// it is not JSON of the expected shape or is too large.
func (h *Handler) bindAnnotationJSON(c *gin.Context, v any, want string) bool {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxAnnotationRequest)
	if err := c.ShouldBindJSON(v); err != nil {
		h.respondErr(c, &models.ValidationError{Fields: map[string]string{"body": fmt.Sprintf("must be a JSON object with %s, of at most %d KiB", want, maxAnnotationRequest>>10)}})
		return false
	}
	return true
}

// annotationRequest is the body of POST /api/v1/staff/annotations.
type annotationRequest struct {
	ActivityID     int64              `json:"activity_id"`
	SnapshotSHA256 string             `json:"snapshot_sha256"`
	Selector       *textQuoteSelector `json:"selector"`
	Body           string             `json:"body"`
	Tags           []string           `json:"tags"`
	Visibility     string             `json:"visibility"`
}

// postAnnotation anchors a staff note to a quoted passage of one of an
// activity's snapshots and records it with its audit entry in one
// transaction.
func (h *Handler) postAnnotation(c *gin.Context) {
	var req annotationRequest
	if !h.bindAnnotationJSON(c, &req, "activity_id, snapshot_sha256, selector, body, tags and visibility") {
		return
	}
	switch {
	case req.Selector == nil:
		h.respondErr(c, &models.ValidationError{Fields: map[string]string{"selector": "is required: a TextQuoteSelector with exact, prefix and suffix"}})
		return
	case req.Selector.Type != "TextQuoteSelector":
		h.respondErr(c, &models.ValidationError{Fields: map[string]string{"selector.type": "must be TextQuoteSelector"}})
		return
	}
	user, _, _ := h.currentUser(c) // requireRole has let a user through
	in := models.AnnotationInput{ActivityID: req.ActivityID, SnapshotSHA256: req.SnapshotSHA256,
		Quote: models.TextQuote{Exact: req.Selector.Exact, Prefix: req.Selector.Prefix, Suffix: req.Selector.Suffix},
		Body:  req.Body, Tags: req.Tags, Visibility: models.Visibility(req.Visibility)}
	ctx := c.Request.Context()
	var saved models.Annotation
	err := h.store.InTx(ctx, func(tx *models.Store) error {
		var err error
		if saved, err = tx.AddAnnotation(ctx, in, user, h.opts.Now()); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, user, "annotation.create", annotationTargetName(saved.ID), nil, saved)
	})
	if err != nil {
		h.respondErr(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"data": staffAnnotation(saved)})
}

func annotationTargetName(id int64) string { return fmt.Sprintf("annotation/%d", id) }

// annotationListQuery is the query of GET /api/v1/staff/annotations.
type annotationListQuery struct {
	ActivityID     string `form:"activity_id"`
	IncludeDeleted string `form:"include_deleted"`
}

// getStaffAnnotations lists an activity's annotations, public and
// staff-only, oldest first; deleted ones too with include_deleted=true.
func (h *Handler) getStaffAnnotations(c *gin.Context) {
	var q annotationListQuery
	_ = c.ShouldBindQuery(&q) // strings always bind; they are parsed below
	fields := map[string]string{}
	id, err := strconv.ParseInt(q.ActivityID, 10, 64)
	if err != nil || id < 1 {
		fields["activity_id"] = "is required: a positive whole number"
	}
	includeDeleted := false
	if q.IncludeDeleted != "" {
		if includeDeleted, err = strconv.ParseBool(q.IncludeDeleted); err != nil {
			fields["include_deleted"] = "must be true or false"
		}
	}
	if len(fields) > 0 {
		h.respondErr(c, &models.ValidationError{Fields: fields})
		return
	}
	list, err := h.annotationsOf(c, id, models.AnnotationFilter{IncludeStaff: true, IncludeDeleted: includeDeleted})
	if err != nil {
		h.respondErr(c, err)
		return
	}
	out := make([]staffAnnotationJSON, len(list))
	for i, a := range list {
		out[i] = staffAnnotation(a)
	}
	respondList(c, out, listMeta{Page: 1, PerPage: len(out), Total: len(out)})
}

// getActivityAnnotations lists an activity's public annotations, oldest
// first, without their authors.
func (h *Handler) getActivityAnnotations(c *gin.Context) {
	id, ok := h.activityID(c)
	if !ok {
		return
	}
	list, err := h.annotationsOf(c, id, models.AnnotationFilter{})
	if err != nil {
		h.respondErr(c, err)
		return
	}
	out := make([]annotationJSON, len(list))
	for i, a := range list {
		out[i] = publicAnnotation(a)
	}
	respondList(c, out, listMeta{Page: 1, PerPage: len(out), Total: len(out)})
}

// annotationsOf lists the annotations of one activity that f lets through;
// a missing activity is ErrNotFound.
func (h *Handler) annotationsOf(c *gin.Context, id int64, f models.AnnotationFilter) ([]models.Annotation, error) {
	ctx := c.Request.Context()
	if _, err := h.store.ActivityByID(ctx, id); err != nil {
		return nil, err
	}
	f.ActivityIDs = []int64{id}
	return h.store.Annotations(ctx, f)
}

// annotationPatchRequest is the body of PATCH /api/v1/staff/annotations/{id}.
// The passage annotated cannot change: a note on another passage is
// another annotation.
type annotationPatchRequest struct {
	Body       *string   `json:"body"`
	Tags       *[]string `json:"tags"`
	Visibility *string   `json:"visibility"`

	ActivityID     json.RawMessage `json:"activity_id"`
	SnapshotSHA256 json.RawMessage `json:"snapshot_sha256"`
	Selector       json.RawMessage `json:"selector"`
}

// patchAnnotation changes an annotation's body, tags or visibility, with
// its audit entry in the same transaction.
func (h *Handler) patchAnnotation(c *gin.Context) {
	id, ok := h.activityID(c) // the same rule for any :id
	if !ok {
		return
	}
	var req annotationPatchRequest
	if !h.bindAnnotationJSON(c, &req, "body, tags or visibility") {
		return
	}
	fixed := map[string]string{}
	for name, v := range map[string]json.RawMessage{"activity_id": req.ActivityID, "snapshot_sha256": req.SnapshotSHA256, "selector": req.Selector} {
		if v != nil {
			fixed[name] = "cannot be changed: annotate the other passage instead"
		}
	}
	if len(fixed) > 0 {
		h.respondErr(c, &models.ValidationError{Fields: fixed})
		return
	}
	p := models.AnnotationPatch{Body: req.Body, Tags: req.Tags}
	if req.Visibility != nil {
		v := models.Visibility(*req.Visibility)
		p.Visibility = &v
	}
	h.changeAnnotation(c, id, "annotation.update", func(tx *models.Store, user models.User) (models.Annotation, models.Annotation, error) {
		return tx.UpdateAnnotation(c.Request.Context(), id, p, h.opts.Now())
	})
}

// deleteAnnotation hides an annotation (it is kept, and an admin can
// restore it), with its audit entry in the same transaction.
func (h *Handler) deleteAnnotation(c *gin.Context) {
	id, ok := h.activityID(c) // the same rule for any :id
	if !ok {
		return
	}
	h.changeAnnotation(c, id, "annotation.delete", func(tx *models.Store, user models.User) (models.Annotation, models.Annotation, error) {
		return tx.DeleteAnnotation(c.Request.Context(), id, user.Email, h.opts.Now())
	})
}

// restoreAnnotation brings back a deleted annotation (admins only), with
// its audit entry in the same transaction.
func (h *Handler) restoreAnnotation(c *gin.Context) {
	id, ok := h.activityID(c) // the same rule for any :id
	if !ok {
		return
	}
	h.changeAnnotation(c, id, "annotation.restore", func(tx *models.Store, user models.User) (models.Annotation, models.Annotation, error) {
		return tx.RestoreAnnotation(c.Request.Context(), id, h.opts.Now())
	})
}

// changeAnnotation runs change and audits it as action in one transaction,
// and answers with the annotation after it.
func (h *Handler) changeAnnotation(c *gin.Context, id int64, action string,
	change func(tx *models.Store, user models.User) (before, after models.Annotation, err error)) {
	user, _, _ := h.currentUser(c)
	ctx := c.Request.Context()
	var after models.Annotation
	err := h.store.InTx(ctx, func(tx *models.Store) error {
		before, a, err := change(tx, user)
		if err != nil {
			return err
		}
		after = a
		return tx.AppendAudit(ctx, user, action, annotationTargetName(id), before, after)
	})
	if err != nil {
		h.respondErr(c, err)
		return
	}
	respondData(c, staffAnnotation(after))
}
