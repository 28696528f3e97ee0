package query_test

import (
	"testing"

	"github.com/ferry-dev/ferry/profile/query"
	"github.com/ferry-dev/ferry/profile/query/querytest"
)

var benchQueries = []struct{ name, q string }{
	{"email", `email:"jane@exampleco.com"`},
	{"default", `jane`},
	{"wildcard", `name:*smith*`},
	{"range", `logins_count:[100 TO 200] AND created_at:[2018 TO *]`},
	{"metadata", `app_metadata.plan:"gold"`},
	{"nested", `user_metadata.addresses.city:"Paris"`},
	{"identities", `identities.connection:"google-oauth2"`},
	{"exists", `_exists_:app_metadata.tags`},
	{"mixed", `(email_verified:false OR NOT _exists_:email_verified) AND NOT blocked:true AND app_metadata.roles:admin`},
}

// BenchmarkMatch reports the cost of matching one user (ns/op is per user).
func BenchmarkMatch(b *testing.B) {
	us := querytest.Users()
	for _, bq := range benchQueries {
		q, err := query.Parse(bq.q)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bq.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for i := 0; b.Loop(); i++ {
				if q.Match(&us[i%len(us)]) {
					n++
				}
			}
			_ = n
		})
	}
}

func BenchmarkParse(b *testing.B) {
	const q = `(email_verified:false OR NOT _exists_:email_verified) AND NOT blocked:true AND app_metadata.roles:admin AND logins_count:[100 TO *]`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := query.Parse(q); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSQL(b *testing.B) {
	q, err := query.Parse(`(email_verified:false OR NOT _exists_:email_verified) AND user_metadata.addresses.city:"Paris" AND name:jo*`)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := q.SQL(query.Postgres, query.DefaultColumns()); err != nil {
			b.Fatal(err)
		}
	}
}
