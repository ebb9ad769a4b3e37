package scrapers

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// ParseHTML reads the entries of an HTML list page: every element matching
// s.Item becomes an Item, its fields found with the other selectors of s.
// Defaults for empty selectors: Title is the first heading (h1–h6), else
// the first link; Link the first a[href]; Description the item's whole
// text; Date the first <time> element. A <time datetime> gives its
// attribute, which extraction reads more reliably than the display text.
// Links are resolved against baseURL, or the page's <base href>. Entries
// without a title are skipped, then s.Keywords filter the rest.
func ParseHTML(body []byte, baseURL string, s Settings) ([]Item, error) {
	if strings.TrimSpace(s.Item) == "" {
		return nil, errors.New("parse html: settings have no item selector")
	}
	sel, err := compileSelectors(s)
	if err != nil {
		return nil, fmt.Errorf("parse html: %w", err)
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("parse html: %w", err)
	}
	base := pageBase(doc, baseURL)

	matched := doc.FindMatcher(sel.item)
	if n := matched.Length(); n > maxListItems {
		// Counted before the keywords filter: every match costs the
		// reading of its fields.
		return nil, fmt.Errorf("parse html: item selector %q matches %d elements, more than the %d a page may list",
			s.Item, n, maxListItems)
	}
	items := []Item{}
	matched.Each(func(_ int, el *goquery.Selection) {
		it := Item{
			Title:       htmlTitle(el, sel.title),
			Link:        htmlLink(el, sel.link, base),
			Description: htmlDescription(el, sel.description),
		}
		if sel.date != nil || sel.published == nil {
			it.DateText = htmlDate(el, sel.date)
		}
		if sel.published != nil {
			it.Published = htmlPublished(el.FindMatcher(sel.published).First())
		}
		if it.Title == "" {
			return
		}
		if sel.location != nil {
			it.Location = selectionText(el.FindMatcher(sel.location).First())
		}
		if s.GUIDAttr != "" {
			it.GUID = strings.TrimSpace(el.AttrOr(s.GUIDAttr, ""))
		}
		if matchesKeywords(it, s.Keywords) {
			items = append(items, it)
		}
	})
	return items, nil
}

// itemSelectors are the compiled selectors of Settings; nil means default.
type itemSelectors struct {
	item, title, link, date, description, location, published cascadia.Selector
}

var (
	headingSelector = cascadia.MustCompile("h1, h2, h3, h4, h5, h6")
	anchorSelector  = cascadia.MustCompile("a")
	hrefSelector    = cascadia.MustCompile("a[href]")
	timeSelector    = cascadia.MustCompile("time")
	baseSelector    = cascadia.MustCompile("base[href]")
)

// compileSelectors compiles the settings' selectors up front: goquery
// silently matches nothing with an invalid selector, which would make a
// typo in a source's settings look like a page with no activities.
func compileSelectors(s Settings) (itemSelectors, error) {
	var out itemSelectors
	for _, f := range []struct {
		name, css string
		dst       *cascadia.Selector
	}{
		{"item", s.Item, &out.item},
		{"title", s.Title, &out.title},
		{"link", s.Link, &out.link},
		{"date", s.Date, &out.date},
		{"description", s.Description, &out.description},
		{"location", s.Location, &out.location},
		{"published", s.Published, &out.published},
	} {
		if strings.TrimSpace(f.css) == "" {
			continue
		}
		c, err := cascadia.Compile(f.css)
		if err != nil {
			return out, fmt.Errorf("%s selector %q: %w", f.name, f.css, err)
		}
		*f.dst = c
	}
	return out, nil
}

func htmlTitle(el *goquery.Selection, title cascadia.Selector) string {
	if title != nil {
		return selectionText(el.FindMatcher(title).First())
	}
	if t := selectionText(el.FindMatcher(headingSelector).First()); t != "" {
		return t
	}
	if a := el.FindMatcher(anchorSelector).First(); a.Length() > 0 {
		return selectionText(a)
	}
	if el.Is("a") {
		return selectionText(el) // the item may itself be the link
	}
	return ""
}

func htmlLink(el *goquery.Selection, link cascadia.Selector, base *url.URL) string {
	var a *goquery.Selection
	switch {
	case link != nil:
		a = el.FindMatcher(link).First()
		if _, ok := a.Attr("href"); !ok {
			a = a.FindMatcher(hrefSelector).First()
		}
	default:
		a = el.FindMatcher(hrefSelector).First()
		if a.Length() == 0 {
			a = el // the item may itself be the link
		}
	}
	href, ok := a.Attr("href")
	if !ok {
		return ""
	}
	return resolveLink(base, href)
}

func htmlDate(el *goquery.Selection, date cascadia.Selector) string {
	d := el.FindMatcher(timeSelector).First()
	if date != nil {
		d = el.FindMatcher(date).First()
	}
	if d.Length() == 0 {
		return ""
	}
	if !d.Is("time") {
		// A date cell often wraps the <time>; its attribute is still best.
		if t := d.FindMatcher(timeSelector).First(); t.Length() > 0 {
			if v := strings.TrimSpace(t.AttrOr("datetime", "")); v != "" {
				return v
			}
		}
		return selectionText(d)
	}
	if v := strings.TrimSpace(d.AttrOr("datetime", "")); v != "" {
		return v
	}
	return selectionText(d)
}

