package scrapers

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"

	"heard/models"
)

// DefaultEvidenceTimeout bounds the reading of one submitted URL,
// robots.txt and the host's rate limit included: someone is waiting for
// the answer.
const DefaultEvidenceTimeout = 30 * time.Second

// EvidenceReader reads the URLs people submit as evidence, through a
// Fetcher and its address guard. cmd hands it to the handlers, which know
// it only by the interface they declare.
type EvidenceReader struct {
	Fetcher *Fetcher
	// Timeout bounds one reading; 0 means DefaultEvidenceTimeout.
	Timeout time.Duration
	// Now is the clock extraction reads dates against; nil means time.Now.
	Now func() time.Time
}

// ReadEvidence is ReadEvidence with the reader's fetcher, clock and time
// limit.
func (r *EvidenceReader) ReadEvidence(ctx context.Context, j models.Jurisdiction, rawURL, note string) models.Evidence {
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(r.Timeout, DefaultEvidenceTimeout))
	defer cancel()
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	return ReadEvidence(ctx, r.Fetcher, j, rawURL, note, now)
}

// ReadEvidence fetches one submitted URL through f, keeps the body for a
// snapshot, reads the document into one item — an HTML page titled by its
// <title> or first <h1>, a PDF by its title or first line, the first
// relevant entry of a feed or calendar, the first line of plain text — and
// classifies it for j with Extract.
//
// Nothing a person submitted is dropped. A page extraction would drop is
// kept, typed as best it can, as ClassUnsure. A URL that cannot be
// fetched (the address guard, robots.txt, an error status, a body too
// large, a timeout) or read (a malformed or unknown document) gives an
// Error and an activity read from note, the submitter's own words, as
// ClassUnread; a body that arrived is still kept.
func ReadEvidence(ctx context.Context, f *Fetcher, j models.Jurisdiction, rawURL, note string, now time.Time) models.Evidence {
	resp, err := f.Fetch(ctx, rawURL, Conditional{})
	ev := models.Evidence{Fetch: evidenceFetch(rawURL, resp, err)}
	for _, rb := range resp.Robots {
		ev.Robots = append(ev.Robots, models.Fetch{URL: rb.URL, FinalURL: rb.URL, StatusCode: rb.StatusCode,
			StartedAt: rb.StartedAt, DurationMS: int(rb.Duration.Milliseconds()), Bytes: rb.Bytes,
			Error: rb.Error, Attempts: 1, Purpose: "robots"})
	}
	if err != nil {
		// The body of an error status is the server's complaint, not the
		// evidence: it is not kept.
		ev.Error = err.Error()
		ev.Activity, ev.Classification = reportActivity(j, rawURL, note, now), models.ClassUnread
		return ev
	}
	it, text, tool, err := readEvidenceBody(ctx, resp, j, now)
	ev.Snapshot = &models.Snapshot{MediaType: resp.MediaType, Body: resp.Body, Text: text, Extractor: tool}
	if err != nil {
		ev.Error = fmt.Sprintf("read %s: %v", cmp.Or(resp.MediaType, "the document"), err)
		ev.Activity, ev.Classification = reportActivity(j, rawURL, note, now), models.ClassUnread
		return ev
	}
	if it.Title == "" {
		it.Title = resp.FinalURL
	}
	if a, ok := Extract(it, j, now); ok {
		ev.Activity, ev.Classification = a, models.ClassRelevant
	} else {
		ev.Activity, _ = extract(it, j, now, true)
		ev.Classification = models.ClassUnsure
	}
	return ev
}

func evidenceFetch(rawURL string, resp *Response, err error) models.Fetch {
	f := models.Fetch{URL: rawURL, FinalURL: resp.FinalURL, StatusCode: resp.StatusCode,
		StartedAt: resp.StartedAt, DurationMS: int(resp.Duration.Milliseconds()), Bytes: len(resp.Body),
		Attempts: resp.Attempts, Purpose: "submission"}
	if err != nil {
		f.Error = err.Error()
	}
	return f
}

// reportActivity is the record of a submission whose page could not be
// read: what the submitter said, classified as best extraction can, and
// marked so a reviewer sees the machine read no page.
func reportActivity(j models.Jurisdiction, rawURL, note string, now time.Time) models.Activity {
	title := firstLine(note)
	if title == "" {
		title = rawURL
	}
	a, _ := extract(Item{Title: title, Description: note, Link: rawURL}, j, now, true)
	if a.Rules == nil {
		a.Rules = models.JSONMap{}
	}
	a.Rules["relevance"] = "relevance:unread:page-not-read; read from the submitter's words"
	a.Description = cleanText(note)
	return a
}

