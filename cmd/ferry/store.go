package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile/query"
	mysqlsink "github.com/ferry-dev/ferry/sinks/mysql"
	pgsink "github.com/ferry-dev/ferry/sinks/postgres"
	sqlitesink "github.com/ferry-dev/ferry/sinks/sqlite"
	mysqlsource "github.com/ferry-dev/ferry/sources/mysql"
	pgsource "github.com/ferry-dev/ferry/sources/postgres"
	"github.com/ferry-dev/ferry/sources/sqltable"
)

// isDatabase reports whether loc names a PostgreSQL or MySQL database
// (a store, or a legacy table with --query SELECT …).
func isDatabase(loc string) bool { return pgsink.IsLocation(loc) || mysqlsink.IsLocation(loc) }

// openDatabaseSink opens a PostgreSQL or MySQL store for writing; sessions
// is how many PostgreSQL sessions copy a batch of new users.
func (a *app) openDatabaseSink(ctx context.Context, loc, connection string, upsert bool, sessions int) (pipeline.Sink, error) {
	switch {
	case pgsink.IsLocation(loc):
		return pgsink.Open(ctx, loc, pgsink.Options{Connection: connection, Upsert: upsert, Sessions: sessions, Logger: a.logger})
	case mysqlsink.IsLocation(loc):
		return mysqlsink.Open(ctx, loc, mysqlsink.Options{Connection: connection, Upsert: upsert, Logger: a.logger})
	}
	return nil, usagef("%s is not a postgres:// or mysql:// store", redactLocation(loc))
}

// openDatabaseSource opens a PostgreSQL or MySQL store for reading the
// users q selects (nil: every user), in --batch-size pages.
func (a *app) openDatabaseSource(ctx context.Context, loc string, q *query.Query) (pipeline.Source, error) {
	switch {
	case pgsink.IsLocation(loc):
		opts := pgsource.Options{BatchSize: a.flags.batchSize, Logger: a.logger}
		if q != nil {
			where, args, err := q.SQL(query.Postgres, pgsink.QueryColumns())
			if err != nil {
				return nil, usageError{err}
			}
			opts.Where, opts.Args = where, args
		}
		return pgsource.Open(ctx, loc, opts)
	case mysqlsink.IsLocation(loc):
		opts := mysqlsource.Options{BatchSize: a.flags.batchSize, Logger: a.logger}
		if q != nil {
			where, args, err := q.SQL(query.MySQL, mysqlsink.QueryColumns())
			if err != nil {
				return nil, usageError{err}
			}
			opts.Where, opts.Args = where, args
		}
		return mysqlsource.Open(ctx, loc, opts)
	}
	return nil, usagef("%s is not a postgres:// or mysql:// store", redactLocation(loc))
}

// openTableSource opens a legacy user table: selectQuery (a SELECT) on the
// database at loc (postgres://, mysql:// or sqlite://), its columns mapped
// by the --map file, read in --batch-size pages. The mapping file is read
// with sqltable.LoadMapping (profile.LoadMapping's format plus key: and
// password hash formats), not by registry().
func (a *app) openTableSource(ctx context.Context, loc, selectQuery string) (pipeline.Source, error) {
	opts := sqltable.Options{Query: selectQuery, BatchSize: a.flags.batchSize, Logger: a.logger}
	if a.flags.mapping != "" {
		f, err := os.Open(a.flags.mapping)
		if err != nil {
			return nil, usagef("--map: %v", err)
		}
		m, err := sqltable.LoadMapping(f)
		f.Close()
		if err != nil {
			return nil, usagef("--map %s: %v", a.flags.mapping, err)
		}
		opts.Mapping = m
	}
	switch {
	case pgsink.IsLocation(loc):
		return pgsource.OpenTable(ctx, loc, opts)
	case mysqlsink.IsLocation(loc):
		return mysqlsource.OpenTable(ctx, loc, opts)
	case isStore(loc):
		return sqltable.OpenSQLite(ctx, loc, opts)
	}
	return nil, usagef("--query SELECT … reads a database table: want postgres://…, mysql://… or sqlite://PATH, not %q", loc)
}

