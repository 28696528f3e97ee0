package mysql

import (
	"testing"
	"time"

	"github.com/ferry-dev/ferry/sinks/mysql/mysqltest"
	"github.com/ferry-dev/ferry/sources/internal/sqlsource/sqlsourcetest"
)

func TestTable(t *testing.T) {
	sqlsourcetest.RunTable(t, sqlsourcetest.Table{
		URL: mysqltest.URL,
		Connect: func(t testing.TB, u string) func(string, ...any) error {
			db := mysqltest.Open(t, u)
			return func(stmt string, args ...any) error {
				_, err := db.ExecContext(t.Context(), stmt, args...)
				return err
			}
		},
		DDL: `CREATE TABLE accounts (
	id bigint PRIMARY KEY, user_id varchar(255) COLLATE utf8mb4_bin, email text, email_verified tinyint(1),
	phone_number text, phone_verified tinyint(1), username text,
	given_name text, family_name text, name text, nickname text, picture text,
	blocked tinyint(1), created_at varchar(40), updated_at varchar(40), last_login varchar(40), last_password_reset varchar(40),
	last_ip text, logins_count integer, identities json, app_metadata longtext, user_metadata longtext,
	mfa_factors json, password_hash text, custom_password_hash json, job_title text, department json,
	internal_notes text) DEFAULT CHARSET utf8mb4`,
		Time: func(t time.Time) any { return t.UTC().Format(time.RFC3339Nano) },
		// MariaDB reports JSON columns as LONGTEXT: the unknown attribute
		// department is declared JSON.
		JSON: map[string]string{"department": "department"},
		AddKeys: []string{
			"ALTER TABLE accounts ADD COLUMN uid char(32), ADD COLUMN joined datetime(6)",
			"UPDATE accounts SET uid = md5(id), joined = '2020-01-01' + INTERVAL id HOUR",
		},
		Open: OpenTable,
	})
}
