package scrapers

import (
	"regexp"
	"strings"
)

// Regions are read from the place first, then from the text: the access
// criterion counts how many parts of a state sessions reached.
var (
	countyRe    = regexp.MustCompile(`\b((?:[A-Z][a-zA-Z'.]+ ){0,2}[A-Z][a-zA-Z'.]+) (County|Parish|Borough)\b`)
	numberedRe  = regexp.MustCompile(`\b(?:Region|Regional Service Area|ESC Region|BOCES Region) ([0-9]{1,2}|[IVX]{1,5})\b`)
	municipioRe = regexp.MustCompile(`\b[Mm]unicipio de ((?:[A-ZÁÉÍÓÚÑ][\p{L}]+ ?){1,3})`)
	compassRe   = regexp.MustCompile(`\b(Northern|Southern|Eastern|Western|Central|Northeast(?:ern)?|Northwest(?:ern)?|Southeast(?:ern)?|Southwest(?:ern)?|North|South|East|West)(?: Central)? ((?:[A-Z][a-z]+ ?){1,2})`)
)

// notCounties are capitalised words that end up before "County" without
// naming one ("each County", "the County").
var notCounties = map[string]bool{"Each": true, "The": true, "Every": true, "Our": true, "Your": true, "Any": true, "All": true}

// region names the county, numbered region or compass part of the state an
// activity was held in, with the rule that found it.
func region(place, text, stateName string) (string, string) {
	for _, s := range []string{place, text} {
		if s == "" {
			continue
		}
		if m := countyRe.FindStringSubmatch(s); m != nil {
			words := strings.Fields(m[1])
			for len(words) > 1 && notCounties[words[0]] {
				words = words[1:]
			}
			if !notCounties[words[0]] {
				return strings.Join(words, " ") + " " + m[2], "region:county"
			}
		}
		if m := numberedRe.FindStringSubmatch(s); m != nil {
			return "Region " + m[1], "region:numbered"
		}
		if m := municipioRe.FindStringSubmatch(s); m != nil {
			return "Municipio de " + strings.TrimSpace(m[1]), "region:municipio"
		}
		for _, m := range compassRe.FindAllStringSubmatch(s, -1) {
			if strings.TrimSpace(m[2]) == stateName {
				return strings.TrimSpace(m[0]), "region:compass"
			}
		}
	}
	return "", ""
}
