package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/lib/pq"
)

// serverBinGlob is where Debian installs versioned server binaries, which are
// not on PATH by default. It is a variable so tests can simulate a machine
// without them.
var serverBinGlob = "/usr/lib/postgresql/*/bin"

// ErrNoServerBinaries is wrapped by the error returned when initdb, pg_ctl or
// postgres cannot be found, so that callers can tell "PostgreSQL is not
// installed" (fixable by the operator) apart from a broken cluster.
var ErrNoServerBinaries = errors.New("PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH or under " +
	"/usr/lib/postgresql/*/bin; install the Debian package postgresql (apt-get install postgresql) or set DATABASE_URL")

const (
	// superuser is the role initdb creates; the URL logs in as it.
	superuser = "heard"
	// defaultDatabase is the database heard itself uses.
	defaultDatabase = "heard"
	// port only names the socket file (.s.PGSQL.<port>): the server listens on
	// no TCP address, so clashing with a system PostgreSQL is impossible.
	port = 5432
	// serverUser is who the server runs as when heard runs as root, because
	// initdb and postgres refuse to run as root.
	serverUser = "postgres"
	// maxOutput bounds how much command output goes into an error: the end
	// of the output is where the reason for a failure is.
	maxOutput = 2048
	// maxSocketPath is the size of sun_path on Linux minus its NUL. A longer
	// path makes postgres fail at start with a message that is easy to miss.
	maxSocketPath = 107
	// confFile holds the settings heard depends on. It is rewritten before
	// every start so that a moved data directory still gets the right socket
	// directory; postgresql.conf includes it and stays the user's to edit.
	confFile = "heard.conf"
)

// Cluster is a private PostgreSQL cluster in a directory. It keeps no state
// of its own beyond paths, so several Clusters (in one process or many) on
// the same directory cooperate through the file lock and the server's own
// postmaster.pid.
type Cluster struct {
	dataDir string
	dir     string
	logger  *slog.Logger
}

// New returns the cluster that lives in dataDir/postgres. It touches nothing
// on disk, so it is cheap to call even when DATABASE_URL later turns out to
// be set. logger may be nil.
func New(dataDir string, logger *slog.Logger) *Cluster {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		abs = filepath.Clean(dataDir)
	}
	return &Cluster{dataDir: abs, dir: filepath.Join(abs, "postgres"), logger: logger}
}

// Dir is the absolute cluster directory. It is absolute because the server
// puts its socket there and clients must find it regardless of their working
// directory.
func (c *Cluster) Dir() string { return c.dir }

// URL is a lib/pq connection URL for database over the unix socket in Dir,
// e.g. postgres://heard@/heard?host=/abs/dir&port=5432&sslmode=disable. The
// port is explicit so that a PGPORT in the environment, meant for some other
// server, cannot send the client to a socket that does not exist.
func (c *Cluster) URL(database string) string {
	return "postgres://" + superuser + "@/" + url.PathEscape(database) +
		"?host=" + escapeQuery(c.dir) + "&port=" + strconv.Itoa(port) + "&sslmode=disable"
}

