package postgres

import (
	"testing"
	"time"

	"github.com/ferry-dev/ferry/sinks/postgres/pgtest"
	"github.com/ferry-dev/ferry/sources/internal/sqlsource/sqlsourcetest"
)

func TestTable(t *testing.T) {
	sqlsourcetest.RunTable(t, sqlsourcetest.Table{
		URL: pgtest.URL,
		Connect: func(t testing.TB, u string) func(string, ...any) error {
			conn := pgtest.Connect(t, u)
			return func(stmt string, args ...any) error {
				_, err := conn.Exec(t.Context(), stmt, args...)
				return err
			}
		},
		DDL: `CREATE TABLE accounts (
	id bigint PRIMARY KEY, user_id text, email text, email_verified boolean,
	phone_number text, phone_verified boolean, username text,
	given_name text, family_name text, name text, nickname text, picture text,
	blocked boolean, created_at timestamptz, updated_at timestamptz, last_login timestamptz, last_password_reset timestamptz,
	last_ip text, logins_count integer, identities json, app_metadata json, user_metadata json,
	mfa_factors jsonb, password_hash text, custom_password_hash json, job_title text, department json,
	internal_notes text)`,
		Numbered: true,
		Time:     func(t time.Time) any { return t },
		AddKeys: []string{
			"ALTER TABLE accounts ADD COLUMN uid uuid, ADD COLUMN joined timestamptz",
			"UPDATE accounts SET uid = md5(id::text)::uuid, joined = '2020-01-01'::timestamptz + id * interval '1 hour'",
		},
		Open: OpenTable,
	})
}
