package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"heard/models"
	"heard/scrapers"
	"heard/scrapers/registry"
)

const sourcesUsage = "sources takes list, add, enable ID, disable ID or sync"

// cmdSources manages the sources Heard reads: `sources list`, `add`,
// `enable ID`, `disable ID` and `sync` (from the registry kept in the
// repository).
func cmdSources(ctx context.Context, cfg config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: %s", errUsage, sourcesUsage)
	}
	var do func(ctx context.Context, store *models.Store) error
	switch sub, rest := args[0], args[1:]; sub {
	case "list":
		fs := flag.NewFlagSet("sources list", flag.ContinueOnError)
		state := fs.String("state", "", "two-letter code of one jurisdiction (default: all)")
		asJSON := fs.Bool("json", false, "print JSON instead of a table")
		if err := parseFlags(fs, rest); err != nil {
			return err
		}
		do = func(ctx context.Context, store *models.Store) error {
			return sourcesList(ctx, store, *state, *asJSON, stdout)
		}
	case "add":
		fs := flag.NewFlagSet("sources add", flag.ContinueOnError)
		state := fs.String("state", "", "two-letter code of the jurisdiction (required)")
		kind := fs.String("kind", "", "html, rss, atom, ical or pdf (required)")
		rawURL := fs.String("url", "", "http(s) address of the page, feed, calendar or document (required)")
		name := fs.String("name", "", "what staff see in lists")
		settings := fs.String("settings", "{}", "extraction settings as a JSON object (an html source needs \"item\")")
		if err := parseFlags(fs, rest); err != nil {
			return err
		}
		if *state == "" || *kind == "" || *rawURL == "" {
			return fmt.Errorf("%w: sources add needs --state, --kind and --url", errUsage)
		}
		src := models.Source{Jurisdiction: models.NormalizeCode(*state), Kind: models.SourceKind(*kind),
			URL: strings.TrimSpace(*rawURL), Name: *name, Settings: json.RawMessage(*settings), Enabled: true}
		do = func(ctx context.Context, store *models.Store) error { return sourcesAdd(ctx, store, src, stdout) }
	case "enable", "disable":
		if len(rest) != 1 {
			return fmt.Errorf("%w: sources %s takes one source id", errUsage, sub)
		}
		id, err := strconv.ParseInt(rest[0], 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("%w: sources %s: %q is not a source id", errUsage, sub, rest[0])
		}
		do = func(ctx context.Context, store *models.Store) error {
			return sourcesSetEnabled(ctx, store, id, sub == "enable", stdout)
		}
	case "sync":
		if len(rest) != 0 {
			return fmt.Errorf("%w: sources sync takes no arguments", errUsage)
		}
		do = func(ctx context.Context, store *models.Store) error { return sourcesSync(ctx, store, stdout) }
	default:
		return fmt.Errorf("%w: %s", errUsage, sourcesUsage)
	}
	d, store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close(context.WithoutCancel(ctx))
	return do(ctx, store)
}

// sourcesList prints the sources with their health.
func sourcesList(ctx context.Context, store *models.Store, state string, asJSON bool, stdout io.Writer) error {
	code := models.NormalizeCode(state)
	if code != "" {
		if err := checkJurisdiction(ctx, store, "state", code); err != nil {
			return err
		}
	}
	srcs, err := store.SourcesHealth(ctx, code)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(srcs)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tKIND\tHEALTH\tENABLED\tVERIFIED\tLAST SUCCESS\tURL")
	for _, s := range srcs {
		last := "-"
		if s.LastSuccessAt != nil {
			last = s.LastSuccessAt.UTC().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Jurisdiction, s.Kind, s.Health,
			yesNo(s.Enabled), yesNo(s.Verified), last, s.URL)
	}
	return tw.Flush()
}

// sourceTarget is how the audit log names a source, as the staff API does.
func sourceTarget(id int64) string { return fmt.Sprintf("source/%d", id) }

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// sourcesAdd validates a source given by hand, registers it enabled with
// its audit entry and prints its id alone on a line, for scripts.
func sourcesAdd(ctx context.Context, store *models.Store, src models.Source, stdout io.Writer) error {
	fields := validateSource(src)
	if err := checkJurisdiction(ctx, store, "state", src.Jurisdiction); err != nil {
		var invalid *models.ValidationError
		if !errors.As(err, &invalid) {
			return err
		}
		fields["state"] = invalid.Fields["state"]
	}
	if len(fields) > 0 {
		return &models.ValidationError{Fields: fields}
	}
	var added models.Source
	err := store.InTx(ctx, func(tx *models.Store) error {
		var err error
		if added, err = tx.AddSource(ctx, src); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, cliActor(), "source.add", sourceTarget(added.ID), nil, added)
	})
	if errors.Is(err, models.ErrConflict) {
		// The transaction is over: the existing source can be looked up.
		msg := "is already registered for " + src.Jurisdiction
		if all, lerr := store.Sources(ctx, src.Jurisdiction); lerr == nil {
			if i := slices.IndexFunc(all, func(s models.Source) bool { return s.URL == src.URL }); i >= 0 {
				msg += fmt.Sprintf(" as source %d", all[i].ID)
			}
		}
		return &models.ValidationError{Fields: map[string]string{"url": msg}}
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, added.ID)
	return nil
}

// validateSource checks what can be checked of a source without the
// database: its kind, its address and its settings, which must be read by
// the scrapers the way a run will read them.
func validateSource(src models.Source) map[string]string {
	fields := map[string]string{}
	if !slices.Contains(models.SourceKinds, src.Kind) {
		kinds := make([]string, len(models.SourceKinds))
		for i, k := range models.SourceKinds {
			kinds[i] = string(k)
		}
		fields["kind"] = fmt.Sprintf("%q is not one of %s", src.Kind, strings.Join(kinds, ", "))
	}
	if u, err := url.Parse(src.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fields["url"] = fmt.Sprintf("%q is not an http or https address", src.URL)
	}
	for name, problem := range scrapers.CheckSettings(src.Kind, src.Settings) {
		fields[strings.TrimSuffix("settings."+name, ".")] = problem
	}
	return fields
}

