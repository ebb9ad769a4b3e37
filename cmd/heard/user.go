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
// reads the password as the first line of stdin. golang.org/x/term is not a
// dependency, so at a terminal the password is prompted for but echoed.
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
	u, err := store.AddUser(ctx, *email, models.Role(*role), password)
	if errors.Is(err, models.ErrConflict) {
		return &models.ValidationError{Fields: map[string]string{"email": "a user with this email already exists"}}
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d\t%s\t%s\n", u.ID, u.Email, u.Role)
	return nil
}

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
// all of the user's sessions.
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
	u, err := store.SetPassword(ctx, *email, password)
	if errors.Is(err, models.ErrNotFound) {
		return &models.ValidationError{Fields: map[string]string{"email": "no user has this email"}}
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "password of %s changed; all of its sessions ended\n", u.Email)
	return nil
}
