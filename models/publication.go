package models

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Scope chooses which score run of a jurisdiction a read sees.
type Scope int

const (
	// Published is what the public sees: the run of the jurisdiction's
	// newest published review, and nothing scored since.
	Published Scope = iota
	// Draft is what staff see: the newest run, published or not.
	Draft
)

// latestRun is a LATERAL subquery yielding the one score run of
// jurisdiction j.code under rubric version $1 that scope sees, with the
// columns cols of score_runs r.
func latestRun(scope Scope, cols string) string {
	if scope == Draft {
		return `SELECT ` + cols + ` FROM score_runs r
			WHERE r.jurisdiction = j.code AND r.rubric_version = $1
			ORDER BY r.computed_at DESC, r.id DESC LIMIT 1`
	}
	return `SELECT ` + cols + ` FROM scorecard_reviews p JOIN score_runs r ON r.id = p.score_run_id
		WHERE p.jurisdiction = j.code AND p.state = 'published' AND r.rubric_version = $1
		ORDER BY p.published_at DESC, p.id DESC LIMIT 1`
}

// ReviewState is where a scorecard review stands.
type ReviewState string

// The review states, in the order a review passes through them.
const (
	ReviewDraft     ReviewState = "draft"
	ReviewReply     ReviewState = "reply"
	ReviewPublished ReviewState = "published"
	ReviewWithdrawn ReviewState = "withdrawn"
)

// ScorecardReview carries one jurisdiction's scorecard from draft through
// the state agency's right of reply to publication.
type ScorecardReview struct {
	ID           int64       `db:"id" json:"id"`
	Jurisdiction string      `db:"jurisdiction" json:"jurisdiction"`
	State        ReviewState `db:"state" json:"state"`
	// ScoreRunID is the run under review: null while a draft follows the
	// newest run, fixed once the agency is asked to reply.
	ScoreRunID *int64    `db:"score_run_id" json:"score_run_id"`
	Note       string    `db:"note" json:"note"`
	CreatedBy  string    `db:"created_by" json:"created_by"`
	CreatedAt  time.Time `db:"created_at" json:"created_at"`
	// ReplyContact is who was asked to reply (staff only: never published).
	ReplyContact     string     `db:"reply_contact" json:"reply_contact"`
	ReplyRequestedBy *string    `db:"reply_requested_by" json:"reply_requested_by"`
	ReplyRequestedAt *time.Time `db:"reply_requested_at" json:"reply_requested_at"`
	ReplyDueAt       *time.Time `db:"reply_due_at" json:"reply_due_at"`
	ReplyBody        *string    `db:"reply_body" json:"reply_body"`
	ReplyName        *string    `db:"reply_name" json:"reply_name"`
	ReplyTitle       *string    `db:"reply_title" json:"reply_title"`
	RepliedAt        *time.Time `db:"replied_at" json:"replied_at"`
	PublishedBy      *string    `db:"published_by" json:"published_by"`
	PublishedAt      *time.Time `db:"published_at" json:"published_at"`
	Demo             bool       `db:"demo" json:"demo"`
}

// Publication is what the public is told of a published scorecard: when
// it was published, whether the agency was offered a reply, and the reply.
type Publication struct {
	ReviewID         int64      `json:"review_id"`
	PublishedAt      time.Time  `json:"published_at"`
	ReplyRequestedAt *time.Time `json:"reply_requested_at"`
	ReplyDueAt       *time.Time `json:"reply_due_at"`
	Reply            *Reply     `json:"reply"`
}

// Reply is a state agency's response to its scorecard, published beside it.
type Reply struct {
	Body        string    `json:"body"`
	Name        string    `json:"name"`
	Title       string    `json:"title"`
	SubmittedAt time.Time `json:"submitted_at"`
}

// Publication is the public part of a published review.
func (r ScorecardReview) Publication() *Publication {
	if r.State != ReviewPublished || r.PublishedAt == nil {
		return nil
	}
	p := &Publication{ReviewID: r.ID, PublishedAt: r.PublishedAt.UTC(), ReplyRequestedAt: r.ReplyRequestedAt, ReplyDueAt: r.ReplyDueAt}
	if r.RepliedAt != nil && r.ReplyBody != nil {
		p.Reply = &Reply{Body: *r.ReplyBody, Name: derefString(r.ReplyName), Title: derefString(r.ReplyTitle), SubmittedAt: r.RepliedAt.UTC()}
	}
	return p
}

