package scrapers

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrBadPDF says pdftotext could not read a document: it is damaged,
// truncated, not a PDF at all, or encrypted against text extraction.
// Fetching it again will not help.
var ErrBadPDF = errors.New("unreadable PDF")

// ErrNoPDFTool says the poppler tools are not installed.
var ErrNoPDFTool = errors.New("pdftotext is not installed (Debian package poppler-utils)")

// PDFTimeout bounds one run of pdftotext or pdfinfo: a PDF built to make
// the tool spin must cost one source its run, not stall the scheduler.
var PDFTimeout = 20 * time.Second

const (
	// pdfMaxInput bounds the document handed to the tools.
	pdfMaxInput = 64 << 20
	// pdfMaxText bounds the text read back; a longer text is a
	// decompression bomb or not a document anyone publishes for comment.
	pdfMaxText = 20 << 20
	// pdfMemoryKiB is the address space the tool may take (ulimit -v).
	pdfMemoryKiB = 1 << 20
	// pdfMaxDescription bounds an item's description; extraction reads
	// dates and groups from the start of a document.
	pdfMaxDescription = 20000
	// pdfMaxSections bounds the items a split may make: more means the
	// pattern matches ordinary lines.
	pdfMaxSections = 2000
)

// The tool names, variables so a test can make them missing.
var (
	pdftotextName = "pdftotext"
	pdfinfoName   = "pdfinfo"
)

// PDFText extracts a PDF's text with pdftotext (-layout off, so columns
// come out in reading order; UTF-8), run with PDFTimeout, a memory limit
// and a cap on the text's size. Pages are separated by blank lines. It
// returns the text and the tool's version ("pdftotext 22.12.0"). A
// document pdftotext cannot read is an error wrapping ErrBadPDF; a missing
// tool is ErrNoPDFTool. A PDF without a text layer (a scan) has empty text
// and no error.
func PDFText(ctx context.Context, body []byte) (text, tool string, err error) {
	if len(body) == 0 {
		return "", "", fmt.Errorf("pdf text: %w: empty body", ErrBadPDF)
	}
	if len(body) > pdfMaxInput {
		return "", "", fmt.Errorf("pdf text: document is larger than %d MiB", pdfMaxInput>>20)
	}
	out, err := runPoppler(ctx, pdftotextName, body, "-enc", "UTF-8", "-", "-")
	if err != nil {
		return "", "", fmt.Errorf("pdf text: %w", err)
	}
	text = strings.ToValidUTF8(string(out), "\uFFFD")
	text = strings.ReplaceAll(text, "\f", "\n\n")
	return text, pdfToolVersion(), nil
}

// PDFTitle is the Title in a PDF's document information, read with
// pdfinfo; "" when there is none or it is a word processor's placeholder
// ("Microsoft Word - draft3.docx", "Untitled"). ParsePDF titles a whole
// document by its first line; a caller holding the PDF may prefer this.
func PDFTitle(ctx context.Context, body []byte) (string, error) {
	if len(body) == 0 || len(body) > pdfMaxInput {
		return "", nil
	}
	out, err := runPoppler(ctx, pdfinfoName, body, "-enc", "UTF-8", "-")
	if err != nil {
		return "", fmt.Errorf("pdf title: %w", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "Title:"); ok {
			return usefulPDFTitle(strings.ToValidUTF8(v, "")), nil
		}
	}
	return "", nil
}

var placeholderTitleRe = regexp.MustCompile(`(?i)^(?:untitled\b.*|microsoft (?:word|powerpoint|excel) - .*|.*\.(?:docx?|pptx?|xlsx?|pdf|rtf|indd|tmp)|powerpoint presentation|slide \d+|document\d*|title)$`)

func usefulPDFTitle(t string) string {
	t = collapseSpace(t)
	if placeholderTitleRe.MatchString(t) {
		return ""
	}
	return t
}

