package profile

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"testing"
	"time"
)

// vTypicalUser is a valid user with the attributes most imports carry.
func vTypicalUser() User {
	return User{
		UserID:        "auth0|5f7c8ec7c33c6c004bbafe82",
		Email:         "jane.doe@example.com",
		EmailVerified: True,
		PhoneNumber:   "+14155550123",
		Username:      "jane_doe",
		GivenName:     "Jane",
		FamilyName:    "Doe",
		Name:          "Jane Doe",
		Nickname:      "jane.doe",
		Picture:       "https://s.gravatar.com/avatar/0bc83cb571cd1c50ba6f3e8a78ef1346?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fjd.png",
		CreatedAt:     time.Date(2023, 5, 1, 12, 0, 0, 0, time.UTC),
		LoginsCount:   IntOf(3),
		Identities: []Identity{{
			Connection: "Username-Password-Authentication",
			Provider:   "auth0",
			UserID:     "5f7c8ec7c33c6c004bbafe82",
		}},
		AppMetadata:  json.RawMessage(`{"plan":"gold","roles":["admin","editor"]}`),
		UserMetadata: json.RawMessage(`{"theme":"dark","lang":"en","consent":{"given":true,"at":1700000000}}`),
		PasswordHash: "$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K",
	}
}

type vWant struct {
	code Code
	path string
}

type vCase struct {
	name string
	edit func(u *User)
	opts ValidateOptions
	want []vWant // nil: valid
}

func runValidateCases(t *testing.T, cases []vCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := vTypicalUser()
			if tc.edit != nil {
				tc.edit(&u)
			}
			got := Validate(&u, tc.opts)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d issues %v, want %v", len(got), got, tc.want)
			}
			for i, w := range tc.want {
				if got[i].Code != w.code || got[i].Path != w.path {
					t.Errorf("issue %d = %s at %q (%s), want %s at %q", i, got[i].Code, got[i].Path, got[i].Message, w.code, w.path)
				}
				if got[i].Message == "" {
					t.Errorf("issue %d has no message", i)
				}
			}
			vAssertNoValues(t, &u, got)
		})
	}
}

// vAssertNoValues fails when an issue message or path repeats a value of
// the record.
func vAssertNoValues(t *testing.T, u *User, is Issues) {
	t.Helper()
	values := []string{u.UserID, u.Email, u.PhoneNumber, u.Username, u.GivenName, u.FamilyName,
		u.Name, u.Nickname, u.Picture, u.PasswordHash, u.Password, string(u.CustomPasswordHash)}
	for _, f := range u.MFAFactors {
		values = append(values, f.TOTPSecret, f.Phone, f.Email)
	}
	for _, x := range is {
		for _, v := range values {
			if len(v) >= 6 && (strings.Contains(x.Message, v) || strings.Contains(x.Path, v)) {
				t.Errorf("issue %s at %q carries a value: %q", x.Code, x.Path, x.Message)
			}
		}
	}
}

func vWants(code Code, paths ...string) []vWant {
	out := make([]vWant, len(paths))
	for i, p := range paths {
		out[i] = vWant{code, p}
	}
	return out
}

func TestValidate_AcceptsTypicalUser(t *testing.T) {
	u := vTypicalUser()
	if is := Validate(&u, ValidateOptions{}); is != nil {
		t.Fatalf("typical user: %v", is)
	}
	if is := Validate(&User{Email: "a@b.co"}, ValidateOptions{}); is != nil {
		t.Fatalf("minimal user: %v", is)
	}
}

func TestValidate_NilUserNeedsEmail(t *testing.T) {
	is := Validate(nil, ValidateOptions{})
	if len(is) != 1 || is[0].Code != CodeRequired || is[0].Path != "email" {
		t.Fatalf("got %v", is)
	}
}

func TestValidate_Email(t *testing.T) {
	set := func(s string) func(*User) { return func(u *User) { u.Email = s } }
	local64 := strings.Repeat("l", 64)
	domain189 := strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 61)
	runValidateCases(t, []vCase{
		{name: "short", edit: set("a@b.co")},
		{name: "plus and dots", edit: set("first.last+tag@sub.example.org")},
		{name: "atext symbols", edit: set("o'brien!#$%&*=?^_`{|}~-@example.ie")},
		{name: "upper case", edit: set("Jane.Doe@Example.COM")},
		{name: "punycode domain", edit: set("user@xn--bcher-kva.example")},
		{name: "utf-8 local and idn domain", edit: set("josé@bücher.de")},
		{name: "local part of 64", edit: set(local64 + "@example.com")},
		{name: "254 bytes", edit: set(local64 + "@" + domain189)},
		{name: "255 bytes", edit: set(local64 + "@" + domain189 + "c"), want: vWants(CodeMaxLength, "email")},
		{name: "local part of 65", edit: set(local64 + "l@example.com"), want: vWants(CodeFormat, "email")},
		{name: "no at", edit: set("plainaddress"), want: vWants(CodeFormat, "email")},
		{name: "empty local", edit: set("@example.com"), want: vWants(CodeFormat, "email")},
		{name: "empty domain", edit: set("jane@"), want: vWants(CodeFormat, "email")},
		{name: "space", edit: set("jane doe@example.com"), want: vWants(CodeFormat, "email")},
		{name: "no-break space", edit: set("jane\u00a0doe@example.com"), want: vWants(CodeFormat, "email")},
		{name: "two ats", edit: set("a@b@example.com"), want: vWants(CodeFormat, "email")},
		{name: "leading dot", edit: set(".jane@example.com"), want: vWants(CodeFormat, "email")},
		{name: "trailing dot", edit: set("jane.@example.com"), want: vWants(CodeFormat, "email")},
		{name: "double dot", edit: set("ja..ne@example.com"), want: vWants(CodeFormat, "email")},
		{name: "quoted local part", edit: set(`"jane doe"@example.com`), want: vWants(CodeFormat, "email")},
		{name: "dotless domain", edit: set("jane@localhost"), want: vWants(CodeFormat, "email")},
		{name: "address literal", edit: set("jane@[192.0.2.1]"), want: vWants(CodeFormat, "email")},
		{name: "numeric tld", edit: set("jane@192.0.2.1"), want: vWants(CodeFormat, "email")},
		{name: "hyphen first", edit: set("jane@-example.com"), want: vWants(CodeFormat, "email")},
		{name: "hyphen last", edit: set("jane@example-.com"), want: vWants(CodeFormat, "email")},
		{name: "underscore in domain", edit: set("jane@exa_mple.com"), want: vWants(CodeFormat, "email")},
		{name: "empty label", edit: set("jane@example..com"), want: vWants(CodeFormat, "email")},
		{name: "trailing root dot", edit: set("jane@example.com."), want: vWants(CodeFormat, "email")},
		{name: "label of 64", edit: set("jane@" + strings.Repeat("a", 64) + ".com"), want: vWants(CodeFormat, "email")},
		{name: "invalid utf-8", edit: set("ja\xffne@example.com"), want: vWants(CodeFormat, "email")},
		{name: "missing", edit: set(""), want: vWants(CodeRequired, "email")},
		{name: "missing when username is required", edit: set(""), opts: ValidateOptions{Require: "username"}},
		{name: "missing when phone is required", edit: set(""), opts: ValidateOptions{Require: "phone_number"}},
		{name: "unknown requirement means email", edit: set(""), opts: ValidateOptions{Require: "fax"}, want: vWants(CodeRequired, "email")},
	})
}

