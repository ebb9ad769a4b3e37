package models

import (
	"sync"
	"time"
)

// zones caches loaded time zones: time.LoadLocation reads the zone database
// on every call, and Heard meets the same few zones on every row it shows.
var zones sync.Map // name → *time.Location

// Zone returns the named IANA time zone, UTC when it cannot be loaded.
func Zone(name string) *time.Location {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = time.UTC
	}
	zones.Store(name, loc)
	return loc
}
