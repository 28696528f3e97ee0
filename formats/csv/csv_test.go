package csv_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferry-dev/ferry/fixtures/formattest"
	"github.com/ferry-dev/ferry/formats/csv"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

var update = flag.Bool("update", false, "rewrite golden files")

// keepFields is what a CSV with the default columns keeps of a user.
func keepFields(includeSecrets bool) func(u profile.User) profile.User {
	return func(u profile.User) profile.User {
		// The extra column keeps unknown attributes.
		if !includeSecrets {
			u.PasswordHash, u.CustomPasswordHash, u.MFAFactors = "", nil, nil
		}
		return u
	}
}

func format(opts csv.Options) formattest.Format {
	return formattest.Format{
		NewDecoder: func(r io.Reader, source string) pipeline.Decoder { return csv.NewDecoder(r, source, opts) },
		NewEncoder: func() pipeline.Encoder { return csv.NewEncoder(opts) },
		Keep:       keepFields(opts.IncludeSecrets),
	}
}

func TestConformance(t *testing.T) { formattest.Run(t, format(csv.Options{IncludeSecrets: true})) }

func TestConformance_SemicolonCRLF(t *testing.T) {
	formattest.Run(t, format(csv.Options{IncludeSecrets: true, Delimiter: ';', CRLF: true}))
}

func TestConformance_DefaultFields(t *testing.T) { formattest.Run(t, format(csv.Options{})) }

func TestEncoder_MatchesGolden(t *testing.T) {
	exportAs := csv.Options{
		Fields:   []string{"user_id", "given_name", "family_name", "name", "username", "email", "email_verified", "identities[0].connection", "user_metadata.note", "created_at"},
		ExportAs: map[string]string{"user_id": "Id", "given_name": "Given Name", "family_name": "Family Name", "email_verified": "Email Verified", "identities[0].connection": "Connection"},
	}
	escaped := exportAs
	escaped.Escape, escaped.CRLF = true, true
	for name, opts := range map[string]csv.Options{
		"users.golden.csv":         {},
		"users-secrets.golden.csv": {IncludeSecrets: true},
		"users-export.golden.csv":  exportAs,
		"users-escaped.golden.csv": escaped,
	} {
		t.Run(name, func(t *testing.T) {
			got := formattest.Encode(t, csv.NewEncoder(opts), formattest.Users())
			formattest.Golden(t, filepath.Join("testdata", name), got, *update)
		})
	}
	t.Run("golden decodes to the users", func(t *testing.T) {
		for name, includeSecrets := range map[string]bool{"users.golden.csv": false, "users-secrets.golden.csv": true} {
			data, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			var want []profile.User
			for _, u := range formattest.Users() {
				want = append(want, keepFields(includeSecrets)(u))
			}
			formattest.CheckDecodes(t, format(csv.Options{}).NewDecoder, name, data, want)
		}
	})
	t.Run("export_as names map back", func(t *testing.T) {
		data := formattest.Encode(t, csv.NewEncoder(exportAs), formattest.Users())
		// Without the options: the alias table knows Auth0's export names.
		for _, opts := range []csv.Options{exportAs, {}} {
			res := formattest.DecodeAll(t.Context(), t, csv.NewDecoder(bytes.NewReader(data), "t", opts), 10)
			if res.Err != nil || len(res.Rejects) > 0 || len(res.Records) != len(formattest.Users()) {
				t.Fatalf("got %d records, %d rejects, error %v", len(res.Records), len(res.Rejects), res.Err)
			}
			for i, u := range formattest.Users() {
				got := res.Records[i].User
				if got.UserID != u.UserID || got.GivenName != u.GivenName || got.EmailVerified != u.EmailVerified {
					t.Errorf("record %d: %q %q %v, want %q %q %v", i, got.UserID, got.GivenName, got.EmailVerified, u.UserID, u.GivenName, u.EmailVerified)
				}
				if len(u.Identities) > 0 && (len(got.Identities) == 0 || got.Identities[0].Connection != u.Identities[0].Connection) {
					t.Errorf("record %d: identities %+v, want the connection of %+v", i, got.Identities, u.Identities[0])
				}
			}
		}
	})
}

