package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// progressCells is how many cells the bar has when the line is wide enough.
const progressCells = 20

// progress draws a one-line progress bar, redrawn in place with \r, on a
// terminal. It is also an io.Writer for the log: a log line clears the bar,
// is written, and the bar is drawn again below it, so the two never share a
// line. A nil *progress draws nothing.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	width int
	total int
	pos   int
	label string
	shown bool
}

// newProgress returns a bar over total steps on w, or nil when w is not a
// terminal (a file, a pipe, a buffer in a test) or there is nothing to do.
func newProgress(w io.Writer, total int) *progress {
	if total <= 0 || !isTerminal(w) {
		return nil
	}
	return &progress{w: w, width: terminalWidth(os.Getenv("COLUMNS")), total: total}
}

// isTerminal reports whether w is a character device such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// terminalWidth reads $COLUMNS when the shell exports it; 80 otherwise.
func terminalWidth(columns string) int {
	if n, err := strconv.Atoi(columns); err == nil && n > 0 {
		return n
	}
	return 80
}

// Step shows that step pos (from 1) of the total, label, has begun; the
// bar shows the steps before it as done.
func (p *progress) Step(pos int, label string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pos, p.label = pos, label
	p.draw()
}

// Finish clears the bar's line, leaving the terminal as it found it.
func (p *progress) Finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
}

// Write writes a log line above the bar.
func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	n, err := p.w.Write(b)
	if err == nil && p.pos > 0 {
		p.draw()
	}
	return n, err
}

func (p *progress) draw() {
	fmt.Fprint(p.w, "\r"+renderProgress(p.pos, p.total, p.label, p.width))
	p.shown = true
}

func (p *progress) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r"+strings.Repeat(" ", max(p.width-1, 0))+"\r")
		p.shown = false
	}
}

// renderProgress is the bar's line for step pos of total, exactly width-1
// columns wide (the last column is left free so the line never wraps):
// `[#####.....] 52/104 OH news feed`, the label cut or padded to fit.
func renderProgress(pos, total int, label string, width int) string {
	line := max(width-1, 1)
	count := fmt.Sprintf(" %d/%d ", pos, total)
	cells := min(progressCells, line-2-utf8.RuneCountInString(count))
	var b strings.Builder
	if cells >= 5 {
		filled := 0
		if total > 0 {
			filled = cells * min(max(pos-1, 0), total) / total
		}
		b.WriteString("[" + strings.Repeat("#", filled) + strings.Repeat(".", cells-filled) + "]")
	}
	b.WriteString(count)
	b.WriteString(label)
	runes := []rune(b.String())
	if len(runes) > line {
		runes = runes[:line]
	}
	return string(runes) + strings.Repeat(" ", line-len(runes))
}
