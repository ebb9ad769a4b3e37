package registry

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"heard/models"
	"heard/scrapers"
)

func TestLoadCoversEveryJurisdiction(t *testing.T) {
	entries, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(Codes) != 52 {
		t.Fatalf("%d jurisdiction codes, want 52", len(Codes))
	}
	per := map[string]int{}
	urls := map[string]string{}
	for _, e := range entries {
		per[e.Jurisdiction]++
		if prev, dup := urls[e.URL]; dup {
			t.Errorf("%s is listed for %s and %s", e.URL, prev, e.Jurisdiction)
		}
		urls[e.URL] = e.Jurisdiction
		if e.Verified {
			t.Errorf("%s %s is marked verified: nobody here can check it", e.Jurisdiction, e.URL)
		}
		if err := e.Validate(); err != nil {
			t.Errorf("%s %s: %v", e.Jurisdiction, e.URL, err)
		}
		if strings.TrimSpace(e.Notes) == "" {
			t.Errorf("%s %s has no notes", e.Jurisdiction, e.URL)
		}
		// Settings must mean something to the scrapers: a misspelt key
		// would be ignored without a word.
		dec := json.NewDecoder(bytes.NewReader(e.Settings))
		dec.DisallowUnknownFields()
		var s scrapers.Settings
		if err := dec.Decode(&s); err != nil {
			t.Errorf("%s %s: settings: %v", e.Jurisdiction, e.URL, err)
		}
		if e.Kind == models.KindHTML && s.Item == "" && !strings.Contains(e.Notes, "needs selectors") {
			t.Errorf("%s %s has no selectors and its notes do not say it needs them", e.Jurisdiction, e.URL)
		}
	}
	for _, code := range Codes {
		if per[code] == 0 {
			t.Errorf("no source for %s", code)
		}
	}
}

func TestParseRefusesBadEntries(t *testing.T) {
	const good = `{"jurisdiction": "oh", "kind": "rss", "url": "https://a.example/feed", "name": "Feed",
		"settings": {}, "verified": false, "notes": "n"}`
	tests := []struct {
		name, json, want string
	}{
		{"unknown jurisdiction", `[{"jurisdiction": "ZZ", "kind": "rss", "url": "https://a.example/", "name": "n", "settings": {}}]`, "jurisdiction"},
		{"unknown kind", `[{"jurisdiction": "OH", "kind": "gopher", "url": "https://a.example/", "name": "n", "settings": {}}]`, "kind"},
		{"plain http", `[{"jurisdiction": "OH", "kind": "rss", "url": "http://a.example/", "name": "n", "settings": {}}]`, "url"},
		{"settings not an object", `[{"jurisdiction": "OH", "kind": "rss", "url": "https://a.example/", "name": "n", "settings": [1]}]`, "settings"},
		{"enabled html without selectors", `[{"jurisdiction": "OH", "kind": "html", "url": "https://a.example/", "name": "n", "settings": {}, "enabled": true}]`, "item selector"},
		{"unknown field", `[{"jurisdiction": "OH", "kind": "rss", "url": "https://a.example/", "name": "n", "verifed": true}]`, "verifed"},
		{"repeated", `[` + good + `,` + good + `]`, "repeats entry 0"},
	}
	for _, tt := range tests {
		_, err := parse([]byte(tt.json))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want one mentioning %q", tt.name, err, tt.want)
		}
	}
	entries, err := parse([]byte(`[` + good + `]`))
	if err != nil || len(entries) != 1 || entries[0].Jurisdiction != "OH" {
		t.Fatalf("good entry: %+v, %v", entries, err)
	}
	src := entries[0].Source()
	if src.Jurisdiction != "OH" || src.Kind != models.KindRSS || src.Enabled || src.Verified {
		t.Errorf("Source() = %+v", src)
	}
}
