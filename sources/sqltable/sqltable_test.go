package sqltable

import (
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	sqlitestore "github.com/ferry-dev/ferry/sinks/sqlite"
)

func exec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(t.Context(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func openSQLite(t *testing.T, path string, opts Options) *Source {
	t.Helper()
	src, err := OpenSQLite(t.Context(), "sqlite://"+path, opts)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestIsSelect(t *testing.T) {
	for q, want := range map[string]bool{
		"SELECT * FROM users":                  true,
		"  select id from t":                   true,
		"WITH a AS (SELECT 1) SELECT * FROM a": true,
		"select*from t":                        true,
		"selected:true":                        false,
		"email:jane@example.com":               false,
		"app_metadata.plan:gold":               false,
		"":                                     false,
	} {
		if got := IsSelect(q); got != want {
			t.Errorf("IsSelect(%q) = %v, want %v", q, got, want)
		}
	}
}

func TestMapping_PasswordColumnsAndTypes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "legacy.db")
	db, err := sqlitestore.OpenDB(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	exec(t, db, `CREATE TABLE auth_user (pk INTEGER PRIMARY KEY, mail TEXT, pw TEXT, active INTEGER, score REAL, plan TEXT, prefs JSON, joined TEXT)`)
	rows := [][]any{
		{1, "a@example.com", "pbkdf2_sha256$10000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=", 1, 4.5, "gold", `{"theme":"dark"}`, "2019-02-03T04:05:06Z"},
		{2, "b@example.com", "not a hash", 0, nil, nil, nil, "yesterday"},
		{3, "c@example.com", "sha1$salt$" + strings.Repeat("ab", 20), nil, 10, "", nil, nil},
	}
	for _, r := range rows {
		exec(t, db, "INSERT INTO auth_user VALUES (?,?,?,?,?,?,?,?)", r...)
	}
	db.Close()
	m, err := LoadMapping(strings.NewReader(`
key: pk
columns:
  mail: email
  pw:
    hash: django
  active: email_verified
  score: app_metadata.score
  plan: app_metadata.plan
  prefs: user_metadata.prefs
  joined: created_at
ignore: [pk]
`))
	if err != nil {
		t.Fatal(err)
	}
	src := openSQLite(t, path, Options{Query: "SELECT * FROM auth_user;", Mapping: m})
	defer src.Close()
	b, err := src.Next(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Records) != 3 {
		t.Fatalf("%d records, want 3", len(b.Records))
	}
	u0 := b.Records[0].User
	if u0.Email != "a@example.com" || u0.EmailVerified != profile.True || !u0.CreatedAt.Equal(time.Date(2019, 2, 3, 4, 5, 6, 0, time.UTC)) {
		t.Errorf("user 0 = %+v", u0)
	}
	if got := string(u0.AppMetadata); got != `{"score":4.5,"plan":"gold"}` {
		t.Errorf("app_metadata = %s", got)
	}
	if got := string(u0.UserMetadata); got != `{"prefs":{"theme":"dark"}}` {
		t.Errorf("user_metadata = %s", got)
	}
	if !strings.Contains(string(u0.CustomPasswordHash), `"algorithm":"pbkdf2"`) || u0.PasswordHash != "" {
		t.Errorf("custom_password_hash = %s", u0.CustomPasswordHash)
	}
	codes := func(r pipeline.Record) []string {
		var cs []string
		for _, is := range r.Issues {
			cs = append(cs, string(is.Code)+" "+is.Path)
			if strings.Contains(is.Message, "not a hash") || strings.Contains(is.Message, "yesterday") {
				t.Errorf("issue %q quotes a value", is.Message)
			}
		}
		return cs
	}
	if d := cmp.Diff([]string{"FORMAT password_hash", "FORMAT created_at"}, codes(b.Records[1])); d != "" {
		t.Errorf("record 1 issues (-want +got):\n%s", d)
	}
	u2 := b.Records[2].User
	if len(b.Records[2].Issues) != 0 || !strings.Contains(string(u2.CustomPasswordHash), `"algorithm":"sha1"`) || string(u2.AppMetadata) != `{"score":10}` {
		t.Errorf("record 2: issues %v, custom hash %s, app_metadata %s", b.Records[2].Issues, u2.CustomPasswordHash, u2.AppMetadata)
	}
}

func TestKey_Checks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "legacy.db")
	db, err := sqlitestore.OpenDB(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	exec(t, db, `CREATE TABLE t (id INTEGER, code TEXT, email TEXT)`)
	for i := range 10 {
		exec(t, db, "INSERT INTO t VALUES (?, ?, ?)", i, "c"+string(rune('a'+i/3)), "u@example.com")
	}
	db.Close()
	open := func(q, key string) (*Source, error) {
		return OpenSQLite(t.Context(), path, Options{Query: q, Mapping: Mapping{Key: key}, BatchSize: 3})
	}
	if _, err := open("SELECT * FROM t", "nope"); !errors.Is(err, ErrKey) {
		t.Errorf("missing key column: %v, want ErrKey", err)
	}
	if _, err := open("SELECT id, code, NULL AS k FROM t", "k"); !errors.Is(err, ErrKey) {
		t.Errorf("NULL key: %v, want ErrKey", err)
	}
	if _, err := open("DELETE FROM t", "id"); !errors.Is(err, ErrQuery) {
		t.Errorf("not a SELECT: %v, want ErrQuery", err)
	}
	if _, err := open("SELECT 1; DROP TABLE t", "id"); !errors.Is(err, ErrQuery) {
		t.Errorf("two statements: %v, want ErrQuery", err)
	}
	if _, err := OpenSQLite(t.Context(), path, Options{Query: "SELECT * FROM t", Mapping: Mapping{Key: "id",
		Mapping: profile.Mapping{Columns: map[string]string{"missing": "email"}}}}); !errors.Is(err, ErrMapping) {
		t.Errorf("mapping of a missing column: %v, want ErrMapping", err)
	}
	src, err := open("SELECT * FROM t", "code")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var got error
	for got == nil {
		_, got = src.Next(t.Context())
	}
	if !errors.Is(got, ErrKey) {
		t.Errorf("reading a key that repeats: %v, want ErrKey", got)
	}

	// An INTEGER key column holding text (SQLite keeps what it is given):
	// the error names the column's type, not the value.
	db, err = sqlitestore.OpenDB(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	exec(t, db, "INSERT INTO t VALUES ('zz-secret@example.com', 'cz', 'u@example.com'), ('zz-secret2@example.com', 'cz', 'u@example.com')")
	db.Close()
	src, err = OpenSQLite(t.Context(), path, Options{Query: "SELECT * FROM t ORDER BY email, code", Mapping: Mapping{Key: "id"}, BatchSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	got = nil
	for got == nil {
		_, got = src.Next(t.Context())
	}
	if !errors.Is(got, ErrKey) || strings.Contains(got.Error(), "zz-secret") {
		t.Errorf("a text key in an integer column: %v, want ErrKey without the value", got)
	}
}

func TestLoadMapping(t *testing.T) {
	tests := []struct {
		name, in string
		want     Mapping
		err      string // part of the error, "" for none
	}{
		{"empty", "", Mapping{}, ""},
		{"full", "key: uid\ncolumns:\n  mail: email\n  pw:\n    hash: bcrypt\nignore: [notes]\n",
			Mapping{Key: "uid", Mapping: profile.Mapping{Columns: map[string]string{"mail": "email"}, Ignore: []string{"notes"}},
				Passwords: map[string]string{"pw": "bcrypt"}}, ""},
		{"unknown top key", "keys: id\n", Mapping{}, `line 1: unknown key "keys"`},
		{"unknown hash format", "columns:\n  pw:\n    hash: rot13\n", Mapping{}, `line 3: column "pw": unknown hash format "rot13"`},
		{"hash entry with other keys", "columns:\n  pw:\n    path: password\n", Mapping{}, `line 3: column "pw": want hash: FORMAT`},
		{"bad path", "columns:\n  mail: emails.x\n", Mapping{}, `line 2:`},
		{"mapped twice", "columns:\n  a: email\n  a: name\n", Mapping{}, `mapped twice (first at line 2)`},
		{"mapped and ignored", "columns:\n  a: email\nignore: [a]\n", Mapping{}, `both mapped (line 2) and ignored`},
		{"two onto one path", "columns:\n  a: email\n  b: email\n", Mapping{}, `already the target`},
		{"empty key", "key: \n", Mapping{}, `key: want a column name`},
		{"two documents", "key: a\n---\nkey: b\n", Mapping{}, `more than one`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := LoadMapping(strings.NewReader(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, ErrMapping) || !errors.Is(err, profile.ErrMapping) {
					t.Fatalf("LoadMapping = %v, want an ErrMapping holding %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, m); d != "" {
				t.Errorf("mapping (-want +got):\n%s", d)
			}
		})
	}
}

func FuzzLoadMapping(f *testing.F) {
	f.Add("key: id\ncolumns:\n  mail: email\n  pw:\n    hash: django\nignore: [x]\n")
	f.Add("columns:\n  a: user_metadata.a[0].b\n")
	f.Add("- a\n- b\n")
	f.Fuzz(func(t *testing.T, in string) {
		m, err := LoadMapping(strings.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrMapping) {
				t.Fatalf("error %v does not wrap ErrMapping", err)
			}
			return
		}
		if err := m.Check(); err != nil {
			t.Fatalf("LoadMapping accepted a mapping Check refuses: %v", err)
		}
	})
}