// firstLine is the first non-empty line of s as a title.
func firstLine(s string) string {
	for l := range strings.SplitSeq(s, "\n") {
		if t := pdfTitleText(l); t != "" {
			return t
		}
	}
	return ""
}

// errNothingToRead is a document that parsed but held no item.
var errNothingToRead = errors.New("no text to read")

// readEvidenceBody reads a fetched body into one item by what it is: its
// media type, or its first bytes when a server mislabels it. It returns
// the text kept with the snapshot and the external tool that made it.
func readEvidenceBody(ctx context.Context, resp *Response, j models.Jurisdiction, now time.Time) (it Item, text, tool string, err error) {
	body, link := resp.Body, resp.FinalURL
	head := bytes.TrimSpace(body[:min(len(body), 512)])
	mt := resp.MediaType
	switch {
	case mt == "application/pdf" || bytes.HasPrefix(head, []byte("%PDF-")):
		text, tool, err = PDFText(ctx, body)
		if err != nil {
			return it, "", "", err
		}
		items, err := ParsePDF(text, link, Settings{})
		if err != nil || len(items) == 0 {
			return it, text, tool, cmp.Or(err, errNothingToRead)
		}
		it = items[0]
		if title, _ := PDFTitle(ctx, body); title != "" {
			it.Title = title
		}
		return it, text, tool, nil
	case mt == "text/calendar" || bytes.HasPrefix(head, []byte("BEGIN:VCALENDAR")):
		items, err := ParseICal(body, link, Settings{}, now.Add(-CalendarPast), now.Add(CalendarAhead), j.Location())
		if err != nil {
			return it, string(body), "", err
		}
		it, err = firstRelevant(items, j, now)
		return it, string(body), "", err
	case isFeed(mt, head):
		items, err := ParseFeed(body, link, Settings{})
		if err != nil {
			return it, "", "", err
		}
		var b strings.Builder
		for _, fi := range items {
			b.WriteString(fi.Title + "\n" + fi.Description + "\n\n")
		}
		it, err = firstRelevant(items, j, now)
		return it, strings.TrimSpace(b.String()), "", err
	case mt == "text/html" || mt == "application/xhtml+xml":
		text = HTMLText(body)
		it, err = htmlEvidenceItem(body, link, text)
		return it, text, "", err
	case mt == "text/plain":
		text = strings.ToValidUTF8(string(body), "\uFFFD")
		it = Item{Title: firstLine(text), Description: capDescription(collapseSpace(text)), Link: link}
		if it.Title == "" {
			return it, text, "", errNothingToRead
		}
		return it, text, "", nil
	}
	return it, "", "", fmt.Errorf("a document of type %q cannot be read", mt)
}

// isFeed reports whether a body is an RSS or Atom feed, by its media type
// or, for generic XML, its root element.
func isFeed(mt string, head []byte) bool {
	switch mt {
	case "application/rss+xml", "application/atom+xml":
		return true
	case "application/xml", "text/xml":
		return bytes.Contains(head, []byte("<rss")) || bytes.Contains(head, []byte("<feed"))
	}
	return false
}

// firstRelevant is the first item extraction keeps, else the first item:
// someone sent a feed or calendar for what is in it, most likely the
// entry about engagement.
func firstRelevant(items []Item, j models.Jurisdiction, now time.Time) (Item, error) {
	if len(items) == 0 {
		return Item{}, errNothingToRead
	}
	for _, it := range items {
		if _, ok := Extract(it, j, now); ok {
			return it, nil
		}
	}
	return items[0], nil
}

// htmlEvidenceItem reads a whole page as one item: titled by its <title>,
// else its first <h1>, described by its visible text.
func htmlEvidenceItem(body []byte, link, text string) (Item, error) {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return Item{}, err
	}
	title := pdfTitleText(doc.Find("title").First().Text())
	if title == "" {
		title = pdfTitleText(selectionText(doc.Find("h1").First()))
	}
	if title == "" && text == "" {
		return Item{}, errNothingToRead
	}
	return Item{Title: title, Description: capDescription(text), Link: link}, nil
}
