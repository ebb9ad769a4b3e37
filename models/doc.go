// Package models owns Heard's domain: the controlled vocabularies of
// DOMAIN.md, jurisdictions, the rubric, activities and sources, the pure
// scoring engine, and Store, which holds every SQL statement.
//
// It imports only the standard library, sqlx, lib/pq and golang.org/x/crypto
// (argon2id password hashing). It must not import gin, net/http handlers,
// heard/handlers, heard/scrapers or heard/cmd: it knows nothing of HTTP or of
// how evidence is collected.
package models
