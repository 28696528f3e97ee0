package profile

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fieldsUser is the realistic user plus unknown attributes and an identity
// attribute of its own.
func fieldsUser(t testing.TB) User {
	u, _ := decode(t, readFile(t, "testdata/json/realistic.json"))
	u.Extra = []Attr{{"plan.tier", json.RawMessage(`"dotted"`)}, {"loyalty", json.RawMessage(`{"tier":"gold","points":[10,20]}`)}}
	u.Identities[0].Extra = []Attr{{"tenant", json.RawMessage(`"t1"`)}}
	return u
}

func TestGetJSON(t *testing.T) {
	u := fieldsUser(t)
	tests := []struct {
		path string
		want string // "" for absent
	}{
		{"user_id", `"auth0|5f7c8ec7c33c6c004bbafe82"`},
		{"email_verified", `true`},
		{"blocked", `false`},
		{"phone_verified", ``},
		{"phone_number", ``},
		{"created_at", `"2020-10-06T15:24:23.721Z"`},
		{"logins_count", `187`},
		{"password_hash", `"$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K"`},
		{"custom_password_hash", ``},
		{"password", ``},
		{"identities[0].connection", `"Username-Password-Authentication"`},
		{"identities[1].isSocial", `true`},
		{"identities[1].user_id", `"103547991597142817347"`},
		{"identities[1].profileData.given_name", `"Jane"`},
		{"identities[0].tenant", `"t1"`},
		{"identities[2].connection", ``},
		{"identities[0].nope", ``},
		{"identities[0].connection.x", ``},
		{"identities.provider", `["auth0","google-oauth2"]`},
		{"identities.profileData.email", `["jane.doe@gmail.com"]`},
		{"identities.access_token", ``},
		{"identities[0]", `{"connection":"Username-Password-Authentication","provider":"auth0","user_id":"5f7c8ec7c33c6c004bbafe82","isSocial":false,"tenant":"t1"}`},
		{"mfa_factors", `[{"totp":{"secret":"JBTWY3DPEHPK3PNP"}}]`},
		{"mfa_factors[0].totp.secret", `"JBTWY3DPEHPK3PNP"`},
		{"mfa_factors[1]", ``},
		{"app_metadata.plan", `"gold"`},
		{"app_metadata.roles", `["admin","billing"]`},
		{"app_metadata.roles[1]", `"billing"`},
		{"app_metadata.roles[2]", ``},
		{"app_metadata.features.beta", `true`},
		{"app_metadata.features.nope", ``},
		{"app_metadata.plan.x", ``},
		{"user_metadata.consent.at", `"2020-10-06T15:24:23Z"`},
		{"user_metadata", `{"locale":"en-GB","timezone":"Europe/London","newsletter":true,"consent":{"given":true,"at":"2020-10-06T15:24:23Z"},"theme":"dark"}`},
		{"plan.tier", `"dotted"`},
		{"loyalty.tier", `"gold"`},
		{"loyalty.points[1]", `20`},
		{"loyalty", `{"tier":"gold","points":[10,20]}`},
		{"missing", ``},
		{"email.x", ``},
		{"identities[01].connection", ``},
		{"identities[-1].connection", ``},
		{"identities[", ``},
		{"user_metadata.", ``},
		{"user_metadata..locale", ``},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, ok := u.GetJSON(tt.path)
			if ok != (tt.want != "") || string(got) != tt.want {
				t.Errorf("GetJSON(%q) = %s, %v; want %s", tt.path, got, ok, tt.want)
			}
		})
	}
}

func TestGetText_CellForms(t *testing.T) {
	u := fieldsUser(t)
	u.CreatedAt = time.Date(2020, 1, 2, 3, 4, 5, 600000000, time.FixedZone("", -3600))
	tests := []struct{ path, want string }{
		{"email", "jane.doe@example.com"},
		{"email_verified", "true"},
		{"blocked", "false"},
		{"created_at", "2020-01-02T03:04:05.6-01:00"},
		{"logins_count", "187"},
		{"identities[1].user_id", "103547991597142817347"},
		{"identities[1].isSocial", "true"},
		{"identities[0].tenant", "t1"},
		{"identities.connection", `["Username-Password-Authentication","google-oauth2"]`},
		{"app_metadata.plan", "gold"},
		{"app_metadata.tenant_id", "4711"},
		{"app_metadata.features", `{"beta":true,"sso":false}`},
		{"mfa_factors[0].totp.secret", "JBTWY3DPEHPK3PNP"},
		{"plan.tier", "dotted"},
	}
	for _, tt := range tests {
		if got, ok := u.GetText(tt.path); !ok || got != tt.want {
			t.Errorf("GetText(%q) = %q, %v; want %q", tt.path, got, ok, tt.want)
		}
	}
	for _, p := range []string{"phone_number", "phone_verified", "last_login.x", "identities[9].connection", "nope", "custom_password_hash"} {
		if got, ok := u.GetText(p); ok {
			t.Errorf("GetText(%q) = %q, want absent", p, got)
		}
	}
}