func derefString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Errors of the review workflow.
var (
	// ErrWrongState is a workflow step asked of a review not in the state
	// the step starts from: answered 409.
	ErrWrongState = errors.New("the scorecard review is not in a state that allows this")
	// ErrTokenSpent is a reply link already used, expired, or never
	// issued: answered 410.
	ErrTokenSpent = errors.New("this reply link has been used or has expired")
)

const reviewColumns = `id, jurisdiction, state, score_run_id, note, created_by, created_at, reply_contact,
	reply_requested_by, reply_requested_at, reply_due_at, reply_body, reply_name, reply_title, replied_at,
	published_by, published_at, demo`

// OpenReview returns the jurisdiction's open review (a draft, or one
// awaiting the agency's reply), opening a draft when there is none.
func (s *Store) OpenReview(ctx context.Context, code, actor string, now time.Time) (ScorecardReview, bool, error) {
	j, err := s.JurisdictionByCode(ctx, code)
	if err != nil {
		return ScorecardReview{}, false, err
	}
	var r ScorecardReview
	err = s.q.GetContext(ctx, &r, `
		INSERT INTO scorecard_reviews (jurisdiction, state, created_by, created_at)
		VALUES ($1, 'draft', $2, $3)
		ON CONFLICT (jurisdiction) WHERE state IN ('draft', 'reply') DO NOTHING
		RETURNING `+reviewColumns, j.Code, actor, now)
	if err == nil {
		return r, true, nil
	}
	if !isNoRows(err) {
		return r, false, wrapErr("open review of "+j.Code, err)
	}
	r, err = s.CurrentReview(ctx, j.Code)
	return r, false, err
}

// CurrentReview returns the jurisdiction's open review, or else its newest
// one; ErrNotFound when it has never had one.
func (s *Store) CurrentReview(ctx context.Context, code string) (ScorecardReview, error) {
	var r ScorecardReview
	err := s.q.GetContext(ctx, &r, `SELECT `+reviewColumns+` FROM scorecard_reviews
		WHERE jurisdiction = $1
		ORDER BY state IN ('draft', 'reply') DESC, created_at DESC, id DESC LIMIT 1`, NormalizeCode(code))
	return r, wrapErr("review of "+code, err)
}

// ReviewByID returns one review.
func (s *Store) ReviewByID(ctx context.Context, id int64) (ScorecardReview, error) {
	var r ScorecardReview
	err := s.q.GetContext(ctx, &r, `SELECT `+reviewColumns+` FROM scorecard_reviews WHERE id = $1`, id)
	return r, wrapErr(fmt.Sprintf("review %d", id), err)
}

// ReplyRequest is what staff send with a request for the agency's reply.
type ReplyRequest struct {
	// Contact names who is asked (kept for staff, never published).
	Contact string
	// Due is when the reply window closes; the link stops working then.
	Due time.Time
}

// RequestReply moves the jurisdiction's draft to the agency's right of
// reply: it fixes the newest score run as the one under review and issues
// a single-use reply token, returned once and kept only as its sha256.
func (s *Store) RequestReply(ctx context.Context, code string, req ReplyRequest, actor string, now time.Time) (ScorecardReview, string, error) {
	fields := map[string]string{}
	if strings.TrimSpace(req.Contact) == "" {
		fields["contact"] = "must name who at the agency is asked to reply"
	} else if len(req.Contact) > 300 {
		fields["contact"] = "must be at most 300 characters"
	}
	if !req.Due.After(now) {
		fields["due"] = "must be in the future"
	}
	if len(fields) > 0 {
		return ScorecardReview{}, "", &ValidationError{Fields: fields}
	}
	r, err := s.lockOpenReview(ctx, code)
	if err != nil {
		return r, "", err
	}
	if r.State != ReviewDraft {
		return r, "", fmt.Errorf("ask %s for a reply: review %d is %s: %w", r.Jurisdiction, r.ID, r.State, ErrWrongState)
	}
	card, err := s.newestCard(ctx, r.Jurisdiction)
	if err != nil {
		return r, "", fmt.Errorf("ask %s for a reply: %w", r.Jurisdiction, err)
	}
	token, hash, err := newReplyToken()
	if err != nil {
		return r, "", err
	}
	err = s.q.GetContext(ctx, &r, `
		UPDATE scorecard_reviews SET state = 'reply', score_run_id = $2, reply_contact = $3,
			reply_token_sha256 = $4, reply_requested_by = $5, reply_requested_at = $6, reply_due_at = $7
		WHERE id = $1 RETURNING `+reviewColumns,
		r.ID, card.ScoreRunID, strings.TrimSpace(req.Contact), hash, actor, now, req.Due)
	if err != nil {
		return r, "", wrapErr("ask for a reply", err)
	}
	return r, token, nil
}

