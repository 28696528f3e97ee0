package sqlite

import (
	"errors"
	"io/fs"
	"path/filepath"
	"testing"
)

func TestMigrate_TwiceIsHarmless(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "m.db")
	db, err := OpenDB(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, err := Version(ctx, db); err != nil || v != 0 {
		t.Fatalf("Version of a new file = %d, %v; want 0", v, err)
	}
	for range 2 {
		if err := Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := Version(ctx, db); err != nil || v != SchemaVersion {
		t.Fatalf("Version = %d, %v; want %d", v, err, SchemaVersion)
	}
	var rows int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM ferry_schema").Scan(&rows); err != nil || rows != SchemaVersion {
		t.Errorf("ferry_schema holds %d rows, %v; want %d", rows, err, SchemaVersion)
	}
}

func TestMigrate_RefusesNewerSchema(t *testing.T) {
	ctx := t.Context()
	db, err := OpenDB(ctx, filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO ferry_schema (version, applied_at) VALUES (?, 'x')", SchemaVersion+1); err != nil {
		t.Fatal(err)
	}
	if err := Migrate(ctx, db); !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Migrate = %v, want ErrSchemaTooNew", err)
	}
}

func TestOpenDB_Pragmas(t *testing.T) {
	ctx := t.Context()
	s := openTest(t, Options{})
	for _, tt := range []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "1"},
		{"page_size", "16384"},
		{"busy_timeout", "10000"},
	} {
		var got string
		if err := s.db.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("PRAGMA %s = %s, want %s", tt.pragma, got, tt.want)
		}
	}
}

func TestOpenReadOnly_MissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.db")
	if _, err := OpenReadOnly(t.Context(), path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("OpenReadOnly = %v, want fs.ErrNotExist", err)
	}
	if m, _ := filepath.Glob(path + "*"); len(m) > 0 {
		t.Errorf("OpenReadOnly created %v", m)
	}
}

func TestParseLocation(t *testing.T) {
	tests := []struct {
		loc, want string
		err       error
	}{
		{"", DefaultPath, nil},
		{"sqlite://ferry.db", "ferry.db", nil},
		{"sqlite:///var/lib/ferry/users.db", "/var/lib/ferry/users.db", nil},
		{"sqlite:users.sqlite", "users.sqlite", nil},
		{"data/users.db", "data/users.db", nil},
		{"USERS.SQLITE3", "USERS.SQLITE3", nil},
		{"users.csv", "", ErrLocation},
		{"postgres://localhost/test", "", ErrLocation},
		{"sqlite://", "", ErrLocation},
		{"sqlite://a.db?mode=ro", "", ErrLocation},
	}
	for _, tt := range tests {
		t.Run(tt.loc, func(t *testing.T) {
			got, err := ParseLocation(tt.loc)
			if !errors.Is(err, tt.err) || got != tt.want {
				t.Errorf("ParseLocation(%q) = %q, %v; want %q, %v", tt.loc, got, err, tt.want, tt.err)
			}
		})
	}
}