// Start creates the cluster if needed (initdb), starts it if it is not
// running, and makes sure database "heard" exists. started reports whether
// this call started the server: false when another process had already
// started it, in which case the server is shared and the caller should
// probably leave it running on exit. On error nothing is left running by
// this call.
func (c *Cluster) Start(ctx context.Context) (started bool, err error) {
	r, err := newRunner()
	if err != nil {
		return false, err
	}
	if len(c.dir)+len("/.s.PGSQL.")+len(strconv.Itoa(port)) > maxSocketPath {
		return false, fmt.Errorf("embedded postgres: cluster directory %s is too long for a unix socket path "+
			"(at most about %d bytes); choose a shorter HEARD_DATA_DIR", c.dir, maxSocketPath-len("/.s.PGSQL.5432"))
	}
	if err := c.makeDataDir(r); err != nil {
		return false, err
	}

	// The lock keeps two heard processes from both running initdb or both
	// starting a postmaster, which would fail or, worse, race on the files.
	unlock, err := c.lock(ctx)
	if err != nil {
		return false, err
	}
	defer unlock()

	if err := c.create(ctx, r); err != nil {
		return false, err
	}
	if err := c.fixOwner(r); err != nil {
		return false, err
	}
	// The loop runs a second time only when a server that looked alive
	// turns out to have died (crashed or killed just now), so it must be
	// started after all.
	for attempt := 0; ; attempt++ {
		running, err := c.status(ctx, r)
		if err != nil {
			return false, err
		}
		if running {
			c.logger.Info("embedded postgres reused running cluster", "dir", c.dir)
		} else {
			if err := c.start(ctx, r); err != nil {
				return false, err
			}
			started = true
			c.logger.Info("embedded postgres started", "dir", c.dir)
		}

		err = c.ensureDatabase(ctx, r)
		if err == nil {
			return started, nil
		}
		if errors.Is(err, errServerGone) && !started && attempt == 0 {
			continue
		}
		if started {
			// Do not leave a server behind that the caller does not know
			// it has to stop. ctx may be what failed, so use a fresh one.
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			if _, serr := r.run(stopCtx, r.pgCtl, "stop", "-D", c.dir, "-m", "fast", "-w"); serr != nil {
				c.logger.Warn("embedded postgres: stopping after failed start", "dir", c.dir, "err", serr)
			}
		}
		return false, err
	}
}

// Running reports whether a server is running on this cluster. Any failure
// to find out counts as not running, because callers use it to decide
// whether there is something to connect to or stop.
func (c *Cluster) Running(ctx context.Context) bool {
	if !c.initialized() {
		return false
	}
	r, err := newRunner()
	if err != nil {
		return false
	}
	running, err := c.status(ctx, r)
	return err == nil && running
}

// Stop stops the server (pg_ctl stop -m fast), waiting for it, so that the
// caller can exit knowing the data is safely on disk. It is no error if the
// server is not running.
func (c *Cluster) Stop(ctx context.Context) error {
	if !c.initialized() {
		return nil
	}
	r, err := newRunner()
	if err != nil {
		return err
	}
	// Holding the lock keeps a concurrent Start from seeing a server that is
	// about to go away and reusing it.
	unlock, err := c.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	running, err := c.status(ctx, r)
	if err != nil || !running {
		return err
	}
	if _, err := r.run(ctx, r.pgCtl, "stop", "-D", c.dir, "-m", "fast", "-w"); err != nil {
		return err
	}
	c.logger.Info("embedded postgres stopped", "dir", c.dir)
	return nil
}

// initialized reports whether initdb has completed: create only renames a
// cluster into place once initdb succeeded, and PG_VERSION is the file
// PostgreSQL itself uses to recognise a data directory.
func (c *Cluster) initialized() bool {
	_, err := os.Stat(filepath.Join(c.dir, "PG_VERSION"))
	return err == nil
}

