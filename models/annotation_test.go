package models_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"heard/models"
)

// annotationFixture is an Ohio activity read from a snapshot whose text
// quotes the same phrase twice, a second snapshot of another activity, and
// the staff user who writes the notes.
type annotationFixture struct {
	activity, other int64
	snap, otherSnap string
	editor          models.User
}

const annotatedText = "Public comment on the draft plan opens June 1.\n" +
	"Comments may be sent by email or mail.\nPublic comment closes July 31, after two listening sessions."

func newAnnotationFixture(t *testing.T, ctx context.Context, s *models.Store) annotationFixture {
	t.Helper()
	src := mustSource(t, ctx, s, "OH", "https://doe.example.gov/oh/essa")
	snap, err := s.PutSnapshot(ctx, models.Snapshot{MediaType: "text/html", Body: []byte("<p>" + annotatedText + "</p>"), Text: annotatedText})
	if err != nil {
		t.Fatal(err)
	}
	other := mustSnapshot(t, ctx, s, "<p>Board meeting agenda</p>")
	id, _ := mustUpsert(t, ctx, s, newActivity("OH", "comment"), models.ActivitySource{SourceID: src.ID, URL: src.URL, SnapshotSHA256: snap, RetrievedAt: t0})
	otherID, _ := mustUpsert(t, ctx, s, newActivity("OH", "board"), models.ActivitySource{SourceID: src.ID, URL: src.URL + "/board", SnapshotSHA256: other, RetrievedAt: t0})
	editor, err := s.AddUser(ctx, "editor@example.org", models.RoleEditor, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	return annotationFixture{activity: id, other: otherID, snap: snap, otherSnap: other, editor: editor}
}

func TestAddAnnotation(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	f := newAnnotationFixture(t, ctx, s)

	a, err := s.AddAnnotation(ctx, models.AnnotationInput{ActivityID: f.activity, SnapshotSHA256: f.snap,
		Quote: models.TextQuote{Exact: "Public comment", Prefix: "or mail. "},
		Body:  "  The comment period runs eight weeks.  ", Tags: []string{" Comment Period ", "timeline", "comment   period", ""},
		Visibility: models.VisibilityPublic}, f.editor, t0)
	if err != nil {
		t.Fatal(err)
	}
	// The second "Public comment", after the line break, with context read
	// from the text.
	if a.Exact != "Public comment" || a.Start != 86 || a.End != 100 || !strings.HasSuffix(a.Prefix, "by email or mail.\n") {
		t.Errorf("anchor %q %d–%d prefix %q", a.Exact, a.Start, a.End, a.Prefix)
	}
	if len([]rune(a.Prefix)) != models.ContextLen || len([]rune(a.Suffix)) != models.ContextLen || !strings.HasPrefix(a.Suffix, " closes July 31") {
		t.Errorf("context %q / %q, want %d characters each from the text", a.Prefix, a.Suffix, models.ContextLen)
	}
	if a.Body != "The comment period runs eight weeks." || !slices.Equal(a.Tags, []string{"comment period", "timeline"}) ||
		a.Visibility != models.VisibilityPublic || a.Author != "editor@example.org" || a.AuthorID == nil || *a.AuthorID != f.editor.ID ||
		!a.CreatedAt.Equal(t0) || !a.UpdatedAt.Equal(t0) || a.DeletedAt != nil || a.DeletedBy != nil {
		t.Errorf("stored %+v", a)
	}
	// The stored offsets agree with the snapshot's text in PostgreSQL's
	// own counting.
	var inDB string
	if err := s.DB().GetContext(ctx, &inDB, `SELECT substr(s.text, a.start_offset + 1, a.end_offset - a.start_offset)
		FROM annotations a JOIN snapshots s ON s.sha256 = a.snapshot_sha256 WHERE a.id = $1`, a.ID); err != nil || inDB != a.Exact {
		t.Errorf("the text at the stored offsets reads %q (%v), want %q", inDB, err, a.Exact)
	}

	// Without context the first occurrence is taken; visibility defaults
	// to staff.
	first, err := s.AddAnnotation(ctx, models.AnnotationInput{ActivityID: f.activity, SnapshotSHA256: f.snap,
		Quote: models.TextQuote{Exact: "Public   comment"}, Body: "Opening date."}, f.editor, t0)
	if err != nil {
		t.Fatal(err)
	}
	if first.Start != 0 || first.Prefix != "" || first.Visibility != models.VisibilityStaff {
		t.Errorf("quote without context: %d %q %s", first.Start, first.Prefix, first.Visibility)
	}
}

func TestAddAnnotationRefusesBadInput(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	f := newAnnotationFixture(t, ctx, s)
	good := models.AnnotationInput{ActivityID: f.activity, SnapshotSHA256: f.snap,
		Quote: models.TextQuote{Exact: "listening sessions"}, Body: "Two sessions.", Visibility: models.VisibilityPublic}
	manyTags := make([]string, models.MaxTags+1)
	for i := range manyTags {
		manyTags[i] = "tag" + strings.Repeat("x", i)
	}
	for _, tc := range []struct {
		name   string
		edit   func(in *models.AnnotationInput)
		fields []string
	}{
		{"blank body", func(in *models.AnnotationInput) { in.Body = " \n " }, []string{"body"}},
		{"body too long", func(in *models.AnnotationInput) { in.Body = strings.Repeat("é", models.MaxAnnotationBody+1) }, []string{"body"}},
		{"NUL in the body", func(in *models.AnnotationInput) { in.Body = "a\x00b" }, []string{"body"}},
		{"too many tags", func(in *models.AnnotationInput) { in.Tags = manyTags }, []string{"tags"}},
		{"tag too long", func(in *models.AnnotationInput) { in.Tags = []string{strings.Repeat("t", models.MaxTagLen+1)} }, []string{"tags"}},
		{"control character in a tag", func(in *models.AnnotationInput) { in.Tags = []string{"a\x00b"} }, []string{"tags"}},
		{"unknown visibility", func(in *models.AnnotationInput) { in.Visibility = "everyone" }, []string{"visibility"}},
		{"empty quote", func(in *models.AnnotationInput) { in.Quote.Exact = "  " }, []string{"selector.exact"}},
		{"quote too long", func(in *models.AnnotationInput) { in.Quote.Exact = strings.Repeat("q", models.MaxQuoteLen+1) }, []string{"selector.exact"}},
		{"prefix too long", func(in *models.AnnotationInput) { in.Quote.Prefix = strings.Repeat("p", models.MaxContextLen+1) }, []string{"selector.prefix", "selector"}},
		{"quote not in the text", func(in *models.AnnotationInput) { in.Quote.Exact = "public hearing" }, []string{"selector"}},
		{"context not in the text", func(in *models.AnnotationInput) { in.Quote.Suffix = "in every county" }, []string{"selector"}},
		{"no activity", func(in *models.AnnotationInput) { in.ActivityID = 0 }, []string{"activity_id"}},
		{"missing activity", func(in *models.AnnotationInput) { in.ActivityID = 999999 }, []string{"activity_id"}},
		{"bad snapshot key", func(in *models.AnnotationInput) { in.SnapshotSHA256 = strings.ToUpper(f.snap) }, []string{"snapshot_sha256"}},
		{"snapshot of another activity", func(in *models.AnnotationInput) { in.SnapshotSHA256 = f.otherSnap }, []string{"snapshot_sha256"}},
		{"unknown snapshot", func(in *models.AnnotationInput) { in.SnapshotSHA256 = strings.Repeat("0", 64) }, []string{"snapshot_sha256"}},
		{"everything at once", func(in *models.AnnotationInput) { *in = models.AnnotationInput{Visibility: "x"} }, []string{"body", "visibility", "selector.exact", "activity_id"}},
	} {
		in := good
		tc.edit(&in)
		_, err := s.AddAnnotation(ctx, in, f.editor, t0)
		var verr *models.ValidationError
		if !errors.As(err, &verr) {
			t.Errorf("%s: %v, want a validation error", tc.name, err)
			continue
		}
		got := make([]string, 0, len(verr.Fields))
		for k := range verr.Fields {
			got = append(got, k)
		}
		slices.Sort(got)
		want := slices.Clone(tc.fields)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: fields %v, want %v", tc.name, verr.Fields, want)
		}
	}
	if _, err := s.AddAnnotation(ctx, good, models.User{}, t0); err == nil {
		t.Error("an annotation without an author was stored")
	}
	if n := count(t, ctx, s, "annotations"); n != 0 {
		t.Errorf("refused annotations left %d rows", n)
	}
	// A snapshot with no extracted text has nothing to quote.
	src := mustSource(t, ctx, s, "OH", "https://doe.example.gov/oh/pdf")
	blank, err := s.PutSnapshot(ctx, models.Snapshot{MediaType: "application/pdf", Body: []byte("%PDF-1.7 scanned")})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddActivitySource(ctx, f.activity, models.ActivitySource{SourceID: src.ID, URL: src.URL, SnapshotSHA256: blank, RetrievedAt: t0}); err != nil {
		t.Fatal(err)
	}
	in := good
	in.SnapshotSHA256 = blank
	var verr *models.ValidationError
	if _, err := s.AddAnnotation(ctx, in, f.editor, t0); !errors.As(err, &verr) || !strings.Contains(verr.Fields["snapshot_sha256"], "no extracted text") {
		t.Errorf("quote of a snapshot without text: %v", err)
	}
}

