package handlers

import (
	"testing"
	"time"

	"heard/models"
)

func TestRankPutsUncomparableTotalsLast(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	sum := func(code string, overall *float64, level models.Level) models.ScoreSummary {
		return models.ScoreSummary{Jurisdiction: models.Jurisdiction{Code: code}, Overall: overall, Level: level}
	}
	rows := rank([]models.ScoreSummary{
		sum("AA", f(37), models.LevelInsufficient),
		sum("BB", f(33), models.LevelLimited),
		sum("CC", nil, models.LevelUnscored),
		sum("DD", f(90), models.LevelExemplary),
		sum("EE", f(52), models.LevelDeveloping),
	})
	want := []struct {
		code string
		rank int
	}{{"DD", 1}, {"EE", 2}, {"BB", 3}, {"AA", 0}, {"CC", 0}}
	for i, w := range want {
		if rows[i].Code != w.code || rows[i].Rank != w.rank {
			t.Errorf("row %d: %s ranked %d, want %s ranked %d", i, rows[i].Code, rows[i].Rank, w.code, w.rank)
		}
	}
}

func TestDatetimeUsesAPStyle(t *testing.T) {
	loc := models.Jurisdiction{TimeZone: "America/Denver"}.Location()
	format := pageFuncs["datetime"].(func(*time.Time, bool) string)
	morning := time.Date(2026, 12, 12, 10, 0, 0, 0, loc)
	evening := time.Date(2026, 12, 12, 18, 30, 0, 0, loc)
	if got := format(&morning, false); got != "Sat, Dec 12, 2026, 10:00 a.m. MST" {
		t.Errorf("morning: %q", got)
	}
	if got := format(&evening, false); got != "Sat, Dec 12, 2026, 6:30 p.m. MST" {
		t.Errorf("evening: %q", got)
	}
	if got := format(&evening, true); got != "Sat, Dec 12, 2026" {
		t.Errorf("all day: %q", got)
	}
	if got := format(nil, false); got != "date not given" {
		t.Errorf("nil: %q", got)
	}
}
