package scrapers

import (
	"bytes"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
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