func TestAnnotationLifecycle(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	f := newAnnotationFixture(t, ctx, s)
	add := func(activity int64, sha, exact string, v models.Visibility, at time.Time) models.Annotation {
		t.Helper()
		a, err := s.AddAnnotation(ctx, models.AnnotationInput{ActivityID: activity, SnapshotSHA256: sha,
			Quote: models.TextQuote{Exact: exact}, Body: "Note on " + exact, Visibility: v}, f.editor, at)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	public := add(f.activity, f.snap, "June 1", models.VisibilityPublic, t0)
	private := add(f.activity, f.snap, "July 31", models.VisibilityStaff, t0.Add(time.Minute))
	elsewhere := add(f.other, f.otherSnap, "agenda", models.VisibilityPublic, t0)

	ids := func(list []models.Annotation) []int64 {
		out := []int64{}
		for _, a := range list {
			out = append(out, a.ID)
		}
		return out
	}
	list := func(filter models.AnnotationFilter) []int64 {
		t.Helper()
		got, err := s.Annotations(ctx, filter)
		if err != nil {
			t.Fatal(err)
		}
		return ids(got)
	}
	both := []int64{f.activity, f.other}
	if got := list(models.AnnotationFilter{ActivityIDs: both}); !slices.Equal(got, []int64{public.ID, elsewhere.ID}) && !slices.Equal(got, []int64{elsewhere.ID, public.ID}) {
		t.Errorf("public annotations %v", got)
	}
	if got := list(models.AnnotationFilter{ActivityIDs: []int64{f.activity}, IncludeStaff: true}); !slices.Equal(got, []int64{public.ID, private.ID}) {
		t.Errorf("staff list %v, want oldest first", got)
	}
	if got := list(models.AnnotationFilter{}); len(got) != 0 {
		t.Errorf("no activities listed %v", got)
	}

	// Update: body, tags and visibility, never the quote.
	body, tags, vis := "  Revised note. ", []string{"Deadline", "deadline"}, models.VisibilityPublic
	before, after, err := s.UpdateAnnotation(ctx, private.ID, models.AnnotationPatch{Body: &body, Tags: &tags, Visibility: &vis}, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if before.Body != private.Body || after.Body != "Revised note." || !slices.Equal(after.Tags, []string{"deadline"}) ||
		after.Visibility != models.VisibilityPublic || after.Exact != private.Exact || !after.UpdatedAt.Equal(t0.Add(time.Hour)) || !after.CreatedAt.Equal(private.CreatedAt) {
		t.Errorf("update: before %+v after %+v", before, after)
	}
	vis = models.VisibilityStaff
	if _, after, err = s.UpdateAnnotation(ctx, private.ID, models.AnnotationPatch{Visibility: &vis}, t0.Add(2*time.Hour)); err != nil || after.Body != "Revised note." || after.Visibility != models.VisibilityStaff {
		t.Errorf("visibility alone: %+v %v", after, err)
	}
	var verr *models.ValidationError
	blank, bad := " ", models.Visibility("world")
	if _, _, err := s.UpdateAnnotation(ctx, private.ID, models.AnnotationPatch{}, t0); !errors.As(err, &verr) || verr.Fields["request"] == "" {
		t.Errorf("empty patch: %v", err)
	}
	if _, _, err := s.UpdateAnnotation(ctx, private.ID, models.AnnotationPatch{Body: &blank, Visibility: &bad}, t0); !errors.As(err, &verr) || verr.Fields["body"] == "" || verr.Fields["visibility"] == "" {
		t.Errorf("bad patch: %v", err)
	}
	if _, _, err := s.UpdateAnnotation(ctx, 999999, models.AnnotationPatch{Body: &body}, t0); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("update of a missing annotation: %v", err)
	}

	// Soft delete keeps the row; it leaves the lists unless asked for.
	before, after, err = s.DeleteAnnotation(ctx, public.ID, "editor@example.org", t0.Add(3*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if before.DeletedAt != nil || after.DeletedAt == nil || !after.DeletedAt.Equal(t0.Add(3*time.Hour)) || after.DeletedBy == nil || *after.DeletedBy != "editor@example.org" {
		t.Errorf("delete: before %+v after %+v", before, after)
	}
	if got := list(models.AnnotationFilter{ActivityIDs: []int64{f.activity}, IncludeStaff: true}); !slices.Equal(got, []int64{private.ID}) {
		t.Errorf("after delete %v", got)
	}
	if got := list(models.AnnotationFilter{ActivityIDs: []int64{f.activity}, IncludeStaff: true, IncludeDeleted: true}); !slices.Equal(got, []int64{public.ID, private.ID}) {
		t.Errorf("with deleted %v", got)
	}
	if _, _, err := s.DeleteAnnotation(ctx, public.ID, "editor@example.org", t0); !errors.Is(err, models.ErrConflict) {
		t.Errorf("second delete: %v, want a conflict", err)
	}
	if _, _, err := s.UpdateAnnotation(ctx, public.ID, models.AnnotationPatch{Body: &body}, t0); !errors.Is(err, models.ErrConflict) {
		t.Errorf("update of a deleted annotation: %v, want a conflict", err)
	}
	if _, _, err := s.RestoreAnnotation(ctx, private.ID, t0); !errors.Is(err, models.ErrConflict) {
		t.Errorf("restore of a live annotation: %v, want a conflict", err)
	}
	if _, _, err := s.DeleteAnnotation(ctx, 999999, "x", t0); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("delete of a missing annotation: %v", err)
	}

	_, after, err = s.RestoreAnnotation(ctx, public.ID, t0.Add(4*time.Hour))
	if err != nil || after.DeletedAt != nil || after.DeletedBy != nil {
		t.Fatalf("restore: %+v %v", after, err)
	}
	if got := list(models.AnnotationFilter{ActivityIDs: []int64{f.activity}}); !slices.Equal(got, []int64{public.ID}) {
		t.Errorf("after restore %v", got)
	}
	if n := count(t, ctx, s, "annotations"); n != 3 {
		t.Errorf("%d rows, want all 3 kept", n)
	}
}

// TestAnnotationsTableChecks: the table refuses what the store would never
// write, for anything that writes to it directly.
func TestAnnotationsTableChecks(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	f := newAnnotationFixture(t, ctx, s)
	a, err := s.AddAnnotation(ctx, models.AnnotationInput{ActivityID: f.activity, SnapshotSHA256: f.snap,
		Quote: models.TextQuote{Exact: "June 1"}, Body: "x"}, f.editor, t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE annotations SET visibility = 'everyone'`,
		`UPDATE annotations SET body = '  '`,
		`UPDATE annotations SET exact = ''`,
		`UPDATE annotations SET end_offset = end_offset + 1`,
		`UPDATE annotations SET deleted_at = now()`,
		`UPDATE annotations SET updated_at = created_at - interval '1 day'`,
		`UPDATE annotations SET activity_id = 999999`,
	} {
		if _, err := s.DB().ExecContext(ctx, stmt); err == nil {
			t.Errorf("%s was accepted", stmt)
		}
	}
	if got, err := s.AnnotationByID(ctx, a.ID); err != nil || got.Body != "x" {
		t.Errorf("annotation after refused writes: %+v %v", got, err)
	}
}
