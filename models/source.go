package models

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Source is a page, feed, calendar or document Heard reads on a schedule.
type Source struct {
	ID                  int64           `db:"id" json:"id"`
	Jurisdiction        string          `db:"jurisdiction" json:"jurisdiction"`
	Kind                SourceKind      `db:"kind" json:"kind"`
	URL                 string          `db:"url" json:"url"`
	Name                string          `db:"name" json:"name"`
	Settings            json.RawMessage `db:"settings" json:"settings"`
	FetchIntervalSec    int64           `db:"fetch_interval_seconds" json:"fetch_interval_seconds"`
	Enabled             bool            `db:"enabled" json:"enabled"`
	Verified            bool            `db:"verified" json:"verified"`
	Demo                bool            `db:"demo" json:"demo"`
	ETag                string          `db:"etag" json:"-"`
	LastModified        string          `db:"last_modified" json:"-"`
	NextFetchAt         time.Time       `db:"next_fetch_at" json:"next_fetch_at"`
	ConsecutiveFailures int             `db:"consecutive_failures" json:"consecutive_failures"`
	LastError           string          `db:"last_error" json:"last_error"`
	LastSuccessAt       *time.Time      `db:"last_success_at" json:"last_success_at"`
	UpdatedAt           time.Time       `db:"updated_at" json:"updated_at"`
}

const sourceColumns = `id, jurisdiction, kind, url, name, settings,
	extract(epoch FROM fetch_interval)::bigint AS fetch_interval_seconds,
	enabled, verified, demo, etag, last_modified, next_fetch_at,
	consecutive_failures, last_error, last_success_at, updated_at`

// DefaultFetchInterval is how often a source is read when it does not say.
const DefaultFetchInterval = 6 * 3600 // seconds

// withDefaults fills in empty settings and a missing fetch interval.
func (src Source) withDefaults() Source {
	if len(src.Settings) == 0 {
		src.Settings = json.RawMessage(`{}`)
	}
	if src.FetchIntervalSec <= 0 {
		src.FetchIntervalSec = DefaultFetchInterval
	}
	return src
}

// UpsertSource registers a source, or updates the one with the same
// jurisdiction and URL, and returns it as stored.
func (s *Store) UpsertSource(ctx context.Context, src Source) (Source, error) {
	src = src.withDefaults()
	var out Source
	err := s.q.GetContext(ctx, &out, `
		INSERT INTO sources (jurisdiction, kind, url, name, settings, fetch_interval, enabled, verified, demo)
		VALUES ($1, $2, $3, $4, $5, make_interval(secs => $6), $7, $8, $9)
		ON CONFLICT (jurisdiction, url) DO UPDATE SET
			kind = EXCLUDED.kind, name = EXCLUDED.name, settings = EXCLUDED.settings,
			fetch_interval = EXCLUDED.fetch_interval, enabled = EXCLUDED.enabled,
			verified = EXCLUDED.verified, demo = EXCLUDED.demo, updated_at = now(),
			-- Enabling a disabled source again gives it a clean slate.
			consecutive_failures = CASE WHEN EXCLUDED.enabled AND NOT sources.enabled THEN 0
				ELSE sources.consecutive_failures END,
			disabled_reason = CASE WHEN EXCLUDED.enabled THEN '' ELSE sources.disabled_reason END,
			next_fetch_at = CASE WHEN EXCLUDED.enabled AND NOT sources.enabled THEN now()
				ELSE sources.next_fetch_at END
		RETURNING `+sourceColumns,
		NormalizeCode(src.Jurisdiction), src.Kind, src.URL, src.Name, []byte(src.Settings),
		src.FetchIntervalSec, src.Enabled, src.Verified, src.Demo)
	if err != nil {
		return out, wrapErr("upsert source "+src.URL, err)
	}
	return out, nil
}

// Sources lists the sources, of one jurisdiction when code is not empty.
func (s *Store) Sources(ctx context.Context, code string) ([]Source, error) {
	out := []Source{}
	err := s.q.SelectContext(ctx, &out, `SELECT `+sourceColumns+` FROM sources
		WHERE $1 = '' OR jurisdiction = $1 ORDER BY jurisdiction, id`, NormalizeCode(code))
	if err != nil {
		return nil, fmt.Errorf("sources: %w", err)
	}
	return out, nil
}

