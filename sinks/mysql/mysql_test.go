package mysql

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/sinks/internal/sqlstore/storetest"
	"github.com/ferry-dev/ferry/sinks/mysql/mysqltest"
)

// openTest opens a store in the database of url, closed when the test ends.
func openTest(t testing.TB, url string, opts Options) *Sink {
	return storetest.Open(t, Open, url, opts)
}

// readAll returns every user stored in the database of url, in user_id
// order.
func readAll(t *testing.T, url string) []profile.User {
	t.Helper()
	db := mysqltest.Open(t, url)
	r, err := NewRow(Columns())
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(t.Context(), "SELECT "+strings.Join(Columns(), ", ")+" FROM users ORDER BY user_id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	vals := make([]sql.RawBytes, len(Columns()))
	dest := make([]any, len(vals))
	for i := range vals {
		dest[i] = &vals[i]
	}
	var us []profile.User
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		raw := make([][]byte, len(vals))
		for i, v := range vals {
			if v != nil {
				raw[i] = v
			}
		}
		var u profile.User
		if err := r.User(raw, &u); err != nil {
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
	storetest.Conformance(t, mysqltest.URL, func(t *testing.T, u string) pipeline.Sink { return openTest(t, u, opts) }, readAll)
}

func TestConformance(t *testing.T)        { conformance(t, Options{}) }
func TestConformance_Upsert(t *testing.T) { conformance(t, Options{Upsert: true}) }
func TestConformance_Insert(t *testing.T) { conformance(t, Options{insertOnly: true}) }

func TestImportSemantics(t *testing.T)        { importSemantics(t, false) }
func TestImportSemantics_Insert(t *testing.T) { importSemantics(t, true) }

func importSemantics(t *testing.T, insertOnly bool) {
	storetest.Run(t, func(t *testing.T) storetest.Target {
		u := mysqltest.URL(t)
		return storetest.Target{
			Open: func(t *testing.T, connection string, upsert bool) pipeline.Sink {
				return openTest(t, u, Options{Connection: connection, Upsert: upsert, insertOnly: insertOnly})
			},
			Read: func(t *testing.T) []profile.User { return readAll(t, u) },
			Exec: func(t *testing.T, stmt string) { mysqltest.Exec(t, u, stmt) },
		}
	})
}

func TestWrite_ValueTooLongIsRejected(t *testing.T) {
	u := mysqltest.URL(t)
	s := openTest(t, u, Options{})
	us := sinktest.Users(0, 3)
	us[1].Nickname = strings.Repeat("ü", 40000) // over TEXT's 65535 bytes
	us[2].GivenName = "quote ' backslash \\ nul \x00 ctrl-z \x1a done"
	b := sinktest.Batch("long", 0, 0, us)
	sinktest.Write(t, s, b)
	if d := cmp.Diff([]string{"", "FORMAT", ""}, storetest.Codes(b, 3)); d != "" {
		t.Errorf("codes (-want +got):\n%s", d)
	}
	got := readAll(t, u)
	for _, g := range got {
		if g.UserID == us[2].UserID && g.GivenName != us[2].GivenName {
			t.Errorf("escaped text read back as %q", g.GivenName)
		}
	}
}

func TestMigrate_TwiceAndConcurrently(t *testing.T) {
	connect := func(t *testing.T, url string) (*sql.Conn, error) {
		conn, err := mysqltest.Open(t, url).Conn(t.Context())
		if err == nil {
			t.Cleanup(func() { conn.Close() })
		}
		return conn, err
	}
	queryRow := func(ctx context.Context, conn *sql.Conn, q string, dest ...any) error {
		return conn.QueryRowContext(ctx, q).Scan(dest...)
	}
	storetest.Migrations(t, storetest.Schema[*sql.Conn]{NewDB: mysqltest.URL, Exec: mysqltest.Exec, Connect: connect, QueryRow: queryRow,
		Migrate: Migrate, Version: Version, Latest: SchemaVersion, Concurrent: 3, Newer: "INSERT INTO ferry_schema VALUES (99, 'x')"})
}

func TestParseLocation(t *testing.T) {
	tests := []struct {
		in, addr, db, net string
		ok                bool
	}{
		{"mysql://root@127.0.0.1:3306/test", "127.0.0.1:3306", "test", "tcp", true},
		{"mysql://u:p@db.example/app", "db.example:3306", "app", "tcp", true},
		{"mysql://u@/app?socket=/run/mysqld/mysqld.sock", "/run/mysqld/mysqld.sock", "app", "unix", true},
		{"mysql://u@h/", "", "", "", false},
		{"mysql://u@h/app?tls=maybe", "", "", "", false},
		{"postgres://h/app", "", "", "", false},
	}
	for _, tt := range tests {
		cfg, err := ParseLocation(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseLocation(%q) = %v, want ok %v", tt.in, err, tt.ok)
			continue
		}
		if err != nil {
			continue
		}
		if cfg.Addr != tt.addr || cfg.DBName != tt.db || cfg.Net != tt.net {
			t.Errorf("ParseLocation(%q) = %s %s %s, want %s %s %s", tt.in, cfg.Net, cfg.Addr, cfg.DBName, tt.net, tt.addr, tt.db)
		}
	}
	if _, err := ParseLocation("mysql://u:secret@h/"); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("error %v leaks the password", err)
	}
}

func TestWrite_LookupAfterABatchMeetsStoredKeys(t *testing.T) {
	u := mysqltest.URL(t)
	s := openTest(t, u, Options{})
	storetest.Steps(t, s, "lookup", func() bool { return s.lookup }, []storetest.Step[bool]{
		{Users: sinktest.Users(0, 10), Next: false},  // fresh: bulk
		{Users: sinktest.Users(0, 10), Next: true},   // a resend: the bulk insert rolls back
		{Users: sinktest.Users(5, 10), Next: true},   // looked up: half new
		{Users: sinktest.Users(30, 10), Next: false}, // looked up: all new
		{Users: sinktest.Users(40, 10), Next: false}, // bulk
	})
	if n := len(readAll(t, u)); n != 35 {
		t.Errorf("store holds %d users, want 35", n)
	}
}
