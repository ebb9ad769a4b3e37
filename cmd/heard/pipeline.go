package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/go-co-op/gocron/v2"

	"heard/models"
	"heard/scrapers"
)

// pipeline wires collection to scoring: a scrape that changes a
// jurisdiction's evidence rescores it.
type pipeline struct {
	store  *models.Store
	runner *scrapers.Runner
	log    *slog.Logger
	now    func() time.Time

	// elector, when set, lets only the replica it elects run scheduled
	// jobs (see leaderElector); nil runs them here unconditionally.
	elector gocron.Elector
	// scrapeEvery is the scrape job's tick; defaultSchedulerTick when
	// zero.
	scrapeEvery time.Duration
	// evidence reads the URLs staff and the public submit, behind the
	// same address guard as the runner's fetcher.
	evidence *scrapers.EvidenceReader
	// observeScore, when set, is told of every rescore (for metrics).
	observeScore func(trigger string, err error)
}

// evidenceFetchTimeout bounds one request for a submitted URL: someone is
// waiting for the answer, so it is shorter than a scrape's and is not
// retried (a failure is stored and reviewed like any other report).
const evidenceFetchTimeout = 15 * time.Second

// newPipeline builds the pipeline. allowHosts are private host:port
// addresses the fetcher may reach all the same, without a rate limit: the
// loopback demo corpus.
func newPipeline(store *models.Store, log *slog.Logger, cfg config, allowHosts ...string) *pipeline {
	intervals := map[string]time.Duration{}
	for _, h := range allowHosts {
		intervals[h] = 0
	}
	runner := &scrapers.Runner{
		Store: store,
		Fetcher: scrapers.NewFetcher(scrapers.FetcherOptions{
			AllowPrivateNetworks: cfg.AllowPrivate,
			AllowHosts:           allowHosts,
			HostIntervals:        intervals,
		}),
		Extract:     scrapers.Extract,
		Now:         time.Now,
		Log:         log,
		MaxFailures: cfg.MaxFailures,
	}
	evidence := &scrapers.EvidenceReader{
		Fetcher: scrapers.NewFetcher(scrapers.FetcherOptions{
			AllowPrivateNetworks: cfg.AllowPrivate,
			AllowHosts:           allowHosts,
			HostIntervals:        intervals,
			Timeout:              evidenceFetchTimeout,
			MaxRetries:           -1,
		}),
	}
	return &pipeline{store: store, runner: runner, log: log, now: time.Now, evidence: evidence,
		scrapeEvery: cfg.SchedulerTick}
}

// defaultSchedulerTick is how often the scheduler looks for due sources. A
// replica only takes the lead when its scheduler ticks, so the tick also
// bounds how long jobs wait after the leader dies: well within 30 seconds.
// A tick costs one indexed query on the leader and a lock attempt on each
// follower.
const defaultSchedulerTick = 15 * time.Second

// changed lists the jurisdictions whose runs inserted or updated anything.
func changed(runs []models.ScrapeRun) []string {
	var codes []string
	for _, r := range runs {
		if r.Inserted+r.Updated+r.Cancelled > 0 && !slices.Contains(codes, r.Jurisdiction) {
			codes = append(codes, r.Jurisdiction)
		}
	}
	slices.Sort(codes)
	return codes
}

