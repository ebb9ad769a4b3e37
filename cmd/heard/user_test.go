package main

import (
	"context"
	"strings"
	"testing"

	"heard/models"
	"heard/models/modeltest"
)

func TestUserAdd(t *testing.T) {
	db, url := modeltest.NewDBWithURL(t)
	t.Setenv("DATABASE_URL", url)
	withStdin := func(s string) {
		old := stdin
		stdin = strings.NewReader(s)
		t.Cleanup(func() { stdin = old })
	}

	withStdin("correct horse battery\n")
	out := mustHeard(t, "user", "add", "--email", "Ada@Example.org", "--role", "editor")
	if !strings.Contains(out, "ada@example.org\teditor") {
		t.Errorf("output %q", out)
	}
	u, err := models.NewStore(db).UserByEmail(context.Background(), "ADA@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := models.VerifyPassword("correct horse battery", u.PasswordHash); !ok || err != nil {
		t.Errorf("stored hash does not verify the password read from stdin: %v %v", ok, err)
	}

	for _, tc := range []struct {
		name, stdin string
		args        []string
		wantErr     string
	}{
		{"duplicate email in another case", "another long password\n", []string{"--email", "ADA@example.org", "--role", "viewer"}, "already exists"},
		{"bad role", "another long password\n", []string{"--email", "bo@example.org", "--role", "owner"}, "role"},
		{"short password", "short\n", []string{"--email", "bo@example.org", "--role", "viewer"}, "password"},
		{"no password", "", []string{"--email", "bo@example.org", "--role", "viewer"}, "password"},
		{"missing flags", "x\n", []string{"--email", "bo@example.org"}, "--role"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			withStdin(tc.stdin)
			code, _, stderr := runHeard(t, context.Background(), append([]string{"user", "add"}, tc.args...)...)
			if code == 0 || !strings.Contains(stderr, tc.wantErr) {
				t.Errorf("exit %d, stderr %q; want failure mentioning %q", code, stderr, tc.wantErr)
			}
		})
	}
}

func TestUserPasswd(t *testing.T) {
	db, url := modeltest.NewDBWithURL(t)
	t.Setenv("DATABASE_URL", url)
	store := models.NewStore(db)
	before, err := store.AddUser(context.Background(), "ada@example.org", models.RoleEditor, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	old := stdin
	t.Cleanup(func() { stdin = old })
	stdin = strings.NewReader("a brand new passphrase\n")
	if out := mustHeard(t, "user", "passwd", "--email", "ADA@example.org"); !strings.Contains(out, "sessions ended") {
		t.Errorf("output %q", out)
	}
	after, err := store.UserByEmail(context.Background(), "ada@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := models.VerifyPassword("a brand new passphrase", after.PasswordHash); !ok || after.SessionVersion != before.SessionVersion+1 {
		t.Errorf("after passwd: verifies=%v session version %d (was %d)", ok, after.SessionVersion, before.SessionVersion)
	}
	stdin = strings.NewReader("short\n")
	if code, _, _ := runHeard(t, context.Background(), "user", "passwd", "--email", "ada@example.org"); code != 2 {
		t.Errorf("short password: exit %d, want 2", code)
	}
	stdin = strings.NewReader("a brand new passphrase\n")
	if code, _, _ := runHeard(t, context.Background(), "user", "passwd", "--email", "nobody@example.org"); code != 2 {
		t.Errorf("unknown user: exit %d, want 2", code)
	}
}