// outcome is formattest.Outcome, local so that tables may leave out
// field names.
type outcome struct {
	Line int64
	What string
}

func outcomes(res formattest.Result) []outcome { return formattest.OutcomesAs[outcome](res) }

func TestDecoder_InputShapes(t *testing.T) {
	const parse = string(profile.CodeParse)
	ok := formattest.OKAt[outcome]
	formattest.CheckShapes(t, format(csv.Options{MaxRecordBytes: 64}).NewDecoder, []struct {
		Name, In string
		Want     []outcome
		WantErr  error
	}{
		{"empty", "", nil, nil},
		{"header only", "email,name\n", nil, nil},
		{"header only without newline", "email,name", nil, nil},
		{"blank lines", "\nemail,name\n\na@b.c,A\n\r\n\nd@e.f,B\n\n", ok(4, 7), nil},
		{"crlf", "email,name\r\na@b.c,A\r\nd@e.f,B\r\n", ok(2, 3), nil},
		{"bom", "\xef\xbb\xbfemail,name\na@b.c,A\n", ok(2), nil},
		{"no trailing newline", "email,name\na@b.c,A\nd@e.f,B", ok(2, 3), nil},
		{"quoted newline shifts lines", "email,name\n\"a@b.c\",\"x\ny\nz\"\nd@e.f,B\n", ok(2, 5), nil},
		{"quoted delimiter, doubled quote", "email,name\na@b.c,\"Lee, \"\"Al\"\"\"\n", ok(2), nil},
		{"empty quoted cell", "email,name\na@b.c,\"\"\n", ok(2), nil},
		{"wrong field count", "email,name\na@b.c\nd@e.f,B,C\ng@h.i,D\n", []outcome{{2, parse}, {3, parse}, {4, "ok"}}, nil},
		{"trailing delimiter is a field", "email,name\na@b.c,A,\n", []outcome{{2, parse}}, nil},
		{"unterminated quote at end", "email,name\na@b.c,A\nd@e.f,\"unterminated\nmore, lines\n", []outcome{{2, "ok"}, {3, parse}}, nil},
		{"unterminated quote without newline", "email,name\nd@e.f,\"unterminated", []outcome{{2, parse}}, nil},
		{"stray quote", "email,name\na@b.c,O\"Brien\nd@e.f,B\n", []outcome{{2, parse}, {3, "ok"}}, nil},
		{"stray quotes, even count", "email,name\na@b.c,a\"b\"c\nd@e.f,B\n", []outcome{{2, parse}, {3, "ok"}}, nil},
		{"text after closing quote", "email,name\na@b.c,\"A\"B\nd@e.f,B\n", []outcome{{2, parse}, {3, "ok"}}, nil},
		{"invalid utf-8", "email,name\na@b.c,\xff\xfe\nd@e.f,B\n", []outcome{{2, parse}, {3, "ok"}}, nil},
		{"row too large", "email\na@b.c\n\"" + strings.Repeat("x", 100) + "\n", ok(2), csv.ErrRecordTooLarge},
		{"malformed header", "email,\"name\n", nil, csv.ErrHeader},
		{"header not utf-8", "email,n\xffame\na@b.c,A\n", nil, csv.ErrHeader},
		{"duplicate columns", "email,Email\na@b.c,d@e.f\n", nil, csv.ErrHeader},
		{"column with a bad path", "email,email.domain\n", nil, csv.ErrHeader},
	})
}

