package profile

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// pathCases are paths of every kind CompilePath resolves, and some it
// leaves to the string methods, with cell texts to set: valid ones, bad
// values and empty cells.
var pathCases = []struct{ path, text string }{
	{"email", "a@b.c"}, {"password", "pw"}, {"email_verified", "TRUE"}, {"blocked", " Yes "},
	{"email_verified", "maybe"}, {"created_at", "2020-01-02T03:04:05.5+02:00"}, {"created_at", "yesterday"},
	{"updated_at", "2020-01-02 03:04:05"}, {"last_login", "1600000000123"}, {"logins_count", "42"},
	{"logins_count", "4.2"}, {"identities", `[{"connection":"c","user_id":7,"isSocial":"true"}]`},
	{"identities", `{"a":1}`}, {"identities", `[{"isSocial":"x"}]`}, {"mfa_factors", `[{"phone":{"value":"+1"}}]`},
	{"mfa_factors", `"x"`}, {"app_metadata", ` { "a" : 1 } `}, {"app_metadata", `{"k":2} "x"`},
	{"app_metadata", `[1]`}, {"app_metadata", ``}, {"custom_password_hash", `{"algorithm":"md5"}`},
	{"user_metadata.consent.given", "true"}, {"user_metadata.a", "leaf"}, {"user_metadata.a.b", "x"},
	{"user_metadata.", "x"}, {"user_metadata..a", "x"}, {"user_metadata.a[0]", "x"},
	{"identities[1].connection", "c"}, {"identities[0].isSocial", "1"}, {"identities[0].isSocial", "perhaps"},
	{"identities[0].user_id", "007"}, {"identities[0].profileData", `{"a": 1}`}, {"identities[0].profileData", `[]`},
	{"identities[0].profileData.email", "x@y.z"}, {"identities[0].tenant", "t"}, {"identities[0]", `{"provider":"p"}`},
	{"identities[3].connection", ""}, {"identities[1000].connection", "c"}, {"identities[x].connection", "c"},
	{"identities[0].tenant.x", "c"}, {"identities[0].", "c"}, {"identities.connection", "c"},
	{"Given Name", `Jane "J"`}, {"x.y", "v"}, {"plan.tier", "new"}, {"email.x", "x"}, {"email.x", ""},
	{"logins_count[0]", "1"}, {"mfa_factors[0].totp.secret", "x"}, {"", "x"}, {"", ""},
}

// startUsers are the users the cases are set on: empty, and one with
// attributes in place.
func startUsers(t *testing.T) []User {
	return []User{{}, fieldsUser(t)}
}

func TestPath_SetTextPathAgreesWithSetText(t *testing.T) {
	for _, tt := range pathCases {
		p := CompilePath(tt.path)
		if p.String() != tt.path {
			t.Errorf("CompilePath(%q).String() = %q", tt.path, p.String())
		}
		for i, start := range startUsers(t) {
			want, got := start, start
			want.Identities = append([]Identity(nil), start.Identities...)
			got.Identities = append([]Identity(nil), start.Identities...)
			wantErr := want.SetText(tt.path, tt.text)
			gotErr := got.SetTextPath(p, tt.text)
			if (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) {
				t.Errorf("user %d, %q=%q: SetTextPath error %v, SetText %v", i, tt.path, tt.text, gotErr, wantErr)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("user %d, %q=%q: SetTextPath (-SetText +SetTextPath):\n%s", i, tt.path, tt.text, d)
			}
		}
	}
}