// checkJurisdiction turns an unknown jurisdiction code into a validation
// error of the field.
func checkJurisdiction(ctx context.Context, store *models.Store, field, code string) error {
	_, err := store.JurisdictionByCode(ctx, code)
	if errors.Is(err, models.ErrNotFound) {
		return &models.ValidationError{Fields: map[string]string{field: fmt.Sprintf("%q is not a jurisdiction code", code)}}
	}
	return err
}

// sourcesSetEnabled switches a source on or off by hand, with its audit
// entry ("source.enable" or "source.disable") in the same transaction.
func sourcesSetEnabled(ctx context.Context, store *models.Store, id int64, enabled bool, stdout io.Writer) error {
	action := "source.disable"
	if enabled {
		action = "source.enable"
	}
	var src models.Source
	err := store.InTx(ctx, func(tx *models.Store) error {
		// UpdateSource locks the row before reading it, so the before of
		// the audit entry is the source this change replaced.
		before, after, err := tx.UpdateSource(ctx, id, models.SourceUpdate{Enabled: &enabled})
		if err != nil {
			return err
		}
		src = after
		return tx.AppendAudit(ctx, cliActor(), action, sourceTarget(id), before, after)
	})
	if errors.Is(err, models.ErrNotFound) {
		return &models.ValidationError{Fields: map[string]string{"id": fmt.Sprintf("there is no source %d", id)}}
	}
	if err != nil {
		return err
	}
	state := "disabled"
	if src.Enabled {
		state = "enabled"
	}
	fmt.Fprintf(stdout, "source %d %s: %s %s %s\n", src.ID, state, src.Jurisdiction, src.Kind, src.URL)
	return nil
}

// sourcesSync registers the repository's source registry in one
// transaction, with SyncSource's care for what people changed by hand, and
// says what it did. Each source it adds or updates gets a "source.sync"
// audit entry in that transaction; one it leaves alone gets none.
func sourcesSync(ctx context.Context, store *models.Store, stdout io.Writer) error {
	entries, err := registry.Load()
	if err != nil {
		return err
	}
	counts := map[models.SyncOutcome]int{}
	var notes []string
	actor := cliActor()
	err = store.InTx(ctx, func(tx *models.Store) error {
		// The sources as the sync found them, for the before of those it
		// updates: what it writes, it writes in this transaction.
		stored, err := tx.Sources(ctx, "")
		if err != nil {
			return err
		}
		before := map[[2]string]models.Source{}
		for _, s := range stored {
			before[[2]string{s.Jurisdiction, s.URL}] = s
		}
		for _, e := range entries {
			src, outcome, err := tx.SyncSource(ctx, e.Source())
			if err != nil {
				return err
			}
			counts[outcome]++
			switch outcome {
			case models.SyncAdded:
				err = tx.AppendAudit(ctx, actor, "source.sync", sourceTarget(src.ID), nil, src)
			case models.SyncUpdated:
				err = tx.AppendAudit(ctx, actor, "source.sync", sourceTarget(src.ID),
					before[[2]string{src.Jurisdiction, src.URL}], src)
			}
			if err != nil {
				return err
			}
			switch {
			case outcome == models.SyncKept:
				notes = append(notes, fmt.Sprintf("source %d (%s %s) is verified and differs from the registry: kept as it is",
					src.ID, src.Jurisdiction, src.URL))
			case outcome != models.SyncAdded && e.Enabled && !src.Enabled:
				notes = append(notes, fmt.Sprintf("source %d (%s %s) is enabled in the registry but disabled here; `heard sources enable %d` turns it on",
					src.ID, src.Jurisdiction, src.URL, src.ID))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Fprintln(stdout, n)
	}
	fmt.Fprintf(stdout, "%d registry entries: %d added, %d updated, %d unchanged, %d kept\n", len(entries),
		counts[models.SyncAdded], counts[models.SyncUpdated], counts[models.SyncUnchanged], counts[models.SyncKept])
	return nil
}

// scrapeSources are the sources a scrape runs: the one id names (refused
// when disabled or outside code), or every enabled source of code.
func scrapeSources(ctx context.Context, store *models.Store, code string, id int64) ([]models.Source, error) {
	if id == 0 {
		all, err := store.Sources(ctx, code)
		if err != nil {
			return nil, err
		}
		return slices.DeleteFunc(all, func(s models.Source) bool { return !s.Enabled }), nil
	}
	invalid := func(format string, a ...any) error {
		return &models.ValidationError{Fields: map[string]string{"--source": fmt.Sprintf(format, a...)}}
	}
	src, err := store.SourceByID(ctx, id)
	switch {
	case errors.Is(err, models.ErrNotFound):
		return nil, invalid("there is no source %d", id)
	case err != nil:
		return nil, err
	case code != "" && src.Jurisdiction != code:
		return nil, invalid("source %d belongs to %s, not %s", id, src.Jurisdiction, code)
	case !src.Enabled:
		why := ""
		if hs, err := store.SourcesHealth(ctx, src.Jurisdiction); err == nil {
			if i := slices.IndexFunc(hs, func(h models.SourceHealth) bool { return h.ID == id }); i >= 0 && hs[i].DisabledReason != "" {
				why = " (" + hs[i].DisabledReason + ")"
			}
		}
		return nil, invalid("source %d is disabled%s; `heard sources enable %d` turns it back on", id, why, id)
	}
	return []models.Source{src}, nil
}
