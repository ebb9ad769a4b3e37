package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"text/tabwriter"
	"time"
)

// cmdToken manages researchers' read-only API tokens: `create` prints the
// token once (only its hash is kept), `list` shows them with when they were
// last used, `revoke ID` ends one.
func cmdToken(ctx context.Context, cfg config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: token takes create, list or revoke", errUsage)
	}
	d, store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close(context.WithoutCancel(ctx))
	switch args[0] {
	case "create":
		fs := flag.NewFlagSet("token create", flag.ContinueOnError)
		name := fs.String("name", "", "who the token is for, e.g. a research group")
		by := fs.String("by", os.Getenv("USER"), "who made it")
		if err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		t, secret, err := store.CreateAPIToken(ctx, *name, *by)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "token %d for %s (shown once; send it as `Authorization: Bearer …`):\n%s\n", t.ID, t.Name, secret)
	case "list":
		tokens, err := store.APITokens(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tCREATED\tLAST USED\tREVOKED")
		stamp := func(t *time.Time) string {
			if t == nil {
				return "-"
			}
			return t.UTC().Format("2006-01-02 15:04")
		}
		for _, t := range tokens {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", t.ID, t.Name, stamp(&t.CreatedAt), stamp(t.LastUsedAt), stamp(t.RevokedAt))
		}
		return tw.Flush()
	case "revoke":
		if len(args) != 2 {
			return fmt.Errorf("%w: token revoke takes an ID", errUsage)
		}
		id, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil {
			return fmt.Errorf("%w: token revoke: %q is not an ID", errUsage, args[1])
		}
		t, err := store.RevokeAPIToken(ctx, id, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "token %d (%s) revoked\n", t.ID, t.Name)
	default:
		return fmt.Errorf("%w: token takes create, list or revoke", errUsage)
	}
	return nil
}
