package modeltest

import (
	"context"
	"fmt"
	"time"

	"heard/models"
)

// SeedActivities bulk-loads n synthetic activities spread over all 52
// jurisdictions, with varied types, phases, groups and features so that
// every criterion rule has work to do, each read from a source of its
// jurisdiction and a stored snapshot; the activities end before at. It is
// for benchmarks and load tests (cmd/heard-load), which need realistic
// volumes in seconds rather than realistic records.
func SeedActivities(ctx context.Context, s *models.Store, n int, at time.Time) error {
	_, err := s.DB().ExecContext(ctx, `
		INSERT INTO sources (jurisdiction, kind, url, name)
		SELECT code, 'html', 'https://sea.example.gov/' || code, 'Bench' FROM jurisdictions
		ON CONFLICT DO NOTHING`)
	if err != nil {
		return fmt.Errorf("seed sources: %w", err)
	}
	if _, err := s.PutSnapshot(ctx, models.Snapshot{MediaType: "text/html", Body: []byte("bench")}); err != nil {
		return err
	}
	_, err = s.DB().ExecContext(ctx, `
		WITH j AS (SELECT code, time_zone, row_number() OVER (ORDER BY code) - 1 AS k FROM jurisdictions),
		types AS (SELECT array['public_meeting','listening_session','town_hall','webinar','survey','focus_group',
			'advisory_meeting','comment_period','feedback_summary','draft_posted','governor_consultation',
			'tribal_consultation','board_meeting'] AS t),
		phases AS (SELECT array['pre_draft','draft','comment','submitted','implementation','amendment'] AS p),
		groups AS (SELECT array['parents','teachers','principals','lea','rural_lea','tribes','students','governor',
			'legislature','state_board','civil_rights','el_advocates','employers','public'] AS g),
		ins AS (
			INSERT INTO activities (jurisdiction, dedupe_key, activity_type, title, time_zone, start_at, end_at,
				location, region, remote, languages, interpretation, audience_groups, features, plan_phase, status,
				content_hash, first_seen, last_seen, updated_at)
			SELECT j.code, 'bench:' || i, types.t[1 + i % 13], 'Activity ' || i, j.time_zone,
				$1::timestamptz - (i % 2000) * interval '1 day',
				$1::timestamptz - (i % 2000) * interval '1 day' + (i % 45) * interval '1 day',
				'Place ' || (i % 37), 'Region ' || (i % 9), i % 3 = 0,
				CASE WHEN i % 4 = 0 THEN '{en,es}'::text[] WHEN i % 11 = 0 THEN '{en,es,vi}' ELSE '{en}' END,
				i % 5 = 0,
				ARRAY[groups.g[1 + i % 14], groups.g[1 + (i / 14) % 14]],
				CASE WHEN i % 6 = 0 THEN '{evening,recording}'::text[] WHEN i % 7 = 0 THEN '{accommodation,faq}' ELSE '{}' END,
				phases.p[1 + (i / 13) % 6], 'held', repeat('0', 64), $1, $1, $1
			FROM generate_series(0, $2 - 1) AS i
			JOIN j ON j.k = i % 52
			CROSS JOIN types CROSS JOIN phases CROSS JOIN groups
			RETURNING id, jurisdiction
		)
		INSERT INTO activity_sources (activity_id, source_id, url, snapshot_sha256, retrieved_at, last_seen_at)
		SELECT ins.id, s.id, s.url, encode(sha256('bench'), 'hex'), $1, $1
		FROM ins JOIN sources s ON s.jurisdiction = ins.jurisdiction AND s.url = 'https://sea.example.gov/' || ins.jurisdiction`, at, n)
	if err != nil {
		return fmt.Errorf("seed activities: %w", err)
	}
	if _, err := s.DB().ExecContext(ctx, `ANALYZE`); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}
