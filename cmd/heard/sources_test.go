package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"heard/models"
	"heard/models/modeltest"
	"heard/scrapers/registry"
)

// useTestDatabase points heard at a fresh migrated database.
func useTestDatabase(t *testing.T) {
	t.Helper()
	_, url := modeltest.NewDBWithURL(t)
	t.Setenv("DATABASE_URL", url)
}

// mustHeard runs heard and fails the test unless it exits 0.
func mustHeard(t *testing.T, args ...string) string {
	t.Helper()
	code, stdout, stderr := runHeard(t, context.Background(), args...)
	if code != 0 {
		t.Fatalf("heard %v: exit %d\n%s\n%s", args, code, stdout, stderr)
	}
	return stdout
}

// addSource runs `sources add` and returns the id it printed alone on a line.
func addSource(t *testing.T, args ...string) int64 {
	t.Helper()
	out := mustHeard(t, append([]string{"sources", "add"}, args...)...)
	if !regexp.MustCompile(`^\d+\n$`).MatchString(out) {
		t.Fatalf("sources add printed %q, want the id alone on a line", out)
	}
	id, _ := strconv.ParseInt(strings.TrimSpace(out), 10, 64)
	return id
}

// listRow is the `sources list` row of the source, split into columns.
func listRow(t *testing.T, id int64, args ...string) []string {
	t.Helper()
	out := mustHeard(t, append([]string{"sources", "list"}, args...)...)
	for _, line := range strings.Split(out, "\n") {
		// LAST SUCCESS is "-" or a date and a time: split on runs of spaces
		// that tabwriter puts between columns.
		cols := regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(line), -1)
		if cols[0] == strconv.FormatInt(id, 10) {
			return cols
		}
	}
	return nil
}

// listJSON is `sources list --json`, by URL.
func listJSON(t *testing.T) map[string]models.SourceHealth {
	t.Helper()
	var srcs []models.SourceHealth
	if err := json.Unmarshal([]byte(mustHeard(t, "sources", "list", "--json")), &srcs); err != nil {
		t.Fatal(err)
	}
	byURL := map[string]models.SourceHealth{}
	for _, s := range srcs {
		byURL[s.URL] = s
	}
	return byURL
}

func TestSourcesAddListEnableDisable(t *testing.T) {
	useTestDatabase(t)
	const url = "https://education.example.gov/news.rss"
	id := addSource(t, "--state", "oh", "--kind", "rss", "--url", url, "--name", "OH news",
		"--settings", `{"keywords": ["ESSA"]}`)

	out := mustHeard(t, "sources", "list")
	if !strings.HasPrefix(out, "ID") || !strings.Contains(out, "LAST SUCCESS") {
		t.Errorf("list has no header: %q", out)
	}
	want := []string{strconv.FormatInt(id, 10), "OH", "rss", "pending", "yes", "no", "-", url}
	if got := listRow(t, id); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("list row %q, want %q", got, want)
	}
	if got := listRow(t, id, "--state", "WY"); got != nil {
		t.Errorf("list --state WY shows an Ohio source: %q", got)
	}
	if got := listRow(t, id, "--state", "oh"); got == nil {
		t.Error("list --state oh does not show the Ohio source")
	}
	src := listJSON(t)[url]
	if src.ID != id || !src.Enabled || src.Name != "OH news" || src.Health != models.HealthPending {
		t.Errorf("list --json: %+v", src)
	}

	if out := mustHeard(t, "sources", "disable", strconv.FormatInt(id, 10)); !strings.Contains(out, "disabled") {
		t.Errorf("disable printed %q", out)
	}
	if got := listRow(t, id); len(got) < 5 || got[3] != "disabled" || got[4] != "no" {
		t.Errorf("after disable, list row %q", got)
	}
	if got := listJSON(t)[url]; got.DisabledReason != "disabled by hand" {
		t.Errorf("disabled reason %q", got.DisabledReason)
	}
	mustHeard(t, "sources", "enable", strconv.FormatInt(id, 10))
	if got := listRow(t, id); len(got) < 5 || got[3] != "pending" || got[4] != "yes" {
		t.Errorf("after enable, list row %q", got)
	}

	tests := []struct {
		args []string
		want string
	}{
		{[]string{"sources", "enable", "99999"}, "no source 99999"},
		{[]string{"sources", "enable", "abc"}, `"abc" is not a source id`},
		{[]string{"sources", "disable"}, "takes one source id"},
		{[]string{"sources", "add", "--state", "OH", "--kind", "rss", "--url", url}, "already registered for OH as source " + strconv.FormatInt(id, 10)},
		{[]string{"sources", "list", "--state", "ZZ"}, `"ZZ" is not a jurisdiction code`},
		{[]string{"sources", "frob"}, "sources takes list, add"},
		{[]string{"sources"}, "sources takes list, add"},
	}
	for _, tt := range tests {
		code, _, stderr := runHeard(t, context.Background(), tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("heard %v: exit %d, stderr %q; want exit 2 mentioning %q", tt.args, code, stderr, tt.want)
		}
	}
}

