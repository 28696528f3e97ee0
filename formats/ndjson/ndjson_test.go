package ndjson_test

import (
	"errors"
	"flag"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-dev/ferry/fixtures/formattest"
	"github.com/ferry-dev/ferry/formats/ndjson"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

var update = flag.Bool("update", false, "rewrite golden files")

func format(opts ndjson.Options) formattest.Format {
	return formattest.Format{
		NewDecoder: func(r io.Reader, source string) pipeline.Decoder { return ndjson.NewDecoder(r, source, opts) },
		NewEncoder: func() pipeline.Encoder { return ndjson.NewEncoder(opts) },
	}
}

func TestConformance(t *testing.T) { formattest.Run(t, format(ndjson.Options{})) }

func TestEncoder_MatchesGolden(t *testing.T) {
	got := formattest.Encode(t, ndjson.NewEncoder(ndjson.Options{}), formattest.Users())
	want := formattest.Golden(t, filepath.Join("testdata", "users.golden.ndjson"), got, *update)
	formattest.CheckDecodes(t, format(ndjson.Options{}).NewDecoder, "golden", want, formattest.Users())
}

// outcome is formattest.Outcome, local so that tables may leave out
// field names.
type outcome struct {
	Line int64
	What string
}

func TestDecoder_InputShapes(t *testing.T) {
	const parse = string(profile.CodeParse)
	formattest.CheckShapes(t, format(ndjson.Options{MaxRecordBytes: 64}).NewDecoder, []struct {
		Name, In string
		Want     []outcome
		WantErr  error
	}{
		{"empty", "", nil, nil},
		{"blank lines only", "\n \n\t\r\n", nil, nil},
		{"blank lines count as lines", "\n\n{\"email\":\"a@b.c\"}\n\n{}\n", []outcome{{3, "ok"}, {5, "ok"}}, nil},
		{"crlf", "{}\r\n{}\r\n", []outcome{{1, "ok"}, {2, "ok"}}, nil},
		{"bom", "\xef\xbb\xbf{}\n{}", []outcome{{1, "ok"}, {2, "ok"}}, nil},
		{"no trailing newline", "{}\n{}", []outcome{{1, "ok"}, {2, "ok"}}, nil},
		{"surrounding spaces", "  {}  \n", []outcome{{1, "ok"}}, nil},
		{"array line", "[{}]\n{}\n", []outcome{{1, parse}, {2, "ok"}}, nil},
		{"scalar line", "42\n\"x\"\nnull\n", []outcome{{1, parse}, {2, parse}, {3, parse}}, nil},
		{"malformed object", "{\"email\":}\n{}\n", []outcome{{1, parse}, {2, "ok"}}, nil},
		{"two objects on a line", "{} {}\n", []outcome{{1, parse}}, nil},
		{"truncated last line", "{}\n{\"email\":\"a", []outcome{{1, "ok"}, {2, parse}}, nil},
		{"invalid utf-8", "{\"name\":\"\xff\xfe\"}\n{}\n", []outcome{{1, parse}, {2, "ok"}}, nil},
		{"bom inside", "{}\n\xef\xbb\xbf{}\n", []outcome{{1, "ok"}, {2, parse}}, nil},
		{"line too long", "{}\n{\"name\":\"" + strings.Repeat("x", 100) + "\"}\n{}\n", []outcome{{1, "ok"}}, ndjson.ErrRecordTooLarge},
	})
}

func TestDecoder_KeepsTypeIssuesOnTheRecord(t *testing.T) {
	res := formattest.DecodeAll(t.Context(), t, ndjson.NewDecoder(strings.NewReader(`{"email":"a@b.c","email_verified":"maybe"}`+"\n"), "t", ndjson.Options{MaxRecordBytes: 64}), 10)
	if res.Err != nil || len(res.Records) != 1 {
		t.Fatalf("got %d records, error %v; want 1 record", len(res.Records), res.Err)
	}
	recs := res.Records
	if len(recs[0].Issues) != 1 || recs[0].Issues[0].Path != "email_verified" {
		t.Errorf("issues %v, want one at email_verified", recs[0].Issues)
	}
	if recs[0].User.Email != "a@b.c" {
		t.Errorf("email %q, want the rest of the record decoded", recs[0].User.Email)
	}
}

func TestDecoder_RejectMessagesHoldNoValue(t *testing.T) {
	const secret = "hunter2-secret-value"
	res := formattest.DecodeAll(t.Context(), t, ndjson.NewDecoder(strings.NewReader(
		`{"password":"`+secret+`",}`+"\n"+`"`+secret+`"`+"\n"), "t", ndjson.Options{}), 10)
	if len(res.Rejects) != 2 {
		t.Fatalf("%d rejects, want 2", len(res.Rejects))
	}
	for _, rj := range res.Rejects {
		if strings.Contains(rj.Issues.Error(), secret) {
			t.Errorf("reject message %q quotes the input", rj.Issues.Error())
		}
	}
}

func TestDecoder_SkipRefusesOffsetInsideALine(t *testing.T) {
	in := "{}\n{\"email\":\"a@b.c\"}\n{}\n"
	for _, r := range []io.Reader{strings.NewReader(in), io.MultiReader(strings.NewReader(in))} {
		err := ndjson.NewDecoder(r, "t", ndjson.Options{}).Skip(t.Context(), pipeline.Checkpoint{Offset: 6, Index: 1})
		if !errors.Is(err, ndjson.ErrCheckpoint) {
			t.Errorf("%T: skip: %v, want ErrCheckpoint", r, err)
		}
	}
	// Read forward (the input cannot seek), the index is checked too.
	err := ndjson.NewDecoder(io.MultiReader(strings.NewReader(in)), "t", ndjson.Options{}).Skip(t.Context(), pipeline.Checkpoint{Offset: 3, Index: 2})
	if !errors.Is(err, ndjson.ErrCheckpoint) {
		t.Errorf("index disagreeing with offset: %v, want ErrCheckpoint", err)
	}
}

func TestDecoder_RejectMessages(t *testing.T) {
	tests := []struct{ name, line, want string }{
		{"not an object", `["a"]`, "line is not a JSON object"},
		{"invalid utf-8 in a string", "{\"name\":\"\xff\"}", "invalid UTF-8"},
		{"invalid utf-8 outside strings", "{\"name\":1\xff}", "invalid UTF-8"},
		{"invalid utf-8 after a syntax error", "{\"name\":,\"\xff\"}", "invalid UTF-8"},
		{"syntax error", `{"name":}`, "malformed JSON object: json: offset 8: invalid character, expected a value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := formattest.DecodeAll(t.Context(), t, ndjson.NewDecoder(strings.NewReader(tt.line+"\n"), "t", ndjson.Options{}), 10)
			if len(res.Rejects) != 1 || len(res.Rejects[0].Issues) != 1 {
				t.Fatalf("rejects %+v, want one with one issue", res.Rejects)
			}
			if got := res.Rejects[0].Issues[0].Message; got != tt.want {
				t.Errorf("message %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEncoder_FieldsProjectEachUser(t *testing.T) {
	enc := ndjson.NewEncoder(ndjson.Options{Fields: []string{"user_id", "email"}, ExportAs: map[string]string{"user_id": "Id"}})
	users := []profile.User{{UserID: "auth0|1", Email: "a@example.com", Name: "A"}, {Email: "b@example.com"}}
	got := string(formattest.Encode(t, enc, users))
	want := `{"Id":"auth0|1","email":"a@example.com"}` + "\n" + `{"email":"b@example.com"}` + "\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