func TestValidate_PhoneNumber(t *testing.T) {
	set := func(s string) func(*User) { return func(u *User) { u.PhoneNumber = s } }
	runValidateCases(t, []vCase{
		{name: "one digit", edit: set("+1")},
		{name: "fifteen digits", edit: set("+123456789012345")},
		{name: "absent", edit: set("")},
		{name: "sixteen digits", edit: set("+1234567890123456"), want: vWants(CodePattern, "phone_number")},
		{name: "no plus", edit: set("14155550123"), want: vWants(CodePattern, "phone_number")},
		{name: "plus alone", edit: set("+"), want: vWants(CodePattern, "phone_number")},
		{name: "spaces", edit: set("+1 415 555 0123"), want: vWants(CodePattern, "phone_number")},
		{name: "letters", edit: set("+1415CALLNOW"), want: vWants(CodePattern, "phone_number")},
		{name: "required and missing", edit: set(""), opts: ValidateOptions{Require: "phone_number"}, want: vWants(CodeRequired, "phone_number")},
	})
}

func TestValidate_Username(t *testing.T) {
	set := func(s string) func(*User) { return func(u *User) { u.Username = s } }
	runValidateCases(t, []vCase{
		{name: "one char", edit: set("a")},
		{name: "every allowed symbol", edit: set("a@`^$!-#.+'~_Z9")},
		{name: "at without email shape", edit: set("jane@home")},
		{name: "128 chars", edit: set(strings.Repeat("u", 128))},
		{name: "129 chars", edit: set(strings.Repeat("u", 129)), want: vWants(CodeMaxLength, "username")},
		{name: "connection max 15", edit: set(strings.Repeat("u", 16)), opts: ValidateOptions{UsernameMax: 15}, want: vWants(CodeMaxLength, "username")},
		{name: "connection min 3", edit: set("ab"), opts: ValidateOptions{UsernameMin: 3}, want: vWants(CodeMinLength, "username")},
		{name: "accented", edit: set("josé"), want: vWants(CodePattern, "username")},
		{name: "space", edit: set("jane doe"), want: vWants(CodePattern, "username")},
		{name: "slash", edit: set("jane/doe"), want: vWants(CodePattern, "username")},
		{name: "email address", edit: set("jane@example.com"), want: vWants(CodeFormat, "username")},
		{name: "required and missing", edit: set(""), opts: ValidateOptions{Require: "username"}, want: vWants(CodeRequired, "username")},
		{name: "required and present", opts: ValidateOptions{Require: "username"}},
	})
}

func TestValidate_Names(t *testing.T) {
	rep := strings.Repeat
	runValidateCases(t, []vCase{
		{name: "given 150 multibyte", edit: func(u *User) { u.GivenName = rep("é", 150) }},
		{name: "given 151", edit: func(u *User) { u.GivenName = rep("é", 151) }, want: vWants(CodeMaxLength, "given_name")},
		{name: "family 150", edit: func(u *User) { u.FamilyName = rep("f", 150) }},
		{name: "family 151", edit: func(u *User) { u.FamilyName = rep("f", 151) }, want: vWants(CodeMaxLength, "family_name")},
		{name: "name 300 by default", edit: func(u *User) { u.Name = rep("名", 300) }},
		{name: "name 301", edit: func(u *User) { u.Name = rep("n", 301) }, want: vWants(CodeMaxLength, "name")},
		{name: "name 151 under docs limit", edit: func(u *User) { u.Name = rep("n", 151) }, opts: ValidateOptions{NameMax: 150}, want: vWants(CodeMaxLength, "name")},
		{name: "nickname 300", edit: func(u *User) { u.Nickname = rep("k", 300) }},
		{name: "nickname 301", edit: func(u *User) { u.Nickname = rep("k", 301) }, want: vWants(CodeMaxLength, "nickname")},
		{name: "nickname 350 under docs limit", edit: func(u *User) { u.Nickname = rep("k", 350) }, opts: ValidateOptions{NicknameMax: 350}},
	})
}

func TestValidate_UserID(t *testing.T) {
	set := func(s string) func(*User) { return func(u *User) { u.UserID = s } }
	runValidateCases(t, []vCase{
		{name: "255", edit: set(strings.Repeat("i", 255))},
		{name: "unicode", edit: set("ünï|cödé")},
		{name: "256", edit: set(strings.Repeat("i", 256)), want: vWants(CodeMaxLength, "user_id")},
		{name: "space", edit: set("auth0|abc def"), want: vWants(CodePattern, "user_id")},
		{name: "tab", edit: set("auth0|abc\t"), want: vWants(CodePattern, "user_id")},
		{name: "no-break space", edit: set("auth0|abc\u00a0def"), want: vWants(CodePattern, "user_id")},
		{name: "ideographic space", edit: set("auth0|abc\u3000"), want: vWants(CodePattern, "user_id")},
		{name: "byte order mark", edit: set("\ufeffauth0|abc"), want: vWants(CodePattern, "user_id")},
	})
}

