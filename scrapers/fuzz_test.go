package scrapers

import (
	"strings"
	"testing"
)

func FuzzParseFeed(f *testing.F) {
	for _, name := range []string{"feeds/rss.xml", "feeds/atom.xml", "feeds/malformed.xml"} {
		f.Add(readTestdata(f, name))
	}
	f.Add([]byte(`<rss><channel><item><title>&amp;lt;</title></item></channel></rss>`))
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1","items":[{"id":"1","title":"x"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := ParseFeed(body, "https://example.gov/feed", Settings{Keywords: []string{"essa"}})
		if err != nil {
			return
		}
		checkFuzzItems(t, items)
	})
}

func FuzzParseHTML(f *testing.F) {
	f.Add(readTestdata(f, "pages/list.html"), "li.event")
	f.Add([]byte(`<div class=x><h2>t</h2><time datetime="2024">d</time><a href="%zz">l</a></div>`), ".x")
	f.Add([]byte(`<base href="::"><p><a href="/a">a</a></p>`), "p")
	f.Fuzz(func(t *testing.T, body []byte, item string) {
		s := listSettings
		s.Item = item
		items, err := ParseHTML(body, "https://example.gov/list/", s)
		if err != nil {
			return
		}
		checkFuzzItems(t, items)
		_ = HTMLText(body)
	})
}

// checkFuzzItems asserts what every parsed item promises whatever the input.
func checkFuzzItems(t *testing.T, items []Item) {
	t.Helper()
	for _, it := range items {
		if it.Title == "" || it.Title != collapseSpace(it.Title) {
			t.Errorf("title not collapsed text: %q", it.Title)
		}
		if it.Description != collapseSpace(it.Description) {
			t.Errorf("description not collapsed text: %q", it.Description)
		}
		if it.Link != "" && !strings.HasPrefix(it.Link, "http://") && !strings.HasPrefix(it.Link, "https://") {
			t.Errorf("link not absolute http(s): %q", it.Link)
		}
	}
}
