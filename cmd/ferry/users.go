package main

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/profile/query"
	mysqlsink "github.com/ferry-dev/ferry/sinks/mysql"
	pgsink "github.com/ferry-dev/ferry/sinks/postgres"
	sqlitesink "github.com/ferry-dev/ferry/sinks/sqlite"
)

// userStore is what `ferry users` needs of a store; the SQLite, PostgreSQL
// and MySQL stores implement it.
type userStore interface {
	// Apply runs op ("count", "block", "unblock", "delete") on the users
	// q selects and, for a change, writes an audit line in the same
	// transaction.
	Apply(ctx context.Context, op string, q *query.Query, actor string) (int64, error)
	// Sample returns up to n of the users q selects.
	Sample(ctx context.Context, q *query.Query, n int) ([]profile.User, error)
	Close(ctx context.Context) error
}

var (
	_ userStore = (*sqlitesink.Sink)(nil)
	_ userStore = (*pgsink.Sink)(nil)
	_ userStore = (*mysqlsink.Sink)(nil)
)

// openUserStore opens an existing store for bulk management.
func openUserStore(ctx context.Context, loc string) (userStore, error) {
	switch {
	case pgsink.IsLocation(loc):
		return pgsink.Open(ctx, loc, pgsink.Options{})
	case mysqlsink.IsLocation(loc):
		return mysqlsink.Open(ctx, loc, mysqlsink.Options{})
	case isStore(loc):
		path, err := sqlitesink.ParseLocation(loc)
		if err != nil {
			return nil, usageError{err}
		}
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("store %s: %w", loc, err)
		}
		return sqlitesink.Open(ctx, loc, sqlitesink.Options{})
	}
	return nil, usagef("--store %q is not a store: want sqlite://PATH, postgres://… or mysql://…", loc)
}

func (a *app) usersCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "users",
		Short: "Block, unblock, delete or count the users of a store that a query selects",
		Long: `Bulk management of a store's users, selected with Auth0's user-search syntax
(the --query of export), translated to SQL with bound parameters.

Every change writes an audit line — when, who (the OS user), the operation, the query
with its values masked, and how many users changed; never personal data — into the
store's ferry_audit table, in the transaction of the change, and to standard error.
--dry-run changes nothing: it shows the count and a masked sample instead.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	for _, op := range []struct{ name, short, past string }{
		{"block", "Block the users a query selects (those not blocked yet)", "blocked"},
		{"unblock", "Unblock the users a query selects (those blocked)", "unblocked"},
		{"delete", "Delete the users a query selects", "deleted"},
	} {
		cmd.AddCommand(a.userChangeCommand(op.name, op.short, op.past))
	}
	cmd.AddCommand(a.userCountCommand())
	return cmd
}

func (a *app) userChangeCommand(op, short, past string) *cobra.Command {
	var store, q string
	var dryRun bool
	var sample int
	cmd := &cobra.Command{
		Use:   op + " --query Q",
		Short: short,
		Example: fmt.Sprintf(`  ferry users %s --query 'email.domain:example.com AND logins_count:0' --dry-run
  ferry users %s --query 'app_metadata.plan:trial AND created_at:[* TO 2020-01-01}' --store postgres://db/users`, op, op),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if q == "" {
				return usagef("users %s needs --query (use --query '*' to select every user)", op)
			}
			if cmd.Flags().Changed("sample") && !dryRun {
				return usagef("--sample sets how many users a dry run shows: add --dry-run, or drop --sample")
			}
			if sample < 0 {
				return usagef("--sample must be 0 or more, not %d", sample)
			}
			pq, err := query.Parse(q)
			if err != nil {
				return usageError{fmt.Errorf("--query: %w", err)}
			}
			st, err := openUserStore(ctx, store)
			if err != nil {
				return err
			}
			defer st.Close(context.WithoutCancel(ctx))
			if dryRun {
				n, err := st.Apply(ctx, "count", pq, "")
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "dry run: %s would select %d users (query %s); nothing changed\n", op, n, pq.Redacted())
				return a.printSample(ctx, st, pq, sample)
			}
			actor := osUser()
			n, err := st.Apply(ctx, op, pq, actor)
			if err != nil {
				return err
			}
			a.auditLine(op, store, pq, actor, n)
			fmt.Fprintf(a.stdout, "%s %d users\n", past, n)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&store, "store", defaultStore, "the store: sqlite://PATH, postgres://… or mysql://…")
	f.StringVarP(&q, "query", "Q", "", "Auth0 user-search query selecting the users")
	f.BoolVar(&dryRun, "dry-run", false, "show the count and a masked sample; change nothing")
	f.IntVar(&sample, "sample", 5, "with --dry-run: how many of the users to show (masked)")
	return cmd
}

func (a *app) userCountCommand() *cobra.Command {
	var store, q string
	var sample int
	cmd := &cobra.Command{
		Use:   "count [--query Q]",
		Short: "Count the users a query selects (every user without --query)",
		Example: `  ferry users count --query 'blocked:true'
  ferry users count --store mysql://root@127.0.0.1/users --query '_exists_:app_metadata.legacy_id' --sample 3`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			pq, err := query.Parse(q)
			if err != nil {
				return usageError{fmt.Errorf("--query: %w", err)}
			}
			st, err := openUserStore(ctx, store)
			if err != nil {
				return err
			}
			defer st.Close(context.WithoutCancel(ctx))
			n, err := st.Apply(ctx, "count", pq, "")
			if err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, n)
			return a.printSample(ctx, st, pq, sample)
		},
	}
	f := cmd.Flags()
	f.StringVar(&store, "store", defaultStore, "the store: sqlite://PATH, postgres://… or mysql://…")
	f.StringVarP(&q, "query", "Q", "", "Auth0 user-search query selecting the users (default: every user)")
	f.IntVar(&sample, "sample", 0, "also show this many of the users, masked")
	return cmd
}

// printSample writes up to n users q selects, masked, one JSON object a
// line.
func (a *app) printSample(ctx context.Context, st userStore, q *query.Query, n int) error {
	if n <= 0 {
		return nil
	}
	us, err := st.Sample(ctx, q, n)
	if err != nil {
		return err
	}
	var line []byte
	for i := range us {
		m := profile.Mask(&us[i])
		line = append(profile.AppendJSON(line[:0], &m), '\n')
		if _, err := a.stdout.Write(line); err != nil {
			return err
		}
	}
	return nil
}

// auditLine writes the audit line of a change to standard error (the store
// holds the same line in ferry_audit): no personal data, the query with its
// values masked.
func (a *app) auditLine(op, store string, q *query.Query, actor string, n int64) {
	fmt.Fprintf(a.stderr, "ferry audit: at=%s actor=%s op=%s store=%s query=%s count=%d\n",
		time.Now().UTC().Format(time.RFC3339), strconv.Quote(actor), op, strconv.Quote(redactLocation(store)),
		strconv.Quote(q.Redacted()), n)
}

// osUser names who runs ferry, for the audit trail.
func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	for _, v := range []string{"USER", "LOGNAME", "USERNAME"} {
		if s := os.Getenv(v); s != "" {
			return s
		}
	}
	return "uid:" + strconv.Itoa(os.Getuid())
}