func TestDecoder_ResolvesColumns(t *testing.T) {
	in := "Id,Email,Email Verified,Given Name,surname,Connection,user_metadata.plan,identities[1].provider,app_metadata,mfa_factors,Favorite Color,Mail Address,internal_notes,\n" +
		`auth0|1,a@b.c,true,Ann,Lee,Username-Password-Authentication,pro,google-oauth2,"{""roles"":[""admin""]}","[{""totp"":{""secret"":""JBTWY3DPEHPK3PNP""}}]",blue,alt@b.c,secret note,` + "\n" +
		"auth0|2,,,,,,,,,,,,,\n"
	opts := csv.Options{Mapping: profile.Mapping{
		Columns: map[string]string{"Mail Address": "user_metadata.alt_email"},
		Ignore:  []string{"internal_notes"},
	}}
	res := formattest.DecodeAll(t.Context(), t, csv.NewDecoder(strings.NewReader(in), "t", opts), 10)
	if res.Err != nil || len(res.Rejects) > 0 {
		t.Fatalf("error %v, rejects %v", res.Err, res.Rejects)
	}
	want := []profile.User{{
		UserID:        "auth0|1",
		Email:         "a@b.c",
		EmailVerified: profile.True,
		GivenName:     "Ann",
		FamilyName:    "Lee",
		Identities:    []profile.Identity{{Connection: "Username-Password-Authentication"}, {Provider: "google-oauth2"}},
		AppMetadata:   json.RawMessage(`{"roles":["admin"]}`),
		UserMetadata:  json.RawMessage(`{"plan":"pro","alt_email":"alt@b.c"}`),
		MFAFactors:    []profile.MFAFactor{{TOTPSecret: "JBTWY3DPEHPK3PNP"}},
		Extra:         []profile.Attr{{Key: "Favorite Color", Value: json.RawMessage(`"blue"`)}},
	}, {
		UserID: "auth0|2", // empty cells are absent
	}}
	if d := cmp.Diff(want, res.Users()); d != "" {
		t.Errorf("users differ (-want +got):\n%s", d)
	}
}

func TestDecoder_ReadsHeaderlessInputWithOptionsHeader(t *testing.T) {
	in := "a@b.c;Ann\n\nd@e.f;Bo\n"
	res := formattest.DecodeAll(t.Context(), t, csv.NewDecoder(strings.NewReader(in), "t",
		csv.Options{Header: []string{"email", "given_name"}, Delimiter: ';'}), 10)
	want := []outcome{{1, "ok"}, {3, "ok"}}
	if d := cmp.Diff(want, outcomes(res)); d != "" || res.Err != nil {
		t.Fatalf("error %v; outcomes differ (-want +got):\n%s", res.Err, d)
	}
	if u := res.Records[1].User; u.Email != "d@e.f" || u.GivenName != "Bo" {
		t.Errorf("second user %q %q, want d@e.f Bo", u.Email, u.GivenName)
	}
}

func TestDecoder_ReadsTabSeparated(t *testing.T) {
	in := "email\tname\na@b.c\t\"Lee,\tAnn\"\n"
	res := formattest.DecodeAll(t.Context(), t, csv.NewDecoder(strings.NewReader(in), "t", csv.Options{Delimiter: '\t'}), 10)
	if res.Err != nil || len(res.Records) != 1 || res.Records[0].User.Name != "Lee,\tAnn" {
		t.Fatalf("got %+v, error %v", outcomes(res), res.Err)
	}
}

func TestDecoder_BadCellIsAnIssueWithoutTheValue(t *testing.T) {
	in := "email,email_verified,created_at,logins_count\na@b.c,maybe-secret,yesterday-secret,many-secret\n"
	res := formattest.DecodeAll(t.Context(), t, csv.NewDecoder(strings.NewReader(in), "t", csv.Options{}), 10)
	if res.Err != nil || len(res.Records) != 1 {
		t.Fatalf("got %v, error %v; want one record with issues", outcomes(res), res.Err)
	}
	r := res.Records[0]
	var got []string
	for _, is := range r.Issues {
		got = append(got, is.Path+" "+string(is.Code))
		if strings.Contains(is.Message, "secret") {
			t.Errorf("issue message %q quotes the cell", is.Message)
		}
	}
	want := []string{"email_verified INVALID_TYPE", "created_at FORMAT", "logins_count INVALID_TYPE"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("issues differ (-want +got):\n%s", d)
	}
	if r.User.Email != "a@b.c" {
		t.Errorf("email %q, want the good cells kept", r.User.Email)
	}
}