// newestCard is the jurisdiction's newest score run under the current
// rubric: what a review asks about and publishes.
func (s *Store) newestCard(ctx context.Context, code string) (Scorecard, error) {
	rubric, err := s.CurrentRubric(ctx)
	if err != nil {
		return Scorecard{}, err
	}
	return s.LatestScorecard(ctx, code, rubric.Version)
}

func (s *Store) lockOpenReview(ctx context.Context, code string) (ScorecardReview, error) {
	var r ScorecardReview
	err := s.q.GetContext(ctx, &r, `SELECT `+reviewColumns+` FROM scorecard_reviews
		WHERE jurisdiction = $1 AND state IN ('draft', 'reply') FOR UPDATE`, NormalizeCode(code))
	if isNoRows(err) {
		return r, fmt.Errorf("%s has no open review: %w", NormalizeCode(code), ErrWrongState)
	}
	return r, wrapErr("open review of "+code, err)
}

// newReplyToken returns a random token, URL-safe, and its sha256.
func newReplyToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("reply token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, SHA256Hex([]byte(token)), nil
}

// ReviewByReplyToken returns the review a reply link belongs to while the
// link can still be used; ErrTokenSpent otherwise.
func (s *Store) ReviewByReplyToken(ctx context.Context, token string, now time.Time) (ScorecardReview, error) {
	var r ScorecardReview
	err := s.q.GetContext(ctx, &r, `SELECT `+reviewColumns+` FROM scorecard_reviews
		WHERE reply_token_sha256 = $1`, SHA256Hex([]byte(token)))
	if isNoRows(err) {
		return r, ErrTokenSpent
	}
	if err != nil {
		return r, wrapErr("review by reply token", err)
	}
	if r.State != ReviewReply || r.RepliedAt != nil || (r.ReplyDueAt != nil && !now.Before(*r.ReplyDueAt)) {
		return r, ErrTokenSpent
	}
	return r, nil
}

// ReplyInput is the agency's response.
type ReplyInput struct {
	Body, Name, Title string
}

// Validate checks a reply before it is stored.
func (in ReplyInput) Validate() error {
	fields := map[string]string{}
	if strings.TrimSpace(in.Body) == "" {
		fields["body"] = "must not be empty"
	} else if len(in.Body) > 20000 {
		fields["body"] = "must be at most 20,000 characters"
	}
	if strings.TrimSpace(in.Name) == "" {
		fields["name"] = "must say who replies"
	} else if len(in.Name) > 200 {
		fields["name"] = "must be at most 200 characters"
	}
	if len(in.Title) > 200 {
		fields["title"] = "must be at most 200 characters"
	}
	if len(fields) > 0 {
		return &ValidationError{Fields: fields}
	}
	return nil
}

// SubmitReply stores the agency's reply through its link, once: the token
// is spent by the same statement that stores the reply, so two submissions
// racing each other store one reply.
func (s *Store) SubmitReply(ctx context.Context, token string, in ReplyInput, now time.Time) (ScorecardReview, error) {
	if err := in.Validate(); err != nil {
		return ScorecardReview{}, err
	}
	var r ScorecardReview
	err := s.q.GetContext(ctx, &r, `
		UPDATE scorecard_reviews SET reply_body = $2, reply_name = $3, reply_title = $4, replied_at = $5
		WHERE reply_token_sha256 = $1 AND state = 'reply' AND replied_at IS NULL
			AND (reply_due_at IS NULL OR reply_due_at > $5)
		RETURNING `+reviewColumns, SHA256Hex([]byte(token)), strings.TrimSpace(in.Body),
		strings.TrimSpace(in.Name), strings.TrimSpace(in.Title), now)
	if isNoRows(err) {
		return r, ErrTokenSpent
	}
	return r, wrapErr("store reply", err)
}

