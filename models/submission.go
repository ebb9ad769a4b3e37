package models

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Origin is how an activity reached Heard.
type Origin string

// The origins of an activity. A public report is untrusted: it counts in
// no score and shows in no public list until staff accept it.
const (
	OriginCollected Origin = "collected"
	OriginStaff     Origin = "staff"
	OriginPublic    Origin = "public"
)

// Withheld reports whether the activity is kept from the public: a report
// from the public that staff have not accepted (yet, or ever).
func (a Activity) Withheld() bool {
	return a.Origin == OriginPublic && a.ReviewStatus != "accepted"
}

// withheldCond keeps the activities that are not Withheld.
const withheldCond = "(origin <> 'public' OR review_status = 'accepted')"

// Classification says what extraction made of a submitted URL.
type Classification string

// The classifications of a submission.
const (
	// ClassRelevant: extraction found engagement on education policy.
	ClassRelevant Classification = "relevant"
	// ClassUnsure: extraction would have dropped the page; it is kept,
	// typed as best it could, because a person sent it.
	ClassUnsure Classification = "unsure"
	// ClassUnread: the URL could not be fetched or read; the record holds
	// what the person said.
	ClassUnread Classification = "unread"
)

// Limits on what a submission may hold, in characters.
const (
	MaxSubmissionURL          = 2048
	MaxSubmissionDescription  = 4000
	MaxSubmissionOrganization = 200
	MaxSubmissionContact      = 200
)

// Submission is evidence someone submitted by URL: a staff member, or
// anyone through the public form.
type Submission struct {
	ID           int64  `db:"id" json:"id"`
	Jurisdiction string `db:"jurisdiction" json:"jurisdiction"`
	Origin       Origin `db:"origin" json:"origin"`
	URL          string `db:"url" json:"url"`
	// Description is what happened, in the submitter's words.
	Description  string `db:"description" json:"description"`
	Organization string `db:"organization" json:"organization"`
	// Contact is for staff only: no public page or list may show it.
	Contact string `db:"contact" json:"contact"`
	// Credit is the consent to be credited by organization once accepted.
	Credit bool `db:"credit" json:"credit"`
	// SubmittedBy is the staff member's email; empty for the public.
	SubmittedBy string `db:"submitted_by" json:"submitted_by"`
	// Status is "fetched" when the URL was fetched and read, "failed"
	// otherwise, with Error saying why.
	Status         string         `db:"status" json:"status"`
	Classification Classification `db:"classification" json:"classification"`
	Error          string         `db:"error" json:"error"`
	FinalURL       string         `db:"final_url" json:"final_url"`
	MediaType      string         `db:"media_type" json:"media_type"`
	SnapshotSHA256 *string        `db:"snapshot_sha256" json:"snapshot_sha256"`
	ActivityID     *int64         `db:"activity_id" json:"activity_id"`
	CreatedAt      time.Time      `db:"created_at" json:"created_at"`
}

// Normalize trims the submission's text fields and upper-cases its
// jurisdiction, as they are stored.
func (s *Submission) Normalize() {
	s.Jurisdiction = NormalizeCode(s.Jurisdiction)
	s.URL = strings.TrimSpace(s.URL)
	s.Description = strings.TrimSpace(s.Description)
	s.Organization = strings.TrimSpace(s.Organization)
	s.Contact = strings.TrimSpace(s.Contact)
}

