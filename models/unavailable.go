package models

import (
	"database/sql/driver"
	"errors"
	"net"
	"strings"

	"github.com/lib/pq"
)

// IsUnavailable reports whether err means the database could not be
// reached or went away — it is down, restarting, refusing connections or
// dropped this one — rather than that a statement was wrong. Such a
// failure says nothing about the request or the source that met it: the
// same work succeeds once PostgreSQL is back, so handlers answer 503 and
// the scraper records an interrupted run instead of a failed one.
//
// err must be the database's: an HTTP client's network error (a refused
// or dropped connection) looks the same.
//
// It recognises what lib/pq and database/sql return in those cases: a
// failed dial or a broken socket (*net.OpError), a connection database/sql
// has given up on (driver.ErrBadConn), and the server's own errors of class
// 08 (connection exception), 57P01–57P03 (shut down by an administrator,
// after a crash, or not accepting connections yet) and 53300 (too many
// connections).
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, driver.ErrBadConn) {
		return true
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		code := string(pqErr.Code)
		switch {
		case strings.HasPrefix(code, "08"), code == "57P01", code == "57P02", code == "57P03", code == "53300":
			return true
		}
		return false
	}
	var opErr *net.OpError
	return errors.As(err, &opErr)
}
