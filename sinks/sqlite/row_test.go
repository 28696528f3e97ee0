package sqlite

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/profile"
)

func TestAppendTime_MatchesLayout(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.UTC),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 1, 2, 3, 4000, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 1000, time.UTC),
		time.Unix(1700000000, 123456789).UTC(),
	} {
		if got, want := string(appendTime(nil, tm)), tm.Format(timeLayout); got != want {
			t.Errorf("appendTime(%v) = %s, want %s", tm, got, want)
		}
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
