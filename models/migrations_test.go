package models_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"heard/migrations"
	"heard/models/modeltest"
)

func TestMigrationsDownAndUp(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db := modeltest.NewDB(t)
	p, err := migrations.NewProvider(db.DB)
	if err != nil {
		t.Fatal(err)
	}
	var want []int64
	for _, src := range p.ListSources() {
		want = append(want, src.Version)
	}
	if len(want) == 0 {
		t.Fatal("no migrations embedded")
	}
	tables := func() []string {
		t.Helper()
		out := []string{}
		if err := db.SelectContext(ctx, &out, `SELECT table_name FROM information_schema.tables
			WHERE table_schema = 'public' ORDER BY table_name`); err != nil {
			t.Fatal(err)
		}
		return out
	}
	full := tables()

	down, err := p.DownTo(ctx, 0)
	if err != nil {
		t.Fatalf("down to 0: %v", err)
	}
	if len(down) != len(want) {
		t.Errorf("rolled back %d migrations, want %d", len(down), len(want))
	}
	if v, err := p.GetDBVersion(ctx); err != nil || v != 0 {
		t.Errorf("version after down = %d, %v; want 0", v, err)
	}
	if left := tables(); !slices.Equal(left, []string{"goose_db_version"}) {
		t.Errorf("tables left after down: %v, want only goose_db_version", left)
	}

	applied, err := migrations.Up(ctx, db.DB)
	if err != nil {
		t.Fatalf("up again: %v", err)
	}
	if !slices.Equal(applied, want) {
		t.Errorf("applied %v, want %v", applied, want)
	}
	if again := tables(); !slices.Equal(again, full) {
		t.Errorf("tables after up %v, want %v", again, full)
	}
	var jurisdictions, criteria int
	if err := db.GetContext(ctx, &jurisdictions, `SELECT count(*) FROM jurisdictions`); err != nil {
		t.Fatal(err)
	}
	if err := db.GetContext(ctx, &criteria, `SELECT count(*) FROM criteria WHERE rubric_version = 1`); err != nil {
		t.Fatal(err)
	}
	if jurisdictions != 52 || criteria != 13 {
		t.Errorf("after up: %d jurisdictions and %d criteria, want 52 and 13", jurisdictions, criteria)
	}
	if none, err := migrations.Up(ctx, db.DB); err != nil || len(none) != 0 {
		t.Errorf("up on a current schema applied %v, %v; want nothing", none, err)
	}
}

func TestMigrationsRefuseNewerSchema(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db := modeltest.NewDB(t)
	p, err := migrations.NewProvider(db.DB)
	if err != nil {
		t.Fatal(err)
	}
	sources := p.ListSources()
	latest := sources[len(sources)-1].Version
	if _, err := db.ExecContext(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, true)`, latest+1); err != nil {
		t.Fatal(err)
	}
	applied, err := migrations.Up(ctx, db.DB)
	if !errors.Is(err, migrations.ErrSchemaTooNew) {
		t.Fatalf("Up on a schema at version %d = %v, %v; want ErrSchemaTooNew", latest+1, applied, err)
	}
	if len(applied) != 0 {
		t.Errorf("applied %v against a newer schema", applied)
	}
	if err := migrations.CheckNotNewer(ctx, p); !errors.Is(err, migrations.ErrSchemaTooNew) {
		t.Errorf("CheckNotNewer = %v, want ErrSchemaTooNew", err)
	}
}
