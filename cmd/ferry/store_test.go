package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ferry-dev/ferry/fixtures/sourcetest"
	sqlitesink "github.com/ferry-dev/ferry/sinks/sqlite"
)

func TestOpenTableSource_SQLiteWithMapping(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "legacy.db")
	db, err := sqlitesink.OpenDB(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"CREATE TABLE accounts (id INTEGER PRIMARY KEY, mail TEXT, pw TEXT, plan TEXT, notes TEXT)",
		"INSERT INTO accounts VALUES (1, 'a@example.com', '$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy', 'gold', 'x')",
		"INSERT INTO accounts VALUES (2, 'b@example.com', NULL, 'free', 'y')",
	} {
		if _, err := db.ExecContext(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	mapping := filepath.Join(dir, "accounts.yaml")
	os.WriteFile(mapping, []byte("key: id\ncolumns:\n  mail: email\n  pw:\n    hash: bcrypt\n  plan: app_metadata.plan\nignore: [id, notes]\n"), 0o600)

	a := &app{flags: newRunFlags()}
	a.flags.mapping, a.flags.batchSize = mapping, 1
	src, err := a.openTableSource(t.Context(), "sqlite://"+path, "SELECT * FROM accounts")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	batches := sourcetest.ReadAll(t, src)
	if len(batches) != 2 {
		t.Fatalf("%d batches, want 2 of one row", len(batches))
	}
	u := batches[0].Records[0].User
	if u.Email != "a@example.com" || string(u.AppMetadata) != `{"plan":"gold"}` || u.PasswordHash == "" || len(u.Extra) != 0 {
		t.Errorf("user = %+v", u)
	}
	if _, err := a.openTableSource(t.Context(), "users.csv", "SELECT 1"); err == nil {
		t.Error("a table source on a file opened")
	}
}
