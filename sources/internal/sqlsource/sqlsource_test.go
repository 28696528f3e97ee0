package sqlsource

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/sources/sqltable"
)

var testColumns = []string{"user_id", "connection", "email", "extra"}

// row decodes the test columns: a value "bad" is corrupt.
type row struct{ cols []string }

func (r row) UserID(vals [][]byte) string {
	if i := slices.Index(r.cols, "user_id"); i >= 0 {
		return string(vals[i])
	}
	return ""
}

func (r row) User(vals [][]byte, u *profile.User) error {
	for i, c := range r.cols {
		v := vals[i]
		if string(v) == "bad" {
			return fmt.Errorf("column %s: corrupt", c)
		}
		switch c {
		case "user_id":
			u.UserID = string(v)
		case "email":
			u.Email = string(v)
		case "extra":
			u.Extra = append(u.Extra, profile.Attr{Key: "job_title", Value: json.RawMessage(`"x"`)}, profile.Attr{Key: "plan", Value: json.RawMessage(`1`)})
		}
	}
	return nil
}

var errGone = errors.New("server went away")

// conn serves the rows of a table held in memory, ordered by key, to the
// page query, and records the calls.
type conn struct {
	keys    []string   // ascending
	rows    [][][]byte // the selected columns of each key's row
	fail    []error    // returned by the next Query calls, in turn
	queries []string
	args    [][]any
	resets  int
	closed  bool
}

func (c *conn) Version(context.Context) (int, error) { return 1, nil }

func (c *conn) Check(context.Context, string, []any) error { return nil }

func (c *conn) Query(_ context.Context, query string, args []any, row func([][]byte)) error {
	c.queries, c.args = append(c.queries, query), append(c.args, args)
	if len(c.fail) > 0 {
		err := c.fail[0]
		c.fail = c.fail[1:]
		return err
	}
	if strings.HasPrefix(query, "SELECT max(") {
		row([][]byte{[]byte("b")})
		return nil
	}
	after, limit := args[len(args)-2].(string), args[len(args)-1].(int)
	for i, k := range c.keys {
		if k > after && limit > 0 {
			row(c.rows[i])
			limit--
		}
	}
	return nil
}

func (c *conn) Reset(context.Context) { c.resets++ }

func (c *conn) Close() error { c.closed = true; return nil }

func testDialect(numbered bool) Dialect {
	return Dialect{
		Name: "test", Key: "user_id", Numbered: numbered, Columns: testColumns,
		NewRow:        func(cols []string) (Row, error) { return row{cols}, nil },
		Retryable:     func(err error) bool { return errors.Is(err, errGone) },
		SchemaVersion: 1, ErrSchemaTooNew: errors.New("too new"),
	}
}

// open opens a source on c, whose rows hold user_ids keys and emails
// ("bad" for a corrupt row).
func open(t *testing.T, c *conn, emails []string, opts Options) *Source {
	t.Helper()
	for i, e := range emails {
		k := fmt.Sprintf("u%02d", i)
		c.keys = append(c.keys, k)
		c.rows = append(c.rows, [][]byte{[]byte(k), []byte("db"), []byte(e), []byte("{}")})
	}
	s, err := Open(t.Context(), testDialect(false), "test:x", func(context.Context) (Conn, error) { return c, nil }, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestQueries_PlaceholdersAndKey(t *testing.T) {
	tests := []struct {
		name      string
		d         Dialect
		opts      Options
		wantPage  string
		wantSplit string
	}{
		{
			"numbered, every filter",
			Dialect{Key: "user_id", Numbered: true},
			Options{Where: "a = $1 OR b = $2", Args: []any{1, 2}, Connection: "db", Range: sqltable.Range{Through: "m"}},
			"SELECT user_id, email FROM users WHERE (a = $1 OR b = $2) AND connection = $3 AND user_id <= $4 AND user_id > $5 ORDER BY user_id LIMIT $6",
			"SELECT max(user_id) FROM (SELECT user_id, ntile($4) OVER (ORDER BY user_id) AS tile FROM users WHERE (a = $1 OR b = $2) AND connection = $3 AND TRUE) t GROUP BY tile ORDER BY 1",
		},
		{
			"question marks, key ahead of the columns",
			Dialect{Key: "id"},
			Options{Where: "a = ?", Args: []any{1}, Range: sqltable.Range{Through: "9"}},
			"SELECT id, user_id, email FROM users WHERE (a = ?) AND id <= ? AND id > ? ORDER BY id LIMIT ?",
			"SELECT max(id) FROM (SELECT id, ntile(?) OVER (ORDER BY id) AS tile FROM users WHERE (a = ?) AND TRUE) t GROUP BY tile ORDER BY 1",
		},
		{
			"no filter",
			Dialect{Key: "user_id", Numbered: true},
			Options{},
			"SELECT user_id, email FROM users WHERE user_id > $1 ORDER BY user_id LIMIT $2",
			"SELECT max(user_id) FROM (SELECT user_id, ntile($1) OVER (ORDER BY user_id) AS tile FROM users WHERE TRUE) t GROUP BY tile ORDER BY 1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Source{d: tt.d, opts: tt.opts, keyFirst: tt.d.Key == "id"}
			page, split := s.queries([]string{"user_id", "email"})
			if page != tt.wantPage {
				t.Errorf("page query:\n got %s\nwant %s", page, tt.wantPage)
			}
			if split != tt.wantSplit {
				t.Errorf("split query:\n got %s\nwant %s", split, tt.wantSplit)
			}
		})
	}
}

func TestNext_PagesWithRejectsAndCheckpoints(t *testing.T) {
	c := &conn{}
	s := open(t, c, []string{"a@x", "bad", "c@x", "d@x", "e@x"}, Options{BatchSize: 2})
	var got []string
	for {
		b, err := s.Next(t.Context())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range b.Records {
			got = append(got, fmt.Sprintf("%d:%s", r.Origin.Index, r.User.Email))
		}
		for _, r := range b.Rejects {
			got = append(got, fmt.Sprintf("%d:reject %s", r.Origin.Index, r.Issues[0].Code))
		}
		got = append(got, fmt.Sprintf("cp %d %d %s", b.Checkpoint.Seq, b.Checkpoint.Index, b.Checkpoint.Key))
	}
	want := []string{
		"0:a@x", "1:reject " + string(profile.CodeParse), "cp 0 2 u01",
		"2:c@x", "3:d@x", "cp 1 4 u03",
		"4:e@x", "cp 2 5 u04",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("batches (-want +got):\n%s", d)
	}
	if len(c.queries) != 3 {
		t.Errorf("%d page queries, want 3 (the short page is the last)", len(c.queries))
	}
}

func TestNext_Retries(t *testing.T) {
	permanent := errors.New("syntax error")
	tests := []struct {
		name       string
		retries    int
		fail       []error
		wantErr    error
		wantResets int
	}{
		{"retryable failures, then success", 0, []error{errGone, errGone}, nil, 2},
		{"more failures than retries", 2, []error{errGone, errGone, errGone}, errGone, 2},
		{"no retries", -1, []error{errGone}, errGone, 0},
		{"not retryable", 0, []error{permanent}, permanent, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &conn{}
			s := open(t, c, []string{"a@x"}, Options{Retries: tt.retries, MinBackoff: 1, MaxBackoff: 1})
			c.fail = tt.fail
			b, err := s.Next(t.Context())
			if !errors.Is(err, tt.wantErr) || (err == nil && len(b.Records) != 1) {
				t.Fatalf("Next = %v, %v; want error %v", b, err, tt.wantErr)
			}
			if c.resets != tt.wantResets {
				t.Errorf("%d resets, want %d", c.resets, tt.wantResets)
			}
		})
	}
}

