package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"
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
	Region         string           `db:"region" json:"region"`
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
	// Corrections are the fields staff corrected (column name to value),
	// applied over what later scrapes read; rules names them.
	Corrections json.RawMessage `db:"corrections" json:"-"`
	// DeletedAt is set when staff deleted the activity: it is kept, and
	// left out of every public list and of scoring, until restored.
	DeletedAt    *time.Time `db:"deleted_at" json:"-"`
	DeletedBy    *string    `db:"deleted_by" json:"-"`
	DeleteReason string     `db:"delete_reason" json:"-"`
	// Origin is how the activity reached Heard: collected from a source,
	// submitted by staff, or reported by the public. Stored activities
	// always have one; extraction leaves it to the store.
	Origin Origin `db:"origin" json:"origin,omitempty"`
	// ReportedBy is the organization credited with reporting the activity:
	// set only for an accepted public report whose submitter consented.
	ReportedBy string `db:"reported_by" json:"reported_by,omitempty"`
}

// ActivitySource is where and when an activity was read: the provenance
// every activity must have at least one of. It belongs to a source or to
// a submission: exactly one of SourceID and SubmissionID is set, the other
// is 0.
type ActivitySource struct {
	ActivityID     int64     `db:"activity_id" json:"-"`
	SourceID       int64     `db:"source_id" json:"source_id,omitempty"`
	SubmissionID   int64     `db:"submission_id" json:"submission_id,omitempty"`
	URL            string    `db:"url" json:"url"`
	SnapshotSHA256 string    `db:"snapshot_sha256" json:"snapshot_sha256"`
	RetrievedAt    time.Time `db:"retrieved_at" json:"retrieved_at"`
	LastSeenAt     time.Time `db:"last_seen_at" json:"last_seen_at"`
	Note           string    `db:"note" json:"note"`
	// ScrapeRunID is the run that read the activity, kept with any change
	// it made in the activity's history.
	ScrapeRunID *int64 `db:"-" json:"-"`
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
		T, Title, Desc, URL, TZ, Loc, Region, Acc, Phase, Status string
		Start, End                                               *time.Time
		AllDay, Remote, Interp                                   bool
		Langs, Groups, Feats                                     []string
	}{string(a.Type), a.Title, a.Description, a.URL, a.TimeZone, a.Location, a.Region, a.Accessibility,
		string(a.Phase), string(a.Status), utcPtr(a.Start), utcPtr(a.End), a.AllDay, a.Remote,
		a.Interpretation, nilIfEmpty(a.Languages), nilIfEmpty(a.AudienceGroups), nilIfEmpty(a.Features)}
	b, _ := json.Marshal(view)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// nilIfEmpty makes an empty list hash as a missing one: a list read back
