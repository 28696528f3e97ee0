package sqlsourcetest

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/fixtures/sourcetest"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/sources/sqltable"
)

// Table is a dialect's table source, as RunTable reaches it. The suite
// reads a legacy table, accounts, that can hold every attribute of the
// sinktest users, the way an application would keep them in the database:
// columns id (the primary key), user_id, then the profile's root
// attributes, the unknown attributes job_title (text) and department
// (JSON), and internal_notes, which the mapping ignores.
type Table struct {
	// URL returns the location of a new, empty database, removed when the
	// test ends.
	URL func(t testing.TB) string
	// Connect opens a connection to the database at u, closed when the
	// test ends, and returns a function that runs a statement on it.
	Connect func(t testing.TB, u string) func(stmt string, args ...any) error
	// DDL creates the accounts table.
	DDL string
	// Numbered says placeholders are $1, $2…, not '?'.
	Numbered bool
	// Time returns a time as the table's time columns take it.
	Time func(time.Time) any
	// JSON declares columns JSON that the database does not report as
	// JSON (Mapping.JSON).
	JSON map[string]string
	// AddKeys are statements that add and fill two more unique columns:
	// uid (text) and joined (a time).
	AddKeys []string
	// Open opens the table source (the dialect's OpenTable, OpenSQLite).
	Open func(ctx context.Context, u string, opts sqltable.Options) (*sqltable.Source, error)
}

// RunTable runs the table-source tests against tb.
func RunTable(t *testing.T, tb Table) {
	t.Run("Conformance", func(t *testing.T) {
		sourcetest.Run(t, func(t *testing.T, users []profile.User) pipeline.Source {
			src, err := tb.Open(t.Context(), tb.LegacyDB(t, users), sqltable.Options{
				Query: "SELECT * FROM accounts", Mapping: tb.Mapping(), BatchSize: 7,
			})
			if err != nil {
				t.Fatal(err)
			}
			return src
		})
	})
	t.Run("KeysAndShards", tb.keysAndShards)
	t.Run("NameIsTheLocation", func(t *testing.T) {
		u := tb.LegacyDB(t, nil)
		src, err := tb.Open(t.Context(), u, sqltable.Options{Query: "SELECT * FROM accounts", Mapping: tb.Mapping()})
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		CheckName(t, src.Name(), u)
	})
}

// legacyRow returns the column values of the accounts table for user u,
// number i.
func (tb Table) legacyRow(i int, u *profile.User) []any {
	str := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	b := func(v profile.Bool) any {
		if !v.IsSet() {
			return nil
		}
		return v == profile.True
	}
	tm := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return tb.Time(t)
	}
	js := func(path string) any {
		v, ok := u.GetJSON(path)
		if !ok || len(v) == 0 {
			return nil
		}
		return string(v)
	}
	var logins any
	if u.LoginsCount.Valid {
		logins = u.LoginsCount.V
	}
	var job, dept any
	for _, a := range u.Extra {
		switch a.Key {
		case "job_title":
			var s string
			json.Unmarshal(a.Value, &s)
			job = s
		case "department":
			dept = string(a.Value)
		}
	}
	return []any{1000 + i, str(u.UserID), str(u.Email), b(u.EmailVerified), str(u.PhoneNumber), b(u.PhoneVerified), str(u.Username),
		str(u.GivenName), str(u.FamilyName), str(u.Name), str(u.Nickname), str(u.Picture),
		b(u.Blocked), tm(u.CreatedAt), tm(u.UpdatedAt), tm(u.LastLogin), tm(u.LastPasswordReset),
		str(u.LastIP), logins, js("identities"), js("app_metadata"), js("user_metadata"),
		js("mfa_factors"), str(u.PasswordHash), js("custom_password_hash"), job, dept, "do not migrate"}
}

// LegacyDB writes us into a new database's accounts table, user i as the
// row whose id is 1000+i, and returns the database's location.
func (tb Table) LegacyDB(t testing.TB, us []profile.User) string {
	t.Helper()
	u := tb.URL(t)
	exec := tb.Connect(t, u)
	if err := exec(tb.DDL); err != nil {
		t.Fatal(err)
	}
	ph := make([]string, 28)
	for i := range ph {
		ph[i] = "?"
		if tb.Numbered {
			ph[i] = "$" + strconv.Itoa(i+1)
		}
	}
	insert := "INSERT INTO accounts VALUES (" + strings.Join(ph, ",") + ")"
	for i := range us {
		if err := exec(insert, tb.legacyRow(i, &us[i])...); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

// Mapping maps the accounts table: id is the key, id and internal_notes
// are ignored, and every other column resolves by its name.
func (tb Table) Mapping() sqltable.Mapping {
	return sqltable.Mapping{Key: "id", Mapping: profile.Mapping{Ignore: []string{"id", "internal_notes"}}, JSON: tb.JSON}
}

func (tb Table) keysAndShards(t *testing.T) {
	users := sinktest.Users(0, 30)
	u := tb.LegacyDB(t, users)
	exec := tb.Connect(t, u)
	for _, stmt := range tb.AddKeys {
		if err := exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	for _, key := range []string{"id", "user_id", "uid", "joined"} {
		t.Run(key, func(t *testing.T) {
			m := tb.Mapping()
			m.Key = key
			m.Ignore = append(m.Ignore, "uid", "joined")
			opts := sqltable.Options{Query: "SELECT * FROM accounts", Mapping: m, BatchSize: 4}
			src, err := tb.Open(t.Context(), u, opts)
			if err != nil {
				t.Fatal(err)
			}
			ranges, err := src.Split(t.Context(), 3)
			src.Close()
			if err != nil || len(ranges) != 3 {
				t.Fatalf("Split = %+v, %v", ranges, err)
			}
			var all []profile.User
			for _, r := range ranges {
				o := opts
				o.Range = r
				part, err := tb.Open(t.Context(), u, o)
				if err != nil {
					t.Fatal(err)
				}
				us := ReadUsers(t, part)
				if len(us) != 10 {
					t.Errorf("range %+v: %d users, want 10", r, len(us))
				}
				all = append(all, us...)
			}
			sinktest.Equal(t, users, all)
		})
	}
	for _, q := range []string{"SELECT id, email AS id FROM accounts", "SELECT id, email, email FROM accounts"} {
		src, err := tb.Open(t.Context(), u, sqltable.Options{Query: q, Mapping: tb.Mapping()})
		if err == nil {
			src.Close()
		}
		if !errors.Is(err, sqltable.ErrQuery) {
			t.Errorf("%s: %v, want ErrQuery (a column named twice)", q, err)
		}
	}
}
