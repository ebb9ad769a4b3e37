// Package modeltest gives tests a fresh, migrated PostgreSQL database each.
//
// The server comes from HEARD_TEST_DATABASE_URL (or DATABASE_URL): `make
// test` starts one and sets it. The first call migrates a template database
// once per test binary; every test then gets its own CREATE DATABASE …
// TEMPLATE copy, dropped when the test ends. Without a server the test is
// skipped, except under CI=true, where it fails: a skipped test is not a
// passing one.
//
// It is imported only by tests. It may import models and migrations, and
// must not import handlers, scrapers or cmd.
package modeltest
