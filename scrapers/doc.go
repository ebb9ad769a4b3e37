// Package scrapers collects engagement evidence: the fetcher, the parsers
// (RSS/Atom feeds, HTML list pages, iCalendar feeds and PDFs), rule-based
// extraction of activities from parsed items, and the runner that takes a
// source from fetch to stored activities. The demo corpus is in
// scrapers/demo.
//
// The fetcher is polite and guarded: it identifies itself, honours
// robots.txt and Crawl-delay, rate-limits each host, retries only what is
// worth retrying, caps bodies and redirects, and refuses private and other
// special-purpose addresses at dial time (HEARD_ALLOW_PRIVATE_NETWORKS
// lifts that for tests).
//
// Fetching and parsing are separate: a parser is a pure function from bytes
// to Items, golden-tested over the fixture corpus in testdata/ and fuzzed.
// The runner stores each source's results in one transaction, keeps every
// body as a snapshot, cancels upcoming activities that vanish from their
// source rather than deleting them, and tracks each source's health.
//
// Evidence submitted by URL, by staff or by anyone, is read by
// ReadEvidence through the same guarded fetcher into one classified
// record; what cannot be fetched or read is still returned, with its
// error, so that nothing a person sent is dropped.
//
// It imports models and never gin, net/http handlers, heard/handlers or
// heard/cmd.
package scrapers