// makeDataDir creates the data directory world-traversable, because when
// heard runs as root the server runs as another user and must reach the
// cluster directory inside it.
func (c *Cluster) makeDataDir(r *runner) error {
	if _, err := os.Stat(c.dataDir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(c.dataDir, 0o755); err != nil {
			return fmt.Errorf("embedded postgres: %w", err)
		}
		// MkdirAll is subject to the umask; a 0700 data dir would lock the
		// server user out.
		if err := os.Chmod(c.dataDir, 0o755); err != nil {
			return fmt.Errorf("embedded postgres: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("embedded postgres: %w", err)
	}
	if r.cred != nil {
		return r.checkTraversable(c.dataDir)
	}
	return nil
}

// lock takes an exclusive flock on dataDir/postgres.lock. It polls instead of
// blocking so that ctx can cancel the wait. It opens read-only because flock
// needs no write access, so a lock file created by root does not lock out a
// later non-root heard. The lock is tied to the open file, which Go opens
// close-on-exec, so it is never inherited by the postmaster and dies with
// the process if heard crashes.
func (c *Cluster) lock(ctx context.Context) (unlock func(), err error) {
	name := filepath.Join(c.dataDir, "postgres.lock")
	f, err := os.OpenFile(name, os.O_CREATE|os.O_RDONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("embedded postgres: %w", err)
	}
	fd := int(f.Fd())
	for {
		err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(fd, syscall.LOCK_UN)
				_ = f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			_ = f.Close()
			return nil, fmt.Errorf("embedded postgres: lock %s: %w", name, err)
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, fmt.Errorf("embedded postgres: waiting for lock %s: %w", name, context.Cause(ctx))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// create runs initdb unless the cluster exists. initdb works in a sibling
// directory that is renamed into place only on success, so a crash halfway
// leaves no half-made cluster that would look real on the next start.
func (c *Cluster) create(ctx context.Context, r *runner) error {
	if c.initialized() {
		return nil
	}
	if entries, err := os.ReadDir(c.dir); err == nil {
		if len(entries) > 0 {
			return fmt.Errorf("embedded postgres: %s exists but is not a PostgreSQL cluster (no PG_VERSION); "+
				"move it away so heard can create a fresh one", c.dir)
		}
		if err := os.Remove(c.dir); err != nil {
			return fmt.Errorf("embedded postgres: %w", err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("embedded postgres: %w", err)
	}

	tmp := c.dir + ".init"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("embedded postgres: removing leftover %s: %w", tmp, err)
	}
	var initErr error
	// C.UTF-8 sorts like C but classifies non-ASCII letters properly; some
	// systems lack it, and plain C is always there.
	for _, locale := range []string{"C.UTF-8", "C"} {
		if err := os.Mkdir(tmp, 0o700); err != nil {
			return fmt.Errorf("embedded postgres: %w", err)
		}
		if err := r.chown(tmp); err != nil {
			return err
		}
		var out []byte
		out, initErr = r.run(ctx, r.initdb, "-D", tmp, "-U", superuser, "-A", "trust", "-E", "UTF8", "--locale="+locale)
		if initErr == nil {
			break
		}
		_ = os.RemoveAll(tmp)
		if ctx.Err() != nil || !strings.Contains(strings.ToLower(string(out)), "locale") {
			break
		}
	}
	if initErr != nil {
		return initErr
	}

	include := fmt.Sprintf("\n# Added by heard: settings heard relies on, rewritten on every start.\ninclude_if_exists = '%s'\n", confFile)
	if err := appendFile(filepath.Join(tmp, "postgresql.conf"), include); err != nil {
		return err
	}
	if err := os.Rename(tmp, c.dir); err != nil {
		return fmt.Errorf("embedded postgres: %w", err)
	}
	c.logger.Info("embedded postgres created", "dir", c.dir)
	return nil
}

// fixOwner hands the cluster to the server user when heard runs as root,
// because postgres refuses a data directory it does not own (for example one
// created by an earlier non-root run, or restored by root from a backup).
func (c *Cluster) fixOwner(r *runner) error {
	if r.cred == nil {
		return nil
	}
	fi, err := os.Stat(c.dir)
	if err != nil {
		return fmt.Errorf("embedded postgres: %w", err)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid == r.cred.Uid && st.Gid == r.cred.Gid {
		return nil
	}
	err = filepath.WalkDir(c.dir, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, int(r.cred.Uid), int(r.cred.Gid))
	})
	if err != nil {
		return fmt.Errorf("embedded postgres: handing %s to user %s: %w", c.dir, serverUser, err)
	}
	return nil
}

// status asks pg_ctl, which knows the pid file format and the server's
// states, and then double-checks the "running" answer, which pg_ctl bases
// only on whether the pid exists.
func (c *Cluster) status(ctx context.Context, r *runner) (running bool, err error) {
	if !c.initialized() {
		return false, nil
	}
	_, err = r.run(ctx, r.pgCtl, "status", "-D", c.dir)
	if err == nil {
		_, stale := c.stalePostmaster()
		return !stale, nil
	}
	var exitErr *exec.ExitError
	// 3: not running; 4: no accessible data directory.
	if errors.As(err, &exitErr) && (exitErr.ExitCode() == 3 || exitErr.ExitCode() == 4) {
		return false, nil
	}
	return false, err
}

// start writes heard's settings and starts the server, waiting until it
// accepts connections.
func (c *Cluster) start(ctx context.Context, r *runner) error {
	conf := fmt.Sprintf(`# Written by heard before every start; edit postgresql.conf or use ALTER SYSTEM instead.
# No TCP: only heard (and root) can reach the server, through the socket here.
listen_addresses = ''
unix_socket_directories = %s
port = %d
# Modest limits for a single machine; heard's pool plus a few tools fit.
max_connections = 200
shared_buffers = '128MB'
`, quoteConf(c.dir), port)
	if err := r.writeFile(filepath.Join(c.dir, confFile), conf); err != nil {
		return err
	}
	if pid, stale := c.stalePostmaster(); stale {
		// postgres would refuse to start, taking the pid for a live server.
		// Its shared-memory interlock still stops it if children of the old
		// server are alive, so removing the files cannot let two run.
		c.logger.Warn("embedded postgres: removing lock files of a server that is gone", "dir", c.dir, "pid", pid)
		for _, name := range []string{"postmaster.pid", fmt.Sprintf(".s.PGSQL.%d.lock", port)} {
			if err := os.Remove(filepath.Join(c.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("embedded postgres: %w", err)
			}
		}
	}
	logFile := filepath.Join(c.dir, "server.log")
	var err error
	// After a crash (kill -9 of the postmaster) its children may hold the
	// old shared memory for a moment, which makes postgres refuse to start;
	// they exit as soon as they notice, so a few retries get past it.
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return err
			case <-time.After(time.Duration(attempt) * 500 * time.Millisecond):
			}
		}
		_, err = r.run(ctx, r.pgCtl, "start", "-w", "-D", c.dir, "-l", logFile)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || !strings.Contains(tailFile(logFile), "still in use") {
			break
		}
	}
	return fmt.Errorf("%w\nend of %s:\n%s", err, logFile, tailFile(logFile))
}

// stalePostmaster reports the pid in postmaster.pid when a process with that
// pid exists but certainly is not this cluster's server: a zombie nobody has
// reaped yet (or ever, when heard is PID 1 in a container without an init),
// or an unrelated process that got the pid after a reboot or container
// restart. pg_ctl and postgres only check that the pid exists, so they take
// either for a running server. The test is that a postmaster's working
// directory is its data directory. When it cannot be told (no /proc, or no
// permission), the pid is not stale, since removing a live server's pid file
// would make it shut down.
func (c *Cluster) stalePostmaster() (pid int, stale bool) {
	b, err := os.ReadFile(filepath.Join(c.dir, "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err = strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 {
		return 0, false
	}
	proc := "/proc/" + strconv.Itoa(pid)
	stat, err := os.ReadFile(proc + "/stat")
	if err != nil {
		// Gone, or no /proc: either way pg_ctl and postgres can judge.
		return pid, false
	}
	// The state follows the command name, which may contain spaces and
	// parentheses itself.
	if i := strings.LastIndexByte(string(stat), ')'); i >= 0 {
		if f := strings.Fields(string(stat[i+1:])); len(f) > 0 && (f[0] == "Z" || f[0] == "X") {
			return pid, true
		}
	}
	cwd, err := os.Readlink(proc + "/cwd")
	if errors.Is(err, fs.ErrNotExist) {
		// The process is exiting and has already let go of its files.
		return pid, true
	}
	if err != nil {
		return pid, false
	}
	dir, err := filepath.EvalSymlinks(c.dir)
	if err != nil {
		return pid, false
	}
	return pid, cwd != dir
}

// ensureDatabase creates database "heard" if missing. It connects to the
// "postgres" database, which initdb always creates.
func (c *Cluster) ensureDatabase(ctx context.Context, r *runner) error {
	db, err := sql.Open("postgres", c.URL("postgres"))
	if err != nil {
		return fmt.Errorf("embedded postgres: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	// pg_ctl -w returns only once the server accepts connections, but a
	// server found running may still be recovering, or may be dying.
	deadline := time.Now().Add(30 * time.Second)
	for {
		err = db.PingContext(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			return fmt.Errorf("embedded postgres: connecting to %s: %w", c.dir, err)
		}
		if running, serr := c.status(ctx, r); serr == nil && !running {
			return fmt.Errorf("embedded postgres: connecting to %s: %w: %w", c.dir, errServerGone, err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}

	var exists bool
	err = db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", defaultDatabase).Scan(&exists)
	if err != nil {
		return fmt.Errorf("embedded postgres: %w", err)
	}
	if exists {
		return nil
	}
	_, err = db.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(defaultDatabase))
	var pqErr *pq.Error
	// Someone may have created it since the check, e.g. a tool outside heard.
	if errors.As(err, &pqErr) && pqErr.SQLState() == "42P04" {
		return nil
	}
	if err != nil {
		return fmt.Errorf("embedded postgres: creating database %q: %w", defaultDatabase, err)
	}
	return nil
}

// errServerGone marks a failure to connect because the server is not running
// (any more).
var errServerGone = errors.New("server is not running")

// runner runs the server binaries as the right user.
type runner struct {
	initdb, pgCtl string
	// cred is nil when heard is not root and the server runs as heard's
	// own user.
	cred *syscall.Credential
	env  []string
}

// newRunner finds the server binaries and, when running as root, the
// unprivileged user to run them as.
func newRunner() (*runner, error) {
	bins, err := findBinaries()
	if err != nil {
		return nil, err
	}
	r := &runner{initdb: bins[0], pgCtl: bins[1]}

	// Settings in PG* variables are meant for some other server: PGPORT, for
	// one, would move the socket away from where URL points.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			r.env = append(r.env, kv)
		}
	}
	if os.Geteuid() != 0 {
		return r, nil
	}

	u, err := user.Lookup(serverUser)
	if err != nil {
		return nil, fmt.Errorf("embedded postgres: heard runs as root, and PostgreSQL refuses to run as root, "+
			"but there is no %q system user to run it as; create one (useradd --system --user-group %s) "+
			"or install the Debian package postgresql (apt-get install postgresql): %w", serverUser, serverUser, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("embedded postgres: user %s: %w", serverUser, err)
	}
	r.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	// Without them setgroups would clear the supplementary groups, such as
	// ssl-cert on Debian.
	if ids, err := u.GroupIds(); err == nil {
		for _, id := range ids {
			if g, err := strconv.ParseUint(id, 10, 32); err == nil {
				r.cred.Groups = append(r.cred.Groups, uint32(g))
			}
		}
	}
	// root's HOME is unreadable to the server user.
	r.env = slices.DeleteFunc(r.env, func(kv string) bool {
		return strings.HasPrefix(kv, "HOME=") || strings.HasPrefix(kv, "USER=") || strings.HasPrefix(kv, "LOGNAME=")
	})
	r.env = append(r.env, "HOME="+u.HomeDir, "USER="+serverUser, "LOGNAME="+serverUser)
	return r, nil
}

// findBinaries returns the paths of initdb, pg_ctl and postgres. PATH wins so
// that an operator can choose a version; otherwise the newest Debian-style
// installation is used, as a fresh install is the most likely to be wanted.
func findBinaries() ([]string, error) {
	names := []string{"initdb", "pg_ctl", "postgres"}
	if paths, ok := lookIn(names, exec.LookPath); ok {
		return paths, nil
	}
	dirs, _ := filepath.Glob(serverBinGlob)
	sortNewestFirst(dirs)
	for _, dir := range dirs {
		if paths, ok := lookIn(names, func(name string) (string, error) {
			return exec.LookPath(filepath.Join(dir, name))
		}); ok {
			return paths, nil
		}
	}
	return nil, fmt.Errorf("embedded postgres: %w", ErrNoServerBinaries)
}

// lookIn finds all names with look, or reports that one is missing: mixing
// binaries from different installations would not work.
func lookIn(names []string, look func(string) (string, error)) ([]string, bool) {
	paths := make([]string, 0, len(names))
	for _, name := range names {
		p, err := look(name)
		if err != nil {
			return nil, false
		}
		paths = append(paths, p)
	}
	return paths, true
}

// sortNewestFirst sorts versioned directories by the numbers in them,
// highest first, so that 16 sorts above 9.6, which a string sort gets wrong.
func sortNewestFirst(dirs []string) {
	slices.SortFunc(dirs, func(a, b string) int { return slices.Compare(versionOf(b), versionOf(a)) })
}

// versionOf extracts the numbers in path, which for a Debian-style bin
// directory is its PostgreSQL version.
func versionOf(path string) []int {
	var v []int
	n, inNum := 0, false
	for _, r := range path + "/" {
		if r >= '0' && r <= '9' {
			n, inNum = n*10+int(r-'0'), true
			continue
		}
		if inNum {
			v = append(v, n)
		}
		n, inNum = 0, false
	}
	return v
}

// run runs a server binary with ctx, returning its combined output. The
// error carries the end of the output, where the reason usually is.
func (r *runner) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = r.env
	// The server user may not be able to enter heard's working directory,
	// and every path passed is absolute anyway.
	cmd.Dir = "/"
	if r.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: r.cred}
	}
	// Guards against a child that keeps the output pipe open (the
	// postmaster does not, because pg_ctl -l redirects it to the log file).
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("embedded postgres: %s %s: %w\n%s",
			filepath.Base(name), strings.Join(args, " "), err, tail(out))
	}
	return out, nil
}

// chown gives path to the server user when heard runs as root.
func (r *runner) chown(path string) error {
	if r.cred == nil {
		return nil
	}
	if err := os.Lchown(path, int(r.cred.Uid), int(r.cred.Gid)); err != nil {
		return fmt.Errorf("embedded postgres: %w", err)
	}
	return nil
}

// writeFile replaces name atomically, so a server reading it never sees half
// a file, and owned by the server user, so it can read it at all.
func (r *runner) writeFile(name, content string) error {
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		return fmt.Errorf("embedded postgres: %w", err)
	}
	if err := r.chown(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, name); err != nil {
		return fmt.Errorf("embedded postgres: %w", err)
	}
	return nil
}

