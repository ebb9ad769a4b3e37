package main

import (
	"context"
	"encoding/json"
	"os"
	"os/user"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"heard/models"
	"heard/models/modeltest"
	"heard/scrapers/registry"
)

// auditDB points heard at a fresh migrated database and returns a Store
// over it, to read the audit log with.
func auditDB(t *testing.T) (*sqlx.DB, *models.Store) {
	t.Helper()
	db, url := modeltest.NewDBWithURL(t)
	t.Setenv("DATABASE_URL", url)
	return db, models.NewStore(db)
}

// auditLog is the whole audit log, oldest first.
func auditLog(t *testing.T, store *models.Store) []models.AuditEntry {
	t.Helper()
	entries, total, err := store.AuditLog(context.Background(), 10000, 0)
	if err != nil {
		t.Fatal(err)
	}
	if total != len(entries) {
		t.Fatalf("audit log has %d entries, read %d", total, len(entries))
	}
	for i, j := 0, len(entries)-1; i < j; i, j = i+1, j-1 {
		entries[i], entries[j] = entries[j], entries[i]
	}
	return entries
}

// summary names audit entries by action and target, for failure messages.
func summary(entries []models.AuditEntry) string {
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Action + " " + e.Target
	}
	return strings.Join(names, ", ")
}

// wantAudit checks that the audit log grew by exactly one entry, made by
// the command line with the action and target, and returns it.
func wantAudit(t *testing.T, store *models.Store, had int, action, target string) models.AuditEntry {
	t.Helper()
	entries := auditLog(t, store)
	if len(entries) != had+1 {
		t.Fatalf("audit log went from %d to %d entries, want one more (%s %s): %s", had, len(entries), action, target, summary(entries[min(had, len(entries)):]))
	}
	e := entries[had]
	want := "cli:" + cliUserName(user.Current, os.Getenv)
	if e.Actor != want || e.ActorID != nil || e.Action != action || e.Target != target {
		t.Errorf("audit entry %s by %q (id %v) on %s, want %s by %q (no id) on %s",
			e.Action, e.Actor, e.ActorID, e.Target, action, want, target)
	}
	return e
}

// wantNoAudit checks that the audit log still has had entries.
func wantNoAudit(t *testing.T, store *models.Store, had int, what string) {
	t.Helper()
	if entries := auditLog(t, store); len(entries) != had {
		t.Errorf("%s: audit log went from %d to %d entries: %s", what, had, len(entries), summary(entries[min(had, len(entries)):]))
	}
}

// field reads one top-level field of an audit entry's before or after.
func field(t *testing.T, raw json.RawMessage, name string) any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s is not a JSON object: %v", raw, err)
	}
	return m[name]
}

// wantAbsent checks that no part of an audit entry holds any of secrets.
func wantAbsent(t *testing.T, e models.AuditEntry, secrets ...string) {
	t.Helper()
	all, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if strings.Contains(string(all), s) {
			t.Errorf("audit entry %s holds %q: %s", e.Action, s, all)
		}
	}
}

