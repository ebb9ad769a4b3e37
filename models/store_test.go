package models_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"heard/models"
	"heard/models/modeltest"
)

// t0 is the fixed clock of the store tests: 2 March 2026, 9 a.m. UTC.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// allCodes are the 50 states, DC and Puerto Rico.
var allCodes = strings.Fields(`AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO
	MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR`)

func newStore(t *testing.T) (*models.Store, context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return modeltest.NewStore(t), ctx
}

func mustSource(t *testing.T, ctx context.Context, s *models.Store, code, url string) models.Source {
	t.Helper()
	src, err := s.UpsertSource(ctx, models.Source{Jurisdiction: code, Kind: models.KindHTML, URL: url,
		Name: "ESSA hub", FetchIntervalSec: 3600, Enabled: true})
	if err != nil {
		t.Fatalf("UpsertSource(%s): %v", url, err)
	}
	return src
}

func mustSnapshot(t *testing.T, ctx context.Context, s *models.Store, body string) string {
	t.Helper()
	key, err := s.PutSnapshot(ctx, "text/html", []byte(body), body)
	if err != nil {
		t.Fatalf("PutSnapshot: %v", err)
	}
	return key
}

// setNextFetch moves a source's next fetch, which UpsertSource leaves at the
// database's now(), onto the test clock.
func setNextFetch(t *testing.T, ctx context.Context, s *models.Store, id int64, at time.Time) {
	t.Helper()
	if _, err := s.DB().ExecContext(ctx, `UPDATE sources SET next_fetch_at = $2 WHERE id = $1`, id, at); err != nil {
		t.Fatalf("set next fetch of %d: %v", id, err)
	}
}

