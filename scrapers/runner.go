package scrapers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"heard/models"
)

// Extractor turns a parsed item into an activity of the jurisdiction; ok
// false drops unrelated items.
type Extractor func(it Item, j models.Jurisdiction, now time.Time) (models.Activity, bool)

// Runner takes sources from fetch to stored activities: it fetches, keeps a
// snapshot of what it read, parses, extracts and upserts, and records every
// run and fetch, failed ones included.
type Runner struct {
	Store   *models.Store
	Fetcher *Fetcher
	// Extract reads activities out of items; Scrapers' own Extract in
	// production, something simpler in tests.
	Extract Extractor
	// Now is the clock for stored times; nil means time.Now.
	Now func() time.Time
	// Log receives one line per run; nil means slog.Default().
	Log *slog.Logger
	// MaxFailures disables a source after that many failed runs in a row;
	// 0 never disables.
	MaxFailures int
	// Observe, when set, is told of every finished run with the kind of
	// its source and how long it took (for metrics).
	Observe func(kind models.SourceKind, run models.ScrapeRun, took time.Duration)
}

// failureRecordTimeout bounds the write that records a failed run. It runs
// on a context detached from the caller's, so a run cut short by shutdown
// is still recorded as failed instead of staying "running", and it is
// retried while the database is unreachable, so a run cut short by a
// restart of PostgreSQL is recorded once the server is back.
const failureRecordTimeout = 15 * time.Second

// MaxRunDuration bounds one run of a source, detail pages, retries and
// waits for the host's rate limit included; a run still going then has
// failed. It lets InterruptAbandoned tell a run that is slow from one that
// nobody is running any more.
const MaxRunDuration = 30 * time.Minute

// abandonedAfter is how long after its start a run still marked running is
// taken for abandoned: longer than any run may last and be recorded.
const abandonedAfter = 2 * MaxRunDuration

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.Default()
}

// RunSource runs one source once. Its results are stored in one
// transaction, so a failure at any step leaves the source's earlier
// activities exactly as they were; the run, the fetch and the error are
// then recorded on their own. The returned run is as stored; the error is
// the cause of a failed run. Every run is logged here, failed ones at warn
// level, so callers need not log the error again.
func (r *Runner) RunSource(ctx context.Context, src models.Source) (models.ScrapeRun, error) {
	began := time.Now()
	ctx, cancel := context.WithTimeout(ctx, MaxRunDuration)
	defer cancel()
	run, err := r.Store.StartScrapeRun(ctx, src.ID, r.now())
	run.Jurisdiction = src.Jurisdiction
	if err != nil {
		err = fmt.Errorf("source %d: %w", src.ID, err)
		r.log().Error("scrape run not started", "source_id", src.ID, "url", src.URL, "err", err)
		return run, err
	}
	resp, err := r.collect(ctx, src, &run)
	if err != nil {
		if recErr := r.recordFailure(ctx, src, &run, resp, err); recErr != nil {
			err = errors.Join(err, recErr)
		}
	}
	took := time.Since(began)
	r.logRun(src, run, resp, took, err)
	if r.Observe != nil {
		r.Observe(src.Kind, run, took)
	}
	return run, err
}

