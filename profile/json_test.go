package profile

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// jsonInputs returns the names of the golden inputs in testdata/json.
func jsonInputs(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/json/*.json")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".golden.json") {
			names = append(names, strings.TrimSuffix(filepath.Base(f), ".json"))
		}
	}
	if len(names) == 0 {
		t.Fatal("no inputs in testdata/json")
	}
	return names
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decode decodes data and fails the test on a syntax error.
func decode(t testing.TB, data []byte) (User, Issues) {
	t.Helper()
	var u User
	is, err := DecodeJSON(data, &u)
	if err != nil {
		t.Fatalf("DecodeJSON: %v", err)
	}
	return u, is
}

// TestDecodeJSON_Golden decodes each testdata/json/NAME.json, encodes it
// again and compares with NAME.golden.json; the output must be a fixed point.
func TestDecodeJSON_Golden(t *testing.T) {
	for _, name := range jsonInputs(t) {
		t.Run(name, func(t *testing.T) {
			u, _ := decode(t, readFile(t, "testdata/json/"+name+".json"))
			got := append(AppendJSON(nil, &u), '\n')
			path := "testdata/json/" + name + ".golden.json"
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want := readFile(t, path)
			if d := cmp.Diff(string(want), string(got)); d != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", name, d)
			}
			if !json.Valid(got) {
				t.Fatalf("output is not valid JSON for encoding/json")
			}
			u2, is := decode(t, got)
			if len(is) > 0 {
				t.Errorf("re-decoding the output gave issues: %v", is)
			}
			if d := cmp.Diff(u, u2); d != "" {
				t.Errorf("decode(encode(u)) != u (-first +second):\n%s", d)
			}
			if again := append(AppendJSON(nil, &u2), '\n'); !bytes.Equal(again, got) {
				t.Errorf("encoding is not a fixed point:\n%s\n%s", got, again)
			}
		})
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func TestDecodeJSON_AcceptsQuirks(t *testing.T) {
	ms := time.UnixMilli(1600000000123).UTC()
	tests := []struct {
		name string
		in   string
		want User
	}{
		{"email_verified as string true", `{"email_verified":"true"}`, User{EmailVerified: True}},
		{"email_verified as string false", `{"email_verified":"false"}`, User{EmailVerified: False}},
		{"phone_verified as string", `{"phone_verified":"true"}`, User{PhoneVerified: True}},
		{"blocked as string", `{"blocked":"false"}`, User{Blocked: False}},
		{"escaped string boolean", `{"blocked":"\u0074rue"}`, User{Blocked: True}},
		{"isSocial as string", `{"identities":[{"isSocial":"true"}]}`, User{Identities: []Identity{{IsSocial: True}}}},
		{"identity user_id as number", `{"identities":[{"user_id":103547991597142817347}]}`,
			User{Identities: []Identity{{UserID: "103547991597142817347"}}}},
		{"identity user_id negative number", `{"identities":[{"user_id":-12}]}`, User{Identities: []Identity{{UserID: "-12"}}}},
		{"epoch ms as number", `{"created_at":1600000000123}`, User{CreatedAt: ms}},
		{"epoch ms as string", `{"last_login":"1600000000123"}`, User{LastLogin: ms}},
		{"RFC 3339 with offset", `{"updated_at":"2020-01-02T03:04:05.5+05:30"}`,
			User{UpdatedAt: mustTime(t, "2020-01-02T03:04:05.5+05:30")}},
		{"ISO 8601 without zone is UTC", `{"updated_at":"2020-01-02T03:04:05"}`,
			User{UpdatedAt: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)}},
		{"space separator and short offset", `{"updated_at":"2020-01-02 03:04:05.123456-07"}`,
			User{UpdatedAt: mustTime(t, "2020-01-02T03:04:05.123456-07:00")}},
		{"basic offset", `{"updated_at":"2020-01-02T03:04:05+0100"}`,
			User{UpdatedAt: mustTime(t, "2020-01-02T03:04:05+01:00")}},
		{"date only", `{"last_password_reset":"2021-05-06"}`,
			User{LastPasswordReset: time.Date(2021, 5, 6, 0, 0, 0, 0, time.UTC)}},
		{"logins_count", `{"logins_count":42}`, User{LoginsCount: IntOf(42)}},
		{"logins_count zero is set", `{"logins_count":0}`, User{LoginsCount: IntOf(0)}},
		{"null is absent", `{"email":null,"blocked":null,"created_at":null,"logins_count":null,"app_metadata":null,"identities":null,"mfa_factors":null,"x":null}`, User{}},
		{"explicit false kept", `{"email_verified":false}`, User{EmailVerified: False}},
		{"password kept", `{"password":"pw"}`, User{Password: "pw"}},
		{"escaped key", `{"\u0065mail":"a@b.c"}`, User{Email: "a@b.c"}},
		{"duplicate key, last wins", `{"email":"a","email":"b"}`, User{Email: "b"}},
		{"duplicate key, null last", `{"email":"a","email":null}`, User{}},
		{"duplicate unknown key keeps first position", `{"a":1,"b":2,"a":3}`,
			User{Extra: []Attr{{"a", json.RawMessage("3")}, {"b", json.RawMessage("2")}}}},
		{"unknown key removed by null", `{"a":1,"b":2,"a":null}`, User{Extra: []Attr{{"b", json.RawMessage("2")}}}},
		{"empty arrays are present", `{"identities":[],"mfa_factors":[]}`,
			User{Identities: []Identity{}, MFAFactors: []MFAFactor{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, is := decode(t, []byte(tt.in))
			if len(is) > 0 {
				t.Errorf("issues: %v", is)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestDecodeJSON_ReportsWrongTypesAsIssues(t *testing.T) {
	tests := []struct {
		in   string
		want []Issue // Message is not compared
	}{
		{`{"email":5}`, []Issue{{Code: CodeInvalidType, Path: "email"}}},
		{`{"email":{"a":[1]}}`, []Issue{{Code: CodeInvalidType, Path: "email"}}},
		{`{"app_metadata":[]}`, []Issue{{Code: CodeInvalidType, Path: "app_metadata"}}},
		{`{"user_metadata":"{}"}`, []Issue{{Code: CodeInvalidType, Path: "user_metadata"}}},
		{`{"custom_password_hash":"md5"}`, []Issue{{Code: CodeInvalidType, Path: "custom_password_hash"}}},
		{`{"blocked":"yes"}`, []Issue{{Code: CodeInvalidType, Path: "blocked"}}},
		{`{"email_verified":1}`, []Issue{{Code: CodeInvalidType, Path: "email_verified"}}},
		{`{"created_at":"yesterday"}`, []Issue{{Code: CodeFormat, Path: "created_at"}}},
		{`{"created_at":"2020-02-30T00:00:00Z"}`, []Issue{{Code: CodeFormat, Path: "created_at"}}},
		{`{"created_at":"2020-01-01T24:00:00Z"}`, []Issue{{Code: CodeFormat, Path: "created_at"}}},
		{`{"created_at":1.5}`, []Issue{{Code: CodeFormat, Path: "created_at"}}},
		{`{"created_at":99999999999999999}`, []Issue{{Code: CodeFormat, Path: "created_at"}}},
		{`{"created_at":1600000000}`, []Issue{{Code: CodeFormat, Path: "created_at"}}}, // seconds, not ms
		{`{"created_at":"-1600000000000"}`, []Issue{{Code: CodeFormat, Path: "created_at"}}},
		{`{"created_at":253402300800000}`, []Issue{{Code: CodeFormat, Path: "created_at"}}}, // year 10000
		{`{"updated_at":true}`, []Issue{{Code: CodeInvalidType, Path: "updated_at"}}},
		{`{"logins_count":"12"}`, []Issue{{Code: CodeInvalidType, Path: "logins_count"}}},
		{`{"logins_count":1.5}`, []Issue{{Code: CodeInvalidType, Path: "logins_count"}}},
		{`{"logins_count":99999999999999999999}`, []Issue{{Code: CodeInvalidType, Path: "logins_count"}}},
		{`{"identities":{}}`, []Issue{{Code: CodeInvalidType, Path: "identities"}}},
		{`{"identities":[null,"x",{"user_id":1.5}]}`, []Issue{
			{Code: CodeInvalidType, Path: "identities[0]"},
			{Code: CodeInvalidType, Path: "identities[1]"},
			{Code: CodeInvalidType, Path: "identities[2].user_id"},
		}},
		{`{"identities":[{},{"connection":7,"isSocial":"nope","profileData":[1]}]}`, []Issue{
			{Code: CodeInvalidType, Path: "identities[1].connection"},
			{Code: CodeInvalidType, Path: "identities[1].isSocial"},
			{Code: CodeInvalidType, Path: "identities[1].profileData"},
		}},
		{`{"mfa_factors":{"totp":{"secret":"A"}}}`, []Issue{{Code: CodeInvalidType, Path: "mfa_factors"}}},
		{`{"mfa_factors":[{"sms":1}],"x":[]}`, nil}, // odd factors are kept raw for validation
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var u User
			is, err := DecodeJSON([]byte(tt.in), &u)
			if err != nil {
				t.Fatal(err)
			}
			var got []Issue
			for _, x := range is {
				if x.Message == "" {
					t.Errorf("issue %s has no message", x.Path)
				}
				got = append(got, Issue{Code: x.Code, Path: x.Path})
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("issues (-want +got):\n%s", d)
			}
		})
	}
}

func TestDecodeJSON_LeavesWrongTypedFieldUnsetAndKeepsTheRest(t *testing.T) {
	u, is := decode(t, readFile(t, "testdata/json/wrong_types.json"))
	if len(is) == 0 {
		t.Fatal("no issues")
	}
	if u.Email != "" || u.EmailVerified.IsSet() || !u.CreatedAt.IsZero() || u.AppMetadata != nil || u.LoginsCount.Valid {
		t.Errorf("a wrong-typed field was set: %+v", u)
	}
	if u.Name != "ok" {
		t.Errorf("name = %q, want the well-typed value kept", u.Name)
	}
	if len(u.Identities) != 3 {
		t.Errorf("identities: got %d, want 3 (positions kept for paths)", len(u.Identities))
	}
}

func TestDecodeJSON_IssuesNeverQuoteValues(t *testing.T) {
	const secret = "s3cr3t-Value"
	in := `{"email":["` + secret + `"],"blocked":"` + secret + `","created_at":"` + secret +
		`","identities":[{"user_id":{"x":"` + secret + `"}}],"app_metadata":"` + secret + `"}`
	var u User
	is, err := DecodeJSON([]byte(in), &u)
	if err != nil {
		t.Fatal(err)
	}
	if len(is) != 5 {
		t.Fatalf("got %d issues, want 5: %v", len(is), is)
	}
	if strings.Contains(is.Error(), secret) {
		t.Errorf("issues quote the value: %s", is.Error())
	}
	// Nor do syntax errors.
	_, err = DecodeJSON([]byte(`{"password":"`+secret+"\x01"+`"}`), &u)
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("syntax error %v: want an error that does not quote the value", err)
	}
}

func TestDecodeJSON_RejectsMalformedInput(t *testing.T) {
	tests := []string{
		``, ` `, `[]`, `"x"`, `null`, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":1 "b":2}`, `{a:1}`,
		`{"a":1}{}`, `{"a":1} x`, `{"email":"a` + "\x00" + `"}`, `{"email":"\x"}`, `{"email":"\u12"}`,
		"{\"email\":\"\xff\"}", "{\"email\":\"\xed\xa0\x80\"}", `{"n":01}`, `{"n":1.}`, `{"n":-}`, `{"n":1e}`,
		`{"n":+1}`, `{"n":.5}`, `{"b":tru}`, `{"b":nul}`, "\ufeff{}", `{"a":[1,2}`, `{"a":{"b":1]}`,
		`{"identities":[{"connection":"a",}]}`, `{"identities":[{"connection"]}`, `{"mfa_factors":[1,]}`,
		`{"email":"unterminated}`, `{"app_metadata":{"a":"\ud800\u"}}`,
	}
	for _, in := range tests {
		t.Run(strconv.Quote(in), func(t *testing.T) {
			var u User
			_, err := DecodeJSON([]byte(in), &u)
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("got %v, want an error wrapping ErrSyntax", err)
			}
			var se *SyntaxError
			if !errors.As(err, &se) || se.Offset < 0 || se.Offset > int64(len(in)) {
				t.Errorf("want a *SyntaxError with an offset inside the input, got %#v", err)
			}
		})
	}
}

func TestDecodeJSON_DepthLimit(t *testing.T) {
	nest := func(n int) []byte {
		return []byte(`{"user_metadata":` + strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) + "}")
	}
	// The root object is level 1: 9999 more levels are allowed, as in encoding/json.
	if _, err := DecodeJSON(nest(maxDepth-1), new(User)); err != nil {
		t.Errorf("depth %d: %v", maxDepth, err)
	}
	if _, err := DecodeJSON(nest(maxDepth), new(User)); !errors.Is(err, ErrSyntax) {
		t.Errorf("depth %d: got %v, want ErrSyntax", maxDepth+1, err)
	}
	for _, n := range []int{maxDepth - 1, maxDepth} {
		if json.Valid(nest(n)) != (n < maxDepth) {
			t.Errorf("encoding/json disagrees on the limit at %d", n)
		}
	}
	// Far deeper input is an error, not a stack overflow.
	deep := []byte(`{"x":` + strings.Repeat("[", 1_000_000) + strings.Repeat("]", 1_000_000) + "}")
	if _, err := DecodeJSON(deep, new(User)); !errors.Is(err, ErrSyntax) {
		t.Errorf("1e6 levels: got %v, want ErrSyntax", err)
	}
}

func TestDecodeJSON_KeepsMetadataTextExactly(t *testing.T) {
	in := `{"app_metadata": { "z" : 1, "a": 12345678901234567890.123 , "e": 1E+400, "neg":-0.0,
	"s": "two  spaces\t\u00e9\n", "nested": {"y": [ 1 , 2 ], "b": null} },
	"user_metadata":{"b":{"k":"v"},"a":[]},
	"identities":[{"profileData": {"z":1, "a":2}}],
	"custom_password_hash": {"algorithm": "md5", "hash": {"value": "x", "encoding": "hex"}}}`
	u, _ := decode(t, []byte(in))
	want := `{"z":1,"a":12345678901234567890.123,"e":1E+400,"neg":-0.0,"s":"two  spaces\t\u00e9\n","nested":{"y":[1,2],"b":null}}`
	if string(u.AppMetadata) != want {
		t.Errorf("app_metadata:\n got %s\nwant %s", u.AppMetadata, want)
	}
	if got := string(u.UserMetadata); got != `{"b":{"k":"v"},"a":[]}` {
		t.Errorf("user_metadata: %s", got)
	}
	if got := string(u.Identities[0].ProfileData); got != `{"z":1,"a":2}` {
		t.Errorf("profileData: %s", got)
	}
	if got := string(u.CustomPasswordHash); got != `{"algorithm":"md5","hash":{"value":"x","encoding":"hex"}}` {
		t.Errorf("custom_password_hash: %s", got)
	}
	out := AppendJSON(nil, &u)
	if !bytes.Contains(out, []byte(`12345678901234567890.123`)) {
		t.Errorf("number precision lost: %s", out)
	}
}

func TestDecodeJSON_RawValuesDoNotAliasInput(t *testing.T) {
	in := []byte(`{"email":"a@b.c","app_metadata":{"a":1},"user_metadata":{"b":2},"x":[1],"mfa_factors":[{"odd":1}],"identities":[{"profileData":{"c":3},"y":true}]}`)
	u, _ := decode(t, in)
	snapshot := AppendJSON(nil, &u)
	for i := range in {
		in[i] = 'X'
	}
	if got := AppendJSON(nil, &u); !bytes.Equal(got, snapshot) {
		t.Errorf("user changed when the input buffer was overwritten:\n%s\n%s", snapshot, got)
	}
	// Appending to one raw value never overwrites another.
	_ = append(u.AppMetadata, "garbage"...)
	if got := AppendJSON(nil, &u); !bytes.Equal(got, snapshot) {
		t.Errorf("appending to a raw value changed the user:\n%s\n%s", snapshot, got)
	}
}

func TestDecodeJSON_KeepsUnknownAttributesInOrder(t *testing.T) {
	u, _ := decode(t, readFile(t, "testdata/json/unknown_keys.json"))
	var keys []string
	for _, a := range u.Extra {
		keys = append(keys, a.Key+"="+string(a.Value))
	}
	want := []string{`zeta=2`, `alpha={"b":[1,2,{"c":"d"}]}`, `multifactor=["guardian"]`, `last="end"`}
	if d := cmp.Diff(want, keys); d != "" {
		t.Errorf("Extra (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]Attr{{"tenant", json.RawMessage(`"t1"`)}, {"flags", json.RawMessage(`{"a":true}`)}}, u.Identities[0].Extra); d != "" {
		t.Errorf("identity Extra (-want +got):\n%s", d)
	}
}

func TestDecodeJSON_ManyUnknownKeysStayLinear(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	const n = 20000
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"k` + strconv.Itoa(i%(n/2)) + `":` + strconv.Itoa(i))
	}
	b.WriteString("}")
	u, _ := decode(t, []byte(b.String()))
	if len(u.Extra) != n/2 {
		t.Fatalf("got %d attributes, want %d", len(u.Extra), n/2)
	}
	// Each key keeps its first position and its last value; the values
	// span many arena chunks.
	for j, a := range u.Extra {
		if a.Key != "k"+strconv.Itoa(j) || string(a.Value) != strconv.Itoa(j+n/2) {
			t.Fatalf("attribute %d = %s=%s, want k%d=%d", j, a.Key, a.Value, j, j+n/2)
		}
	}
}

func TestDecodeJSON_MFAFactorShapes(t *testing.T) {
	u, _ := decode(t, readFile(t, "testdata/json/mfa_shapes.json"))
	want := []MFAFactor{
		{TOTPSecret: "JBTWY3DPEHPK3PNP"},
		{Phone: "+12125550001"},
		{Email: "mfa@example.com"},
		{Raw: json.RawMessage(`{"totp":{"secret":"A"},"phone":{"value":"+1"}}`)},
		{Raw: json.RawMessage(`{"sms":{"value":"+1"}}`)},
		{Raw: json.RawMessage(`{"totp":{"secret":""}}`)},
		{Raw: json.RawMessage(`{"totp":{"secret":5}}`)},
		{Raw: json.RawMessage(`{"totp":{"secret":"A","x":1}}`)},
		{Email: "spaced@example.com"},
		{Raw: json.RawMessage(`"JBTWY3DPEHPK3PNP"`)},
		{Raw: json.RawMessage(`null`)},
		{Raw: json.RawMessage(`[]`)},
	}
	if d := cmp.Diff(want, u.MFAFactors); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestUnmarshalJSON_WrapsErrInvalidOnIssues(t *testing.T) {
	var u User
	err := json.Unmarshal([]byte(`{"email":"a@b.c","blocked":"maybe"}`), &u)
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("got %v, want ErrInvalid", err)
	}
	if !strings.Contains(err.Error(), "blocked") || u.Email != "a@b.c" {
		t.Errorf("error %q should name the path and the user be filled: %+v", err, u)
	}
	if err := json.Unmarshal([]byte(`{"email":"a@b.c"}`), &u); err != nil || u.Email != "a@b.c" {
		t.Errorf("clean input: %v, %+v", err, u)
	}
	if err := u.UnmarshalJSON([]byte(`{"email":`)); !errors.Is(err, ErrSyntax) {
		t.Errorf("malformed input: got %v, want ErrSyntax", err)
	}
}

func TestMarshalJSON_MatchesAppendJSON(t *testing.T) {
	u, _ := decode(t, readFile(t, "testdata/json/realistic.json"))
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // else encoding/json rewrites & as \u0026
	if err := enc.Encode(&u); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.Bytes(), append(AppendJSON(nil, &u), '\n'); !bytes.Equal(got, want) {
		t.Errorf("encoding/json:\n%s\nAppendJSON:\n%s", got, want)
	}
}

func TestAppendJSON_OmitsAbsentAndOrdersFields(t *testing.T) {
	tests := []struct {
		name string
		u    User
		want string
	}{
		{"zero", User{}, `{}`},
		{"explicit false", User{EmailVerified: False, Blocked: False}, `{"email_verified":false,"blocked":false}`},
		{"invalid Bool omitted", User{Blocked: Bool(7)}, `{}`},
		{"zero count kept", User{LoginsCount: IntOf(0)}, `{"logins_count":0}`},
		{"invalid count omitted", User{LoginsCount: Int{V: 5}}, `{}`},
		{"empty raw omitted", User{AppMetadata: json.RawMessage{}}, `{}`},
		{"empty slices kept", User{Identities: []Identity{}, MFAFactors: []MFAFactor{}}, `{"identities":[],"mfa_factors":[]}`},
		{"password after custom hash", User{Password: "p", CustomPasswordHash: json.RawMessage(`{"algorithm":"md5"}`), PasswordHash: "h", Email: "e"},
			`{"email":"e","password_hash":"h","custom_password_hash":{"algorithm":"md5"},"password":"p"}`},
		{"extra last", User{Extra: []Attr{{"z", json.RawMessage(`1`)}, {"a\"", json.RawMessage(`"x"`)}, {"empty", nil}}, UserID: "u"},
			`{"user_id":"u","z":1,"a\"":"x"}`},
		{"times in their offset", User{
			CreatedAt: time.Date(2020, 1, 2, 3, 4, 5, 0, time.FixedZone("", 5*3600+1800)),
			UpdatedAt: time.Date(2020, 1, 2, 3, 4, 5, 120000000, time.UTC),
			LastLogin: time.Date(2020, 1, 2, 3, 4, 5, 1, time.UTC),
		}, `{"created_at":"2020-01-02T03:04:05+05:30","updated_at":"2020-01-02T03:04:05.12Z","last_login":"2020-01-02T03:04:05.000000001Z"}`},
		{"zone with seconds written in UTC", User{CreatedAt: time.Date(1880, 1, 1, 0, 53, 28, 0, time.FixedZone("LMT", 3208))},
			`{"created_at":"1880-01-01T00:00:00Z"}`},
		{"identity order and extra", User{Identities: []Identity{{Extra: []Attr{{"x", json.RawMessage(`1`)}}, ProfileData: json.RawMessage(`{}`), IsSocial: True, UserID: "1", Provider: "p", Connection: "c"}, {}}},
			`{"identities":[{"connection":"c","provider":"p","user_id":"1","isSocial":true,"profileData":{},"x":1},{}]}`},
		{"factors", User{MFAFactors: []MFAFactor{{TOTPSecret: "A"}, {Phone: "+1"}, {Email: "e"}, {Raw: json.RawMessage(`{"x":1}`)}, {}}},
			`{"mfa_factors":[{"totp":{"secret":"A"}},{"phone":{"value":"+1"}},{"email":{"value":"e"}},{"x":1},{}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(AppendJSON([]byte("prefix:"), &tt.u))
			if want := "prefix:" + tt.want; got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

func TestMarshalJSON_WorksOnValues(t *testing.T) {
	type wrapper struct{ U User }
	got, err := json.Marshal(wrapper{User{Email: "a@b.c", Blocked: False}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"U":{"email":"a@b.c","blocked":false}}`; string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestAppendJSON_FieldOrderIsRootFields(t *testing.T) {
	u, _ := decode(t, readFile(t, "testdata/json/realistic.json"))
	u.PhoneNumber, u.PhoneVerified, u.CustomPasswordHash = "+1", True, json.RawMessage(`{}`)
	var keys []string
	if err := ObjectEach(AppendJSON(nil, &u), func(k string, _ []byte) error {
		keys = append(keys, k)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(RootFields, keys); d != "" {
		t.Errorf("(-RootFields +written):\n%s", d)
	}
}

func TestAppendJSON_AllocatesNothingWithRoom(t *testing.T) {
	u, _ := decode(t, readFile(t, "testdata/json/realistic.json"))
	buf := make([]byte, 0, 4096)
	if n := testing.AllocsPerRun(100, func() { buf = AppendJSON(buf[:0], &u) }); n > 0 {
		t.Errorf("AppendJSON allocated %v times per run", n)
	}
}

// genUser makes a random user whose every field survives a JSON round trip.
func genUser(r *rand.Rand) User {
	var u User
	str := func(p *string) {
		if r.IntN(3) > 0 {
			*p = genString(r)
		}
	}
	bl := func(p *Bool) { *p = Bool(r.IntN(3)) }
	tm := func(p *time.Time) {
		if r.IntN(3) > 0 {
			*p = genTime(r)
		}
	}
	obj := func(p *json.RawMessage) {
		if r.IntN(3) > 0 {
			*p = genObject(r, 3)
		}
	}
	str(&u.UserID)
	str(&u.Email)
	bl(&u.EmailVerified)
	str(&u.PhoneNumber)
	bl(&u.PhoneVerified)
	str(&u.Username)
	str(&u.GivenName)
	str(&u.FamilyName)
	str(&u.Name)
	str(&u.Nickname)
	str(&u.Picture)
	bl(&u.Blocked)
	tm(&u.CreatedAt)
	tm(&u.UpdatedAt)
	tm(&u.LastLogin)
	tm(&u.LastPasswordReset)
	str(&u.LastIP)
	if r.IntN(2) == 0 {
		u.LoginsCount = IntOf(r.Int64() - r.Int64())
	}
	if r.IntN(3) > 0 {
		u.Identities = []Identity{}
		for range r.IntN(4) {
			var id Identity
			str(&id.Connection)
			str(&id.Provider)
			str(&id.UserID)
			bl(&id.IsSocial)
			str(&id.AccessToken)
			str(&id.AccessTokenSecret)
			str(&id.RefreshToken)
			obj(&id.ProfileData)
			id.Extra = genAttrs(r, func(k string) bool { return (&Identity{}).ref(k).kind != kindNone })
			u.Identities = append(u.Identities, id)
		}
	}
	obj(&u.AppMetadata)
	obj(&u.UserMetadata)
	str(&u.PasswordHash)
	obj(&u.CustomPasswordHash)
	str(&u.Password)
	if r.IntN(3) > 0 {
		u.MFAFactors = []MFAFactor{}
		for range r.IntN(4) {
			var f MFAFactor
			switch r.IntN(4) {
			case 0:
				f.TOTPSecret = genString(r)
			case 1:
				f.Phone = genString(r)
			case 2:
				f.Email = genString(r)
			default:
				f.Raw = json.RawMessage(`{"kind":` + string(genValue(r, 2)) + `}`)
			}
			u.MFAFactors = append(u.MFAFactors, f)
		}
	}
	u.Extra = genAttrs(r, func(k string) bool { return (&User{}).ref(k).kind != kindNone })
	return u
}

func genAttrs(r *rand.Rand, known func(string) bool) []Attr {
	var attrs []Attr
	seen := map[string]bool{}
	for range r.IntN(4) {
		k := genString(r)
		if known(k) || seen[k] {
			continue
		}
		seen[k] = true
		v := genValue(r, 3)
		if string(v) == "null" {
			v = json.RawMessage(`"null"`)
		}
		attrs = append(attrs, Attr{Key: k, Value: v})
	}
	return attrs
}

var genRunes = []rune{'a', 'Z', '0', ' ', '"', '\\', '/', '<', '>', '&', '\n', '\t', 0, 0x1f, 0x7f, 'é', 'ß', '€',
	0x2028, 0x2029, 0xfffd, 0x1f600, 0x10ffff, '字'}

// genString returns a non-empty valid UTF-8 string with the characters
// JSON escaping must get right.
func genString(r *rand.Rand) string {
	n := 1 + r.IntN(12)
	b := make([]rune, n)
	for i := range b {
		if r.IntN(2) == 0 {
			b[i] = rune('a' + r.IntN(26))
		} else {
			b[i] = genRunes[r.IntN(len(genRunes))]
		}
	}
	return string(b)
}

// genTime returns a time between years 1 and 9999 in a random offset.
func genTime(r *rand.Rand) time.Time {
	lo := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC).Unix()
	t := time.Unix(lo+r.Int64N(hi-lo), 0)
	switch r.IntN(3) {
	case 1:
		t = t.Add(time.Duration(r.IntN(1e9)))
	case 2:
		t = t.Add(time.Duration(r.IntN(1000)) * time.Millisecond)
	}
	if r.IntN(2) == 0 {
		return t.UTC()
	}
	return t.In(time.FixedZone("", (r.IntN(105)-48)*15*60))
}

func genObject(r *rand.Rand, depth int) json.RawMessage {
	b := []byte{'{'}
	for i := range r.IntN(4) {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(AppendString(b, genString(r)), ':')
		b = append(b, genValue(r, depth-1)...)
	}
	return append(b, '}')
}

var genNumbers = []string{"0", "-0", "1", "-1.5", "12345678901234567890.123", "1e400", "-2.5E-3", "1E+2", "0.000001"}

func genValue(r *rand.Rand, depth int) json.RawMessage {
	n := 6
	if depth > 0 {
		n = 8
	}
	switch r.IntN(n) {
	case 0:
		return json.RawMessage("null")
	case 1:
		return json.RawMessage("true")
	case 2:
		return json.RawMessage("false")
	case 3:
		return json.RawMessage(genNumbers[r.IntN(len(genNumbers))])
	case 4, 5:
		return AppendString(nil, genString(r))
	case 6:
		return genObject(r, depth)
	}
	b := []byte{'['}
	for i := range r.IntN(4) {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, genValue(r, depth-1)...)
	}
	return append(b, ']')
}

func TestDecodeJSON_RoundTripsGeneratedUsers(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		u := genUser(r)
		out := AppendJSON(nil, &u)
		if !json.Valid(out) {
			t.Fatalf("user %d: invalid JSON: %s", i, out)
		}
		var got User
		is, err := DecodeJSON(out, &got)
		if err != nil || len(is) > 0 {
			t.Fatalf("user %d: DecodeJSON(%s): %v %v", i, out, is, err)
		}
		if d := cmp.Diff(u, got); d != "" {
			t.Fatalf("user %d: DecodeJSON(AppendJSON(u)) != u (-u +got):\n%s\n%s", i, d, out)
		}
		// encoding/json reads the same strings back.
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(out))
		dec.UseNumber() // 1e400 does not fit a float64
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("user %d: encoding/json: %v", i, err)
		}
		if u.Name != "" && m["name"] != u.Name {
			t.Fatalf("user %d: encoding/json read name %q, want %q", i, m["name"], u.Name)
		}
	}
}

// jsonSeeds are inputs for the differential and fuzz tests.
func jsonSeeds(t testing.TB) [][]byte {
	seeds := [][]byte{
		[]byte(`{}`), []byte(` { } `), []byte(`[]`), []byte(`{"a":[1,2,{"b":null}],"c":"\u00e9\ud83d\ude00"}`),
		[]byte(`{"email":"a@b.c","email_verified":"true","identities":[{"user_id":123,"isSocial":"false"}]}`),
		[]byte(`{"n":[0,-0,1.5e10,-2E-3,12345678901234567890]}`), []byte(`{"s":"\"\\\/\b\f\n\r\t\u0000"}`),
		[]byte(`{"created_at":"2020-01-02T03:04:05.999Z","updated_at":1600000000000,"last_login":"1600000000000"}`),
		[]byte(`{"mfa_factors":[{"totp":{"secret":"A"}},{"x":1},null]}`),
		[]byte("{\"a\":\"\xe2\x80\xa8\"}"), []byte(`"\ud800"`), []byte(`{"a":"\udc00\ud800\udc00"}`),
	}
	for _, name := range jsonInputs(t) {
		seeds = append(seeds, readFile(t, "testdata/json/"+name+".json"))
	}
	return seeds
}

// fuzzCorpus reads the inputs kept in testdata/fuzz/NAME (files in the
// "go test fuzz v1" format with one []byte value).
func fuzzCorpus(t testing.TB, name string) [][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "fuzz", name, "*"))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, f := range files {
		lines := strings.Split(strings.TrimSpace(string(readFile(t, f))), "\n")
		if len(lines) != 2 || lines[0] != "go test fuzz v1" ||
			!strings.HasPrefix(lines[1], "[]byte(") || !strings.HasSuffix(lines[1], ")") {
			t.Fatalf("%s: not a one-value fuzz corpus file", f)
		}
		v, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, []byte(v))
	}
	return out
}

var mutations = []string{"{", "}", "[", "]", ",", ":", `"`, `\`, `\u`, `\ud800`, " ", "\n", "0", "-", ".", "e",
	"null", "true", "\x00", "\x1f", "\x7f", "\xff", "\xc3", "\xe2\x80", "\xed\xa0\x80", "é", "\U0001F600"}

// mutate returns a copy of b with a few random edits.
func mutate(r *rand.Rand, b []byte) []byte {
	b = slices.Clone(b)
	for range 1 + r.IntN(3) {
		i := 0
		if len(b) > 0 {
			i = r.IntN(len(b) + 1)
		}
		switch r.IntN(4) {
		case 0: // insert
			b = slices.Insert(b, i, []byte(mutations[r.IntN(len(mutations))])...)
		case 1: // delete
			if i < len(b) {
				b = slices.Delete(b, i, min(len(b), i+1+r.IntN(3)))
			}
		case 2: // replace a byte
			if i < len(b) {
				b[i] = mutations[r.IntN(len(mutations))][0]
			}
		default: // truncate
			b = b[:i]
		}
	}
	return b
}

// wantValid is the reference for validity: encoding/json, plus UTF-8
// (encoding/json accepts invalid UTF-8 in strings; RFC 8259 §8.1 does not).
func wantValid(b []byte) bool { return json.Valid(b) && utf8.Valid(b) }

func isObjectText(b []byte) bool {
	t := bytes.TrimLeft(b, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}

func TestDecodeJSON_AgreesWithEncodingJSONOnValidity(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	seeds := append(jsonSeeds(t), fuzzCorpus(t, "FuzzDecodeJSON")...)
	seeds = append(seeds, fuzzCorpus(t, "FuzzJSONText")...)
	if len(seeds) < 40 {
		t.Fatalf("only %d seeds: the fuzz corpus is missing", len(seeds))
	}
	var valid, invalid int
	for i := range 30000 + len(seeds) {
		in := seeds[i%len(seeds)]
		if i >= len(seeds) {
			in = mutate(r, in) // the seeds themselves first, then mutations
		}
		want := wantValid(in)
		if got := Valid(in); got != want {
			t.Fatalf("Valid(%q) = %v, encoding/json says %v", in, got, want)
		}
		var u User
		_, err := DecodeJSON(in, &u)
		if (err == nil) != (want && isObjectText(in)) {
			t.Fatalf("DecodeJSON(%q): err %v, encoding/json valid=%v", in, err, want)
		}
		if want {
			valid++
		} else {
			invalid++
		}
	}
	if valid < 1000 || invalid < 1000 {
		t.Errorf("mutations too one-sided: %d valid, %d invalid", valid, invalid)
	}
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range jsonSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var u User
		is, err := DecodeJSON(in, &u)
		want := wantValid(in) && isObjectText(in)
		if (err == nil) != want {
			t.Fatalf("err %v, want valid=%v", err, want)
		}
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("error %v does not wrap ErrSyntax", err)
			}
			return
		}
		for _, x := range is {
			if x.Path == "" || x.Code == "" {
				t.Fatalf("incomplete issue %+v", x)
			}
		}
		out := AppendJSON(nil, &u)
		if !json.Valid(out) || !utf8.Valid(out) {
			t.Fatalf("AppendJSON wrote invalid JSON: %q", out)
		}
		var u2 User
		is2, err := DecodeJSON(out, &u2)
		if err != nil || len(is2) > 0 {
			t.Fatalf("re-decoding %q: %v %v", out, is2, err)
		}
		if d := cmp.Diff(u, u2); d != "" {
			t.Fatalf("not a round trip (-first +second):\n%s", d)
		}
		if out2 := AppendJSON(nil, &u2); !bytes.Equal(out, out2) {
			t.Fatalf("not a fixed point:\n%s\n%s", out, out2)
		}
	})
}

// benchUser is the realistic user of the benchmarks, compacted.
func benchUser(b *testing.B) []byte {
	data := readFile(b, "testdata/json/realistic.json")
	c, err := Compact(nil, data)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func BenchmarkDecodeJSON(b *testing.B) {
	data := benchUser(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var u User
		if _, err := DecodeJSON(data, &u); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendJSON(b *testing.B) {
	u, _ := decode(b, benchUser(b))
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendJSON(buf[:0], &u)
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkEncodingJSON is the reference: encoding/json on the same user
// with a plain struct (metadata as json.RawMessage).
func BenchmarkEncodingJSON(b *testing.B) {
	type identity struct {
		Connection  string          `json:"connection"`
		Provider    string          `json:"provider"`
		UserID      string          `json:"user_id"`
		IsSocial    bool            `json:"isSocial"`
		ProfileData json.RawMessage `json:"profileData,omitempty"`
	}
	type user struct {
		UserID        string          `json:"user_id"`
		Email         string          `json:"email"`
		EmailVerified bool            `json:"email_verified"`
		Username      string          `json:"username"`
		GivenName     string          `json:"given_name"`
		FamilyName    string          `json:"family_name"`
		Name          string          `json:"name"`
		Nickname      string          `json:"nickname"`
		Picture       string          `json:"picture"`
		Blocked       bool            `json:"blocked"`
		CreatedAt     time.Time       `json:"created_at"`
		UpdatedAt     time.Time       `json:"updated_at"`
		LastLogin     time.Time       `json:"last_login"`
		LastReset     time.Time       `json:"last_password_reset"`
		LastIP        string          `json:"last_ip"`
		LoginsCount   int64           `json:"logins_count"`
		Identities    []identity      `json:"identities"`
		AppMetadata   json.RawMessage `json:"app_metadata"`
		UserMetadata  json.RawMessage `json:"user_metadata"`
		PasswordHash  string          `json:"password_hash"`
		MFAFactors    []struct {
			TOTP struct {
				Secret string `json:"secret"`
			} `json:"totp"`
		} `json:"mfa_factors"`
	}
	data := benchUser(b)
	b.Run("Unmarshal", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var u user
			if err := json.Unmarshal(data, &u); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Marshal", func(b *testing.B) {
		var u user
		if err := json.Unmarshal(data, &u); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(&u); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestAppendRFC3339_MatchesAppendFormat(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	times := []time.Time{
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1969, 12, 31, 23, 59, 59, 1, time.UTC),
		time.Date(2000, 2, 29, 12, 0, 0, 100, time.UTC), time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2020, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600)), time.Date(2020, 1, 2, 3, 4, 5, 0, time.FixedZone("", 0)),
		time.UnixMilli(1600000000123).UTC(), time.UnixMilli(1600000000123),
	}
	for range 20000 {
		sec := minRFC3339Unix + r.Int64N(maxRFC3339Unix-minRFC3339Unix+1)
		ns := r.Int64N(1e9)
		switch r.IntN(3) {
		case 0:
			ns = 0
		case 1:
			ns -= ns % 1e6
		}
		times = append(times, time.Unix(sec, ns).UTC())
	}
	for _, tm := range times {
		want := tm.AppendFormat([]byte("x"), time.RFC3339Nano)
		if got := appendRFC3339([]byte("x"), tm); string(got) != string(want) {
			t.Fatalf("appendRFC3339(%v) = %s, want %s", tm, got, want)
		}
	}
}

func TestParseTime_MatchesTimeDate(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		y, mo, d := r.IntN(10000), 1+r.IntN(12), 1+r.IntN(28)
		hh, mm, ss, ns := r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(1e9)
		want := time.Date(y, time.Month(mo), d, hh, mm, ss, ns, time.UTC)
		text := fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d.%09dZ", y, mo, d, hh, mm, ss, ns)
		if got, ok := parseTime(text); !ok || got != want {
			t.Fatalf("parseTime(%s) = %v, %v; want %v", text, got, ok, want)
		}
		want = time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
		if got, ok := parseTime(text[:10]); !ok || got != want {
			t.Fatalf("parseTime(%s) = %v, %v; want %v", text[:10], got, ok, want)
		}
	}
	for days := int64(-800000); days < 3000000; days += 997 {
		y, m, d := civilFromDays(days)
		if back := daysFromCivil(y, m, d); back != days {
			t.Fatalf("civilFromDays(%d) = %d-%d-%d, back %d", days, y, m, d, back)
		}
		if want := time.Unix(days*86400, 0).UTC(); want.Year() != y || int(want.Month()) != m || want.Day() != d {
			t.Fatalf("civilFromDays(%d) = %d-%d-%d, want %v", days, y, m, d, want)
		}
	}
}

func BenchmarkAppendRFC3339(b *testing.B) {
	tm := time.UnixMilli(1600000000123).UTC()
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendRFC3339(buf[:0], tm)
	}
}