func count(t *testing.T, ctx context.Context, s *models.Store, table string) int {
	t.Helper()
	var n int
	if err := s.DB().GetContext(ctx, &n, `SELECT count(*) FROM `+table); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// newActivity returns a valid held meeting of jurisdiction code.
func newActivity(code, key string) models.Activity {
	return models.Activity{Jurisdiction: code, DedupeKey: key, Type: models.TypePublicMeeting,
		Title: "Listening tour: " + key, Phase: models.PhaseDraft, Status: models.StatusHeld,
		TimeZone: "America/New_York", Languages: models.StringList{"en", "es"},
		AudienceGroups: models.StringList{"parents", "teachers"}}
}

// fixture is a source with one snapshot to read activities from.
type fixture struct {
	src  models.Source
	snap string
}

func (f fixture) from(at time.Time) models.ActivitySource {
	return models.ActivitySource{SourceID: f.src.ID, URL: f.src.URL, SnapshotSHA256: f.snap, RetrievedAt: at}
}

func newFixture(t *testing.T, ctx context.Context, s *models.Store, code string) fixture {
	t.Helper()
	return fixture{
		src:  mustSource(t, ctx, s, code, "https://doe.example.gov/"+strings.ToLower(code)+"/essa"),
		snap: mustSnapshot(t, ctx, s, "<html>"+code+" meetings</html>"),
	}
}

func mustUpsert(t *testing.T, ctx context.Context, s *models.Store, a models.Activity, src models.ActivitySource) (int64, models.UpsertOutcome) {
	t.Helper()
	id, outcome, err := s.UpsertActivity(ctx, a, src)
	if err != nil {
		t.Fatalf("UpsertActivity(%s): %v", a.DedupeKey, err)
	}
	return id, outcome
}

func mustActivity(t *testing.T, ctx context.Context, s *models.Store, id int64) models.Activity {
	t.Helper()
	a, err := s.ActivityByID(ctx, id)
	if err != nil {
		t.Fatalf("ActivityByID(%d): %v", id, err)
	}
	return a
}

func TestStoreJurisdictions(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	js, err := s.Jurisdictions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	tiles := map[[2]int]string{}
	fips := map[string]string{}
	for _, j := range js {
		codes = append(codes, j.Code)
		if other, ok := tiles[[2]int{j.TileRow, j.TileCol}]; ok {
			t.Errorf("%s and %s share tile (%d, %d)", j.Code, other, j.TileRow, j.TileCol)
		}
		tiles[[2]int{j.TileRow, j.TileCol}] = j.Code
		if j.TileRow >= 8 || j.TileCol >= 12 {
			t.Errorf("%s: tile (%d, %d) is off the 8×12 grid", j.Code, j.TileRow, j.TileCol)
		}
		if other, ok := fips[j.FIPS]; ok {
			t.Errorf("%s and %s share FIPS %s", j.Code, other, j.FIPS)
		}
		fips[j.FIPS] = j.Code
		if loc, err := time.LoadLocation(j.TimeZone); err != nil {
			t.Errorf("%s: time zone %q does not load: %v", j.Code, j.TimeZone, err)
		} else if j.Location().String() != loc.String() {
			t.Errorf("%s: Location() = %s, want %s", j.Code, j.Location(), loc)
		}
		if j.Name == "" {
			t.Errorf("%s: no name", j.Code)
		}
	}
	if len(js) != 52 {
		t.Errorf("%d jurisdictions, want 52", len(js))
	}
	if !slices.IsSortedFunc(js, func(a, b models.Jurisdiction) int { return strings.Compare(a.Name, b.Name) }) {
		t.Errorf("jurisdictions are not ordered by name")
	}
	slices.Sort(codes)
	want := slices.Sorted(slices.Values(allCodes))
	if !slices.Equal(codes, want) {
		t.Errorf("codes %v, want the 50 states, DC and PR %v", codes, want)
	}
}

func TestStoreJurisdictionByCode(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	tests := []struct {
		code, want, zone string
	}{
		{"MA", "MA", "America/New_York"},
		{"ma", "MA", "America/New_York"},
		{" Ma ", "MA", "America/New_York"},
		{"dc", "DC", "America/New_York"},
		{"pr", "PR", "America/Puerto_Rico"},
		{"hi", "HI", "Pacific/Honolulu"},
		{"ZZ", "", ""},
		{"", "", ""},
		{"MAS", "", ""},
		{"m", "", ""},
	}
	for _, tc := range tests {
		j, err := s.JurisdictionByCode(ctx, tc.code)
		switch {
		case tc.want == "" && !errors.Is(err, models.ErrNotFound):
			t.Errorf("JurisdictionByCode(%q) = %+v, %v; want ErrNotFound", tc.code, j, err)
		case tc.want != "" && err != nil:
			t.Errorf("JurisdictionByCode(%q): %v", tc.code, err)
		case tc.want != "" && (j.Code != tc.want || j.TimeZone != tc.zone):
			t.Errorf("JurisdictionByCode(%q) = %s in %s, want %s in %s", tc.code, j.Code, j.TimeZone, tc.want, tc.zone)
		}
	}
}

func TestStoreRubric(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	r, err := s.CurrentRubric(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Version != 1 || r.TotalWeight() != 100 || len(r.Criteria) != 13 {
		t.Fatalf("current rubric v%d has %d criteria weighing %d, want v1 with 13 weighing 100",
			r.Version, len(r.Criteria), r.TotalWeight())
	}
	if r.PublishedAt.IsZero() || r.Notes == "" {
		t.Errorf("rubric v1 published %v with notes %q", r.PublishedAt, r.Notes)
	}
	for i, c := range r.Criteria {
		want := models.RubricV1.Criteria[i]
		if c.Key != want.Key || c.Weight != want.Weight || c.Position != i+1 {
			t.Errorf("criterion %d = %s (weight %d, position %d), want %s (weight %d, position %d) as in DOMAIN.md",
				i, c.Key, c.Weight, c.Position, want.Key, want.Weight, i+1)
		}
		if len(c.Anchors) != 5 {
			t.Errorf("%s: %d anchors, want 5", c.Key, len(c.Anchors))
		}
		for n, a := range c.Anchors {
			if strings.TrimSpace(a) == "" {
				t.Errorf("%s: anchor %d is empty", c.Key, n)
			}
		}
		if c.Title == "" || c.Description == "" || c.Signal == "" || c.LegalSource == "" {
			t.Errorf("%s: title, description, signal or legal source missing: %+v", c.Key, c)
		}
	}
	if _, err := s.RubricByVersion(ctx, 2); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("RubricByVersion(2): %v, want ErrNotFound", err)
	}
}

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

func TestStoreSnapshots(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	body := []byte("%PDF-1.7 what we heard\x00\xff")
	key, err := s.PutSnapshot(ctx, "application/pdf", body, "what we heard")
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.PutSnapshot(ctx, "application/octet-stream", body, "")
	if err != nil {
		t.Fatal(err)
	}
	if key != models.SHA256Hex(body) || again != key || len(key) != 64 {
		t.Errorf("keys %q and %q, want both %q", key, again, models.SHA256Hex(body))
	}
	if n := count(t, ctx, s, "snapshots"); n != 1 {
		t.Errorf("%d snapshot rows after storing the same body twice, want 1", n)
	}
	snap, err := s.SnapshotBySHA256(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if string(snap.Body) != string(body) || snap.MediaType != "application/pdf" || snap.Size != len(body) ||
		snap.Text != "what we heard" || snap.SHA256 != key {
		t.Errorf("snapshot = %+v, want the first body, media type and text", snap)
	}
	mustSnapshot(t, ctx, s, "another body")
	if n := count(t, ctx, s, "snapshots"); n != 2 {
		t.Errorf("%d snapshot rows, want 2", n)
	}
	if _, err := s.SnapshotBySHA256(ctx, models.SHA256Hex([]byte("never stored"))); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown snapshot: %v, want ErrNotFound", err)
	}
}

func TestStoreUpsertActivity(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	f := newFixture(t, ctx, s, "MA")
	start := time.Date(2017, 2, 1, 23, 0, 0, 0, time.UTC)
	a := newActivity("ma", "tour-1")
	a.Start = &start

	steps := []struct {
		name    string
		change  func(*models.Activity)
		src     models.ActivitySource
		want    models.UpsertOutcome
		title   string
		last    time.Time
		updated time.Time
		sources int
	}{
		{"first sight", nil, f.from(t0), models.Inserted, "Listening tour: tour-1", t0, t0, 1},
		{"seen again", nil, f.from(t0.Add(time.Hour)), models.Unchanged, "Listening tour: tour-1", t0.Add(time.Hour), t0, 1},
		{"an older copy", nil, f.from(t0.Add(-time.Hour)), models.Unchanged, "Listening tour: tour-1", t0.Add(time.Hour), t0, 1},
		{"retitled", func(a *models.Activity) { a.Title = "Listening tour (rescheduled)" }, f.from(t0.Add(2 * time.Hour)),
			models.Updated, "Listening tour (rescheduled)", t0.Add(2 * time.Hour), t0.Add(2 * time.Hour), 1},
		{"read from a new snapshot", func(a *models.Activity) { a.Title = "Listening tour (rescheduled)" },
			models.ActivitySource{SourceID: f.src.ID, URL: f.src.URL, SnapshotSHA256: mustSnapshot(t, ctx, s, "v2"), RetrievedAt: t0.Add(3 * time.Hour)},
			models.Unchanged, "Listening tour (rescheduled)", t0.Add(3 * time.Hour), t0.Add(2 * time.Hour), 2},
		{"read from a second URL", func(a *models.Activity) { a.Title = "Listening tour (rescheduled)" },
			models.ActivitySource{SourceID: f.src.ID, URL: f.src.URL + "?page=2", SnapshotSHA256: f.snap, RetrievedAt: t0.Add(4 * time.Hour)},
			models.Unchanged, "Listening tour (rescheduled)", t0.Add(4 * time.Hour), t0.Add(2 * time.Hour), 3},
		{"an audience added", func(a *models.Activity) {
			a.Title = "Listening tour (rescheduled)"
			a.AudienceGroups = append(a.AudienceGroups, "students")
		}, f.from(t0.Add(5 * time.Hour)), models.Updated, "Listening tour (rescheduled)", t0.Add(5 * time.Hour), t0.Add(5 * time.Hour), 3},
	}
	var id int64
	for _, st := range steps {
		b := a
		b.AudienceGroups = slices.Clone(a.AudienceGroups)
		if st.change != nil {
			st.change(&b)
		}
		gotID, outcome := mustUpsert(t, ctx, s, b, st.src)
		if id == 0 {
			id = gotID
		}
		if gotID != id || outcome != st.want {
			t.Errorf("%s: id %d, %s; want id %d, %s", st.name, gotID, outcome, id, st.want)
		}
		got := mustActivity(t, ctx, s, id)
		if got.Title != st.title || !got.LastSeen.Equal(st.last) || !got.FirstSeen.Equal(t0) || !got.UpdatedAt.Equal(st.updated) {
			t.Errorf("%s: title %q, first seen %v, last seen %v, updated %v; want %q, %v, %v, %v",
				st.name, got.Title, got.FirstSeen, got.LastSeen, got.UpdatedAt, st.title, t0, st.last, st.updated)
		}
		if len(got.Sources) != st.sources {
			t.Errorf("%s: %d sources, want %d: %+v", st.name, len(got.Sources), st.sources, got.Sources)
		}
	}
	got := mustActivity(t, ctx, s, id)
	if got.Jurisdiction != "MA" || got.ReviewStatus != "new" || !got.Start.Equal(start) ||
		!slices.Equal(got.AudienceGroups, models.StringList{"parents", "teachers", "students"}) ||
		!slices.Equal(got.Languages, models.StringList{"en", "es"}) || got.Features == nil {
		t.Errorf("stored activity = %+v", got)
	}
	if src := got.Sources[0]; src.RetrievedAt.Before(got.Sources[len(got.Sources)-1].RetrievedAt) || src.SourceID != f.src.ID {
		t.Errorf("sources not newest first: %+v", got.Sources)
	}
	if n := count(t, ctx, s, "activities"); n != 1 {
		t.Errorf("%d activity rows, want 1", n)
	}
	if n := count(t, ctx, s, "activity_sources"); n != 3 {
		t.Errorf("%d activity_sources rows, want 3 (one per distinct url and snapshot)", n)
	}
	// The same key in another state is another activity.
	if otherID, outcome := mustUpsert(t, ctx, s, newActivity("RI", "tour-1"), f.from(t0)); otherID == id || outcome != models.Inserted {
		t.Errorf("same key in RI: id %d, %s; want a new id, inserted", otherID, outcome)
	}
}

func TestStoreUpsertActivityInvalid(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	f := newFixture(t, ctx, s, "MA")
	start := t0
	before := t0.Add(-time.Hour)
	tests := []struct {
		name   string
		change func(*models.Activity, *models.ActivitySource)
		field  string // the field a *ValidationError must name; "" for another error
	}{
		{"bad type", func(a *models.Activity, _ *models.ActivitySource) { a.Type = "picnic" }, "activity_type"},
		{"empty title", func(a *models.Activity, _ *models.ActivitySource) { a.Title = "  " }, "title"},
		{"bad phase", func(a *models.Activity, _ *models.ActivitySource) { a.Phase = "" }, "plan_phase"},
		{"bad jurisdiction", func(a *models.Activity, _ *models.ActivitySource) { a.Jurisdiction = "Mass" }, "jurisdiction"},
		{"no dedupe key", func(a *models.Activity, _ *models.ActivitySource) { a.DedupeKey = "" }, "dedupe_key"},
		{"unknown group", func(a *models.Activity, _ *models.ActivitySource) {
			a.AudienceGroups = append(a.AudienceGroups, "aliens")
		}, "audience_groups"},
		{"ends before it starts", func(a *models.Activity, _ *models.ActivitySource) { a.Start, a.End = &start, &before }, "end"},
		{"no source at all", func(_ *models.Activity, src *models.ActivitySource) { *src = models.ActivitySource{} }, "sources"},
		{"no source URL", func(_ *models.Activity, src *models.ActivitySource) { src.URL = "" }, "sources"},
		{"no snapshot", func(_ *models.Activity, src *models.ActivitySource) { src.SnapshotSHA256 = "" }, "sources"},
		{"no source id", func(_ *models.Activity, src *models.ActivitySource) { src.SourceID = 0 }, "sources"},
		{"snapshot never stored", func(_ *models.Activity, src *models.ActivitySource) {
			src.SnapshotSHA256 = models.SHA256Hex([]byte("never stored"))
		}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, src := newActivity("MA", "bad"), f.from(t0)
			tc.change(&a, &src)
			id, outcome, err := s.UpsertActivity(ctx, a, src)
			var verr *models.ValidationError
			switch {
			case err == nil:
				t.Fatalf("stored as %d (%s), want an error", id, outcome)
			case tc.field != "" && !errors.As(err, &verr):
				t.Errorf("error %v (%T), want *ValidationError", err, err)
			case tc.field != "" && verr.Fields[tc.field] == "":
				t.Errorf("validation error %v does not name %s", err, tc.field)
			case tc.field == "" && errors.As(err, &verr):
				t.Errorf("error %v, want a storage error", err)
			}
			if n, m := count(t, ctx, s, "activities"), count(t, ctx, s, "activity_sources"); n != 0 || m != 0 {
				t.Errorf("%d activities and %d activity sources stored, want none", n, m)
			}
		})
	}
}

