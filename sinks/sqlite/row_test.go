package sqlite

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/sinks/internal/sqlstore"
)

func TestDeriveUserID_IsStable(t *testing.T) {
	tests := []struct {
		name, connection string
		user             profile.User
		want             string
	}{
		{"email", DefaultConnection, profile.User{Email: "jane@example.com"}, "auth0|ce2adb58bca31f40af588606"},
		{"email, other connection", "other", profile.User{Email: "jane@example.com"}, "auth0|cc716bba8697f65d419c2ccd"},
		{"username", DefaultConnection, profile.User{Username: "jane"}, "auth0|b6df5ddbfe5c400ce46fab9e"},
		{"phone number", "other", profile.User{PhoneNumber: "+15550001"}, "auth0|c4e3e3d7af9cb0e6bf4c483a"},
		{"email before username", DefaultConnection, profile.User{Email: "jane@example.com", Username: "jane"}, "auth0|ce2adb58bca31f40af588606"},
		{"none of the three", DefaultConnection, profile.User{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DeriveUserID(tt.connection, &tt.user); got != tt.want {
				t.Errorf("DeriveUserID = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEncoder_StoresTimesAsUTCText(t *testing.T) {
	tests := []struct {
		name  string
		in    time.Time
		want  any // the created_at value: nil or the text
		issue bool
	}{
		{"zero is NULL", time.Time{}, nil, false},
		{"leap day, nanoseconds cut to microseconds", time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.UTC), "2024-02-29T23:59:59.999999Z", false},
		{"year 0", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), "0000-01-01T00:00:00.000000Z", false},
		{"year 9999", time.Date(9999, 12, 31, 1, 2, 3, 4000, time.UTC), "9999-12-31T01:02:03.000004Z", false},
		{"one microsecond past the epoch", time.Date(1970, 1, 1, 0, 0, 0, 1000, time.UTC), "1970-01-01T00:00:00.000001Z", false},
		{"other zone is converted to UTC", time.Date(2024, 1, 1, 1, 30, 0, 0, time.FixedZone("x", 2*3600)), "2023-12-31T23:30:00.000000Z", false},
		{"year 10000 is refused", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), nil, true},
		{"year -1 is refused", time.Date(-1, 12, 31, 0, 0, 0, 0, time.UTC), nil, true},
		{"UTC year 10000 from another zone is refused", time.Date(9999, 12, 31, 23, 0, 0, 0, time.FixedZone("x", -2*3600)), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := encoder{connection: DefaultConnection}
			var r row
			issues, err := e.encode(&profile.User{UserID: "auth0|1", CreatedAt: tt.in}, &r)
			if err != nil {
				t.Fatal(err)
			}
			if got := r[sqlstore.ColCreatedAt]; got != tt.want {
				t.Errorf("created_at = %v, want %v", got, tt.want)
			}
			if s, ok := tt.want.(string); ok && s != tt.in.UTC().Format(sqlstore.TimeLayout) {
				t.Errorf("want %s is not the time in the layout", s)
			}
			if got := len(issues) > 0; got != tt.issue {
				t.Errorf("issues = %v, want some: %v", issues, tt.issue)
			}
		})
	}
}

// TestRowUser_ReadsSQLiteValues pins how Row reads what SQLite returns,
// where it differs from the other stores' decoder: any non-zero integer is
// true, text and integer columns insist on their own type, and an empty
// JSON text is no value.
func TestRowUser_ReadsSQLiteValues(t *testing.T) {
	tests := []struct {
		name    string
		column  string
		value   any
		want    profile.User
		corrupt bool
	}{
		{"boolean 2 is true", "email_verified", int64(2), profile.User{EmailVerified: profile.True}, false},
		{"boolean 0 is false", "blocked", int64(0), profile.User{Blocked: profile.False}, false},
		{"boolean as text is corrupt", "blocked", "1", profile.User{}, true},
		{"NULL is unset", "blocked", nil, profile.User{}, false},
		{"integer in a text column is corrupt", "email", int64(5), profile.User{}, true},
		{"blob in a text column is text", "email", []byte("e@x"), profile.User{Email: "e@x"}, false},
		{"logins_count as text is corrupt", "logins_count", "5", profile.User{}, true},
		{"logins_count", "logins_count", int64(5), profile.User{LoginsCount: profile.IntOf(5)}, false},
		{"time", "last_login", "2024-01-02T03:04:05.000006Z", profile.User{LastLogin: time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC)}, false},
		{"time in another layout is corrupt", "last_login", "2024-01-02 03:04:05", profile.User{}, true},
		{"empty identities are none", "identities", "", profile.User{}, false},
		{"empty mfa_factors are none", "mfa_factors", "", profile.User{}, false},
		{"empty extra is none", "extra", "", profile.User{}, false},
		{"blank extra is corrupt", "extra", " ", profile.User{}, true},
		{"extra that is not an object is corrupt", "extra", "[]", profile.User{}, true},
		{"empty extra object", "extra", " { } ", profile.User{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewRow([]string{tt.column})
			if err != nil {
				t.Fatal(err)
			}
			*r.Dest()[0].(*any) = tt.value
			var u profile.User
			err = r.User(&u)
			if got := errors.Is(err, ErrCorrupt); got != tt.corrupt {
				t.Fatalf("User = %v, want corrupt: %v", err, tt.corrupt)
			}
			if d := cmp.Diff(tt.want, u); err == nil && d != "" {
				t.Errorf("User mismatch (-want +got):\n%s", d)
			}
		})
	}
}

// FuzzRowUser feeds arbitrary column values to Row.User, which reads what
// a store file holds: it must return a profile or ErrCorrupt, never panic.
func FuzzRowUser(f *testing.F) {
	f.Add("auth0|1", "2024-01-02T03:04:05.000006Z", `[{"connection":"c","provider":"auth0","user_id":"1"}]`, `[{"totp":{"secret":"JBTWY3DPEHPK3PNP"}}]`, `{"a":1}`, `{"x":[1,2]}`, int64(1))
	f.Add("", "yesterday", `[`, `{}`, `}`, `{"a":1,"a":2}`, int64(-1))
	f.Add("x", "", `[{"user_id":12345678901234567890}]`, `[{"phone":{"value":"+1"}},{}]`, `null`, ` { } `, int64(0))
	f.Fuzz(func(t *testing.T, id, ts, identities, mfa, meta, extra string, n int64) {
		r, err := NewRow(Columns())
		if err != nil {
			t.Fatal(err)
		}
		vals := []any{id, DefaultConnection, "e@x", n, nil, n, "u", "g", "f", "n", "k", "p", n,
			ts, ts, ts, ts, "1.2.3.4", n, identities, meta, meta, mfa, "h", meta, extra}
		for i, v := range vals {
			*r.Dest()[i].(*any) = v
		}
		var u profile.User
		if err := r.User(&u); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("User = %v, want nil or ErrCorrupt", err)
		}
	})
}

// FuzzParseLocation: any string is a path, an ErrLocation, never a panic,
// and a path never carries the driver's parameter separator.
func FuzzParseLocation(f *testing.F) {
	for _, s := range []string{"", "sqlite://ferry.db", "a.db", "sqlite:", "x.csv", "sqlite://a.db?x=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, loc string) {
		p, err := ParseLocation(loc)
		if err != nil {
			if !errors.Is(err, ErrLocation) {
				t.Fatalf("ParseLocation(%q) = %v", loc, err)
			}
			return
		}
		if p == "" || strings.ContainsAny(p, "?#\x00") {
			t.Fatalf("ParseLocation(%q) = %q", loc, p)
		}
	})
}