// collect fetches, parses and stores one source; on success run holds the
// finished run as stored.
func (r *Runner) collect(ctx context.Context, src models.Source, run *models.ScrapeRun) (*Response, error) {
	if r.Extract == nil {
		return nil, errors.New("runner has no extractor")
	}
	settings, err := ParseSettings(src.Settings)
	if err != nil {
		return nil, err
	}
	follow, err := settings.followPattern()
	if err != nil {
		return nil, err
	}
	j, err := r.Store.JurisdictionByCode(ctx, src.Jurisdiction)
	if err != nil {
		return nil, err
	}
	resp, err := r.Fetcher.Fetch(ctx, src.URL, Conditional{ETag: src.ETag, LastModified: src.LastModified})
	if err != nil {
		return resp, fetchFailure{err}
	}
	now := r.now()
	if resp.NotModified {
		return resp, r.storeNotModified(ctx, src, run, resp, now)
	}
	doc, err := readBody(ctx, src.Kind, resp, settings, j.Location(), now)
	if err != nil {
		return resp, err
	}
	if settings.Context != "" {
		for i := range doc.items {
			doc.items[i].Categories = append(doc.items[i].Categories, settings.Context)
		}
	}
	// Detail pages are fetched before the transaction opens, so no row
	// stays locked while a slow server answers, and their fetches are
	// recorded on their own, so they stay on record if the run fails.
	done := *run
	details := r.followDetails(ctx, doc.items, follow, settings, &done)
	if err := r.Store.InTx(ctx, func(tx *models.Store) error {
		return storeDetails(ctx, tx, src, *run, details)
	}); err != nil {
		return resp, err
	}
	found := r.extractAll(doc.items, details, src, j, now)

	err = r.Store.InTx(ctx, func(tx *models.Store) error {
		key, err := tx.PutSnapshot(ctx, models.Snapshot{MediaType: resp.MediaType, Body: resp.Body,
			Text: storableText(doc.text), Extractor: doc.extractor})
		if err != nil {
			return err
		}
		if err := insertFetches(ctx, tx, fetchRecord(src, *run, resp, &key, "", "source"), resp); err != nil {
			return err
		}
		if err := assignKeys(ctx, tx, j.Code, found); err != nil {
			return err
		}
		runID := run.ID
		listed := models.ActivitySource{SourceID: src.ID, URL: resp.FinalURL, SnapshotSHA256: key,
			RetrievedAt: now, ScrapeRunID: &runID}
		var seen []int64
		for _, f := range found {
			if f.duplicate {
				continue // the same item listed twice on one page
			}
			listed.Note = f.item.Link
			id, outcome, err := r.store(ctx, tx, f, listed, &done)
			if err != nil {
				return err
			}
			if id != 0 {
				seen = append(seen, id)
				done.Count(outcome)
			}
		}
		if err := r.checkYield(ctx, tx, src, settings, &done, seen, now); err != nil {
			return err
		}
		if err := tx.RecordSourceSuccess(ctx, src.ID, resp.ETag, resp.LastModified, now); err != nil {
			return err
		}
		finished := r.now()
		done.Status, done.FinishedAt = "ok", &finished
		return tx.FinishScrapeRun(ctx, done)
	})
	if err != nil {
		return resp, err
	}
	*run = done
	return resp, nil
}

// found is an item extraction kept, with the detail page it was read with.
type found struct {
	item      Item
	activity  models.Activity
	detail    *detail
	duplicate bool
}

// extractAll reads activities out of the items, each with its detail
// page's text when that page was read.
func (r *Runner) extractAll(items []Item, details map[string]*detail, src models.Source, j models.Jurisdiction, now time.Time) []*found {
	var out []*found
	for _, it := range items {
		d := details[it.Link]
		if d != nil && d.err == nil {
			it.Description = strings.TrimSpace(it.Description + "\n\n" + d.text)
		}
		a, ok := r.Extract(it, j, now)
		if !ok {
			continue
		}
		a.Jurisdiction = j.Code
		a.Demo = src.Demo
		a.DedupeKey = sourceScopedKey(a.DedupeKey, src.URL)
		out = append(out, &found{item: it, activity: a, detail: d})
	}
	return out
}

// sourceScopedKey scopes a GUID to the host of the source that gave it:
// GUIDs are a feed's own numbering ("1234"), and two feeds of one state must
// not merge their items by accident. URL and title keys are left as they
// are, so the same page listed by two sources is one activity.
func sourceScopedKey(key, sourceURL string) string {
	rest, ok := strings.CutPrefix(key, "guid:")
	if !ok {
		return key
	}
	u, err := url.Parse(sourceURL)
	if err != nil || u.Host == "" {
		return key
	}
	return "guid:" + strings.ToLower(u.Host) + ":" + rest
}