// PublishReview publishes the jurisdiction's review that has offered the
// agency its reply: from now on the public sees the run under review, with
// the reply if one came.
func (s *Store) PublishReview(ctx context.Context, code, actor string, now time.Time) (ScorecardReview, error) {
	r, err := s.lockOpenReview(ctx, code)
	if err != nil {
		return r, err
	}
	if r.State != ReviewReply {
		return r, fmt.Errorf("publish %s: the agency has not been offered its reply: %w", r.Jurisdiction, ErrWrongState)
	}
	err = s.q.GetContext(ctx, &r, `
		UPDATE scorecard_reviews SET state = 'published', published_by = $2, published_at = $3
		WHERE id = $1 RETURNING `+reviewColumns, r.ID, actor, now)
	return r, wrapErr("publish review", err)
}

// WithdrawReview closes the jurisdiction's open review without publishing
// it (its reply link stops working); a new draft can then be opened.
func (s *Store) WithdrawReview(ctx context.Context, code, reason string, now time.Time) (ScorecardReview, error) {
	if strings.TrimSpace(reason) == "" {
		return ScorecardReview{}, &ValidationError{Fields: map[string]string{"reason": "is required to withdraw a review"}}
	}
	r, err := s.lockOpenReview(ctx, code)
	if err != nil {
		return r, err
	}
	err = s.q.GetContext(ctx, &r, `UPDATE scorecard_reviews SET state = 'withdrawn',
		note = btrim(note || E'\n' || $2) WHERE id = $1 RETURNING `+reviewColumns, r.ID, strings.TrimSpace(reason))
	return r, wrapErr("withdraw review", err)
}

// PublishLatestDirectly publishes the jurisdiction's newest score run
// without a right of reply, saying why in note. Only demonstration data can
// be published this way (heard serve --demo): a real scorecard is refused
// with ErrWrongState and goes through RequestReply and PublishReview.
func (s *Store) PublishLatestDirectly(ctx context.Context, code, actor, note string, now time.Time) (ScorecardReview, error) {
	card, err := s.newestCard(ctx, code)
	if err != nil {
		return ScorecardReview{}, err
	}
	if !card.Demo {
		return ScorecardReview{}, fmt.Errorf("publish %s without a reply: its scorecard is not demonstration data: %w", code, ErrWrongState)
	}
	var r ScorecardReview
	err = s.q.GetContext(ctx, &r, `
		INSERT INTO scorecard_reviews (jurisdiction, state, score_run_id, note, created_by, created_at,
			published_by, published_at, demo)
		VALUES ($1, 'published', $2, $3, $4, $5, $4, $5, $6) RETURNING `+reviewColumns,
		card.Jurisdiction, card.ScoreRunID, note, actor, now, card.Demo)
	return r, wrapErr("publish "+code, err)
}

// PublishedReviews returns, by jurisdiction code, the review in force: the
// newest published one.
func (s *Store) PublishedReviews(ctx context.Context) (map[string]ScorecardReview, error) {
	var rows []ScorecardReview
	err := s.q.SelectContext(ctx, &rows, `SELECT DISTINCT ON (jurisdiction) `+reviewColumns+`
		FROM scorecard_reviews WHERE state = 'published'
		ORDER BY jurisdiction, published_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("published reviews: %w", err)
	}
	out := make(map[string]ScorecardReview, len(rows))
	for _, r := range rows {
		out[r.Jurisdiction] = r
	}
	return out, nil
}

// ReviewsOf lists a jurisdiction's reviews, newest first.
func (s *Store) ReviewsOf(ctx context.Context, code string) ([]ScorecardReview, error) {
	out := []ScorecardReview{}
	err := s.q.SelectContext(ctx, &out, `SELECT `+reviewColumns+` FROM scorecard_reviews
		WHERE jurisdiction = $1 ORDER BY created_at DESC, id DESC`, NormalizeCode(code))
	if err != nil {
		return nil, fmt.Errorf("reviews of %s: %w", code, err)
	}
	return out, nil
}

// OpenReviews returns the open review (draft or awaiting reply) of each
// jurisdiction that has one, by code.
func (s *Store) OpenReviews(ctx context.Context) (map[string]ScorecardReview, error) {
	var rows []ScorecardReview
	err := s.q.SelectContext(ctx, &rows, `SELECT `+reviewColumns+` FROM scorecard_reviews
		WHERE state IN ('draft', 'reply')`)
	if err != nil {
		return nil, fmt.Errorf("open reviews: %w", err)
	}
	out := make(map[string]ScorecardReview, len(rows))
	for _, r := range rows {
		out[r.Jurisdiction] = r
	}
	return out, nil
}
