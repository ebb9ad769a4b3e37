package models

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// SourceByID returns one source; ErrNotFound when there is none.
func (s *Store) SourceByID(ctx context.Context, id int64) (Source, error) {
	var out Source
	err := s.q.GetContext(ctx, &out, `SELECT `+sourceColumns+` FROM sources WHERE id = $1`, id)
	if err != nil {
		return out, wrapErr(fmt.Sprintf("source %d", id), err)
	}
	return out, nil
}

// AddSource registers a new source and returns it as stored; ErrConflict
// when the jurisdiction already has a source at that URL. Unlike
// UpsertSource it never touches an existing row.
func (s *Store) AddSource(ctx context.Context, src Source) (Source, error) {
	src = src.withDefaults()
	var out Source
	err := s.q.GetContext(ctx, &out, `
		INSERT INTO sources (jurisdiction, kind, url, name, settings, fetch_interval, enabled, verified, demo)
		VALUES ($1, $2, $3, $4, $5, make_interval(secs => $6), $7, $8, $9)
		RETURNING `+sourceColumns,
		NormalizeCode(src.Jurisdiction), src.Kind, src.URL, src.Name, []byte(src.Settings),
		src.FetchIntervalSec, src.Enabled, src.Verified, src.Demo)
	if err != nil {
		return out, wrapErr("add source "+src.URL, err)
	}
	return out, nil
}

// SetSourceEnabled switches a source on or off by hand. Enabling a disabled
// source gives it a clean slate, as UpsertSource does: no failures, no
// disabled reason, due now. Disabling keeps the reason a source was
// disabled automatically, or records that it was done by hand.
func (s *Store) SetSourceEnabled(ctx context.Context, id int64, enabled bool) (Source, error) {
	var out Source
	err := s.q.GetContext(ctx, &out, `
		UPDATE sources SET
			consecutive_failures = CASE WHEN $2 AND NOT enabled THEN 0 ELSE consecutive_failures END,
			next_fetch_at = CASE WHEN $2 AND NOT enabled THEN now() ELSE next_fetch_at END,
			disabled_reason = CASE WHEN $2 THEN ''
				WHEN enabled THEN 'disabled by hand' ELSE disabled_reason END,
			enabled = $2,
			updated_at = now()
		WHERE id = $1
		RETURNING `+sourceColumns, id, enabled)
	if err != nil {
		return out, wrapErr(fmt.Sprintf("set source %d enabled", id), err)
	}
	return out, nil
}

// SyncOutcome is what SyncSource did with a registry entry.
type SyncOutcome string

// The sync outcomes.
const (
	// SyncAdded: the source was new and was inserted as the registry has it.
	SyncAdded SyncOutcome = "added"
	// SyncUpdated: an unverified source took the registry's kind, name
	// and settings.
	SyncUpdated SyncOutcome = "updated"
	// SyncUnchanged: the stored source already matched the registry.
	SyncUnchanged SyncOutcome = "unchanged"
	// SyncKept: the stored source differs from the registry but was
	// verified by someone, so it was left as it is.
	SyncKept SyncOutcome = "kept"
)

// SyncSource registers a source from the registry without undoing what
// people did by hand. A new (jurisdiction, URL) is inserted as given. An
// existing one takes the registry's kind, name and settings only while it
// is unverified; its enabled flag, schedule, health and verified flag are
// never changed, so a source switched off by hand stays off and one a
// person checked keeps what they checked. It returns the source as stored.
func (s *Store) SyncSource(ctx context.Context, src Source) (Source, SyncOutcome, error) {
	if len(src.Settings) == 0 {
		src.Settings = json.RawMessage(`{}`)
	}
	code := NormalizeCode(src.Jurisdiction)
	var out Source
	var outcome SyncOutcome
	err := s.InTx(ctx, func(tx *Store) error {
		var row struct {
			Source
			Differs bool `db:"differs"`
		}
		err := tx.q.GetContext(ctx, &row, `SELECT `+sourceColumns+`,
				(kind, name, settings) IS DISTINCT FROM ($3::text, $4::text, $5::jsonb) AS differs
			FROM sources WHERE jurisdiction = $1 AND url = $2 FOR UPDATE`,
			code, src.URL, src.Kind, src.Name, []byte(src.Settings))
		switch {
		case isNoRows(err):
			out, err = tx.AddSource(ctx, src)
			outcome = SyncAdded
			return err
		case err != nil:
			return wrapErr("sync source "+src.URL, err)
		case !row.Differs:
			out, outcome = row.Source, SyncUnchanged
			return nil
		case row.Verified:
			out, outcome = row.Source, SyncKept
			return nil
		}
		err = tx.q.GetContext(ctx, &out, `
			UPDATE sources SET kind = $2, name = $3, settings = $4, updated_at = now()
			WHERE id = $1
			RETURNING `+sourceColumns, row.ID, src.Kind, src.Name, []byte(src.Settings))
		if err != nil {
			return wrapErr("sync source "+src.URL, err)
		}
		outcome = SyncUpdated
		return nil
	})
	if err != nil {
		return Source{}, "", err
	}
	return out, outcome, nil
}

