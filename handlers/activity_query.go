package handlers

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"heard/models"
)

// MaxQueryLen caps the full-text query q, in characters.
const MaxQueryLen = 200

// activityQuery is the query string of the activity listings. Every field
// is a string so that binding never fails and parse can name each bad value;
// type, phase and group may be repeated (type=a&type=b) or comma-separated
// (type=a,b), and mean any of the values.
type activityQuery struct {
	Page     string   `form:"page"`
	PerPage  string   `form:"per_page"`
	State    string   `form:"state"`
	Type     []string `form:"type"`
	Phase    []string `form:"phase"`
	Group    []string `form:"group"`
	From     string   `form:"from"`
	To       string   `form:"to"`
	Upcoming string   `form:"upcoming"`
	Q        string   `form:"q"`
}

// parse turns the query into a filter and its page, collecting a message for
// every bad field rather than stopping at the first. now is the clock of
// upcoming. State is left to the handler: only the listing of every
// jurisdiction reads it, and whether it exists is the database's to say.
func (q activityQuery) parse(now time.Time) (f models.ActivityFilter, page, perPage int, fields map[string]string) {
	fields = map[string]string{}
	page, perPage, err := pageQuery{Page: q.Page, PerPage: q.PerPage}.parse()
	var verr *models.ValidationError
	if errors.As(err, &verr) {
		for k, v := range verr.Fields {
			fields[k] = v
		}
	}
	f = models.ActivityFilter{Limit: perPage, Offset: (page - 1) * perPage, Now: now}

	f.Types = vocabList(fields, "type", "activity type", q.Type, models.ActivityTypes)
	f.Phases = vocabList(fields, "phase", "plan phase", q.Phase, models.PlanPhases)
	f.Groups = vocabList(fields, "group", "audience group", q.Group, models.AudienceGroups)

	if q.From != "" {
		if t, ok := parseInstant(q.From, false); ok {
			f.From = &t
		} else {
			fields["from"] = fmt.Sprintf("%q is not a date: use RFC 3339 (2026-03-02T09:00:00Z) or YYYY-MM-DD", q.From)
		}
	}
	if q.To != "" {
		if t, ok := parseInstant(q.To, true); ok {
			f.To = &t
		} else {
			fields["to"] = fmt.Sprintf("%q is not a date: use RFC 3339 (2026-03-02T09:00:00Z) or YYYY-MM-DD", q.To)
		}
	}
	if f.From != nil && f.To != nil && f.From.After(*f.To) {
		fields["to"] = fmt.Sprintf("must not be before from (%s)", q.From)
	}

	switch q.Upcoming {
	case "", "false":
	case "true":
		f.Upcoming = true
	default:
		fields["upcoming"] = fmt.Sprintf("must be true or false, not %q", q.Upcoming)
	}

	f.Query = strings.TrimSpace(q.Q)
	switch {
	case !utf8.ValidString(f.Query) || strings.ContainsRune(f.Query, 0):
		fields["q"] = "must be UTF-8 text"
	case utf8.RuneCountInString(f.Query) > MaxQueryLen:
		fields["q"] = fmt.Sprintf("must be at most %d characters, not %d", MaxQueryLen, utf8.RuneCountInString(f.Query))
	}
	return f, page, perPage, fields
}

// vocabList splits the values of a repeatable, comma-separated parameter,
// drops blanks and repeats, and checks each against the vocabulary, naming
// every value that is not in it.
func vocabList[T ~string](fields map[string]string, field, noun string, raw []string, vocab []T) []T {
	var out []T
	var bad []string
	for _, r := range raw {
		for v := range strings.SplitSeq(r, ",") {
			v = strings.TrimSpace(v)
			switch {
			case v == "":
			case !slices.Contains(vocab, T(v)):
				bad = append(bad, fmt.Sprintf("%q", v))
			case !slices.Contains(out, T(v)):
				out = append(out, T(v))
			}
		}
	}
	if len(bad) > 0 {
		names := make([]string, len(vocab))
		for i, v := range vocab {
			names[i] = string(v)
		}
		fields[field] = fmt.Sprintf("unknown %s %s: use one of %s", noun, strings.Join(bad, ", "), strings.Join(names, ", "))
	}
	return out
}

// stateMessage is the error of an unknown state parameter.
func stateMessage(state string) string {
	return fmt.Sprintf("unknown state %q: use the postal code of a state, DC or PR", state)
}

func isPostalCode(s string) bool {
	if len(s) != 2 {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') {
			return false
		}
	}
	return true
}

// parseInstant reads an RFC 3339 time or a YYYY-MM-DD date in UTC. A date
// that ends a range means the whole day: up to its last microsecond, the
// finest time PostgreSQL keeps (a nanosecond later would round up to the
// next day). A '+' of an offset sent unencoded arrives as a space and is
// read back as '+'.
func parseInstant(s string, endOfDay bool) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.RFC3339, strings.Replace(s, " ", "+", 1)); err == nil {
		return t, true
	}
	d, err := time.ParseInLocation(time.DateOnly, s, time.UTC)
	if err != nil {
		return time.Time{}, false
	}
	if endOfDay {
		d = d.AddDate(0, 0, 1).Add(-time.Microsecond)
	}
	return d, true
}
