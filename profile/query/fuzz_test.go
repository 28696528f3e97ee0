package query_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/profile/query"
	"github.com/ferry-dev/ferry/profile/query/querytest"
)

// FuzzParse checks that Parse never panics, that every error carries a
// column inside the query, and that an accepted query's canonical form
// parses back to the same query, which matches the same users and
// translates to SQL in every dialect.
func FuzzParse(f *testing.F) {
	for _, q := range goldenQueries {
		f.Add(q)
	}
	for _, c := range querytest.Cases() {
		f.Add(c.Query)
	}
	for _, s := range []string{`email:`, `(a`, `"abc`, `a\`, `name:é AND é?`, "a\xffb", `logins_count:[1 TO 2`,
		`created_at:[2018-01-15T10:00:00.5+01:00 TO *}`, `+a -b NOT c OR (d AND e:)`, `_exists_:`} {
		f.Add(s)
	}
	us := querytest.Users()
	f.Fuzz(func(t *testing.T, s string) {
		q, err := query.Parse(s)
		if err != nil {
			var se *query.SyntaxError
			if !errors.As(err, &se) || !errors.Is(err, query.ErrSyntax) {
				t.Fatalf("Parse(%q) returned %T %v", s, err, err)
			}
			if se.Offset < 0 || se.Offset > len(s) || se.Column < 1 || se.Column > utf8.RuneCountInString(s)+1 ||
				se.Column != utf8.RuneCountInString(s[:se.Offset])+1 {
				t.Fatalf("Parse(%q): offset %d column %d outside the query", s, se.Offset, se.Column)
			}
			_ = se.Error()
			return
		}
		canon := q.String()
		again, err := query.Parse(canon)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", canon, s, err)
		}
		if got := again.String(); got != canon {
			t.Fatalf("canonical form of %q is not stable: %q then %q", s, canon, got)
		}
		_ = q.Redacted()
		for _, d := range []query.Dialect{query.Postgres, query.MySQL, query.SQLite} {
			if _, _, err := q.SQL(d, query.DefaultColumns()); err != nil {
				t.Fatalf("SQL(%s) of %q: %v", d, s, err)
			}
		}
		for i := range us {
			if q.Match(&us[i]) != again.Match(&us[i]) {
				t.Fatalf("%q and its canonical form %q disagree on user %s", s, canon, us[i].UserID)
			}
		}
	})
}

// FuzzMatch checks that Match never panics on any metadata or identity
// text, well-formed or not, and that well-formed JSON gives the same answer
// whatever whitespace surrounds its tokens.
func FuzzMatch(f *testing.F) {
	for _, u := range querytest.Users() {
		f.Add(string(u.AppMetadata))
		f.Add(string(u.UserMetadata))
	}
	f.Add(`{"a":[{"b":"x\"y"},[1,{"b":true}]],"c":"\\u00e9"}`)
	f.Add(`{"a":"x`)
	f.Add(`[{]}"`)
	var qs []*query.Query
	for _, s := range []string{
		`app_metadata.a:x`, `app_metadata.a.b:true`, `_exists_:app_metadata.a`, `_exists_:app_metadata`,
		`app_metadata.a.b:[1 TO 5]`, `app_metadata.a:*xy*z*`, `user_metadata.a.b:1`, `identities.profileData.a.b:x`,
		`identities.x.b:"x\"y"`, `_exists_:identities`,
	} {
		q, err := query.Parse(s)
		if err != nil {
			f.Fatal(err)
		}
		qs = append(qs, q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u := profile.User{
			AppMetadata:  json.RawMessage(raw),
			UserMetadata: json.RawMessage(raw),
			Identities: []profile.Identity{{ProfileData: json.RawMessage(raw),
				Extra: []profile.Attr{{Key: "x", Value: json.RawMessage(raw)}}}},
		}
		var spaced profile.User
		if profile.Valid([]byte(raw)) {
			var buf bytes.Buffer
			if err := json.Indent(&buf, []byte(raw), " ", "\t"); err == nil {
				sp := json.RawMessage(buf.Bytes())
				spaced = profile.User{AppMetadata: sp, UserMetadata: sp,
					Identities: []profile.Identity{{ProfileData: sp, Extra: []profile.Attr{{Key: "x", Value: sp}}}}}
			}
		}
		for _, q := range qs {
			got := q.Match(&u)
			if spaced.AppMetadata != nil && q.Match(&spaced) != got {
				t.Fatalf("%s: indented JSON gives another answer for %q", q, raw)
			}
		}
	})
}
