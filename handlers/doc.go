// Package handlers owns Heard's HTTP surface: the gin route table (one
// Register), the JSON API under /api/v1, health endpoints and the
// server-rendered pages.
//
// It imports models, frontend and gin. It must not import heard/scrapers or
// heard/cmd: when an endpoint needs work done elsewhere it declares a small
// interface that cmd satisfies.
package handlers