// publishedLayouts are the shapes of publication dates on news lists.
var publishedLayouts = []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02", "January 2, 2006",
	"Jan 2, 2006", "Jan. 2, 2006", "01/02/2006", "1/2/2006", "Monday, January 2, 2006"}

// htmlPublished reads a publication date from a <time datetime> or the
// element's text; nil when it is not a date it knows.
func htmlPublished(el *goquery.Selection) *time.Time {
	for _, v := range []string{el.AttrOr("datetime", ""), selectionText(el)} {
		v = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(v, "Posted"), ":"))
		for _, layout := range publishedLayouts {
			if t, err := time.Parse(layout, strings.TrimSpace(v)); err == nil {
				return &t
			}
		}
	}
	return nil
}

func htmlDescription(el *goquery.Selection, desc cascadia.Selector) string {
	if desc != nil {
		return selectionText(el.FindMatcher(desc))
	}
	return selectionText(el)
}

// pageBase is the URL the page's relative links are relative to: its <base
// href> resolved against the URL it was fetched from.
func pageBase(doc *goquery.Document, baseURL string) *url.URL {
	base, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil {
		base = nil
	}
	href, ok := doc.FindMatcher(baseSelector).First().Attr("href")
	if !ok {
		return base
	}
	ref, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return base
	}
	if base == nil {
		if ref.IsAbs() {
			return ref
		}
		return nil
	}
	return base.ResolveReference(ref)
}

// resolveLink makes href absolute against base. Only http and https links
// are kept: a mailto: or javascript: link is no page to cite.
func resolveLink(base *url.URL, href string) string {
	href = strings.TrimSpace(href)
	if href == "" {
		return ""
	}
	ref, err := url.Parse(href)
	if err != nil {
		return ""
	}
	if base != nil {
		ref = base.ResolveReference(ref)
	}
	if (ref.Scheme != "http" && ref.Scheme != "https") || ref.Host == "" {
		return ""
	}
	return ref.String()
}

// HTMLText is the visible text of a page — its body without scripts,
// styles and markup, whitespace collapsed — stored with a snapshot so the
// evidence can be searched and quoted.
func HTMLText(body []byte) string {
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return ""
	}
	root := findElement(doc, atom.Body)
	if root == nil {
		root = doc
	}
	return nodesText([]*html.Node{root})
}

// htmlFragmentText is the text of an HTML fragment, such as a feed item's
// description, which may or may not contain markup.
func htmlFragmentText(fragment string) string {
	if !strings.ContainsAny(fragment, "<&") {
		return collapseSpace(fragment)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(fragment))
	if err != nil {
		return collapseSpace(fragment)
	}
	return selectionText(doc.Selection)
}

func findElement(n *html.Node, a atom.Atom) *html.Node {
	if n.Type == html.ElementNode && n.DataAtom == a {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if found := findElement(c, a); found != nil {
			return found
		}
	}
	return nil
}

// selectionText is the visible text of the selection, unlike goquery's
// Text, which runs "<li>a</li><li>b</li>" together into "ab".
func selectionText(s *goquery.Selection) string { return nodesText(s.Nodes) }

func nodesText(nodes []*html.Node) string {
	var b strings.Builder
	for _, n := range nodes {
		writeText(&b, n)
	}
	return collapseSpace(b.String())
}

// invisible elements hold no text a reader sees.
var invisible = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Head: true, atom.Svg: true, atom.Iframe: true, atom.Object: true,
}

// breaking elements separate words: text either side of them must not run
// together.
var breaking = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true,
	atom.Br: true, atom.Caption: true, atom.Dd: true, atom.Details: true, atom.Div: true,
	atom.Dl: true, atom.Dt: true, atom.Fieldset: true, atom.Figcaption: true,
	atom.Figure: true, atom.Footer: true, atom.Form: true, atom.H1: true, atom.H2: true,
	atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true, atom.Header: true,
	atom.Hr: true, atom.Li: true, atom.Main: true, atom.Nav: true, atom.Ol: true,
	atom.Option: true, atom.P: true, atom.Pre: true, atom.Section: true,
	atom.Summary: true, atom.Table: true, atom.Td: true, atom.Th: true, atom.Tr: true,
	atom.Ul: true, atom.Img: true, atom.Input: true, atom.Button: true, atom.Label: true,
}

func writeText(b *strings.Builder, n *html.Node) {
	switch n.Type {
	case html.TextNode:
		b.WriteString(n.Data)
		return
	case html.CommentNode, html.DoctypeNode:
		return
	case html.ElementNode:
		if invisible[n.DataAtom] {
			return
		}
	}
	brk := n.Type == html.ElementNode && breaking[n.DataAtom]
	if brk {
		b.WriteByte(' ')
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		writeText(b, c)
	}
	if brk {
		b.WriteByte(' ')
	}
}

// collapseSpace trims s and turns every run of white space (non-breaking
// spaces included) into one space.
func collapseSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// matchesKeywords reports whether the item's title, description or
// categories contain one of keywords, case-insensitively; no keywords (or
// only blank ones) keep every item.
func matchesKeywords(it Item, keywords []string) bool {
	hay := strings.ToLower(it.Title + "\n" + it.Description + "\n" + strings.Join(it.Categories, "\n"))
	anyKeyword := false
	for _, k := range keywords {
		k = strings.ToLower(strings.TrimSpace(k))
		if k == "" {
			continue
		}
		if strings.Contains(hay, k) {
			return true
		}
		anyKeyword = true
	}
	return !anyKeyword
}
