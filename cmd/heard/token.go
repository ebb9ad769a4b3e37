package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"strconv"
	"text/tabwriter"
	"time"

	"heard/models"
)

// cmdToken manages researchers' read-only API tokens: `create` prints the
// token once (only its hash is kept), `list` shows them with when they were
// last used, `revoke ID` ends one. Creating and revoking are audited in
// their transaction; the audit entry holds the token's record, which has
// neither the secret nor its hash.
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
		by := fs.String("by", cliUserName(user.Current, os.Getenv), "who made it")
		if err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		var t models.APIToken
		var secret string
		err := store.InTx(ctx, func(tx *models.Store) error {
			var err error
			if t, secret, err = tx.CreateAPIToken(ctx, *name, *by); err != nil {
				return err
			}
			return tx.AppendAudit(ctx, cliActor(), "token.create", tokenTarget(t.ID), nil, t)
		})
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
		return tokenRevoke(ctx, store, id, stdout)
	default:
		return fmt.Errorf("%w: token takes create, list or revoke", errUsage)
	}
	return nil
}

// tokenRevoke revokes a token with its audit entry in one transaction. A
// token revoked already is left as it is, and nothing is audited.
func tokenRevoke(ctx context.Context, store *models.Store, id int64, stdout io.Writer) error {
	var before, after models.APIToken
	err := store.InTx(ctx, func(tx *models.Store) error {
		var err error
		if before, err = tx.APITokenByID(ctx, id); err != nil || before.RevokedAt != nil {
			return err
		}
		if after, err = tx.RevokeAPIToken(ctx, id, time.Now()); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, cliActor(), "token.revoke", tokenTarget(id), before, after)
	})
	switch {
	case errors.Is(err, models.ErrNotFound):
		return &models.ValidationError{Fields: map[string]string{"id": fmt.Sprintf("there is no token %d", id)}}
	case err != nil:
		return err
	case before.RevokedAt != nil:
		fmt.Fprintf(stdout, "token %d (%s) was already revoked on %s\n", before.ID, before.Name,
			before.RevokedAt.UTC().Format("2006-01-02 15:04"))
	default:
		fmt.Fprintf(stdout, "token %d (%s) revoked\n", after.ID, after.Name)
	}
	return nil
}

// tokenTarget is how the audit log names an API token.
func tokenTarget(id int64) string { return fmt.Sprintf("token/%d", id) }