// Validate checks a submission as received, before anything is fetched:
// every bad field is named at once. A public report must say what
// happened; a staff member's note is optional.
func (s Submission) Validate() error {
	fields := map[string]string{}
	if len(s.Jurisdiction) != 2 {
		fields["jurisdiction"] = "must be the postal code of a state, DC or PR"
	}
	if s.Origin != OriginStaff && s.Origin != OriginPublic {
		fields["origin"] = "must be staff or public"
	}
	if msg := checkSubmissionURL(s.URL); msg != "" {
		fields["url"] = msg
	}
	if s.Origin == OriginPublic && s.Description == "" {
		fields["description"] = "is required: say what happened"
	}
	for _, f := range []struct {
		name, value string
		max         int
	}{
		{"description", s.Description, MaxSubmissionDescription},
		{"organization", s.Organization, MaxSubmissionOrganization},
		{"contact", s.Contact, MaxSubmissionContact},
	} {
		switch {
		case !utf8.ValidString(f.value) || strings.ContainsRune(f.value, 0):
			fields[f.name] = "must be plain text"
		case utf8.RuneCountInString(f.value) > f.max:
			fields[f.name] = fmt.Sprintf("must be at most %d characters", f.max)
		}
	}
	if len(fields) > 0 {
		return &ValidationError{Fields: fields}
	}
	return nil
}

// checkSubmissionURL says what is wrong with a submitted URL, "" if
// nothing. Whether its host may be reached is the fetcher's to decide.
func checkSubmissionURL(raw string) string {
	if raw == "" {
		return "is required"
	}
	if len(raw) > MaxSubmissionURL {
		return fmt.Sprintf("must be at most %d characters", MaxSubmissionURL)
	}
	if !utf8.ValidString(raw) || strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "must be a single web address without spaces"
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "must be a web address starting with http:// or https://"
	}
	return ""
}

// Evidence is what reading one submitted URL gave: the fetch as made, the
// body when one was read, and the activity read from it or, when nothing
// could be read, built from what the submitter said. Scrapers make it;
// AddSubmission stores it.
type Evidence struct {
	// Fetch is the request for the URL; its ids are set when it is stored.
	Fetch Fetch
	// Robots are the robots.txt requests the fetch needed.
	Robots []Fetch
	// Snapshot is the body read, with its text; nil when none arrived.
	Snapshot *Snapshot
	// Activity is the record to queue for review.
	Activity       Activity
	Classification Classification
	// Error says why the URL could not be fetched or read; empty when it
	// was.
	Error string
}

const submissionColumns = `id, jurisdiction, origin, url, description, organization, contact, credit,
	submitted_by, status, classification, error, final_url, media_type, snapshot_sha256, activity_id, created_at`

