package models_test

import (
	"context"
	"testing"
	"time"

	"heard/models"
	"heard/models/modeltest"
)

// seedActivities bulk-loads n synthetic activities (modeltest.SeedActivities).
func seedActivities(b *testing.B, s *models.Store, n int) {
	b.Helper()
	if err := modeltest.SeedActivities(context.Background(), s, n, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)); err != nil {
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