// SourceBadge is the one word staff see on a source: collecting, failing
// or switched off. It is coarser than Health, which the public sees.
type SourceBadge string

// The source badges.
const (
	// BadgeRunning: enabled, and its latest run did not fail.
	BadgeRunning SourceBadge = "running"
	// BadgeFailing: enabled, but it has failed on its latest attempts or
	// its latest run failed (an interrupted run counts no failure, but it
	// still did not collect).
	BadgeFailing SourceBadge = "failing"
	// BadgeDisabled: switched off, by hand or after repeated failures.
	BadgeDisabled SourceBadge = "disabled"
)

// SourceBadges are the badges, in the order staff lists show them.
var SourceBadges = []SourceBadge{BadgeRunning, BadgeFailing, BadgeDisabled}

// SourceOverview is a source as staff manage it: its settings and
// schedule, its badge and its latest run.
type SourceOverview struct {
	Source
	DisabledReason string      `db:"disabled_reason" json:"disabled_reason"`
	Health         SourceBadge `db:"health" json:"health"`
	LastRun        *ScrapeRun  `db:"-" json:"last_run"`
	LastRunID      *int64      `db:"last_run_id" json:"-"`
}

// sourceOverviewQuery selects sources as SourceOverview rows, each with the
// id and status of its latest run; callers add the WHERE.
var sourceOverviewQuery = `
	SELECT ` + sourceOverviewColumns + `
	FROM sources s
	LEFT JOIN LATERAL (SELECT id, status FROM scrape_runs WHERE source_id = s.id
		ORDER BY id DESC LIMIT 1) r ON true`

var sourceOverviewColumns = qualify("s", sourceColumns) + `, s.disabled_reason, r.id AS last_run_id,
		CASE
			WHEN NOT s.enabled THEN 'disabled'
			WHEN s.consecutive_failures > 0 OR r.status = 'failed' THEN 'failing'
			ELSE 'running'
		END AS health`

// SourceFilter selects sources for staff lists. Empty fields do not filter.
type SourceFilter struct {
	Jurisdiction string
	Health       SourceBadge
	Limit        int // 0 means no limit
	Offset       int
}

