package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Activity is one engagement activity: the record of DOMAIN.md.
type Activity struct {
	ID             int64            `db:"id" json:"id"`
	Jurisdiction   string           `db:"jurisdiction" json:"jurisdiction"`
	DedupeKey      string           `db:"dedupe_key" json:"dedupe_key"`
	Type           ActivityType     `db:"activity_type" json:"activity_type"`
	Title          string           `db:"title" json:"title"`
	Description    string           `db:"description" json:"description"`
	URL            string           `db:"url" json:"url"`
	Start          *time.Time       `db:"start_at" json:"start"`
	End            *time.Time       `db:"end_at" json:"end"`
	AllDay         bool             `db:"all_day" json:"all_day"`
	TimeZone       string           `db:"time_zone" json:"time_zone"`
	Location       string           `db:"location" json:"location"`
	Remote         bool             `db:"remote" json:"remote"`
	Languages      StringList       `db:"languages" json:"languages"`
	Interpretation bool             `db:"interpretation" json:"interpretation"`
	Accessibility  string           `db:"accessibility" json:"accessibility"`
	AudienceGroups StringList       `db:"audience_groups" json:"audience_groups"`
	Features       StringList       `db:"features" json:"features"`
	Phase          PlanPhase        `db:"plan_phase" json:"plan_phase"`
	Status         ActivityStatus   `db:"status" json:"status"`
	ReviewStatus   string           `db:"review_status" json:"review_status"`
	Rules          JSONMap          `db:"rules" json:"rules"`
	ContentHash    string           `db:"content_hash" json:"-"`
	Demo           bool             `db:"demo" json:"demo"`
	FirstSeen      time.Time        `db:"first_seen" json:"first_seen"`
	LastSeen       time.Time        `db:"last_seen" json:"last_seen"`
	UpdatedAt      time.Time        `db:"updated_at" json:"updated_at"`
	Sources        []ActivitySource `db:"-" json:"sources"`
}

// ActivitySource is where and when an activity was read: the provenance
// every activity must have at least one of.
type ActivitySource struct {
	ActivityID     int64     `db:"activity_id" json:"-"`
	SourceID       int64     `db:"source_id" json:"source_id"`
	URL            string    `db:"url" json:"url"`
	SnapshotSHA256 string    `db:"snapshot_sha256" json:"snapshot_sha256"`
	RetrievedAt    time.Time `db:"retrieved_at" json:"retrieved_at"`
	Note           string    `db:"note" json:"note"`
}

// HasFeature reports whether extraction observed f on the activity.
func (a Activity) HasFeature(f Feature) bool { return a.Features.Has(string(f)) }

// HasGroup reports whether the activity addressed g.
func (a Activity) HasGroup(g AudienceGroup) bool { return a.AudienceGroups.Has(string(g)) }

// Validate checks the record against the vocabularies before it is stored.
func (a Activity) Validate() error {
	fields := map[string]string{}
	if len(a.Jurisdiction) != 2 {
		fields["jurisdiction"] = "must be a two-letter code"
	}
	if strings.TrimSpace(a.Title) == "" {
		fields["title"] = "must not be empty"
	}
	if a.DedupeKey == "" {
		fields["dedupe_key"] = "must not be empty"
	}
	if !a.Type.Valid() {
		fields["activity_type"] = fmt.Sprintf("unknown type %q", a.Type)
	}
	if !a.Phase.Valid() {
		fields["plan_phase"] = fmt.Sprintf("unknown phase %q", a.Phase)
	}
	for _, g := range a.AudienceGroups {
		if !AudienceGroup(g).Valid() {
			fields["audience_groups"] = fmt.Sprintf("unknown group %q", g)
		}
	}
	if a.Start != nil && a.End != nil && a.End.Before(*a.Start) {
		fields["end"] = "must not be before start"
	}
	if len(fields) > 0 {
		return &ValidationError{Fields: fields}
	}
	return nil
}

