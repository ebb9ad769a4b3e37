package models

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Visibility says who may read an annotation.
type Visibility string

// The visibilities.
const (
	// VisibilityPublic notes are shown with the evidence on the state page
	// and in the public API.
	VisibilityPublic Visibility = "public"
	// VisibilityStaff notes are for staff only.
	VisibilityStaff Visibility = "staff"
)

// Valid reports whether v is public or staff.
func (v Visibility) Valid() bool { return v == VisibilityPublic || v == VisibilityStaff }

// Limits of an annotation's body and tags, in characters.
const (
	MaxAnnotationBody = 10000
	MaxTags           = 20
	MaxTagLen         = 50
)

// Annotation is a staff note on a passage of the evidence behind an
// activity: Exact, Prefix and Suffix are the passage and its context as
// they read in the snapshot's text, and Start and End where it is there.
type Annotation struct {
	ID             int64      `db:"id" json:"id"`
	ActivityID     int64      `db:"activity_id" json:"activity_id"`
	SnapshotSHA256 string     `db:"snapshot_sha256" json:"snapshot_sha256"`
	Exact          string     `db:"exact" json:"exact"`
	Prefix         string     `db:"prefix" json:"prefix"`
	Suffix         string     `db:"suffix" json:"suffix"`
	Start          int        `db:"start_offset" json:"start"`
	End            int        `db:"end_offset" json:"end"`
	Body           string     `db:"body" json:"body"`
	Tags           StringList `db:"tags" json:"tags"`
	Visibility     Visibility `db:"visibility" json:"visibility"`
	AuthorID       *int64     `db:"author_id" json:"author_id"`
	Author         string     `db:"author" json:"author"`
	CreatedAt      time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt      time.Time  `db:"updated_at" json:"updated_at"`
	DeletedAt      *time.Time `db:"deleted_at" json:"deleted_at"`
	DeletedBy      *string    `db:"deleted_by" json:"deleted_by"`
}

const annotationColumns = `id, activity_id, snapshot_sha256, exact, prefix, suffix, start_offset, end_offset,
	body, tags, visibility, author_id, author, created_at, updated_at, deleted_at, deleted_by`

// AnnotationInput is what staff send to annotate a passage of an activity's
// evidence. An empty Visibility means staff-only: a note is published only
// when its author says so.
type AnnotationInput struct {
	ActivityID     int64
	SnapshotSHA256 string
	Quote          TextQuote
	Body           string
	Tags           []string
	Visibility     Visibility
}