func TestResume(t *testing.T) {
	tests := []struct {
		name      string
		keyArg    func(string) (any, error)
		cp        pipeline.Checkpoint
		wantErr   bool
		wantAfter string
	}{
		{"after a key", nil, pipeline.Checkpoint{Key: "u02", Index: 3, Seq: 1}, false, "u02"},
		{"from the start of the range", nil, pipeline.Checkpoint{}, false, "r"},
		{"records but no key", nil, pipeline.Checkpoint{Index: 3}, true, ""},
		{"key the dialect refuses", func(string) (any, error) { return 0, errors.New("not a row id") }, pipeline.Checkpoint{Key: "x", Index: 1}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &conn{}
			s := open(t, c, nil, Options{Range: sqltable.Range{After: "r"}})
			s.d.KeyArg = tt.keyArg
			err := s.Resume(t.Context(), tt.cp)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Resume = %v, want error %v", err, tt.wantErr)
			}
			if err == nil && (s.cur.After() != tt.wantAfter || s.cur.Index() != tt.cp.Index || s.cur.Seq() != tt.cp.Seq+1) {
				t.Errorf("after Resume: key %q index %d seq %d", s.cur.After(), s.cur.Index(), s.cur.Seq())
			}
		})
	}
}

func TestSplit_ArgumentOrder(t *testing.T) {
	tests := []struct {
		numbered bool
		want     []any
	}{
		{false, []any{4, "w", "db"}}, // '?': ntile's comes first in the text
		{true, []any{"w", "db", 4}},  // $3 for ntile
	}
	for _, tt := range tests {
		c := &conn{}
		s, err := Open(t.Context(), testDialect(tt.numbered), "test:x", func(context.Context) (Conn, error) { return c, nil },
			Options{Where: "email = ?", Args: []any{"w"}, Connection: "db"})
		if err != nil {
			t.Fatal(err)
		}
		ranges, err := s.Split(t.Context(), 4)
		if err != nil || len(ranges) != 1 {
			t.Fatalf("Split = %v, %v", ranges, err)
		}
		if d := cmp.Diff(tt.want, c.args[len(c.args)-1]); d != "" {
			t.Errorf("numbered %v: split args (-want +got):\n%s", tt.numbered, d)
		}
	}
}

func TestSelectFields(t *testing.T) {
	tests := []struct {
		name     string
		key      string
		paths    []string
		wantCols []string
		wantErr  error
	}{
		{"every column", "id", nil, testColumns, nil},
		{"roots of paths, key column always", "user_id", []string{"email", "job_title"}, []string{"user_id", "email", "extra"}, nil},
		{"key that is no column", "id", []string{"email"}, []string{"email"}, nil},
		{"path naming nothing", "id", []string{".x"}, nil, ErrField},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := SelectFields("test source", testColumns, tt.key, tt.paths)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("SelectFields = %v, want %v", err, tt.wantErr)
			}
			if d := cmp.Diff(tt.wantCols, f.Columns); d != "" {
				t.Errorf("columns (-want +got):\n%s", d)
			}
		})
	}
}

func TestFields_Trim(t *testing.T) {
	f, err := SelectFields("test source", testColumns, "user_id", []string{"email", "job_title"})
	if err != nil {
		t.Fatal(err)
	}
	u := profile.User{UserID: "u1", Email: "a@x", Extra: []profile.Attr{{Key: "plan", Value: json.RawMessage(`1`)}, {Key: "job_title", Value: json.RawMessage(`"x"`)}}}
	f.Trim(&u)
	if u.UserID != "" || u.Email != "a@x" || len(u.Extra) != 1 || u.Extra[0].Key != "job_title" {
		t.Errorf("trimmed user = %+v, want only email and job_title", u)
	}
}
