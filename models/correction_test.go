package models_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"heard/models"
)

// TestCorrectionsOutliveLaterScrapes: a staff correction is applied at once,
// kept with the machine's values, and preferred over what the next scrape
// reads, without that scrape counting as a change.
func TestCorrectionsOutliveLaterScrapes(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	f := newFixture(t, ctx, s, "OH")
	a := newActivity("OH", "tour")
	id, _ := mustUpsert(t, ctx, s, a, f.from(t0))

	var verr *models.ValidationError
	bad := []models.CorrectionInput{
		{Reason: "nothing named"},
		{Type: ptrTo(models.ActivityType("party")), Reason: "x"},
		{AudienceGroups: &models.StringList{"aliens"}, Reason: "x"},
		{Features: &models.StringList{"teleport"}, Reason: "x"},
		{Phase: ptrTo(models.PhaseDraft)},
	}
	for _, in := range bad {
		if _, _, _, err := s.CorrectActivity(ctx, id, in, "editor@example.org", t0); !errors.As(err, &verr) {
			t.Errorf("%+v: %v, want a validation error", in, err)
		}
	}
	if _, _, _, err := s.CorrectActivity(ctx, 999999, models.CorrectionInput{Phase: ptrTo(models.PhaseDraft), Reason: "x"}, "e", t0); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown activity: %v", err)
	}

	groups := models.StringList{"parents", "students"}
	in := models.CorrectionInput{Type: ptrTo(models.TypeAdvisoryMeeting), AudienceGroups: &groups, Reason: "The agenda shows an advisory committee meeting."}
	before, after, c, err := s.CorrectActivity(ctx, id, in, "editor@example.org", t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if after.Type != models.TypeAdvisoryMeeting || !after.HasGroup(models.GroupStudents) || after.ReviewStatus != "accepted" ||
		after.Rules["activity_type"] != "staff correction" || after.Rules["audience_groups"] != "staff correction" {
		t.Fatalf("after correction: %+v", after)
	}
	if !strings.Contains(string(c.Machine), string(before.Type)) || c.Author != "editor@example.org" {
		t.Errorf("correction kept %s / %s", c.Machine, c.Author)
	}

	// The next scrape reads the machine's values again: the correction
	// stands, and nothing counts as changed.
	_, outcome, err := s.UpsertActivity(ctx, a, f.from(t0.Add(2*time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.ActivityByID(ctx, id)
	if outcome != models.Unchanged || got.Type != models.TypeAdvisoryMeeting || len(got.AudienceGroups) != 2 {
		t.Errorf("after a rescrape: %s, %s %v", outcome, got.Type, got.AudienceGroups)
	}
	// A real change at the source is taken, the correction still applied.
	a.Title = "Regional tour, second stop"
	if _, outcome, _ = s.UpsertActivity(ctx, a, f.from(t0.Add(3*time.Hour))); outcome != models.Updated {
		t.Errorf("changed title: %s", outcome)
	}
	got, _ = s.ActivityByID(ctx, id)
	if got.Title != a.Title || got.Type != models.TypeAdvisoryMeeting {
		t.Errorf("after a change at the source: %q %s", got.Title, got.Type)
	}
	// A second correction joins the first.
	if _, got, _, err = s.CorrectActivity(ctx, id, models.CorrectionInput{Phase: ptrTo(models.PhaseImplementation), Reason: "after approval"}, "admin@example.org", t0.Add(4*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got.Phase != models.PhaseImplementation || got.Type != models.TypeAdvisoryMeeting {
		t.Errorf("second correction: %s %s", got.Phase, got.Type)
	}
	if cs, _ := s.CorrectionsOf(ctx, id); len(cs) != 2 || cs[0].Author != "admin@example.org" {
		t.Errorf("corrections: %+v", cs)
	}
	hist, _ := s.ActivityHistory(ctx, id)
	kinds := []string{}
	for _, h := range hist {
		kinds = append(kinds, h.Kind)
	}
	if strings.Join(kinds, ",") != "corrected,updated,corrected" {
		t.Errorf("history kinds %v", kinds)
	}
}

// TestSoftDeleteAndRestore: a deleted activity is kept, out of lists and
// scoring, and comes back whole when restored.
func TestSoftDeleteAndRestore(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	f := newFixture(t, ctx, s, "OH")
	id, _ := mustUpsert(t, ctx, s, newActivity("OH", "tour"), f.from(t0))
	var verr *models.ValidationError
	if _, err := s.DeleteActivity(ctx, id, " ", "editor@example.org", t0); !errors.As(err, &verr) {
		t.Errorf("delete without reason: %v", err)
	}
	a, err := s.DeleteActivity(ctx, id, "Duplicate of another record", "editor@example.org", t0)
	if err != nil || a.DeletedAt == nil || a.DeleteReason != "Duplicate of another record" {
		t.Fatalf("delete: %+v %v", a, err)
	}
	if _, err := s.DeleteActivity(ctx, id, "again", "editor@example.org", t0); !errors.Is(err, models.ErrWrongState) {
		t.Errorf("second delete: %v", err)
	}
	if acts, total, _ := s.Activities(ctx, models.ActivityFilter{Jurisdiction: "OH"}); total != 0 || len(acts) != 0 {
		t.Errorf("deleted activity still listed: %d", total)
	}
	if _, total, _ := s.Activities(ctx, models.ActivityFilter{Jurisdiction: "OH", IncludeDeleted: true}); total != 1 {
		t.Errorf("IncludeDeleted lists %d", total)
	}
	if card, _ := s.Rescore(ctx, "OH", t0, "manual"); card.EvidenceCount != 0 {
		t.Errorf("deleted activity scored: %d", card.EvidenceCount)
	}
	if q, _, _ := s.ReviewQueue(ctx, 10, 0); len(q) != 0 {
		t.Errorf("deleted activity in the review queue")
	}
	a, err = s.RestoreActivity(ctx, id, "admin@example.org", t0.Add(time.Hour))
	if err != nil || a.DeletedAt != nil {
		t.Fatalf("restore: %+v %v", a, err)
	}
	if _, err := s.RestoreActivity(ctx, id, "admin@example.org", t0); !errors.Is(err, models.ErrWrongState) {
		t.Errorf("restore of a live activity: %v", err)
	}
	q, _, _ := s.ReviewQueue(ctx, 10, 0)
	if len(q) != 1 || q[0].ID != id {
		t.Fatalf("restored activity not back in the queue: %+v", q)
	}
	if hist, _ := s.ActivityHistory(ctx, id); len(hist) != 2 || hist[0].Kind != "undeleted" || hist[1].Kind != "deleted" {
		t.Errorf("history: %+v", hist)
	}
}

func ptrTo[T any](v T) *T { return &v }