func TestSetText(t *testing.T) {
	ms := time.UnixMilli(1600000000123).UTC()
	tests := []struct {
		name, path, text string
		want             User
	}{
		{"string", "email", "a@b.c", User{Email: "a@b.c"}},
		{"password", "password", "pw", User{Password: "pw"}},
		{"bool true", "email_verified", "TRUE", User{EmailVerified: True}},
		{"bool yes", "blocked", " Yes ", User{Blocked: True}},
		{"bool 0", "phone_verified", "0", User{PhoneVerified: False}},
		{"bool No", "blocked", "No", User{Blocked: False}},
		{"rfc3339", "created_at", "2020-01-02T03:04:05.5+02:00", User{CreatedAt: time.Date(2020, 1, 2, 3, 4, 5, 5e8, time.FixedZone("", 7200))}},
		{"sql datetime", "updated_at", "2020-01-02 03:04:05", User{UpdatedAt: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)}},
		{"date", "last_password_reset", "2020-01-02", User{LastPasswordReset: time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC)}},
		{"epoch ms", "last_login", "1600000000123", User{LastLogin: ms}},
		{"count", "logins_count", "42", User{LoginsCount: IntOf(42)}},
		{"identities cell", "identities", `[{"connection":"c","user_id":7,"isSocial":"true"}]`,
			User{Identities: []Identity{{Connection: "c", UserID: "7", IsSocial: True}}}},
		{"mfa cell", "mfa_factors", `[{"phone":{"value":"+1"}}]`, User{MFAFactors: []MFAFactor{{Phone: "+1"}}}},
		{"metadata cell compacted", "app_metadata", ` { "a" : 1 } `, User{AppMetadata: json.RawMessage(`{"a":1}`)}},
		{"custom hash cell", "custom_password_hash", `{"algorithm":"md5"}`, User{CustomPasswordHash: json.RawMessage(`{"algorithm":"md5"}`)}},
		{"metadata leaf", "user_metadata.consent.given", "true", User{UserMetadata: json.RawMessage(`{"consent":{"given":"true"}}`)}},
		{"identity attr grows", "identities[1].connection", "c", User{Identities: []Identity{{}, {Connection: "c"}}}},
		{"identity bool", "identities[0].isSocial", "1", User{Identities: []Identity{{IsSocial: True}}}},
		{"identity user_id stays text", "identities[0].user_id", "007", User{Identities: []Identity{{UserID: "007"}}}},
		{"identity profileData leaf", "identities[0].profileData.email", "x@y.z",
			User{Identities: []Identity{{ProfileData: json.RawMessage(`{"email":"x@y.z"}`)}}}},
		{"identity unknown attr", "identities[0].tenant", "t", User{Identities: []Identity{{Extra: []Attr{{"tenant", json.RawMessage(`"t"`)}}}}}},
		{"identity object", "identities[0]", `{"provider":"p"}`, User{Identities: []Identity{{Provider: "p"}}}},
		{"unknown root", "Given Name", `Jane "J"`, User{Extra: []Attr{{"Given Name", json.RawMessage(`"Jane \"J\""`)}}}},
		{"unknown dotted", "x.y", "v", User{Extra: []Attr{{"x.y", json.RawMessage(`"v"`)}}}},
		{"empty is absent", "email", "", User{}},
		{"empty does not grow", "identities[3].connection", "", User{}},
		{"empty leaf", "user_metadata.a", "", User{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u User
			if err := u.SetText(tt.path, tt.text); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, u); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestSetText_LeafKeepsOrderAndReplacesInPlace(t *testing.T) {
	u := User{UserMetadata: json.RawMessage(`{"z":1,"a":{"k":"old","m":[1, 2]},"b":true}`)}
	steps := []struct{ path, text, want string }{
		{"user_metadata.a.k", "new", `{"z":1,"a":{"k":"new","m":[1,2]},"b":true}`},
		{"user_metadata.a.n", "added", `{"z":1,"a":{"k":"new","m":[1,2],"n":"added"},"b":true}`},
		{"user_metadata.c.d.e", "deep", `{"z":1,"a":{"k":"new","m":[1,2],"n":"added"},"b":true,"c":{"d":{"e":"deep"}}}`},
		{"user_metadata.z", "\"q\"\n", `{"z":"\"q\"\n","a":{"k":"new","m":[1,2],"n":"added"},"b":true,"c":{"d":{"e":"deep"}}}`},
	}
	for _, s := range steps {
		if err := u.SetText(s.path, s.text); err != nil {
			t.Fatalf("SetText(%q): %v", s.path, err)
		}
		if string(u.UserMetadata) != s.want {
			t.Fatalf("after %s:\n got %s\nwant %s", s.path, u.UserMetadata, s.want)
		}
	}
	// Existing Extra keys are replaced in place too.
	u.Extra = []Attr{{"a", json.RawMessage(`1`)}, {"b", json.RawMessage(`2`)}}
	if err := u.SetText("a", "x"); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]Attr{{"a", json.RawMessage(`"x"`)}, {"b", json.RawMessage(`2`)}}, u.Extra); d != "" {
		t.Errorf("Extra (-want +got):\n%s", d)
	}
}

