package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The browser tests drive Debian's Chromium (HEARD_CHROMIUM) and check every
// page with axe-core (HEARD_AXE_JS, the path of axe.min.js); `make test`
// installs both and sets the variables. Without them the tests are skipped,
// except under CI=true, where they fail: a skipped test is not a passing one.

// sitePage is one server-rendered page the browser and budget tests visit.
type sitePage struct {
	name  string // screenshot file name
	path  string // what the browser loads
	route string // the GET route that serves it, as gin lists it
	// optional pages are visited only when their route is registered, so
	// the tests pick them up as they land.
	optional bool
	// status is the status the page answers with; 0 means 200.
	status int
}

var sitePages = []sitePage{
	{name: "national", path: "/", route: "/"},
	{name: "national-by-criterion", path: "/?criterion=tribal", route: "/"},
	{name: "state-OH", path: "/states/OH", route: "/states/:code"},
	{name: "methodology", path: "/methodology", route: "/methodology"},
	{name: "data", path: "/data", route: "/data"},
	{name: "about", path: "/about", route: "/about"},
	{name: "search-no-match", path: "/search?q=zz", route: "/search", status: -1},
	{name: "submit", path: "/submit?state=OH", route: "/submit"},
	// The same pages in Spanish.
	{name: "es-national", path: "/es", route: "/es"},
	{name: "es-national-by-criterion", path: "/es?criterion=tribal", route: "/es"},
	{name: "es-state-OH", path: "/es/states/OH", route: "/es/states/:code"},
	{name: "es-methodology", path: "/es/methodology", route: "/es/methodology"},
	{name: "es-data", path: "/es/data", route: "/es/data"},
	{name: "es-about", path: "/es/about", route: "/es/about"},
	{name: "es-search-no-match", path: "/es/search?q=zz", route: "/es/search", status: -1},
	{name: "es-submit", path: "/es/submit?state=OH", route: "/es/submit"},
}

// demoBanner is the start of the demo banner in the page's language.
func (p sitePage) demoBanner() string {
	if p.path == "/es" || strings.HasPrefix(p.path, "/es/") || strings.HasPrefix(p.path, "/es?") {
		return "Datos de demostración"
	}
	return "Demonstration data"
}

// demoSite is the test fixture served in demo mode, as `heard serve --demo`
// serves it: the banner belongs on every page.
type demoSite struct {
	*fixture
	url   string
	pages []sitePage
	gets  map[string]bool // the registered GET routes
}

func newDemoSite(t *testing.T) *demoSite {
	t.Helper()
	f := newFixture(t)
	h, err := New(f.store, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{
		Demo: true, Now: func() time.Time { return testNow }, RateLimit: -1, RateBurst: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	eng := NewEngine(h)
	srv := httptest.NewServer(eng)
	t.Cleanup(srv.Close)
	s := &demoSite{fixture: f, url: srv.URL, gets: map[string]bool{}}
	for _, r := range eng.Routes() {
		if r.Method == http.MethodGet {
			s.gets[r.Path] = true
		}
	}
	for _, p := range sitePages {
		if !s.gets[p.route] {
			if !p.optional {
				t.Fatalf("no GET %s route for the %s page", p.route, p.name)
			}
			t.Logf("no GET %s route yet: the %s page is not checked", p.route, p.name)
			continue
		}
		s.pages = append(s.pages, p)
	}
	return s
}

// fetch GETs a path of the site and checks the status: want 0 means 200,
// -1 any status below 500.
func (s *demoSite) fetch(t *testing.T, path string, want int) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(s.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case want == -1 && resp.StatusCode >= 500,
		want == 0 && resp.StatusCode != http.StatusOK,
		want > 0 && resp.StatusCode != want:
		t.Fatalf("GET %s: status %d", path, resp.StatusCode)
	}
	return resp, body
}

// requireTool returns the value of an environment variable naming a file,
// skipping the test when it is unset or missing, or failing it under CI.
func requireTool(t *testing.T, env, what string) string {
	t.Helper()
	p := os.Getenv(env)
	why := ""
	if p == "" {
		why = env + " is not set"
	} else if _, err := os.Stat(p); err != nil {
		why = fmt.Sprintf("%s=%s: %v", env, p, err)
	}
	if why == "" {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s: %s; run the tests with `make test`, which installs it", what, why)
	}
	t.Skipf("no %s (%s): run `make test`, which installs it", what, why)
	return ""
}

// browser is one headless Chromium, shared by the subtests of a test.
type browser struct {
	ctx    context.Context // the browser; chromedp.NewContext(ctx) opens a tab
	axe    string          // the source of axe.min.js
	outDir string          // where screenshots go
}

// startBrowser starts Chromium with the flags that work on this project's
// machines (no sandbox as root, no GPU, no background connections that the
// closed network would refuse) and a fresh profile; it ends with the test.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	chromium := requireTool(t, "HEARD_CHROMIUM", "Chromium")
	axePath := requireTool(t, "HEARD_AXE_JS", "axe-core")
	axe, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatal(err)
	}
	out := os.Getenv("HEARD_TEST_OUTPUT")
	if out == "" {
		out = filepath.Join("..", "test-output")
	}
	out = filepath.Join(out, "screenshots")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	profile := t.TempDir() // removed after the browser has stopped
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	start := time.Now()
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start Chromium %s: %v", chromium, err)
	}
	t.Logf("Chromium started in %v", time.Since(start).Round(time.Millisecond))
	return &browser{ctx: ctx, axe: string(axe), outDir: out}
}

// tab opens a new tab that closes when the test ends.
func (b *browser) tab(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 30*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel() })
	return ctx
}

// axeViolation is what the tests keep of an axe-core violation.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  string `json:"target"`
		Summary string `json:"summary"`
	} `json:"nodes"`
}

// axeTags are the WCAG 2.1 A and AA rules.
const axeRun = `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})
	.then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help,
		nodes: v.nodes.map(n => ({target: n.target.map(String).join(' '), summary: n.failureSummary || ''}))}))))`

// checkAxe injects axe-core into the loaded page and fails the test on any
// WCAG 2.1 A or AA violation, naming the rule, its impact and the nodes.
func (b *browser) checkAxe(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](b.axe)); err != nil {
		t.Fatalf("%s: inject axe-core: %v", page, err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: run axe-core: %v", page, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		t.Fatalf("%s: axe-core result: %v", page, err)
	}
	for _, v := range vs {
		var sb strings.Builder
		fmt.Fprintf(&sb, "%s: axe %s (%s): %s", page, v.ID, v.Impact, v.Help)
		for i, n := range v.Nodes {
			if i == 10 {
				fmt.Fprintf(&sb, "\n\t… and %d more", len(v.Nodes)-i)
				break
			}
			fmt.Fprintf(&sb, "\n\t%s\n\t\t%s", n.Target, strings.ReplaceAll(n.Summary, "\n", "\n\t\t"))
		}
		t.Error(sb.String())
	}
}

// screenshot saves a full-page PNG of the tab as outDir/name.png.
func (b *browser) screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("%s: screenshot: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.outDir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
