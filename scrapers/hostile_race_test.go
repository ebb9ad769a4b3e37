//go:build race

package scrapers

// hostileSlowdown stretches the hostile fixture's timeouts and time bounds:
// the race detector makes every memory access several times slower, and a
// body of the cap would not be read within the usual timeout.
const hostileSlowdown = 10