// AnnotationPatch changes an annotation; nil fields stay as they are.
type AnnotationPatch struct {
	Body       *string
	Tags       *[]string
	Visibility *Visibility
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// checkBody trims an annotation's body and names what is wrong with it.
func checkBody(body string, fields map[string]string) string {
	body = strings.TrimSpace(body)
	switch {
	case body == "":
		fields["body"] = "is required: say what the passage shows"
	case utf8.RuneCountInString(body) > MaxAnnotationBody:
		fields["body"] = fmt.Sprintf("must be at most %d characters", MaxAnnotationBody)
	case strings.ContainsRune(body, 0):
		fields["body"] = "must not contain NUL characters"
	}
	return body
}

// NormalizeTags lower-cases and trims each tag, makes inner whitespace one
// space, and drops empty and repeated tags, keeping the first order.
func NormalizeTags(tags []string) (StringList, error) {
	out := StringList{}
	for _, t := range tags {
		t = strings.ToLower(strings.Join(strings.Fields(t), " "))
		switch {
		case t == "" || out.Has(t):
			continue
		case utf8.RuneCountInString(t) > MaxTagLen:
			return nil, &ValidationError{Fields: map[string]string{"tags": fmt.Sprintf("each tag must be at most %d characters", MaxTagLen)}}
		case strings.IndexFunc(t, unicode.IsControl) >= 0:
			return nil, &ValidationError{Fields: map[string]string{"tags": "tags must not contain control characters"}}
		}
		if out = append(out, t); len(out) > MaxTags {
			return nil, &ValidationError{Fields: map[string]string{"tags": fmt.Sprintf("at most %d distinct tags", MaxTags)}}
		}
	}
	return out, nil
}

// checkTags normalizes tags, naming what is wrong with them in fields.
func checkTags(tags []string, fields map[string]string) StringList {
	out, err := NormalizeTags(tags)
	var verr *ValidationError
	if errors.As(err, &verr) {
		fields["tags"] = verr.Fields["tags"]
	}
	return out
}

func checkVisibility(v Visibility, fields map[string]string) {
	if !v.Valid() {
		fields["visibility"] = "must be public or staff"
	}
}

// AddAnnotation anchors a new annotation's quote in the text of the
// snapshot, which must be one of the activity's sources, and stores it as
// written by author at at. Every problem with the input is reported at once
// in a ValidationError; a quote that cannot be found names "selector".
func (s *Store) AddAnnotation(ctx context.Context, in AnnotationInput, author User, at time.Time) (Annotation, error) {
	fields := map[string]string{}
	body := checkBody(in.Body, fields)
	tags := checkTags(in.Tags, fields)
	if in.Visibility == "" {
		in.Visibility = VisibilityStaff
	}
	checkVisibility(in.Visibility, fields)
	exact := strings.TrimSpace(in.Quote.Exact)
	switch {
	case exact == "":
		fields["selector.exact"] = "is required: quote the passage"
	case utf8.RuneCountInString(exact) > MaxQuoteLen:
		fields["selector.exact"] = fmt.Sprintf("must be at most %d characters", MaxQuoteLen)
	}
	for name, v := range map[string]string{"selector.prefix": in.Quote.Prefix, "selector.suffix": in.Quote.Suffix} {
		if utf8.RuneCountInString(v) > MaxContextLen {
			fields[name] = fmt.Sprintf("must be at most %d characters", MaxContextLen)
		}
	}
	if strings.TrimSpace(author.Email) == "" {
		fields["author"] = "is required"
	}
	var anchor Anchor
	switch {
	case in.ActivityID < 1:
		fields["activity_id"] = "must be a positive whole number"
	case !sha256Hex.MatchString(in.SnapshotSHA256):
		fields["snapshot_sha256"] = "must be 64 lower-case hex digits"
	default:
		text, found, err := s.sourceText(ctx, in.ActivityID, in.SnapshotSHA256, fields)
		if err != nil {
			return Annotation{}, err
		}
		if !found || fields["selector.exact"] != "" {
			break
		}
		var ok bool
		if anchor, ok = AnchorQuote(text, in.Quote); !ok {
			fields["selector"] = "the quoted passage, with its prefix and suffix, is not in the snapshot's text"
		} else if anchor.End-anchor.Start > MaxQuoteLen {
			fields["selector.exact"] = fmt.Sprintf("must be at most %d characters as it reads in the snapshot", MaxQuoteLen)
		}
	}
	if len(fields) > 0 {
		return Annotation{}, &ValidationError{Fields: fields}
	}
	var authorID *int64
	if author.ID != 0 {
		authorID = &author.ID
	}
	var out Annotation
	err := s.q.GetContext(ctx, &out, `
		INSERT INTO annotations (activity_id, snapshot_sha256, exact, prefix, suffix, start_offset, end_offset,
			body, tags, visibility, author_id, author, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
		RETURNING `+annotationColumns,
		in.ActivityID, in.SnapshotSHA256, anchor.Exact, anchor.Prefix, anchor.Suffix, anchor.Start, anchor.End,
		body, tags, in.Visibility, authorID, author.Email, at)
	if err != nil {
		return Annotation{}, wrapErr("add annotation", err)
	}
	return out, nil
}

// sourceText returns the extracted text of the snapshot if it is one of
// the activity's sources and has text to quote; otherwise found is false
// and fields say what is wrong.
func (s *Store) sourceText(ctx context.Context, activityID int64, sha string, fields map[string]string) (text string, found bool, err error) {
	var row struct {
		Activity bool    `db:"activity"`
		Text     *string `db:"text"`
	}
	err = s.q.GetContext(ctx, &row, `
		SELECT EXISTS (SELECT 1 FROM activities WHERE id = $1) AS activity,
			(SELECT sn.text FROM activity_sources src JOIN snapshots sn ON sn.sha256 = src.snapshot_sha256
			 WHERE src.activity_id = $1 AND src.snapshot_sha256 = $2 LIMIT 1) AS text`, activityID, sha)
	if err != nil {
		return "", false, fmt.Errorf("text of snapshot %s of activity %d: %w", sha, activityID, err)
	}
	switch {
	case !row.Activity:
		fields["activity_id"] = fmt.Sprintf("there is no activity %d", activityID)
	case row.Text == nil:
		fields["snapshot_sha256"] = fmt.Sprintf("is not a snapshot of one of activity %d's sources", activityID)
	case strings.TrimSpace(*row.Text) == "":
		fields["snapshot_sha256"] = "this snapshot has no extracted text to quote"
	default:
		return *row.Text, true, nil
	}
	return "", false, nil
}

// AnnotationByID returns one annotation, deleted or not.
func (s *Store) AnnotationByID(ctx context.Context, id int64) (Annotation, error) {
	var a Annotation
	if err := s.q.GetContext(ctx, &a, `SELECT `+annotationColumns+` FROM annotations WHERE id = $1`, id); err != nil {
		return a, wrapErr(fmt.Sprintf("annotation %d", id), err)
	}
	return a, nil
}

// annotationForUpdate locks an annotation for the rest of the transaction.
func (s *Store) annotationForUpdate(ctx context.Context, id int64) (Annotation, error) {
	var a Annotation
	if err := s.q.GetContext(ctx, &a, `SELECT `+annotationColumns+` FROM annotations WHERE id = $1 FOR UPDATE`, id); err != nil {
		return a, wrapErr(fmt.Sprintf("annotation %d", id), err)
	}
	return a, nil
}

// UpdateAnnotation changes the body, tags or visibility of an annotation
// and returns it before and after. The quote is not editable: a note on
// another passage is another annotation. A deleted annotation is
// ErrConflict until an admin restores it.
func (s *Store) UpdateAnnotation(ctx context.Context, id int64, p AnnotationPatch, at time.Time) (Annotation, Annotation, error) {
	fields := map[string]string{}
	if p.Body == nil && p.Tags == nil && p.Visibility == nil {
		fields["request"] = "send at least one of body, tags and visibility"
	}
	var body *string
	if p.Body != nil {
		b := checkBody(*p.Body, fields)
		body = &b
	}
	var tags *StringList
	if p.Tags != nil {
		t := checkTags(*p.Tags, fields)
		tags = &t
	}
	if p.Visibility != nil {
		checkVisibility(*p.Visibility, fields)
	}
	if len(fields) > 0 {
		return Annotation{}, Annotation{}, &ValidationError{Fields: fields}
	}
	before, err := s.annotationForUpdate(ctx, id)
	if err != nil {
		return before, before, err
	}
	if before.DeletedAt != nil {
		return before, before, fmt.Errorf("annotation %d is deleted: %w", id, ErrConflict)
	}
	var after Annotation
	err = s.q.GetContext(ctx, &after, `
		UPDATE annotations SET body = coalesce($2, body), tags = coalesce($3, tags),
			visibility = coalesce($4, visibility), updated_at = greatest($5, created_at)
		WHERE id = $1 RETURNING `+annotationColumns, id, body, tags, p.Visibility, at)
	if err != nil {
		return before, before, wrapErr(fmt.Sprintf("update annotation %d", id), err)
	}
	return before, after, nil
}

// DeleteAnnotation hides an annotation, recording who deleted it and when,
// and returns it before and after; the row is kept for an admin to restore.
// An annotation already deleted is ErrConflict.
func (s *Store) DeleteAnnotation(ctx context.Context, id int64, by string, at time.Time) (Annotation, Annotation, error) {
	return s.setAnnotationDeleted(ctx, id, &by, at)
}

// RestoreAnnotation brings back a deleted annotation and returns it before
// and after. An annotation that is not deleted is ErrConflict.
func (s *Store) RestoreAnnotation(ctx context.Context, id int64, at time.Time) (Annotation, Annotation, error) {
	return s.setAnnotationDeleted(ctx, id, nil, at)
}

// setAnnotationDeleted deletes an annotation as by, or restores it when by
// is nil.
func (s *Store) setAnnotationDeleted(ctx context.Context, id int64, by *string, at time.Time) (Annotation, Annotation, error) {
	before, err := s.annotationForUpdate(ctx, id)
	if err != nil {
		return before, before, err
	}
	switch deleted := before.DeletedAt != nil; {
	case deleted && by != nil:
		return before, before, fmt.Errorf("annotation %d is already deleted: %w", id, ErrConflict)
	case !deleted && by == nil:
		return before, before, fmt.Errorf("annotation %d is not deleted: %w", id, ErrConflict)
	}
	var deletedAt *time.Time
	if by != nil {
		deletedAt = &at
	}
	var after Annotation
	err = s.q.GetContext(ctx, &after, `
		UPDATE annotations SET deleted_at = $2, deleted_by = $3, updated_at = greatest($4, created_at)
		WHERE id = $1 RETURNING `+annotationColumns, id, deletedAt, by, at)
	if err != nil {
		return before, before, wrapErr(fmt.Sprintf("delete or restore annotation %d", id), err)
	}
	return before, after, nil
}

// AnnotationFilter chooses the annotations to list.
type AnnotationFilter struct {
	// ActivityIDs are the activities whose annotations to list.
	ActivityIDs []int64
	// IncludeStaff lists staff-only annotations as well as public ones.
	IncludeStaff bool
	// IncludeDeleted lists deleted annotations too.
	IncludeDeleted bool
}

// Annotations lists the annotations of the filter's activities in one
// query, by activity, oldest first.
func (s *Store) Annotations(ctx context.Context, f AnnotationFilter) ([]Annotation, error) {
	out := []Annotation{}
	if len(f.ActivityIDs) == 0 {
		return out, nil
	}
	err := s.q.SelectContext(ctx, &out, `SELECT `+annotationColumns+` FROM annotations
		WHERE activity_id = ANY($1) AND ($2 OR visibility = 'public') AND ($3 OR deleted_at IS NULL)
		ORDER BY activity_id, created_at, id`, Int64List(f.ActivityIDs), f.IncludeStaff, f.IncludeDeleted)
	if err != nil {
		return nil, fmt.Errorf("annotations: %w", err)
	}
	return out, nil
}

// AnnotationsByActivity groups annotations by their activity's id.
func AnnotationsByActivity(list []Annotation) map[int64][]Annotation {
	out := map[int64][]Annotation{}
	for _, a := range list {
		out[a.ActivityID] = append(out[a.ActivityID], a)
	}
	return out
}
