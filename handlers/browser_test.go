package handlers

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/apognu/gocal"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/mmcdole/gofeed"
)

// TestBrowser loads every page in headless Chromium: the demo banner is on
// it, axe-core finds no WCAG 2.1 A or AA violation, and a full-page
// screenshot lands in test-output/screenshots. It then clicks from the map
// to a state and on to a stored snapshot, and tabs to the map by keyboard.
func TestBrowser(t *testing.T) {
	b := startBrowser(t)
	s := newDemoSite(t)

	t.Run("pages", func(t *testing.T) {
		for _, p := range s.pages {
			t.Run(p.name, func(t *testing.T) {
				start := time.Now()
				ctx := b.tab(t)
				resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(s.url+p.path))
				if err != nil {
					t.Fatalf("load %s: %v", p.path, err)
				}
				if want := p.status; (want == 0 && resp.Status != http.StatusOK) || (want == -1 && resp.Status >= 500) {
					t.Fatalf("load %s: status %d", p.path, resp.Status)
				}
				banner, err := chromedp.Run(ctx, chromedp.Evaluate[string](
					`(document.querySelector('.demo-banner') || {}).textContent || ''`))
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(banner, p.demoBanner()) {
					t.Errorf("%s: no demo banner (got %q)", p.path, banner)
				}
				b.screenshot(t, ctx, p.name)
				b.checkAxe(t, ctx, p.path)
				t.Logf("%s checked in %v", p.path, time.Since(start).Round(time.Millisecond))
			})
		}
	})

	t.Run("switch language", func(t *testing.T) {
		ctx := b.tab(t)
		if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/states/OH")); err != nil {
			t.Fatal(err)
		}
		resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`.lang-switch a[hreflang="es"]`)))
		if err != nil {
			t.Fatalf("click Español: %v", err)
		}
		if resp.Status != http.StatusOK {
			t.Fatalf("Spanish state page: status %d", resp.Status)
		}
		if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || loc != s.url+"/es/states/OH" {
			t.Fatalf("after Español: location %q (%v)", loc, err)
		}
		if lang, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`)); err != nil || lang != "es" {
			t.Fatalf("Spanish page html lang %q (%v)", lang, err)
		}
		if h2, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#criteria-h"))); err != nil || strings.TrimSpace(h2) != "Los trece criterios" {
			t.Errorf("Spanish criteria heading %q (%v)", h2, err)
		}
		// And back, to the same page in English.
		if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`.lang-switch a[hreflang="en"]`))); err != nil {
			t.Fatalf("click English: %v", err)
		}
		if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || loc != s.url+"/states/OH" {
			t.Fatalf("after English: location %q (%v)", loc, err)
		}
		if lang, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`)); err != nil || lang != "en" {
			t.Fatalf("English page html lang %q (%v)", lang, err)
		}
	})

	t.Run("map to state to snapshot", func(t *testing.T) {
		ctx := b.tab(t)
		if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/")); err != nil {
			t.Fatal(err)
		}
		// Under the CSP the tiles are placed by stylesheet classes: the
		// Ohio tile sits where its r/c classes say, not in the flow.
		pos, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
			const li = document.querySelector('.tilemap a[href="/states/OH"]').parentElement;
			const cs = getComputedStyle(li);
			return li.className + ' ' + cs.gridRowStart + ' ' + cs.gridColumnStart;
		})()`))
		if m := regexp.MustCompile(`^r(\d+) c(\d+) (\d+) (\d+)$`).FindStringSubmatch(pos); m == nil || m[1] != m[3] || m[2] != m[4] {
			t.Errorf("Ohio tile placement %q (%v): want grid row and column from its classes", pos, err)
		}
		resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`.tilemap a[href="/states/OH"]`)))
		if err != nil {
			t.Fatalf("click the Ohio tile: %v", err)
		}
		if resp.Status != http.StatusOK {
			t.Fatalf("state page: status %d", resp.Status)
		}
		if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || loc != s.url+"/states/OH" {
			t.Fatalf("after the Ohio tile: location %q (%v)", loc, err)
		}
		if h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1"))); err != nil || strings.TrimSpace(h1) != "Ohio" {
			t.Fatalf("state page h1 %q (%v), want Ohio", h1, err)
		}

		// The evidence is folded in a <details>: its links are hidden
		// until it is opened.
		const evidence = `details:has(a[href^="/api/v1/snapshots/"])`
		open, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('`+evidence+`').open`))
		if err != nil || open {
			t.Fatalf("evidence details open before the click: %v (%v)", open, err)
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(evidence+` > summary`))); err != nil {
			t.Fatalf("open the evidence: %v", err)
		}
		resp, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`details[open] a[href^="/api/v1/snapshots/"]`)))
		if err != nil {
			t.Fatalf("click the stored snapshot link: %v", err)
		}
		if resp.Status != http.StatusOK {
			t.Fatalf("snapshot: status %d", resp.Status)
		}
		if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || loc != s.url+"/api/v1/snapshots/"+s.snapshot {
			t.Fatalf("after the snapshot link: location %q (%v)", loc, err)
		}
		body, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("body")))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(body, "Listening session") {
			t.Fatalf("snapshot page body %q lacks the snapshot text", body)
		}
	})

	t.Run("keyboard focus on the map", func(t *testing.T) {
		ctx := b.tab(t)
		if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/")); err != nil {
			t.Fatal(err)
		}
		tabs := 0
		for ; tabs < 40; tabs++ {
			on, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.activeElement.matches('.tilemap a')`))
			if err != nil {
				t.Fatal(err)
			}
			if on {
				break
			}
			if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
				t.Fatal(err)
			}
		}
		type focus struct {
			Href    string  `json:"href"`
			First   string  `json:"first"`
			Label   string  `json:"label"`
			Visible bool    `json:"visible"`
			Style   string  `json:"style"`
			Width   float64 `json:"width"`
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[focus](`(() => {
			const a = document.activeElement, s = getComputedStyle(a);
			return {href: a.getAttribute('href') || '', first: document.querySelector('.tilemap a').getAttribute('href'),
				label: a.getAttribute('aria-label') || a.textContent, visible: a.matches(':focus-visible'),
				style: s.outlineStyle, width: parseFloat(s.outlineWidth) || 0};
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		if got.Href != got.First {
			t.Fatalf("after %d tabs the focus is on %q, want the first tile %q", tabs, got.Href, got.First)
		}
		if !got.Visible || got.Style == "none" || got.Width < 2 {
			t.Errorf("focused tile %s: :focus-visible %v, outline %s %vpx; want a visible outline of 2px or more", got.Href, got.Visible, got.Style, got.Width)
		}
		if got.Label == "" {
			t.Errorf("focused tile %s has no accessible name", got.Href)
		}
		t.Logf("first tile %s (%q) reached after %d tabs", got.Href, got.Label, tabs)
		b.screenshot(t, ctx, "national-keyboard-focus")
	})
}

// budget is the most a page may weigh: its HTML with the CSS and scripts it
// loads, each gzipped as a server would send it.
const budget = 60 << 10

var (
	cssURL      = regexp.MustCompile(`url\(\s*['"]?([^'")]+)['"]?\s*\)`)
	cssImport   = regexp.MustCompile(`@import\s+['"]([^'"]+)['"]`)
	cssFontFace = regexp.MustCompile(`(?s)@font-face\s*\{[^}]*\}`)
)

// TestBudgets needs no browser: each page stays under the budget, loads no
// render-blocking script and nothing from another host, and its fonts and
// icons are the system's or served from /static.
func TestBudgets(t *testing.T) {
	s := newDemoSite(t)
	site, err := url.Parse(s.url)
	if err != nil {
		t.Fatal(err)
	}
	// sameSite reports whether ref, found in base, is served by Heard (or
	// is inline data).
	sameSite := func(base *url.URL, ref string) (*url.URL, bool) {
		u, err := base.Parse(strings.TrimSpace(ref))
		if err != nil {
			return nil, false
		}
		if u.Scheme == "data" {
			return u, true
		}
		return u, (u.Scheme == "http" || u.Scheme == "https") && u.Host == site.Host
	}
	checkCSS := func(t *testing.T, base *url.URL, where, css string) {
		for _, m := range cssURL.FindAllStringSubmatch(css, -1) {
			if _, ok := sameSite(base, m[1]); !ok {
				t.Errorf("%s: url(%s) is not served by Heard", where, m[1])
			}
		}
		for _, m := range cssImport.FindAllStringSubmatch(css, -1) {
			if _, ok := sameSite(base, m[1]); !ok {
				t.Errorf("%s: @import %s is not served by Heard", where, m[1])
			}
		}
		for _, face := range cssFontFace.FindAllString(css, -1) {
			for _, m := range cssURL.FindAllStringSubmatch(face, -1) {
				if u, ok := sameSite(base, m[1]); !ok || (u.Scheme != "data" && !strings.HasPrefix(u.Path, "/static/")) {
					t.Errorf("%s: @font-face source %s is not under /static", where, m[1])
				}
			}
		}
	}

	for _, p := range s.pages {
		t.Run(p.name, func(t *testing.T) {
			pageURL, _ := site.Parse(p.path)
			_, html := s.fetch(t, p.path, p.status)
			doc, err := goquery.NewDocumentFromReader(bytes.NewReader(html))
			if err != nil {
				t.Fatal(err)
			}
			sizes := []string{"HTML " + kib(gzipSize(html))}
			total := gzipSize(html)

			// Nothing the page loads comes from another host.
			for sel, attr := range map[string]string{
				"link[href]": "href", "script[src]": "src", "img[src]": "src", "img[srcset]": "srcset",
				"source[src]": "src", "source[srcset]": "srcset", "iframe[src]": "src", "video[src]": "src",
				"video[poster]": "poster", "audio[src]": "src", "embed[src]": "src", "object[data]": "data",
				"image[href]": "href", "use[href]": "href",
			} {
				doc.Find(sel).Each(func(_ int, n *goquery.Selection) {
					v, _ := n.Attr(attr)
					refs := []string{v}
					if strings.HasSuffix(attr, "srcset") {
						refs = nil
						for _, c := range strings.Split(v, ",") {
							if f := strings.Fields(c); len(f) > 0 {
								refs = append(refs, f[0])
							}
						}
					}
					for _, ref := range refs {
						if _, ok := sameSite(pageURL, ref); !ok {
							t.Errorf("%s: <%s %s=%q> is not served by Heard", p.path, goquery.NodeName(n), attr, ref)
						}
					}
				})
			}

			// No script in <head> holds up rendering.
			doc.Find("head script").Each(func(_ int, n *goquery.Selection) {
				typ := strings.ToLower(strings.TrimSpace(n.AttrOr("type", "")))
				_, deferred := n.Attr("defer")
				_, async := n.Attr("async")
				data := typ == "application/json" || typ == "application/ld+json" || typ == "importmap"
				if !deferred && !async && typ != "module" && !data {
					t.Errorf("%s: render-blocking script in <head>: %s", p.path, n.AttrOr("src", "(inline)"))
				}
			})

			// Inline styles follow the same rules as the stylesheets.
			doc.Find("style").Each(func(_ int, n *goquery.Selection) {
				checkCSS(t, pageURL, p.path+" <style>", n.Text())
			})
			doc.Find("[style]").Each(func(_ int, n *goquery.Selection) {
				checkCSS(t, pageURL, p.path+" style attribute", n.AttrOr("style", ""))
			})

			// The stylesheets and scripts count towards the budget.
			seen := map[string]bool{}
			doc.Find(`link[rel~="stylesheet"], link[rel="modulepreload"], link[rel="preload"], script[src]`).Each(func(_ int, n *goquery.Selection) {
				ref := n.AttrOr("href", n.AttrOr("src", ""))
				u, ok := sameSite(pageURL, ref)
				if !ok || u.Scheme == "data" || seen[u.String()] {
					return
				}
				seen[u.String()] = true
				_, body := s.fetch(t, u.RequestURI(), 0)
				size := gzipSize(body)
				total += size
				sizes = append(sizes, u.Path+" "+kib(size))
				if goquery.NodeName(n) == "link" && n.AttrOr("as", "style") == "style" {
					checkCSS(t, u, u.Path, string(body))
				}
			})
			if total >= budget {
				t.Errorf("%s weighs %s compressed (%s), over the %s budget", p.path, kib(total), strings.Join(sizes, ", "), kib(budget))
			}
			t.Logf("%s: %s compressed (%s)", p.path, kib(total), strings.Join(sizes, ", "))
		})
	}
}

// TestBrowserFeeds needs no browser: Ohio's iCal and Atom subscriptions
// parse, and hold the fixture's upcoming activities.
func TestBrowserFeeds(t *testing.T) {
	s := newDemoSite(t)
	t.Run("ical", func(t *testing.T) {
		resp, body := s.fetch(t, "/states/OH/upcoming.ics", 0)
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") {
			t.Errorf("content type %q, want text/calendar", ct)
		}
		text := string(body)
		if !strings.HasPrefix(text, "BEGIN:VCALENDAR\r\n") || !strings.HasSuffix(text, "END:VCALENDAR\r\n") {
			t.Fatalf("not an iCalendar object with CRLF lines:\n%s", text)
		}
		for i, line := range strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n") {
			if len(line) > 75 {
				t.Errorf("line %d is %d octets, over RFC 5545's 75: %q", i+1, len(line), line)
			}
			if strings.ContainsAny(line, "\r\n") {
				t.Errorf("line %d holds a bare CR or LF: %q", i+1, line)
			}
		}
		cal := gocal.NewParser(bytes.NewReader(body))
		from, to := testNow.AddDate(-1, 0, 0), testNow.AddDate(1, 0, 0)
		cal.Start, cal.End = &from, &to
		cal.Strict.Mode = gocal.StrictModeFailFeed
		if err := cal.Parse(); err != nil {
			t.Fatalf("parse: %v\n%s", err, text)
		}
		titles := []string{}
		for _, e := range cal.Events {
			titles = append(titles, e.Summary)
		}
		if !containsPart(titles, "Listening session for parents") {
			t.Errorf("events %q lack the upcoming listening session", titles)
		}
	})
	t.Run("atom", func(t *testing.T) {
		resp, body := s.fetch(t, "/states/OH/feed.atom", 0)
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/atom+xml") {
			t.Errorf("content type %q, want application/atom+xml", ct)
		}
		feed, err := gofeed.NewParser().ParseString(string(body))
		if err != nil {
			t.Fatalf("parse: %v\n%s", err, body)
		}
		if feed.FeedType != "atom" {
			t.Errorf("feed type %q, want atom", feed.FeedType)
		}
		titles := []string{}
		for _, it := range feed.Items {
			titles = append(titles, it.Title)
			if it.Link == "" && len(it.Links) == 0 {
				t.Errorf("entry %q has no link", it.Title)
			}
		}
		if !containsPart(titles, "Listening session for parents") {
			t.Errorf("entries %q lack the upcoming listening session", titles)
		}
	})
}

func containsPart(list []string, part string) bool {
	for _, s := range list {
		if strings.Contains(s, part) {
			return true
		}
	}
	return false
}

func gzipSize(b []byte) int {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Len()
}

func kib(n int) string { return fmt.Sprintf("%.1f KiB", float64(n)/1024) }
