package models_test

import (
	"context"
	"testing"

	"heard/models"
	"heard/models/modeltest"
)

// TestRubricInSpanish: every criterion of version 1 has Spanish texts, the
// numbers stay the version's own, and a field left empty falls back to
// English.
func TestRubricInSpanish(t *testing.T) {
	store := modeltest.NewStore(t)
	ctx := context.Background()
	en, err := store.RubricByVersion(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	es, err := store.RubricIn(ctx, 1, "es")
	if err != nil {
		t.Fatal(err)
	}
	if len(es.Criteria) != 13 || len(en.Criteria) != 13 {
		t.Fatalf("criteria: en %d, es %d; want 13", len(en.Criteria), len(es.Criteria))
	}
	for i, c := range es.Criteria {
		e := en.Criteria[i]
		if c.Key != e.Key || c.Weight != e.Weight || c.Position != e.Position {
			t.Errorf("%s: key/weight/position changed: %+v", e.Key, c)
		}
		if c.Title == e.Title || c.Description == e.Description || c.Signal == e.Signal {
			t.Errorf("%s: not translated: %q", e.Key, c.Title)
		}
		if len(c.Anchors) != 5 {
			t.Errorf("%s: %d anchors", e.Key, len(c.Anchors))
		}
		for j, a := range c.Anchors {
			if a == "" || a == e.Anchors[j] {
				t.Errorf("%s anchor %d not translated", e.Key, j)
			}
		}
	}
	if es.Criteria[0].Title != "Participación de todos los grupos que exige la ley" {
		t.Errorf("groups title = %q", es.Criteria[0].Title)
	}
	// English is the version as stored.
	same, err := store.RubricIn(ctx, 1, "en")
	if err != nil || same.Criteria[0].Title != en.Criteria[0].Title {
		t.Errorf("RubricIn en = %q, %v", same.Criteria[0].Title, err)
	}
	// A language without translations is English throughout.
	fr, err := store.RubricIn(ctx, 1, "fr")
	if err != nil || fr.Criteria[2].Title != en.Criteria[2].Title {
		t.Errorf("untranslated language: %q, %v", fr.Criteria[2].Title, err)
	}
}

// TestRubricInFallsBackPerField: an empty translated field and a missing
// anchor list are shown in English, the other fields translated.
func TestRubricInFallsBackPerField(t *testing.T) {
	db := modeltest.NewDB(t)
	store := models.NewStore(db)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `UPDATE criterion_translations SET title = '', anchors = NULL
		WHERE rubric_version = 1 AND key = 'tribal' AND lang = 'es'`); err != nil {
		t.Fatal(err)
	}
	en, err := store.RubricByVersion(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	es, err := store.RubricIn(ctx, 1, "es")
	if err != nil {
		t.Fatal(err)
	}
	c, _ := es.Criterion("tribal")
	e, _ := en.Criterion("tribal")
	if c.Title != e.Title || c.Anchors[0] != e.Anchors[0] {
		t.Errorf("fallback: title %q, anchor %q", c.Title, c.Anchors[0])
	}
	if c.Description == e.Description {
		t.Errorf("description not translated")
	}
}
