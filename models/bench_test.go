package models_test

import (
	"context"
	"testing"
	"time"

	"heard/models"
	"heard/models/modeltest"
)

// seedActivities bulk-loads n activities spread over all 52 jurisdictions,
// with varied types, phases, groups and features so that every criterion
// rule has work to do, each with a source row.
func seedActivities(b *testing.B, s *models.Store, n int) {
	b.Helper()
	ctx := context.Background()
	_, err := s.DB().ExecContext(ctx, `
		INSERT INTO sources (jurisdiction, kind, url, name)
		SELECT code, 'html', 'https://sea.example.gov/' || code, 'Bench' FROM jurisdictions`)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.PutSnapshot(ctx, models.Snapshot{MediaType: "text/html", Body: []byte("bench")}); err != nil {
		b.Fatal(err)
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
		FROM ins JOIN sources s ON s.jurisdiction = ins.jurisdiction`, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), n)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkRescoreAll rescores all 52 jurisdictions over 100,000
// activities: load each one's evidence and overrides, score, store the run.
func BenchmarkRescoreAll(b *testing.B) {
	s := modeltest.NewStore(b)
	seedActivities(b, s, 100_000)
	ctx := context.Background()
	js, err := s.Jurisdictions(ctx)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		for _, j := range js {
			if _, err := s.Rescore(ctx, j.Code, now, "manual"); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(100_000, "activities")
}

// BenchmarkScoreOnly is the pure engine over one jurisdiction's ~1,900
// activities, without the database.
func BenchmarkScoreOnly(b *testing.B) {
	s := modeltest.NewStore(b)
	seedActivities(b, s, 100_000)
	ctx := context.Background()
	rubric, err := s.CurrentRubric(ctx)
	if err != nil {
		b.Fatal(err)
	}
	j, _ := s.JurisdictionByCode(ctx, "OH")
	acts, _, err := s.Activities(ctx, models.ActivityFilter{Jurisdiction: "OH"})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		models.ScoreWith(models.ScoreInput{Rubric: rubric, Jurisdiction: j, Activities: acts, Now: now})
	}
	b.ReportMetric(float64(len(acts)), "activities")
}
