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