// store writes one found activity. An item whose detail page could not be
// read this time is not re-read from the list alone, which would overwrite
// what the detail page said before with less: the stored record is only
// marked seen. An invalid record is skipped with a warning, but an earlier
// record under its key still counts as listed. id is 0 when nothing was
// stored.
func (r *Runner) store(ctx context.Context, tx *models.Store, f *found, listed models.ActivitySource, run *models.ScrapeRun) (int64, models.UpsertOutcome, error) {
	a := f.activity
	if f.detail != nil && f.detail.err != nil {
		id, err := tx.ActivityIDByKey(ctx, a.Jurisdiction, a.DedupeKey)
		switch {
		case err == nil:
			if err := tx.TouchActivity(ctx, id, listed.RetrievedAt); err != nil {
				return 0, "", err
			}
			return id, models.Unchanged, tx.AddActivitySource(ctx, id, listed)
		case !errors.Is(err, models.ErrNotFound):
			return 0, "", err
		}
	}
	id, outcome, err := tx.UpsertActivity(ctx, a, listed)
	var invalid *models.ValidationError
	if errors.As(err, &invalid) {
		// One odd item must not keep a whole source from updating.
		run.Warn("skipped %q: %v", f.item.Title, err)
		if id, err := tx.ActivityIDByKey(ctx, a.Jurisdiction, a.DedupeKey); err == nil {
			return id, models.Unchanged, nil
		}
		return 0, "", nil
	}
	if err != nil {
		return 0, "", err
	}
	if d := f.detail; d != nil && d.err == nil {
		err := tx.AddActivitySource(ctx, id, models.ActivitySource{SourceID: listed.SourceID,
			URL: d.resp.FinalURL, SnapshotSHA256: d.key, RetrievedAt: listed.RetrievedAt,
			Note: "detail page", ScrapeRunID: listed.ScrapeRunID})
		if err != nil {
			return 0, "", err
		}
	}
	return id, outcome, nil
}

// checkYield compares what the run found with what the source used to
// yield. A source that suddenly yields nothing has most likely changed its
// layout, not cancelled everything: the run is warned about and nothing is
// cancelled. Otherwise, where the source lists what is coming up, the
// upcoming activities it no longer lists are marked cancelled.
func (r *Runner) checkYield(ctx context.Context, tx *models.Store, src models.Source, s Settings, run *models.ScrapeRun, seen []int64, now time.Time) error {
	if len(seen) == 0 {
		before, ok, err := tx.LastYield(ctx, src.ID, run.ID)
		if err != nil {
			return err
		}
		if ok && before > 0 {
			run.Warn("yielded no records; its previous run yielded %d (has the page changed?)", before)
		}
		return nil
	}
	if !s.cancelsVanished(src.Kind) {
		return nil
	}
	cancelled, err := tx.CancelVanished(ctx, src.ID, seen, run.ID, now)
	if err != nil {
		return err
	}
	run.Cancelled = len(cancelled)
	return nil
}

// storeNotModified records a 304: the fetch, the source's success, and an
// ok run with nothing counted.
func (r *Runner) storeNotModified(ctx context.Context, src models.Source, run *models.ScrapeRun, resp *Response, now time.Time) error {
	done := *run
	err := r.Store.InTx(ctx, func(tx *models.Store) error {
		if err := insertFetches(ctx, tx, fetchRecord(src, *run, resp, nil, "", "source"), resp); err != nil {
			return err
		}
		// A 304 need not repeat the validators; the stored ones still hold.
		etag, lastMod := cmp.Or(resp.ETag, src.ETag), cmp.Or(resp.LastModified, src.LastModified)
		if err := tx.RecordSourceSuccess(ctx, src.ID, etag, lastMod, now); err != nil {
			return err
		}
		finished := r.now()
		done.Status, done.FinishedAt = "ok", &finished
		return tx.FinishScrapeRun(ctx, done)
	})
	if err != nil {
		return err
	}
	*run = done
	return nil
}

// interruptedPrefix starts the error of a run that was interrupted rather
// than failed.
const interruptedPrefix = "interrupted: "

