// Package migrations holds Heard's schema as numbered goose SQL files,
// embedded in the binary, and the goose Provider that applies them.
//
// It imports only embed, database/sql and goose. It must not import any
// other heard package. Files are never edited once they have landed; a
// change is a new file.
package migrations