func TestDecoder_RefusesBadDelimiter(t *testing.T) {
	for _, d := range []rune{'"', '\n', '\r', 'é'} {
		_, err := csv.NewDecoder(strings.NewReader("email\n"), "t", csv.Options{Delimiter: d}).Next(t.Context(), 10)
		if !errors.Is(err, csv.ErrOptions) {
			t.Errorf("delimiter %q: %v, want ErrOptions", d, err)
		}
		if _, err := csv.NewEncoder(csv.Options{Delimiter: d}).Encode(nil, &pipeline.Batch{}); !errors.Is(err, csv.ErrOptions) {
			t.Errorf("encoder, delimiter %q: %v, want ErrOptions", d, err)
		}
	}
}

func TestDecoder_SkipReadsHeaderAndRefusesOffsetInsideRow(t *testing.T) {
	in := "email,name\na@b.c,A\nd@e.f,B\n"
	for _, r := range []io.Reader{strings.NewReader(in), io.MultiReader(strings.NewReader(in))} {
		err := csv.NewDecoder(r, "t", csv.Options{}).Skip(t.Context(), pipeline.Checkpoint{Offset: 14, Index: 1})
		if !errors.Is(err, csv.ErrCheckpoint) {
			t.Errorf("%T: inside a row: %v, want ErrCheckpoint", r, err)
		}
	}
	err := csv.NewDecoder(strings.NewReader(in), "t", csv.Options{}).Skip(t.Context(), pipeline.Checkpoint{Offset: 4})
	if !errors.Is(err, csv.ErrCheckpoint) {
		t.Errorf("inside the header: %v, want ErrCheckpoint", err)
	}
	dec := csv.NewDecoder(strings.NewReader(in), "t", csv.Options{})
	if err := dec.Skip(t.Context(), pipeline.Checkpoint{Offset: 19, Line: 2, Index: 1}); err != nil {
		t.Fatal(err)
	}
	res := formattest.DecodeAll(t.Context(), t, dec, 10)
	if d := cmp.Diff([]outcome{{3, "ok"}}, outcomes(res)); d != "" || res.Records[0].Origin.Index != 1 {
		t.Errorf("after skip: outcomes differ (-want +got):\n%s", d)
	}
}

func TestEncoder_DefaultFieldsLeaveOutSecrets(t *testing.T) {
	header := string(csv.NewEncoder(csv.Options{}).Header())
	for _, s := range csv.Secrets {
		if strings.Contains(header, s) {
			t.Errorf("default header %q holds %s", header, s)
		}
	}
	header = string(csv.NewEncoder(csv.Options{IncludeSecrets: true}).Header())
	want := strings.Join(profile.RootFields, ",") + ",extra,password\n"
	if header != want {
		t.Errorf("header with secrets %q, want %q", header, want)
	}
	if !slices.Equal(csv.DefaultFields(true), append(slices.Clone(profile.RootFields), "extra", "password")) {
		t.Errorf("DefaultFields(true) = %v, want RootFields and password", csv.DefaultFields(true))
	}
}