func TestSetText_Errors(t *testing.T) {
	const secret = "Pa55-w0rd-Secret"
	tests := []struct {
		path, text string
		want       error
	}{
		{"email_verified", "maybe " + secret, ErrBadValue},
		{"identities[0].isSocial", secret, ErrBadValue},
		{"created_at", "yesterday " + secret, ErrBadValue},
		{"created_at", "2020-13-01", ErrBadValue},
		{"created_at", "1600000000", ErrBadValue}, // epoch seconds are refused, not misread
		{"logins_count", "12.5" + secret, ErrBadValue},
		{"app_metadata", "[" + secret + "]", ErrBadValue},
		{"app_metadata", `["` + secret + `"]`, ErrBadValue},
		{"app_metadata", `{"k":2} "` + secret + `"`, ErrSyntax},
		{"email_verified", ``, nil},
		{"identities", `{"` + secret + `":1}`, ErrBadValue},
		{"identities", `[{"isSocial":"` + secret + `"}]`, ErrBadValue},
		{"identities[0]", `[]`, ErrBadValue},
		{"mfa_factors", `"` + secret + `"`, ErrBadValue},
		{"user_metadata.a.b", secret, ErrBadValue}, // a is a string below
		{"email.x", secret, ErrUnknownPath},
		{"logins_count[0]", "1", ErrUnknownPath},
		{"identities.connection", secret, ErrUnknownPath},
		{"identities[x].connection", secret, ErrUnknownPath},
		{"identities[1000].connection", secret, ErrUnknownPath},
		{"identities[0]connection", secret, ErrUnknownPath},
		{"identities[0].tenant.x", secret, ErrUnknownPath},
		{"identities[0].", secret, ErrUnknownPath},
		{"user_metadata.", secret, ErrUnknownPath},
		{"user_metadata..a", secret, ErrUnknownPath},
		{"user_metadata.a[0]", secret, ErrUnknownPath},
		{"mfa_factors[0].totp.secret", secret, ErrUnknownPath},
		{"", secret, ErrUnknownPath},
		{"email.x", "", ErrUnknownPath}, // the path is checked even for an empty cell
		{"identities[x].connection", "", ErrUnknownPath},
	}
	for _, tt := range tests {
		t.Run(tt.path+"="+tt.text, func(t *testing.T) {
			u := User{UserMetadata: json.RawMessage(`{"a":"leaf"}`), AppMetadata: json.RawMessage(`{"k":1}`)}
			before := AppendJSON(nil, &u)
			err := u.SetText(tt.path, tt.text)
			if !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("error quotes the value: %v", err)
			}
			if after := AppendJSON(nil, &u); string(after) != string(before) {
				t.Errorf("user changed on error:\n%s\n%s", before, after)
			}
		})
	}
}