func TestValidate_Picture(t *testing.T) {
	set := func(s string) func(*User) { return func(u *User) { u.Picture = s } }
	ok := []string{
		"https://example.com/a.png", "http://example.com", "HTTPS://EXAMPLE.COM/x?y=1#z",
		"https://[2001:db8::1]:8443/p", "https://user:pw@example.com:8080/p%20q",
		"https://example.com/ünï", "https://example.com/a(1)*,;=+$!'@:~",
	}
	bad := []string{
		"example.com/a.png", "ftp://example.com/a", "https://", "https:///path", "https://exa mple.com",
		"https://example.com/a b", "https://example.com/%zz", "https://example.com/%4", "https://example.com:80a/",
		"javascript:alert(1)", "https://example.com/<x>", "https://[::1", "https://[zz]/", "https://example.com/a\nb",
		"https://exa\"mple.com/", "https://example.com/{x}",
	}
	var cases []vCase
	for _, s := range ok {
		cases = append(cases, vCase{name: "ok " + s, edit: set(s)})
	}
	for _, s := range bad {
		cases = append(cases, vCase{name: "bad " + s, edit: set(s), want: vWants(CodeFormat, "picture")})
	}
	runValidateCases(t, cases)
}

func TestValidate_Metadata(t *testing.T) {
	app := func(s string) func(*User) { return func(u *User) { u.AppMetadata = json.RawMessage(s) } }
	usr := func(s string) func(*User) { return func(u *User) { u.UserMetadata = json.RawMessage(s) } }
	runValidateCases(t, []vCase{
		{name: "empty objects", edit: func(u *User) { u.AppMetadata, u.UserMetadata = json.RawMessage(`{}`), json.RawMessage(` { } `) }},
		{name: "nested", edit: usr(`{"a":{"b":[{"c":1.5e3},null,true,false,"x"]},"d":-0.5}`)},
		{name: "dots in values", edit: usr(`{"emails":["a.b@example.com"],"price":"$5"}`)},
		{name: "reserved name in user_metadata", edit: usr(`{"email":"x","blocked":true}`)},
		{name: "reserved name nested in app_metadata", edit: app(`{"x":{"email":1}}`)},
		{name: "escaped backslash is no dot", edit: usr(`{"a\\u002eb":1}`)},
		{name: "app array", edit: app(`[]`), want: vWants(CodeInvalidType, "app_metadata")},
		{name: "user string", edit: usr(`"x"`), want: vWants(CodeInvalidType, "user_metadata")},
		{name: "user null", edit: usr(`null`), want: vWants(CodeInvalidType, "user_metadata")},
		{name: "malformed", edit: usr(`{"a":`), want: vWants(CodeInvalidType, "user_metadata")},
		{name: "trailing data", edit: usr(`{"a":1} x`), want: vWants(CodeInvalidType, "user_metadata")},
		{name: "bad number", edit: usr(`{"a":01}`), want: vWants(CodeInvalidType, "user_metadata")},
		{name: "control char", edit: usr("{\"a\":\"x\ny\"}"), want: vWants(CodeInvalidType, "user_metadata")},
		{name: "reserved app key", edit: app(`{"email":"x"}`), want: vWants(CodeForbiddenKey, "app_metadata.email")},
		{name: "two reserved app keys", edit: app(`{"blocked":true,"plan":"x","user_id":"u"}`),
			want: vWants(CodeForbiddenKey, "app_metadata.blocked", "app_metadata.user_id")},
		{name: "escaped reserved app key", edit: app(`{"\u0065mail":1}`), want: vWants(CodeForbiddenKey, "app_metadata.email")},
		{name: "dot key by position", edit: usr(`{"a.b":1}`), want: vWants(CodeForbiddenKey, "user_metadata{0}")},
		{name: "dollar key nested", edit: usr(`{"x":1,"prefs":{"y":2,"$set":3}}`), want: vWants(CodeForbiddenKey, "user_metadata.prefs{1}")},
		{name: "key in array", edit: usr(`{"list":[{"k":1},{"a$":2}]}`), want: vWants(CodeForbiddenKey, "user_metadata.list[1]{0}")},
		{name: "escaped dot", edit: usr(`{"a\u002eb":1}`), want: vWants(CodeForbiddenKey, "user_metadata{0}")},
		{name: "email-like parent masked", edit: usr(`{"j@x":{"a.b":1}}`), want: vWants(CodeForbiddenKey, "user_metadata{0}{0}")},
		{name: "dot key in app_metadata", edit: app(`{"plan":"x","example.com":true}`), want: vWants(CodeForbiddenKey, "app_metadata{1}")},
		{name: "both", edit: func(u *User) {
			u.AppMetadata = json.RawMessage(`{"a.b":1}`)
			u.UserMetadata = json.RawMessage(`{"c":{"d$":1}}`)
		}, want: vWants(CodeForbiddenKey, "app_metadata{0}", "user_metadata.c{0}")},
	})
}

func TestValidate_MetadataSize(t *testing.T) {
	runValidateCases(t, []vCase{
		{name: "within limit", opts: ValidateOptions{MaxMetadataBytes: 1000}},
		{name: "over limit, user_metadata larger", opts: ValidateOptions{MaxMetadataBytes: 50}, want: vWants(CodeMaximum, "user_metadata")},
		{name: "over limit, app_metadata larger", opts: ValidateOptions{MaxMetadataBytes: 50},
			edit: func(u *User) { u.AppMetadata = json.RawMessage(`{"k":"` + strings.Repeat("v", 100) + `"}`) },
			want: vWants(CodeMaximum, "app_metadata")},
		{name: "disabled", opts: ValidateOptions{MaxMetadataBytes: -1},
			edit: func(u *User) { u.AppMetadata = json.RawMessage(`{"k":"` + strings.Repeat("v", 1000) + `"}`) }},
		{name: "default 16 MiB", edit: func(u *User) { u.UserMetadata = json.RawMessage(`{"k":"` + strings.Repeat("v", 16<<20) + `"}`) },
			want: vWants(CodeMaximum, "user_metadata")},
	})
}

