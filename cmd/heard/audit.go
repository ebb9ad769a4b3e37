package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"text/tabwriter"

	"heard/models"
)

// cliActor is who the audit log names for a write made with the heard
// command: "cli:" and the operating-system account that ran it. It has no
// staff account id, so an audit entry from the command line is never taken
// for one made through the staff workspace.
func cliActor() models.User {
	return models.User{Email: "cli:" + cliUserName(user.Current, os.Getenv)}
}

// cliUserName is the name of the account running heard: the user database's
// when it can be read, else $USER, else "unknown" (a container may run heard
// under a uid with no name and no $USER).
func cliUserName(current func() (*user.User, error), getenv func(string) string) string {
	if u, err := current(); err == nil && u.Username != "" {
		return u.Username
	}
	if name := getenv("USER"); name != "" {
		return name
	}
	return "unknown"
}

// defaultAuditLimit is how many entries `heard audit` prints unless told.
const defaultAuditLimit = 50

// cmdAudit prints the newest entries of the audit log: when, who, what and
// to which target. The before and after of each are in the staff
// workspace and GET /api/v1/audit.
func cmdAudit(ctx context.Context, cfg config, log *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	limit := fs.Int("limit", defaultAuditLimit, "how many of the newest entries to print")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *limit < 1 {
		return fmt.Errorf("%w: audit: --limit %d is not a positive number", errUsage, *limit)
	}
	d, store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close(context.WithoutCancel(ctx))
	entries, total, err := store.AuditLog(ctx, *limit, 0)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WHEN (UTC)\tACTOR\tACTION\tTARGET")
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.At.UTC().Format("2006-01-02 15:04:05"), e.Actor, e.Action, e.Target)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if older := total - len(entries); older > 0 {
		fmt.Fprintf(stdout, "(%d older entries; --limit shows more)\n", older)
	}
	return nil
}