// Hash is a digest of everything extraction decides about the activity, so
// a later scrape can tell an unchanged record from an updated one.
func (a Activity) Hash() string {
	view := struct {
		T, Title, Desc, URL, TZ, Loc, Acc, Phase, Status string
		Start, End                                       *time.Time
		AllDay, Remote, Interp                           bool
		Langs, Groups, Feats                             []string
	}{string(a.Type), a.Title, a.Description, a.URL, a.TimeZone, a.Location, a.Accessibility,
		string(a.Phase), string(a.Status), utcPtr(a.Start), utcPtr(a.End), a.AllDay, a.Remote,
		a.Interpretation, a.Languages, a.AudienceGroups, a.Features}
	b, _ := json.Marshal(view)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// UpsertOutcome says what UpsertActivity did.
type UpsertOutcome string

// The upsert outcomes, counted on each scrape run.
const (
	Inserted  UpsertOutcome = "inserted"
	Updated   UpsertOutcome = "updated"
	Unchanged UpsertOutcome = "unchanged"
)

const activityColumns = `id, jurisdiction, dedupe_key, activity_type, title, description, url,
	start_at, end_at, all_day, time_zone, location, remote, languages, interpretation,
	accessibility, audience_groups, features, plan_phase, status, review_status, rules,
	content_hash, demo, first_seen, last_seen, updated_at`

// UpsertActivity stores a scraped activity under its dedupe key, keeping the
// id of an earlier record of the same item, and records where it was read.
// A record whose content is unchanged only has its last_seen moved. The
// activity and its source are written in one transaction, so an activity is
// never stored without a source.
func (s *Store) UpsertActivity(ctx context.Context, a Activity, src ActivitySource) (int64, UpsertOutcome, error) {
	if err := a.Validate(); err != nil {
		return 0, "", err
	}
	if src.SourceID <= 0 || src.URL == "" || src.SnapshotSHA256 == "" {
		return 0, "", &ValidationError{Fields: map[string]string{"sources": "an activity needs a source, its URL and a snapshot"}}
	}
	a.ContentHash = a.Hash()
	var id int64
	var outcome UpsertOutcome
	err := s.InTx(ctx, func(tx *Store) error {
		var err error
		id, outcome, err = tx.upsertActivity(ctx, a, src)
		return err
	})
	if err != nil {
		return 0, "", err
	}
	return id, outcome, nil
}

func (s *Store) upsertActivity(ctx context.Context, a Activity, src ActivitySource) (int64, UpsertOutcome, error) {
	var row struct {
		ID       int64 `db:"id"`
		Inserted bool  `db:"inserted"`
	}
	err := s.q.GetContext(ctx, &row, `
		INSERT INTO activities (jurisdiction, dedupe_key, activity_type, title, description, url,
			start_at, end_at, all_day, time_zone, location, remote, languages, interpretation,
			accessibility, audience_groups, features, plan_phase, status, rules, content_hash,
			demo, first_seen, last_seen, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
			$18, $19, $20, $21, $22, $23, $23, $23)
		ON CONFLICT (jurisdiction, dedupe_key) DO UPDATE SET
			activity_type = EXCLUDED.activity_type, title = EXCLUDED.title,
			description = EXCLUDED.description, url = EXCLUDED.url,
			start_at = EXCLUDED.start_at, end_at = EXCLUDED.end_at, all_day = EXCLUDED.all_day,
			time_zone = EXCLUDED.time_zone, location = EXCLUDED.location, remote = EXCLUDED.remote,
			languages = EXCLUDED.languages, interpretation = EXCLUDED.interpretation,
			accessibility = EXCLUDED.accessibility, audience_groups = EXCLUDED.audience_groups,
			features = EXCLUDED.features, plan_phase = EXCLUDED.plan_phase,
			status = EXCLUDED.status, rules = EXCLUDED.rules,
			content_hash = EXCLUDED.content_hash, demo = EXCLUDED.demo,
			last_seen = EXCLUDED.last_seen, updated_at = EXCLUDED.updated_at
		WHERE activities.content_hash <> EXCLUDED.content_hash
		RETURNING id, (xmax = 0) AS inserted`,
		NormalizeCode(a.Jurisdiction), a.DedupeKey, a.Type, a.Title, a.Description, a.URL,
		a.Start, a.End, a.AllDay, a.TimeZone, a.Location, a.Remote, a.Languages, a.Interpretation,
		a.Accessibility, a.AudienceGroups, a.Features, a.Phase, a.Status, a.Rules, a.ContentHash,
		a.Demo, src.RetrievedAt)
	outcome := Updated
	switch {
	case err == nil && row.Inserted:
		outcome = Inserted
	case err == nil:
	case isNoRows(err):
		outcome = Unchanged
		err = s.q.GetContext(ctx, &row.ID, `
			UPDATE activities SET last_seen = greatest(last_seen, $3)
			WHERE jurisdiction = $1 AND dedupe_key = $2 RETURNING id`,
			NormalizeCode(a.Jurisdiction), a.DedupeKey, src.RetrievedAt)
		if err != nil {
			return 0, "", wrapErr("touch activity "+a.DedupeKey, err)
		}
	default:
		return 0, "", wrapErr("upsert activity "+a.DedupeKey, err)
	}
	_, err = s.q.ExecContext(ctx, `
		INSERT INTO activity_sources (activity_id, source_id, url, snapshot_sha256, retrieved_at, note)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (activity_id, url, snapshot_sha256) DO NOTHING`,
		row.ID, src.SourceID, src.URL, src.SnapshotSHA256, src.RetrievedAt, src.Note)
	if err != nil {
		return 0, "", wrapErr("record source of activity", err)
	}
	return row.ID, outcome, nil
}

// ActivityFilter narrows an activity listing.
type ActivityFilter struct {
	Jurisdiction string
	// IncludeRejected keeps activities staff rejected; scoring leaves them out.
	IncludeRejected bool
	Limit, Offset   int
}

// Activities lists activities newest first (undated last, then by id, so
// paging is stable), with their sources, and the total that match.
func (s *Store) Activities(ctx context.Context, f ActivityFilter) ([]Activity, int, error) {
	if f.Limit <= 0 {
		f.Limit = 1 << 30
	}
	var rows []struct {
		Activity
		Total int `db:"total"`
	}
	err := s.q.SelectContext(ctx, &rows, `
		SELECT `+activityColumns+`, count(*) OVER () AS total
		FROM activities
		WHERE ($1 = '' OR jurisdiction = $1) AND ($2 OR review_status <> 'rejected')
		ORDER BY start_at DESC NULLS LAST, id
		LIMIT $3 OFFSET $4`, NormalizeCode(f.Jurisdiction), f.IncludeRejected, f.Limit, f.Offset)
	if err != nil {
		return nil, 0, fmt.Errorf("activities: %w", err)
	}
	out := make([]Activity, len(rows))
	total := 0
	for i, r := range rows {
		out[i] = r.Activity
		total = r.Total
	}
	if len(rows) == 0 && f.Offset > 0 {
		// count(*) OVER () has no row to ride on past the last page.
		if err := s.q.GetContext(ctx, &total, `SELECT count(*) FROM activities
			WHERE ($1 = '' OR jurisdiction = $1) AND ($2 OR review_status <> 'rejected')`,
			NormalizeCode(f.Jurisdiction), f.IncludeRejected); err != nil {
			return nil, 0, fmt.Errorf("count activities: %w", err)
		}
	}
	if err := s.attachSources(ctx, out); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// ActivityByID returns one activity with its sources.
func (s *Store) ActivityByID(ctx context.Context, id int64) (Activity, error) {
	var a Activity
	if err := s.q.GetContext(ctx, &a, `SELECT `+activityColumns+` FROM activities WHERE id = $1`, id); err != nil {
		return a, wrapErr(fmt.Sprintf("activity %d", id), err)
	}
	list := []Activity{a}
	if err := s.attachSources(ctx, list); err != nil {
		return a, err
	}
	return list[0], nil
}

// attachSources loads the provenance of the activities in one query and
// shows their times in the activity's own time zone.
func (s *Store) attachSources(ctx context.Context, acts []Activity) error {
	if len(acts) == 0 {
		return nil
	}
	ids := make(Int64List, len(acts))
	index := make(map[int64]int, len(acts))
	for i := range acts {
		ids[i] = acts[i].ID
		index[acts[i].ID] = i
		acts[i].Sources = []ActivitySource{}
		acts[i].localize()
	}
	var srcs []ActivitySource
	err := s.q.SelectContext(ctx, &srcs, `
		SELECT activity_id, source_id, url, snapshot_sha256, retrieved_at, note
		FROM activity_sources WHERE activity_id = ANY($1)
		ORDER BY retrieved_at DESC, url`, ids)
	if err != nil {
		return fmt.Errorf("activity sources: %w", err)
	}
	for _, src := range srcs {
		i := index[src.ActivityID]
		acts[i].Sources = append(acts[i].Sources, src)
	}
	return nil
}

func (a *Activity) localize() {
	loc, err := time.LoadLocation(a.TimeZone)
	if err != nil {
		return
	}
	if a.Start != nil {
		t := a.Start.In(loc)
		a.Start = &t
	}
	if a.End != nil {
		t := a.End.In(loc)
		a.End = &t
	}
}