// checkTraversable fails with the name of the first directory from dir up to
// / that the server user cannot enter, because initdb and postgres only
// report "permission denied" on some path deep inside.
func (r *runner) checkTraversable(dir string) error {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("embedded postgres: %w", err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return nil
		}
		perm := fi.Mode().Perm()
		var can bool
		switch {
		case st.Uid == r.cred.Uid:
			can = perm&0o100 != 0
		case st.Gid == r.cred.Gid || slices.Contains(r.cred.Groups, st.Gid):
			can = perm&0o010 != 0
		default:
			can = perm&0o001 != 0
		}
		if !can {
			return fmt.Errorf("embedded postgres: directory %s (mode %v, owner uid %d) is not traversable by user %s, "+
				"which the server runs as because heard runs as root; allow it (chmod o+x %s) or choose another HEARD_DATA_DIR",
				d, perm, st.Uid, serverUser, d)
		}
		if parent := filepath.Dir(d); parent == d {
			return nil
		}
	}
}

// appendFile appends text to name, keeping its owner and mode.
func appendFile(name, text string) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("embedded postgres: %w", err)
	}
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("embedded postgres: %w", err)
	}
	return nil
}

// tail keeps the last maxOutput bytes of out.
func tail(out []byte) string {
	s := strings.TrimSpace(string(out))
	if len(s) > maxOutput {
		s = "..." + s[len(s)-maxOutput:]
	}
	return s
}

// tailFile is tail for a file that may be large, such as the server log;
// unreadable means empty.
func tailFile(name string) string {
	f, err := os.Open(name)
	if err != nil {
		return ""
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > maxOutput {
		_, _ = f.Seek(-maxOutput, io.SeekEnd)
	}
	b, _ := io.ReadAll(f)
	return tail(b)
}

// quoteConf quotes s as a postgresql.conf string value.
func quoteConf(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// escapeQuery percent-encodes s for a URL query value while keeping slashes
// readable, so that the URL of a socket directory still looks
// like the path it is.
func escapeQuery(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case 'a' <= ch && ch <= 'z', 'A' <= ch && ch <= 'Z', '0' <= ch && ch <= '9',
			ch == '-', ch == '.', ch == '_', ch == '~', ch == '/':
			b.WriteByte(ch)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[ch>>4])
			b.WriteByte(hex[ch&15])
		}
	}
	return b.String()
}