func TestValidate_MFAFactors(t *testing.T) {
	set := func(fs ...MFAFactor) func(*User) { return func(u *User) { u.MFAFactors = fs } }
	eleven := make([]MFAFactor, 11)
	for i := range eleven {
		eleven[i] = MFAFactor{TOTPSecret: "JBSWY3DPEHPK3PXP"}
	}
	runValidateCases(t, []vCase{
		{name: "absent"},
		{name: "one of each", edit: set(MFAFactor{TOTPSecret: "JBSWY3DPEHPK3PXP"}, MFAFactor{Phone: "+12125550001"}, MFAFactor{Email: "jane@example.com"})},
		{name: "ten", edit: set(eleven[:10]...)},
		{name: "empty array", edit: func(u *User) { u.MFAFactors = []MFAFactor{} }, want: vWants(CodeArrayLengthShort, "mfa_factors")},
		{name: "eleven", edit: set(eleven...), want: vWants(CodeArrayLengthLong, "mfa_factors")},
		{name: "lower-case secret", edit: set(MFAFactor{TOTPSecret: "jbswy3dpehpk3pxp"}), want: vWants(CodePattern, "mfa_factors[0].totp.secret")},
		{name: "secret with 1", edit: set(MFAFactor{TOTPSecret: "JBSWY3DPEHPK3PX1"}), want: vWants(CodePattern, "mfa_factors[0].totp.secret")},
		{name: "phone without plus", edit: set(MFAFactor{Phone: "+12125550001"}, MFAFactor{Phone: "12125550001"}), want: vWants(CodePattern, "mfa_factors[1].phone.value")},
		{name: "bad email", edit: set(MFAFactor{Email: "jane.example.com"}), want: vWants(CodeFormat, "mfa_factors[0].email.value")},
		{name: "unknown shape", edit: set(MFAFactor{Raw: json.RawMessage(`{"sms":{"value":"+1"}}`)}), want: vWants(CodeMFAFactorsFailed, "mfa_factors[0]")},
		{name: "two kinds", edit: set(MFAFactor{TOTPSecret: "JBSWY3DP", Phone: "+1"}), want: vWants(CodeMFAFactorsFailed, "mfa_factors[0]")},
		{name: "nothing set", edit: set(MFAFactor{}), want: vWants(CodeMFAFactorsFailed, "mfa_factors[0]")},
	})
}

const vBcrypt = "$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K"

func TestValidate_PasswordHash(t *testing.T) {
	set := func(s string) func(*User) { return func(u *User) { u.PasswordHash = s } }
	runValidateCases(t, []vCase{
		{name: "2b", edit: set(vBcrypt)},
		{name: "2a", edit: set("$2a$" + vBcrypt[4:])},
		{name: "cost 31", edit: set("$2b$31$" + vBcrypt[7:])},
		{name: "2y belongs in custom hash", edit: set("$2y$" + vBcrypt[4:]), want: vWants(CodePattern, "password_hash")},
		{name: "2x", edit: set("$2x$" + vBcrypt[4:]), want: vWants(CodePattern, "password_hash")},
		{name: "2 without minor", edit: set("$2$10$" + vBcrypt[7:]), want: vWants(CodePattern, "password_hash")},
		{name: "short", edit: set(vBcrypt[:59]), want: vWants(CodePattern, "password_hash")},
		{name: "long", edit: set(vBcrypt + "x"), want: vWants(CodePattern, "password_hash")},
		{name: "cost 03", edit: set("$2b$03$" + vBcrypt[7:]), want: vWants(CodePattern, "password_hash")},
		{name: "cost 32", edit: set("$2b$32$" + vBcrypt[7:]), want: vWants(CodePattern, "password_hash")},
		{name: "cost not digits", edit: set("$2b$1a$" + vBcrypt[7:]), want: vWants(CodePattern, "password_hash")},
		{name: "bad alphabet", edit: set(vBcrypt[:59] + "!"), want: vWants(CodePattern, "password_hash")},
		{name: "md5 hex", edit: set("5f4dcc3b5aa765d61d8327deb882cf99"), want: vWants(CodePattern, "password_hash")},
		{name: "exclusive with custom hash", edit: func(u *User) {
			u.CustomPasswordHash = json.RawMessage(`{"algorithm":"bcrypt","hash":{"value":"` + vBcrypt + `"}}`)
		}, want: vWants(CodeConflict, "custom_password_hash")},
	})
}

