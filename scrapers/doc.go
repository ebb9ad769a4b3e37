// Package scrapers collects engagement evidence: the fetcher, the parsers
// (RSS/Atom feeds and HTML list pages), rule-based extraction of activities
// from parsed items, the runner that takes a source from fetch to stored
// activities, and the demo corpus.
//
// Fetching and parsing are separate: a parser is a pure function from bytes
// to Items, so it can be golden-tested and fuzzed. It imports models and
// never gin, net/http handlers, heard/handlers or heard/cmd.
package scrapers