func (a *app) storeCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "store",
		Short: "Create a store or bring its schema up to date",
		Long: `A store is a database that holds users the way Auth0 does (one users table with
unique emails and usernames per connection) together with ferry's checkpoints:
sqlite://PATH (embedded), postgres://… or mysql://… (MySQL 8 or MariaDB 10.6+).
Import and export create or upgrade a store by themselves; these commands do it
ahead of time, for DBAs and deployment pipelines. Both are idempotent.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	for _, c := range []struct{ use, short, done string }{
		{"init URL", "Create the store schema in a database (harmless on an existing store)", "ready"},
		{"migrate URL", "Bring a store's schema up to this ferry's version (harmless when it is)", "migrated"},
	} {
		cmd.AddCommand(&cobra.Command{
			Use:   c.use,
			Short: c.short,
			Example: `  ferry store init sqlite://tenant.db
  ferry store migrate 'postgres://ferry@db.internal:5432/users?sslmode=require'
  ferry store init mysql://root@127.0.0.1:3306/users`,
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				before, after, err := migrateStore(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				printMigration(a.stdout, args[0], c.done, before, after)
				return nil
			},
		})
	}
	return cmd
}

// printMigration reports what a migration did, with the location's
// password hidden.
func printMigration(w io.Writer, loc, done string, before, after int) {
	switch {
	case before == after:
		fmt.Fprintf(w, "store %s: schema version %d, up to date\n", redactLocation(loc), after)
	case before == 0:
		fmt.Fprintf(w, "store %s: created, schema version %d\n", redactLocation(loc), after)
	default:
		fmt.Fprintf(w, "store %s: %s from schema version %d to %d\n", redactLocation(loc), done, before, after)
	}
}

// redactLocation hides the password of a database location.
func redactLocation(loc string) string {
	switch {
	case pgsink.IsLocation(loc):
		return pgsink.Redact(loc)
	case mysqlsink.IsLocation(loc):
		return mysqlsink.Redact(loc)
	}
	return loc
}

// migrateStore creates or upgrades the store at loc and returns its schema
// version before and after.
func migrateStore(ctx context.Context, loc string) (before, after int, err error) {
	switch {
	case pgsink.IsLocation(loc):
		cfg, err := pgsink.ParseLocation(loc)
		if err != nil {
			return 0, 0, usageError{err}
		}
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			return 0, 0, fmt.Errorf("store %s: %w", pgsink.Redact(loc), err)
		}
		defer conn.Close(context.WithoutCancel(ctx))
		return versions(func() (int, error) { return pgsink.Version(ctx, conn) }, func() error { return pgsink.Migrate(ctx, conn) })
	case mysqlsink.IsLocation(loc):
		cfg, err := mysqlsink.ParseLocation(loc)
		if err != nil {
			return 0, 0, usageError{err}
		}
		db, err := mysqlsink.OpenDB(cfg)
		if err != nil {
			return 0, 0, fmt.Errorf("store %s: %w", mysqlsink.Redact(loc), err)
		}
		defer db.Close()
		conn, err := db.Conn(ctx)
		if err != nil {
			return 0, 0, fmt.Errorf("store %s: %w", mysqlsink.Redact(loc), err)
		}
		defer conn.Close()
		return versions(func() (int, error) { return mysqlsink.Version(ctx, conn) }, func() error { return mysqlsink.Migrate(ctx, conn) })
	case isStore(loc):
		path, err := sqlitesink.ParseLocation(loc)
		if err != nil {
			return 0, 0, usageError{err}
		}
		db, err := sqlitesink.OpenDB(ctx, path)
		if err != nil {
			return 0, 0, err
		}
		defer db.Close()
		return versions(func() (int, error) { return sqlitesink.Version(ctx, db) }, func() error { return sqlitesink.Migrate(ctx, db) })
	}
	return 0, 0, usagef("%q is not a store: want sqlite://PATH, postgres://… or mysql://…", loc)
}

func versions(version func() (int, error), migrate func() error) (before, after int, err error) {
	if before, err = version(); err != nil {
		return 0, 0, err
	}
	if err := migrate(); err != nil {
		return before, 0, err
	}
	after, err = version()
	return before, after, err
}