func TestValidate_CustomPasswordHash(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString
	raw64 := base64.RawStdEncoding.EncodeToString
	bytesOf := func(n int, c byte) []byte { return bytes.Repeat([]byte{c}, n) }
	argon := "$argon2id$v=19$m=65536,t=2,p=1$" + raw64(bytesOf(16, 's')) + "$" + raw64(bytesOf(32, 'h'))
	pbkdf := "$pbkdf2-sha512$i=100000,l=64$" + raw64(bytesOf(16, 's')) + "$" + b64(bytesOf(64, 'h'))
	ssha384 := "{SSHA384}" + b64(bytesOf(56, 'd'))
	set := func(s string) func(*User) {
		return func(u *User) {
			u.PasswordHash = ""
			u.CustomPasswordHash = json.RawMessage(s)
		}
	}
	hmac := func(hash string) string {
		return `{"algorithm":"hmac","hash":` + hash + `}`
	}
	const p = "custom_password_hash"
	runValidateCases(t, []vCase{
		// Valid examples, one per algorithm family, from Auth0's schema page.
		{name: "bcrypt 2y", edit: set(`{"algorithm":"bcrypt","hash":{"value":"$2y$` + vBcrypt[4:] + `","encoding":"utf8"}}`)},
		{name: "hmac doc example", edit: set(hmac(`{"value":"cg7f42jH39/2EaAU4wNd4s2lKIk=","encoding":"base64","digest":"sha1","key":{"value":"736868","encoding":"hex"}}`))},
		{name: "scrypt doc example", edit: set(`{"algorithm":"scrypt","hash":{"value":"097f6197e1b41538f723e32aa7a68e8d76227d8e432ce5faa4882a913032db29","encoding":"hex"},"salt":{"value":"abc123","encoding":"utf8"},"keylen":32,"cost":4096,"blockSize":8,"parallelization":1}`)},
		{name: "md5 salted upper hex", edit: set(`{"algorithm":"md5","hash":{"value":"67A1E09BB1F83F5007DC119C14D663AA","encoding":"hex"},"salt":{"value":"salt","position":"prefix"},"password":{"encoding":"utf8"}}`)},
		{name: "sha256 url-safe base64", edit: set(`{"algorithm":"sha256","hash":{"value":"` + base64.RawURLEncoding.EncodeToString(bytesOf(32, 0xfb)) + `","encoding":"base64"}}`)},
		{name: "argon2id", edit: set(`{"algorithm":"argon2","hash":{"value":"` + argon + `"}}`)},
		{name: "argon2i", edit: set(`{"algorithm":"argon2","hash":{"value":"` + strings.Replace(argon, "argon2id", "argon2i", 1) + `"}}`)},
		{name: "pbkdf2", edit: set(`{"algorithm":"pbkdf2","hash":{"value":"` + pbkdf + `","encoding":"utf8"}}`)},
		{name: "pbkdf2 defaults", edit: set(`{"algorithm":"pbkdf2","hash":{"value":"$pbkdf2-RSA-SHA256$` + raw64(bytesOf(8, 's')) + "$" + b64(bytesOf(64, 'h')) + `"}}`)},
		{name: "ldap ssha384", edit: set(`{"algorithm":"ldap","hash":{"value":"` + ssha384 + `"}}`)},
		{name: "keylen as 32.0", edit: set(`{"algorithm":"scrypt","hash":{"value":"` + strings.Repeat("ab", 32) + `","encoding":"hex"},"keylen":32.0}`)},

		// The object itself.
		{name: "not an object", edit: set(`"x"`), want: vWants(CodeInvalidType, p)},
		{name: "malformed", edit: set(`{"algorithm":`), want: vWants(CodeInvalidType, p)},
		{name: "unknown member", edit: set(`{"algorithm":"bcrypt","hash":{"value":"` + vBcrypt + `"},"iterations":5}`), want: vWants(CodeAdditionalProperty, p+".iterations")},
		{name: "missing algorithm and hash", edit: set(`{}`), want: vWants(CodeRequired, p+".algorithm", p+".hash")},
		{name: "unknown algorithm", edit: set(`{"algorithm":"rot13","hash":{"value":"x"}}`), want: vWants(CodeEnumMismatch, p+".algorithm")},
		{name: "algorithm not a string", edit: set(`{"algorithm":5,"hash":{"value":"x"}}`), want: vWants(CodeInvalidType, p+".algorithm")},
		{name: "hash not an object", edit: set(`{"algorithm":"bcrypt","hash":"` + vBcrypt + `"}`), want: vWants(CodeInvalidType, p+".hash")},

		// hash.
		{name: "hash unknown member", edit: set(`{"algorithm":"bcrypt","hash":{"value":"` + vBcrypt + `","rounds":10}}`), want: vWants(CodeAdditionalProperty, p+".hash.rounds")},
		{name: "missing value", edit: set(`{"algorithm":"bcrypt","hash":{}}`), want: vWants(CodeRequired, p+".hash.value")},
		{name: "empty value", edit: set(`{"algorithm":"bcrypt","hash":{"value":""}}`), want: vWants(CodeMinLength, p+".hash.value")},
		{name: "value not a string", edit: set(`{"algorithm":"bcrypt","hash":{"value":12}}`), want: vWants(CodeInvalidType, p+".hash.value")},
		{name: "encoding outside enum", edit: set(`{"algorithm":"md5","hash":{"value":"x","encoding":"base32"}}`), want: vWants(CodeEnumMismatch, p+".hash.encoding")},
		{name: "utf8 for md5", edit: set(`{"algorithm":"md5","hash":{"value":"x","encoding":"utf8"}}`), want: vWants(CodeEnumMismatch, p+".hash.encoding")},
		{name: "hex for argon2", edit: set(`{"algorithm":"argon2","hash":{"value":"` + argon + `","encoding":"hex"}}`), want: vWants(CodeEnumMismatch, p+".hash.encoding")},
		{name: "md5 without encoding", edit: set(`{"algorithm":"md5","hash":{"value":"67A1E09BB1F83F5007DC119C14D663AA"}}`), want: vWants(CodeRequired, p+".hash.encoding")},
		{name: "md5 wrong length", edit: set(`{"algorithm":"md5","hash":{"value":"` + strings.Repeat("ab", 20) + `","encoding":"hex"}}`), want: vWants(CodeFormat, p+".hash.value")},
		{name: "sha1 not hex", edit: set(`{"algorithm":"sha1","hash":{"value":"` + strings.Repeat("zz", 20) + `","encoding":"hex"}}`), want: vWants(CodeFormat, p+".hash.value")},
		{name: "sha512 not base64", edit: set(`{"algorithm":"sha512","hash":{"value":"a=b=","encoding":"base64"}}`), want: vWants(CodeFormat, p+".hash.value")},

		// hmac.
		{name: "hmac without digest and key", edit: set(hmac(`{"value":"cg7f42jH39/2EaAU4wNd4s2lKIk=","encoding":"base64"}`)), want: vWants(CodeRequired, p+".hash.digest", p+".hash.key")},
		{name: "hmac digest outside enum", edit: set(hmac(`{"value":"cg7f42jH39/2EaAU4wNd4s2lKIk=","encoding":"base64","digest":"sha3","key":{"value":"k"}}`)), want: vWants(CodeEnumMismatch, p+".hash.digest")},
		{name: "hmac key without value", edit: set(hmac(`{"value":"cg7f42jH39/2EaAU4wNd4s2lKIk=","encoding":"base64","digest":"sha1","key":{"encoding":"hex"}}`)), want: vWants(CodeRequired, p+".hash.key.value")},
		{name: "hmac key not hex", edit: set(hmac(`{"value":"cg7f42jH39/2EaAU4wNd4s2lKIk=","encoding":"base64","digest":"sha1","key":{"value":"zz","encoding":"hex"}}`)), want: vWants(CodeFormat, p+".hash.key.value")},
		{name: "hmac key unknown member", edit: set(hmac(`{"value":"cg7f42jH39/2EaAU4wNd4s2lKIk=","encoding":"base64","digest":"sha1","key":{"value":"k","position":"prefix"}}`)), want: vWants(CodeAdditionalProperty, p+".hash.key.position")},
		{name: "hmac size of digest", edit: set(hmac(`{"value":"cg7f42jH39/2EaAU4wNd4s2lKIk=","encoding":"base64","digest":"sha256","key":{"value":"k"}}`)), want: vWants(CodeFormat, p+".hash.value")},

		// salt and password.
		{name: "salt for argon2", edit: set(`{"algorithm":"argon2","hash":{"value":"` + argon + `"},"salt":{"value":"abc"}}`), want: vWants(CodeAdditionalProperty, p+".salt")},
		{name: "salt for pbkdf2", edit: set(`{"algorithm":"pbkdf2","hash":{"value":"` + pbkdf + `"},"salt":{"value":"abc"}}`), want: vWants(CodeAdditionalProperty, p+".salt")},
		{name: "salt for ldap", edit: set(`{"algorithm":"ldap","hash":{"value":"` + ssha384 + `"},"salt":{"value":"abc"}}`), want: vWants(CodeAdditionalProperty, p+".salt")},
		{name: "salt without value", edit: set(`{"algorithm":"bcrypt","hash":{"value":"` + vBcrypt + `"},"salt":{"encoding":"utf8"}}`), want: vWants(CodeRequired, p+".salt.value")},
		{name: "salt position", edit: set(`{"algorithm":"bcrypt","hash":{"value":"` + vBcrypt + `"},"salt":{"value":"s","position":"middle"}}`), want: vWants(CodeEnumMismatch, p+".salt.position")},
		{name: "salt not base64", edit: set(`{"algorithm":"bcrypt","hash":{"value":"` + vBcrypt + `"},"salt":{"value":"a","encoding":"base64"}}`), want: vWants(CodeFormat, p+".salt.value")},
		{name: "salt fills bcrypt input", edit: set(`{"algorithm":"bcrypt","hash":{"value":"` + vBcrypt + `"},"salt":{"value":"` + strings.Repeat("s", 72) + `"}}`), want: vWants(CodeMaxLength, p+".salt.value")},
		{name: "password encoding", edit: set(`{"algorithm":"bcrypt","hash":{"value":"` + vBcrypt + `"},"password":{"encoding":"ebcdic","x":1}}`), want: []vWant{{CodeEnumMismatch, p + ".password.encoding"}, {CodeAdditionalProperty, p + ".password.x"}}},

		// scrypt numbers.
		{name: "scrypt without keylen", edit: set(`{"algorithm":"scrypt","hash":{"value":"ab","encoding":"hex"}}`), want: vWants(CodeRequired, p+".keylen")},
		{name: "scrypt keylen 0", edit: set(`{"algorithm":"scrypt","hash":{"value":"ab","encoding":"hex"},"keylen":0}`), want: vWants(CodeMinimum, p+".keylen")},
		{name: "keylen as string", edit: set(`{"algorithm":"scrypt","hash":{"value":"ab","encoding":"hex"},"keylen":"1"}`), want: vWants(CodeInvalidType, p+".keylen")},
		{name: "keylen fraction", edit: set(`{"algorithm":"scrypt","hash":{"value":"ab","encoding":"hex"},"keylen":1.5}`), want: vWants(CodeInvalidType, p+".keylen")},
		{name: "scrypt cost 1", edit: set(`{"algorithm":"scrypt","hash":{"value":"ab","encoding":"hex"},"keylen":1,"cost":1}`), want: vWants(CodeMinimum, p+".cost")},
		{name: "scrypt cost 1000", edit: set(`{"algorithm":"scrypt","hash":{"value":"ab","encoding":"hex"},"keylen":1,"cost":1000}`), want: vWants(CodeEnumMismatch, p+".cost")},
		{name: "scrypt r and p 0", edit: set(`{"algorithm":"scrypt","hash":{"value":"ab","encoding":"hex"},"keylen":1,"blockSize":0,"parallelization":0}`), want: vWants(CodeMinimum, p+".blockSize", p+".parallelization")},
		{name: "scrypt hash not keylen", edit: set(`{"algorithm":"scrypt","hash":{"value":"abab","encoding":"hex"},"keylen":32}`), want: vWants(CodeFormat, p+".hash.value")},

		// Value shapes.
		{name: "bcrypt 2x", edit: set(`{"algorithm":"bcrypt","hash":{"value":"$2x$` + vBcrypt[4:] + `"}}`), want: vWants(CodeFormat, p+".hash.value")},
		{name: "argon2d", edit: set(`{"algorithm":"argon2","hash":{"value":"` + strings.Replace(argon, "argon2id", "argon2d", 1) + `"}}`), want: vWants(CodeFormat, p+".hash.value")},
		{name: "argon2 without version", edit: set(`{"algorithm":"argon2","hash":{"value":"` + strings.Replace(argon, "$v=19", "", 1) + `"}}`), want: vWants(CodeFormat, p+".hash.value")},
		{name: "argon2 version 16", edit: set(`{"algorithm":"argon2","hash":{"value":"` + strings.Replace(argon, "v=19", "v=16", 1) + `"}}`), want: vWants(CodeFormat, p+".hash.value")},
		{name: "argon2 params order", edit: set(`{"algorithm":"argon2","hash":{"value":"` + strings.Replace(argon, "m=65536,t=2", "t=2,m=65536", 1) + `"}}`), want: vWants(CodeFormat, p+".hash.value")},
		{name: "argon2 short salt", edit: set(`{"algorithm":"argon2","hash":{"value":"$argon2id$v=19$m=65536,t=2,p=1$` + raw64(bytesOf(4, 's')) + "$" + raw64(bytesOf(32, 'h')) + `"}}`), want: vWants(CodeFormat, p+".hash.value")},
		{name: "argon2 padded salt", edit: set(`{"algorithm":"argon2","hash":{"value":"$argon2id$v=19$m=65536,t=2,p=1$` + b64(bytesOf(16, 's')) + "$" + raw64(bytesOf(32, 'h')) + `"}}`), want: vWants(CodeFormat, p+".hash.value")},
		{name: "pbkdf2 unknown digest", edit: set(`{"algorithm":"pbkdf2","hash":{"value":"` + strings.Replace(pbkdf, "sha512", "sha3-512", 1) + `"}}`), want: vWants(CodeFormat, p+".hash.value")},
		{name: "pbkdf2 l mismatch", edit: set(`{"algorithm":"pbkdf2","hash":{"value":"` + strings.Replace(pbkdf, "l=64", "l=32", 1) + `"}}`), want: vWants(CodeFormat, p+".hash.value")},
		{name: "pbkdf2 bad params", edit: set(`{"algorithm":"pbkdf2","hash":{"value":"` + strings.Replace(pbkdf, "i=100000", "n=100000", 1) + `"}}`), want: vWants(CodeFormat, p+".hash.value")},
		{name: "pbkdf2 padded salt", edit: set(`{"algorithm":"pbkdf2","hash":{"value":"$pbkdf2-sha1$i=1$` + b64(bytesOf(16, 's')) + "$" + b64(bytesOf(64, 'h')) + `"}}`), want: vWants(CodeFormat, p+".hash.value")},
		{name: "pbkdf2 django shape", edit: set(`{"algorithm":"pbkdf2","hash":{"value":"pbkdf2_sha256$260000$salt$` + b64(bytesOf(32, 'h')) + `"}}`), want: vWants(CodeFormat, p+".hash.value")},
		{name: "ldap crypt", edit: set(`{"algorithm":"ldap","hash":{"value":"{CRYPT}$1$abc$def"}}`), want: vWants(CodeFormat, p+".hash.value")},
		{name: "ldap sha size", edit: set(`{"algorithm":"ldap","hash":{"value":"{SHA}` + b64(bytesOf(16, 'd')) + `"}}`), want: vWants(CodeFormat, p+".hash.value")},
		{name: "ldap ssha without salt", edit: set(`{"algorithm":"ldap","hash":{"value":"{SSHA}` + b64(bytesOf(20, 'd')) + `"}}`), want: vWants(CodeFormat, p+".hash.value")},
		{name: "ldap unknown scheme", edit: set(`{"algorithm":"ldap","hash":{"value":"{PBKDF2}` + b64(bytesOf(20, 'd')) + `"}}`), want: vWants(CodeFormat, p+".hash.value")},
		{name: "ldap no scheme", edit: set(`{"algorithm":"ldap","hash":{"value":"` + b64(bytesOf(20, 'd')) + `"}}`), want: vWants(CodeFormat, p+".hash.value")},
	})
}

