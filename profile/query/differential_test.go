package query_test

import (
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"modernc.org/sqlite"

	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/profile/query"
	"github.com/ferry-dev/ferry/profile/query/querytest"
)

// sqliteSchema is the DefaultColumns layout as the SQLite store keeps it.
const sqliteSchema = `CREATE TABLE users (
	user_id TEXT PRIMARY KEY, email TEXT, email_verified INTEGER,
	phone_number TEXT, phone_verified INTEGER, username TEXT,
	given_name TEXT, family_name TEXT, name TEXT, nickname TEXT, picture TEXT,
	blocked INTEGER, created_at TEXT, updated_at TEXT, last_login TEXT,
	last_ip TEXT, logins_count INTEGER,
	app_metadata TEXT, user_metadata TEXT, identities TEXT)`

// openSQLite creates the users table in a temporary database and loads us.
func openSQLite(t *testing.T, us []profile.User) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "users.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := t.Context()
	if _, err := db.ExecContext(ctx, sqliteSchema); err != nil {
		t.Fatal(err)
	}
	for i := range us {
		u := &us[i]
		ids, _ := u.GetJSON("identities")
		_, err := db.ExecContext(ctx, `INSERT INTO users VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			text(u.UserID), text(u.Email), boolCell(u.EmailVerified),
			text(u.PhoneNumber), boolCell(u.PhoneVerified), text(u.Username),
			text(u.GivenName), text(u.FamilyName), text(u.Name), text(u.Nickname), text(u.Picture),
			boolCell(u.Blocked), stamp(u.CreatedAt), stamp(u.UpdatedAt), stamp(u.LastLogin),
			text(u.LastIP), count(u.LoginsCount),
			rawText(u.AppMetadata), rawText(u.UserMetadata), rawText(ids))
		if err != nil {
			t.Fatalf("insert user %d: %v", i, err)
		}
	}
	return db
}

func text(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func rawText(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

func boolCell(b profile.Bool) any {
	switch b {
	case profile.True:
		return 1
	case profile.False:
		return 0
	}
	return nil
}

func stamp(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(query.TimeLayout)
}

func count(n profile.Int) any {
	if !n.Valid {
		return nil
	}
	return n.V
}

// selectIDs runs a query's SQL over the users table.
func selectIDs(t *testing.T, db *sql.DB, d query.Dialect, cols query.Columns, q string) []string {
	t.Helper()
	parsed, err := query.Parse(q)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	where, args, err := parsed.SQL(d, cols)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(t.Context(), "SELECT user_id FROM users WHERE "+where, args...)
	if err != nil {
		t.Fatalf("sql %s: %v", where, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// matchIDs filters us with Match.
func matchIDs(t *testing.T, us []profile.User, q string) []string {
	t.Helper()
	parsed, err := query.Parse(q)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	var ids []string
	for i := range us {
		if parsed.Match(&us[i]) {
			ids = append(ids, us[i].UserID)
		}
	}
	return ids
}

func TestCases_Match(t *testing.T) {
	us := querytest.Users()
	querytest.Run(t, func(t *testing.T, q string) []string { return matchIDs(t, us, q) })
}

func TestCases_SQLite(t *testing.T) {
	db := openSQLite(t, querytest.Users())
	querytest.Run(t, func(t *testing.T, q string) []string {
		return selectIDs(t, db, query.SQLite, query.DefaultColumns(), q)
	})
}

// TestSQLite_AgreesWithMatchOnMoreQueries runs queries whose answer is not
// written down, only that SQL and Match agree on it.
func TestSQLite_AgreesWithMatchOnMoreQueries(t *testing.T) {
	us := querytest.Users()
	db := openSQLite(t, us)
	for _, q := range []string{
		`NOT *`, `NOT jane`, `jane OR john OR upper`, `a -b`, `-blocked:true`, `NOT NOT blocked:true`,
		`name:J*`, `name:*ANE*`, `nickname:*ohn*`, `email:*@exampleco.com`, `email:*EXAMPLE*`,
		`given_name:{jane TO *]`, `family_name:[* TO s]`, `username:[a TO z]`,
		`email_verified:true AND (blocked:false OR NOT _exists_:blocked)`,
		`logins_count:[* TO *]`, `_exists_:last_ip`, `last_ip:10.0.0.*`,
		`updated_at:[2000 TO *]`, `created_at:[2017-11-30T23:59:59 TO 2017-12-01]`,
		`last_login:{2017-12-31T23:59:59.999999Z TO *]`, `last_login:2017-12-31T23:59:59.999999`,
		`app_metadata.roles:editor AND NOT app_metadata.plan:silver`,
		`app_metadata.subscription.seats:[1 TO 5]`, `app_metadata.score:[* TO 5]`,
		`app_metadata.score:x`, `app_metadata.score:11`, `app_metadata.plan:"gold "`,
		`app_metadata.level:{b TO *]`, `app_metadata.level:[* TO d}`, `app_metadata.plan:*old*`,
		`_exists_:app_metadata`, `_exists_:app_metadata.score`, `_exists_:app_metadata.subscription.plan`,
		`_exists_:user_metadata.full_name`, `_exists_:user_metadata.addresses.zip`,
		`user_metadata.addresses.city:Nice`, `user_metadata.addresses.city:paris`,
		`identities.provider:auth0 OR identities.provider:sms`, `identities.user_id:t@corp`,
		`_exists_:identities.profileData`, `identities.profileData.email_verified:true`,
		`identities.isSocial:false`, `identities.connection:*-oauth2`,
		`phone_verified:true OR phone_verified:false`, `email.domain:{example.com TO exampleco.com]`,
		`user_id:*th0|0*`, `user_id:"sms|11"`, `picture:*`,
	} {
		sqlIDs := selectIDs(t, db, query.SQLite, query.DefaultColumns(), q)
		matched := matchIDs(t, us, q)
		slices.Sort(sqlIDs)
		slices.Sort(matched)
		if !slices.Equal(sqlIDs, matched) {
			t.Errorf("query %s\n sql   %q\n match %q", q, sqlIDs, matched)
		}
	}
}

// registerLower adds a Unicode-aware lower() to the SQLite driver, once per
// test binary (the driver's registry is process-wide).
var registerLower = sync.OnceValue(func() error {
	return sqlite.RegisterDeterministicScalarFunction("ferry_test_lower", 1,
		func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			if s, ok := args[0].(string); ok {
				return strings.ToLower(s), nil
			}
			return args[0], nil
		})
})

// TestSQLite_EngineRules covers two rules of the engines that the shared
// cases avoid: SQLite decodes escapes in stored JSON keys (MariaDB does
// not), and SQLite's own lower() folds ASCII only, so a store that needs
// Unicode folding names its own function in Columns.Lower.
func TestSQLite_EngineRules(t *testing.T) {
	if err := registerLower(); err != nil {
		t.Fatal(err)
	}
	us := []profile.User{
		{UserID: "a", Name: "ÉMILE", AppMetadata: json.RawMessage(`{"caf\u00e9":"x"}`)},
		{UserID: "b", Name: "emile"},
	}
	db := openSQLite(t, us)
	unicode := query.DefaultColumns()
	unicode.Lower = "ferry_test_lower"
	tests := []struct {
		name, q string
		cols    query.Columns
		sql     []string // what SQLite selects
	}{
		{"escaped key", `app_metadata.café:x`, query.DefaultColumns(), []string{"a"}},
		{"ascii lower", `name:émile`, query.DefaultColumns(), nil},
		{"unicode lower", `name:émile`, unicode, []string{"a"}},
		{"unicode lower wildcard", `name:ÉMI*`, unicode, []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := selectIDs(t, db, query.SQLite, tt.cols, tt.q); !slices.Equal(got, tt.sql) {
				t.Errorf("sql selects %q, want %q", got, tt.sql)
			}
			if got, want := matchIDs(t, us, tt.q), []string{"a"}; !slices.Equal(got, want) {
				t.Errorf("match selects %q, want %q", got, want)
			}
		})
	}
}

// TestSQLite_EmptyJSONTextIsAbsent checks that a JSON column holding empty
// text (rather than NULL) reads as absent instead of failing as malformed.
func TestSQLite_EmptyJSONTextIsAbsent(t *testing.T) {
	db := openSQLite(t, nil)
	if _, err := db.ExecContext(t.Context(),
		`INSERT INTO users (user_id, app_metadata, user_metadata, identities) VALUES ('e', '', '', '')`); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		q    string
		want []string
	}{
		{`_exists_:app_metadata`, nil},
		{`app_metadata.plan:gold`, nil},
		{`NOT user_metadata.a.b:x`, []string{"e"}},
		{`_exists_:identities OR identities.connection:x`, nil},
	}
	for _, tt := range tests {
		if got := selectIDs(t, db, query.SQLite, query.DefaultColumns(), tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.q, got, tt.want)
		}
	}
}