func TestEncoder_Cells(t *testing.T) {
	tests := []struct {
		name, in, want string
		escape         bool
	}{
		{"plain", "Ann", "Ann", false},
		{"comma", "Lee, Ann", `"Lee, Ann"`, false},
		{"quote", `say "hi"`, `"say ""hi"""`, false},
		{"newline", "a\nb", "\"a\nb\"", false},
		{"carriage return", "a\rb", "\"a\rb\"", false},
		{"leading space kept bare", " Ann", " Ann", false},
		{"formula unescaped by default", "=1+2", "=1+2", false},
		{"formula =", "=1+2", `"'=1+2"`, true},
		{"formula +", "+12125550001", `"'+12125550001"`, true},
		{"formula -", "-minus", `"'-minus"`, true},
		{"formula @", "@SUM(A1)", `"'@SUM(A1)"`, true},
		{"formula tab", "\tx", "\"'\tx\"", true},
		{"formula cr", "\rx", "\"'\rx\"", true},
		{"formula with quote", `=HYPERLINK("x")`, `"'=HYPERLINK(""x"")"`, true},
		{"not a formula", "a=b", "a=b", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc := csv.NewEncoder(csv.Options{Fields: []string{"name"}, Escape: tt.escape})
			out, err := enc.Encode(nil, &pipeline.Batch{Records: []pipeline.Record{{User: profile.User{Name: tt.in}}}})
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSuffix(string(out), "\n"); got != tt.want {
				t.Errorf("cell %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEncoder_EmptySingleColumnRowIsNotBlank(t *testing.T) {
	opts := csv.Options{Fields: []string{"nickname"}}
	us := []profile.User{{Nickname: "a"}, {}, {Nickname: "b"}}
	data := formattest.Encode(t, csv.NewEncoder(opts), us)
	res := formattest.DecodeAll(t.Context(), t, csv.NewDecoder(bytes.NewReader(data), "t", opts), 10)
	if d := cmp.Diff(us, res.Users()); d != "" {
		t.Errorf("users differ (-want +got):\n%s", d)
	}
}

func TestDecoder_HeaderErrorsQuoteNoData(t *testing.T) {
	// A file without a header: its first row is read as one, and two of
	// its cells repeat.
	in := "Zebulon,Zebulon,zz-secret@example.com\nAna,Lima,a@b.c\n"
	res := formattest.DecodeAll(t.Context(), t, csv.NewDecoder(strings.NewReader(in), "t", csv.Options{}), 10)
	if !errors.Is(res.Err, csv.ErrHeader) {
		t.Fatalf("error %v, want ErrHeader", res.Err)
	}
	if msg := res.Err.Error(); strings.Contains(msg, "Zebulon") || !strings.Contains(msg, "columns 1 and 2") {
		t.Errorf("message %q: want the columns named by position, not by their text", msg)
	}
}

func TestDecoder_ExtraColumnReadsAttributesAsJSONMembers(t *testing.T) {
	in := "email,extra\n" +
		`a@x.com,"{""email"":""other@x.com"",""z"":1}"` + "\n" +
		`d@x.com,"{""password_hash"":""$2b$10$x"",""lastName"":""Lima"",""z"":2}"` + "\n"
	res := formattest.DecodeAll(t.Context(), t, csv.NewDecoder(strings.NewReader(in), "t", csv.Options{}), 10)
	if res.Err != nil || len(res.Rejects) > 0 || len(res.Records) != 2 {
		t.Fatalf("error %v, rejects %v, %d records", res.Err, res.Rejects, len(res.Records))
	}
	// An attribute of the extra column repeating a column is a conflict of
	// the record, and kept as it came; never a second email.
	first := res.Records[0]
	if len(first.Issues) != 1 || first.Issues[0].Code != profile.CodeConflict || first.Issues[0].Path != "email" || first.User.Email != "a@x.com" {
		t.Errorf("record 1: email %q, issues %v; want a@x.com and one CONFLICT on email", first.User.Email, first.Issues)
	}
	// Profile attributes and aliases are set, to be validated as any.
	second := res.Records[1].User
	if second.PasswordHash != "$2b$10$x" || second.FamilyName != "Lima" || len(second.Extra) != 1 || second.Extra[0].Key != "z" {
		t.Errorf("record 2: %+v", second)
	}
}

func TestDecoder_ColumnsNeitherDropNorOverwriteValues(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		metadata string   // user_metadata of the record, "" for none
		issues   []string // code@path
	}{
		{"unnamed column, empty cells", "email,,name,\na@b.c,,A,\n", "", nil},
		{"unnamed column with a value", "email,,name, \na@b.c,VALUE1,A,\n", "", []string{"PARSE_ERROR@"}},
		{"a copy of a path in an object column keeps the object's types",
			"email,user_metadata,user_metadata.n\n" + `a@b.c,"{""n"":5,""t"":true}",5` + "\n", `{"n":5,"t":true}`, nil},
		{"a path disagreeing with its object column is a conflict",
			"email,user_metadata.plan,user_metadata\n" + `a@b.c,gold,"{""plan"":""free""}"` + "\n", `{"plan":"free"}`, []string{"CONFLICT@user_metadata.plan"}},
		{"a path sets what an empty object column leaves",
			"email,user_metadata,user_metadata.plan\na@b.c,,gold\n", `{"plan":"gold"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := formattest.DecodeAll(t.Context(), t, csv.NewDecoder(strings.NewReader(tt.in), "t", csv.Options{}), 10)
			if res.Err != nil || len(res.Records) != 1 {
				t.Fatalf("error %v, %d records, rejects %v", res.Err, len(res.Records), res.Rejects)
			}
			r := res.Records[0]
			if got := string(r.User.UserMetadata); got != tt.metadata {
				t.Errorf("user_metadata %s, want %s", got, tt.metadata)
			}
			var issues []string
			for _, is := range r.Issues {
				issues = append(issues, string(is.Code)+"@"+is.Path)
				if strings.Contains(is.Message, "VALUE1") || strings.Contains(is.Message, "gold") {
					t.Errorf("issue quotes a value: %s", is.Message)
				}
			}
			if d := cmp.Diff(tt.issues, issues); d != "" {
				t.Errorf("issues (-want +got):\n%s", d)
			}
		})
	}
}

func TestDecoder_UnterminatedQuoteSaysWhatItTookIn(t *testing.T) {
	in := "email\tgiven_name\na@x.com\t\"hello\nb@x.com\tB\nc@x.com\tC\n"
	res := formattest.DecodeAll(t.Context(), t, csv.NewDecoder(strings.NewReader(in), "t", csv.Options{Delimiter: '\t'}), 10)
	if res.Err != nil || len(res.Rejects) != 1 || len(res.Records) != 0 {
		t.Fatalf("error %v, %d rejects, %d records", res.Err, len(res.Rejects), len(res.Records))
	}
	r := res.Rejects[0]
	if msg := r.Issues[0].Message; r.Origin.Line != 2 || !strings.Contains(msg, "the 2 lines after it, to line 4") || strings.Contains(msg, "b@x.com") {
		t.Errorf("reject at line %d: %q; want line 2, naming the lines it took in and no value", r.Origin.Line, msg)
	}
}

func TestDecoder_LiteralQuotesReadQuotesInsideUnquotedFields(t *testing.T) {
	in := "email\tnickname\tname\na@x.com\t5'\"tall\"\tBob \"The Builder\"\nb@x.com\t\"quoted\tcell\"\tB\n"
	for _, literal := range []bool{false, true} {
		res := formattest.DecodeAll(t.Context(), t, csv.NewDecoder(strings.NewReader(in), "t", csv.Options{Delimiter: '\t', LiteralQuotes: literal}), 10)
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		if !literal {
			if len(res.Rejects) != 1 || res.Rejects[0].Origin.Line != 2 || len(res.Records) != 1 {
				t.Errorf("RFC 4180: %d rejects, %d records; want the row with inner quotes rejected", len(res.Rejects), len(res.Records))
			}
			continue
		}
		us := res.Users()
		if len(res.Rejects) > 0 || len(us) != 2 {
			t.Fatalf("literal quotes: rejects %v, %d users", res.Rejects, len(us))
		}
		if us[0].Nickname != `5'"tall"` || us[0].Name != `Bob "The Builder"` || us[1].Nickname != "quoted\tcell" {
			t.Errorf("literal quotes: %q, %q, %q", us[0].Nickname, us[0].Name, us[1].Nickname)
		}
	}
}
