package models

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// Snapshot is a fetched body, stored once under the sha256 of its bytes.
type Snapshot struct {
	SHA256    string `db:"sha256" json:"sha256"`
	MediaType string `db:"media_type" json:"media_type"`
	Size      int    `db:"size" json:"size"`
	Body      []byte `db:"body" json:"-"`
	Text      string `db:"text" json:"-"`
	// Extractor names the tool and version that turned the body into text
	// ("pdftotext 22.02.0"); empty for text read by Heard's own parsers.
	Extractor string    `db:"extractor" json:"extractor"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

// SHA256Hex is the hex sha256 of b, the key of its snapshot.
func SHA256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// PutSnapshot stores a body unless an identical one is already stored, and
// returns its key. Only MediaType, Body, Text and Extractor are read.
func (s *Store) PutSnapshot(ctx context.Context, snap Snapshot) (string, error) {
	key := SHA256Hex(snap.Body)
	_, err := s.q.ExecContext(ctx, `
		INSERT INTO snapshots (sha256, media_type, size, body, text, extractor) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (sha256) DO NOTHING`, key, snap.MediaType, len(snap.Body), snap.Body, snap.Text, snap.Extractor)
	if err != nil {
		return "", wrapErr("put snapshot", err)
	}
	return key, nil
}

// SnapshotBySHA256 returns a stored snapshot with its body.
func (s *Store) SnapshotBySHA256(ctx context.Context, key string) (Snapshot, error) {
	var snap Snapshot
	err := s.q.GetContext(ctx, &snap, `SELECT sha256, media_type, size, body, text, extractor, created_at
		FROM snapshots WHERE sha256 = $1`, key)
	if err != nil {
		return snap, wrapErr("snapshot "+key, err)
	}
	return snap, nil
}

// Fetch is one HTTP request for a source or for a submission: exactly one
// of SourceID and SubmissionID is set, the other is 0.
type Fetch struct {
	ID          int64     `db:"id" json:"id"`
	SourceID    int64     `db:"source_id" json:"source_id,omitempty"`
	ScrapeRunID *int64    `db:"scrape_run_id" json:"scrape_run_id"`
	URL         string    `db:"url" json:"url"`
	FinalURL    string    `db:"final_url" json:"final_url"`
	StatusCode  int       `db:"status_code" json:"status_code"`
	StartedAt   time.Time `db:"started_at" json:"started_at"`
	DurationMS  int       `db:"duration_ms" json:"duration_ms"`
	Bytes       int       `db:"bytes" json:"bytes"`
	SHA256      *string   `db:"sha256" json:"sha256"`
	Error       string    `db:"error" json:"error"`
	// Attempts counts the HTTP requests the fetch took, retries included;
	// 0 when it was refused (robots.txt, address guard) before any.
	Attempts int `db:"attempts" json:"attempts"`
	// Purpose is "source" for a source's own URL, "detail" for a page
	// followed from it, "robots" for a robots.txt and "submission" for a
	// URL someone submitted.
	Purpose string `db:"purpose" json:"purpose"`
	// SubmissionID is the submission whose URL was fetched.
	SubmissionID int64 `db:"submission_id" json:"submission_id,omitempty"`
}

// InsertFetch records a fetch.
func (s *Store) InsertFetch(ctx context.Context, f Fetch) (int64, error) {
	var id int64
	err := s.q.GetContext(ctx, &id, `
		INSERT INTO fetches (source_id, submission_id, scrape_run_id, url, final_url, status_code, started_at,
			duration_ms, bytes, sha256, error, attempts, purpose)
		VALUES (nullif($1, 0), nullif($13, 0), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		f.SourceID, f.ScrapeRunID, f.URL, f.FinalURL, f.StatusCode, f.StartedAt, f.DurationMS, f.Bytes,
		f.SHA256, f.Error, f.Attempts, cmp.Or(f.Purpose, "source"), f.SubmissionID)
	if err != nil {
		return 0, wrapErr("insert fetch", err)
	}
	return id, nil
}

const fetchColumns = `id, coalesce(source_id, 0) AS source_id, coalesce(submission_id, 0) AS submission_id,
	scrape_run_id, url, final_url, status_code, started_at, duration_ms, bytes, sha256, error, attempts, purpose`

// FetchesBySource lists a source's most recent fetches, newest first.
func (s *Store) FetchesBySource(ctx context.Context, sourceID int64, limit int) ([]Fetch, error) {
	out, _, err := s.FetchHistory(ctx, sourceID, limit, 0)
	return out, err
}

// FetchHistory is a page of a source's fetches, newest first, with how
// many the source has in all. A source without fetches, or none at all,
// has an empty history: callers that must tell the two apart look the
// source up.
func (s *Store) FetchHistory(ctx context.Context, sourceID int64, limit, offset int) ([]Fetch, int, error) {
	out := []Fetch{}
	err := s.q.SelectContext(ctx, &out, `
		SELECT `+fetchColumns+`
		FROM fetches WHERE source_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2 OFFSET $3`,
		sourceID, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("fetches of source %d: %w", sourceID, err)
	}
	var total int
	if err := s.q.GetContext(ctx, &total, `SELECT count(*) FROM fetches WHERE source_id = $1`, sourceID); err != nil {
		return nil, 0, fmt.Errorf("count fetches of source %d: %w", sourceID, err)
	}
	return out, total, nil
}

