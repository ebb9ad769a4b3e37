package scrapers

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// requirePDFTool skips a test that needs pdftotext where it is missing,
// except in CI, where `make test` installs it and its absence is a fault.
func requirePDFTool(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath(pdftotextName); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pdftotext is required in CI (Debian package poppler-utils): %v", err)
		}
		t.Skip("pdftotext not installed (Debian package poppler-utils)")
	}
}

// pdfFixtureText is a fixture's text as PDFText extracts it.
func pdfFixtureText(t testing.TB, name string) string {
	t.Helper()
	requirePDFTool(t)
	text, _, err := PDFText(context.Background(), readTestdata(t, "pdf/"+name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return text
}

// scheduleSplit starts a section at each dated line of the listening
// sessions schedule.
const scheduleSplit = `^(January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}, \d{4}`

func TestParsePDFGolden(t *testing.T) {
	tests := []struct {
		fixture, golden string
		s               Settings
	}{
		{"what_we_heard_two_column.pdf", "pdf_what_we_heard.json", Settings{}},
		{"comment_notice.pdf", "pdf_comment_notice.json", Settings{}},
		{"aviso_comentarios.pdf", "pdf_aviso_comentarios.json", Settings{}},
		{"listening_sessions.pdf", "pdf_listening_sessions_split.json", Settings{Split: scheduleSplit}},
		{"no_text.pdf", "pdf_no_text.json", Settings{}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			text := pdfFixtureText(t, tt.fixture)
			items, err := ParsePDF(text, "https://education.example.gov/essa/"+tt.fixture, tt.s)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.golden, items)
			checkFuzzItems(t, items)
		})
	}
}

func TestPDFTextColumns(t *testing.T) {
	text := pdfFixtureText(t, "what_we_heard_two_column.pdf")
	flat := collapseSpace(text)
	// The first column's opening paragraph comes out whole, in reading
	// order; -layout would interleave it line by line with column two.
	col1 := "The Department posted the draft consolidated state plan on January 15, 2027 and accepted public comment " +
		"through February 15, 2027. During the 31-day comment period we received 1,284 written comments from parents, " +
		"teachers, principals, superintendents, school board members, tribal leaders, civil rights organizations and disability advocates."
	col2 := "Tribal leaders of the Eastern Shawnee Tribe asked for consultation before each amendment"
	i, j := strings.Index(flat, col1), strings.Index(flat, col2)
	if i < 0 || j < 0 {
		t.Fatalf("column text not found whole (col1 at %d, col2 at %d):\n%s", i, j, text)
	}
	if i > j {
		t.Errorf("column two's first sentence comes before column one's")
	}
	// Column one's last line precedes column two's first.
	if k := strings.Index(flat, "adds an English learner progress measure."); k < 0 || k > j {
		t.Errorf("column one does not end before column two begins (%d, %d)", k, j)
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, "Tribal leaders") && strings.Contains(line, "consolidated") {
			t.Errorf("columns interleaved on one line: %q", line)
		}
	}
}

func TestPDFTextVersion(t *testing.T) {
	requirePDFTool(t)
	_, tool, err := PDFText(context.Background(), readTestdata(t, "pdf/comment_notice.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^pdftotext \d+\.\d+`).MatchString(tool) {
		t.Errorf("tool = %q, want pdftotext and its version", tool)
	}
}

func TestPDFTextBadPDF(t *testing.T) {
	requirePDFTool(t)
	for name, body := range map[string][]byte{
		"truncated": readTestdata(t, "pdf/malformed.pdf"),
		"not a pdf": []byte("<html><body>Not found</body></html>"),
		"empty":     nil,
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := PDFText(context.Background(), body)
			if !errors.Is(err, ErrBadPDF) {
				t.Errorf("err = %v, want ErrBadPDF", err)
			}
		})
	}
	_, _, err := PDFText(context.Background(), readTestdata(t, "pdf/malformed.pdf"))
	if err == nil || !strings.Contains(err.Error(), "xref") {
		t.Errorf("the tool's own message is lost: %v", err)
	}
}