// runPoppler runs a poppler tool on body (its standard input) and returns
// what it wrote to standard output.
func runPoppler(ctx context.Context, name string, body []byte, args ...string) ([]byte, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrNoPDFTool, name, err)
	}
	ctx, cancel := context.WithTimeout(ctx, PDFTimeout)
	defer cancel()
	var cmd *exec.Cmd
	if sh, err := exec.LookPath("sh"); err == nil {
		// Go cannot set a child's rlimits itself; the shell does, then
		// becomes the tool, so the timeout's kill reaches the tool.
		script := `ulimit -v "$1" 2>/dev/null; shift; exec "$@"`
		cmd = exec.CommandContext(ctx, sh, append([]string{"-c", script, "sh", strconv.Itoa(pdfMemoryKiB), path}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	stdout := &cappedBuffer{max: pdfMaxText, fail: true}
	stderr := &cappedBuffer{max: 2048}
	cmd.Stdin = bytes.NewReader(body)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = 2 * time.Second
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case stdout.overflow:
		return nil, fmt.Errorf("%s: output is longer than %d MiB", name, pdfMaxText>>20)
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return nil, fmt.Errorf("%s: timed out after %s: %w", name, PDFTimeout, context.DeadlineExceeded)
	case ctx.Err() != nil:
		return nil, fmt.Errorf("%s: %w", name, ctx.Err())
	case errors.As(err, &exit):
		// Exit 1 (cannot open), 3 (permissions), 99 (other), or killed by
		// the memory limit: this document cannot be read.
		return nil, fmt.Errorf("%w: %s: %v: %s", ErrBadPDF, name, err, collapseSpace(stderr.buf.String()))
	case err != nil:
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return stdout.buf.Bytes(), nil
}

// cappedBuffer keeps at most max bytes. With fail set, a write past the
// cap fails, which closes the pipe and stops the tool; without it, the
// rest is dropped (a tool must not die because its warnings were long).
// The buffer is a field, not embedded: an embedded bytes.Buffer's
// ReadFrom would let io.Copy bypass Write and the cap.
type cappedBuffer struct {
	buf      bytes.Buffer
	max      int
	fail     bool
	overflow bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	room := b.max - b.buf.Len()
	if len(p) <= room {
		return b.buf.Write(p)
	}
	if b.fail {
		b.overflow = true
		return 0, errors.New("output too long")
	}
	if room > 0 {
		b.buf.Write(p[:room])
	}
	return len(p), nil
}

var (
	pdfVersionOnce sync.Once
	pdfVersion     string
	pdfVersionRe   = regexp.MustCompile(`pdftotext version (\S+)`)
)

// pdfToolVersion is "pdftotext 22.12.0", asked of the tool once; it is
// recorded with each snapshot so a change in extraction can be traced to
// a change of tool.
func pdfToolVersion() string {
	pdfVersionOnce.Do(func() {
		pdfVersion = "pdftotext"
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		out, _ := exec.CommandContext(ctx, pdftotextName, "-v").CombinedOutput() // -v exits 0 on new versions, 99 on old
		if m := pdfVersionRe.FindSubmatch(out); m != nil {
			pdfVersion = "pdftotext " + string(m[1])
		}
	})
	return pdfVersion
}

// ParsePDF turns a PDF's text (from PDFText) into Items. By default the
// document is one Item: Title is its first non-empty line (with the next
// when a heading wrapped onto a short second line), Description the
// whole text whitespace-collapsed (capped at about 20,000 characters),
// Link baseURL, and no DateText, so extraction reads dates from the text.
//
// With s.Split, a regular expression, every line it matches at its start
// begins a new Item (a meeting list or agenda: `^(January|February) \d`):
// the Item's Title is that line, its Description the section's text
// followed by the document's first line for context, its GUID baseURL "#"
// a digest of the title, stable as long as the title is. Text before the
// first match is only context. A split that matches nothing gives the
// whole-document Item. s.Keywords filter the items.
func ParsePDF(text, baseURL string, s Settings) ([]Item, error) {
	text = strings.ToValidUTF8(text, "\uFFFD")
	text = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\f", "\n", "\x00", "").Replace(text)
	lines := strings.Split(text, "\n")
	link := resolveLink(nil, baseURL)
	docTitle := pdfDocTitle(lines)
	items := []Item{}
	if docTitle == "" {
		return items, nil // no text layer
	}
	if strings.TrimSpace(s.Split) != "" {
		re, err := regexp.Compile(s.Split)
		if err != nil {
			return nil, fmt.Errorf("parse pdf: split pattern %q: %w", s.Split, err)
		}
		sections, err := pdfSections(lines, re, link, docTitle)
		if err != nil {
			return nil, fmt.Errorf("parse pdf: %w", err)
		}
		if len(sections) > 0 {
			for _, it := range sections {
				if matchesKeywords(it, s.Keywords) {
					items = append(items, it)
				}
			}
			return items, nil
		}
	}
	it := Item{Title: docTitle, Description: capDescription(collapseSpace(text)), Link: link}
	if matchesKeywords(it, s.Keywords) {
		items = append(items, it)
	}
	return items, nil
}

// pdfSections splits lines at the lines re matches at their start.
func pdfSections(lines []string, re *regexp.Regexp, link, docTitle string) ([]Item, error) {
	var items []Item
	var cur []string
	ids := map[string]int{}
	flush := func() {
		if len(cur) == 0 {
			return
		}
		title := pdfTitleText(cur[0])
		desc := collapseSpace(strings.Join(cur, " "))
		if title != docTitle {
			desc += " — " + docTitle
		}
		sum := sha256.Sum256([]byte(normalizeText(title)))
		id := hex.EncodeToString(sum[:6])
		ids[id]++
		if n := ids[id]; n > 1 {
			id += "-" + strconv.Itoa(n)
		}
		items = append(items, Item{
			GUID:        cmp.Or(link, "pdf") + "#" + id,
			Title:       title,
			Description: capDescription(desc),
			Link:        link,
		})
		cur = nil
	}
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if m := re.FindStringIndex(t); m != nil && m[0] == 0 && m[1] > 0 && pdfTitleText(t) != "" {
			flush()
			if len(items) >= pdfMaxSections {
				return nil, fmt.Errorf("split pattern starts more than %d sections", pdfMaxSections)
			}
			cur = []string{t}
			continue
		}
		if cur != nil {
			cur = append(cur, t)
		}
	}
	flush()
	return items, nil
}

// pdfDocTitle is the document's first non-empty line, joined with the
// next when that is the short tail of a heading that wrapped ("… the Draft
// ESSA State" / "Plan").
func pdfDocTitle(lines []string) string {
	for i, l := range lines {
		first := collapseSpace(l)
		if first == "" {
			continue
		}
		if i+1 < len(lines) && len(first) >= 40 && !strings.ContainsAny(first[len(first)-1:], ".:;!?,") {
			if next := collapseSpace(lines[i+1]); next != "" && len(next) <= len(first)/2 {
				first += " " + next
			}
		}
		return pdfTitleText(first)
	}
	return ""
}

// pdfTitleText is a line as a title: collapsed, and cut at a word
// boundary if it runs on (a first line may be a whole paragraph).
func pdfTitleText(line string) string {
	t := collapseSpace(line)
	if len(t) <= 200 {
		return t
	}
	cut := strings.LastIndexByte(t[:200], ' ')
	if cut < 100 {
		cut = 200
	}
	return strings.ToValidUTF8(t[:cut], "") + "…"
}

// capDescription cuts a long text at a word boundary near
// pdfMaxDescription bytes.
func capDescription(s string) string {
	if len(s) <= pdfMaxDescription {
		return s
	}
	cut := strings.LastIndexByte(s[:pdfMaxDescription], ' ')
	if cut < pdfMaxDescription/2 {
		cut = pdfMaxDescription
	}
	return strings.ToValidUTF8(s[:cut], "") + "…"
}