// recordFailure stores a failed run with its cause, the fetch if one was
// made, and the source's failure count, leaving run as stored.
//
// A run cut short by a shutdown (its context cancelled) or by the database
// going away is interrupted, not failed: neither says anything about the
// source, so it gets no strike and is due again at once, and its error
// says "interrupted". Either way the source's results were in one
// transaction that did not commit, so none of them is stored.
func (r *Runner) recordFailure(ctx context.Context, src models.Source, run *models.ScrapeRun, resp *Response, cause error) error {
	var fetchErr fetchFailure
	interrupted := errors.Is(cause, context.Canceled) || errors.Is(ctx.Err(), context.Canceled) ||
		(!errors.As(cause, &fetchErr) && models.IsUnavailable(cause))
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), failureRecordTimeout)
	defer cancel()
	msg := recordableError(cause)
	if interrupted {
		msg = interruptedPrefix + msg
	}
	failed := models.ScrapeRun{
		ID: run.ID, SourceID: run.SourceID, Jurisdiction: run.Jurisdiction,
		StartedAt: run.StartedAt, Status: "failed", Error: msg,
	}
	finished := r.now()
	failed.FinishedAt = &finished
	err := retryWhileUnavailable(ctx, func() error {
		return r.Store.InTx(ctx, func(tx *models.Store) error {
			if resp != nil {
				// No snapshot key: the snapshot went with the rolled-back work.
				if err := insertFetches(ctx, tx, fetchRecord(src, failed, resp, nil, msg, "source"), resp); err != nil {
					return err
				}
			}
			if interrupted {
				if err := tx.RescheduleSource(ctx, src.ID, finished); err != nil {
					return err
				}
				return tx.FinishScrapeRun(ctx, failed)
			}
			wasEnabled := src.Enabled
			disabled, err := tx.RecordSourceFailure(ctx, src.ID, msg, r.MaxFailures, finished)
			if err != nil {
				return err
			}
			if disabled && wasEnabled {
				r.log().Error("source disabled after repeated failures", "source_id", src.ID, "url", src.URL,
					"max_failures", r.MaxFailures, "err", cause)
			}
			var status *StatusError
			if errors.As(cause, &status) && status.RetryAfter > 0 {
				// Honoured, but no further than the longest backoff.
				wait := min(status.RetryAfter, models.MaxBackoff)
				if err := tx.DeferSource(ctx, src.ID, finished.Add(wait)); err != nil {
					return err
				}
			}
			return tx.FinishScrapeRun(ctx, failed)
		})
	})
	*run = failed
	if err != nil {
		return fmt.Errorf("record failed run %d: %w", run.ID, err)
	}
	return nil
}

// fetchFailure is the source's fetch failing: a network error in it is
// about the source's server, which looks to models.IsUnavailable just like
// the database going away.
type fetchFailure struct{ err error }

func (e fetchFailure) Error() string { return e.err.Error() }
func (e fetchFailure) Unwrap() error { return e.err }

