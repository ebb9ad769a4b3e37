// Command heard collects state ESSA stakeholder-engagement activity, scores
// it against the rubric and serves the scorecards. Run `heard help`.
//
// It owns the wiring: subcommands, configuration from flags and the
// environment, the gocron scheduler, graceful shutdown and the embedded
// default database (package embedded). It may import every heard package;
// nothing imports it.
package main
