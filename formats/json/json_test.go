package json_test

import (
	"errors"
	"flag"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-dev/ferry/fixtures/formattest"
	"github.com/ferry-dev/ferry/formats/json"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

var update = flag.Bool("update", false, "rewrite golden files")

func format(opts json.Options) formattest.Format {
	return formattest.Format{
		NewDecoder: func(r io.Reader, source string) pipeline.Decoder { return json.NewDecoder(r, source, opts) },
		NewEncoder: func() pipeline.Encoder { return json.NewEncoder(opts) },
	}
}

func TestConformance(t *testing.T) { formattest.Run(t, format(json.Options{})) }

func TestConformance_Wrapped(t *testing.T) { formattest.Run(t, format(json.Options{Wrap: true})) }

func TestEncoder_MatchesGolden(t *testing.T) {
	for name, opts := range map[string]json.Options{
		"users.golden.json":         {},
		"users-wrapped.golden.json": {Wrap: true},
	} {
		t.Run(name, func(t *testing.T) {
			got := formattest.Encode(t, json.NewEncoder(opts), formattest.Users())
			want := formattest.Golden(t, filepath.Join("testdata", name), got, *update)
			formattest.CheckDecodes(t, format(json.Options{}).NewDecoder, "golden", want, formattest.Users())
		})
	}
}

// outcome is formattest.Outcome, local so that tables may leave out
// field names.
type outcome struct {
	Line int64
	What string
}

func TestDecoder_InputShapes(t *testing.T) {
	const parse = string(profile.CodeParse)
	ok := formattest.OKAt[outcome]
	formattest.CheckShapes(t, format(json.Options{MaxRecordBytes: 64}).NewDecoder, []struct {
		Name, In string
		Want     []outcome
		WantErr  error
	}{
		{"empty", "", nil, nil},
		{"whitespace", " \n\t ", nil, nil},
		{"empty array", "[]", nil, nil},
		{"empty wrapped array", `{"users":[]}`, nil, nil},
		{"one line", `[{"email":"a@b.c"},{}]`, ok(1, 1), nil},
		{"pretty printed", "[\n  {\n    \"email\": \"a@b.c\"\n  },\n  {}\n]\n", ok(2, 5), nil},
		{"bom", "\xef\xbb\xbf[{}]", ok(1), nil},
		{"firebase wrapper", "{\"users\": [\n{\"localId\":\"x\"},\n{}]}", ok(2, 3), nil},
		{"keycloak wrapper", `{"realm":"r","users":[{}],"x":{"y":[1,{"z":"]"}]}}`, ok(1), nil},
		{"brackets in strings before users", `{"clients":[{"a":"}]\"["}],"users":[{}]}`, ok(1), nil},
		{"brackets and escapes in strings", `[{"name":"a]}\\\"{[\\"},{}]`, ok(1, 1), nil},
		{"non-object elements", "[1,\"x\",null,[{}],\n{}]", []outcome{{1, parse}, {1, parse}, {1, parse}, {1, parse}, {2, "ok"}}, nil},
		{"malformed element", "[{\"email\":},\n{}]", []outcome{{1, parse}, {2, "ok"}}, nil},
		{"invalid utf-8", "[{\"name\":\"\xff\"},{}]", []outcome{{1, parse}, {1, "ok"}}, nil},
		{"no users member", `{"realm":"r"}`, nil, json.ErrSyntax},
		{"empty object", `{}`, nil, json.ErrSyntax},
		{"users not an array", `{"users":{}}`, nil, json.ErrSyntax},
		{"second users array", `{"users":[{}],"users":[{}]}`, ok(1), json.ErrSyntax},
		{"ndjson", "{\"email\":\"a\"}\n{}\n", nil, json.ErrSyntax},
		{"leading garbage", "x[{}]", nil, json.ErrSyntax},
		{"unterminated array", "[{},\n{}", ok(1, 2), json.ErrSyntax},
		{"truncated element", `[{},{"email":"a`, ok(1), json.ErrSyntax},
		{"garbage between elements", `[{} x {}]`, ok(1), json.ErrSyntax},
		{"missing comma", `[{}{}]`, ok(1), json.ErrSyntax},
		{"trailing comma", `[{},]`, ok(1), json.ErrSyntax},
		{"leading comma", `[,{}]`, nil, json.ErrSyntax},
		{"data after the array", `[{}] []`, ok(1), json.ErrSyntax},
		{"bracket closing the wrong kind", `[{},{"a":[}]`, ok(1), json.ErrSyntax},
		{"element too large", `[{},{"name":"` + strings.Repeat("x", 100) + `"},{}]`, ok(1), json.ErrRecordTooLarge},
	})
}

func TestDecoder_SyntaxErrorNamesLineAndByte(t *testing.T) {
	in := "[\n{},\n{} x\n]"
	res := formattest.DecodeAll(t.Context(), t, json.NewDecoder(strings.NewReader(in), "t", json.Options{}), 10)
	se, ok := errors.AsType[*json.SyntaxError](res.Err)
	if !ok {
		t.Fatalf("error %v, want a *json.SyntaxError", res.Err)
	}
	if se.Line != 3 || se.Offset != 9 {
		t.Errorf("error at line %d, byte %d; want line 3, byte 9", se.Line, se.Offset)
	}
	if len(res.Records) != 2 {
		t.Errorf("%d records before the error, want 2", len(res.Records))
	}
}

func TestDecoder_ReadsOtherWrapperKey(t *testing.T) {
	in := `{"users":[{"email":"not@me"}],"accounts":[{"email":"a@b.c"}]}`
	res := formattest.DecodeAll(t.Context(), t, json.NewDecoder(strings.NewReader(in), "t", json.Options{Key: "accounts"}), 10)
	if res.Err != nil || len(res.Records) != 1 || res.Records[0].User.Email != "a@b.c" {
		t.Errorf("got %d records, error %v; want the one under accounts", len(res.Records), res.Err)
	}
}

func TestDecoder_SkipsLargeWrapperMembersWithoutHoldingThem(t *testing.T) {
	big := `{"realm":"r","clients":[` + strings.Repeat(`{"id":"c","redirect":"]}[{\""},`, 50_000) + `{}],"users":[{"email":"a@b.c"}]}`
	res := formattest.DecodeAll(t.Context(), t, json.NewDecoder(strings.NewReader(big), "t", json.Options{MaxRecordBytes: 1024}), 10)
	if res.Err != nil || len(res.Records) != 1 {
		t.Errorf("got %d records, error %v; want 1 record", len(res.Records), res.Err)
	}
}

func TestDecoder_SkipRefusesOffsetInsideAnElement(t *testing.T) {
	in := `[{"email":"a@b.c"},{"email":"d@e.f"}]`
	for _, r := range []io.Reader{strings.NewReader(in), io.MultiReader(strings.NewReader(in))} {
		err := json.NewDecoder(r, "t", json.Options{}).Skip(t.Context(), pipeline.Checkpoint{Offset: 5, Index: 1})
		if !errors.Is(err, json.ErrCheckpoint) {
			t.Errorf("%T: skip: %v, want ErrCheckpoint", r, err)
		}
	}
}

func TestDecoder_SkipRefusesOffsetInsideTheOpening(t *testing.T) {
	in := `{"users":[{"email":"a@b.c"},{"email":"d@e.f"}]}`
	err := json.NewDecoder(strings.NewReader(in), "t", json.Options{}).Skip(t.Context(), pipeline.Checkpoint{Offset: 4, Index: 1})
	if !errors.Is(err, json.ErrCheckpoint) {
		t.Errorf("skip: %v, want ErrCheckpoint", err)
	}
}

func TestEncoder_FieldsProjectEachUser(t *testing.T) {
	enc := json.NewEncoder(json.Options{Fields: []string{"user_id", "email"}, ExportAs: map[string]string{"user_id": "Id"}})
	users := []profile.User{{UserID: "auth0|1", Email: "a@example.com", Name: "A"}, {Email: "b@example.com"}}
	got := string(formattest.Encode(t, enc, users))
	want := "[" + `{"Id":"auth0|1","email":"a@example.com"}` + ",\n" + `{"email":"b@example.com"}` + "\n]\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