func TestCLIUserName(t *testing.T) {
	named := func() (*user.User, error) { return &user.User{Username: "ada"}, nil }
	nameless := func() (*user.User, error) { return &user.User{}, nil }
	unknown := func() (*user.User, error) { return nil, user.UnknownUserIdError(1234) }
	env := func(user string) func(string) string {
		return func(k string) string {
			if k == "USER" {
				return user
			}
			return ""
		}
	}
	tests := []struct {
		name    string
		current func() (*user.User, error)
		user    string
		want    string
	}{
		{"the account wins over $USER", named, "bob", "ada"},
		{"an account without a name falls back to $USER", nameless, "bob", "bob"},
		{"an unknown uid falls back to $USER", unknown, "bob", "bob"},
		{"nothing at all", unknown, "", "unknown"},
	}
	for _, tt := range tests {
		if got := cliUserName(tt.current, env(tt.user)); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := cliActor(); !strings.HasPrefix(got.Email, "cli:") || len(got.Email) == len("cli:") || got.ID != 0 {
		t.Errorf("cliActor() = %+v, want cli:<name> and no id", got)
	}
}

func TestOverrideCommandAudited(t *testing.T) {
	_, store := auditDB(t)
	const target = "jurisdiction/OH/criterion/comment"
	mustHeard(t, "override", "--state", "oh", "--criterion", "comment", "--score", "3",
		"--justification", "Second round held; see minutes.")
	e := wantAudit(t, store, 0, "override.score", target)
	if string(e.Before) != "null" || field(t, e.After, "score") != 3.0 || field(t, e.After, "author") == "" ||
		field(t, e.After, "justification") != "Second round held; see minutes." {
		t.Errorf("override.score before %s after %s", e.Before, e.After)
	}
	first := field(t, e.After, "id")

	mustHeard(t, "override", "--state", "OH", "--criterion", "comment", "--clear", "--justification", "Minutes withdrawn.")
	e = wantAudit(t, store, 1, "override.cleared", target)
	if field(t, e.Before, "id") != first || field(t, e.After, "kind") != "cleared" {
		t.Errorf("override.cleared before %s after %s; want the score override before it", e.Before, e.After)
	}

	mustHeard(t, "override", "--state", "OH", "--criterion", "tribal", "--none-found", "--justification", "Searched.")
	wantAudit(t, store, 2, "override.none_found", "jurisdiction/OH/criterion/tribal")

	for _, args := range [][]string{
		{"--state", "OH", "--criterion", "comment", "--score", "9", "--justification", "x"},      // refused in the transaction
		{"--state", "OH", "--criterion", "nope", "--none-found", "--justification", "x"},         // refused in the transaction
		{"--state", "OH", "--criterion", "comment", "--score", "2", "--justification", "  "},     // refused in the transaction
		{"--state", "ZZ", "--criterion", "comment", "--score", "2", "--justification", "x"},      // refused before it
		{"--state", "OH", "--criterion", "comment", "--score", "2", "--none-found", "--clear"},   // refused before it
		{"--state", "OH", "--criterion", "comment", "--score", "2", "--justification", "x", "y"}, // refused before it
	} {
		if code, _, stderr := runHeard(t, context.Background(), append([]string{"override"}, args...)...); code != 2 {
			t.Errorf("heard override %v: exit %d, want 2 (%s)", args, code, stderr)
		}
		wantNoAudit(t, store, 3, strings.Join(args, " "))
	}
	overrides, err := store.Overrides(context.Background(), "OH", 1)
	if err != nil || len(overrides) != 3 {
		t.Errorf("%d overrides stored, want the 3 audited (%v)", len(overrides), err)
	}
}

func TestSourcesCommandsAudited(t *testing.T) {
	db, store := auditDB(t)
	const url = "https://education.example.gov/news.rss"
	id := addSource(t, "--state", "oh", "--kind", "rss", "--url", url, "--name", "OH news")
	target := "source/" + strconv.FormatInt(id, 10)
	e := wantAudit(t, store, 0, "source.add", target)
	if string(e.Before) != "null" || field(t, e.After, "url") != url || field(t, e.After, "enabled") != true {
		t.Errorf("source.add before %s after %s", e.Before, e.After)
	}

	for _, args := range [][]string{
		{"add", "--state", "OH", "--kind", "rss", "--url", url}, // registered already: refused by the database
		{"add", "--state", "ZZ", "--kind", "rss", "--url", url},
		{"add", "--state", "OH", "--kind", "html", "--url", url + "?page"}, // no item selector
		{"enable", "99999"},
		{"disable", "abc"},
	} {
		if code, _, stderr := runHeard(t, context.Background(), append([]string{"sources"}, args...)...); code != 2 {
			t.Errorf("heard sources %v: exit %d, want 2 (%s)", args, code, stderr)
		}
		wantNoAudit(t, store, 1, strings.Join(args, " "))
	}

	mustHeard(t, "sources", "disable", strconv.FormatInt(id, 10))
	e = wantAudit(t, store, 1, "source.disable", target)
	if field(t, e.Before, "enabled") != true || field(t, e.After, "enabled") != false {
		t.Errorf("source.disable before %s after %s", e.Before, e.After)
	}
	mustHeard(t, "sources", "enable", strconv.FormatInt(id, 10))
	e = wantAudit(t, store, 2, "source.enable", target)
	if field(t, e.Before, "enabled") != false || field(t, e.After, "enabled") != true {
		t.Errorf("source.enable before %s after %s", e.Before, e.After)
	}

	// A sync audits each source it adds, ...
	entries, err := registry.Load()
	if err != nil {
		t.Fatal(err)
	}
	mustHeard(t, "sources", "sync")
	log := auditLog(t, store)
	if len(log) != 3+len(entries) {
		t.Fatalf("first sync of %d registry entries made %d audit entries", len(entries), len(log)-3)
	}
	for _, e := range log[3:] {
		if e.Action != "source.sync" || !strings.HasPrefix(e.Target, "source/") || string(e.Before) != "null" ||
			e.Target != "source/"+strconv.FormatFloat(field(t, e.After, "id").(float64), 'f', -1, 64) {
			t.Errorf("sync audited %s %s before %s after %s", e.Action, e.Target, e.Before, e.After)
		}
	}
	// ... none when nothing changed, ...
	mustHeard(t, "sources", "sync")
	wantNoAudit(t, store, len(log), "a sync that changed nothing")
	// ... and each unverified source it puts back as the registry has it.
	changed := entries[0]
	var changedID int64
	if err := db.Get(&changedID, `UPDATE sources SET name = 'renamed by hand' WHERE jurisdiction = $1 AND url = $2
		RETURNING id`, changed.Jurisdiction, changed.URL); err != nil {
		t.Fatal(err)
	}
	mustHeard(t, "sources", "sync")
	e = wantAudit(t, store, len(log), "source.sync", "source/"+strconv.FormatInt(changedID, 10))
	if field(t, e.Before, "name") != "renamed by hand" || field(t, e.After, "name") != changed.Name {
		t.Errorf("source.sync of an updated source: before %s after %s", e.Before, e.After)
	}
}

func TestTokenCommandAudited(t *testing.T) {
	_, store := auditDB(t)
	out := mustHeard(t, "token", "create", "--name", "Policy lab")
	secret := regexp.MustCompile(models.TokenPrefix + `[A-Za-z0-9_-]+`).FindString(out)
	if secret == "" {
		t.Fatalf("token create printed no token: %q", out)
	}
	tokens, err := store.APITokens(context.Background())
	if err != nil || len(tokens) != 1 {
		t.Fatalf("tokens %+v: %v", tokens, err)
	}
	target := "token/" + strconv.FormatInt(tokens[0].ID, 10)
	e := wantAudit(t, store, 0, "token.create", target)
	if string(e.Before) != "null" || field(t, e.After, "name") != "Policy lab" {
		t.Errorf("token.create before %s after %s", e.Before, e.After)
	}
	hash := models.SHA256Hex([]byte(secret))
	wantAbsent(t, e, secret, strings.TrimPrefix(secret, models.TokenPrefix), hash, "sha256")

	id := strconv.FormatInt(tokens[0].ID, 10)
	if out := mustHeard(t, "token", "revoke", id); !strings.Contains(out, "revoked") {
		t.Errorf("revoke printed %q", out)
	}
	e = wantAudit(t, store, 1, "token.revoke", target)
	if field(t, e.Before, "revoked_at") != nil || field(t, e.After, "revoked_at") == nil {
		t.Errorf("token.revoke before %s after %s", e.Before, e.After)
	}
	wantAbsent(t, e, secret, hash)

	if out := mustHeard(t, "token", "revoke", id); !strings.Contains(out, "already revoked") {
		t.Errorf("a second revoke printed %q", out)
	}
	wantNoAudit(t, store, 2, "revoking a revoked token")
	for _, args := range [][]string{{"revoke", "99999"}, {"revoke", "x"}, {"create"}, {"create", "--name", " "}} {
		if code, _, stderr := runHeard(t, context.Background(), append([]string{"token"}, args...)...); code != 2 {
			t.Errorf("heard token %v: exit %d, want 2 (%s)", args, code, stderr)
		}
		wantNoAudit(t, store, 2, strings.Join(args, " "))
	}
	if tokens, _ := store.APITokens(context.Background()); len(tokens) != 1 {
		t.Errorf("%d tokens, want the 1 audited", len(tokens))
	}
}

func TestUserCommandsAudited(t *testing.T) {
	_, store := auditDB(t)
	withStdin := func(s string) {
		old := stdin
		stdin = strings.NewReader(s)
		t.Cleanup(func() { stdin = old })
	}
	const password, newPassword = "correct horse battery", "a brand new passphrase"
	withStdin(password + "\n")
	mustHeard(t, "user", "add", "--email", "Ada@Example.org", "--role", "editor")
	u, err := store.UserByEmail(context.Background(), "ada@example.org")
	if err != nil {
		t.Fatal(err)
	}
	target := "user/" + strconv.FormatInt(u.ID, 10)
	e := wantAudit(t, store, 0, "user.add", target)
	if string(e.Before) != "null" || field(t, e.After, "email") != "ada@example.org" || field(t, e.After, "role") != "editor" {
		t.Errorf("user.add before %s after %s", e.Before, e.After)
	}
	wantAbsent(t, e, password, u.PasswordHash, "argon2", "password")

	for _, tc := range []struct{ stdin, email, role string }{
		{"another long password\n", "ADA@example.org", "viewer"}, // taken: refused by the database
		{"another long password\n", "bo@example.org", "owner"},
		{"short\n", "bo@example.org", "viewer"},
	} {
		withStdin(tc.stdin)
		if code, _, stderr := runHeard(t, context.Background(), "user", "add", "--email", tc.email, "--role", tc.role); code != 2 {
			t.Errorf("user add %s %s: exit %d, want 2 (%s)", tc.email, tc.role, code, stderr)
		}
		wantNoAudit(t, store, 1, "user add "+tc.email+" "+tc.role)
	}

	withStdin(newPassword + "\n")
	mustHeard(t, "user", "passwd", "--email", "ada@example.org")
	after, err := store.UserByEmail(context.Background(), "ada@example.org")
	if err != nil {
		t.Fatal(err)
	}
	e = wantAudit(t, store, 1, "user.passwd", target)
	wantAbsent(t, e, password, newPassword, u.PasswordHash, after.PasswordHash, "argon2", "password")

	for _, tc := range []struct{ stdin, email string }{
		{newPassword + "\n", "nobody@example.org"},
		{"short\n", "ada@example.org"},
	} {
		withStdin(tc.stdin)
		if code, _, stderr := runHeard(t, context.Background(), "user", "passwd", "--email", tc.email); code != 2 {
			t.Errorf("user passwd %s: exit %d, want 2 (%s)", tc.email, code, stderr)
		}
		wantNoAudit(t, store, 2, "user passwd "+tc.email)
	}
}

// TestCLIWritesRollBackWithoutTheirAudit: when the audit entry cannot be
// written, the change it records is not made either.
func TestCLIWritesRollBackWithoutTheirAudit(t *testing.T) {
	db, store := auditDB(t)
	ctx := context.Background()
	src, err := store.AddSource(ctx, models.Source{Jurisdiction: "OH", Kind: models.KindRSS,
		URL: "https://education.example.gov/feed.rss", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := store.CreateAPIToken(ctx, "Policy lab", "test")
	if err != nil {
		t.Fatal(err)
	}
	u, err := store.AddUser(ctx, "ada@example.org", models.RoleEditor, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'audit refused by the test'; END $$`,
		`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	count := func(query string, args ...any) int {
		t.Helper()
		var n int
		if err := db.Get(&n, query, args...); err != nil {
			t.Fatal(err)
		}
		return n
	}
	old := stdin
	t.Cleanup(func() { stdin = old })
	tests := []struct {
		args    []string
		stdin   string
		nothing func() bool
	}{
		{[]string{"override", "--state", "OH", "--criterion", "comment", "--score", "3", "--justification", "x"}, "",
			func() bool {
				return count(`SELECT count(*) FROM overrides`)+count(`SELECT count(*) FROM score_runs`) == 0
			}},
		{[]string{"sources", "add", "--state", "OH", "--kind", "rss", "--url", "https://education.example.gov/other.rss"}, "",
			func() bool { return count(`SELECT count(*) FROM sources`) == 1 }},
		{[]string{"sources", "disable", strconv.FormatInt(src.ID, 10)}, "",
			func() bool { return count(`SELECT count(*) FROM sources WHERE enabled`) == 1 }},
		{[]string{"sources", "sync"}, "",
			func() bool { return count(`SELECT count(*) FROM sources`) == 1 }},
		{[]string{"token", "create", "--name", "Another lab"}, "",
			func() bool { return count(`SELECT count(*) FROM api_tokens`) == 1 }},
		{[]string{"token", "revoke", strconv.FormatInt(tok.ID, 10)}, "",
			func() bool { return count(`SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL`) == 1 }},
		{[]string{"user", "add", "--email", "bo@example.org", "--role", "viewer"}, "another long password\n",
			func() bool { return count(`SELECT count(*) FROM users`) == 1 }},
		{[]string{"user", "passwd", "--email", "ada@example.org"}, "a brand new passphrase\n",
			func() bool {
				return count(`SELECT count(*) FROM users WHERE password_hash = $1 AND session_version = $2`,
					u.PasswordHash, u.SessionVersion) == 1
			}},
	}
	for _, tt := range tests {
		stdin = strings.NewReader(tt.stdin)
		code, _, stderr := runHeard(t, ctx, tt.args...)
		if code != 1 || !strings.Contains(stderr, "audit refused by the test") {
			t.Errorf("heard %v with the audit log refusing: exit %d, want 1 (%s)", tt.args, code, stderr)
		}
		if !tt.nothing() {
			t.Errorf("heard %v made its change without its audit entry", tt.args)
		}
	}
	wantNoAudit(t, store, 0, "every write refused")
}

func TestAuditCommand(t *testing.T) {
	_, store := auditDB(t)
	out := mustHeard(t, "audit")
	if strings.TrimSpace(out) != "WHEN (UTC)  ACTOR  ACTION  TARGET" {
		t.Errorf("empty audit log printed %q", out)
	}
	addSource(t, "--state", "oh", "--kind", "rss", "--url", "https://education.example.gov/news.rss")
	mustHeard(t, "token", "create", "--name", "Policy lab")
	// Entries from the staff workspace are listed alongside.
	if err := store.AppendAudit(context.Background(), models.User{Email: "editor@example.org"},
		"review.opened", "jurisdiction/OH/review", nil, nil); err != nil {
		t.Fatal(err)
	}
	actor := "cli:" + cliUserName(user.Current, os.Getenv)
	rows := func(out string) [][]string {
		var rows [][]string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
			if strings.HasPrefix(line, "(") {
				continue // the note of older entries
			}
			rows = append(rows, regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(line), -1))
		}
		return rows
	}
	got := rows(mustHeard(t, "audit"))
	want := [][]string{
		{"editor@example.org", "review.opened", "jurisdiction/OH/review"},
		{actor, "token.create", "token/1"},
		{actor, "source.add", "source/1"},
	}
	if len(got) != len(want) {
		t.Fatalf("audit printed rows %q, want %d", got, len(want))
	}
	for i, w := range want {
		if len(got[i]) != 4 || strings.Join(got[i][1:], "|") != strings.Join(w, "|") ||
			!regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`).MatchString(got[i][0]) {
			t.Errorf("row %d is %q, want a time and %q", i, got[i], w)
		}
	}

	out = mustHeard(t, "audit", "--limit", "1")
	if r := rows(out); len(r) != 1 || r[0][2] != "review.opened" || !strings.Contains(out, "(2 older entries; --limit shows more)") {
		t.Errorf("audit --limit 1 printed %q", out)
	}
	for _, args := range [][]string{{"--limit", "0"}, {"--limit", "-1"}, {"--limit", "x"}, {"extra"}} {
		code, stdout, stderr := runHeard(t, context.Background(), append([]string{"audit"}, args...)...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, "Usage:") {
			t.Errorf("heard audit %v: exit %d, stdout %q, stderr %q; want exit 2 and the usage", args, code, stdout, stderr)
		}
	}
}
