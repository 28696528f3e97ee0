package sqltable_test

// These tests are outside package sqltable because sqlsourcetest, whose
// legacy table they read, imports it.

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/fixtures/sinktest"
	sqlitestore "github.com/ferry-dev/ferry/sinks/sqlite"
	"github.com/ferry-dev/ferry/sources/internal/sqlsource/sqlsourcetest"
	"github.com/ferry-dev/ferry/sources/sqltable"
)

// sqliteTable is the legacy accounts table in a SQLite file, the way an
// application keeps it there: booleans as 0/1, times as RFC 3339 text, JSON
// as text (a column declared JSON is reported as JSON).
func sqliteTable() sqlsourcetest.Table {
	return sqlsourcetest.Table{
		URL: func(t testing.TB) string {
			path := filepath.Join(t.TempDir(), "legacy.db")
			db, err := sqlitestore.OpenDB(t.Context(), path) // creates the file
			if err != nil {
				t.Fatal(err)
			}
			db.Close()
			return path
		},
		Connect: func(t testing.TB, path string) func(string, ...any) error {
			db, err := sqlitestore.OpenDB(t.Context(), path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return func(stmt string, args ...any) error {
				_, err := db.ExecContext(t.Context(), stmt, args...)
				return err
			}
		},
		DDL: `CREATE TABLE accounts (
	id INTEGER PRIMARY KEY, user_id TEXT, email TEXT, email_verified INTEGER,
	phone_number TEXT, phone_verified INTEGER, username TEXT,
	given_name TEXT, family_name TEXT, name TEXT, nickname TEXT, picture TEXT,
	blocked INTEGER, created_at TEXT, updated_at TEXT, last_login TEXT, last_password_reset TEXT,
	last_ip TEXT, logins_count INTEGER, identities JSON, app_metadata TEXT, user_metadata TEXT,
	mfa_factors JSON, password_hash TEXT, custom_password_hash TEXT, job_title TEXT, department JSON,
	internal_notes TEXT)`,
		Time: func(t time.Time) any { return t.UTC().Format(time.RFC3339Nano) },
		// SQLite adds one column per ALTER TABLE and has no md5: uid is a
		// multiplicative hash of id (odd factor, so unique), joined a time
		// as RFC 3339 text.
		AddKeys: []string{
			"ALTER TABLE accounts ADD COLUMN uid TEXT",
			"ALTER TABLE accounts ADD COLUMN joined TEXT",
			"UPDATE accounts SET uid = printf('%08x', id * 2654435761 % 4294967296), joined = strftime('%Y-%m-%dT%H:%M:%SZ', '2020-01-01', '+' || id || ' hours')",
		},
		Open: sqltable.OpenSQLite,
	}
}

func TestTable_SQLite(t *testing.T) { sqlsourcetest.RunTable(t, sqliteTable()) }

func TestNext_CanceledContext(t *testing.T) {
	tb := sqliteTable()
	src, err := sqltable.OpenSQLite(t.Context(), "sqlite://"+tb.LegacyDB(t, sinktest.Users(0, 3)),
		sqltable.Options{Query: "SELECT * FROM accounts", Mapping: tb.Mapping()})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := src.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Next = %v, want context.Canceled", err)
	}
	if b, err := src.Next(t.Context()); err != nil || len(b.Records) != 3 {
		t.Fatalf("Next = %v, %v", b, err)
	}
	if _, err := src.Next(t.Context()); !errors.Is(err, io.EOF) {
		t.Errorf("Next at the end = %v, want io.EOF", err)
	}
}
