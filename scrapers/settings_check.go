package scrapers

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/andybalholm/cascadia"

	"heard/models"
)

// MaxFollowLimit caps a source's follow_limit: each followed page waits its
// turn behind the host's rate limit, so a typo of 2000 would hold one run
// for the better part of an hour.
const MaxFollowLimit = 100

// CheckSettings says what is wrong with a source's settings before any run
// reads them, each problem keyed by the setting's JSON name ("item",
// "follow"), or by "" when the whole is not a JSON object. It finds what
// would fail every run (a selector or pattern that does not compile, a list
// page without an item selector) and what a run would silently ignore (a
// name that is no setting, so a typo of "itme" is not taken for a page with
// nothing on it). An empty map means a run can read them.
func CheckSettings(kind models.SourceKind, raw []byte) map[string]string {
	fields := map[string]string{}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		fields[""] = `must be a JSON object, such as {"item": "li.news"}`
		return fields
	}
	names, types := settingFields()
	for name, value := range obj {
		t, ok := types[name]
		if !ok {
			fields[name] = "is not a setting; the settings are " + strings.Join(names, ", ")
			continue
		}
		if err := json.Unmarshal(value, reflect.New(t).Interface()); err != nil {
			fields[name] = "must be " + describeType(t)
		}
	}
	if len(fields) > 0 {
		return fields // the values below could not be read
	}
	s, err := ParseSettings(raw)
	if err != nil {
		fields[""] = err.Error() // not reached: every field was read above
		return fields
	}
	for name, css := range map[string]string{"item": s.Item, "title": s.Title, "link": s.Link, "date": s.Date,
		"description": s.Description, "location": s.Location, "published": s.Published, "detail": s.Detail} {
		if strings.TrimSpace(css) == "" {
			continue
		}
		if _, err := cascadia.Compile(css); err != nil {
			fields[name] = fmt.Sprintf("%q is not a CSS selector: %v", css, err)
		}
	}
	for name, pattern := range map[string]string{"follow": s.Follow, "split": s.Split} {
		if _, err := regexp.Compile(pattern); err != nil {
			fields[name] = fmt.Sprintf("%q is not a regular expression: %v", pattern, err)
		}
	}
	if kind == models.KindHTML && strings.TrimSpace(s.Item) == "" {
		fields["item"] = "is required for an html source: the CSS selector of each entry of the list"
	}
	if s.FollowLimit < 0 || s.FollowLimit > MaxFollowLimit {
		fields["follow_limit"] = fmt.Sprintf("must be from 0 (the default, %d) to %d", DefaultFollowLimit, MaxFollowLimit)
	}
	for _, k := range s.Keywords {
		if strings.TrimSpace(k) == "" {
			fields["keywords"] = "must not hold a blank keyword, which every item would match"
		}
	}
	return fields
}

// settingFields lists the JSON names of the settings, in the struct's
// order, and maps each to its Go type: read from Settings itself, so a new
// setting needs no second list here.
func settingFields() (names []string, types map[string]reflect.Type) {
	t := reflect.TypeFor[Settings]()
	types = make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
			types[name] = f.Type
		}
	}
	return names, types
}

// describeType names a setting's type for people.
func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return describeType(t.Elem())
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64:
		return "a whole number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list of " + strings.TrimPrefix(describeType(t.Elem()), "a ") + "s"
	}
	return t.String()
}
