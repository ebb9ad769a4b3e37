package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/time/rate"

	"heard/handlers"
	"heard/migrations"
	"heard/models"
	"heard/scrapers"
	"heard/scrapers/demo"
)

func cmdServe(ctx context.Context, cfg config, log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", cfg.Addr, "listen address HOST:PORT")
	withDemo := fs.Bool("demo", false, "serve the embedded demo corpus and score it before serving")
	noScheduler := fs.Bool("no-scheduler", false, "do not run scheduled jobs (for extra replicas)")
	noMigrate := fs.Bool("no-migrate", false, "do not apply pending migrations at start")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	d, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close(context.WithoutCancel(ctx))
	if !*noMigrate {
		if err := migrateUp(ctx, d.DB, log); err != nil {
			return err
		}
	}
	store := models.NewStore(d.DB)
	var cache *handlers.ResponseCache // nil: every answer afresh
	if cfg.CacheTTL > 0 {
		cache = handlers.NewResponseCache(cfg.CacheTTL)
	}
	metrics := handlers.NewMetrics(cache)
	var p *pipeline
	if *withDemo {
		srv, err := startDemo(ctx, cfg, store, log)
		if err != nil {
			return err
		}
		defer srv.Close()
		p = newPipeline(store, log, cfg, hostPort(srv.URL()))
		p.runner.Observe, p.observeScore = metrics.ObserveScrape, metrics.ObserveScore
		if err := collectDemo(ctx, store, p, srv, log); err != nil {
			return err
		}
	} else {
		// Without --demo nothing serves the demo corpus: its sources would
		// only fail, and their records must not pass for real ones.
		n, err := store.DisableDemoSourcesExcept(ctx, "")
		if err != nil {
			return err
		}
		if n > 0 {
			log.Warn("disabled the demo sources of an earlier `serve --demo`; their records stay, labelled demo",
				"sources", n)
		}
		p = newPipeline(store, log, cfg)
		p.runner.Observe, p.observeScore = metrics.ObserveScrape, metrics.ObserveScore
	}
	if !*noScheduler {
		// Every replica ticks; the one holding the advisory lock runs the
		// jobs. Deferred after the pool's close and before the scheduler's
		// shutdown, the lock is released once the jobs have stopped and
		// before the pool goes.
		elector := newLeaderElector(d.DB.DB, log)
		defer func() {
			closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := elector.Close(closeCtx); err != nil {
				log.Error("scheduler elector", "err", err)
			}
		}()
		p.elector = elector
		sched, err := p.startScheduler(ctx)
		if err != nil {
			return err
		}
		defer func() {
			if err := sched.Shutdown(); err != nil {
				log.Error("scheduler shutdown", "err", err)
			}
		}()
	}

	// Staff run sources through the same pipeline as the scheduler (even on
	// a replica whose scheduler is off) and edit settings as the scrapers
	// read them.
	// Public answers are kept in memory until PostgreSQL notifies a change.
	listenCtx, stopListening := context.WithCancel(ctx)
	defer stopListening()
	if cache != nil {
		<-listenForChanges(listenCtx, d.URL, cache, log)
	}

	h, err := handlers.New(store, log, handlers.Options{Demo: *withDemo, Ready: readiness(d), Cache: cache, Metrics: metrics,
		RateLimit: rate.Limit(cfg.RateLimit), RateBurst: cfg.RateBurst, TrustedProxies: cfg.TrustedProxies,
		Sessions:  handlers.NewSessionManager(d.DB.DB, 5*time.Minute),
		RunSource: p.runSource, CheckSettings: scrapers.CheckSettings, Evidence: p.evidence})
	if err != nil {
		return err
	}
	server := &http.Server{
		Handler:           handlers.NewEngine(h),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	log.Info("serving", "url", "http://"+ln.Addr().String(), "demo", *withDemo, "scheduler", !*noScheduler)
	errc := make(chan error, 1)
	go func() { errc <- server.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	if err := server.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// readiness is ready when the database answers and no migration is pending.
func readiness(d *database) handlers.ReadyChecker {
	return func(ctx context.Context) error {
		if err := d.DB.PingContext(ctx); err != nil {
			return fmt.Errorf("database: %w", err)
		}
		p, err := migrations.NewProvider(d.DB.DB)
		if err != nil {
			return err
		}
		pending, err := p.HasPending(ctx)
		if err != nil {
			return fmt.Errorf("migrations: %w", err)
		}
		if pending {
			return errors.New("migrations pending")
		}
		// A newer replica migrated past this binary: it must not serve.
		return migrations.CheckNotNewer(ctx, p)
	}
}

// startDemo serves the demo corpus and registers its sources, disabling
// those of an earlier demo server at another address.
func startDemo(ctx context.Context, cfg config, store *models.Store, log *slog.Logger) (*demo.Server, error) {
	js, err := store.Jurisdictions(ctx)
	if err != nil {
		return nil, err
	}
	// The corpus's dates hang on the day, not the instant, so that restarts
	// on the same day read the same pages and change nothing.
	srv, err := demo.Start(ctx, cfg.DemoAddr, js, time.Now().UTC().Truncate(24*time.Hour))
	if err != nil {
		return nil, fmt.Errorf("demo corpus: %w", err)
	}
	for _, src := range srv.Sources() {
		if _, err := store.UpsertSource(ctx, src); err != nil {
			srv.Close()
			return nil, err
		}
	}
	n, err := store.DisableDemoSourcesExcept(ctx, srv.URL())
	if err != nil {
		srv.Close()
		return nil, err
	}
	if n > 0 {
		log.Info("disabled demo sources of an earlier demo server", "count", n)
	}
	return srv, nil
}

// collectDemo runs the real pipeline over the demo corpus — fetch, parse,
// extract, store, score — before the server takes requests, so the first
// page already shows a full map.
func collectDemo(ctx context.Context, store *models.Store, p *pipeline, srv *demo.Server, log *slog.Logger) error {
	start := time.Now()
	runs, err := p.runner.RunAll(ctx, "")
	if err != nil {
		return fmt.Errorf("demo scrape: %w", err)
	}
	scored, err := p.rescore(ctx, nil, "demo")
	if err != nil {
		return fmt.Errorf("demo score: %w", err)
	}
	// Demonstration scorecards are published at once, saying so; real ones
	// wait for staff and the agency's right of reply.
	published, err := publishDemo(ctx, store)
	if err != nil {
		return fmt.Errorf("demo publish: %w", err)
	}
	log.Info("demo corpus collected and scored", "corpus", srv.URL(), "sources", len(runs),
		"jurisdictions", scored, "published", published, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// publishDemo publishes the newest scorecard of every jurisdiction whose
// scorecard is demonstration data.
func publishDemo(ctx context.Context, store *models.Store) (int, error) {
	js, err := store.Jurisdictions(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, j := range js {
		_, err := store.PublishLatestDirectly(ctx, j.Code, "demo",
			"Demonstration data, published automatically without a right of reply.", time.Now())
		switch {
		case err == nil:
			n++
		case errors.Is(err, models.ErrWrongState), errors.Is(err, models.ErrNotFound):
			// Real data, or never scored: left for staff.
		default:
			return n, err
		}
	}
	return n, nil
}

// hostPort is the host:port of a base URL such as http://127.0.0.1:8089.
func hostPort(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	return u.Host
}
