package mysql

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/sinks/internal/sqlstore/storetest"
	"github.com/ferry-dev/ferry/sinks/mysql/mysqltest"
)

// openTest opens a store in a new database.
func openTest(t *testing.T, url string, opts Options) *Sink {
	t.Helper()
	s, err := Open(t.Context(), url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
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
	urls := sync.Map{}
	sinktest.Run(t,
		func(t *testing.T) pipeline.Sink {
			u := mysqltest.URL(t)
			s := openTest(t, u, opts)
			urls.Store(s, u)
			return s
		},
		func(t *testing.T, s pipeline.Sink) []profile.User {
			u, _ := urls.Load(s)
			return readAll(t, u.(string))
		})
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
				s, err := Open(t.Context(), u, Options{Connection: connection, Upsert: upsert, insertOnly: insertOnly})
				if err != nil {
					t.Fatal(err)
				}
				return s
			},
			Read: func(t *testing.T) []profile.User { return readAll(t, u) },
		}
	})
}

func TestWrite_ConstraintViolationRejectsOnlyThatRecord(t *testing.T) {
	u := mysqltest.URL(t)
	s := openTest(t, u, Options{})
	// A constraint of the DBA's that ferry does not know.
	mysqltest.Exec(t, u, "ALTER TABLE users ADD CONSTRAINT no_test_nicknames CHECK (nickname IS NULL OR nickname NOT LIKE 'test-%')")
	us := sinktest.Users(0, 50)
	us[7].Nickname = "test-seven"
	us[31].Nickname = "test-thirty-one"
	us[40].Email = us[39].Email // still decided the Auth0 way
	b := sinktest.Batch("check", 0, 0, us)
	sinktest.Write(t, s, b)
	want := make([]string, 50)
	want[7], want[31], want[40] = "CONFLICT", "CONFLICT", "CONFLICT_EMAIL"
	if d := cmp.Diff(want, storetest.Codes(b, 50)); d != "" {
		t.Errorf("codes (-want +got):\n%s", d)
	}
	for _, r := range b.Rejects {
		if r.Origin.Index == 7 && !strings.Contains(r.Issues[0].Message, "no_test_nicknames") {
			t.Errorf("message %q does not name the constraint", r.Issues[0].Message)
		}
	}
	if b.Written.Inserted != 47 {
		t.Errorf("Written = %+v, want 47 inserted", b.Written)
	}
	if got := readAll(t, u); len(got) != 47 {
		t.Fatalf("store holds %d users, want 47", len(got))
	}
	b2 := sinktest.Batch("check", 1, 50, sinktest.Users(50, 10))
	sinktest.Write(t, s, b2)
	sinktest.NoRejects(t, b2)
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
	u := mysqltest.URL(t)
	db := mysqltest.Open(t, u)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() {
			conn, err := db.Conn(t.Context())
			if err != nil {
				errs[i] = err
				return
			}
			defer conn.Close()
			errs[i] = Migrate(t.Context(), conn)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := Migrate(t.Context(), conn); err != nil {
		t.Fatal(err)
	}
	v, err := Version(t.Context(), conn)
	if err != nil || v != SchemaVersion {
		t.Fatalf("Version = %d, %v; want %d", v, err, SchemaVersion)
	}
	var n int
	if err := conn.QueryRowContext(t.Context(), "SELECT count(*) FROM ferry_schema").Scan(&n); err != nil || n != SchemaVersion {
		t.Errorf("ferry_schema has %d rows, %v; want %d", n, err, SchemaVersion)
	}
	if _, err := conn.ExecContext(t.Context(), "INSERT INTO ferry_schema VALUES (99, 'x')"); err != nil {
		t.Fatal(err)
	}
	if err := Migrate(t.Context(), conn); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Migrate of a newer store = %v, want ErrSchemaTooNew", err)
	}
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
	steps := []struct {
		users  []profile.User
		lookup bool
	}{
		{sinktest.Users(0, 10), false},  // fresh: bulk
		{sinktest.Users(0, 10), true},   // a resend: the bulk insert rolls back
		{sinktest.Users(5, 10), true},   // looked up: half new
		{sinktest.Users(30, 10), false}, // looked up: all new
		{sinktest.Users(40, 10), false}, // bulk
	}
	var first int64
	for i, st := range steps {
		b := sinktest.Batch("modes", uint64(i), first, st.users)
		sinktest.Write(t, s, b)
		sinktest.NoRejects(t, b)
		first += int64(len(st.users))
		if s.lookup != st.lookup {
			t.Errorf("after batch %d: lookup %v, want %v", i, s.lookup, st.lookup)
		}
	}
	if n := len(readAll(t, u)); n != 35 {
		t.Errorf("store holds %d users, want 35", n)
	}
}
