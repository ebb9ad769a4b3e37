package scrapers

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"heard/models"
)

// extractFixture is one file of testdata/extract: a jurisdiction and the
// items a parser read from one of its sources.
type extractFixture struct {
	Jurisdiction models.Jurisdiction `json:"jurisdiction"`
	Items        []Item              `json:"items"`
}

// goldenActivity is what extraction decides about an item, without the
// fields only the store fills in.
type goldenActivity struct {
	Title    string           `json:"title"`
	Kept     bool             `json:"kept"`
	Activity *models.Activity `json:"activity,omitempty"`
}

// TestExtractGolden runs Extract over every fixture and compares the result
// with its .golden file; go test -run TestExtractGolden -update rewrites them.
func TestExtractGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "extract", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var fx extractFixture
			if err := json.Unmarshal(raw, &fx); err != nil {
				t.Fatal(err)
			}
			out := make([]goldenActivity, 0, len(fx.Items))
			for _, it := range fx.Items {
				a, ok := Extract(it, fx.Jurisdiction, extractNow)
				g := goldenActivity{Title: it.Title, Kept: ok}
				if ok {
					if err := a.Validate(); err != nil {
						t.Errorf("%q: %v", it.Title, err)
					}
					a.Start, a.End = inZone(a.Start, fx.Jurisdiction), inZone(a.End, fx.Jurisdiction)
					g.Activity = &a
				}
				out = append(out, g)
			}
			got, err := json.MarshalIndent(out, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := strings.TrimSuffix(file, ".json") + ".golden"
			if *updateGolden { // the -update flag of golden_test.go
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("extraction of %s differs from %s; rerun with -update and review the diff:\n%s", file, golden, got)
			}
		})
	}
}

// inZone shows a time in the jurisdiction's zone, so the golden files read
// as the agency wrote them and do not depend on the machine's zone.
func inZone(t *time.Time, j models.Jurisdiction) *time.Time {
	if t == nil {
		return nil
	}
	l := t.In(j.Location())
	return &l
}
