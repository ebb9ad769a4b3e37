// Command heard-load is the loopback load test of `make bench`: it seeds a
// database with 52 jurisdictions × 2,000 activities, scores and publishes
// them, starts `heard serve` on it and a plain static file server holding
// byte-identical copies of the same answers, and drives both with vegeta at
// full speed, one URL at a time. For each URL it prints requests per
// second, p50 and p99 latency, errors, the server's peak RSS, and Heard's
// throughput as a share of the static server's.
//
//	heard-load -db POSTGRES_URL [-heard bin/heard] [-duration 5s] [-workers 32]
//
// POSTGRES_URL names a server where heard-load may create (and afterwards
// drop) a database of its own. heard-load runs itself with -static DIR
// -addr ADDR as the static server, so that each server is its own process
// and their peak RSS can be read apart.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the PostgreSQL driver
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"heard/migrations"
	"heard/models"
	"heard/models/modeltest"
)

// targets are the four reads issue 7 measures; static and bytes are filled
// in once Heard has answered each.
var targets = []struct {
	name, path, static string
	bytes              int
}{
	{name: "national page", path: "/"},
	{name: "state page", path: "/states/OH"},
	{name: "jurisdictions JSON", path: "/api/v1/jurisdictions"},
	{name: "scorecard JSON", path: "/api/v1/jurisdictions/OH/scorecard"},
}

func main() {
	static := flag.String("static", "", "serve the files of this directory (internal: the static server)")
	addr := flag.String("addr", "127.0.0.1:0", "listen address of the static server (internal)")
	dbURL := flag.String("db", os.Getenv("HEARD_TEST_DATABASE_URL"), "PostgreSQL server URL to create the load database on")
	heardBin := flag.String("heard", "bin/heard", "the heard binary")
	duration := flag.Duration("duration", 5*time.Second, "attack length per URL and server")
	workers := flag.Uint64("workers", 32, "concurrent requests")
	perState := flag.Int("activities", 2000, "activities per jurisdiction")
	uncached := flag.Bool("uncached", false, "also measure heard with its response cache off (HEARD_CACHE_TTL=0)")
	flag.Parse()
	var err error
	if *static != "" {
		err = serveStatic(*static, *addr)
	} else {
		err = run(*dbURL, *heardBin, *duration, *workers, *perState, *uncached)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "heard-load:", err)
		os.Exit(1)
	}
}

func run(serverURL, heardBin string, duration time.Duration, workers uint64, perState int, uncached bool) error {
	if serverURL == "" {
		return errors.New("no database: give -db or set HEARD_TEST_DATABASE_URL (`make bench` does)")
	}
	ctx := context.Background()
	dbURL, drop, err := createDatabase(ctx, serverURL)
	if err != nil {
		return err
	}
	defer drop()
	fmt.Printf("Seeding 52 jurisdictions × %d activities… ", perState)
	start := time.Now()
	if err := seed(ctx, dbURL, perState); err != nil {
		return err
	}
	fmt.Printf("done in %v\n", time.Since(start).Round(time.Millisecond))

	heard, err := startServer(heardBin, []string{"serve", "--no-scheduler", "--no-migrate", "--addr", "127.0.0.1:0"},
		append(os.Environ(), "DATABASE_URL="+dbURL, "HEARD_RATE_LIMIT=-1", "HEARD_LOG_FORMAT=json"))
	if err != nil {
		return fmt.Errorf("start heard: %w", err)
	}
	defer heard.stop()

	// The static server gets what Heard answers, byte for byte, with the
	// same media type.
	dir, err := os.MkdirTemp("", "heard-load-static-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for i, t := range targets {
		body, ctype, err := fetch(heard.base + t.path)
		if err != nil {
			return err
		}
		name := strconv.Itoa(i) + extensionFor(ctype)
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			return err
		}
		targets[i].static = "/" + name
		targets[i].bytes = len(body)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	static, err := startServer(self, []string{"-static", dir, "-addr", "127.0.0.1:0"}, os.Environ())
	if err != nil {
		return fmt.Errorf("start the static server: %w", err)
	}
	defer static.stop()

	fmt.Printf("Each URL for %v per server, %d workers, keep-alive, loopback; heard %s, static %s\n\n",
		duration, workers, heard.base, static.base)
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	var cold *server
	if uncached {
		cold, err = startServer(heardBin, []string{"serve", "--no-scheduler", "--no-migrate", "--addr", "127.0.0.1:0"},
			append(os.Environ(), "DATABASE_URL="+dbURL, "HEARD_RATE_LIMIT=-1", "HEARD_LOG_FORMAT=json", "HEARD_CACHE_TTL=0"))
		if err != nil {
			return fmt.Errorf("start heard without its cache: %w", err)
		}
		defer cold.stop()
	}
	fmt.Fprintln(tw, "URL\tbytes\tserver\treq/s\tp50\tp99\terrors\tpeak RSS\tshare of static\t")
	for _, t := range targets {
		s := attack(static.base+t.static, duration, workers)
		s.rss = static.peakRSS()
		row := func(label string, srv *server) {
			r := attack(srv.base+t.path, duration, workers)
			r.rss = srv.peakRSS()
			share := "—"
			if s.rps > 0 {
				share = fmt.Sprintf("%.2f", r.rps/s.rps)
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%.0f\t%v\t%v\t%d\t%s\t%s\t\n", t.path, t.bytes, label, r.rps, r.p50, r.p99, r.errors, mib(r.rss), share)
		}
		row("heard", heard)
		if cold != nil {
			row("heard, no cache", cold)
		}
		fmt.Fprintf(tw, "%s\t%d\tstatic\t%.0f\t%v\t%v\t%d\t%s\t\t\n", t.path, t.bytes, s.rps, s.p50, s.p99, s.errors, mib(s.rss))
	}
	return tw.Flush()
}

// result is one attack's summary.
type result struct {
	rps      float64
	p50, p99 time.Duration
	errors   int
	rss      int64
}

func attack(target string, duration time.Duration, workers uint64) result {
	a := vegeta.NewAttacker(vegeta.Workers(workers), vegeta.MaxWorkers(workers), vegeta.KeepAlive(true),
		vegeta.Connections(int(workers)), vegeta.Timeout(10*time.Second))
	tr := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: target})
	var m vegeta.Metrics
	for res := range a.Attack(tr, vegeta.Rate{Freq: 0}, duration, target) {
		m.Add(res)
	}
	m.Close()
	errs := 0
	for code, n := range m.StatusCodes {
		if code != "200" {
			errs += n
		}
	}
	return result{rps: m.Throughput, p50: m.Latencies.P50.Round(time.Microsecond),
		p99: m.Latencies.P99.Round(time.Microsecond), errors: errs}
}

