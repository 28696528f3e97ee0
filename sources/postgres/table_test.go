package postgres

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/fixtures/sourcetest"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/sinks/postgres/pgtest"
	"github.com/ferry-dev/ferry/sources/sqltable"
)

// legacyDDL is a legacy table that can hold every attribute of the
// sinktest users, the way an application would keep them in PostgreSQL.
const legacyDDL = `CREATE TABLE accounts (
	id bigint PRIMARY KEY, user_id text, email text, email_verified boolean,
	phone_number text, phone_verified boolean, username text,
	given_name text, family_name text, name text, nickname text, picture text,
	blocked boolean, created_at timestamptz, updated_at timestamptz, last_login timestamptz, last_password_reset timestamptz,
	last_ip text, logins_count integer, identities json, app_metadata json, user_metadata json,
	mfa_factors jsonb, password_hash text, custom_password_hash json, job_title text, department json,
	internal_notes text)`

func legacyRow(i int, u *profile.User) []any {
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
		return t
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

// legacyDB writes us into a new schema's accounts table and returns its URL.
func legacyDB(t *testing.T, us []profile.User) string {
	t.Helper()
	u := pgtest.URL(t)
	conn := pgtest.Connect(t, u)
	if _, err := conn.Exec(t.Context(), legacyDDL); err != nil {
		t.Fatal(err)
	}
	ph := make([]string, 28)
	for i := range ph {
		ph[i] = "$" + string(rune('0'+(i+1)/10)) + string(rune('0'+(i+1)%10))
	}
	for i := range us {
		if _, err := conn.Exec(t.Context(), "INSERT INTO accounts VALUES ("+strings.Join(ph, ",")+")", legacyRow(i, &us[i])...); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

func legacyMapping() sqltable.Mapping {
	return sqltable.Mapping{Key: "id", Mapping: profile.Mapping{Ignore: []string{"id", "internal_notes"}}}
}

func TestTable_Conformance(t *testing.T) {
	sourcetest.Run(t, func(t *testing.T, users []profile.User) pipeline.Source {
		src, err := OpenTable(t.Context(), legacyDB(t, users), sqltable.Options{
			Query: "SELECT * FROM accounts", Mapping: legacyMapping(), BatchSize: 7,
		})
		if err != nil {
			t.Fatal(err)
		}
		return src
	})
}

func TestTable_KeysAndShards(t *testing.T) {
	users := sinktest.Users(0, 30)
	u := legacyDB(t, users)
	pgtest.Exec(t, u, "ALTER TABLE accounts ADD COLUMN uid uuid, ADD COLUMN joined timestamptz")
	pgtest.Exec(t, u, "UPDATE accounts SET uid = md5(id::text)::uuid, joined = '2020-01-01'::timestamptz + id * interval '1 hour'")
	for _, key := range []string{"id", "user_id", "uid", "joined"} {
		t.Run(key, func(t *testing.T) {
			m := legacyMapping()
			m.Key = key
			m.Ignore = append(m.Ignore, "uid", "joined")
			opts := sqltable.Options{Query: "SELECT * FROM accounts", Mapping: m, BatchSize: 4}
			src, err := OpenTable(t.Context(), u, opts)
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
				part, err := OpenTable(t.Context(), u, o)
				if err != nil {
					t.Fatal(err)
				}
				us := readUsers(t, part)
				if len(us) != 10 {
					t.Errorf("range %+v: %d users, want 10", r, len(us))
				}
				all = append(all, us...)
			}
			sinktest.Equal(t, users, all)
		})
	}
	if _, err := OpenTable(t.Context(), u, sqltable.Options{Query: "SELECT id, email AS id FROM accounts", Mapping: legacyMapping()}); !errors.Is(err, sqltable.ErrQuery) {
		t.Errorf("a column twice: %v, want ErrQuery", err)
	}
}
