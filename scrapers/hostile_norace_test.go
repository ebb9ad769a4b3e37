//go:build !race

package scrapers

// hostileSlowdown stretches the hostile fixture's timeouts and time bounds,
// under the race detector only (see hostile_race_test.go).
const hostileSlowdown = 1
