package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRenderProgress(t *testing.T) {
	tests := []struct {
		pos, total int
		label      string
		width      int
		want       string
	}{
		{1, 4, "OH news feed", 40, "[....................] 1/4 OH news feed"},
		{3, 4, "OH news feed", 40, "[##########..........] 3/4 OH news feed"},
		{52, 104, "OH news feed", 50, "[#########...........] 52/104 OH news feed       "},
		// The label is cut so the line never wraps.
		{2, 2, "PR Departamento de Educación de Puerto Rico", 40, "[##########..........] 2/2 PR Departame"},
		// Too narrow for a bar: the count and what fits of the label.
		{2, 9, "OH news", 12, " 2/9 OH new"},
	}
	for _, tt := range tests {
		got := renderProgress(tt.pos, tt.total, tt.label, tt.width)
		if got != tt.want {
			t.Errorf("renderProgress(%d, %d, %q, %d) = %q, want %q", tt.pos, tt.total, tt.label, tt.width, got, tt.want)
		}
		if n := len([]rune(got)); n != tt.width-1 {
			t.Errorf("renderProgress(…, %d) is %d columns, want %d", tt.width, n, tt.width-1)
		}
	}
}

func TestProgressDrawsOnlyOnTerminals(t *testing.T) {
	var buf bytes.Buffer
	if p := newProgress(&buf, 3); p != nil {
		t.Error("a bar over a buffer")
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) || newProgress(f, 3) != nil {
		t.Error("a regular file taken for a terminal")
	}
	// A nil bar is safe to use.
	var none *progress
	none.Step(1, "x")
	none.Finish()
	if terminalWidth("") != 80 || terminalWidth("132") != 132 || terminalWidth("wide") != 80 {
		t.Error("terminalWidth does not read $COLUMNS or fall back to 80")
	}
}

func TestProgressKeepsLogLinesOffTheBar(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{w: &buf, width: 30, total: 2}
	p.Step(1, "OH feed")
	if _, err := p.Write([]byte("level=INFO msg=\"scrape run\"\n")); err != nil {
		t.Fatal(err)
	}
	p.Step(2, "WY page")
	p.Finish()
	blank := "\r" + strings.Repeat(" ", 29) + "\r"
	want := "\r" + renderProgress(1, 2, "OH feed", 30) +
		blank + "level=INFO msg=\"scrape run\"\n" +
		"\r" + renderProgress(1, 2, "OH feed", 30) +
		"\r" + renderProgress(2, 2, "WY page", 30) +
		blank
	if got := buf.String(); got != want {
		t.Errorf("output\n%q\nwant\n%q", got, want)
	}
}
