package postgres

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/sinks/internal/sqlstore/storetest"
	"github.com/ferry-dev/ferry/sinks/postgres/pgtest"
)

// openTest opens a store in a new schema.
func openTest(t *testing.T, url string, opts Options) *Sink {
	t.Helper()
	s, err := Open(t.Context(), url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
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

func TestConformance(t *testing.T) {
	urls := sync.Map{}
	sinktest.Run(t,
		func(t *testing.T) pipeline.Sink {
			u := pgtest.URL(t)
			s := openTest(t, u, Options{})
			urls.Store(s, u)
			return s
		},
		func(t *testing.T, s pipeline.Sink) []profile.User {
			u, _ := urls.Load(s)
			return readAll(t, u.(string))
		})
}

func TestConformance_Upsert(t *testing.T) {
	urls := sync.Map{}
	sinktest.Run(t,
		func(t *testing.T) pipeline.Sink {
			u := pgtest.URL(t)
			s := openTest(t, u, Options{Upsert: true})
			urls.Store(s, u)
			return s
		},
		func(t *testing.T, s pipeline.Sink) []profile.User {
			u, _ := urls.Load(s)
			return readAll(t, u.(string))
		})
}

func TestImportSemantics(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Target {
		u := pgtest.URL(t)
		return storetest.Target{
			Open: func(t *testing.T, connection string, upsert bool) pipeline.Sink {
				s, err := Open(t.Context(), u, Options{Connection: connection, Upsert: upsert})
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
	u := pgtest.URL(t)
	s := openTest(t, u, Options{})
	// A constraint of the DBA's that ferry does not know.
	pgtest.Exec(t, u, "ALTER TABLE users ADD CONSTRAINT no_test_nicknames CHECK (nickname IS NULL OR nickname NOT LIKE 'test-%')")
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
	got := readAll(t, u)
	if len(got) != 47 {
		t.Fatalf("store holds %d users, want 47", len(got))
	}
	// A second batch goes the bulk way again.
	b2 := sinktest.Batch("check", 1, 50, sinktest.Users(50, 10))
	sinktest.Write(t, s, b2)
	sinktest.NoRejects(t, b2)
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
	u := pgtest.URL(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			conn := pgtest.Connect(t, u)
			errs[i] = Migrate(t.Context(), conn)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	conn := pgtest.Connect(t, u)
	if err := Migrate(t.Context(), conn); err != nil {
		t.Fatal(err)
	}
	v, err := Version(t.Context(), conn)
	if err != nil || v != SchemaVersion {
		t.Fatalf("Version = %d, %v; want %d", v, err, SchemaVersion)
	}
	var n int
	if err := conn.QueryRow(t.Context(), "SELECT count(*) FROM ferry_schema").Scan(&n); err != nil || n != SchemaVersion {
		t.Errorf("ferry_schema has %d rows, %v; want %d", n, err, SchemaVersion)
	}
	pgtest.Exec(t, u, "INSERT INTO ferry_schema VALUES (99, now())")
	if err := Migrate(t.Context(), conn); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Migrate of a newer store = %v, want ErrSchemaTooNew", err)
	}
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
