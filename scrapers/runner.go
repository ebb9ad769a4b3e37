package scrapers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

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
}

// failureRecordTimeout bounds the write that records a failed run. It runs
// on a context detached from the caller's, so a run cut short by shutdown
// is still recorded as failed instead of staying "running".
const failureRecordTimeout = 15 * time.Second

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
	r.logRun(src, run, resp, time.Since(began), err)
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
		return resp, err
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
	// Detail pages are fetched before the transaction opens: no row stays
	// locked while a slow server answers.
	done := *run
	details := r.followDetails(ctx, doc.items, follow, settings, &done)

	err = r.Store.InTx(ctx, func(tx *models.Store) error {
		key, err := tx.PutSnapshot(ctx, models.Snapshot{MediaType: resp.MediaType, Body: resp.Body,
			Text: doc.text, Extractor: doc.extractor})
		if err != nil {
			return err
		}
		if err := insertFetches(ctx, tx, fetchRecord(src, *run, resp, &key, "", "source"), resp); err != nil {
			return err
		}
		if err := storeDetails(ctx, tx, src, *run, details); err != nil {
			return err
		}
		runID := run.ID
		keys := newBatchKeys()
		var seen []int64
		for _, it := range doc.items {
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
			if a.DedupeKey, ok = keys.key(a); !ok {
				continue // the same item listed twice on one page
			}
			id, outcome, err := tx.UpsertActivity(ctx, a, models.ActivitySource{
				SourceID: src.ID, URL: resp.FinalURL, SnapshotSHA256: key, RetrievedAt: now,
				Note: it.Link, ScrapeRunID: &runID,
			})
			var invalid *models.ValidationError
			if errors.As(err, &invalid) {
				// One odd item must not keep a whole source from updating.
				done.Warn("skipped %q: %v", it.Title, err)
				continue
			}
			if err != nil {
				return err
			}
			if d != nil && d.err == nil {
				err := tx.AddActivitySource(ctx, id, models.ActivitySource{SourceID: src.ID,
					URL: d.resp.FinalURL, SnapshotSHA256: d.key, RetrievedAt: now, Note: "detail page"})
				if err != nil {
					return err
				}
			}
			seen = append(seen, id)
			done.Count(outcome)
		}
		if err := r.checkYield(ctx, tx, src, &done, seen, now); err != nil {
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

// checkYield compares what the run found with what the source used to
// yield. A source that suddenly yields nothing has most likely changed its
// layout, not cancelled everything: the run is warned about and nothing is
// cancelled. Otherwise the upcoming activities it no longer lists are
// marked cancelled.
func (r *Runner) checkYield(ctx context.Context, tx *models.Store, src models.Source, run *models.ScrapeRun, seen []int64, now time.Time) error {
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

// recordFailure stores a failed run with its cause, the fetch if one was
// made, and the source's failure count, leaving run as stored.
func (r *Runner) recordFailure(ctx context.Context, src models.Source, run *models.ScrapeRun, resp *Response, cause error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), failureRecordTimeout)
	defer cancel()
	failed := models.ScrapeRun{
		ID: run.ID, SourceID: run.SourceID, Jurisdiction: run.Jurisdiction,
		StartedAt: run.StartedAt, Status: "failed", Error: cause.Error(),
	}
	finished := r.now()
	failed.FinishedAt = &finished
	err := r.Store.InTx(ctx, func(tx *models.Store) error {
		if resp != nil {
			// No snapshot key: the snapshot went with the rolled-back work.
			if err := insertFetches(ctx, tx, fetchRecord(src, failed, resp, nil, cause.Error(), "source"), resp); err != nil {
				return err
			}
		}
		disabled, err := tx.RecordSourceFailure(ctx, src.ID, cause.Error(), r.MaxFailures, finished)
		if err != nil {
			return err
		}
		if disabled {
			r.log().Error("source disabled after repeated failures", "source_id", src.ID, "url", src.URL,
				"max_failures", r.MaxFailures, "err", cause)
		}
		var status *StatusError
		if errors.As(cause, &status) && status.RetryAfter > 0 {
			if err := tx.DeferSource(ctx, src.ID, finished.Add(status.RetryAfter)); err != nil {
				return err
			}
		}
		return tx.FinishScrapeRun(ctx, failed)
	})
	*run = failed
	if err != nil {
		return fmt.Errorf("record failed run %d: %w", run.ID, err)
	}
	return nil
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

// batchKeys keeps dedupe keys unique within one fetch. Two different items
// that extraction gave the same key (a page reusing one link for several
// meetings) are both kept, the later one keyed also by its title; an item
// repeated with the same key and title is the same item, and is dropped.
type batchKeys struct {
	keys  map[string]bool
	items map[string]bool
}

func newBatchKeys() *batchKeys {
	return &batchKeys{keys: map[string]bool{}, items: map[string]bool{}}
}

func (b *batchKeys) key(a models.Activity) (string, bool) {
	item := a.DedupeKey + "\x00" + a.Title
	if b.items[item] {
		return "", false
	}
	b.items[item] = true
	key := a.DedupeKey
	if b.keys[key] {
		key += "#" + models.SHA256Hex([]byte(a.Title))[:8]
	}
	for n := 2; b.keys[key]; n++ {
		key = fmt.Sprintf("%s#%s-%d", a.DedupeKey, models.SHA256Hex([]byte(a.Title))[:8], n)
	}
	b.keys[key] = true
	return key, true
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
		r.log().Warn("scrape run failed", append(attrs, "err", err)...)
		return
	}
	r.log().Info("scrape run", attrs...)
}

// RunDue claims up to limit sources whose next fetch is due and runs each.
// A source that fails has its failure recorded in its run and does not stop
// the others; the error returned is the claim's, the context's when it ends
// the loop early, or that of runs that could not even be recorded.
func (r *Runner) RunDue(ctx context.Context, limit int) ([]models.ScrapeRun, error) {
	if limit <= 0 {
		return []models.ScrapeRun{}, nil
	}
	srcs, err := r.Store.ClaimDueSources(ctx, r.now(), limit)
	if err != nil {
		return []models.ScrapeRun{}, err
	}
	return r.runEach(ctx, srcs)
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
