package scrapers

import (
	"strings"
	"testing"
)

// listSettings read testdata/pages/list.html.
var listSettings = Settings{
	Item:        "li.event",
	Date:        ".when",
	Description: ".summary",
	Location:    ".where",
	GUIDAttr:    "data-id",
}

func TestParseHTMLGolden(t *testing.T) {
	items, err := ParseHTML(readTestdata(t, "pages/list.html"), "https://education.example.gov/calendar", listSettings)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "html_list.json", items)
}

func TestParseHTMLDefaults(t *testing.T) {
	page := []byte(`<html><body><div class="row" id="r1"><h4>Town hall</h4>
		<p>Monday <b>June</b> 3</p><a href="/th">details</a></div>
		<a class="row" href="/direct">Item that is itself a link</a></body></html>`)
	items, err := ParseHTML(page, "https://x.example/a/b", Settings{Item: ".row", GUIDAttr: "id"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Item{
		{GUID: "r1", Title: "Town hall", Description: "Town hall Monday June 3 details", Link: "https://x.example/th"},
		{Title: "Item that is itself a link", Description: "Item that is itself a link", Link: "https://x.example/direct"},
	}
	if len(items) != len(want) {
		t.Fatalf("got %d items, want %d: %+v", len(items), len(want), items)
	}
	for i := range want {
		g, w := items[i], want[i]
		if g.GUID != w.GUID || g.Title != w.Title || g.Description != w.Description || g.Link != w.Link || g.DateText != "" {
			t.Errorf("item %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestParseHTMLKeywords(t *testing.T) {
	s := listSettings
	s.Keywords = []string{"SURVEY", "board"}
	items, err := ParseHTML(readTestdata(t, "pages/list.html"), "https://education.example.gov/", s)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(titles(items), "|")
	if want := "Family survey on school quality|State board work session"; got != want {
		t.Errorf("titles = %q, want %q", got, want)
	}
}

func TestParseHTMLErrors(t *testing.T) {
	tests := []struct {
		name string
		s    Settings
		want string
	}{
		{"missing item selector", Settings{}, "no item selector"},
		{"blank item selector", Settings{Item: "  "}, "no item selector"},
		{"invalid item selector", Settings{Item: "li[["}, `item selector "li[["`},
		{"invalid date selector", Settings{Item: "li", Date: ":nope("}, `date selector ":nope("`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseHTML(readTestdata(t, "pages/list.html"), "https://example.gov/", tt.s)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestHTMLText(t *testing.T) {
	tests := []struct {
		name, page, want string
	}{
		{"list page", string(readTestdata(t, "pages/list.html")), ""},
		{"blocks separate words", "<p>one</p><p>two<br>three</p><ul><li>four</li><li>five</li></ul>", "one two three four five"},
		{"inline joins", "<p>Mar<b>ch</b> 3</p>", "March 3"},
		{"scripts and styles dropped", "<head><title>T</title><style>p{}</style></head><body><script>x()</script>a<noscript>b</noscript>&nbsp;c</body>", "a c"},
		{"not html", "plain  text\n here", "plain text here"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := HTMLText([]byte(tt.page))
			if tt.name == "list page" {
				for _, s := range []string{"Upcoming engagement opportunities", "Duluth Public Library, 520 W Superior St", "© 2024"} {
					if !strings.Contains(got, s) {
						t.Errorf("text lacks %q:\n%s", s, got)
					}
				}
				for _, s := range []string{"tracking", "color: red", "alert", "Events |"} {
					if strings.Contains(got, s) {
						t.Errorf("text holds invisible %q:\n%s", s, got)
					}
				}
				return
			}
			if got != tt.want {
				t.Errorf("HTMLText = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestResolveLink(t *testing.T) {
	tests := []struct{ base, href, want string }{
		{"https://a.example/x/y.html", "z.html", "https://a.example/x/z.html"},
		{"https://a.example/x/y.html", "../z?q=1#f", "https://a.example/z?q=1#f"},
		{"https://a.example/x/", "//b.example/p", "https://b.example/p"},
		{"https://a.example/x/", "  /p  ", "https://a.example/p"},
		{"https://a.example/x/", "mailto:me@example.gov", ""},
		{"https://a.example/x/", "javascript:void(0)", ""},
		{"", "/relative-without-base", ""},
		{"", "http://abs.example/p", "http://abs.example/p"},
		{"https://a.example/", "", ""},
	}
	for _, tt := range tests {
		items, err := ParseHTML([]byte(`<p class=i><a href="`+tt.href+`">t</a></p>`), tt.base, Settings{Item: ".i"})
		if err != nil || len(items) != 1 {
			t.Fatalf("%q: %v %v", tt.href, items, err)
		}
		if items[0].Link != tt.want {
			t.Errorf("base %q href %q: link %q, want %q", tt.base, tt.href, items[0].Link, tt.want)
		}
	}
}

// TestParseHTMLItemLimit: a page may list maxListItems items, and one
// whose selector matches more is refused, keywords or not.
func TestParseHTMLItemLimit(t *testing.T) {
	page := func(n int) []byte {
		return []byte("<ul>" + strings.Repeat(`<li><a href="/e">Town hall</a></li>`, n) + "</ul>")
	}
	items, err := ParseHTML(page(maxListItems), "https://x.example/", Settings{Item: "li"})
	if err != nil || len(items) != maxListItems {
		t.Fatalf("%d items: %v", len(items), err)
	}
	_, err = ParseHTML(page(maxListItems+1), "https://x.example/", Settings{Item: "li", Keywords: []string{"nothing"}})
	if err == nil || !strings.Contains(err.Error(), `item selector "li" matches 5001 elements, more than the 5000`) {
		t.Fatalf("err = %v", err)
	}
}