// AddSubmission stores a submission with what reading it gave, in one
// transaction: the submission, its fetches, the snapshot, and the
// activity queued for review (review status new, origin the submission's),
// whose provenance is the submission. When no page was read, the report
// itself — the URL and what the submitter said — is stored as the
// snapshot, so the record keeps a source like every other and nothing a
// person sent is lost. It returns the submission and the activity as
// stored.
func (s *Store) AddSubmission(ctx context.Context, sub Submission, ev Evidence, now time.Time) (Submission, Activity, error) {
	sub.Normalize()
	if err := sub.Validate(); err != nil {
		return Submission{}, Activity{}, err
	}
	var saved Submission
	var act Activity
	err := s.InTx(ctx, func(tx *Store) error {
		j, err := tx.JurisdictionByCode(ctx, sub.Jurisdiction)
		if errors.Is(err, ErrNotFound) {
			return &ValidationError{Fields: map[string]string{"jurisdiction": "must be the postal code of a state, DC or PR"}}
		} else if err != nil {
			return err
		}
		sub.Jurisdiction = j.Code
		sub.Status, sub.Classification, sub.Error = "fetched", ev.Classification, ev.Error
		if ev.Error != "" {
			sub.Status = "failed"
		}
		if sub.Classification == "" {
			sub.Classification = ClassUnread
		}
		sub.FinalURL = ev.Fetch.FinalURL
		var pageKey *string
		if ev.Snapshot != nil {
			key, err := tx.PutSnapshot(ctx, *ev.Snapshot)
			if err != nil {
				return err
			}
			pageKey, sub.MediaType = &key, ev.Snapshot.MediaType
		}
		err = tx.q.GetContext(ctx, &sub.ID, `
			INSERT INTO submissions (jurisdiction, origin, url, description, organization, contact, credit,
				submitted_by, status, classification, error, final_url, media_type, snapshot_sha256, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
			sub.Jurisdiction, sub.Origin, sub.URL, sub.Description, sub.Organization, sub.Contact, sub.Credit,
			sub.SubmittedBy, sub.Status, sub.Classification, sub.Error, sub.FinalURL, sub.MediaType, pageKey, now)
		if err != nil {
			return wrapErr("insert submission", err)
		}
		f := ev.Fetch
		f.SourceID, f.SubmissionID, f.SHA256, f.Purpose = 0, sub.ID, pageKey, "submission"
		f.URL = sub.URL
		if f.StartedAt.IsZero() {
			f.StartedAt = now
		}
		if _, err := tx.InsertFetch(ctx, f); err != nil {
			return err
		}
		for _, rb := range ev.Robots {
			rb.SourceID, rb.SubmissionID, rb.Purpose = 0, sub.ID, "robots"
			if _, err := tx.InsertFetch(ctx, rb); err != nil {
				return err
			}
		}
		id, err := tx.insertSubmittedActivity(ctx, sub, j, ev, pageKey, now)
		if err != nil {
			return err
		}
		if _, err := tx.q.ExecContext(ctx, `UPDATE submissions SET activity_id = $2 WHERE id = $1`, sub.ID, id); err != nil {
			return wrapErr("link submission to activity", err)
		}
		if saved, err = tx.SubmissionByID(ctx, sub.ID); err != nil {
			return err
		}
		act, err = tx.ActivityByID(ctx, id)
		return err
	})
	if err != nil {
		return Submission{}, Activity{}, err
	}
	return saved, act, nil
}

// insertSubmittedActivity stores the activity of a submission under a key
// of its own, "submission:<id>": a report is its own record, never merged
// into a collected one, so that accepting or rejecting it touches nothing
// else.
func (s *Store) insertSubmittedActivity(ctx context.Context, sub Submission, j Jurisdiction, ev Evidence, pageKey *string, now time.Time) (int64, error) {
	a := ev.Activity
	a.Jurisdiction, a.DedupeKey, a.Origin = j.Code, fmt.Sprintf("submission:%d", sub.ID), sub.Origin
	if strings.TrimSpace(a.Title) == "" {
		a.Title = sub.URL
	}
	if a.TimeZone == "" {
		a.TimeZone = j.TimeZone
	}
	if a.Type == "" {
		a.Type = TypeOther
	}
	if a.Phase == "" {
		a.Phase = PhasePreDraft
	}
	if a.Status == "" {
		a.Status = StatusUnknown
	}
	if a.URL == "" {
		a.URL = sub.URL
	}
	for _, l := range []*StringList{&a.Languages, &a.AudienceGroups, &a.Features} {
		if *l == nil {
			*l = StringList{}
		}
	}
	if err := a.Validate(); err != nil {
		return 0, fmt.Errorf("activity of submission %d: %w", sub.ID, err)
	}
	a.ContentHash = a.Hash()
	var id int64
	err := s.q.GetContext(ctx, &id, `
		INSERT INTO activities (jurisdiction, dedupe_key, activity_type, title, description, url,
			start_at, end_at, all_day, time_zone, location, region, remote, languages, interpretation,
			accessibility, audience_groups, features, plan_phase, status, rules, content_hash,
			demo, first_seen, last_seen, updated_at, origin, review_status)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
			$19, $20, $21, $22, false, $23, $23, $23, $24, 'new')
		RETURNING id`,
		a.Jurisdiction, a.DedupeKey, a.Type, a.Title, a.Description, a.URL, a.Start, a.End, a.AllDay,
		a.TimeZone, a.Location, a.Region, a.Remote, a.Languages, a.Interpretation, a.Accessibility,
		a.AudienceGroups, a.Features, a.Phase, a.Status, a.Rules, a.ContentHash, now, a.Origin)
	if err != nil {
		return 0, wrapErr("insert activity of submission", err)
	}
	src := ActivitySource{SubmissionID: sub.ID, URL: sub.URL, RetrievedAt: now}
	switch {
	case pageKey != nil:
		src.SnapshotSHA256 = *pageKey
		if ev.Fetch.FinalURL != "" {
			src.URL = ev.Fetch.FinalURL
		}
		src.Note = "submitted by " + submitterNoun(sub.Origin)
	default:
		key, err := s.PutSnapshot(ctx, reportSnapshot(sub))
		if err != nil {
			return 0, err
		}
		src.SnapshotSHA256 = key
		src.Note = "report by " + submitterNoun(sub.Origin) + "; the page could not be read: " + sub.Error
	}
	if err := s.AddActivitySource(ctx, id, src); err != nil {
		return 0, err
	}
	return id, nil
}

func submitterNoun(o Origin) string {
	if o == OriginStaff {
		return "staff"
	}
	return "a member of the public"
}

// reportSnapshot is the stored copy of a report whose page could not be
// read: its URL and what the submitter said, never who they are.
func reportSnapshot(sub Submission) Snapshot {
	text := "Report submitted to Heard by " + submitterNoun(sub.Origin) + "\n" +
		"URL: " + sub.URL + "\n" +
		"What happened: " + sub.Description + "\n" +
		"The page could not be read: " + sub.Error + "\n"
	return Snapshot{MediaType: "text/plain; charset=utf-8", Body: []byte(text), Text: text, Extractor: "heard report"}
}

// SubmissionByID returns one submission.
func (s *Store) SubmissionByID(ctx context.Context, id int64) (Submission, error) {
	var sub Submission
	err := s.q.GetContext(ctx, &sub, `SELECT `+submissionColumns+` FROM submissions WHERE id = $1`, id)
	if err != nil {
		return sub, wrapErr(fmt.Sprintf("submission %d", id), err)
	}
	return sub, nil
}

// SubmissionsByActivity returns the submissions that produced the
// activities, by activity id; activities collected from sources have none.
func (s *Store) SubmissionsByActivity(ctx context.Context, activityIDs []int64) (map[int64]Submission, error) {
	out := map[int64]Submission{}
	if len(activityIDs) == 0 {
		return out, nil
	}
	var subs []Submission
	err := s.q.SelectContext(ctx, &subs, `SELECT `+submissionColumns+` FROM submissions
		WHERE activity_id = ANY($1)`, Int64List(activityIDs))
	if err != nil {
		return nil, fmt.Errorf("submissions of activities: %w", err)
	}
	for _, sub := range subs {
		out[*sub.ActivityID] = sub
	}
	return out, nil
}

// SnapshotWithheld reports whether a stored copy is kept from the public:
// one that only withheld reports (Activity.Withheld) point to, and that no
// source fetched. Anyone may make Heard store a page by reporting it; it
// is served only once staff accept the report.
func (s *Store) SnapshotWithheld(ctx context.Context, key string) (bool, error) {
	var withheld bool
	err := s.q.GetContext(ctx, &withheld, `
		SELECT EXISTS (
				SELECT 1 FROM activity_sources x JOIN activities a ON a.id = x.activity_id
				WHERE x.snapshot_sha256 = $1 AND NOT `+withheldCond+`)
			AND NOT EXISTS (
				SELECT 1 FROM activity_sources x JOIN activities a ON a.id = x.activity_id
				WHERE x.snapshot_sha256 = $1 AND `+withheldCond+`)
			AND NOT EXISTS (SELECT 1 FROM fetches f WHERE f.sha256 = $1 AND f.source_id IS NOT NULL)`, key)
	if err != nil {
		return false, fmt.Errorf("snapshot %s withheld: %w", key, err)
	}
	return withheld, nil
}