// ClaimDueSources claims up to limit enabled sources whose next fetch is due
// and moves their next fetch one interval past now, in one statement. Rows
// locked by another claimer are skipped, so replicas never claim the same
// source twice, and a second tick at the same moment finds nothing due.
func (s *Store) ClaimDueSources(ctx context.Context, now time.Time, limit int) ([]Source, error) {
	out := []Source{}
	err := s.q.SelectContext(ctx, &out, `
		WITH due AS (
			SELECT id FROM sources
			WHERE enabled AND next_fetch_at <= $1
			ORDER BY next_fetch_at, id
			LIMIT $2
			FOR UPDATE SKIP LOCKED
		)
		UPDATE sources SET next_fetch_at = $1 + fetch_interval, updated_at = now()
		FROM due WHERE sources.id = due.id
		RETURNING `+qualify("sources", sourceColumns), now, limit)
	if err != nil {
		return nil, fmt.Errorf("claim due sources: %w", err)
	}
	return out, nil
}

// RecordSourceSuccess clears the failure count after a good fetch, keeps
// the validators for the next conditional request, and puts the next
// scheduled fetch at least one interval later, so a fetch run by hand is not
// repeated by the next tick.
func (s *Store) RecordSourceSuccess(ctx context.Context, id int64, etag, lastModified string, at time.Time) error {
	_, err := s.q.ExecContext(ctx, `
		UPDATE sources SET consecutive_failures = 0, last_error = '', last_success_at = $2,
			etag = $3, last_modified = $4, updated_at = now(),
			next_fetch_at = greatest(next_fetch_at, $2::timestamptz + fetch_interval)
		WHERE id = $1`, id, at, etag, lastModified)
	if err != nil {
		return fmt.Errorf("record success of source %d: %w", id, err)
	}
	return nil
}

// MaxBackoff caps how far a failing source's next fetch is pushed out.
const MaxBackoff = 7 * 24 * time.Hour

// RecordSourceFailure counts a failed fetch, keeps its error, and backs the
// next fetch off exponentially (one interval, then two, four … up to
// MaxBackoff). When maxFailures > 0 and the source has now failed that many
// times in a row it is disabled, with the reason kept, until someone looks.
// It reports whether the source was disabled.
func (s *Store) RecordSourceFailure(ctx context.Context, id int64, msg string, maxFailures int, at time.Time) (bool, error) {
	var disabled bool
	err := s.q.GetContext(ctx, &disabled, `
		UPDATE sources SET
			consecutive_failures = consecutive_failures + 1,
			last_error = $2,
			updated_at = now(),
			next_fetch_at = $3::timestamptz + least(fetch_interval * power(2, least(consecutive_failures, 20)),
				make_interval(secs => $5)),
			enabled = enabled AND NOT ($4 > 0 AND consecutive_failures + 1 >= $4),
			disabled_reason = CASE WHEN enabled AND $4 > 0 AND consecutive_failures + 1 >= $4
				THEN format('disabled after %s consecutive failures', consecutive_failures + 1)
				ELSE disabled_reason END
		WHERE id = $1
		RETURNING NOT enabled`, id, msg, at, maxFailures, MaxBackoff.Seconds())
	if err != nil {
		return false, wrapErr(fmt.Sprintf("record failure of source %d", id), err)
	}
	return disabled, nil
}

// DeferSource keeps a source from being fetched before until, as when its
// server asked, with Retry-After, to be left alone for longer than a retry
// may wait.
func (s *Store) DeferSource(ctx context.Context, id int64, until time.Time) error {
	_, err := s.q.ExecContext(ctx, `UPDATE sources SET next_fetch_at = greatest(next_fetch_at, $2), updated_at = now()
		WHERE id = $1`, id, until)
	if err != nil {
		return fmt.Errorf("defer source %d: %w", id, err)
	}
	return nil
}