func TestSourcesAddRefusesBadInput(t *testing.T) {
	useTestDatabase(t)
	add := func(state, kind, url, settings string) []string {
		return []string{"sources", "add", "--state", state, "--kind", kind, "--url", url, "--settings", settings}
	}
	const page = "https://education.example.gov/essa"
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"unknown kind", add("OH", "gopher", page, `{}`), []string{"kind:", `"gopher" is not one of html, rss`}},
		{"not http", add("OH", "rss", "ftp://education.example.gov/feed", `{}`), []string{"url:", "not an http or https address"}},
		{"no host", add("OH", "rss", "https://", `{}`), []string{"url:"}},
		{"settings not JSON", add("OH", "rss", page, `{`), []string{"settings:", "JSON object"}},
		{"settings not an object", add("OH", "rss", page, `["li"]`), []string{"settings:", "JSON object"}},
		{"settings of the wrong type", add("OH", "rss", page, `{"item": 3}`), []string{"settings.item:", "must be a string"}},
		{"html without item", add("OH", "html", page, `{}`), []string{"settings.item:", "is required for an html source"}},
		{"bad item selector", add("OH", "html", page, `{"item": "li["}`), []string{"settings.item:", "is not a CSS selector"}},
		{"misspelt setting", add("OH", "rss", page, `{"keyword": ["ESSA"]}`), []string{"settings.keyword:", "is not a setting"}},
		{"bad follow pattern", add("OH", "html", page, `{"item": "li", "follow": "("}`), []string{"settings.follow:", "is not a regular expression"}},
		{"unknown state", add("ZZ", "rss", page, `{}`), []string{"state:", `"ZZ" is not a jurisdiction code`}},
		{"every problem at once", add("ZZ", "gopher", "mailto:x", `{}`), []string{"state:", "kind:", "url:"}},
		{"missing url", []string{"sources", "add", "--state", "OH", "--kind", "rss"}, []string{"needs --state, --kind and --url", "Usage:"}},
		{"stray argument", []string{"sources", "add", "--state", "OH", "--kind", "rss", "--url", page, "extra"}, []string{"unexpected argument"}},
	}
	for _, tt := range tests {
		code, stdout, stderr := runHeard(t, context.Background(), tt.args...)
		if code != 2 || stdout != "" {
			t.Errorf("%s: exit %d, stdout %q; want exit 2 and nothing on stdout", tt.name, code, stdout)
		}
		for _, w := range tt.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%s: stderr %q does not mention %q", tt.name, stderr, w)
			}
		}
	}
	if n := len(listJSON(t)); n != 0 {
		t.Errorf("refused adds registered %d sources", n)
	}
	// A good html source with its selector is accepted.
	addSource(t, add("oh", "html", page, `{"item": "li.news", "follow": "/news/"}`)[2:]...)
}

