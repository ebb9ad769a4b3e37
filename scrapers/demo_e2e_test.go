package scrapers

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"heard/models"
	"heard/scrapers/demo"
)

// rubricV1 is the rubric of DOMAIN.md (keys and weights), enough for Score.
var rubricV1 = models.Rubric{Version: 1, Criteria: []models.Criterion{
	{Key: "groups", Weight: 14}, {Key: "governor", Weight: 5}, {Key: "tribal", Weight: 5},
	{Key: "comment", Weight: 10}, {Key: "modes", Weight: 7}, {Key: "access", Weight: 7},
	{Key: "language", Weight: 8}, {Key: "plain", Weight: 5}, {Key: "disability", Weight: 5},
	{Key: "early", Weight: 7}, {Key: "feedback", Weight: 12}, {Key: "advisory", Weight: 5},
	{Key: "ongoing", Weight: 10},
}}

// allJurisdictions reads the 52 jurisdictions from the migration that
// seeds them, so the test follows the real list.
func allJurisdictions(t *testing.T) []models.Jurisdiction {
	t.Helper()
	sql, err := os.ReadFile("../migrations/00002_jurisdictions.sql")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`\('([A-Z]{2})', '(\d{2})', '([^']+)',\s+'([^']+)'`)
	var js []models.Jurisdiction
	for _, m := range row.FindAllStringSubmatch(string(sql), -1) {
		js = append(js, models.Jurisdiction{Code: m[1], FIPS: m[2], Name: strings.TrimSpace(m[3]), TimeZone: m[4]})
	}
	if len(js) != 52 {
		t.Fatalf("read %d jurisdictions from the migration, want 52", len(js))
	}
	return js
}

// TestDemoCorpusEndToEnd serves the demo corpus for every jurisdiction and
// reads it the way the runner does: fetch, parse, extract, score. The
// corpus exists to show scores that differ, so that is what it checks.
func TestDemoCorpusEndToEnd(t *testing.T) {
	js := allJurisdictions(t)
	// The corpus is dated from the day it is served, so the spread must
	// hold whatever the day, including around the turn of a year.
	for _, now := range []time.Time{
		time.Date(2027, 3, 15, 16, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC),
		time.Date(2027, 7, 1, 4, 0, 0, 0, time.UTC),
		time.Date(2028, 1, 2, 12, 0, 0, 0, time.UTC),
	} {
		t.Run(now.Format(time.DateOnly), func(t *testing.T) { demoEndToEnd(t, js, now) })
	}
}

func demoEndToEnd(t *testing.T, js []models.Jurisdiction, now time.Time) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := demo.Start(ctx, "127.0.0.1:0", js, now)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	byCode := map[string]models.Jurisdiction{}
	for _, j := range js {
		byCode[j.Code] = j
	}
	acts := map[string][]models.Activity{}
	for _, src := range srv.Sources() {
		body := fetchBody(t, src.URL)
		settings, err := ParseSettings(src.Settings)
		if err != nil {
			t.Fatal(err)
		}
		var items []Item
		switch src.Kind {
		case models.KindRSS:
			items, err = ParseFeed(body, src.URL, settings)
		default:
			items, err = ParseHTML(body, src.URL, settings)
		}
		if err != nil || len(items) == 0 {
			t.Fatalf("%s: %d items, %v", src.URL, len(items), err)
		}
		for _, it := range items {
			if !strings.HasPrefix(it.Title, "[Demo]") {
				t.Errorf("%s: title %q does not say it is demo data", src.URL, it.Title)
			}
			a, ok := Extract(it, byCode[src.Jurisdiction], now)
			offTopic := strings.Contains(it.GUID, "-offtopic-")
			switch {
			case ok && offTopic:
				t.Errorf("%s: unrelated item %q was kept as %s", src.Jurisdiction, it.Title, a.Type)
			case !ok && !offTopic:
				t.Errorf("%s: engagement item %q (%s) was dropped", src.Jurisdiction, it.Title, it.GUID)
			case ok:
				if err := a.Validate(); err != nil {
					t.Errorf("%s: %q: %v", src.Jurisdiction, it.Title, err)
				}
				a.ID = int64(len(acts[src.Jurisdiction]) + 1)
				acts[src.Jurisdiction] = append(acts[src.Jurisdiction], a)
			}
		}
	}

	levels := map[models.Level][]string{}
	var report strings.Builder
	for _, j := range js {
		list := acts[j.Code]
		if len(list) < 8 {
			t.Errorf("%s: %d activities, want at least 8", j.Code, len(list))
		}
		card := models.Score(rubricV1, j.Code, list, now)
		levels[card.Level] = append(levels[card.Level], j.Code)
		overall := -1.0
		if card.Overall != nil {
			overall = *card.Overall
		}
		fmt.Fprintf(&report, "%s %-12s overall %5.1f coverage %5.1f acts %2d |", j.Code, card.Level, overall, card.Coverage, len(list))
		for _, c := range card.Criteria {
			if c.Score != nil {
				fmt.Fprintf(&report, " %s=%d", c.Key, *c.Score)
			} else {
				fmt.Fprintf(&report, " %s=-", c.Key)
			}
		}
		report.WriteString("\n")
	}
	t.Logf("demo scores at %s:\n%s", now.Format(time.DateOnly), report.String())
	if len(levels) < 4 {
		t.Errorf("levels across jurisdictions: %v, want at least 4 distinct", levels)
	}
	if len(levels[models.LevelExemplary])+len(levels[models.LevelStrong]) == 0 {
		t.Errorf("no exemplary or strong jurisdiction: %v", levels)
	}
	if len(levels[models.LevelLimited])+len(levels[models.LevelMinimal])+len(levels[models.LevelInsufficient]) == 0 {
		t.Errorf("no limited, minimal or insufficient jurisdiction: %v", levels)
	}
	counts := []string{}
	for _, l := range models.Levels {
		if n := len(levels[l]); n > 0 {
			counts = append(counts, fmt.Sprintf("%s=%d", l, n))
		}
	}
	t.Logf("levels: %s", strings.Join(counts, " "))

	// Something upcoming and an open comment window, for the "take part"
	// pages, in most states.
	open := 0
	for _, list := range acts {
		if slices.ContainsFunc(list, func(a models.Activity) bool {
			return a.Type == models.TypeCommentPeriod && a.Status == models.StatusScheduled
		}) {
			open++
		}
	}
	if open < len(js)/2 {
		t.Errorf("%d jurisdictions have an open comment period, want at least half", open)
	}
}

func fetchBody(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return body
}