func TestSetJSON(t *testing.T) {
	tests := []struct {
		name, path, v string
		start         User
		want          User
	}{
		{"string", "email", `"a@b.c"`, User{}, User{Email: "a@b.c"}},
		{"quirk bool", "email_verified", `"true"`, User{}, User{EmailVerified: True}},
		{"null clears", "email", `null`, User{Email: "x"}, User{}},
		{"time number", "created_at", `1600000000123`, User{}, User{CreatedAt: time.UnixMilli(1600000000123).UTC()}},
		{"count", "logins_count", ` 3 `, User{}, User{LoginsCount: IntOf(3)}},
		{"metadata", "app_metadata", `{"a": [1, 2]}`, User{}, User{AppMetadata: json.RawMessage(`{"a":[1,2]}`)}},
		{"metadata leaf keeps type", "app_metadata.a.b", `{"n": 1.50}`, User{AppMetadata: json.RawMessage(`{"x":1}`)},
			User{AppMetadata: json.RawMessage(`{"x":1,"a":{"b":{"n":1.50}}}`)}},
		{"metadata leaf null stored", "user_metadata.a", `null`, User{}, User{UserMetadata: json.RawMessage(`{"a":null}`)}},
		{"identity user_id number", "identities[0].user_id", `123`, User{}, User{Identities: []Identity{{UserID: "123"}}}},
		{"identity attr", "identities[0].tenant", `{"a":1}`, User{}, User{Identities: []Identity{{Extra: []Attr{{"tenant", json.RawMessage(`{"a":1}`)}}}}}},
		{"identity profileData leaf", "identities[0].profileData.x", `1`, User{}, User{Identities: []Identity{{ProfileData: json.RawMessage(`{"x":1}`)}}}},
		{"extra", "custom", `[1, {"a": true}]`, User{}, User{Extra: []Attr{{"custom", json.RawMessage(`[1,{"a":true}]`)}}}},
		{"extra null removes", "custom", `null`, User{Extra: []Attr{{"custom", json.RawMessage(`1`)}}}, User{}},
		{"mfa", "mfa_factors", `[{"totp":{"secret":"A"}},{"x":1}]`, User{}, User{MFAFactors: []MFAFactor{{TOTPSecret: "A"}, {Raw: json.RawMessage(`{"x":1}`)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.start
			if err := u.SetJSON(tt.path, []byte(tt.v)); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, u); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestSetJSON_Errors(t *testing.T) {
	const secret = "hunter2-secret"
	tests := []struct {
		path, v string
		want    error
	}{
		{"email", `5`, ErrBadValue},
		{"email", `"` + secret, ErrSyntax},
		{"email", `"` + secret + `" "x"`, ErrSyntax},
		{"email", ``, ErrBadValue},
		{"blocked", `"` + secret + `"`, ErrBadValue},
		{"created_at", `"` + secret + `"`, ErrBadValue},
		{"identities", `[{"user_id":1.5}]`, ErrBadValue},
		{"identities[0]", `"` + secret + `"`, ErrBadValue},
		{"identities[0].isSocial", `"` + secret + `"`, ErrBadValue},
		{"user_metadata.a", `{"` + secret + `":}`, ErrSyntax},
		{"email.x", `"` + secret + `"`, ErrUnknownPath},
		{"custom", `[` + secret + `]`, ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.path+"="+tt.v, func(t *testing.T) {
			u := User{Email: "keep@example.com", Identities: []Identity{{Connection: "c"}}}
			err := u.SetJSON(tt.path, []byte(tt.v))
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error quotes the value: %v", err)
			}
			if u.Email != "keep@example.com" || len(u.Identities) != 1 || u.Identities[0].Connection != "c" || u.Identities[0].IsSocial.IsSet() {
				t.Errorf("user changed on error: %+v", u)
			}
		})
	}
}

// textPaths lists the paths of u that GetText finds: root attributes,
// identity attributes, metadata leaves and unknown attributes.
func textPaths(u *User) []string {
	paths := append([]string{"password"}, RootFields...)
	for i, id := range u.Identities {
		p := "identities[" + strconv.Itoa(i) + "]"
		paths = append(paths, p)
		for _, k := range []string{"connection", "provider", "user_id", "isSocial", "access_token", "access_token_secret", "refresh_token", "profileData"} {
			paths = append(paths, p+"."+k)
		}
		for _, a := range id.Extra {
			paths = append(paths, p+"."+a.Key)
		}
	}
	for _, root := range []string{"app_metadata", "user_metadata", "custom_password_hash"} {
		raw, _ := u.GetJSON(root)
		_ = ObjectEach(raw, func(k string, _ []byte) error {
			if k != "" && !strings.ContainsAny(k, ".[") {
				paths = append(paths, root+"."+k)
			}
			return nil
		})
	}
	for _, a := range u.Extra {
		if (&User{}).ref(a.Key).kind == kindNone && !strings.ContainsAny(a.Key, ".[") && a.Key != "" {
			paths = append(paths, a.Key)
		}
	}
	return paths
}

// TestSetText_IsInverseOfGetText: for every path of generated users,
// setting the text GetText returns gives the same text back.
func TestSetText_IsInverseOfGetText(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	checked := 0
	for i := range 500 {
		u := genUser(r)
		for _, p := range textPaths(&u) {
			text, ok := u.GetText(p)
			if !ok || text == "" {
				continue
			}
			var v User
			if strings.HasPrefix(p, "identities[") {
				// Paths into an identity need the identities before it.
				v.Identities = make([]Identity, len(u.Identities))
			}
			if err := v.SetText(p, text); err != nil {
				t.Fatalf("user %d: SetText(%q, GetText): %v", i, p, err)
			}
			back, ok := v.GetText(p)
			if !ok || back != text {
				t.Fatalf("user %d: path %q: GetText %q, after SetText %q (%v)", i, p, text, back, ok)
			}
			checked++
		}
	}
	if checked < 5000 {
		t.Errorf("only %d paths checked", checked)
	}
}

func TestSetText_CanonicalTextsRoundTrip(t *testing.T) {
	tests := []struct{ path, text string }{
		{"email", "Jane.Doe@Example.com"},
		{"email_verified", "false"},
		{"created_at", "2020-01-02T03:04:05.000000001-09:30"},
		{"created_at", "0001-01-01T00:00:00.001Z"},
		{"logins_count", "-9223372036854775808"},
		{"identities", `[{"connection":"c","isSocial":false,"profileData":{"b":1,"a":2},"x":[]}]`},
		{"identities[0]", `{"provider":"p","user_id":"1"}`},
		{"mfa_factors", `[{"email":{"value":"e"}},{"odd":true}]`},
		{"app_metadata", `{"z":12345678901234567890.123,"a":{}}`},
		{"user_metadata.a.b", "with \"quotes\" and \u2028"},
		{"identities[2].profileData.name", "Zoë"},
		{"Custom Column", "anything"},
	}
	for _, tt := range tests {
		var u User
		if err := u.SetText(tt.path, tt.text); err != nil {
			t.Fatalf("SetText(%q): %v", tt.path, err)
		}
		if got, ok := u.GetText(tt.path); !ok || got != tt.text {
			t.Errorf("path %q: set %q, got %q (%v)", tt.path, tt.text, got, ok)
		}
	}
}

func BenchmarkSetText(b *testing.B) {
	cells := [][2]string{
		{"user_id", "auth0|5f7c8ec7c33c6c004bbafe82"}, {"email", "jane.doe@example.com"}, {"email_verified", "true"},
		{"given_name", "Jane"}, {"family_name", "Doe"}, {"created_at", "2020-10-06T15:24:23.721Z"},
		{"logins_count", "187"}, {"identities[0].connection", "Username-Password-Authentication"},
		{"user_metadata.locale", "en-GB"}, {"user_metadata.theme", "dark"},
	}
	b.ReportAllocs()
	for b.Loop() {
		var u User
		for _, c := range cells {
			if err := u.SetText(c[0], c[1]); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkGetText(b *testing.B) {
	u := fieldsUser(b)
	paths := []string{"user_id", "email", "email_verified", "given_name", "family_name", "created_at",
		"logins_count", "identities[0].connection", "user_metadata.locale", "app_metadata.plan"}
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range paths {
			if _, ok := u.GetText(p); !ok {
				b.Fatal(p)
			}
		}
	}
}

func TestRawAt_FindsValuesTheWayDecodeJSONReadsThem(t *testing.T) {
	raw := []byte(`{"algorithm":"md5","hash":{"value":"ab","digest":"sha1","digest":"sha256"},"list":[1,{"k":"v"}], "sp" : { "x" : null } }`)
	for _, tc := range []struct {
		path string
		want string
		ok   bool
	}{
		{".algorithm", `"md5"`, true},
		{".hash.value", `"ab"`, true},
		{".hash.digest", `"sha256"`, true}, // the last of a key given twice
		{".list[1].k", `"v"`, true},
		{".sp.x", `null`, true},
		{".hash.missing", "", false},
		{".list[2]", "", false},
		{".algorithm.deeper", "", false},
	} {
		got, ok := RawAt(raw, tc.path)
		if ok != tc.ok || string(got) != tc.want {
			t.Errorf("RawAt(%s) = %q, %v; want %q, %v", tc.path, got, ok, tc.want, tc.ok)
		}
	}
	for _, bad := range []string{``, `{`, `{"a":`, `{"a" 1}`, `[1,`, `{"a":{"b":"unterminated}}`} {
		if v, ok := RawAt([]byte(bad), ".a.b"); ok && len(v) > len(bad) {
			t.Errorf("RawAt(%q) returned %q", bad, v)
		}
	}
}
