package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"heard/models"
)

var (
	testJurisdictions = []models.Jurisdiction{
		{Code: "OH", Name: "Ohio", TimeZone: "America/New_York"},
		{Code: "AZ", Name: "Arizona", TimeZone: "America/Phoenix"},
		{Code: "PR", Name: "Puerto Rico", TimeZone: "America/Puerto_Rico"},
	}
	testNow = time.Date(2027, 3, 15, 16, 0, 0, 0, time.UTC)
)

func startTest(t *testing.T, addr string) *Server {
	t.Helper()
	s, err := Start(context.Background(), addr, testJurisdictions, testNow)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

type rss struct {
	Items []struct {
		Title       string `xml:"title"`
		Link        string `xml:"link"`
		GUID        string `xml:"guid"`
		PubDate     string `xml:"pubDate"`
		Description string `xml:"description"`
	} `xml:"channel>item"`
}

var pageItemRe = regexp.MustCompile(`<li class="event" data-id="([^"]+)">\s*<h3><a href="([^"]+)">([^<]+)</a></h3>`)

func TestServeSources(t *testing.T) {
	s := startTest(t, "127.0.0.1:0")
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Fatalf("URL() = %q", s.URL())
	}
	srcs := s.Sources()
	if len(srcs) != 2*len(testJurisdictions) {
		t.Fatalf("%d sources, want %d", len(srcs), 2*len(testJurisdictions))
	}
	for _, src := range srcs {
		if !src.Demo || src.Verified || !src.Enabled || src.FetchIntervalSec != 3600 || !strings.HasPrefix(src.Name, "Demo: ") {
			t.Errorf("source %+v: want demo, unverified, enabled, hourly, named Demo:", src)
		}
		if !json.Valid(src.Settings) {
			t.Errorf("%s: settings are not JSON: %s", src.URL, src.Settings)
		}
		resp, body := get(t, src.URL)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", src.URL, resp.Status)
		}
		ct := resp.Header.Get("Content-Type")
		switch src.Kind {
		case models.KindRSS:
			if !strings.HasPrefix(ct, "application/rss+xml") {
				t.Errorf("%s: content type %q", src.URL, ct)
			}
			var feed rss
			if err := xml.Unmarshal(body, &feed); err != nil {
				t.Fatalf("%s: %v", src.URL, err)
			}
			if len(feed.Items) < 3 {
				t.Errorf("%s: %d items", src.URL, len(feed.Items))
			}
			for _, it := range feed.Items {
				if !strings.HasPrefix(it.Title, "[Demo] ") || !strings.HasPrefix(it.GUID, "demo-") ||
					!strings.Contains(it.Description, "Demonstration data") {
					t.Errorf("%s: item %+v is not marked as demo data", src.URL, it)
				}
				if _, err := time.Parse(time.RFC1123Z, it.PubDate); err != nil {
					t.Errorf("pubDate %q: %v", it.PubDate, err)
				}
				if resp, _ := get(t, it.Link); resp.StatusCode != http.StatusOK {
					t.Errorf("item link %s: %s", it.Link, resp.Status)
				}
			}
		case models.KindHTML:
			if !strings.HasPrefix(ct, "text/html") {
				t.Errorf("%s: content type %q", src.URL, ct)
			}
			var settings map[string]any
			_ = json.Unmarshal(src.Settings, &settings)
			if settings["item"] != "li.event" || settings["guid_attr"] != "data-id" {
				t.Errorf("%s: settings %s", src.URL, src.Settings)
			}
			items := pageItemRe.FindAllSubmatch(body, -1)
			if len(items) < 5 {
				t.Errorf("%s: %d events", src.URL, len(items))
			}
			for _, m := range items {
				if !bytes.HasPrefix(m[3], []byte("[Demo] ")) {
					t.Errorf("%s: event title %q lacks [Demo]", src.URL, m[3])
				}
				if resp, _ := get(t, s.URL()+string(m[2])); resp.StatusCode != http.StatusOK {
					t.Errorf("event page %s: %s", m[2], resp.Status)
				}
			}
		}
	}
	if resp, _ := get(t, s.URL()+"/zz/news.xml"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown jurisdiction: %s", resp.Status)
	}
	if resp, _ := get(t, s.URL()+"/"); resp.StatusCode != http.StatusOK {
		t.Errorf("index: %s", resp.Status)
	}
}

// TestDeterministic checks that the same anchor gives the same bytes, ids
// included, whatever port the server landed on.
func TestDeterministic(t *testing.T) {
	a, b := startTest(t, "127.0.0.1:0"), startTest(t, "127.0.0.1:0")
	for i, src := range a.Sources() {
		_, x := get(t, src.URL)
		_, y := get(t, b.Sources()[i].URL)
		x = bytes.ReplaceAll(x, []byte(a.URL()), []byte("BASE"))
		y = bytes.ReplaceAll(y, []byte(b.URL()), []byte("BASE"))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two servers with the same anchor", src.URL)
		}
	}
	later := corpus(testJurisdictions[0], testNow.Add(24*time.Hour))
	first := corpus(testJurisdictions[0], testNow)
	if len(later) != len(first) || later[0].ID != first[0].ID || later[0].Published.Equal(first[0].Published) {
		t.Errorf("a later anchor should keep the ids and move the dates")
	}
}

// TestEscapingSensitiveText makes sure the corpus exercises parsers with
// ampersands, angle brackets, quotes and accented Spanish, correctly encoded.
func TestEscapingSensitiveText(t *testing.T) {
	s := startTest(t, "127.0.0.1:0")
	var all strings.Builder
	for _, src := range s.Sources() {
		_, body := get(t, src.URL)
		all.Write(body)
	}
	text := all.String()
	for _, want := range []string{"&amp;", "&lt;", "&#34;", "ó"} {
		if !strings.Contains(text, want) {
			t.Errorf("corpus has no %q", want)
		}
	}
}

func TestFallbackPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s := startTest(t, ln.Addr().String())
	if s.URL() == "http://"+ln.Addr().String() {
		t.Fatalf("started on a taken port")
	}
	if resp, _ := get(t, s.Sources()[0].URL); resp.StatusCode != http.StatusOK {
		t.Errorf("fallback server: %s", resp.Status)
	}
}

func TestStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx, "127.0.0.1:0", testJurisdictions[:1], testNow)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		t.Fatal("server still running after its context ended")
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close after stop: %v", err)
	}
}

// TestTiersSpread checks the ranking puts every tier in use across the 52.
func TestTiersSpread(t *testing.T) {
	counts := map[int]int{}
	for _, c := range allCodes {
		counts[tierOf(c)]++
	}
	for tier := 0; tier < 5; tier++ {
		if counts[tier] < 9 {
			t.Errorf("tier %d has %d jurisdictions: %v", tier, counts[tier], counts)
		}
	}
}
