package models_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"heard/models"
)

func TestStoreUpsertSource(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	first, err := s.UpsertSource(ctx, models.Source{Jurisdiction: "ma", Kind: models.KindRSS,
		URL: "https://doe.example.gov/news.rss", Name: "News", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if first.ID == 0 || first.Jurisdiction != "MA" || first.FetchIntervalSec != 6*3600 || string(first.Settings) != "{}" {
		t.Errorf("first upsert = %+v, want an id, MA, the 6-hour default interval and {} settings", first)
	}
	again, err := s.UpsertSource(ctx, models.Source{Jurisdiction: "MA", Kind: models.KindAtom,
		URL: "https://doe.example.gov/news.rss", Name: "News feed", FetchIntervalSec: 900,
		Settings: []byte(`{"item": "entry"}`), Enabled: false, Verified: true})
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != first.ID {
		t.Errorf("second upsert of the same URL got id %d, want %d", again.ID, first.ID)
	}
	if again.Name != "News feed" || again.Kind != models.KindAtom || again.FetchIntervalSec != 900 ||
		again.Enabled || !again.Verified || !strings.Contains(string(again.Settings), `"entry"`) {
		t.Errorf("second upsert = %+v, want the new name, kind, interval, flags and settings", again)
	}
	other := mustSource(t, ctx, s, "MA", "https://doe.example.gov/calendar.ics")
	srcs, err := s.Sources(ctx, "ma")
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) != 2 || srcs[0].ID != first.ID || srcs[1].ID != other.ID {
		t.Errorf("sources of MA = %+v, want ids %d and %d", srcs, first.ID, other.ID)
	}
	if none, err := s.Sources(ctx, "RI"); err != nil || none == nil || len(none) != 0 {
		t.Errorf("sources of RI = %v, %v; want an empty list", none, err)
	}
}

func TestStoreClaimDueSources(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	src := func(url string, interval int64, enabled bool, next time.Time) models.Source {
		t.Helper()
		out, err := s.UpsertSource(ctx, models.Source{Jurisdiction: "MA", Kind: models.KindHTML,
			URL: url, FetchIntervalSec: interval, Enabled: enabled})
		if err != nil {
			t.Fatal(err)
		}
		setNextFetch(t, ctx, s, out.ID, next)
		return out
	}
	hourly := src("https://doe.example.gov/a", 3600, true, t0.Add(-time.Hour))
	disabled := src("https://doe.example.gov/b", 3600, false, t0.Add(-2*time.Hour))
	later := src("https://doe.example.gov/c", 3600, true, t0.Add(time.Minute))
	oldest := src("https://doe.example.gov/d", 7200, true, t0.Add(-3*time.Hour))

	claim := func(now time.Time, limit int) []models.Source {
		t.Helper()
		got, err := s.ClaimDueSources(ctx, now, limit)
		if err != nil {
			t.Fatalf("ClaimDueSources(%v, %d): %v", now, limit, err)
		}
		if got == nil {
			t.Fatalf("ClaimDueSources returned nil, want a list")
		}
		sort.Slice(got, func(i, j int) bool { return got[i].ID < got[j].ID })
		return got
	}
	steps := []struct {
		name  string
		now   time.Time
		limit int
		want  []int64
		next  []time.Time
	}{
		{"the longest overdue first", t0, 1, []int64{oldest.ID}, []time.Time{t0.Add(2 * time.Hour)}},
		{"then the rest that are due", t0, 10, []int64{hourly.ID}, []time.Time{t0.Add(time.Hour)}},
		{"a second tick at the same time", t0, 10, nil, nil},
		{"the later one when it falls due", t0.Add(time.Minute), 10, []int64{later.ID}, []time.Time{t0.Add(61 * time.Minute)}},
		{"an hour on, the hourly ones again", t0.Add(61 * time.Minute), 10, []int64{hourly.ID, later.ID},
			[]time.Time{t0.Add(121 * time.Minute), t0.Add(121 * time.Minute)}},
	}
	for _, st := range steps {
		got := claim(st.now, st.limit)
		var ids []int64
		for i, g := range got {
			ids = append(ids, g.ID)
			if i < len(st.next) && !g.NextFetchAt.Equal(st.next[i]) {
				t.Errorf("%s: source %d next fetch %v, want %v", st.name, g.ID, g.NextFetchAt, st.next[i])
			}
		}
		if !slices.Equal(ids, st.want) {
			t.Errorf("%s: claimed %v, want %v", st.name, ids, st.want)
		}
	}
	srcs, err := s.Sources(ctx, "MA")
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range srcs {
		if got.ID == disabled.ID && !got.NextFetchAt.Equal(t0.Add(-2*time.Hour)) {
			t.Errorf("disabled source's next fetch moved to %v", got.NextFetchAt)
		}
		if got.ID == oldest.ID && !got.NextFetchAt.Equal(t0.Add(2*time.Hour)) {
			t.Errorf("stored next fetch of %d is %v, want %v", got.ID, got.NextFetchAt, t0.Add(2*time.Hour))
		}
	}
}

// TestStoreClaimDueSourcesConcurrent has two claimers, each in its own
// transaction, claim one source at a time while both transactions are open,
// over several ticks: no source may go to both.
func TestStoreClaimDueSourcesConcurrent(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	const n = 6
	for i := range n {
		src := mustSource(t, ctx, s, allCodes[i], fmt.Sprintf("https://doe.example.gov/%d", i))
		setNextFetch(t, ctx, s, src.ID, t0.Add(-time.Duration(i)*time.Minute))
	}
	for tick := range 3 {
		now := t0.Add(time.Duration(tick) * time.Hour)
		seen := map[int64]int{}
		for round := 0; ; round++ {
			var claimed, done sync.WaitGroup
			var got [2][]models.Source
			var errs [2]error
			claimed.Add(2)
			for w := range 2 {
				done.Go(func() {
					errs[w] = s.InTx(ctx, func(tx *models.Store) error {
						var err error
						got[w], err = tx.ClaimDueSources(ctx, now, 1)
						claimed.Done()
						claimed.Wait() // both transactions hold their claims here
						return err
					})
				})
			}
			done.Wait()
			if errs[0] != nil || errs[1] != nil {
				t.Fatalf("tick %d round %d: %v, %v", tick, round, errs[0], errs[1])
			}
			if len(got[0])+len(got[1]) == 0 {
				break
			}
			for w := range 2 {
				if len(got[w]) > 1 {
					t.Fatalf("tick %d: claimer %d got %d sources with limit 1", tick, w, len(got[w]))
				}
				for _, src := range got[w] {
					seen[src.ID]++
				}
			}
			if round > n {
				t.Fatalf("tick %d: still claiming after %d rounds", tick, round)
			}
		}
		if len(seen) != n {
			t.Errorf("tick %d: %d sources claimed, want %d", tick, len(seen), n)
		}
		for id, k := range seen {
			if k != 1 {
				t.Errorf("tick %d: source %d claimed %d times", tick, id, k)
			}
		}
	}
}
