package query_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-dev/ferry/profile/query"
)

var update = flag.Bool("update", false, "rewrite golden files")

// goldenQueries cover every construct SQL translates.
var goldenQueries = []string{
	``,
	`name:""`,
	`jane`,
	`email:"Jane@ExampleCo.com"`,
	`user_id:auth0|123`,
	`name:jo*n%_x*`,
	`username:a*b\[c\?*`,
	`given_name:[a TO k}`,
	`last_ip:{10.0.0.0 TO *]`,
	`email.domain:example.com`,
	`_exists_:email.domain`,
	`blocked:true AND NOT email_verified:false`,
	`_exists_:phone_verified`,
	`logins_count:{100 TO 200]`,
	`logins_count:5`,
	`created_at:2018-01-15`,
	`last_login:[* TO 2017-12-31T23:59:59.5+01:00}`,
	`a -b OR c`,
	`app_metadata.plan:"gold"`,
	`app_metadata.score:5`,
	`app_metadata.active:true`,
	`app_metadata.plan:go*d`,
	`app_metadata.score:[1 TO 10}`,
	`app_metadata.level:{b TO *]`,
	`_exists_:app_metadata.tags`,
	`_exists_:user_metadata`,
	`user_metadata.addresses.city:"Paris"`,
	`identities.connection:"google-oauth2"`,
	`_exists_:identities`,
	`identities.profileData.email:x`,
}

func formatArgs(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = fmt.Sprintf("%T(%v)", a, a)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func TestSQL_Golden(t *testing.T) {
	var b strings.Builder
	for _, q := range goldenQueries {
		parsed, err := query.Parse(q)
		if err != nil {
			t.Fatalf("Parse(%q): %v", q, err)
		}
		fmt.Fprintf(&b, "== %s\n", q)
		for _, d := range []query.Dialect{query.Postgres, query.MySQL, query.SQLite} {
			where, args, err := parsed.SQL(d, query.DefaultColumns())
			if err != nil {
				t.Fatalf("SQL(%s, %q): %v", d, q, err)
			}
			if n := strings.Count(where, "?"); d != query.Postgres && n != len(args) {
				t.Errorf("%s %q: %d placeholders for %d args", d, q, n, len(args))
			}
			if d == query.Postgres && len(args) > 0 && !strings.Contains(where, fmt.Sprintf("$%d", len(args))) {
				t.Errorf("postgres %q: no placeholder $%d", q, len(args))
			}
			fmt.Fprintf(&b, "-- %s\n%s\n%s\n", d, where, formatArgs(args))
		}
		b.WriteByte('\n')
	}
	got := b.String()
	path := filepath.Join("testdata", "sql.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d:\n got  %s\n want %s\n(run with -update to accept)", path, i+1, g, w)
			}
		}
	}
}

func TestSQL_ValuesAreNeverInterpolated(t *testing.T) {
	const evil = `x'); DROP TABLE users; --`
	for _, q := range []string{
		`name:"` + evil + `"`, `"` + evil + `"`, `app_metadata.plan:"` + evil + `"`,
		`user_metadata.x:"` + evil + `"`, `identities.connection:"` + evil + `"`,
		`app_metadata.plan:["` + evil + `" TO *]`, `name:["` + evil + `" TO *]`,
	} {
		parsed, err := query.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []query.Dialect{query.Postgres, query.MySQL, query.SQLite} {
			where, _, err := parsed.SQL(d, query.DefaultColumns())
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(where, "DROP") {
				t.Errorf("%s: value written into the SQL: %s", d, where)
			}
		}
	}
}

func TestSQL_UsesColumns(t *testing.T) {
	q, err := query.Parse(`email:a OR app_metadata.plan:b OR _exists_:identities OR logins_count:1`)
	if err != nil {
		t.Fatal(err)
	}
	cols := query.Columns{Qualifier: "u", Email: "mail", AppMetadata: "app", Lower: "ulower"}
	where, _, err := q.SQL(query.SQLite, cols)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ulower(u.mail)", "json_type(NULLIF(u.app, ''), ?)", "json_type(NULLIF(u.identities, ''))", "u.logins_count IS NOT NULL"} {
		if !strings.Contains(where, want) {
			t.Errorf("SQL lacks %q:\n%s", want, where)
		}
	}
}

func TestSQL_RejectsUnknownDialect(t *testing.T) {
	q, err := query.Parse(`jane`)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := q.SQL(query.Dialect(0), query.DefaultColumns()); !errors.Is(err, query.ErrDialect) {
		t.Errorf("got %v, want ErrDialect", err)
	}
}