// createDatabase makes a fresh database on the server and returns its URL
// and a function that drops it.
func createDatabase(ctx context.Context, serverURL string) (string, func(), error) {
	admin, err := sqlx.Open("postgres", serverURL)
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "heard_load_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	u, err := url.Parse(serverURL)
	if err != nil {
		admin.Close()
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		_, _ = admin.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
		admin.Close()
	}
	return u.String(), drop, nil
}

// seed migrates the database, loads the activities, scores every
// jurisdiction and publishes each scorecard through the staff workflow, so
// the public reads what the public would.
func seed(ctx context.Context, dbURL string, perState int) error {
	db, err := sqlx.Open("postgres", dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := migrations.Up(ctx, db.DB); err != nil {
		return err
	}
	s := models.NewStore(db)
	now := time.Now().UTC()
	if err := modeltest.SeedActivities(ctx, s, 52*perState, now.Add(-24*time.Hour)); err != nil {
		return err
	}
	js, err := s.Jurisdictions(ctx)
	if err != nil {
		return err
	}
	for _, j := range js {
		if _, err := s.Rescore(ctx, j.Code, now, "manual"); err != nil {
			return err
		}
		if _, _, err := s.OpenReview(ctx, j.Code, "load@heard.invalid", now); err != nil {
			return err
		}
		req := models.ReplyRequest{Contact: "load test", Due: now.Add(24 * time.Hour)}
		if _, _, err := s.RequestReply(ctx, j.Code, req, "load@heard.invalid", now); err != nil {
			return err
		}
		if _, err := s.PublishReview(ctx, j.Code, "load@heard.invalid", now); err != nil {
			return err
		}
	}
	return nil
}

// server is a child process serving HTTP.
type server struct {
	cmd  *exec.Cmd
	base string
}

// startServer runs the command, which must print its address (a line
// containing "http://HOST:PORT") on stdout or stderr, and waits until it
// answers.
func startServer(bin string, args, env []string) (*server, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	r, w := io.Pipe()
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	found := make(chan string, 1)
	go func() {
		buf := make([]byte, 64<<10)
		var seen strings.Builder
		for {
			n, err := r.Read(buf)
			if seen.Len() < 1<<20 {
				seen.Write(buf[:n])
				if i := strings.Index(seen.String(), "http://127.0.0.1:"); i >= 0 {
					rest := seen.String()[i:]
					if j := strings.IndexAny(rest, "\" \n"); j > 0 {
						select {
						case found <- rest[:j]:
						default:
						}
					}
				}
			}
			if err != nil {
				return
			}
		}
	}()
	select {
	case base := <-found:
		s := &server{cmd: cmd, base: strings.TrimSuffix(base, "/")}
		for range 100 {
			if resp, err := http.Get(s.base + "/healthz"); err == nil {
				resp.Body.Close()
				return s, nil
			}
			time.Sleep(50 * time.Millisecond)
		}
		s.stop()
		return nil, fmt.Errorf("%s does not answer", s.base)
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("%s printed no address", bin)
	}
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
	}
}

// peakRSS is the process's peak resident set size so far (VmHWM), in bytes.
func (s *server) peakRSS() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func mib(b int64) string {
	if b == 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}

func fetch(u string) ([]byte, string, error) {
	resp, err := http.Get(u)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	body, err := io.ReadAll(resp.Body)
	return body, resp.Header.Get("Content-Type"), err
}

// extensionFor picks a file extension whose type http.FileServer will
// send back as ctype.
func extensionFor(ctype string) string {
	mt, _, _ := mime.ParseMediaType(ctype)
	switch mt {
	case "text/html":
		return ".html"
	case "application/json":
		return ".json"
	}
	return ".bin"
}

// serveStatic is the static side: http.FileServer over dir.
func serveStatic(dir, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("static files on http://%s\n", ln.Addr())
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServer(http.Dir(dir)))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	return http.Serve(ln, mux)
}
