package registry

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"heard/models"
)

//go:embed sources.json
var data []byte

// Entry is one source of the registry.
type Entry struct {
	// Jurisdiction is the two-letter code the source belongs to.
	Jurisdiction string `json:"jurisdiction"`
	// Kind is the format the source is read as.
	Kind models.SourceKind `json:"kind"`
	// URL is the https address fetched.
	URL string `json:"url"`
	// Name is what staff see in lists.
	Name string `json:"name"`
	// Settings are the source's extraction settings (a JSON object).
	Settings json.RawMessage `json:"settings"`
	// Enabled registers the source switched on. An HTML entry needs an
	// item selector to be enabled.
	Enabled bool `json:"enabled"`
	// Verified says someone checked the address and what it holds.
	Verified bool `json:"verified"`
	// Notes say how sure the entry is and what is left to check.
	Notes string `json:"notes"`
}

// Source is the entry as a source to register.
func (e Entry) Source() models.Source {
	return models.Source{
		Jurisdiction: e.Jurisdiction,
		Kind:         e.Kind,
		URL:          e.URL,
		Name:         e.Name,
		Settings:     e.Settings,
		Enabled:      e.Enabled,
		Verified:     e.Verified,
	}
}

// Codes are the 52 jurisdictions' postal codes, as seeded by the
// jurisdictions migration.
var Codes = strings.Fields(`AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO
	MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR`)

// Load reads the embedded registry and validates every entry; an invalid
// or repeated entry fails the whole load, naming each problem.
func Load() ([]Entry, error) { return parse(data) }

func parse(b []byte) ([]Entry, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var entries []Entry
	if err := dec.Decode(&entries); err != nil {
		return nil, fmt.Errorf("source registry: %w", err)
	}
	var errs []error
	seen := map[string]int{}
	for i := range entries {
		e := &entries[i]
		e.Jurisdiction = models.NormalizeCode(e.Jurisdiction)
		if len(bytes.TrimSpace(e.Settings)) == 0 {
			e.Settings = json.RawMessage(`{}`)
		}
		if err := e.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("entry %d (%s %s): %w", i, e.Jurisdiction, e.URL, err))
			continue
		}
		key := e.Jurisdiction + " " + e.URL
		if j, dup := seen[key]; dup {
			errs = append(errs, fmt.Errorf("entry %d (%s %s): repeats entry %d", i, e.Jurisdiction, e.URL, j))
			continue
		}
		seen[key] = i
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("source registry: %w", err)
	}
	return entries, nil
}

// Validate checks one entry as Load reads it.
func (e Entry) Validate() error {
	fields := map[string]string{}
	if !slices.Contains(Codes, models.NormalizeCode(e.Jurisdiction)) {
		fields["jurisdiction"] = fmt.Sprintf("%q is not one of the 52 jurisdiction codes", e.Jurisdiction)
	}
	if !slices.Contains(models.SourceKinds, e.Kind) {
		fields["kind"] = fmt.Sprintf("%q is not a source kind", e.Kind)
	}
	if u, err := url.Parse(e.URL); err != nil || u.Scheme != "https" || u.Host == "" {
		fields["url"] = fmt.Sprintf("%q is not an https address", e.URL)
	}
	if strings.TrimSpace(e.Name) == "" {
		fields["name"] = "is empty"
	}
	var settings struct {
		Item string `json:"item"`
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(e.Settings, &obj); err != nil || obj == nil {
		fields["settings"] = "is not a JSON object"
	} else if err := json.Unmarshal(e.Settings, &settings); err != nil {
		fields["settings"] = err.Error()
	} else if e.Enabled && e.Kind == models.KindHTML && strings.TrimSpace(settings.Item) == "" {
		fields["enabled"] = "an HTML source needs an item selector before it can be enabled"
	}
	if len(fields) > 0 {
		return &models.ValidationError{Fields: fields}
	}
	return nil
}