// rescore scores the jurisdictions, all of them when codes is empty; trigger
// says why (scrape, override, nightly, manual, demo).
func (p *pipeline) rescore(ctx context.Context, codes []string, trigger string) (int, error) {
	if len(codes) == 0 {
		js, err := p.store.Jurisdictions(ctx)
		if err != nil {
			return 0, err
		}
		for _, j := range js {
			codes = append(codes, j.Code)
		}
	}
	var errs []error
	n := 0
	for _, code := range codes {
		_, err := p.store.Rescore(ctx, code, p.now(), trigger)
		if p.observeScore != nil {
			p.observeScore(trigger, err)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// scrapeDue is the scheduled job's work: claim due sources, run them, and
// rescore what changed. Claiming in the database makes a duplicate tick (or
// a second replica) find nothing to do.
func (p *pipeline) scrapeDue(ctx context.Context) {
	for {
		runs, err := p.runner.RunDue(ctx, 10)
		if err != nil {
			p.log.Error("scheduled scrape", "err", err)
			return
		}
		if len(runs) == 0 {
			return
		}
		p.rescoreChanged(ctx, runs)
		if ctx.Err() != nil {
			return
		}
	}
}

// rescoreChanged rescores the jurisdictions whose evidence the runs
// changed. A failure is logged, not returned: the runs stand, and the
// nightly rescore catches up.
func (p *pipeline) rescoreChanged(ctx context.Context, runs []models.ScrapeRun) {
	if codes := changed(runs); len(codes) > 0 {
		if _, err := p.rescore(ctx, codes, "scrape"); err != nil {
			p.log.Error("rescore after scrape", "jurisdictions", codes, "err", err)
		}
	}
}

// runSource runs one source now, as staff ask through the API, and then
// does what the scheduled job does after a run, so that "run now" is a
// scheduled run brought forward: the run is recorded the same way, pushes
// the next scheduled fetch back, and a run that changed evidence rescores
// its jurisdiction. It is handlers.Options.RunSource.
func (p *pipeline) runSource(ctx context.Context, id int64) (models.ScrapeRun, error) {
	src, err := p.store.SourceByID(ctx, id)
	if err != nil {
		return models.ScrapeRun{}, err
	}
	run, err := p.runner.RunSource(ctx, src)
	if err != nil {
		return run, err // recorded and logged by the runner
	}
	p.rescoreChanged(ctx, []models.ScrapeRun{run})
	return run, nil
}

// Job names, as they appear in logs.
const (
	jobScrapeDue         = "scrape-due-sources"
	jobNightlyRescore    = "nightly-rescore"
	jobInterruptAbandon  = "interrupt-abandoned-runs"
	interruptAbandonEach = 10 * time.Minute
)

// startScheduler runs the named jobs: due sources every tick (a source's
// own interval decides when it is due), a nightly rescore, so scores
// follow the calendar (upcoming events become held) even without new
// evidence, and, every ten minutes, the closing of runs a killed process
// left running. Each job runs in singleton mode: a slow run is not
// overlapped.
// With an elector, every replica ticks but only the leader runs the jobs;
// the scrape job's claim still guards a hand-over mid-run.
func (p *pipeline) startScheduler(ctx context.Context) (gocron.Scheduler, error) {
	opts := []gocron.SchedulerOption{gocron.WithLogger(gocronLogger{p.log})}
	if p.elector != nil {
		opts = append(opts, gocron.WithDistributedElector(p.elector))
	}
	s, err := gocron.NewScheduler(opts...)
	if err != nil {
		return nil, fmt.Errorf("scheduler: %w", err)
	}
	every := p.scrapeEvery
	if every <= 0 {
		every = defaultSchedulerTick
	}
	_, err = s.NewJob(gocron.DurationJob(every),
		gocron.NewTask(func() { p.scrapeDue(ctx) }),
		gocron.WithName(jobScrapeDue),
		gocron.WithSingletonMode(gocron.LimitModeReschedule),
		gocron.WithStartAt(gocron.WithStartImmediately()))
	if err != nil {
		return nil, fmt.Errorf("job %s: %w", jobScrapeDue, err)
	}
	_, err = s.NewJob(gocron.DailyJob(1, gocron.NewAtTimes(gocron.NewAtTime(3, 15, 0))),
		gocron.NewTask(func() {
			if n, err := p.rescore(ctx, nil, "nightly"); err != nil {
				p.log.Error("nightly rescore", "scored", n, "err", err)
			}
		}),
		gocron.WithName(jobNightlyRescore),
		gocron.WithSingletonMode(gocron.LimitModeReschedule))
	if err != nil {
		return nil, fmt.Errorf("job %s: %w", jobNightlyRescore, err)
	}
	_, err = s.NewJob(gocron.DurationJob(interruptAbandonEach),
		gocron.NewTask(func() {
			n, err := p.runner.InterruptAbandoned(ctx)
			switch {
			case err != nil:
				p.log.Error("interrupt abandoned runs", "err", err)
			case n > 0:
				p.log.Warn("closed scrape runs left running by a process that stopped; their sources are due again", "runs", n)
			}
		}),
		gocron.WithName(jobInterruptAbandon),
		gocron.WithSingletonMode(gocron.LimitModeReschedule),
		gocron.WithStartAt(gocron.WithStartImmediately()))
	if err != nil {
		return nil, fmt.Errorf("job %s: %w", jobInterruptAbandon, err)
	}
	s.Start()
	return s, nil
}

// gocronLogger sends gocron's own messages to slog.
type gocronLogger struct{ log *slog.Logger }

func (l gocronLogger) Debug(msg string, args ...any) { l.log.Debug("scheduler: "+msg, args...) }
func (l gocronLogger) Info(msg string, args ...any)  { l.log.Debug("scheduler: "+msg, args...) }
func (l gocronLogger) Warn(msg string, args ...any)  { l.log.Warn("scheduler: "+msg, args...) }
func (l gocronLogger) Error(msg string, args ...any) { l.log.Error("scheduler: "+msg, args...) }
