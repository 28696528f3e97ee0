package postgres

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/sinks/internal/sqlstore/storetest"
	"github.com/ferry-dev/ferry/sinks/postgres/pgtest"
)

// openTest opens a store in the schema of url, closed when the test ends.
func openTest(t testing.TB, url string, opts Options) *Sink {
	return storetest.Open(t, Open, url, opts)
}

// readAll returns every user stored in the schema of url, in user_id order.
func readAll(t *testing.T, url string) []profile.User {
	t.Helper()
	conn := pgtest.Connect(t, url)
	r, err := NewRow(Columns())
	if err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(t.Context(), "SELECT "+strings.Join(Columns(), ", ")+" FROM users ORDER BY user_id",
		pgx.QueryResultFormats{pgx.BinaryFormatCode})
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var us []profile.User
	for rows.Next() {
		var u profile.User
		if err := r.User(rows.RawValues(), &u); err != nil {
			t.Fatalf("row %d: %v", len(us), err)
		}
		us = append(us, u)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return us
}

func conformance(t *testing.T, opts Options) {
	storetest.Conformance(t, pgtest.URL, func(t *testing.T, u string) pipeline.Sink { return openTest(t, u, opts) }, readAll)
}

func TestConformance(t *testing.T)        { conformance(t, Options{}) }
func TestConformance_Upsert(t *testing.T) { conformance(t, Options{Upsert: true}) }

func TestImportSemantics(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Target {
		u := pgtest.URL(t)
		return storetest.Target{
			Open: func(t *testing.T, connection string, upsert bool) pipeline.Sink {
				return openTest(t, u, Options{Connection: connection, Upsert: upsert})
			},
			Read: func(t *testing.T) []profile.User { return readAll(t, u) },
			Exec: func(t *testing.T, stmt string) { pgtest.Exec(t, u, stmt) },
		}
	})
}

func TestWrite_NULIsRejectedNotFatal(t *testing.T) {
	u := pgtest.URL(t)
	s := openTest(t, u, Options{})
	us := sinktest.Users(0, 3)
	us[1].GivenName = "a\x00b"
	us[2].AppMetadata = []byte(`{"k":"\u0000"}`)
	b := sinktest.Batch("nul", 0, 0, us)
	sinktest.Write(t, s, b)
	if d := cmp.Diff([]string{"", "FORMAT", "FORMAT"}, storetest.Codes(b, 3)); d != "" {
		t.Errorf("codes (-want +got):\n%s", d)
	}
}

func TestMigrate_TwiceAndConcurrently(t *testing.T) {
	connect := func(t *testing.T, url string) (*pgx.Conn, error) { return pgtest.Connect(t, url), nil }
	queryRow := func(ctx context.Context, conn *pgx.Conn, q string, dest ...any) error {
		return conn.QueryRow(ctx, q).Scan(dest...)
	}
	storetest.Migrations(t, storetest.Schema[*pgx.Conn]{NewDB: pgtest.URL, Exec: pgtest.Exec, Connect: connect, QueryRow: queryRow,
		Migrate: Migrate, Version: Version, Latest: SchemaVersion, Concurrent: 4, Newer: "INSERT INTO ferry_schema VALUES (99, now())"})
}

func TestOpen_BadLocations(t *testing.T) {
	for _, loc := range []string{"mysql://x/y", "postgres://user:secret@[::1", "sqlite://x.db"} {
		_, err := Open(t.Context(), loc, Options{})
		if err == nil {
			t.Errorf("Open(%q) succeeded", loc)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("Open(%q) = %v: leaks the password", loc, err)
		}
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://u:pw@h:5432/db?sslmode=disable", "postgres://u:xxxxx@h:5432/db?sslmode=disable"},
		{"postgres://h/db?password=pw", "postgres://h/db?password=xxxxx"},
		{"postgres://u@h/db", "postgres://u@h/db"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWrite_OrderOfManyBatches(t *testing.T) {
	u := pgtest.URL(t)
	s := openTest(t, u, Options{})
	var first int64
	for seq := range uint64(5) {
		b := sinktest.Batch("many", seq, first, sinktest.Users(int(first), 200))
		sinktest.Write(t, s, b)
		sinktest.NoRejects(t, b)
		first += 200
	}
	got := readAll(t, u)
	if len(got) != 1000 || !slices.IsSortedFunc(got, func(a, b profile.User) int { return strings.Compare(a.UserID, b.UserID) }) {
		t.Errorf("read %d users", len(got))
	}
}