func TestSourcesSync(t *testing.T) {
	useTestDatabase(t)
	entries, err := registry.Load()
	if err != nil {
		t.Fatal(err)
	}
	out := mustHeard(t, "sources", "sync")
	want := regexp.MustCompile(`(?m)^` + strconv.Itoa(len(entries)) + ` registry entries: ` +
		strconv.Itoa(len(entries)) + ` added, 0 updated, 0 unchanged, 0 kept$`)
	if !want.MatchString(out) {
		t.Fatalf("first sync printed %q", out)
	}
	stored := listJSON(t)
	var feedURL, pageURL string
	for _, e := range entries {
		s, ok := stored[e.URL]
		if !ok {
			t.Errorf("%s %s was not registered", e.Jurisdiction, e.URL)
			continue
		}
		if s.Enabled != e.Enabled || s.Verified || s.Kind != e.Kind || s.Jurisdiction != e.Jurisdiction {
			t.Errorf("%s registered as %+v", e.URL, s.Source)
		}
		if e.Kind == models.KindHTML && s.Enabled {
			t.Errorf("html source %s without selectors registered enabled", e.URL)
		}
		switch {
		case e.Enabled && feedURL == "":
			feedURL = e.URL
		case !e.Enabled && pageURL == "":
			pageURL = e.URL
		}
	}
	if feedURL == "" || pageURL == "" {
		t.Fatal("the registry has no enabled entry or no disabled entry to test with")
	}

	out = mustHeard(t, "sources", "sync")
	if !strings.Contains(out, "0 added, 0 updated, "+strconv.Itoa(len(entries))+" unchanged, 0 kept") {
		t.Errorf("second sync printed %q, want everything unchanged", out)
	}

	// Choices made by hand survive a sync: the enabled feed switched off,
	// a disabled page switched on.
	feedID, pageID := strconv.FormatInt(stored[feedURL].ID, 10), strconv.FormatInt(stored[pageURL].ID, 10)
	mustHeard(t, "sources", "disable", feedID)
	mustHeard(t, "sources", "enable", pageID)
	out = mustHeard(t, "sources", "sync")
	if !strings.Contains(out, "source "+feedID+" ") || !strings.Contains(out, "sources enable "+feedID) {
		t.Errorf("sync does not point out the feed the registry enables but is disabled here: %q", out)
	}
	after := listJSON(t)
	if after[feedURL].Enabled {
		t.Error("sync re-enabled a source disabled by hand")
	}
	if !after[pageURL].Enabled {
		t.Error("sync disabled a source enabled by hand")
	}
}

func TestScrapeOneSource(t *testing.T) {
	useTestDatabase(t)
	t.Setenv("HEARD_ALLOW_PRIVATE_NETWORKS", "1")
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, feed)
	}))
	defer site.Close()
	one := addSource(t, "--state", "VT", "--kind", "rss", "--url", site.URL+"/one.xml", "--name", "VT news")
	other := addSource(t, "--state", "VT", "--kind", "rss", "--url", site.URL+"/other.xml")

	code, stdout, stderr := runHeard(t, context.Background(), "scrape", "--source", strconv.FormatInt(one, 10))
	if code != 0 {
		t.Fatalf("scrape --source: exit %d\n%s\n%s", code, stdout, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "RUN") {
		t.Fatalf("scrape --source printed %q, want a header and one row", stdout)
	}
	row := strings.Fields(lines[1])
	if row[1] != strconv.FormatInt(one, 10) || row[2] != "VT" || row[3] != "ok" || row[5] != "1" {
		t.Errorf("row %q, want source %d of VT, ok, 1 inserted", row, one)
	}
	if strings.Contains(stderr, "\r") || strings.Contains(stderr, "[#") || strings.Contains(stderr, "[.") {
		t.Errorf("a progress bar was drawn on a buffer: %q", stderr)
	}
	if got := listRow(t, other); len(got) < 4 || got[3] != "pending" {
		t.Errorf("the other source was run too: %q", got)
	}

	mustHeard(t, "sources", "disable", strconv.FormatInt(other, 10))
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"scrape", "--source", strconv.FormatInt(other, 10)}, "is disabled (disabled by hand); `heard sources enable " + strconv.FormatInt(other, 10) + "`"},
		{[]string{"scrape", "--source", "99999"}, "there is no source 99999"},
		{[]string{"scrape", "--source", strconv.FormatInt(one, 10), "--state", "wy"}, "belongs to VT, not WY"},
		{[]string{"scrape", "--source", "-3"}, "not a source id"},
		{[]string{"scrape", "--source", "x"}, "invalid value"},
	}
	for _, tt := range tests {
		code, stdout, stderr := runHeard(t, context.Background(), tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) || strings.Contains(stdout, "RUN") {
			t.Errorf("heard %v: exit %d, stderr %q; want exit 2 mentioning %q", tt.args, code, stderr, tt.want)
		}
	}

	// Without --source every enabled source of the state runs: only the
	// first, since the other is disabled.
	code, stdout, stderr = runHeard(t, context.Background(), "scrape", "--state", "vt")
	if code != 0 || strings.Count(strings.TrimSpace(stdout), "\n") != 1 || !strings.Contains(stdout, "ok") {
		t.Errorf("scrape --state vt: exit %d\n%s\n%s", code, stdout, stderr)
	}
}