func TestPath_GettersAgreeWithGetText(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	users := startUsers(t)
	for range 300 {
		users = append(users, genUser(r))
	}
	for i := range users {
		u := &users[i]
		paths := textPaths(u)
		for _, c := range pathCases {
			paths = append(paths, c.path)
		}
		for _, path := range paths {
			p := CompilePath(path)
			want, wantOK := u.GetText(path)
			got, ok := u.GetTextPath(p)
			if got != want || ok != wantOK {
				t.Fatalf("user %d: GetTextPath(%q) = %q, %v; GetText %q, %v", i, path, got, ok, want, wantOK)
			}
			buf, ok := u.AppendTextPath([]byte("prefix:"), p)
			if string(buf) != "prefix:"+want || ok != wantOK {
				t.Fatalf("user %d: AppendTextPath(%q) = %q, %v; GetText %q, %v", i, path, buf, ok, want, wantOK)
			}
		}
	}
}

func TestAppendTextPath_CompactsRawValuesLikeGetText(t *testing.T) {
	u := User{
		AppMetadata: json.RawMessage(` {"a" : [1, 2], "s":"x y"} `),
		Identities:  []Identity{{Connection: "c", ProfileData: json.RawMessage(`{"k" : "v"}`)}},
		Extra:       []Attr{{"broken", json.RawMessage(`{"a" 1}`)}},
	}
	for _, path := range []string{"app_metadata", "identities", "app_metadata.a", "identities[0].profileData", "broken"} {
		want, _ := u.GetText(path)
		got, ok := u.AppendTextPath(nil, CompilePath(path))
		if !ok || string(got) != want {
			t.Errorf("AppendTextPath(%q) = %q, %v; want %q", path, got, ok, want)
		}
	}
}

