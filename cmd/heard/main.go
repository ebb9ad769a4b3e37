package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"heard/models"
	"heard/scrapers"
)

const usage = `heard — ESSA stakeholder-engagement scorecards

Usage:
  heard serve [--addr HOST:PORT] [--demo] [--no-scheduler] [--no-migrate]
  heard migrate up|status
  heard scrape [--state XX] [--source ID]
  heard sources list [--state XX] [--json]
  heard sources add --state XX --kind html|rss|atom|ical|pdf --url URL
                    [--name NAME] [--settings JSON]
  heard sources enable|disable ID
  heard sources sync
  heard score [--state XX]
  heard override --state XX --criterion KEY (--score N | --none-found | --clear)
                 --justification TEXT [--author NAME]
  heard user add --email E --role admin|editor|viewer   (password on stdin)
  heard user passwd --email E                          (new password on stdin; ends its sessions)
  heard token create --name NAME | list | revoke ID      (researchers' read-only API tokens)
  heard audit [--limit N]                              (the audit log, newest first; default 50)
  heard db start|stop|url
  heard help

Every write made here (override, sources add|enable|disable|sync, token
create|revoke, user add|passwd) commits with its audit log entry, in one
transaction, naming cli:<the account that ran heard> as the actor.

Environment:
  DATABASE_URL     PostgreSQL to use; unset means the embedded default cluster
  HEARD_DATA_DIR   where the embedded cluster lives (default ./.data)
  HEARD_ADDR       listen address for serve (default 127.0.0.1:8080)
  HEARD_DEMO_ADDR  loopback address of the demo corpus (default 127.0.0.1:8089)
  HEARD_LOG_FORMAT text (default) or json
  HEARD_ALLOW_PRIVATE_NETWORKS  1 lets the fetcher reach loopback and private
                   addresses (tests only; the demo corpus is allowed anyway)
  HEARD_SOURCE_MAX_FAILURES     failed runs in a row before a source is
                   disabled (default 10; 0 never disables)
  HEARD_RATE_LIMIT requests per second each client may make to /api/
                   (default 10; a negative value turns the limit off)
  HEARD_RATE_BURST requests a client may make at once (default 60)
  HEARD_TRUSTED_PROXIES  comma-separated IPs or CIDRs of reverse proxies
                   whose X-Forwarded-For names the client (default none)
  HEARD_SCHEDULER_TICK   how often the scheduler looks for due sources, and
                   so how soon a replica takes over a leader that has gone
                   (default 15s)
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// errUsage marks an error in how heard was called; run prints the usage.
var errUsage = errors.New("usage")

// run is main without the process: tests call it with their own arguments,
// output and context.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg := configFromEnv(os.Getenv)
	log := newLogger(stderr, cfg.LogFormat, cfg.LogLevel)
	for _, p := range cfg.Problems {
		log.Warn("ignoring a setting", "problem", p)
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = cmdServe(ctx, cfg, log, args[1:])
	case "migrate":
		err = cmdMigrate(ctx, cfg, log, args[1:], stdout)
	case "scrape":
		err = cmdScrape(ctx, cfg, log, args[1:], stdout, stderr)
	case "sources":
		err = cmdSources(ctx, cfg, log, args[1:], stdout)
	case "score":
		err = cmdScore(ctx, cfg, log, args[1:], stdout)
	case "override":
		err = cmdOverride(ctx, cfg, log, args[1:], stdout)
	case "token":
		err = cmdToken(ctx, cfg, log, args[1:], stdout)
	case "user":
		err = cmdUser(ctx, cfg, log, args[1:], stdin, stdout, stderr)
	case "audit":
		err = cmdAudit(ctx, cfg, log, args[1:], stdout)
	case "db":
		err = cmdDB(ctx, cfg, log, args[1:], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = fmt.Errorf("%w: unknown command %q", errUsage, args[0])
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
		fmt.Fprintf(stderr, "heard: %v\n\n%s", err, usage)
		return 2
	}
	var invalid *models.ValidationError
	if errors.As(err, &invalid) {
		fmt.Fprintf(stderr, "heard: %v\n", err)
		return 2
	}
	log.Error(args[0]+" failed", "err", err)
	return 1
}

// config is everything heard reads from its environment.
type config struct {
	DatabaseURL string
	DataDir     string
	Addr        string
	DemoAddr    string
	LogFormat   string
	// LogLevel is the lowest level logged; debug shows every request.
	LogLevel slog.Level
	// AllowPrivate lifts the fetcher's guard against private addresses.
	AllowPrivate bool
	// MaxFailures disables a source after that many failed runs in a row.
	MaxFailures int
	// RateLimit and RateBurst size each API client's token bucket; zero
	// means the handlers' defaults, negative turns the limit off.
	RateLimit float64
	RateBurst int
	// TrustedProxies may name the client in X-Forwarded-For.
	TrustedProxies []string
	// CacheTTL is how long a public answer may be kept in memory; zero
	// turns the cache off.
	CacheTTL time.Duration
	// SchedulerTick is how often every replica's scheduler looks for due
	// sources, and so how soon a follower takes over from a leader that
	// has gone.
	SchedulerTick time.Duration
	// Problems are settings that could not be read and were left at their
	// defaults; run logs them once the logger exists.
	Problems []string
}

func configFromEnv(getenv func(string) string) config {
	c := config{
		DatabaseURL: getenv("DATABASE_URL"),
		DataDir:     getenv("HEARD_DATA_DIR"),
		Addr:        getenv("HEARD_ADDR"),
		DemoAddr:    getenv("HEARD_DEMO_ADDR"),
		LogFormat:   getenv("HEARD_LOG_FORMAT"),
	}
	if c.DataDir == "" {
		c.DataDir = ".data"
	}
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8080"
	}
	if c.DemoAddr == "" {
		c.DemoAddr = "127.0.0.1:8089"
	}
	if v := getenv("HEARD_LOG_LEVEL"); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			c.Problems = append(c.Problems, "HEARD_LOG_LEVEL="+v+" is not debug, info, warn or error")
		}
	}
	c.AllowPrivate = scrapers.AllowPrivateNetworks(getenv("HEARD_ALLOW_PRIVATE_NETWORKS"))
	c.MaxFailures = 10
	if n, err := strconv.Atoi(getenv("HEARD_SOURCE_MAX_FAILURES")); err == nil && n >= 0 {
		c.MaxFailures = n
	}
	if v := getenv("HEARD_RATE_LIMIT"); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil && !math.IsNaN(f) {
			c.RateLimit = f
		} else {
			c.Problems = append(c.Problems, "HEARD_RATE_LIMIT="+v+" is not a number")
		}
	}
	if v := getenv("HEARD_RATE_BURST"); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			c.RateBurst = n
		} else {
			c.Problems = append(c.Problems, "HEARD_RATE_BURST="+v+" is not a whole number")
		}
	}
	c.CacheTTL = time.Minute
	if v := getenv("HEARD_CACHE_TTL"); v != "" {
		if d, err := time.ParseDuration(v); err == nil && d >= 0 {
			c.CacheTTL = d
		} else {
			c.Problems = append(c.Problems, "HEARD_CACHE_TTL="+v+" is not a duration such as 60s (0 turns the cache off)")
		}
	}
	c.SchedulerTick = defaultSchedulerTick
	if v := getenv("HEARD_SCHEDULER_TICK"); v != "" {
		if d, err := time.ParseDuration(v); err == nil && d >= 100*time.Millisecond {
			c.SchedulerTick = d
		} else {
			c.Problems = append(c.Problems, "HEARD_SCHEDULER_TICK="+v+" is not a duration of at least 100ms such as 15s")
		}
	}
	for _, p := range strings.Split(getenv("HEARD_TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p != "" {
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	return c
}

func newLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if strings.EqualFold(format, "json") {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// parseFlags parses a subcommand's flags, turning mistakes into errUsage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %s: %v", errUsage, fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: %s: unexpected argument %q", errUsage, fs.Name(), fs.Arg(0))
	}
	return nil
}
