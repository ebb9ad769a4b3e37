package scrapers

import (
	"strings"
	"testing"
)

func TestParseFeedGolden(t *testing.T) {
	tests := []struct {
		fixture, golden, baseURL string
	}{
		{"feeds/rss.xml", "feed_rss.json", "https://education.example.gov/feeds/news.xml"},
		{"feeds/atom.xml", "feed_atom.json", "https://sbe.example.org/feed.atom"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			items, err := ParseFeed(readTestdata(t, tt.fixture), tt.baseURL, Settings{})
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.golden, items)
		})
	}
}

func TestParseFeedKeywords(t *testing.T) {
	tests := []struct {
		name     string
		fixture  string
		keywords []string
		want     []string
	}{
		{"none keeps all", "feeds/atom.xml", nil,
			[]string{"Accountability workgroup meeting & webinar", "Feedback summary posted", "Cafeteria menu update"}},
		{"blank keeps all", "feeds/atom.xml", []string{" "},
			[]string{"Accountability workgroup meeting & webinar", "Feedback summary posted", "Cafeteria menu update"}},
		{"title, any case", "feeds/atom.xml", []string{"WEBINAR"},
			[]string{"Accountability workgroup meeting & webinar"}},
		{"description", "feeds/atom.xml", []string{"parents"},
			[]string{"Feedback summary posted"}},
		{"category", "feeds/rss.xml", []string{"events"},
			[]string{"ESSA State Plan: Regional Listening Session in Springfield"}},
		{"several", "feeds/rss.xml", []string{"comment", "tribal"},
			[]string{"Public comment period opens on draft consolidated plan", "Tribal consultation on Title I set for April 22 via Zoom; see…"}},
		{"nothing matches", "feeds/rss.xml", []string{"zzz"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := ParseFeed(readTestdata(t, tt.fixture), "https://example.gov/", Settings{Keywords: tt.keywords})
			if err != nil {
				t.Fatal(err)
			}
			got := titles(items)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("titles = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseFeedErrors(t *testing.T) {
	tests := []struct {
		name string
		body []byte
	}{
		{"malformed", readTestdata(t, "feeds/malformed.xml")},
		{"html page", readTestdata(t, "pages/list.html")},
		{"empty", nil},
		{"garbage", []byte("\x00\x01not a feed")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := ParseFeed(tt.body, "https://example.gov/", Settings{})
			if err == nil {
				t.Fatalf("want an error, got %d items", len(items))
			}
			if !strings.HasPrefix(err.Error(), "parse feed: ") {
				t.Errorf("error %q does not say what failed", err)
			}
		})
	}
}

func titles(items []Item) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, it.Title)
	}
	return out
}

// TestParseFeedShape: a feed at each of the shape's bounds is read, one
// past it refused before the parser sees it, whatever encoding it declares.
func TestParseFeedShape(t *testing.T) {
	rss := func(decl, inner string) []byte {
		return []byte(`<?xml version="1.0"` + decl + `?><rss version="2.0" xmlns:x="http://example.org/x"><channel><title>News</title>` +
			inner + `</channel></rss>`)
	}
	// rss, channel and item are three levels already.
	nested := func(depth int) string {
		return `<item><title>Deep</title>` + strings.Repeat("<x:d>", depth-3) + strings.Repeat("</x:d>", depth-3) + `</item>`
	}
	items := func(n int) string { return strings.Repeat(`<item><title>Town hall</title></item>`, n) }
	atom := func(n int) []byte {
		return []byte(`<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>News</title>` +
			strings.Repeat(`<entry><title>Town hall</title></entry>`, n) + `</feed>`)
	}
	tests := []struct {
		name    string
		body    []byte
		items   int
		wantErr string
	}{
		{"nested to the limit", rss("", nested(feedMaxDepth)), 1, ""},
		{"nested past it", rss("", nested(feedMaxDepth+1)), 0, "nested deeper than 512"},
		{"nested past it, in Latin-1", rss(` encoding="ISO-8859-1"`, nested(feedMaxDepth+1)), 0, "nested deeper than 512"},
		{"items to the limit", rss("", items(maxListItems)), maxListItems, ""},
		{"items past it", rss("", items(maxListItems+1)), 0, "more than 5000 items"},
		{"Atom entries past it", atom(maxListItems + 1), 0, "more than 5000 items"},
		{"elements past the limit", rss("", `<item><title>Wide</title>`+strings.Repeat("<x:w/>", feedMaxElements)+`</item>`),
			0, "more than 100000 elements"},
		// The check cannot read a charset it does not know; nor can the
		// parser, which refuses the feed.
		{"unknown charset", rss(` encoding="x-unknown"`, nested(feedMaxDepth+1)), 0, "failed to detect feed type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFeed(tt.body, "https://x.example/feed", Settings{})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatal(err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if len(got) != tt.items {
				t.Errorf("%d items, want %d", len(got), tt.items)
			}
		})
	}
}
