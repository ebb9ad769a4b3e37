// Package registry is the list of real sources Heard knows per jurisdiction,
// kept as data (sources.json) in the repository and registered in the
// database by `heard sources sync`.
//
// Every entry starts unverified: nobody has yet checked that its address
// is live and that it says what its notes claim. An HTML entry without CSS
// selectors is registered disabled, so the scheduler never fetches a page
// it cannot read.
//
// It imports only models and the standard library; it reads no network and
// no database.
package registry
