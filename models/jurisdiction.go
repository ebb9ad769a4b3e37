package models

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Jurisdiction is one of the 52 places Heard scores: a state, DC or PR.
type Jurisdiction struct {
	Code         string `db:"code" json:"code"`
	FIPS         string `db:"fips" json:"fips"`
	Name         string `db:"name" json:"name"`
	TimeZone     string `db:"time_zone" json:"time_zone"`
	CensusRegion string `db:"census_region" json:"census_region"`
	TileRow      int    `db:"tile_row" json:"tile_row"`
	TileCol      int    `db:"tile_col" json:"tile_col"`
	// FederallyRecognizedTribes is false where no federally recognized tribe
	// has land or headquarters in the jurisdiction; the tribal criterion is
	// then not applicable.
	FederallyRecognizedTribes bool `db:"federally_recognized_tribes" json:"federally_recognized_tribes"`
}

// Location is the jurisdiction's time zone, UTC if it cannot be loaded.
func (j Jurisdiction) Location() *time.Location { return Zone(j.TimeZone) }

var postalCode = regexp.MustCompile(`^\s*[A-Za-z]{2}\s*$`)

// NormalizeCode upper-cases a postal code so lookups are case-insensitive.
func NormalizeCode(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

const jurisdictionColumns = `code, fips, name, time_zone, census_region, tile_row, tile_col,
	federally_recognized_tribes`

// Jurisdictions returns all jurisdictions ordered by name.
func (s *Store) Jurisdictions(ctx context.Context) ([]Jurisdiction, error) {
	out := []Jurisdiction{}
	err := s.q.SelectContext(ctx, &out, `SELECT `+jurisdictionColumns+` FROM jurisdictions ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("jurisdictions: %w", err)
	}
	return out, nil
}

// JurisdictionByCode returns the jurisdiction with the postal code, in any case.
func (s *Store) JurisdictionByCode(ctx context.Context, code string) (Jurisdiction, error) {
	var j Jurisdiction
	if !postalCode.MatchString(code) {
		// Not even the shape of a code (or bytes PostgreSQL refuses, such as
		// NUL): no such jurisdiction, without asking the database.
		return j, fmt.Errorf("jurisdiction %q: %w", code, ErrNotFound)
	}
	err := s.q.GetContext(ctx, &j, `SELECT `+jurisdictionColumns+` FROM jurisdictions WHERE code = $1`, NormalizeCode(code))
	if err != nil {
		return j, wrapErr("jurisdiction "+code, err)
	}
	return j, nil
}
