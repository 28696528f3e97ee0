package sqlite

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/sinks/internal/sqlstore/storetest"
)

// openTest opens a store in a new temporary directory.
func openTest(t *testing.T, opts Options) *Sink {
	t.Helper()
	s, err := Open(t.Context(), "sqlite://"+filepath.Join(t.TempDir(), "ferry.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(t.Context()) })
	return s
}

// readAll returns every user stored at path, in user_id order.
func readAll(t *testing.T, path string) []profile.User {
	t.Helper()
	db, err := OpenReadOnly(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cols := Columns()
	r, err := NewRow(cols)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(t.Context(), "SELECT * FROM users ORDER BY user_id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var us []profile.User
	for rows.Next() {
		if err := rows.Scan(r.Dest()...); err != nil {
			t.Fatal(err)
		}
		var u profile.User
		if err := r.User(&u); err != nil {
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
	sinktest.Run(t,
		func(t *testing.T) pipeline.Sink { return openTest(t, Options{}) },
		func(t *testing.T, s pipeline.Sink) []profile.User { return readAll(t, s.(*Sink).Path()) })
}

func TestConformance_Upsert(t *testing.T) {
	sinktest.Run(t,
		func(t *testing.T) pipeline.Sink { return openTest(t, Options{Upsert: true}) },
		func(t *testing.T, s pipeline.Sink) []profile.User { return readAll(t, s.(*Sink).Path()) })
}

// TestImportSemantics runs the import semantics every SQL store shares.
func TestImportSemantics(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Target {
		path := filepath.Join(t.TempDir(), "ferry.db")
		return storetest.Target{
			Open: func(t *testing.T, connection string, upsert bool) pipeline.Sink {
				// A commit per batch, as the other stores: the suite reads
				// the store between batches.
				return storetest.Open(t, Open, "sqlite://"+path, Options{Connection: connection, Upsert: upsert, CommitUsers: 1})
			},
			Read:     func(t *testing.T) []profile.User { return readAll(t, path) },
			Exec:     func(t *testing.T, stmt string) { execAll(t, path, stmt) },
			AddCheck: func(t *testing.T, name, cond string) { addCheck(t, path, name, cond) },
		}
	})
}

// execAll runs stmts on the store at path, in one transaction.
func execAll(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := OpenDB(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, stmt := range stmts {
		if _, err := tx.ExecContext(t.Context(), stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// addCheck adds the CHECK constraint name, that every row holds cond, to the
// users table of the store at path. SQLite has no ALTER TABLE … ADD
// CONSTRAINT: a DBA rebuilds the table with the constraint
// (https://sqlite.org/lang_altertable.html#otheralter), as this does.
func addCheck(t *testing.T, path, name, cond string) {
	t.Helper()
	db, err := OpenReadOnly(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	var create string
	err = db.QueryRowContext(t.Context(), "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'users'").Scan(&create)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	const head = "CREATE TABLE users "
	end := strings.LastIndex(create, ")") // closes the column list; " STRICT" follows
	if end < 0 || !strings.HasPrefix(create, head) {
		t.Fatalf("unexpected schema of users: %s", create)
	}
	rebuilt := "CREATE TABLE users_new " + create[len(head):end] + ",\n\tCONSTRAINT " + name + " CHECK (" + cond + ")\n" + create[end:]
	execAll(t, path, rebuilt,
		"INSERT INTO users_new SELECT * FROM users",
		"DROP TABLE users",
		"ALTER TABLE users_new RENAME TO users")
}

func TestConformance_CommitEveryBatch(t *testing.T) {
	sinktest.Run(t,
		func(t *testing.T) pipeline.Sink { return openTest(t, Options{CommitUsers: 1}) },
		func(t *testing.T, s pipeline.Sink) []profile.User { return readAll(t, s.(*Sink).Path()) })
}

func TestWrite_MetadataTooDeepForSQLiteJSONIsRejected(t *testing.T) {
	s := openTest(t, Options{CommitUsers: 1})
	us := sinktest.Users(0, 3)
	deep := strings.Repeat(`{"a":`, maxJSONDepth+1) + "1" + strings.Repeat("}", maxJSONDepth+1)
	us[1].UserMetadata = json.RawMessage(deep)
	us[2].UserMetadata = json.RawMessage(`{"plan":"gold"}`)
	b := sinktest.Batch("deep", 0, 0, us)
	sinktest.Write(t, s, b)
	if got := storetest.Codes(b, 3); got[0] != "" || got[1] != "FORMAT" || got[2] != "" {
		t.Fatalf("codes %v, want the deep one rejected with FORMAT", got)
	}
	// The store's metadata queries still work.
	var n int
	err := s.db.QueryRowContext(t.Context(), `SELECT count(*) FROM users WHERE json_extract(user_metadata, '$.plan') = 'gold'`).Scan(&n)
	if err != nil || n != 1 {
		t.Errorf("metadata query: %d, %v", n, err)
	}
}