func TestValidate_Identities(t *testing.T) {
	runValidateCases(t, []vCase{
		{name: "complete"},
		{name: "second one empty", edit: func(u *User) { u.Identities = append(u.Identities, Identity{}) },
			want: vWants(CodeRequired, "identities[1].connection", "identities[1].provider", "identities[1].user_id")},
		{name: "provider missing", edit: func(u *User) { u.Identities[0].Provider = "" }, want: vWants(CodeRequired, "identities[0].provider")},
	})
}

func TestValidate_PlaintextPassword(t *testing.T) {
	set := func(s string) func(*User) { return func(u *User) { u.Password = s } }
	on := ValidateOptions{CheckPassword: true}
	runValidateCases(t, []vCase{
		{name: "unchecked by default", edit: set("pass word with spaces")},
		{name: "printable", edit: set("Tr0ub4dor&3~!"), opts: on},
		{name: "72 bytes", edit: set(strings.Repeat("p", 72)), opts: on},
		{name: "73 bytes", edit: set(strings.Repeat("p", 73)), opts: on, want: vWants(CodeMaxLength, "password")},
		{name: "space", edit: set("pass word"), opts: on, want: vWants(CodePattern, "password")},
		{name: "non-ascii", edit: set("pässword"), opts: on, want: vWants(CodePattern, "password")},
		{name: "both", edit: set(strings.Repeat("é", 40)), opts: on, want: []vWant{{CodeMaxLength, "password"}, {CodePattern, "password"}}},
	})
}

