package models_test

import (
	"context"
	"errors"
	"slices"
	"strings"
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
	key, err := s.PutSnapshot(ctx, models.Snapshot{MediaType: "text/html", Body: []byte(body), Text: body})
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
