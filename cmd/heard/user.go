package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"heard/models"
)

// stdin is where commands read secrets from; tests replace it.
var stdin io.Reader = os.Stdin

// cmdUser manages staff accounts: `heard user add --email E --role R`
// reads the password as the first line of stdin and stores the account with
// its audit entry. golang.org/x/term is not a dependency, so at a terminal
// the password is prompted for but echoed.
func cmdUser(ctx context.Context, cfg config, log *slog.Logger, args []string, in io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "passwd" {
		return cmdPasswd(ctx, cfg, log, args[1:], in, stdout, stderr)
	}
	if len(args) == 0 || args[0] != "add" {
		return fmt.Errorf("%w: user takes add or passwd", errUsage)
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	email := fs.String("email", "", "the user's email address")
	role := fs.String("role", "", "admin, editor or viewer")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *email == "" || *role == "" {
		return fmt.Errorf("%w: user add needs --email and --role", errUsage)
	}
	password, err := readPassword(in, stderr, "Password")
	if err != nil {
		return err
	}
	d, store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close(context.WithoutCancel(ctx))
	u, err := addUser(ctx, store, *email, models.Role(*role), password)
	if errors.Is(err, models.ErrConflict) {
		return &models.ValidationError{Fields: map[string]string{"email": "a user with this email already exists"}}
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d\t%s\t%s\n", u.ID, u.Email, u.Role)
	return nil
}

// addUser stores a new user with its "user.add" audit entry in one
// transaction. The entry holds the account as the API shows it: the
// password hash is not part of that.
func addUser(ctx context.Context, store *models.Store, email string, role models.Role, password string) (models.User, error) {
	var u models.User
	err := store.InTx(ctx, func(tx *models.Store) error {
		var err error
		if u, err = tx.AddUser(ctx, email, role, password); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, cliActor(), "user.add", userTarget(u.ID), nil, u)
	})
	return u, err
}

// userTarget is how the audit log names a staff account.
func userTarget(id int64) string { return fmt.Sprintf("user/%d", id) }

// readPassword reads a password as the first line of in, prompting first
// when in is a terminal (where, without golang.org/x/term, it is echoed).
func readPassword(in io.Reader, stderr io.Writer, prompt string) (string, error) {
	if f, ok := in.(*os.File); ok && isTerminal(f) {
		fmt.Fprintf(stderr, "%s (at least 12 characters; it will be shown as you type): ", prompt)
	}
	return readLine(in)
}

// readLine reads the first line of r without its line ending.
func readLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// cmdPasswd sets a user's password from the first line of stdin and ends
// all of the user's sessions, with its audit entry in the same transaction.
func cmdPasswd(ctx context.Context, cfg config, log *slog.Logger, args []string, in io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user passwd", flag.ContinueOnError)
	email := fs.String("email", "", "the user's email address")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return fmt.Errorf("%w: user passwd needs --email", errUsage)
	}
	password, err := readPassword(in, stderr, "New password")
	if err != nil {
		return err
	}
	d, store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close(context.WithoutCancel(ctx))
	var u models.User
	err = store.InTx(ctx, func(tx *models.Store) error {
		var err error
		if u, err = tx.SetPassword(ctx, *email, password); err != nil {
			return err
		}
		// Neither password is recorded: the entry says whose was changed.
		return tx.AppendAudit(ctx, cliActor(), "user.passwd", userTarget(u.ID), nil, u)
	})
	if errors.Is(err, models.ErrNotFound) {
		return &models.ValidationError{Fields: map[string]string{"email": "no user has this email"}}
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "password of %s changed; all of its sessions ended\n", u.Email)
	return nil
}
