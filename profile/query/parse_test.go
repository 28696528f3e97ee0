package query_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ferry-dev/ferry/profile/query"
)

func TestParse_Valid(t *testing.T) {
	tests := []struct{ in, want string }{
		{``, `*`},
		{"  \t", `*`},
		{`*`, `*`},
		{`jane`, `"jane"`},
		{`email:jane@exampleco.com`, `email:"jane@exampleco.com"`},
		{`email: jane@exampleco.com`, `email:"jane@exampleco.com"`},
		{`name:"jane smith"`, `name:"jane smith"`},
		{`John\ Doe`, `"John Doe"`},
		{`name:John\ Doe`, `name:"John Doe"`},
		{`name:"say \"hi\" \\o/"`, `name:"say \"hi\" \\o/"`},
		{`name:john*`, `name:john*`},
		{`name:j*`, `name:j*`},
		{`name:jane*smith`, `name:jane*smith`},
		{`name:*usa`, `name:*usa`},
		{`name:*richard*`, `name:*richard*`},
		{`name:jo**hn*`, `name:jo*hn*`},
		{`name:a\*b*`, `name:a\*b*`},
		{`name:"jo*"`, `name:"jo*"`},
		{`jo*`, `jo*`},
		{`name:*`, `_exists_:name`},
		{`name:""`, `NOT *`},
		{`user_id:auth0|123`, `user_id:"auth0|123"`},
		{`last_ip:::1`, `last_ip:"::1"`},
		{`name:café`, `name:"café"`},
		{`android`, `"android"`},
		{`AND\ x`, `"AND x"`},
		{`and or not`, `"and" OR "or" OR "not"`},
		{`email:("a@x.io" OR "b@x.io")`, `email:"a@x.io" OR email:"b@x.io"`},
		{`email:(a b)`, `email:"a" OR email:"b"`},
		{`email:(a AND NOT b)`, `email:"a" AND NOT email:"b"`},
		{`logins_count:([1 TO 5] OR 9)`, `logins_count:["1" TO "5"] OR logins_count:"9"`},
		{`a b`, `"a" OR "b"`},
		{`a AND b OR c`, `("a" AND "b") OR "c"`},
		{`a OR b AND c`, `"a" OR ("b" AND "c")`},
		{`a b AND c`, `"a" OR ("b" AND "c")`},
		{`NOT a OR b`, `NOT "a" OR "b"`},
		{`email_verified:false OR NOT _exists_:email_verified`, `email_verified:"false" OR NOT _exists_:email_verified`},
		{`a NOT b`, `"a" AND NOT "b"`},
		{`NOT a b`, `"b" AND NOT "a"`},
		{`a -b`, `"a" AND NOT "b"`},
		{`-a`, `NOT "a"`},
		{`-a -b`, `NOT "a" AND NOT "b"`},
		{`+a b`, `"a"`},
		{`+a +b c -d`, `"a" AND "b" AND NOT "d"`},
		{`a AND -b`, `"a" AND NOT "b"`},
		{`a OR -b`, `"a" OR NOT "b"`},
		{`NOT NOT a`, `NOT NOT "a"`},
		{`(a OR b) AND NOT (c)`, `("a" OR "b") AND NOT "c"`},
		{`a AND(b)`, `"a" AND "b"`},
		{`((a))`, `"a"`},
		{`logins_count:[100 TO 200]`, `logins_count:["100" TO "200"]`},
		{`logins_count:{100 TO *]`, `logins_count:{"100" TO *]`},
		{`logins_count:[100 TO 200}`, `logins_count:["100" TO "200"}`},
		{`logins_count:[ 1 TO 2 ]`, `logins_count:["1" TO "2"]`},
		{`logins_count:[* TO *]`, `_exists_:logins_count`},
		{`logins_count:-1`, `logins_count:"-1"`},
		{`logins_count:"5"`, `logins_count:"5"`},
		{`created_at:[2018-01-15 TO *]`, `created_at:["2018-01-15" TO *]`},
		{`last_login:{2017-11 TO 2017-12]`, `last_login:{"2017-11" TO "2017-12"]`},
		{`created_at:2018`, `created_at:"2018"`},
		{`created_at:2018-01-15T10`, `created_at:"2018-01-15T10"`},
		{`created_at:2018-01-15T10:00:00.123456+02:00`, `created_at:"2018-01-15T10:00:00.123456+02:00"`},
		{`created_at:[2018-01-15T10:00:00Z TO "2018-01-16"]`, `created_at:["2018-01-15T10:00:00Z" TO "2018-01-16"]`},
		{`blocked:true`, `blocked:"true"`},
		{`_exists_:user_metadata.x`, `_exists_:user_metadata.x`},
		{`_exists_: app_metadata`, `_exists_:app_metadata`},
		{`_exists_:email.domain`, `_exists_:email.domain`},
		{`app_metadata.subscription.plan:"gold"`, `app_metadata.subscription.plan:"gold"`},
		{`app_metadata.sub-plan_2:x`, `app_metadata.sub-plan_2:"x"`},
		{`app_metadata.plan:gold*`, `app_metadata.plan:gold*`},
		{`app_metadata.x:[a TO "b c"]`, `app_metadata.x:["a" TO "b c"]`},
		{`app_metadata:*`, `_exists_:app_metadata`},
		{`user_metadata.addresses.city:"Paris"`, `user_metadata.addresses.city:"Paris"`},
		{`identities.connection:"google-oauth2"`, `identities.connection:"google-oauth2"`},
		{`identities.profileData.email:x`, `identities.profileData.email:"x"`},
		{`email.domain:example.com`, `email.domain:"example.com"`},
		{`name:john* -blocked:true`, `name:john* AND NOT blocked:"true"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			q, err := query.Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := q.String(); got != tt.want {
				t.Errorf("String() = %s, want %s", got, tt.want)
			}
			// The canonical form parses to itself.
			again, err := query.Parse(q.String())
			if err != nil {
				t.Fatalf("Parse(String()): %v", err)
			}
			if got := again.String(); got != q.String() {
				t.Errorf("String() not stable: %s then %s", q.String(), got)
			}
		})
	}
}

func TestParse_RejectsMalformed(t *testing.T) {
	tests := []struct {
		in     string
		column int
		msg    string
	}{
		{`email:`, 7, `expected value after "email:"`},
		{`email: `, 8, `expected value after "email:"`},
		{`email:)`, 7, `expected value after "email:"`},
		{`email: OR x`, 8, `expected value after "email:"`},
		{`email:]`, 7, `expected value after "email:"`},
		{`foo:bar`, 1, `unknown field`},
		{`name.first:x`, 1, `name has no sub-fields`},
		{`app_metadata..x:y`, 1, `empty key`},
		{`app_metadata.a$b:y`, 1, `field paths may hold only`},
		{`_exists_:`, 10, `expected a field name after "_exists_:"`},
		{`_exists_:foo`, 10, `unknown field`},
		{`_exists_:na*`, 10, `wildcards and escapes are not allowed in field names`},
		{`na\me:x`, 1, `wildcards and escapes are not allowed in field names`},
		{`:x`, 1, `expected a field name before ':'`},
		{`email:(name:x)`, 8, `a field group cannot name another field`},
		{`(a`, 1, `'(' is never closed`},
		{`a OR (b AND (c)`, 6, `'(' is never closed`},
		{`a)`, 2, `unexpected ')'`},
		{`()`, 1, `empty parentheses`},
		{`email:()`, 7, `empty parentheses`},
		{`a AND`, 6, `expected a term after AND`},
		{`AND a`, 1, `expected a term before AND`},
		{`a AND OR b`, 7, `expected a term after AND`},
		{`a OR`, 5, `expected a term after OR`},
		{`OR a`, 1, `expected a term before OR`},
		{`NOT`, 4, `expected a term after NOT`},
		{`a NOT`, 6, `expected a term after NOT`},
		{`- a`, 2, `expected a term right after '-'`},
		{`+`, 2, `expected a term right after '+'`},
		{`--a`, 2, `expected a term right after '-'`},
		{`+AND`, 2, `expected a term, found an operator`},
		{`"abc`, 1, `quoted phrase is never closed`},
		{`name:"abc\"`, 6, `quoted phrase is never closed`},
		{`"a":b`, 4, `a quoted phrase cannot be a field name`},
		{`a?`, 2, `'?' wildcard is not supported`},
		{`name:jo?n`, 8, `'?' wildcard is not supported`},
		{`a~2`, 2, `fuzzy and proximity searches`},
		{`a^2`, 2, `boosts`},
		{`/re/`, 1, `regular expressions are not supported`},
		{`name:/re/`, 6, `regular expressions are not supported`},
		{`!a`, 1, `use NOT instead of '!'`},
		{`a && b`, 3, `use AND and OR instead of && and ||`},
		{`a || b`, 3, `use AND and OR instead of && and ||`},
		{`a\`, 2, `escapes nothing`},
		{`a ]`, 3, `unexpected ']' outside a range`},
		{`[1 TO 2]`, 1, `a range needs a field`},
		{`logins_count:[1 TO 2`, 21, `expected ']' or '}' to close the range`},
		{`logins_count:[1 2]`, 17, `expected TO (in upper case)`},
		{`logins_count:[1 to 2]`, 17, `expected TO (in upper case)`},
		{`logins_count:[1]`, 16, `expected ' TO ' after the lower bound`},
		{`logins_count:[ TO 2]`, 16, `expected a range bound before TO`},
		{`logins_count:[1 TO ]`, 20, `expected a range bound`},
		{`logins_count:[a TO 2]`, 15, `logins_count takes whole numbers`},
		{`logins_count:[1* TO 2]`, 15, `wildcards are not allowed in range bounds`},
		{`logins_count:[1 TO 2[]`, 21, `unexpected '[' in a range bound`},
		{`logins_count:abc`, 14, `logins_count takes a whole number`},
		{`logins_count:1.5`, 14, `logins_count takes a whole number`},
		{`logins_count:1*`, 14, `wildcards are not allowed on logins_count`},
		{`blocked:yes`, 9, `blocked takes true or false`},
		{`blocked:True`, 9, `blocked takes true or false`},
		{`blocked:[true TO false]`, 9, `ranges are not allowed on blocked`},
		{`created_at:2018-13-01`, 12, `created_at takes a date`},
		{`created_at:2018-02-30`, 12, `created_at takes a date`},
		{`created_at:2018-01-15T10:00:00.1234567Z`, 12, `created_at takes a date`},
		{`created_at:2018-01-15 10:00`, 23, `unknown field`},
		{`created_at:[2018 TO now]`, 21, `created_at takes dates`},
		{`created_at:2018*`, 12, `wildcards are not allowed on created_at`},
		{`user_metadata.x:a*`, 17, `wildcards are not allowed on user_metadata fields`},
		{`user_metadata.x:*`, 17, `wildcards are not allowed on user_metadata fields`},
		{`user_metadata.x:[1 TO 2]`, 17, `ranges are not allowed on user_metadata fields`},
		{`app_metadata:x`, 14, `app_metadata needs a sub-field`},
		{`identities:[a TO b]`, 12, `identities needs a sub-field`},
		{`name:*sa`, 6, `needs at least 3 other characters`},
		{`name:*ab*`, 6, `needs at least 3 other characters`},
		{`name:a*b`, 6, `needs at least 3 other characters`},
		{`*ab`, 1, `needs at least 3 other characters`},
		{`name:é AND é?`, 13, `'?' wildcard is not supported`},
		{"a\xffb", 2, `invalid UTF-8`},
		{strings.Repeat("(", 101) + "a" + strings.Repeat(")", 101), 101, `nesting deeper than 100`},
		{strings.Repeat("NOT ", 101) + "a", 401, `nesting deeper than 100`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			q, err := query.Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse accepted it as %s", q)
			}
			var se *query.SyntaxError
			if !errors.As(err, &se) || !errors.Is(err, query.ErrSyntax) {
				t.Fatalf("error %v is not a *SyntaxError wrapping ErrSyntax", err)
			}
			if se.Column != tt.column || !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("got column %d %q, want column %d %q", se.Column, se.Msg, tt.column, tt.msg)
			}
			if want := len([]rune(tt.in[:se.Offset])) + 1; se.Column != want {
				t.Errorf("column %d does not match offset %d", se.Column, se.Offset)
			}
		})
	}
}

func TestSyntaxError_PointsAtColumn(t *testing.T) {
	tests := []struct{ in, want string }{
		{`email:`, "query: expected value after \"email:\" at column 7\n  email:\n        ^"},
		{"name:é\tAND é?", "query: the '?' wildcard is not supported; use '*' or escape it at column 13\n  name:é AND é?\n              ^"},
	}
	for _, tt := range tests {
		_, err := query.Parse(tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Parse(%q) error:\n%v\nwant:\n%s", tt.in, err, tt.want)
		}
	}
}

func TestQuery_RedactedHoldsNoValues(t *testing.T) {
	q, err := query.Parse(`email:jane@x.io AND NOT name:jo* OR logins_count:[1 TO *] OR _exists_:app_metadata.plan OR secret`)
	if err != nil {
		t.Fatal(err)
	}
	const want = `(email:? AND NOT name:?*) OR logins_count:[? TO *] OR _exists_:app_metadata.plan OR ?`
	if got := q.Redacted(); got != want {
		t.Errorf("Redacted() = %s, want %s", got, want)
	}
}
