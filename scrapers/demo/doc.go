// Package demo serves a synthetic corpus of state education agency news
// feeds and engagement pages on a loopback port, so Heard can be shown and
// tested end to end without touching real state websites.
//
// Every item is generated deterministically from the jurisdiction code and
// an anchor time, carries a "[Demo]" title prefix and says it is
// demonstration data, so it can never pass for a real state's actions. The
// states differ on purpose, from thin to exemplary engagement, so that
// scores computed from the corpus spread across the levels.
//
// It imports only models and the standard library. Package scrapers must
// never import it: the corpus is read through the same fetch, parse and
// extract path as any real source.
package demo