// retryWhileUnavailable calls write until it succeeds, fails for another
// reason than the database being unreachable, or ctx ends, waiting a little
// longer between attempts: PostgreSQL restarts in seconds, and the outcome
// of a run is worth waiting for.
func retryWhileUnavailable(ctx context.Context, write func() error) error {
	wait := 100 * time.Millisecond
	for {
		err := write()
		if err == nil || !models.IsUnavailable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// InterruptAbandoned records the runs still marked running long after
// they began — their process was killed, or lost the database for longer
// than it could wait to record them — as interrupted, and makes their
// sources due again. It returns how many it closed.
func (r *Runner) InterruptAbandoned(ctx context.Context) (int, error) {
	now := r.now()
	return r.Store.InterruptAbandonedRuns(ctx, now.Add(-abandonedAfter), now,
		interruptedPrefix+"abandoned while running (the process running it stopped, or lost the database)")
}

// maxErrorLen bounds an error as recorded, in bytes. Parsers quote what
// they could not read, and a hostile page can put a megabyte where a
// component name belongs; the record is kept three times over (run,
// fetch, source).
const maxErrorLen = 2000

// recordableError is err's message as a failed run records it: storable,
// and cut to maxErrorLen. Recording the failure is the one write that must
// not fail on the failure's content.
func recordableError(err error) string {
	msg := storableText(err.Error())
	if len(msg) <= maxErrorLen {
		return msg
	}
	cut := maxErrorLen
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + "… (cut from " + strconv.Itoa(len(msg)) + " bytes)"
}

// storableText is s as PostgreSQL's text takes it: valid UTF-8, each run
// of invalid bytes read as one U+FFFD, and no NUL. Pages are not always the
// encoding they claim, and a stray Latin-1 "é" in a UTF-8 page is common;
// it must not cost the source its run. The body itself is kept byte for
// byte in the snapshot.
func storableText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// insertFetches records a fetch and the robots.txt requests it made.
func insertFetches(ctx context.Context, tx *models.Store, f models.Fetch, resp *Response) error {
	if _, err := tx.InsertFetch(ctx, f); err != nil {
		return err
	}
	for _, rb := range resp.Robots {
		_, err := tx.InsertFetch(ctx, models.Fetch{SourceID: f.SourceID, ScrapeRunID: f.ScrapeRunID,
			URL: rb.URL, FinalURL: rb.URL, StatusCode: rb.StatusCode, StartedAt: rb.StartedAt,
			DurationMS: int(rb.Duration.Milliseconds()), Bytes: rb.Bytes, Error: rb.Error,
			Attempts: 1, Purpose: "robots"})
		if err != nil {
			return err
		}
	}
	return nil
}

func fetchRecord(src models.Source, run models.ScrapeRun, resp *Response, sha *string, errMsg, purpose string) models.Fetch {
	runID := run.ID
	return models.Fetch{
		SourceID:    src.ID,
		ScrapeRunID: &runID,
		URL:         cmp.Or(resp.URL, src.URL),
		FinalURL:    resp.FinalURL,
		StatusCode:  resp.StatusCode,
		StartedAt:   resp.StartedAt,
		DurationMS:  int(resp.Duration.Milliseconds()),
		Bytes:       len(resp.Body),
		SHA256:      sha,
		Error:       errMsg,
		Attempts:    resp.Attempts,
		Purpose:     purpose,
	}
}

// document is what a fetched body was read into.
type document struct {
	items []Item
	// text is kept with the snapshot; it does not depend on the source's
	// keywords, since the snapshot is shared by every source that fetched
	// the same bytes.
	text string
	// extractor names an external tool that made the text, with its version.
	extractor string
}

// CalendarPast and CalendarAhead bound the window recurring calendar events
// are expanded over: far enough back for the scoring of past engagement,
// far enough ahead for every announced chance to be heard.
const (
	CalendarPast  = 2 * 365 * 24 * time.Hour
	CalendarAhead = 365 * 24 * time.Hour
)

// readBody parses a fetched body by the source's kind.
func readBody(ctx context.Context, kind models.SourceKind, resp *Response, s Settings, loc *time.Location, now time.Time) (document, error) {
	switch kind {
	case models.KindHTML:
		items, err := ParseHTML(resp.Body, resp.FinalURL, s)
		return document{items: items, text: HTMLText(resp.Body)}, err
	case models.KindRSS, models.KindAtom:
		all, err := ParseFeed(resp.Body, resp.FinalURL, Settings{})
		if err != nil {
			return document{}, err
		}
		var text strings.Builder
		doc := document{items: []Item{}}
		for _, it := range all {
			text.WriteString(it.Title + "\n" + it.Description + "\n\n")
			if matchesKeywords(it, s.Keywords) {
				doc.items = append(doc.items, it)
			}
		}
		doc.text = strings.TrimSpace(text.String())
		return doc, nil
	case models.KindICal:
		items, err := ParseICal(resp.Body, resp.FinalURL, s, now.Add(-CalendarPast), now.Add(CalendarAhead), loc)
		return document{items: items, text: string(resp.Body)}, err
	case models.KindPDF:
		text, tool, err := PDFText(ctx, resp.Body)
		if err != nil {
			return document{}, err
		}
		items, err := ParsePDF(text, resp.FinalURL, s)
		if err == nil && s.Split == "" && len(items) == 1 {
			// A whole document is better titled by its metadata, when it has
			// a real title, than by its first line.
			if title, _ := PDFTitle(ctx, resp.Body); title != "" {
				items[0].Title = title
			}
		}
		return document{items: items, text: text, extractor: tool}, err
	}
	return document{}, fmt.Errorf("source kind %q is not supported", kind)
}

// identity tells apart items that extraction gave the same dedupe key (a
// board page linking every meeting to one agenda page): the title and the
// start.
func identity(a models.Activity) string {
	start := ""
	if a.Start != nil {
		start = a.Start.UTC().Format(time.RFC3339)
	}
	return a.Title + "\x00" + start
}

// assignKeys makes dedupe keys unique within one fetch, whatever the order
// of the page. An item listed twice (same key, title and start) is marked a
// duplicate. When different items share a key, the one already stored
// under it keeps it, so its id stays stable, and each other takes the key
// suffixed with a digest of its title and start.
func assignKeys(ctx context.Context, tx *models.Store, code string, items []*found) error {
	groups := map[string][]*found{}
	var order []string
	for _, f := range items {
		k := f.activity.DedupeKey
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], f)
	}
	taken := map[string]bool{}
	for _, k := range order {
		taken[k] = true
	}
	for _, k := range order {
		group := groups[k]
		seen := map[string]bool{}
		var distinct []*found
		for _, f := range group {
			id := identity(f.activity)
			if seen[id] {
				f.duplicate = true
				continue
			}
			seen[id] = true
			distinct = append(distinct, f)
		}
		if len(distinct) < 2 {
			continue
		}
		owner, err := storedOwner(ctx, tx, code, k, distinct)
		if err != nil {
			return err
		}
		for _, f := range distinct {
			if f == owner {
				continue
			}
			base := k + "#" + models.SHA256Hex([]byte(identity(f.activity)))[:8]
			key := base
			for n := 2; taken[key]; n++ {
				key = fmt.Sprintf("%s-%d", base, n)
			}
			taken[key] = true
			f.activity.DedupeKey = key
		}
	}
	return nil
}

