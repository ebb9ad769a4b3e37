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

// UpsertSource registers a source, or updates the one with the same
// jurisdiction and URL, and returns it as stored.
func (s *Store) UpsertSource(ctx context.Context, src Source) (Source, error) {
	if len(src.Settings) == 0 {
		src.Settings = json.RawMessage(`{}`)
	}
	if src.FetchIntervalSec <= 0 {
		src.FetchIntervalSec = 6 * 3600
	}
	var out Source
	err := s.q.GetContext(ctx, &out, `
		INSERT INTO sources (jurisdiction, kind, url, name, settings, fetch_interval, enabled, verified, demo)
		VALUES ($1, $2, $3, $4, $5, make_interval(secs => $6), $7, $8, $9)
		ON CONFLICT (jurisdiction, url) DO UPDATE SET
			kind = EXCLUDED.kind, name = EXCLUDED.name, settings = EXCLUDED.settings,
			fetch_interval = EXCLUDED.fetch_interval, enabled = EXCLUDED.enabled,
			verified = EXCLUDED.verified, demo = EXCLUDED.demo, updated_at = now()
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

// RecordSourceFailure counts a failed fetch and keeps its error.
func (s *Store) RecordSourceFailure(ctx context.Context, id int64, msg string) error {
	_, err := s.q.ExecContext(ctx, `
		UPDATE sources SET consecutive_failures = consecutive_failures + 1, last_error = $2, updated_at = now()
		WHERE id = $1`, id, msg)
	if err != nil {
		return fmt.Errorf("record failure of source %d: %w", id, err)
	}
	return nil
}