func TestStoreActivities(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	ma, ri := newFixture(t, ctx, s, "MA"), newFixture(t, ctx, s, "RI")
	day := func(n int) *time.Time {
		d := time.Date(2017, 3, n, 15, 0, 0, 0, time.UTC)
		return &d
	}
	// In insertion order: start day (0 for undated) and whether staff rejected it.
	rows := []struct {
		day      int
		rejected bool
	}{{3, false}, {1, false}, {5, false}, {0, false}, {3, false}, {0, false}, {4, true}, {2, false}}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		a := newActivity("MA", fmt.Sprintf("m%d", i))
		if r.day > 0 {
			a.Start = day(r.day)
		}
		ids[i], _ = mustUpsert(t, ctx, s, a, ma.from(t0))
		if r.rejected {
			if _, err := s.DB().ExecContext(ctx, `UPDATE activities SET review_status = 'rejected' WHERE id = $1`, ids[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	mustUpsert(t, ctx, s, newActivity("RI", "r0"), ri.from(t0))
	// Newest first, equal starts by id, undated last by id; the rejected one
	// (day 4, ids[6]) only on request.
	wantAll := []int64{ids[2], ids[0], ids[4], ids[7], ids[1], ids[3], ids[5]}
	withRejected := []int64{ids[2], ids[6], ids[0], ids[4], ids[7], ids[1], ids[3], ids[5]}

	list := func(f models.ActivityFilter) ([]int64, int) {
		t.Helper()
		acts, total, err := s.Activities(ctx, f)
		if err != nil {
			t.Fatalf("Activities(%+v): %v", f, err)
		}
		if acts == nil {
			t.Fatalf("Activities(%+v) returned nil, want a list", f)
		}
		out := []int64{}
		for _, a := range acts {
			out = append(out, a.ID)
			if len(a.Sources) == 0 {
				t.Errorf("activity %d listed without its sources", a.ID)
			}
		}
		return out, total
	}
	tests := []struct {
		name   string
		filter models.ActivityFilter
		want   []int64
		total  int
	}{
		{"all of MA", models.ActivityFilter{Jurisdiction: "MA"}, wantAll, 7},
		{"lower-case code", models.ActivityFilter{Jurisdiction: "ma"}, wantAll, 7},
		{"first page", models.ActivityFilter{Jurisdiction: "MA", Limit: 3}, wantAll[:3], 7},
		{"second page", models.ActivityFilter{Jurisdiction: "MA", Limit: 3, Offset: 3}, wantAll[3:6], 7},
		{"last page", models.ActivityFilter{Jurisdiction: "MA", Limit: 3, Offset: 6}, wantAll[6:], 7},
		{"past the last page", models.ActivityFilter{Jurisdiction: "MA", Limit: 3, Offset: 9}, []int64{}, 7},
		{"with rejected", models.ActivityFilter{Jurisdiction: "MA", IncludeRejected: true}, withRejected, 8},
		{"with rejected, past the end", models.ActivityFilter{Jurisdiction: "MA", IncludeRejected: true, Limit: 5, Offset: 8}, []int64{}, 8},
		{"every state", models.ActivityFilter{}, nil, 8},
		{"a state with none", models.ActivityFilter{Jurisdiction: "VT", Limit: 5, Offset: 5}, []int64{}, 0},
	}
	for _, tc := range tests {
		got, total := list(tc.filter)
		if total != tc.total || (tc.want != nil && !slices.Equal(got, tc.want)) {
			t.Errorf("%s: %v of %d, want %v of %d", tc.name, got, total, tc.want, tc.total)
		}
	}
	// Pages put together are the whole list, however often they are read.
	for range 3 {
		var paged []int64
		for off := 0; off < 7; off += 2 {
			page, _ := list(models.ActivityFilter{Jurisdiction: "MA", Limit: 2, Offset: off})
			paged = append(paged, page...)
		}
		if !slices.Equal(paged, wantAll) {
			t.Fatalf("pages of 2 = %v, want %v", paged, wantAll)
		}
	}
}

func TestStoreActivityTimeZone(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	f := newFixture(t, ctx, s, "IL")
	start := time.Date(2017, 7, 1, 23, 30, 0, 0, time.UTC)
	end := start.Add(90 * time.Minute)
	a := newActivity("IL", "chicago")
	a.TimeZone, a.Start, a.End = "America/Chicago", &start, &end
	id, _ := mustUpsert(t, ctx, s, a, f.from(t0))
	listed, _, err := s.Activities(ctx, models.ActivityFilter{Jurisdiction: "IL"})
	if err != nil || len(listed) != 1 {
		t.Fatalf("Activities: %v, %v", listed, err)
	}
	for _, got := range []models.Activity{mustActivity(t, ctx, s, id), listed[0]} {
		if got.Start.Location().String() != "America/Chicago" || got.End.Location().String() != "America/Chicago" {
			t.Errorf("times in %s and %s, want America/Chicago", got.Start.Location(), got.End.Location())
		}
		if !got.Start.Equal(start) || !got.End.Equal(end) || got.Start.Format("2006-01-02 15:04") != "2017-07-01 18:30" {
			t.Errorf("start %v end %v, want %v and %v shown as 18:30 local", got.Start, got.End, start, end)
		}
	}
}

func TestStoreScoreRuns(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	f := newFixture(t, ctx, s, "MA")
	rubric, err := s.CurrentRubric(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, typ := range []models.ActivityType{models.TypePublicMeeting, models.TypeSurvey, models.TypeWebinar, models.TypeDraftPosted} {
		a := newActivity("MA", fmt.Sprintf("a%d", i))
		a.Type = typ
		mustUpsert(t, ctx, s, a, f.from(t0))
	}
	acts, _, err := s.Activities(ctx, models.ActivityFilter{Jurisdiction: "MA"})
	if err != nil {
		t.Fatal(err)
	}
	older := models.Score(rubric, "MA", acts[:1], t0.Add(-24*time.Hour))
	card := models.Score(rubric, "MA", acts, t0)
	stale := models.Score(rubric, "MA", acts[:2], t0.Add(-48*time.Hour))
	stale.Demo = true
	for _, c := range []models.Scorecard{older, card, stale} {
		if _, err := s.InsertScoreRun(ctx, c); err != nil {
			t.Fatalf("InsertScoreRun: %v", err)
		}
	}
	got, err := s.LatestScorecard(ctx, "ma", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !got.ComputedAt.Equal(card.ComputedAt) || !equalFloat(got.Overall, card.Overall) || got.Coverage != card.Coverage ||
		got.Level != card.Level || got.EvidenceCount != 4 || got.Demo || got.RubricVersion != 1 || got.Jurisdiction != "MA" {
		t.Errorf("latest scorecard header = %+v, want that of %+v", got, card)
	}
	if len(got.Criteria) != 13 {
		t.Fatalf("%d criteria, want 13", len(got.Criteria))
	}
	var noEvidence int
	for i, c := range got.Criteria {
		want := card.Criteria[i]
		if c.Key != rubric.Criteria[i].Key || c.Status != want.Status || c.Rationale != want.Rationale ||
			!slices.Equal(c.EvidenceIDs, want.EvidenceIDs) || (c.Score == nil) != (want.Score == nil) ||
			(c.Score != nil && *c.Score != *want.Score) {
			t.Errorf("criterion %d = %+v, want %+v", i, c, want)
		}
		if c.Status == models.StatusNoEvidence {
			noEvidence++
			if c.Score != nil || c.EvidenceIDs == nil || len(c.EvidenceIDs) != 0 {
				t.Errorf("%s: no evidence stored as %+v", c.Key, c)
			}
		}
	}
	if modes := got.Criteria[4]; modes.Key != "modes" || modes.Score == nil || *modes.Score != 2 || len(modes.EvidenceIDs) != 3 {
		t.Errorf("modes = %+v, want 2 citing the three ways to take part", modes)
	}
	if noEvidence == 0 {
		t.Errorf("no criterion without evidence made the round trip")
	}
	if _, err := s.LatestScorecard(ctx, "RI", 1); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("scorecard of RI: %v, want ErrNotFound", err)
	}
	if _, err := s.LatestScorecard(ctx, "MA", 2); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("scorecard under rubric 2: %v, want ErrNotFound", err)
	}

	// A run with a criterion the rubric does not have is refused whole.
	bad := models.Score(rubric, "RI", nil, t0)
	bad.Criteria = append(bad.Criteria, models.CriterionScore{Key: "secret_sauce", Status: models.StatusNotScored,
		Rationale: "x", EvidenceIDs: models.Int64List{}})
	if _, err := s.InsertScoreRun(ctx, bad); err == nil {
		t.Errorf("run with an unknown criterion was stored")
	}
	if _, err := s.LatestScorecard(ctx, "RI", 1); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("half-stored run of RI: %v, want ErrNotFound", err)
	}

	demo := models.Score(rubric, "VT", nil, t0)
	demo.Demo = true
	if _, err := s.InsertScoreRun(ctx, demo); err != nil {
		t.Fatal(err)
	}
	sums, err := s.ScoreSummaries(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 52 {
		t.Fatalf("%d summaries, want 52", len(sums))
	}
	if !slices.IsSortedFunc(sums, func(a, b models.ScoreSummary) int { return strings.Compare(a.Name, b.Name) }) {
		t.Errorf("summaries are not ordered by name")
	}
	for _, sum := range sums {
		switch sum.Code {
		case "MA":
			if sum.Level != card.Level || !equalFloat(sum.Overall, card.Overall) || sum.Coverage == nil ||
				*sum.Coverage != card.Coverage || sum.RubricVersion == nil || *sum.RubricVersion != 1 ||
				sum.UpdatedAt == nil || !sum.UpdatedAt.Equal(t0) || sum.Demo {
				t.Errorf("MA summary = %+v, want the run of %v", sum, t0)
			}
		case "VT":
			if sum.Level != models.LevelUnscored || sum.Overall != nil || sum.Coverage == nil || *sum.Coverage != 0 || !sum.Demo {
				t.Errorf("VT summary = %+v, want a demo run with nothing found", sum)
			}
		default:
			if sum.Level != models.LevelUnscored || sum.Overall != nil || sum.Coverage != nil ||
				sum.RubricVersion != nil || sum.UpdatedAt != nil || sum.Demo {
				t.Errorf("%s summary = %+v, want unscored with no run", sum.Code, sum)
			}
		}
	}
	none, err := s.ScoreSummaries(ctx, 2)
	if err != nil || len(none) != 52 || none[0].Level != models.LevelUnscored {
		t.Errorf("summaries under rubric 2: %d, %v", len(none), err)
	}
}

func equalFloat(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func TestScrapeRunCount(t *testing.T) {
	var run models.ScrapeRun
	for _, o := range []models.UpsertOutcome{models.Inserted, models.Inserted, models.Updated, models.Unchanged, models.Unchanged, models.Unchanged} {
		run.Count(o)
	}
	if run.Found != 6 || run.Inserted != 2 || run.Updated != 1 || run.Unchanged != 3 || run.Cancelled != 0 {
		t.Errorf("counts = %+v, want 6 found: 2 inserted, 1 updated, 3 unchanged", run)
	}
}

func TestStoreScrapeRuns(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	src := mustSource(t, ctx, s, "MA", "https://doe.example.gov/a")
	other := mustSource(t, ctx, s, "MA", "https://doe.example.gov/b")
	first, err := s.StartScrapeRun(ctx, src.ID, t0)
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.StartScrapeRun(ctx, src.ID, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartScrapeRun(ctx, other.ID, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if first.ID == 0 || first.Status != "running" || first.SourceID != src.ID || second.ID == first.ID {
		t.Errorf("started runs %+v and %+v", first, second)
	}
	finished := t0.Add(5 * time.Minute)
	first.FinishedAt, first.Status, first.Error = &finished, "failed", "parse: no rows"
	first.Count(models.Inserted)
	first.Count(models.Unchanged)
	first.Cancelled = 1
	if err := s.FinishScrapeRun(ctx, first); err != nil {
		t.Fatal(err)
	}
	runs, err := s.ScrapeRunsBySource(ctx, src.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].ID != second.ID || runs[1].ID != first.ID {
		t.Fatalf("runs = %+v, want %d then %d", runs, second.ID, first.ID)
	}
	if r := runs[0]; r.Status != "running" || r.FinishedAt != nil || !r.StartedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("open run = %+v", r)
	}
	if r := runs[1]; r.Status != "failed" || r.FinishedAt == nil || !r.FinishedAt.Equal(finished) || r.Found != 2 ||
		r.Inserted != 1 || r.Unchanged != 1 || r.Updated != 0 || r.Cancelled != 1 || r.Error != "parse: no rows" {
		t.Errorf("finished run = %+v", r)
	}
	if latest, err := s.ScrapeRunsBySource(ctx, src.ID, 1); err != nil || len(latest) != 1 || latest[0].ID != second.ID {
		t.Errorf("latest run = %+v, %v; want only %d", latest, err, second.ID)
	}
	if none, err := s.ScrapeRunsBySource(ctx, 9999, 10); err != nil || none == nil || len(none) != 0 {
		t.Errorf("runs of an unknown source = %v, %v; want an empty list", none, err)
	}
	second.Status = "exploded"
	if err := s.FinishScrapeRun(ctx, second); err == nil {
		t.Errorf("a run finished with status %q was stored", second.Status)
	}
}

func TestStoreFetches(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	src := mustSource(t, ctx, s, "MA", "https://doe.example.gov/a")
	run, err := s.StartScrapeRun(ctx, src.ID, t0)
	if err != nil {
		t.Fatal(err)
	}
	key := mustSnapshot(t, ctx, s, "<html>ok</html>")
	fetches := []models.Fetch{
		{SourceID: src.ID, URL: src.URL, StatusCode: 503, StartedAt: t0, DurationMS: 40, Error: "503 Service Unavailable"},
		{SourceID: src.ID, ScrapeRunID: &run.ID, URL: src.URL, FinalURL: src.URL + "/", StatusCode: 200,
			StartedAt: t0.Add(time.Hour), DurationMS: 120, Bytes: 15, SHA256: &key},
		{SourceID: src.ID, URL: src.URL, StatusCode: 304, StartedAt: t0.Add(2 * time.Hour), DurationMS: 9},
	}
	for i := range fetches {
		id, err := s.InsertFetch(ctx, fetches[i])
		if err != nil {
			t.Fatal(err)
		}
		fetches[i].ID = id
	}
	got, err := s.FetchesBySource(ctx, src.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].ID != fetches[2].ID || got[1].ID != fetches[1].ID || got[2].ID != fetches[0].ID {
		t.Fatalf("fetches = %+v, want newest first", got)
	}
	ok := got[1]
	if ok.StatusCode != 200 || ok.FinalURL != src.URL+"/" || ok.Bytes != 15 || ok.DurationMS != 120 ||
		ok.SHA256 == nil || *ok.SHA256 != key || ok.ScrapeRunID == nil || *ok.ScrapeRunID != run.ID || !ok.StartedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("fetch = %+v, want the 200 as inserted", ok)
	}
	if failed := got[2]; failed.SHA256 != nil || failed.ScrapeRunID != nil || failed.Error != "503 Service Unavailable" {
		t.Errorf("failed fetch = %+v", failed)
	}
	if latest, err := s.FetchesBySource(ctx, src.ID, 1); err != nil || len(latest) != 1 || latest[0].StatusCode != 304 {
		t.Errorf("latest fetch = %+v, %v", latest, err)
	}
	unknown := models.SHA256Hex([]byte("never stored"))
	if _, err := s.InsertFetch(ctx, models.Fetch{SourceID: src.ID, URL: src.URL, StartedAt: t0, SHA256: &unknown}); err == nil {
		t.Errorf("a fetch citing a snapshot never stored was recorded")
	}
}

func TestStoreInTx(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	errBoom := errors.New("boom")
	// write registers a source at url and stores url as a snapshot body.
	write := func(tx *models.Store, url string) error {
		if _, err := tx.UpsertSource(ctx, models.Source{Jurisdiction: "MA", Kind: models.KindHTML, URL: url}); err != nil {
			return err
		}
		_, err := tx.PutSnapshot(ctx, "text/plain", []byte(url), "")
		return err
	}
	tests := []struct {
		name    string
		url     string
		fn      func(tx *models.Store, url string) error
		wantErr error // nil: any error
		visible bool
	}{
		{"commit", "https://doe.example.gov/ok", write, nil, true},
		{"error rolls back", "https://doe.example.gov/boom", func(tx *models.Store, url string) error {
			if err := write(tx, url); err != nil {
				return err
			}
			return fmt.Errorf("after writing: %w", errBoom)
		}, errBoom, false},
		{"nested call joins the outer transaction", "https://doe.example.gov/nested", func(tx *models.Store, url string) error {
			if err := tx.InTx(ctx, func(inner *models.Store) error { return write(inner, url) }); err != nil {
				return err
			}
			return errBoom
		}, errBoom, false},
		{"failed statement rolls back earlier ones", "https://doe.example.gov/partial", func(tx *models.Store, url string) error {
			if err := write(tx, url); err != nil {
				return err
			}
			_, err := tx.UpsertSource(ctx, models.Source{Jurisdiction: "ZZ", Kind: models.KindHTML, URL: "https://doe.example.gov/zz"})
			return err
		}, nil, false},
	}
	for _, tc := range tests {
		err := s.InTx(ctx, func(tx *models.Store) error { return tc.fn(tx, tc.url) })
		switch {
		case tc.visible && err != nil:
			t.Errorf("%s: InTx = %v", tc.name, err)
		case !tc.visible && err == nil:
			t.Errorf("%s: InTx succeeded, want an error", tc.name)
		case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
			t.Errorf("%s: InTx = %v, want %v", tc.name, err, tc.wantErr)
		}
		srcs, err := s.Sources(ctx, "MA")
		if err != nil {
			t.Fatal(err)
		}
		found := slices.ContainsFunc(srcs, func(src models.Source) bool { return src.URL == tc.url })
		_, snapErr := s.SnapshotBySHA256(ctx, models.SHA256Hex([]byte(tc.url)))
		if found != tc.visible || (snapErr == nil) != tc.visible {
			t.Errorf("%s: source visible %v, snapshot lookup %v; want visible %v", tc.name, found, snapErr, tc.visible)
		}
	}
	if n := count(t, ctx, s, "sources"); n != 1 {
		t.Errorf("%d sources after one committed transaction, want 1", n)
	}
}
