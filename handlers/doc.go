// Package handlers owns Heard's HTTP surface: the gin route table (one
// Register), the JSON API under /api/v1, health endpoints and the
// server-rendered pages, and its security: staff sessions (scs over
// PostgreSQL) and role guards, CSRF refusal, login throttling and the
// security headers of every response.
//
// It imports models, frontend, gin and scs. It must not import heard/scrapers or
// heard/cmd: when an endpoint needs work done elsewhere it declares a small
// interface that cmd satisfies.
package handlers