// RescheduleSource sets when a source is next due, as when a run it was
// claimed for was interrupted and should be taken up again.
func (s *Store) RescheduleSource(ctx context.Context, id int64, at time.Time) error {
	_, err := s.q.ExecContext(ctx, `UPDATE sources SET next_fetch_at = $2, updated_at = now() WHERE id = $1`, id, at)
	if err != nil {
		return fmt.Errorf("reschedule source %d: %w", id, err)
	}
	return nil
}

// LastYield is how many records the source's latest successful parse
// found, ignoring runs answered 304 Not Modified (which parse nothing);
// ok is false when it never had one.
func (s *Store) LastYield(ctx context.Context, sourceID, beforeRunID int64) (found int, ok bool, err error) {
	err = s.q.GetContext(ctx, &found, `
		SELECT r.found FROM scrape_runs r
		WHERE r.source_id = $1 AND r.id < $2 AND r.status = 'ok'
			AND NOT EXISTS (SELECT 1 FROM fetches f WHERE f.scrape_run_id = r.id AND f.status_code = 304)
		ORDER BY r.id DESC LIMIT 1`, sourceID, beforeRunID)
	if isNoRows(err) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("last yield of source %d: %w", sourceID, err)
	}
	return found, true, nil
}

// Health is how a source is doing, as shown to staff and the public.
type Health string

// The source health states.
const (
	HealthPending  Health = "pending"  // never fetched yet
	HealthOK       Health = "ok"       // last run succeeded without warnings
	HealthWarning  Health = "warning"  // last run succeeded with warnings
	HealthFailing  Health = "failing"  // failed on its latest attempts
	HealthDisabled Health = "disabled" // switched off, by hand or after repeated failures
)

// SourceHealth is a source with its health and its latest run.
type SourceHealth struct {
	Source
	DisabledReason string     `db:"disabled_reason" json:"disabled_reason"`
	Health         Health     `db:"health" json:"health"`
	LastRun        *ScrapeRun `db:"-" json:"last_run"`
	LastRunID      *int64     `db:"last_run_id" json:"-"`
}

// SourcesHealth lists sources (of one jurisdiction when code is not empty)
// with their health and latest run.
func (s *Store) SourcesHealth(ctx context.Context, code string) ([]SourceHealth, error) {
	out := []SourceHealth{}
	err := s.q.SelectContext(ctx, &out, `
		SELECT `+qualify("s", sourceColumns)+`, s.disabled_reason, r.id AS last_run_id,
			CASE
				WHEN NOT s.enabled THEN 'disabled'
				WHEN s.consecutive_failures > 0 THEN 'failing'
				WHEN r.id IS NULL THEN 'pending'
				WHEN cardinality(r.warnings) > 0 THEN 'warning'
				ELSE 'ok'
			END AS health
		FROM sources s
		LEFT JOIN LATERAL (SELECT id, warnings FROM scrape_runs WHERE source_id = s.id
			ORDER BY id DESC LIMIT 1) r ON true
		WHERE $1 = '' OR s.jurisdiction = $1
		ORDER BY s.jurisdiction, s.id`, NormalizeCode(code))
	if err != nil {
		return nil, fmt.Errorf("sources health: %w", err)
	}
	var ids Int64List
	for _, h := range out {
		if h.LastRunID != nil {
			ids = append(ids, *h.LastRunID)
		}
	}
	runs, err := s.scrapeRunsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].LastRunID != nil {
			out[i].LastRun = runs[*out[i].LastRunID]
		}
	}
	return out, nil
}

// scrapeRunsByID returns the runs of the ids, by id.
func (s *Store) scrapeRunsByID(ctx context.Context, ids Int64List) (map[int64]*ScrapeRun, error) {
	byID := make(map[int64]*ScrapeRun, len(ids))
	if len(ids) == 0 {
		return byID, nil
	}
	var runs []ScrapeRun
	err := s.q.SelectContext(ctx, &runs, `SELECT `+scrapeRunColumns+` FROM scrape_runs WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("scrape runs by id: %w", err)
	}
	for i := range runs {
		byID[runs[i].ID] = &runs[i]
	}
	return byID, nil
}