// ScrapeRun is one collection pass over one source, with its counts.
type ScrapeRun struct {
	ID       int64 `db:"id" json:"id"`
	SourceID int64 `db:"source_id" json:"source_id"`
	// Jurisdiction is the source's, filled in by the runner for callers
	// that rescore what a run changed.
	Jurisdiction string     `db:"-" json:"jurisdiction,omitempty"`
	StartedAt    time.Time  `db:"started_at" json:"started_at"`
	FinishedAt   *time.Time `db:"finished_at" json:"finished_at"`
	Status       string     `db:"status" json:"status"`
	Found        int        `db:"found" json:"found"`
	Inserted     int        `db:"inserted" json:"inserted"`
	Updated      int        `db:"updated" json:"updated"`
	Unchanged    int        `db:"unchanged" json:"unchanged"`
	Cancelled    int        `db:"cancelled" json:"cancelled"`
	Error        string     `db:"error" json:"error"`
	// Warnings are problems that did not fail the run: a source that used
	// to yield records yielding none, a detail page that could not be read.
	Warnings StringList `db:"warnings" json:"warnings"`
}

// Warn adds a warning to the run.
func (r *ScrapeRun) Warn(format string, args ...any) {
	r.Warnings = append(r.Warnings, fmt.Sprintf(format, args...))
}

// Count adds one upsert outcome to the run's counts.
func (r *ScrapeRun) Count(o UpsertOutcome) {
	r.Found++
	switch o {
	case Inserted:
		r.Inserted++
	case Updated:
		r.Updated++
	case Unchanged:
		r.Unchanged++
	}
}

// StartScrapeRun opens a run for the source. It is written outside the
// source's transaction so that a run that fails is still on record.
func (s *Store) StartScrapeRun(ctx context.Context, sourceID int64, at time.Time) (ScrapeRun, error) {
	run := ScrapeRun{SourceID: sourceID, StartedAt: at, Status: "running"}
	err := s.q.GetContext(ctx, &run.ID, `
		INSERT INTO scrape_runs (source_id, started_at, status) VALUES ($1, $2, 'running') RETURNING id`,
		sourceID, at)
	if err != nil {
		return run, wrapErr("start scrape run", err)
	}
	return run, nil
}

// FinishScrapeRun stores the run's outcome and counts.
func (s *Store) FinishScrapeRun(ctx context.Context, run ScrapeRun) error {
	_, err := s.q.ExecContext(ctx, `
		UPDATE scrape_runs SET finished_at = $2, status = $3, found = $4, inserted = $5,
			updated = $6, unchanged = $7, cancelled = $8, error = $9, warnings = $10
		WHERE id = $1`, run.ID, run.FinishedAt, run.Status, run.Found, run.Inserted,
		run.Updated, run.Unchanged, run.Cancelled, run.Error, run.Warnings)
	if err != nil {
		return fmt.Errorf("finish scrape run %d: %w", run.ID, err)
	}
	return nil
}

// InterruptAbandonedRuns closes the runs still marked running that began
// before before: whoever ran them is gone without recording how they
// ended. Each becomes a failed run with the error msg, finished at now,
// and its source, unless it has been run since, is due again at once, as
// after an interrupted run. It returns how many runs it closed.
func (s *Store) InterruptAbandonedRuns(ctx context.Context, before, now time.Time, msg string) (int, error) {
	var n int
	err := s.q.GetContext(ctx, &n, `
		WITH closed AS (
			UPDATE scrape_runs SET status = 'failed', finished_at = $2, error = $3
			WHERE status = 'running' AND started_at < $1
			RETURNING id, source_id
		), due AS (
			UPDATE sources s SET next_fetch_at = least(s.next_fetch_at, $2), updated_at = now()
			FROM closed c
			WHERE s.id = c.source_id
			  AND NOT EXISTS (SELECT 1 FROM scrape_runs r WHERE r.source_id = c.source_id AND r.id > c.id)
		)
		SELECT count(*) FROM closed`, before, now, msg)
	if err != nil {
		return 0, fmt.Errorf("interrupt abandoned scrape runs: %w", err)
	}
	return n, nil
}

const scrapeRunColumns = `id, source_id, started_at, finished_at, status, found, inserted, updated,
	unchanged, cancelled, error, warnings`

// ScrapeRunsBySource lists a source's most recent runs, newest first.
func (s *Store) ScrapeRunsBySource(ctx context.Context, sourceID int64, limit int) ([]ScrapeRun, error) {
	out := []ScrapeRun{}
	err := s.q.SelectContext(ctx, &out, `
		SELECT `+scrapeRunColumns+`
		FROM scrape_runs WHERE source_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2`, sourceID, limit)
	if err != nil {
		return nil, fmt.Errorf("scrape runs of source %d: %w", sourceID, err)
	}
	return out, nil
}