func TestAppendTextPath_AllocatesNothingForAttributes(t *testing.T) {
	u := fieldsUser(t)
	var paths []Path
	for _, p := range []string{"user_id", "email", "email_verified", "created_at", "logins_count", "app_metadata",
		"user_metadata", "identities", "mfa_factors", "identities[1].user_id", "identities[0].isSocial"} {
		paths = append(paths, CompilePath(p))
	}
	buf := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(100, func() {
		buf = buf[:0]
		for _, p := range paths {
			var ok bool
			if buf, ok = u.AppendTextPath(buf, p); !ok {
				t.Fatalf("%s absent", p)
			}
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per user", allocs)
	}
}

func TestSetTextPath_AllocatesNothingForScalars(t *testing.T) {
	cells := []struct {
		p    Path
		text string
	}{
		{CompilePath("user_id"), "auth0|1"}, {CompilePath("email"), "a@b.c"}, {CompilePath("email_verified"), "true"},
		{CompilePath("created_at"), "2020-10-06T15:24:23.721Z"}, {CompilePath("logins_count"), "187"},
	}
	var u User
	allocs := testing.AllocsPerRun(100, func() {
		for _, c := range cells {
			if err := u.SetTextPath(c.p, c.text); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per row", allocs)
	}
}

func BenchmarkSetTextPath(b *testing.B) {
	cells := []struct {
		p    Path
		text string
	}{
		{CompilePath("user_id"), "auth0|5f7c8ec7c33c6c004bbafe82"}, {CompilePath("email"), "jane.doe@example.com"},
		{CompilePath("email_verified"), "true"}, {CompilePath("given_name"), "Jane"}, {CompilePath("family_name"), "Doe"},
		{CompilePath("created_at"), "2020-10-06T15:24:23.721Z"}, {CompilePath("logins_count"), "187"},
		{CompilePath("identities[0].connection"), "Username-Password-Authentication"},
		{CompilePath("user_metadata.locale"), "en-GB"}, {CompilePath("user_metadata.theme"), "dark"},
	}
	b.ReportAllocs()
	for b.Loop() {
		var u User
		for _, c := range cells {
			if err := u.SetTextPath(c.p, c.text); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkSetTextPathJSONCells sets the three JSON cells of a typical
// CSV row: identities and both metadata objects.
func BenchmarkSetTextPathJSONCells(b *testing.B) {
	cells := []struct {
		p    Path
		text string
	}{
		{CompilePath("identities"), `[{"connection":"Username-Password-Authentication","provider":"auth0","user_id":"5fa0768b83cd62b96d17d778","isSocial":false}]`},
		{CompilePath("user_metadata"), `{"plan":"pro","preferences":{"theme":"dark","language":"fr","locale":"fr-FR"},"addresses":[{"city":"Nîmes","country":"FR","postal_code":"77649","primary":true}],"bio":"Ünïcödé everywhere — “quoted” ‘text’","middle_name":null}`},
		{CompilePath("app_metadata"), `{"roles":["support"],"org_id":"org_dDspUMvbQCMhpQuB","legacy_id":100000}`},
	}
	b.ReportAllocs()
	for b.Loop() {
		var u User
		for _, c := range cells {
			if err := u.SetTextPath(c.p, c.text); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkAppendTextPath(b *testing.B) {
	u := fieldsUser(b)
	var paths []Path
	for _, p := range []string{"user_id", "email", "email_verified", "given_name", "family_name", "created_at",
		"logins_count", "identities[0].connection", "user_metadata.locale", "app_metadata.plan"} {
		paths = append(paths, CompilePath(p))
	}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = buf[:0]
		for _, p := range paths {
			buf, _ = u.AppendTextPath(buf, p)
		}
	}
}

// FuzzPath checks that a compiled path behaves as its text does, for any
// path and cell text.
func FuzzPath(f *testing.F) {
	for _, c := range pathCases {
		f.Add(c.path, c.text)
	}
	f.Fuzz(func(t *testing.T, path, text string) {
		p := CompilePath(path)
		base := User{UserMetadata: json.RawMessage(`{"a":"leaf"}`), Identities: []Identity{{Connection: "c"}}}
		want, got := base, base
		want.Identities = append([]Identity(nil), base.Identities...)
		got.Identities = append([]Identity(nil), base.Identities...)
		wantErr := want.SetText(path, text)
		gotErr := got.SetTextPath(p, text)
		if (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) {
			t.Fatalf("SetTextPath error %v, SetText %v", gotErr, wantErr)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("(-SetText +SetTextPath):\n%s", d)
		}
		wantText, wantOK := got.GetText(path)
		if s, ok := got.GetTextPath(p); s != wantText || ok != wantOK {
			t.Fatalf("GetTextPath = %q, %v; GetText %q, %v", s, ok, wantText, wantOK)
		}
		if b, ok := got.AppendTextPath(nil, p); string(b) != wantText || ok != wantOK {
			t.Fatalf("AppendTextPath = %q, %v; GetText %q, %v", b, ok, wantText, wantOK)
		}
	})
}

func TestStringField_CoversTheStringAttributes(t *testing.T) {
	var u User
	for f := fieldNone; f <= fieldMFAFactors; f++ {
		r := u.refOf(f)
		p := u.stringField(f)
		if (p != nil) != (r.kind == kindString) || (p != nil && p != r.s) {
			t.Errorf("field %d (%s): stringField %p, refOf kind %d at %p", f, r.name, p, r.kind, r.s)
		}
	}
}

func TestFieldNames_RoundTrip(t *testing.T) {
	var u User
	var id Identity
	seen := map[string]bool{}
	for f := fieldUserID; f <= fieldMFAFactors; f++ {
		name := u.refOf(f).name
		if got := rootField(name); got != f {
			t.Errorf("rootField(%q) = %d, want %d", name, got, f)
		}
		seen[name] = true
	}
	for _, name := range append([]string{"password"}, RootFields...) {
		if !seen[name] {
			t.Errorf("root attribute %q has no field", name)
		}
	}
	for f := fieldConnection; f <= fieldProfileData; f++ {
		name := id.refOf(f).name
		if got := identityAttr(name); got != f {
			t.Errorf("identityAttr(%q) = %d, want %d", name, got, f)
		}
	}
	for _, name := range []string{"", "Email", "emai", "email_", "user_ic", "last_password_resez", "connectio", "profiledata"} {
		if rootField(name) != fieldNone || identityAttr(name) != fieldNone {
			t.Errorf("%q resolves to an attribute", name)
		}
	}
}