// storedOwner returns the member of a group of items sharing key that is
// the activity already stored under it, or nil.
func storedOwner(ctx context.Context, tx *models.Store, code, key string, group []*found) (*found, error) {
	id, err := tx.ActivityIDByKey(ctx, code, key)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	stored, err := tx.ActivityByID(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, f := range group {
		if identity(f.activity) == identity(stored) {
			return f, nil
		}
	}
	return nil, nil
}

func (r *Runner) logRun(src models.Source, run models.ScrapeRun, resp *Response, took time.Duration, err error) {
	attrs := []any{
		"source_id", src.ID, "jurisdiction", src.Jurisdiction, "url", src.URL,
		"run_id", run.ID, "status", run.Status, "found", run.Found, "inserted", run.Inserted,
		"updated", run.Updated, "unchanged", run.Unchanged, "duration", took,
	}
	if resp != nil {
		attrs = append(attrs, "http_status", resp.StatusCode, "bytes", len(resp.Body), "not_modified", resp.NotModified)
	}
	if err != nil {
		msg := "scrape run failed"
		if strings.HasPrefix(run.Error, interruptedPrefix) {
			msg = "scrape run interrupted; the source is due again"
		}
		r.log().Warn(msg, append(attrs, "err", err)...)
		return
	}
	r.log().Info("scrape run", attrs...)
}

// RunDue runs up to limit sources whose next fetch is due, claiming each
// just before it runs: a source claimed and then left unrun — by a
// shutdown, or by the database going away — would wait a whole interval
// for its next turn. A source that fails has its failure recorded in its
// run and does not stop the others; the error returned is the claim's,
// the context's when it ends the loop early, or that of runs that could
// not even be recorded.
func (r *Runner) RunDue(ctx context.Context, limit int) ([]models.ScrapeRun, error) {
	runs := []models.ScrapeRun{}
	var unrecorded []error
	for len(runs)+len(unrecorded) < limit {
		if err := ctx.Err(); err != nil {
			return runs, errors.Join(append(unrecorded, err)...)
		}
		srcs, err := r.Store.ClaimDueSources(ctx, r.now(), 1)
		if err != nil {
			return runs, errors.Join(append(unrecorded, err)...)
		}
		if len(srcs) == 0 {
			break
		}
		got, err := r.runEach(ctx, srcs)
		runs = append(runs, got...)
		if err != nil {
			unrecorded = append(unrecorded, err)
			if models.IsUnavailable(err) {
				break // the next claim would fail the same way
			}
		}
	}
	return runs, errors.Join(unrecorded...)
}

// RunAll runs every enabled source, of the jurisdiction code when it is not
// empty, whatever their schedule; errors are as for RunDue.
func (r *Runner) RunAll(ctx context.Context, code string) ([]models.ScrapeRun, error) {
	srcs, err := r.Store.Sources(ctx, code)
	if err != nil {
		return []models.ScrapeRun{}, err
	}
	enabled := srcs[:0]
	for _, s := range srcs {
		if s.Enabled {
			enabled = append(enabled, s)
		}
	}
	return r.runEach(ctx, enabled)
}

func (r *Runner) runEach(ctx context.Context, srcs []models.Source) ([]models.ScrapeRun, error) {
	runs := []models.ScrapeRun{}
	var unrecorded []error
	for _, src := range srcs {
		if err := ctx.Err(); err != nil {
			return runs, errors.Join(append(unrecorded, err)...)
		}
		run, err := r.RunSource(ctx, src)
		if run.ID == 0 && err != nil {
			unrecorded = append(unrecorded, err)
			continue
		}
		runs = append(runs, run)
	}
	return runs, errors.Join(unrecorded...)
}
