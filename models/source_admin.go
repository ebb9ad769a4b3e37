package models

import (
	"context"
	"encoding/json"
	"fmt"
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
