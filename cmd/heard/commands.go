package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"text/tabwriter"

	"heard/cmd/heard/embedded"
	"heard/migrations"
	"heard/models"
)

func cmdMigrate(ctx context.Context, cfg config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) != 1 || (args[0] != "up" && args[0] != "status") {
		return fmt.Errorf("%w: migrate takes up or status", errUsage)
	}
	d, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close(context.WithoutCancel(ctx))
	if args[0] == "up" {
		if err := migrateUp(ctx, d.DB, log); err != nil {
			return err
		}
	}
	p, err := migrations.NewProvider(d.DB.DB)
	if err != nil {
		return err
	}
	statuses, err := p.Status(ctx)
	if err != nil {
		return fmt.Errorf("migration status: %w", err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tSTATE\tAPPLIED AT\tFILE")
	for _, s := range statuses {
		at := "-"
		if !s.AppliedAt.IsZero() {
			at = s.AppliedAt.UTC().Format("2006-01-02 15:04:05")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", s.Source.Version, s.State, at, s.Source.Path)
	}
	return tw.Flush()
}

// openPipeline parses the --state flag of scrape and score, then opens the
// migrated database and a pipeline over it. code is "" for all jurisdictions.
func openPipeline(ctx context.Context, cfg config, log *slog.Logger, name string, args []string) (*database, *pipeline, string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	state := fs.String("state", "", "two-letter code of one jurisdiction (default: all)")
	if err := parseFlags(fs, args); err != nil {
		return nil, nil, "", err
	}
	code := models.NormalizeCode(*state)
	d, store, err := openStore(ctx, cfg, log)
	if err != nil {
		return nil, nil, "", err
	}
	if code != "" {
		if _, err := store.JurisdictionByCode(ctx, code); err != nil {
			d.Close(ctx)
			return nil, nil, "", fmt.Errorf("%w: --state %s is not a jurisdiction code", errUsage, code)
		}
	}
	return d, newPipeline(store, log, cfg), code, nil
}

// cmdScrape runs every enabled source (of one jurisdiction with --state),
// or the one source --source names, whatever their schedule, then prints
// a summary table and rescores what changed. On a terminal a progress bar
// on stderr follows the sources; anywhere else only the log does.
func cmdScrape(ctx context.Context, cfg config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("scrape", flag.ContinueOnError)
	state := fs.String("state", "", "two-letter code of one jurisdiction (default: all)")
	sourceID := fs.Int64("source", 0, "id of the one source to run (see `heard sources list`)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *sourceID < 0 {
		return fmt.Errorf("%w: scrape: --source %d is not a source id", errUsage, *sourceID)
	}
	d, p, code, err := openPipeline(ctx, cfg, log, "scrape", []string{"--state", *state})
	if err != nil {
		return err
	}
	defer d.Close(context.WithoutCancel(ctx))
	srcs, err := scrapeSources(ctx, p.store, code, *sourceID)
	if err != nil {
		return err
	}

	bar := newProgress(stderr, len(srcs))
	if bar != nil {
		p.runner.Log = newLogger(bar, cfg.LogFormat, cfg.LogLevel)
	}
	runs := []models.ScrapeRun{}
	var unrecorded []error
	for i, src := range srcs {
		if err := ctx.Err(); err != nil {
			unrecorded = append(unrecorded, err)
			break
		}
		bar.Step(i+1, src.Jurisdiction+" "+cmp.Or(src.Name, src.URL))
		run, err := p.runner.RunSource(ctx, src)
		if run.ID == 0 && err != nil {
			unrecorded = append(unrecorded, err) // the runner logged it
			continue
		}
		runs = append(runs, run)
	}
	bar.Finish()

	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tSOURCE\tSTATE\tSTATUS\tFOUND\tINSERTED\tUPDATED\tUNCHANGED\tERROR")
	failed := 0
	for _, r := range runs {
		if r.Status != "ok" {
			failed++
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%d\t%d\t%d\t%d\t%s\n", r.ID, r.SourceID, r.Jurisdiction, r.Status,
			r.Found, r.Inserted, r.Updated, r.Unchanged, r.Error)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if _, err := p.rescore(ctx, changed(runs), "scrape"); err != nil {
		return err
	}
	if err := errors.Join(unrecorded...); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d sources failed", failed, len(runs))
	}
	return nil
}

func cmdScore(ctx context.Context, cfg config, log *slog.Logger, args []string, stdout io.Writer) error {
	d, p, code, err := openPipeline(ctx, cfg, log, "score", args)
	if err != nil {
		return err
	}
	defer d.Close(context.WithoutCancel(ctx))
	store := p.store
	var codes []string
	if code != "" {
		codes = []string{code}
	}
	if _, err := p.rescore(ctx, codes, "manual"); err != nil {
		return err
	}
	rubric, err := store.CurrentRubric(ctx)
	if err != nil {
		return err
	}
	sums, err := store.ScoreSummaries(ctx, rubric.Version, models.Draft)
	if err != nil {
		return err
	}
	// These are drafts: the public sees a scorecard once staff publish it
	// after the agency's right of reply (/staff/states/XX).
	fmt.Fprintln(stdout, "Draft scores (published through the staff workspace):")
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STATE\tOVERALL\tCOVERAGE\tLEVEL")
	for _, s := range sums {
		if code != "" && s.Code != code {
			continue
		}
		overall, coverage := "-", "-"
		if s.Overall != nil {
			overall = fmt.Sprintf("%.1f", *s.Overall)
		}
		if s.Coverage != nil {
			coverage = fmt.Sprintf("%.0f%%", *s.Coverage)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Code, overall, coverage, s.Level.Label())
	}
	return tw.Flush()
}

// cmdDB manages the embedded cluster by hand: `db start` keeps it running
// after heard exits (for tests and psql), `db stop` stops it, `db url`
// prints its connection URL.
func cmdDB(ctx context.Context, cfg config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return fmt.Errorf("%w: db takes start, stop or url", errUsage)
	}
	c := embedded.New(cfg.DataDir, log)
	switch args[0] {
	case "start":
		if _, err := c.Start(ctx); err != nil {
			return err
		}
		if err := os.WriteFile(keepMarker(c), []byte("started by `heard db start`\n"), 0o644); err != nil {
			return fmt.Errorf("mark cluster kept: %w", err)
		}
		fmt.Fprintln(stdout, c.URL("heard"))
	case "stop":
		if err := c.Stop(ctx); err != nil {
			return err
		}
		if err := os.Remove(keepMarker(c)); err != nil && !os.IsNotExist(err) {
			return err
		}
	case "url":
		fmt.Fprintln(stdout, c.URL("heard"))
	default:
		return fmt.Errorf("%w: db takes start, stop or url", errUsage)
	}
	return nil
}

// cmdOverride records a staff override of one criterion, its audit entry
// and the rescore of the jurisdiction in one transaction, as the staff API
// does: the score changes at once, the override joins its history, and the
// audit log names the account that ran the command.
func cmdOverride(ctx context.Context, cfg config, log *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("override", flag.ContinueOnError)
	state := fs.String("state", "", "two-letter code of the jurisdiction (required)")
	key := fs.String("criterion", "", "criterion key, e.g. comment (required)")
	score := fs.Int("score", -1, "the staff score, 0 to 4")
	noneFound := fs.Bool("none-found", false, "staff searched and found no evidence: the criterion scores 0")
	clear := fs.Bool("clear", false, "withdraw the override in force")
	justification := fs.String("justification", "", "why (required)")
	author := fs.String("author", cliUserName(user.Current, os.Getenv), "who decided")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	kinds := 0
	o := models.Override{Jurisdiction: *state, CriterionKey: *key, Justification: *justification, Author: *author}
	if *score >= 0 {
		o.Kind, o.Score, kinds = models.OverrideScore, *score, kinds+1
	}
	if *noneFound {
		o.Kind, kinds = models.OverrideNoneFound, kinds+1
	}
	if *clear {
		o.Kind, kinds = models.OverrideCleared, kinds+1
	}
	if *state == "" || *key == "" || kinds != 1 {
		return fmt.Errorf("%w: override needs --state, --criterion and one of --score, --none-found or --clear", errUsage)
	}
	d, p, code, err := openPipeline(ctx, cfg, log, "override", []string{"--state", *state})
	if err != nil {
		return err
	}
	defer d.Close(context.WithoutCancel(ctx))
	o.Jurisdiction = code
	saved, card, err := p.store.RecordOverride(ctx, o, cliActor(), p.now())
	if err != nil {
		return err
	}
	overall := "-"
	if card.Overall != nil {
		overall = fmt.Sprintf("%.1f", *card.Overall)
	}
	fmt.Fprintf(stdout, "override %d on %s/%s recorded; %s now %s (%s)\n", saved.ID, code, saved.CriterionKey,
		code, overall, card.Level.Label())
	return nil
}