// SourcesOverview lists the sources the filter selects, ordered by
// jurisdiction and id, each with its badge and latest run, and how many
// the filter selects in all.
func (s *Store) SourcesOverview(ctx context.Context, f SourceFilter) ([]SourceOverview, int, error) {
	if f.Limit <= 0 {
		f.Limit = 1 << 30
	}
	code := NormalizeCode(f.Jurisdiction)
	var rows []struct {
		SourceOverview
		Total int `db:"total"`
	}
	// The badge is computed in the inner query so the outer one can
	// filter on it.
	err := s.q.SelectContext(ctx, &rows, `
		SELECT o.*, count(*) OVER () AS total
		FROM (`+sourceOverviewQuery+` WHERE $1 = '' OR s.jurisdiction = $1) o
		WHERE $2 = '' OR o.health = $2
		ORDER BY o.jurisdiction, o.id
		LIMIT $3 OFFSET $4`, code, string(f.Health), f.Limit, f.Offset)
	if err != nil {
		return nil, 0, fmt.Errorf("sources overview: %w", err)
	}
	out := make([]SourceOverview, len(rows))
	total := 0
	for i, r := range rows {
		out[i], total = r.SourceOverview, r.Total
	}
	if len(rows) == 0 && f.Offset > 0 {
		// count(*) OVER () has no row to ride on past the last page.
		err := s.q.GetContext(ctx, &total, `
			SELECT count(*) FROM (`+sourceOverviewQuery+` WHERE $1 = '' OR s.jurisdiction = $1) o
			WHERE $2 = '' OR o.health = $2`, code, string(f.Health))
		if err != nil {
			return nil, 0, fmt.Errorf("count sources overview: %w", err)
		}
	}
	ids := make(Int64List, 0, len(out))
	for _, o := range out {
		if o.LastRunID != nil {
			ids = append(ids, *o.LastRunID)
		}
	}
	runs, err := s.scrapeRunsByID(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	for i := range out {
		if out[i].LastRunID != nil {
			out[i].LastRun = runs[*out[i].LastRunID]
		}
	}
	return out, total, nil
}

// SourceOverviewByID returns one source with its badge and latest run;
// ErrNotFound when there is none.
func (s *Store) SourceOverviewByID(ctx context.Context, id int64) (SourceOverview, error) {
	var out SourceOverview
	if err := s.q.GetContext(ctx, &out, sourceOverviewQuery+` WHERE s.id = $1`, id); err != nil {
		return out, wrapErr(fmt.Sprintf("source %d", id), err)
	}
	if out.LastRunID != nil {
		runs, err := s.scrapeRunsByID(ctx, Int64List{*out.LastRunID})
		if err != nil {
			return out, err
		}
		out.LastRun = runs[*out.LastRunID]
	}
	return out, nil
}

// The bounds of a source's fetch interval, in seconds. No source is read
// more often than every five minutes, which is already far more often
// than a state's pages change; one read less often than monthly is better
// disabled.
const (
	MinFetchInterval = 300
	MaxFetchInterval = 30 * 24 * 3600
)

// maxSourceName bounds a source's name, which staff lists show whole.
const maxSourceName = 200

// SourceUpdate is an edit of a source by staff; nil fields are left as
// they are.
type SourceUpdate struct {
	Name *string
	// Settings replace the source's extraction settings whole.
	Settings         json.RawMessage
	FetchIntervalSec *int64
	// Enabled switches the source as SetSourceEnabled does.
	Enabled  *bool
	Verified *bool
	// CheckSettings, when set, says what is wrong with Settings for a
	// source of the kind, keyed by setting ("" for the whole), as
	// scrapers.CheckSettings does: models cannot read settings itself.
	CheckSettings func(kind SourceKind, settings []byte) map[string]string
}

// check names each bad field of the update for a source of the kind.
func (u SourceUpdate) check(kind SourceKind) map[string]string {
	fields := map[string]string{}
	if u.Name == nil && u.Settings == nil && u.FetchIntervalSec == nil && u.Enabled == nil && u.Verified == nil {
		fields["body"] = "changes nothing: send any of name, settings, fetch_interval_seconds, enabled and verified"
	}
	if u.Name != nil {
		switch n := utf8.RuneCountInString(strings.TrimSpace(*u.Name)); {
		case n == 0:
			fields["name"] = "must not be blank"
		case n > maxSourceName:
			fields["name"] = fmt.Sprintf("must be at most %d characters", maxSourceName)
		}
	}
	if u.Settings != nil {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(u.Settings, &obj); err != nil || obj == nil {
			fields["settings"] = `must be a JSON object, such as {"item": "li.news"}`
		} else if u.CheckSettings != nil {
			for name, problem := range u.CheckSettings(kind, u.Settings) {
				fields[strings.TrimSuffix("settings."+name, ".")] = problem
			}
		}
	}
	if u.FetchIntervalSec != nil && (*u.FetchIntervalSec < MinFetchInterval || *u.FetchIntervalSec > MaxFetchInterval) {
		fields["fetch_interval_seconds"] = fmt.Sprintf("must be from %d (five minutes) to %d (30 days)",
			MinFetchInterval, MaxFetchInterval)
	}
	return fields
}

// UpdateSource applies a staff edit to a source and returns it before and
// after; ErrNotFound when there is none, a ValidationError naming every
// bad field otherwise. A shorter interval brings the next fetch forward to
// at most one new interval from now. Editing the name or settings marks the
// source verified unless the edit says otherwise: a person has looked at
// it, and SyncSource must not put the registry's settings back over theirs.
func (s *Store) UpdateSource(ctx context.Context, id int64, u SourceUpdate) (before, after Source, err error) {
	err = s.InTx(ctx, func(tx *Store) error {
		err := tx.q.GetContext(ctx, &before, `SELECT `+sourceColumns+` FROM sources WHERE id = $1 FOR UPDATE`, id)
		if err != nil {
			return wrapErr(fmt.Sprintf("source %d", id), err)
		}
		if fields := u.check(before.Kind); len(fields) > 0 {
			return &ValidationError{Fields: fields}
		}
		if u.Enabled != nil {
			if _, err := tx.SetSourceEnabled(ctx, id, *u.Enabled); err != nil {
				return err
			}
		}
		verified := u.Verified
		if verified == nil && (u.Name != nil || u.Settings != nil) {
			yes := true
			verified = &yes
		}
		var name *string
		if u.Name != nil {
			trimmed := strings.TrimSpace(*u.Name)
			name = &trimmed
		}
		var settings any // nil leaves the settings as they are
		if u.Settings != nil {
			settings = string(u.Settings)
		}
		err = tx.q.GetContext(ctx, &after, `
			UPDATE sources SET
				name = coalesce($2::text, name),
				settings = coalesce($3::jsonb, settings),
				fetch_interval = coalesce(make_interval(secs => $4::bigint), fetch_interval),
				next_fetch_at = CASE WHEN $4::bigint IS NULL THEN next_fetch_at
					ELSE least(next_fetch_at, now() + make_interval(secs => $4::bigint)) END,
				verified = coalesce($5::boolean, verified),
				updated_at = now()
			WHERE id = $1
			RETURNING `+sourceColumns, id, name, settings, u.FetchIntervalSec, verified)
		if err != nil {
			return wrapErr(fmt.Sprintf("update source %d", id), err)
		}
		return nil
	})
	if err != nil {
		return Source{}, Source{}, err
	}
	return before, after, nil
}