func TestValidate_StrictReportsExtraAttributes(t *testing.T) {
	extra := func(u *User) {
		u.Extra = []Attr{{Key: "upn", Value: json.RawMessage(`"x"`)}, {Key: "job_title", Value: json.RawMessage(`"y"`)},
			{Key: "jane@example.com", Value: json.RawMessage(`true`)}}
	}
	runValidateCases(t, []vCase{
		{name: "lenient", edit: extra},
		{name: "strict", edit: extra, opts: ValidateOptions{Strict: true}, want: vWants(CodeAdditionalProperty, "upn", "job_title", "{2}")},
	})
}

func TestValidate_ReportsEveryIssueOfARecord(t *testing.T) {
	u := vTypicalUser()
	u.Email = "jane.doe.example.com"
	u.GivenName = strings.Repeat("g", 151)
	u.PhoneNumber = "0415 555 0123"
	u.UserMetadata = json.RawMessage(`{"$where":"1"}`)
	u.MFAFactors = []MFAFactor{{TOTPSecret: "not base32"}}
	is := Validate(&u, ValidateOptions{})
	want := []vWant{
		{CodeFormat, "email"},
		{CodePattern, "phone_number"},
		{CodeMaxLength, "given_name"},
		{CodeForbiddenKey, "user_metadata{0}"},
		{CodePattern, "mfa_factors[0].totp.secret"},
	}
	if len(is) != 5 {
		t.Fatalf("got %d issues, want 5: %v", len(is), is)
	}
	for i, w := range want {
		if is[i].Code != w.code || is[i].Path != w.path {
			t.Errorf("issue %d = %s at %s, want %s at %s", i, is[i].Code, is[i].Path, w.code, w.path)
		}
	}
	vAssertNoValues(t, &u, is)
}

func TestValidate_AllocatesNothingForAValidUser(t *testing.T) {
	u := vTypicalUser()
	u.MFAFactors = []MFAFactor{{TOTPSecret: "JBSWY3DPEHPK3PXP"}}
	var is Issues
	allocs := testing.AllocsPerRun(100, func() { is = Validate(&u, ValidateOptions{}) })
	if is != nil || allocs != 0 {
		t.Fatalf("issues %v, %v allocations per run", is, allocs)
	}
}

