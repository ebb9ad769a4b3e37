package scrapers

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html/charset"
)

// ParseFeed reads the items of an RSS or Atom feed. Descriptions lose their
// markup; links are resolved against baseURL (the feed's own URL); an item
// without a publication time takes its update time. s.Keywords filter the
// items; the other settings are for HTML pages.
func ParseFeed(body []byte, baseURL string, s Settings) (items []Item, err error) {
	// gofeed is trusted with bytes from any server; a panic in it must
	// cost one source its run, not the process.
	defer func() {
		if r := recover(); r != nil {
			items, err = nil, fmt.Errorf("parse feed: parser panicked: %v", r)
		}
	}()
	if err := checkFeedShape(body); err != nil {
		return nil, fmt.Errorf("parse feed: %w", err)
	}
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("parse feed: %w", err)
	}
	base, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil {
		base = nil
	}
	items = []Item{}
	for _, fi := range feed.Items {
		if fi == nil {
			continue
		}
		it := feedItem(fi, base)
		if it.Title == "" {
			continue
		}
		if matchesKeywords(it, s.Keywords) {
			items = append(items, it)
		}
	}
	return items, nil
}

func feedItem(fi *gofeed.Item, base *url.URL) Item {
	it := Item{
		GUID:  strings.TrimSpace(fi.GUID),
		Title: htmlFragmentText(fi.Title),
	}
	// The summary and the full content are both optional; the longer one
	// carries the dates and places extraction looks for.
	desc := htmlFragmentText(fi.Description)
	if content := htmlFragmentText(fi.Content); len(content) > len(desc) {
		desc = content
	}
	it.Description = desc
	if it.Title == "" {
		// RSS allows an item with only a description.
		it.Title = truncateWords(desc, 12)
	}
	link := fi.Link
	if link == "" && len(fi.Links) > 0 {
		link = fi.Links[0]
	}
	it.Link = resolveLink(base, link)
	it.Published = feedTime(fi.PublishedParsed, fi.UpdatedParsed)
	for _, c := range fi.Categories {
		c = collapseSpace(c)
		if c != "" && !slices.Contains(it.Categories, c) {
			it.Categories = append(it.Categories, c)
		}
	}
	return it
}

func feedTime(published, updated *time.Time) *time.Time {
	for _, t := range []*time.Time{published, updated} {
		if t != nil && !t.IsZero() {
			u := *t
			return &u
		}
	}
	return nil
}

// truncateWords shortens s to its first n words, marking the cut.
func truncateWords(s string, n int) string {
	words := strings.Fields(s)
	if len(words) <= n {
		return strings.Join(words, " ")
	}
	return strings.Join(words[:n], " ") + "…"
}

// The shape a feed may have. gofeed builds a tree of Go values for the
// whole document, a few hundred bytes for each element, recursing once for
// each level of nesting, and spends some 10 KiB of allocation on each item:
// a 2 MiB feed of extension elements nested 190,000 deep took 3.5 s and
// over 200 MiB of heap to parse, one of 64,000 tiny items 3.3 s and 80 MiB. A
// real feed is a shallow list of tens of items, so these bounds refuse only
// attacks and runaways, before the parser sees them.
const (
	// feedMaxDepth is the nesting the HTML parser allows too.
	feedMaxDepth = 512
	// feedMaxElements is some twenty elements for each of maxListItems
	// items.
	feedMaxElements = 20 * maxListItems
)

// checkFeedShape returns an error when body nests elements deeper than
// feedMaxDepth or has more than feedMaxElements elements or maxListItems
// items (RSS <item> or Atom <entry>). It reads the tokens the way gofeed
// does (leniently, converting declared charsets) but without checking that
// tags match, so the parser cannot get further into a body than this check
// did: where the check meets a syntax error it stops, and leaves the error
// to the parser to report.
func checkFeedShape(body []byte) error {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	d.CharsetReader = charset.NewReaderLabel
	depth, elements, items := 0, 0, 0
	for {
		tok, err := d.RawToken()
		if err != nil {
			return nil
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			elements++
			if name := strings.ToLower(t.Name.Local); name == "item" || name == "entry" {
				items++
			}
			switch {
			case depth > feedMaxDepth:
				return fmt.Errorf("elements nested deeper than %d", feedMaxDepth)
			case elements > feedMaxElements:
				return fmt.Errorf("more than %d elements", feedMaxElements)
			case items > maxListItems:
				return fmt.Errorf("more than %d items", maxListItems)
			}
		case xml.EndElement:
			depth--
		}
	}
}
