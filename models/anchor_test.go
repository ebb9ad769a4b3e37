package models_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"heard/models"
)

func TestAnchorQuote(t *testing.T) {
	t.Parallel()
	// "comment" appears three times; the listening sessions twice.
	text := "The department will hold listening sessions in May.\n\nPublic comment opens June 1.\n" +
		"Written comment is welcome.  Listening sessions   for parents follow in July; comment closes July 31.\n" +
		"Señora Pérez — «comment» in Spanish."
	for _, tc := range []struct {
		name       string
		q          models.TextQuote
		start, end int // in characters; -1 when the quote must not anchor
	}{
		{"unique quote", models.TextQuote{Exact: "Written comment is welcome."}, 82, 109},
		{"first of several, without context", models.TextQuote{Exact: "comment"}, 60, 67},
		{"prefix picks the second", models.TextQuote{Exact: "comment", Prefix: "Written "}, 90, 97},
		{"suffix picks the third", models.TextQuote{Exact: "comment", Suffix: " closes"}, 160, 167},
		{"prefix and suffix together", models.TextQuote{Exact: "comment", Prefix: "July; ", Suffix: "closes July"}, 160, 167},
		{"whitespace differs inside the quote", models.TextQuote{Exact: "Listening sessions for parents"}, 111, 143},
		{"line breaks in the prefix", models.TextQuote{Exact: "Public", Prefix: "in May. "}, 53, 59},
		{"quote padded with spaces", models.TextQuote{Exact: "  Written comment\n"}, 82, 97},
		{"context across a line break", models.TextQuote{Exact: "Written", Prefix: "June 1.", Suffix: "comment"}, 82, 89},
		{"multi-byte characters count as one", models.TextQuote{Exact: "«comment»", Prefix: "Pérez — "}, 199, 208},
		{"not in the text", models.TextQuote{Exact: "hearing"}, -1, -1},
		{"prefix that is not there", models.TextQuote{Exact: "comment", Prefix: "Oral "}, -1, -1},
		{"suffix that is not there", models.TextQuote{Exact: "Written comment", Suffix: "is required"}, -1, -1},
		{"prefix longer than the text before", models.TextQuote{Exact: "The department", Prefix: "Notice: "}, -1, -1},
		{"blank quote", models.TextQuote{Exact: " \n\t"}, -1, -1},
		{"case matters", models.TextQuote{Exact: "written comment"}, -1, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, ok := models.AnchorQuote(text, tc.q)
			if tc.start < 0 {
				if ok {
					t.Fatalf("anchored at %d–%d (%q); want no anchor", a.Start, a.End, a.Exact)
				}
				return
			}
			if !ok || a.Start != tc.start || a.End != tc.end {
				t.Fatalf("anchor %d–%d %v (%q), want %d–%d", a.Start, a.End, ok, a.Exact, tc.start, tc.end)
			}
			checkAnchor(t, text, a)
		})
	}
}

// checkAnchor: the anchor's quote and context are what the text holds at
// its offsets, with at least ContextLen characters of context where the
// text has them, and the stored selector finds the same passage again.
func checkAnchor(t *testing.T, text string, a models.Anchor) {
	t.Helper()
	rs := []rune(text)
	if a.Start < 0 || a.End > len(rs) || a.Start >= a.End {
		t.Fatalf("offsets %d–%d outside the text of %d characters", a.Start, a.End, len(rs))
	}
	if got := string(rs[a.Start:a.End]); got != a.Exact {
		t.Errorf("exact %q, but the text reads %q there", a.Exact, got)
	}
	if !strings.HasSuffix(string(rs[:a.Start]), a.Prefix) || !strings.HasPrefix(string(rs[a.End:]), a.Suffix) {
		t.Errorf("context %q / %q is not what surrounds the passage", a.Prefix, a.Suffix)
	}
	if n := utf8.RuneCountInString(a.Prefix); n < min(models.ContextLen, a.Start) {
		t.Errorf("prefix %q has %d characters, want %d", a.Prefix, n, min(models.ContextLen, a.Start))
	}
	if n := utf8.RuneCountInString(a.Suffix); n < min(models.ContextLen, len(rs)-a.End) {
		t.Errorf("suffix %q has %d characters, want %d", a.Suffix, n, min(models.ContextLen, len(rs)-a.End))
	}
	again, ok := models.AnchorQuote(text, a.TextQuote)
	if !ok || again.Start != a.Start || again.End != a.End {
		t.Errorf("the stored selector anchors at %d–%d %v, not %d–%d", again.Start, again.End, ok, a.Start, a.End)
	}
}

// TestAnchorQuoteContextDisambiguates: the context filled in for a
// repeated phrase anchors each occurrence to itself.
func TestAnchorQuoteContextDisambiguates(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("x", 40) + " submit comments by email. " + strings.Repeat("y", 40) + " submit comments by email. " + strings.Repeat("z", 40)
	first, ok := models.AnchorQuote(text, models.TextQuote{Exact: "submit comments by email"})
	if !ok || first.Start != 41 {
		t.Fatalf("first occurrence at %d %v, want 41", first.Start, ok)
	}
	second, ok := models.AnchorQuote(text, models.TextQuote{Exact: "submit comments by email", Prefix: "yyy "})
	if !ok || second.Start != 108 {
		t.Fatalf("second occurrence at %d %v, want 108", second.Start, ok)
	}
	checkAnchor(t, text, first)
	checkAnchor(t, text, second)
	if first.Prefix == second.Prefix {
		t.Errorf("both occurrences stored the same prefix %q", first.Prefix)
	}
}

// FuzzAnchorQuote: any passage cut out of any text anchors, with its own
// context, to a passage that reads the same up to whitespace, and the
// anchor it returns is consistent with the text.
func FuzzAnchorQuote(f *testing.F) {
	f.Add("Public comment opens June 1.\nWritten comment is welcome.", 7, 14)
	f.Add("a  a\ta a", 2, 5)
	f.Add("«é» — ü\u00a0x", 1, 6)
	f.Fuzz(func(t *testing.T, text string, i, j int) {
		if !utf8.ValidString(text) {
			return
		}
		rs := []rune(text)
		if i < 0 || j > len(rs) || i >= j {
			return
		}
		q := models.TextQuote{Prefix: string(rs[:i]), Exact: string(rs[i:j]), Suffix: string(rs[j:])}
		a, ok := models.AnchorQuote(text, q)
		if strings.TrimSpace(q.Exact) == "" {
			if ok {
				t.Fatalf("a blank quote anchored: %+v", a)
			}
			return
		}
		if !ok {
			t.Fatalf("%q cut from %q did not anchor", q.Exact, text)
		}
		if strings.Join(strings.Fields(a.Exact), " ") != strings.Join(strings.Fields(q.Exact), " ") {
			t.Errorf("anchored %q for %q", a.Exact, q.Exact)
		}
		checkAnchor(t, text, a)
	})
}
