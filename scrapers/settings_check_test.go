package scrapers

import (
	"strings"
	"testing"

	"heard/models"
)

func TestCheckSettings(t *testing.T) {
	tests := []struct {
		name string
		kind models.SourceKind
		raw  string
		// want maps each field that must be refused to a part of its message;
		// nil means the settings are accepted.
		want map[string]string
	}{
		{"empty feed settings", models.KindRSS, `{}`, nil},
		{"every setting", models.KindHTML, `{"item": "li.news", "title": "h3", "link": "a.more", "date": "time",
			"description": ".summary", "location": ".where", "published": ".posted", "context": "ESSA plan",
			"guid_attr": "data-id", "follow": "/news/\\d+", "detail": "main article", "follow_limit": 5,
			"cancel_vanished": false, "keywords": ["ESSA"], "split": "^(March|April) \\d"}`, nil},
		{"null where a setting may be absent", models.KindICal, `{"cancel_vanished": null}`, nil},
		{"not JSON", models.KindRSS, `{`, map[string]string{"": "JSON object"}},
		{"an array", models.KindRSS, `["li"]`, map[string]string{"": "JSON object"}},
		{"null", models.KindRSS, `null`, map[string]string{"": "JSON object"}},
		{"a typo", models.KindHTML, `{"item": "li", "itme": "li"}`, map[string]string{"itme": "is not a setting; the settings are item, title"}},
		{"wrong types", models.KindHTML, `{"item": 3, "follow_limit": "5", "keywords": "ESSA", "cancel_vanished": "no"}`,
			map[string]string{"item": "must be a string", "follow_limit": "must be a whole number",
				"keywords": "must be a list of strings", "cancel_vanished": "must be true or false"}},
		{"bad selectors", models.KindHTML, `{"item": "li[", "title": "h3 >", "detail": ":nope(x)"}`,
			map[string]string{"item": `"li[" is not a CSS selector`, "title": `"h3 >" is not a CSS selector`,
				"detail": "is not a CSS selector"}},
		{"bad patterns", models.KindPDF, `{"follow": "(", "split": "[a-"}`,
			map[string]string{"follow": `"(" is not a regular expression`, "split": `"[a-" is not a regular expression`}},
		{"html without item", models.KindHTML, `{"title": "h3"}`, map[string]string{"item": "is required for an html source"}},
		{"blank item", models.KindHTML, `{"item": "  "}`, map[string]string{"item": "is required for an html source"}},
		{"follow limit out of range", models.KindHTML, `{"item": "li", "follow_limit": 1000}`,
			map[string]string{"follow_limit": "must be from 0"}},
		{"negative follow limit", models.KindHTML, `{"item": "li", "follow_limit": -1}`,
			map[string]string{"follow_limit": "must be from 0"}},
		{"blank keyword", models.KindRSS, `{"keywords": ["ESSA", " "]}`, map[string]string{"keywords": "blank keyword"}},
	}
	for _, tt := range tests {
		got := CheckSettings(tt.kind, []byte(tt.raw))
		if len(got) != len(tt.want) {
			t.Errorf("%s: CheckSettings = %v, want problems with %v", tt.name, got, tt.want)
			continue
		}
		for field, part := range tt.want {
			if !strings.Contains(got[field], part) {
				t.Errorf("%s: %q: %q, want it to say %q", tt.name, field, got[field], part)
			}
		}
	}
}

// TestCheckSettingsAgreesWithRuns: settings CheckSettings accepts are read
// by ParseHTML without error, and the selector it refuses is one ParseHTML
// refuses too, so the check and the run never disagree.
func TestCheckSettingsAgreesWithRuns(t *testing.T) {
	page := []byte(`<ul><li class="news"><h3>Listening session</h3><a href="/s/1">more</a></li></ul>`)
	good := `{"item": "li.news", "title": "h3", "link": "a"}`
	if p := CheckSettings(models.KindHTML, []byte(good)); len(p) != 0 {
		t.Fatalf("good settings refused: %v", p)
	}
	s, _ := ParseSettings([]byte(good))
	if items, err := ParseHTML(page, "https://example.org/", s); err != nil || len(items) != 1 {
		t.Errorf("ParseHTML with accepted settings: %v, %v", items, err)
	}
	bad := `{"item": "li.news", "title": "h3["}`
	if p := CheckSettings(models.KindHTML, []byte(bad)); p["title"] == "" {
		t.Errorf("bad title selector accepted: %v", p)
	}
	s, _ = ParseSettings([]byte(bad))
	if _, err := ParseHTML(page, "https://example.org/", s); err == nil {
		t.Error("ParseHTML read a title selector CheckSettings refuses")
	}
}