func TestEmptyValue(t *testing.T) {
	tests := []struct {
		path string
		code Code
		ok   bool
	}{
		{"email", CodeFormat, true},
		{"phone_number", CodePattern, true},
		{"given_name", CodeMinLength, true},
		{"username", CodeMinLength, true},
		{"password_hash", CodePattern, true},
		{"user_id", "", false},
		{"user_metadata.x", "", false},
	}
	for _, tt := range tests {
		is, ok := EmptyValue(tt.path)
		if ok != tt.ok || is.Code != tt.code || ok && is.Path != tt.path {
			t.Errorf("EmptyValue(%q) = %v, %v; want %s, %v", tt.path, is, ok, tt.code, tt.ok)
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	b.Run("typical", func(b *testing.B) {
		u := vTypicalUser()
		b.ReportAllocs()
		for b.Loop() {
			if Validate(&u, ValidateOptions{}) != nil {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("minimal", func(b *testing.B) {
		u := User{Email: "jane.doe@example.com"}
		b.ReportAllocs()
		for b.Loop() {
			if Validate(&u, ValidateOptions{}) != nil {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("custom_hash", func(b *testing.B) {
		u := vTypicalUser()
		u.PasswordHash = ""
		u.CustomPasswordHash = json.RawMessage(`{"algorithm":"hmac","hash":{"value":"cg7f42jH39/2EaAU4wNd4s2lKIk=","encoding":"base64","digest":"sha1","key":{"value":"736868","encoding":"hex"}}}`)
		b.ReportAllocs()
		for b.Loop() {
			if Validate(&u, ValidateOptions{}) != nil {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("five_issues", func(b *testing.B) {
		u := vTypicalUser()
		u.Email = "jane.doe.example.com"
		u.GivenName = strings.Repeat("g", 151)
		u.PhoneNumber = "0415 555 0123"
		u.UserMetadata = json.RawMessage(`{"$where":"1"}`)
		u.MFAFactors = []MFAFactor{{TOTPSecret: "not base32"}}
		b.ReportAllocs()
		for b.Loop() {
			if len(Validate(&u, ValidateOptions{})) != 5 {
				b.Fatal("want 5 issues")
			}
		}
	})
}

// vHasForbiddenKey walks decoded JSON the slow way, for the fuzz oracle.
func vHasForbiddenKey(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if strings.ContainsAny(k, ".$") || vHasForbiddenKey(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if vHasForbiddenKey(e) {
				return true
			}
		}
	}
	return false
}

// FuzzValidateMetadata checks the metadata scanner against encoding/json:
// the same texts are well-formed objects, and the same ones hold a key with
// '.' or '$'.
func FuzzValidateMetadata(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `{"a.b":1}`, `{"x":[{"$y":null}]}`, `[]`, `{"a":"\u002e"}`,
		`{"a\u0024":1}`, `{"a":1e5,"b":-0.1,"c":true}`, `{"a" : { } }`, `{"a":"\ud800"}`, `{"a":01}`, `{"a":1,}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var is Issues
		checkMetadata([]byte(s), "user_metadata", false, &is)
		var v any
		err := json.Unmarshal([]byte(s), &v)
		_, isObj := v.(map[string]any)
		wantInvalid := err != nil || !isObj
		gotInvalid := len(is) > 0 && is[0].Code == CodeInvalidType
		if gotInvalid != wantInvalid {
			t.Fatalf("invalid type: got %v (%v), encoding/json %v", gotInvalid, is, err)
		}
		if wantInvalid {
			return
		}
		if got, want := len(is) > 0, vHasForbiddenKey(v); got != want {
			t.Fatalf("forbidden key: got %v (%v), want %v", got, is, want)
		}
		for _, x := range is {
			if x.Code != CodeForbiddenKey || !strings.HasPrefix(x.Path, "user_metadata") {
				t.Fatalf("unexpected issue %v", x)
			}
		}
	})
}

// FuzzValidate throws arbitrary text at every string rule and the custom
// hash: no panic, every issue has a code, a path and a message.
func FuzzValidate(f *testing.F) {
	f.Add("jane@example.com", "jane", "https://example.com/a.png", "+14155550123", vBcrypt,
		`{"algorithm":"hmac","hash":{"value":"cg7f42jH39/2EaAU4wNd4s2lKIk=","encoding":"base64","digest":"sha1","key":{"value":"736868","encoding":"hex"}}}`)
	f.Add("a@b", "a@b.c", "http://[::1]:80", "+", "$2y$", `{"algorithm":"argon2","hash":{"value":"$argon2id$v=19$m=1,t=1,p=1$$"}}`)
	f.Add("\xff@\xff.\xff", "é", "https://%", "+1", "$2b$99$", `{"algorithm":"pbkdf2","hash":{"value":"$pbkdf2-$$$"}}`)
	f.Add(".@.", "", "https://@:", "", "", `{"algorithm":"ldap","hash":{"value":"{"}}`)
	f.Add("x@y.z", "u", "https://a", "+2", "$2a$10$", `{"algorithm":"scrypt","hash":{"value":"","encoding":"base64"},"keylen":-9223372036854775808,"cost":-9223372036854775808}`)
	f.Fuzz(func(t *testing.T, email, username, picture, phone, hash, custom string) {
		u := User{Email: email, Username: username, Picture: picture, PhoneNumber: phone, PasswordHash: hash,
			Name: username, UserID: username, Password: hash,
			CustomPasswordHash: json.RawMessage(custom), AppMetadata: json.RawMessage(custom),
			MFAFactors: []MFAFactor{{Email: email}, {Phone: phone}, {TOTPSecret: username}}}
		for _, x := range Validate(&u, ValidateOptions{CheckPassword: true, Strict: true}) {
			if x.Code == "" || x.Path == "" || x.Message == "" {
				t.Fatalf("incomplete issue %#v", x)
			}
		}
		Normalize(&u, NormalizeOptions{})
		Validate(&u, ValidateOptions{})
	})
}

func ExampleValidate() {
	u := User{Email: "jane.doe@example", GivenName: "Jane", UserMetadata: json.RawMessage(`{"prefs":{"theme.color":"dark"}}`)}
	for _, is := range Validate(&u, ValidateOptions{}) {
		fmt.Println(is.Code, is.Path, is.Message)
	}
	// Output:
	// FORMAT email domain has no dot
	// FORBIDDEN_KEY user_metadata.prefs{0} key contains '.'
}

func TestURIPlainMatchesSets(t *testing.T) {
	for c := 0; c < 128; c++ {
		want := inByteSet(byte(c), uriLo&^(1<<'%'), uriHi)
		if got := uriPlain[c] == 'x'; got != want {
			t.Errorf("byte %#x: table says %v, sets say %v", c, got, want)
		}
	}
}

func TestStrSpecial8FlagsTheFirstStopByte(t *testing.T) {
	for i := 0; i < 8; i++ {
		for _, stop := range []byte{'"', '\\', 0, 0x1f} {
			b := []byte("abcdefgh")
			b[i] = stop
			m := strSpecial8(binary.LittleEndian.Uint64(b))
			if m == 0 || bits.TrailingZeros64(m)>>3 != i {
				t.Errorf("stop %#x at %d: mask %#x", stop, i, m)
			}
		}
	}
	for _, s := range []string{"abcdefgh", "\x20\x7f\x80\xff#[]~", "éèàüöäßø"[:8]} {
		if m := strSpecial8(binary.LittleEndian.Uint64([]byte(s))); m != 0 {
			t.Errorf("%q flagged: %#x", s, m)
		}
	}
}

func TestValidateOptions_RefusesUnknownRequirement(t *testing.T) {
	tests := []struct {
		require string
		wantErr error
	}{
		{"", nil},
		{"email", nil},
		{"username", nil},
		{"phone_number", nil},
		{"fax", ErrOptions},
		{"Email", ErrOptions},
		{"phone", ErrOptions},
	}
	for _, tt := range tests {
		t.Run(tt.require, func(t *testing.T) {
			err := ValidateOptions{Require: tt.require}.Validate()
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Validate() = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				for _, id := range Identifiers() {
					if !strings.Contains(err.Error(), id) {
						t.Errorf("error %q does not name %s", err, id)
					}
				}
			}
		})
	}
}
