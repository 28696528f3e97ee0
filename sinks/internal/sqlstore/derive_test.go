package sqlstore_test

import (
	"testing"

	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/sinks/internal/sqlstore"
	sqlitestore "github.com/ferry-dev/ferry/sinks/sqlite"
)

func TestDeriveUserID_IsTheSQLiteStores(t *testing.T) {
	for _, u := range []profile.User{
		{Email: "jane@example.com"}, {Username: "jane"}, {PhoneNumber: "+15550001"}, {},
	} {
		for _, conn := range []string{sqlstore.DefaultConnection, "other"} {
			if got, want := sqlstore.DeriveUserID(conn, &u), sqlitestore.DeriveUserID(conn, &u); got != want {
				t.Errorf("DeriveUserID(%q, %+v) = %q, SQLite's %q", conn, u, got, want)
			}
		}
	}
}