// from the database is empty where the scraper's was nil.
func nilIfEmpty(l StringList) []string {
	if len(l) == 0 {
		return nil
	}
	return l
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

// activityColumns are read FROM activities (not aliased): reported_by is
// the consenting organization of an accepted public report.
const activityColumns = `id, jurisdiction, dedupe_key, activity_type, title, description, url,
	start_at, end_at, all_day, time_zone, location, region, remote, languages, interpretation,
	accessibility, audience_groups, features, plan_phase, status, review_status, rules,
	content_hash, demo, first_seen, last_seen, updated_at, corrections, deleted_at, deleted_by, delete_reason, origin,
	coalesce((SELECT s.organization FROM submissions s WHERE s.activity_id = activities.id
		AND s.origin = 'public' AND s.credit AND activities.review_status = 'accepted'), '') AS reported_by`

// UpsertActivity stores a scraped activity under its dedupe key, keeping the
// id of an earlier record of the same item, and records where it was read.
// A record whose content is unchanged only has its last_seen moved. The
// activity and its source are written in one transaction, so an activity is
// never stored without a source.
func (s *Store) UpsertActivity(ctx context.Context, a Activity, src ActivitySource) (int64, UpsertOutcome, error) {
	if err := a.Validate(); err != nil {
		return 0, "", err
	}
	if (src.SourceID <= 0 && src.SubmissionID <= 0) || src.URL == "" || src.SnapshotSHA256 == "" {
		return 0, "", &ValidationError{Fields: map[string]string{"sources": "an activity needs a source, its URL and a snapshot"}}
	}
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
	// The row as it was, locked, so that an update can be kept in history.
	var before []byte
	err := s.q.GetContext(ctx, &before, `SELECT to_jsonb(a) FROM activities a
		WHERE jurisdiction = $1 AND dedupe_key = $2 FOR UPDATE`, NormalizeCode(a.Jurisdiction), a.DedupeKey)
	if err != nil && !isNoRows(err) {
		return 0, "", wrapErr("read activity "+a.DedupeKey, err)
	}
	// Staff corrections of the stored record outlive this reading of it.
	if before != nil {
		var stored struct {
			Corrections json.RawMessage `json:"corrections"`
		}
		if err := json.Unmarshal(before, &stored); err != nil {
			return 0, "", fmt.Errorf("activity %s as stored: %w", a.DedupeKey, err)
		}
		if err := a.applyCorrections(stored.Corrections); err != nil {
			return 0, "", err
		}
	}
	a.ContentHash = a.Hash()
	var row struct {
		ID       int64 `db:"id"`
		Inserted bool  `db:"inserted"`
	}
	err = s.q.GetContext(ctx, &row, `
		INSERT INTO activities (jurisdiction, dedupe_key, activity_type, title, description, url,
			start_at, end_at, all_day, time_zone, location, remote, languages, interpretation,
			accessibility, audience_groups, features, plan_phase, status, rules, content_hash,
			demo, first_seen, last_seen, updated_at, region)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
			$18, $19, $20, $21, $22, $23, $23, $23, $24)
		ON CONFLICT (jurisdiction, dedupe_key) DO UPDATE SET
			activity_type = EXCLUDED.activity_type, title = EXCLUDED.title,
			description = EXCLUDED.description, url = EXCLUDED.url,
			start_at = EXCLUDED.start_at, end_at = EXCLUDED.end_at, all_day = EXCLUDED.all_day,
			time_zone = EXCLUDED.time_zone, location = EXCLUDED.location, region = EXCLUDED.region,
			remote = EXCLUDED.remote,
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
		a.Demo, src.RetrievedAt, a.Region)
	outcome := Updated
	switch {
	case err == nil && row.Inserted:
		outcome = Inserted
	case err == nil && before == nil:
		// Inserted by a concurrent writer between our read and our write:
		// there is no earlier version of ours to keep.
	case err == nil:
		if err := s.recordUpdate(ctx, row.ID, before, src); err != nil {
			return 0, "", err
		}
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
	if err := s.AddActivitySource(ctx, row.ID, src); err != nil {
		return 0, "", err
	}
	return row.ID, outcome, nil
}

// ActivityIDByKey returns the id of the jurisdiction's activity with the
// dedupe key.
func (s *Store) ActivityIDByKey(ctx context.Context, code, key string) (int64, error) {
	var id int64
	err := s.q.GetContext(ctx, &id, `SELECT id FROM activities WHERE jurisdiction = $1 AND dedupe_key = $2`,
		NormalizeCode(code), key)
	if err != nil {
		return 0, wrapErr("activity "+key, err)
	}
	return id, nil
}

// TouchActivity records that the activity was listed again at at, without
// changing what is stored about it.
func (s *Store) TouchActivity(ctx context.Context, id int64, at time.Time) error {
	_, err := s.q.ExecContext(ctx, `UPDATE activities SET last_seen = greatest(last_seen, $2) WHERE id = $1`, id, at)
	if err != nil {
		return fmt.Errorf("touch activity %d: %w", id, err)
	}
	return nil
}

// AddActivitySource records that src listed the activity: a new row for a
// new (url, snapshot), otherwise the time it was last seen there.
func (s *Store) AddActivitySource(ctx context.Context, activityID int64, src ActivitySource) error {
	_, err := s.q.ExecContext(ctx, `
		INSERT INTO activity_sources (activity_id, source_id, submission_id, url, snapshot_sha256, retrieved_at,
			note, last_seen_at)
		VALUES ($1, nullif($2, 0), nullif($7, 0), $3, $4, $5, $6, $5)
		ON CONFLICT (activity_id, url, snapshot_sha256) DO UPDATE
		SET last_seen_at = greatest(activity_sources.last_seen_at, EXCLUDED.last_seen_at)`,
		activityID, src.SourceID, src.URL, src.SnapshotSHA256, src.RetrievedAt, src.Note, src.SubmissionID)
	if err != nil {
		return wrapErr("record source of activity", err)
	}
	return nil
}

// historyIgnored are columns that change on every sighting, and search,
// which is derived from fields already kept; a history entry records what
// the source changed, not that it was read again.
var historyIgnored = []string{"updated_at", "last_seen", "first_seen", "content_hash", "search"}

// recordUpdate keeps the fields an update changed, before and after, and
// calls it a restoration when a cancelled activity came back.
func (s *Store) recordUpdate(ctx context.Context, id int64, beforeJSON []byte, src ActivitySource) error {
	var afterJSON []byte
	if err := s.q.GetContext(ctx, &afterJSON, `SELECT to_jsonb(a) FROM activities a WHERE id = $1`, id); err != nil {
		return wrapErr("read updated activity", err)
	}
	var before, after map[string]any
	if err := json.Unmarshal(beforeJSON, &before); err != nil {
		return fmt.Errorf("activity %d before update: %w", id, err)
	}
	if err := json.Unmarshal(afterJSON, &after); err != nil {
		return fmt.Errorf("activity %d after update: %w", id, err)
	}
	was, is := map[string]any{}, map[string]any{}
	for k, v := range after {
		if slices.Contains(historyIgnored, k) || reflect.DeepEqual(before[k], v) {
			continue
		}
		was[k], is[k] = before[k], v
	}
	kind, note := "updated", "changed at its source"
	if before["status"] == string(StatusCancelled) && after["status"] != string(StatusCancelled) {
		kind, note = "restored", "listed again by its source"
	}
	return s.insertHistory(ctx, id, src.ScrapeRunID, src.RetrievedAt, kind, note, was, is)
}

func (s *Store) insertHistory(ctx context.Context, id int64, runID *int64, at time.Time, kind, note string, before, after any) error {
	b, err := json.Marshal(before)
	if err != nil {
		return err
	}
	a, err := json.Marshal(after)
	if err != nil {
		return err
	}
	_, err = s.q.ExecContext(ctx, `
		INSERT INTO activity_history (activity_id, scrape_run_id, changed_at, kind, note, before, after)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, runID, at, kind, note, b, a)
	if err != nil {
		return wrapErr(fmt.Sprintf("history of activity %d", id), err)
	}
	return nil
}

// CancelVanished marks cancelled the upcoming activities (those not yet
// started, or comment periods not yet closed) that the source listed before
// but not in this run, unless another source still lists them. Nothing is
// deleted: the activity keeps its id, history and provenance, and comes
// back if a later run lists it again.
func (s *Store) CancelVanished(ctx context.Context, sourceID int64, seen []int64, runID int64, now time.Time) ([]int64, error) {
	ids := []int64{}
	err := s.q.SelectContext(ctx, &ids, `
		UPDATE activities a SET status = 'cancelled', updated_at = $3,
			content_hash = encode(sha256(convert_to('cancelled:' || a.content_hash, 'UTF8')), 'hex')
		WHERE a.status = 'scheduled'
			AND (a.start_at > $3 OR a.end_at > $3)
			AND NOT (a.id = ANY($2))
			AND EXISTS (SELECT 1 FROM activity_sources mine WHERE mine.activity_id = a.id AND mine.source_id = $1)
			AND NOT EXISTS (
				SELECT 1 FROM activity_sources other JOIN sources os ON os.id = other.source_id
				WHERE other.activity_id = a.id AND other.source_id <> $1 AND os.enabled
					AND os.last_success_at IS NOT NULL AND other.last_seen_at >= os.last_success_at)
		RETURNING a.id`, sourceID, Int64List(seen), now)
	if err != nil {
		return nil, fmt.Errorf("cancel vanished activities of source %d: %w", sourceID, err)
	}
	slices.Sort(ids)
	for _, id := range ids {
		err := s.insertHistory(ctx, id, &runID, now, "cancelled",
			fmt.Sprintf("no longer listed by source %d", sourceID),
			map[string]string{"status": string(StatusScheduled)}, map[string]string{"status": string(StatusCancelled)})
		if err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// HistoryEntry is one change to an activity.
type HistoryEntry struct {
	ID          int64           `db:"id" json:"id"`
	ActivityID  int64           `db:"activity_id" json:"activity_id"`
	ScrapeRunID *int64          `db:"scrape_run_id" json:"scrape_run_id"`
	ChangedAt   time.Time       `db:"changed_at" json:"changed_at"`
	Kind        string          `db:"kind" json:"kind"`
	Note        string          `db:"note" json:"note"`
	Before      json.RawMessage `db:"before" json:"before"`
	After       json.RawMessage `db:"after" json:"after"`
}

// ActivityHistory lists an activity's changes, newest first.
func (s *Store) ActivityHistory(ctx context.Context, id int64) ([]HistoryEntry, error) {
	out := []HistoryEntry{}
	err := s.q.SelectContext(ctx, &out, `
		SELECT id, activity_id, scrape_run_id, changed_at, kind, note, before, after
		FROM activity_history WHERE activity_id = $1 ORDER BY changed_at DESC, id DESC`, id)
	if err != nil {
		return nil, fmt.Errorf("history of activity %d: %w", id, err)
	}
	return out, nil
}

// ActivityFilter narrows an activity listing. A zero field does not filter;
// the fields that are set must all hold.
type ActivityFilter struct {
	// Jurisdiction is a postal code; empty lists every jurisdiction.
	Jurisdiction string
	// IDs keeps only these activities.
	IDs []int64
	// Types keeps activities of any of these types.
	Types []ActivityType
	// Phases keeps activities of any of these plan phases.
	Phases []PlanPhase
	// Groups keeps activities addressed to ANY of these groups (an overlap,
	// not containment): someone asking for parents and students wants what
	// either can attend, and requiring every group would hide most records,
	// which name one or two.
	Groups []AudienceGroup
	// From and To keep activities whose span overlaps [From, To], both ends
	// inclusive. The span runs from the start to the end; an activity with
	// only one of them spans that instant. Undated activities never match a
	// date range.
	From, To *time.Time
	// Upcoming keeps the chances still to be heard at Now: activities not
	// cancelled that start at or after Now, and comment periods that close
	// at or after Now (an open comment period started in the past).
	Upcoming bool
	// Now is the clock Upcoming is read against; zero means time.Now.
	Now time.Time
	// Query is a full-text query in web-search syntax ("quoted phrase", or,
	// -word) over title, description, location and region. It is parsed
	// twice, stemmed English and verbatim, and matches either, so "sessions"
	// finds "Listening session" and a Spanish word finds itself exactly. A
	// query orders the list by relevance instead of date.
	Query string
	// IncludeRejected keeps activities staff rejected; scoring leaves them out.
	IncludeRejected bool
	// IncludeDeleted keeps activities staff deleted; scoring and every
	// public list leave them out.
	IncludeDeleted bool
	// IncludeWithheld keeps reports from the public that staff have not
	// accepted (Activity.Withheld); scoring and every public list leave
	// them out.
	IncludeWithheld bool
	// WithoutSources skips loading provenance (scoring reads none of it);
	// times are still shown in each activity's zone.
	WithoutSources bool
	// Limit and Offset page the list; a Limit of 0 means no limit.
	Limit, Offset int
}

// where renders the filter as a WHERE clause of fixed fragments whose values
// are all $n parameters, and the ORDER BY that goes with it.
func (f ActivityFilter) where() (where, orderBy string, args []any) {
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	conds := []string{"true"}
	if f.Jurisdiction != "" {
		conds = append(conds, "jurisdiction = "+arg(NormalizeCode(f.Jurisdiction)))
	}
	if f.IDs != nil {
		conds = append(conds, "id = ANY("+arg(Int64List(f.IDs))+")")
	}
	if !f.IncludeRejected {
		conds = append(conds, "review_status <> 'rejected'")
	}
	if !f.IncludeDeleted {
		conds = append(conds, "deleted_at IS NULL")
	}
	if !f.IncludeWithheld {
		conds = append(conds, withheldCond)
	}
	if len(f.Types) > 0 {
		conds = append(conds, "activity_type = ANY("+arg(textArray(f.Types))+")")
	}
	if len(f.Phases) > 0 {
		conds = append(conds, "plan_phase = ANY("+arg(textArray(f.Phases))+")")
	}
	if len(f.Groups) > 0 {
		conds = append(conds, "audience_groups && "+arg(textArray(f.Groups)))
	}
	if f.From != nil {
		conds = append(conds, "coalesce(end_at, start_at) >= "+arg(*f.From))
	}
	if f.To != nil {
		conds = append(conds, "coalesce(start_at, end_at) <= "+arg(*f.To))
	}
	if f.Upcoming {
		now := f.Now
		if now.IsZero() {
			now = time.Now()
		}
		n := arg(now)
		conds = append(conds, "status <> 'cancelled' AND (start_at >= "+n+
			" OR (activity_type = 'comment_period' AND end_at >= "+n+"))")
	}
	orderBy = "start_at DESC NULLS LAST, id"
	if q := strings.TrimSpace(f.Query); q != "" {
		n := arg(q)
		query := "(websearch_to_tsquery('english', " + n + ") || websearch_to_tsquery('simple', " + n + "))"
		conds = append(conds, "search @@ "+query)
		orderBy = "ts_rank(search, " + query + ") DESC, id"
	}
	return strings.Join(conds, " AND "), orderBy, args
}

// textArray passes a list of vocabulary values as a text[] parameter.
func textArray[T ~string](vs []T) pq.StringArray {
	out := make(pq.StringArray, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// Activities lists the activities matching f with their sources, and the
// total that match. The order is stable, so pages never repeat or skip a
// row: newest start first, undated last, then by id; or, with a Query, most
// relevant first, then by id.
func (s *Store) Activities(ctx context.Context, f ActivityFilter) ([]Activity, int, error) {
	if f.Limit <= 0 {
		f.Limit = 1 << 30
	}
	where, orderBy, args := f.where()
	n := len(args)
	var rows []struct {
		Activity
		Total int `db:"total"`
	}
	err := s.q.SelectContext(ctx, &rows, `
		SELECT `+activityColumns+`, count(*) OVER () AS total
		FROM activities
		WHERE `+where+`
		ORDER BY `+orderBy+`
		LIMIT $`+strconv.Itoa(n+1)+` OFFSET $`+strconv.Itoa(n+2),
		append(args, f.Limit, f.Offset)...)
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
		if err := s.q.GetContext(ctx, &total, `SELECT count(*) FROM activities WHERE `+where, args[:n]...); err != nil {
			return nil, 0, fmt.Errorf("count activities: %w", err)
		}
	}
	if f.WithoutSources {
		for i := range out {
			out[i].localize()
		}
		return out, total, nil
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
		SELECT activity_id, coalesce(source_id, 0) AS source_id, coalesce(submission_id, 0) AS submission_id,
			url, snapshot_sha256, retrieved_at, last_seen_at, note
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
	loc := Zone(a.TimeZone)
	if a.Start != nil {
		t := a.Start.In(loc)
		a.Start = &t
	}
	if a.End != nil {
		t := a.End.In(loc)
		a.End = &t
	}
}