func TestPDFTextNoText(t *testing.T) {
	if text := pdfFixtureText(t, "no_text.pdf"); strings.TrimSpace(text) != "" {
		t.Errorf("text of a drawing-only page = %q", text)
	}
}

// fakeTool installs a shell script in place of pdftotext for one test.
func fakeTool(t *testing.T, script string) {
	t.Helper()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	path := filepath.Join(t.TempDir(), "pdftotext")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	old := pdftotextName
	pdftotextName = path
	t.Cleanup(func() { pdftotextName = old })
}

func TestPDFTextToolFailures(t *testing.T) {
	pdf := []byte("%PDF-1.4\n")
	t.Run("missing", func(t *testing.T) {
		old := pdftotextName
		pdftotextName = "pdftotext-not-installed-here"
		defer func() { pdftotextName = old }()
		_, _, err := PDFText(context.Background(), pdf)
		if !errors.Is(err, ErrNoPDFTool) || !strings.Contains(err.Error(), "poppler-utils") {
			t.Errorf("err = %v, want ErrNoPDFTool naming poppler-utils", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		fakeTool(t, "cat >/dev/null; exec sleep 30")
		old := PDFTimeout
		PDFTimeout = 300 * time.Millisecond
		defer func() { PDFTimeout = old }()
		began := time.Now()
		_, _, err := PDFText(context.Background(), pdf)
		if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrBadPDF) {
			t.Errorf("err = %v, want a timeout", err)
		}
		if took := time.Since(began); took > 5*time.Second {
			t.Errorf("the timeout took %s to stop the tool", took)
		}
	})
	t.Run("output too long", func(t *testing.T) {
		fakeTool(t, "cat >/dev/null; exec head -c 30000000 /dev/zero")
		_, _, err := PDFText(context.Background(), pdf)
		if err == nil || !strings.Contains(err.Error(), "longer than 20 MiB") {
			t.Errorf("err = %v, want the size cap", err)
		}
	})
	t.Run("exit status", func(t *testing.T) {
		fakeTool(t, "cat >/dev/null; echo 'Syntax Error: broken' >&2; exit 1")
		_, _, err := PDFText(context.Background(), pdf)
		if !errors.Is(err, ErrBadPDF) || !strings.Contains(err.Error(), "Syntax Error: broken") {
			t.Errorf("err = %v, want ErrBadPDF with the tool's message", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		fakeTool(t, "cat >/dev/null; exec sleep 30")
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		_, _, err := PDFText(ctx, pdf)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

func TestPDFTitle(t *testing.T) {
	requirePDFTool(t)
	if _, err := exec.LookPath(pdfinfoName); err != nil {
		t.Skip("pdfinfo not installed")
	}
	for fixture, want := range map[string]string{
		"what_we_heard_two_column.pdf": "What We Heard: Public Comment on the Draft ESSA State Plan",
		"comment_notice.pdf":           "", // "Microsoft Word - Notice_ESSA_amendment_FINAL.docx"
		"aviso_comentarios.pdf":        "Aviso público: período de comentarios sobre el plan estatal ESSA",
		"no_text.pdf":                  "",
	} {
		got, err := PDFTitle(context.Background(), readTestdata(t, "pdf/"+fixture))
		if err != nil || got != want {
			t.Errorf("%s: title %q, %v; want %q", fixture, got, err, want)
		}
	}
	if _, err := PDFTitle(context.Background(), readTestdata(t, "pdf/malformed.pdf")); !errors.Is(err, ErrBadPDF) {
		t.Errorf("malformed: err = %v", err)
	}
}

func TestUsefulPDFTitle(t *testing.T) {
	for in, want := range map[string]string{
		" ESSA  State Plan Amendment ":          "ESSA State Plan Amendment",
		"Microsoft Word - draft3.docx":          "",
		"Untitled":                              "",
		"untitled document":                     "",
		"notice_final.pdf":                      "",
		"PowerPoint Presentation":               "",
		"Slide 1":                               "",
		"What We Heard: Listening Tour Summary": "What We Heard: Listening Tour Summary",
	} {
		if got := usefulPDFTitle(in); got != want {
			t.Errorf("usefulPDFTitle(%q) = %q, want %q", in, got, want)
		}
	}
}

const scheduleText = `2027 ESSA State Plan Listening Sessions

Updated January 20, 2027. All sessions are open to the public.
March 3, 2027 – Dayton
Dayton Metro Library
6:00 to 8:00 p.m.

   March 6, 2027 – Athens
Saturday, 10 a.m. to noon
March 3, 2027 – Dayton
Repeated heading in an appendix.
`

func TestParsePDFSplit(t *testing.T) {
	items, err := ParsePDF(scheduleText, "https://education.example.gov/essa/sessions.pdf", Settings{Split: scheduleSplit})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(titles(items), "|"); got != "March 3, 2027 – Dayton|March 6, 2027 – Athens|March 3, 2027 – Dayton" {
		t.Fatalf("titles = %s", got)
	}
	if want := "March 3, 2027 – Dayton Dayton Metro Library 6:00 to 8:00 p.m. — 2027 ESSA State Plan Listening Sessions"; items[0].Description != want {
		t.Errorf("description = %q, want %q", items[0].Description, want)
	}
	seen := map[string]bool{}
	for _, it := range items {
		if seen[it.GUID] || !strings.HasPrefix(it.GUID, "https://education.example.gov/essa/sessions.pdf#") {
			t.Errorf("guid %q repeated or not based on the link", it.GUID)
		}
		seen[it.GUID] = true
	}
	again, _ := ParsePDF(scheduleText, "https://education.example.gov/essa/sessions.pdf", Settings{Split: scheduleSplit})
	if again[1].GUID != items[1].GUID {
		t.Errorf("section ids differ between runs")
	}

	// Keywords filter sections.
	items, _ = ParsePDF(scheduleText, "", Settings{Split: scheduleSplit, Keywords: []string{"athens"}})
	if len(items) != 1 || items[0].Title != "March 6, 2027 – Athens" || !strings.HasPrefix(items[0].GUID, "pdf#") {
		t.Errorf("keyword filter: %+v", items)
	}
	// A split that matches nothing keeps the whole document.
	items, _ = ParsePDF(scheduleText, "", Settings{Split: `^Session \d`})
	if len(items) != 1 || items[0].Title != "2027 ESSA State Plan Listening Sessions" || items[0].GUID != "" {
		t.Errorf("fallback: %+v", items)
	}
	if _, err := ParsePDF(scheduleText, "", Settings{Split: `^(March`}); err == nil || !strings.HasPrefix(err.Error(), "parse pdf: split pattern") {
		t.Errorf("bad pattern: err = %v", err)
	}
	many := strings.Repeat("x\n", pdfMaxSections+1)
	if _, err := ParsePDF(many, "", Settings{Split: `^x`}); err == nil {
		t.Error("a pattern matching every line must be an error")
	}
}

func TestParsePDFWholeDocument(t *testing.T) {
	long := "A Very Long Report Title About The ESSA State Plan And Its Amendments\nPlan\n\n" + strings.Repeat("word ", 10000)
	items, err := ParsePDF(long, "ftp://example.gov/x.pdf", Settings{})
	if err != nil || len(items) != 1 {
		t.Fatalf("items %v, err %v", items, err)
	}
	it := items[0]
	if it.Title != "A Very Long Report Title About The ESSA State Plan And Its Amendments Plan" {
		t.Errorf("wrapped title = %q", it.Title)
	}
	if len(it.Description) > pdfMaxDescription+len("…") || !strings.HasSuffix(it.Description, "…") {
		t.Errorf("description not capped: %d bytes", len(it.Description))
	}
	if it.Link != "" || it.DateText != "" || it.GUID != "" {
		t.Errorf("link %q date %q guid %q", it.Link, it.DateText, it.GUID)
	}
	for _, text := range []string{"", " \n\f\n ", "\x00"} {
		if items, err := ParsePDF(text, "https://example.gov/a.pdf", Settings{}); err != nil || len(items) != 0 {
			t.Errorf("ParsePDF(%q) = %v, %v", text, items, err)
		}
	}
	// A short first line followed by a sentence is not a wrapped title.
	items, _ = ParsePDF("NOTICE OF PUBLIC COMMENT PERIOD\nComments due March 10.", "", Settings{})
	if items[0].Title != "NOTICE OF PUBLIC COMMENT PERIOD" {
		t.Errorf("title = %q", items[0].Title)
	}
}

// FuzzParsePDFText fuzzes ParsePDF's own work — titles, splitting, caps —
// over arbitrary text; the external tool is not run.
func FuzzParsePDFText(f *testing.F) {
	f.Add(scheduleText, scheduleSplit)
	f.Add("What We Heard\nPublished April 12, 2027\n\fPage 2\n", "")
	f.Add("Aviso público: período de comentarios\r\nEl período es del 8 de febrero al 10 de marzo de 2027.", `^El`)
	f.Add(strings.Repeat("título ", 60)+"\nfin", `^t`)
	f.Add("\xff\xfe bad utf-8 \x00\n\xe2\x80", `^\S*`)
	f.Add("a\nb\nc", `(?m)^$`)
	f.Fuzz(func(t *testing.T, text, split string) {
		items, err := ParsePDF(text, "https://example.gov/doc.pdf", Settings{Split: split})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "parse pdf: ") {
				t.Fatalf("error %q does not say what failed", err)
			}
			return
		}
		checkFuzzItems(t, items)
		seen := map[string]bool{}
		for _, it := range items {
			if len(it.Description) > pdfMaxDescription+len("…") || len(it.Title) > 200+len("…") {
				t.Errorf("caps exceeded: title %d, description %d bytes", len(it.Title), len(it.Description))
			}
			if it.GUID != "" && seen[it.GUID] {
				t.Errorf("guid %q repeated", it.GUID)
			}
			seen[it.GUID] = true
		}
	})
}

// TestExtractPDFItems checks that extraction reads the PDF items' dates
// from their text.
func TestExtractPDFItems(t *testing.T) {
	items, err := ParsePDF(pdfFixtureText(t, "comment_notice.pdf"), "https://education.example.gov/essa/notice.pdf", Settings{})
	if err != nil {
		t.Fatal(err)
	}
	a, ok := Extract(items[0], ohio, extractNow)
	if !ok || a.Type != "comment_period" || fmtTime(a.Start, ohio) != "2027-02-08T00:00:00-05:00" || fmtTime(a.End, ohio) != "2027-03-10T17:00:00-05:00" {
		t.Errorf("notice: ok %v type %s %s – %s", ok, a.Type, fmtTime(a.Start, ohio), fmtTime(a.End, ohio))
	}
	items, err = ParsePDF(pdfFixtureText(t, "listening_sessions.pdf"), "https://education.example.gov/essa/sessions.pdf", Settings{Split: scheduleSplit})
	if err != nil || len(items) != 4 {
		t.Fatalf("sessions: %d items, %v", len(items), err)
	}
	a, ok = Extract(items[1], ohio, extractNow)
	if !ok || a.Type != "listening_session" || fmtTime(a.Start, ohio) != "2027-03-03T18:00:00-05:00" || !a.Features.Has("evening") {
		t.Errorf("Dayton session: ok %v type %s start %s features %v", ok, a.Type, fmtTime(a.Start, ohio), a.Features)
	}
}
