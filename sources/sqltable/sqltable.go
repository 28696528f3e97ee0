package sqltable

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ferry-dev/ferry/internal/retry"
	"github.com/ferry-dev/ferry/passwords"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

var (
	_ pipeline.Source  = (*Source)(nil)
	_ pipeline.Resumer = (*Source)(nil)
)

// Errors of a table source.
var (
	// ErrQuery: the query is not a single SELECT, or its result cannot be
	// read (a column named twice).
	ErrQuery = errors.New("invalid table query")
	// ErrKey: the key column is missing, holds NULL, or is not unique.
	ErrKey = errors.New("invalid key column")
)

// Dialect is the SQL dialect of the database a table source reads.
type Dialect uint8

// The dialects table sources speak.
const (
	Postgres Dialect = iota + 1
	MySQL
	SQLite
)

// DefaultBatchSize is the number of rows per batch when Options.BatchSize
// is 0.
const DefaultBatchSize = 1000

// Options configure a table source.
type Options struct {
	// Query is one SELECT (or WITH … SELECT) without parameters: the rows
	// to read, one user each. The source wraps it as a derived table and
	// pages through it by Mapping.Key, so the key should be an indexed
	// column of the underlying table for each page to cost the same.
	Query string
	// Mapping names the key and what the columns mean.
	Mapping Mapping
	// BatchSize is the number of rows per batch (per query).
	BatchSize int
	// Range limits the read to a key range (a shard; see Split).
	Range Range
	// Retries is how many times a page is read again after the database
	// failed (Retryable); default 5, negative for none. MinBackoff and
	// MaxBackoff bound the wait; defaults 200 ms and 10 s.
	Retries                int
	MinBackoff, MaxBackoff time.Duration
	// Retryable tells the database failing (retry) from an error of the
	// query; the dialect's package sets it. Nil retries nothing.
	Retryable func(error) bool
	// Logger receives retries (never record content).
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	o.Retries, o.MinBackoff, o.MaxBackoff = retry.Defaults(o.Retries, o.MinBackoff, o.MaxBackoff)
	if o.Retryable == nil {
		o.Retryable = func(error) bool { return false }
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// IsSelect reports whether q reads like a SELECT query (rather than an
// Auth0 search query): it starts with SELECT or WITH.
func IsSelect(q string) bool {
	q = strings.TrimSpace(q)
	for _, kw := range []string{"select", "with"} {
		if len(q) > len(kw) && strings.EqualFold(q[:len(kw)], kw) {
			c := q[len(kw)]
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == '*' {
				return true
			}
		}
	}
	return false
}

type keyKind uint8

const (
	keyString keyKind = iota
	keyInt
	keyTime
)

// column is where one result column goes.
type column struct {
	name     string
	path     string       // "" for an ignored column
	p        profile.Path // path, compiled
	code     profile.Code // the issue code of a value the profile refuses
	number   bool         // a numeric column: its text is a JSON number
	json     bool         // a JSON column: its text is a JSON value
	password string       // the hash format of a password column
}

// Source reads the rows of a query in key order, one keyset page per batch
// ("WHERE key > last ORDER BY key LIMIT n"; never OFFSET, never the whole
// result in memory), and turns each row into a user through the mapping.
// It implements pipeline.Resumer: a checkpoint's Key is the last key read.
// Records carry Origin{Source: name, Line: row, Index: row-1}. It is not
// safe for concurrent use.
type Source struct {
	name    string
	db      *sql.DB
	opts    Options
	cols    []column
	keyCol  int
	keyKind keyKind

	first, next, split string // SQL

	after string // last key read, as text; "" before the first
	index int64
	seq   uint64
	done  bool

	vals []any
	dest []any
}

// New returns a source reading opts.Query from db, which it closes on
// Close. name names the source in positions (the database's location
// without its password). The query is checked once: its columns are read,
// the mapping and the key matched against them, and the key checked to hold
// no NULL.
func New(ctx context.Context, db *sql.DB, d Dialect, name string, opts Options) (*Source, error) {
	opts = opts.withDefaults()
	if err := opts.Mapping.Check(); err != nil {
		return nil, err
	}
	q := strings.TrimRight(strings.TrimSpace(opts.Query), "; \t\r\n")
	if !IsSelect(q) || strings.Contains(q, ";") {
		return nil, fmt.Errorf("table source %s: %w: want one SELECT", name, ErrQuery)
	}
	s := &Source{name: name, db: db, opts: opts, after: opts.Range.After}
	if err := s.describe(ctx, d, q); err != nil {
		return nil, fmt.Errorf("table source %s: %w", name, err)
	}
	return s, nil
}

// renamedTwin returns, for a column name SQLite made up for the second
// column of a name in a subquery ("id:1" after "id"), the name it repeats;
// "" for any other name. The query is read as a subquery, so a name given
// twice reaches describe so renamed on SQLite.
func renamedTwin(d Dialect, name string, seen map[string]bool) string {
	i := strings.LastIndexByte(name, ':')
	if d != SQLite || i <= 0 || i == len(name)-1 || strings.Trim(name[i+1:], "0123456789") != "" {
		return ""
	}
	if !seen[name[:i]] {
		return ""
	}
	return name[:i]
}

// describe reads the query's columns, builds the page queries, and checks
// the key.
func (s *Source) describe(ctx context.Context, d Dialect, q string) error {
	from := "(" + q + ") AS ferry_src"
	rows, err := s.db.QueryContext(ctx, "SELECT * FROM "+from+" WHERE 1=0")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrQuery, err)
	}
	types, err := rows.ColumnTypes()
	rows.Close()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrQuery, err)
	}
	m := s.opts.Mapping
	key := m.Key
	if key == "" {
		key = "id"
	}
	s.keyCol = -1
	seen := map[string]bool{}
	for i, ct := range types {
		name := ct.Name()
		if twin := renamedTwin(d, name, seen); seen[name] || twin != "" {
			if twin != "" {
				name = twin
			}
			return fmt.Errorf("%w: column %q appears twice; give one an alias", ErrQuery, name)
		}
		seen[name] = true
		if name == key {
			s.keyCol = i
			s.keyKind = kindOf(ct)
		}
		s.cols = append(s.cols, newColumn(name, ct, m))
	}
	if s.keyCol < 0 {
		return fmt.Errorf("%w: the query has no column %q; name the key column (key: in the mapping)", ErrKey, key)
	}
	for c := range m.Columns {
		if !seen[c] {
			return fmt.Errorf("%w: column %q: the query has no such column", ErrMapping, c)
		}
	}
	for c := range m.JSON {
		if !seen[c] {
			return fmt.Errorf("%w: column %q: the query has no such column", ErrMapping, c)
		}
	}
	for c := range m.Passwords {
		if !seen[c] {
			return fmt.Errorf("%w: column %q: the query has no such column", ErrMapping, c)
		}
	}
	k := "ferry_src." + quoteIdent(d, key)
	ph := func(n int) string {
		if d == Postgres {
			return "$" + strconv.Itoa(n)
		}
		return "?"
	}
	var upper string
	n := 1
	if s.opts.Range.Through != "" {
		upper = " AND " + k + " <= " + ph(n)
		n++
	}
	s.first = "SELECT * FROM " + from + " WHERE " + k + " IS NOT NULL" + upper + " ORDER BY " + k + " LIMIT " + ph(n)
	s.next = "SELECT * FROM " + from + " WHERE " + k + " > " + ph(n) + upper + " ORDER BY " + k + " LIMIT " + ph(n+1)
	if upper != "" { // the upper bound's placeholder comes first in the text
		s.next = "SELECT * FROM " + from + " WHERE " + k + " <= " + ph(1) + " AND " + k + " > " + ph(2) + " ORDER BY " + k + " LIMIT " + ph(3)
	}
	// The last key of each tile; not MAX, which some key types (uuid)
	// lack.
	s.split = "SELECT ferry_k FROM (SELECT ferry_k, ferry_tile, LEAD(ferry_tile) OVER (ORDER BY ferry_k) AS ferry_next FROM (SELECT " +
		k + " AS ferry_k, NTILE(" + ph(1) + ") OVER (ORDER BY " + k + ") AS ferry_tile FROM " + from + " WHERE " + k +
		" IS NOT NULL) AS ferry_t) AS ferry_u WHERE ferry_next IS NULL OR ferry_next <> ferry_tile ORDER BY ferry_k"

	var one int
	err = s.db.QueryRowContext(ctx, "SELECT 1 FROM "+from+" WHERE "+k+" IS NULL LIMIT 1").Scan(&one)
	switch {
	case err == nil:
		return fmt.Errorf("%w: column %q holds NULL; the key must be unique and never NULL", ErrKey, key)
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%w: %w", ErrQuery, err)
	}
	s.vals = make([]any, len(s.cols))
	s.dest = make([]any, len(s.cols))
	for i := range s.vals {
		s.dest[i] = &s.vals[i]
	}
	return nil
}

func quoteIdent(d Dialect, name string) string {
	if d == MySQL {
		return "`" + strings.ReplaceAll(name, "`", "``") + "`"
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// kindOf tells how to compare and bind a key column.
func kindOf(ct *sql.ColumnType) keyKind {
	if t := ct.ScanType(); t != nil {
		switch t.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint8, reflect.Uint16, reflect.Uint32:
			return keyInt
		}
		switch t {
		case reflect.TypeFor[sql.NullInt64](), reflect.TypeFor[sql.NullInt32](), reflect.TypeFor[sql.NullInt16]():
			return keyInt
		case reflect.TypeFor[time.Time](), reflect.TypeFor[sql.NullTime]():
			return keyTime
		}
	}
	n := strings.ToUpper(ct.DatabaseTypeName())
	switch {
	case strings.Contains(n, "INT") && !strings.Contains(n, "INTERVAL") && !strings.Contains(n, "POINT"):
		return keyInt
	case n == "TIMESTAMPTZ":
		return keyTime
	}
	return keyString
}

func newColumn(name string, ct *sql.ColumnType, m Mapping) column {
	c := column{name: name}
	t := strings.ToUpper(ct.DatabaseTypeName())
	switch {
	case t == "JSON" || t == "JSONB":
		c.json = true
	case t == "NUMERIC" || t == "DECIMAL" || strings.HasPrefix(t, "FLOAT") || t == "DOUBLE" || t == "REAL":
		c.number = true
	}
	if f, ok := m.Passwords[name]; ok {
		c.password = f
		return c
	}
	if p, ok := m.JSON[name]; ok {
		c.json = true
		c.path, c.p, c.code = p, profile.CompilePath(p), profile.CodeInvalidType
		return c
	}
	path, ignore := m.Resolve(name)
	if ignore {
		return c
	}
	c.path, c.p = path, profile.CompilePath(path)
	switch path {
	case "created_at", "updated_at", "last_login", "last_password_reset":
		c.code = profile.CodeFormat
	default:
		c.code = profile.CodeInvalidType
	}
	return c
}

// Name returns the source's name in positions.
func (s *Source) Name() string { return s.name }

// Resume makes the source continue after cp: with the row after cp.Key,
// numbering records from cp.Index and batches from cp.Seq+1.
func (s *Source) Resume(ctx context.Context, cp pipeline.Checkpoint) error {
	if cp.Key == "" && cp.Index > 0 {
		return fmt.Errorf("table source %s: resume: checkpoint after record %d holds no key", s.name, cp.Index)
	}
	if cp.Key != "" {
		if _, err := s.keyArg(cp.Key); err != nil {
			return fmt.Errorf("table source %s: resume: %w", s.name, err)
		}
	}
	s.after, s.index, s.seq, s.done = cp.Key, cp.Index, cp.Seq+1, false
	if s.after == "" {
		s.after = s.opts.Range.After
	}
	return nil
}

// keyArg turns a key's text into the value bound to the key's placeholder.
func (s *Source) keyArg(text string) (any, error) {
	switch s.keyKind {
	case keyInt:
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			// The value is the user's: name the column, not it.
			return nil, fmt.Errorf("%w: a value of the key column is not an integer (the column's type says it is)", ErrKey)
		}
		return n, nil
	case keyTime:
		if t, err := time.Parse(time.RFC3339Nano, text); err == nil {
			return t, nil
		}
		// The driver returned the time as the database's text (MySQL
		// without parseTime): compare with that text.
	}
	return text, nil
}

// keyText returns the text form of a key value.
func keyText(v any) string {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(x)
	}
	t, _ := valueText(v)
	return t
}

// Next returns the next page of rows, or io.EOF after the last.
func (s *Source) Next(ctx context.Context) (*pipeline.Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("table source %s: batch %d: %w", s.name, s.seq, err)
	}
	if s.done {
		return nil, io.EOF
	}
	var b *pipeline.Batch
	p := retry.Policy{
		Retries: s.opts.Retries, Min: s.opts.MinBackoff, Max: s.opts.MaxBackoff,
		Retryable: s.opts.Retryable,
		Warn: func(attempt int, wait time.Duration, err error) {
			s.opts.Logger.Warn("table source: page failed, retrying", "source", s.name, "batch", s.seq, "attempt", attempt, "wait", wait, "error", err)
		},
	}
	err := p.Do(ctx, func() (err error) {
		b, err = s.read(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("table source %s: batch %d after record %d: %w", s.name, s.seq, s.index, err)
	}
	if b == nil {
		return nil, io.EOF
	}
	return b, nil
}

// read runs one page query, asking for one row more than it keeps: that
// row shows whether the page ends in the middle of equal keys, which
// keyset pagination would skip. It returns nil at the end.
func (s *Source) read(ctx context.Context) (*pipeline.Batch, error) {
	var args []any
	if s.opts.Range.Through != "" {
		hi, err := s.keyArg(s.opts.Range.Through)
		if err != nil {
			return nil, err
		}
		args = append(args, hi)
	}
	stmt := s.first
	if s.after != "" {
		lo, err := s.keyArg(s.after)
		if err != nil {
			return nil, err
		}
		args, stmt = append(args, lo), s.next
	}
	args = append(args, s.opts.BatchSize+1)
	rows, err := s.db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	b := &pipeline.Batch{Seq: s.seq, Records: make([]pipeline.Record, 0, s.opts.BatchSize)}
	n, last, more := 0, s.after, false
	for rows.Next() {
		if err := rows.Scan(s.dest...); err != nil {
			return nil, err
		}
		k := keyText(s.vals[s.keyCol])
		if n > 0 && k == last {
			return nil, fmt.Errorf("%w: column %q holds one value on two rows (after record %d); the key must be unique",
				ErrKey, s.cols[s.keyCol].name, s.index+int64(n))
		}
		if n == s.opts.BatchSize {
			more = true
			break
		}
		last = k
		idx := s.index + int64(n)
		n++
		rec := pipeline.Record{Origin: pipeline.Position{Source: s.name, Line: idx + 1, Index: idx}}
		for i := range s.cols {
			s.set(&rec, &s.cols[i], s.vals[i])
		}
		b.Records = append(b.Records, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if !more {
		s.done = true
	}
	if n == 0 {
		return nil, nil
	}
	s.index += int64(n)
	s.after = last
	b.Read = n
	b.Checkpoint = pipeline.Checkpoint{Seq: s.seq, Source: s.name, Index: s.index, Line: s.index, Key: last}
	s.seq++
	return b, nil
}

// set puts one value of a row into the record: a password through its
// hash format; a number, boolean or JSON value as JSON where the path takes
// JSON (metadata, unknown attributes), else as text. A value the profile
// refuses is an issue of the record, naming the column, never the value.
func (s *Source) set(rec *pipeline.Record, c *column, v any) {
	if v == nil || c.path == "" && c.password == "" {
		return
	}
	text, isJSON := valueText(v)
	if text == "" {
		return
	}
	if !utf8.ValidString(text) {
		rec.Issues.Add(profile.CodeFormat, c.path, "column "+c.name+": not valid UTF-8")
		return
	}
	if c.password != "" {
		password(rec, c, text)
		return
	}
	u := &rec.User
	var err error
	if isJSON || c.json || c.number && profile.Valid([]byte(text)) {
		if err = u.SetJSON(c.path, []byte(text)); errors.Is(err, profile.ErrBadValue) && !c.json {
			err = u.SetTextPath(c.p, text)
		}
	} else {
		err = u.SetTextPath(c.p, text)
	}
	if err != nil {
		rec.Issues.Add(c.code, c.path, fmt.Sprintf("column %s: %v", c.name, err))
	}
}

// password sets the record's password from a password column.
func password(rec *pipeline.Record, c *column, text string) {
	if c.password == "plaintext" {
		rec.User.Password = text
		return
	}
	h, err := hashFormats[c.password](text)
	if err != nil {
		rec.Issues.Add(passwords.Code(err), "password_hash", fmt.Sprintf("column %s: not a %s hash: %v", c.name, c.password, err))
		return
	}
	hash, custom, err := passwords.ToAuth0(h)
	if err != nil {
		rec.Issues.Add(passwords.Code(err), "custom_password_hash", fmt.Sprintf("column %s: %v", c.name, err))
		return
	}
	if hash != "" {
		rec.User.PasswordHash = hash
		return
	}
	rec.User.CustomPasswordHash = custom
}

// valueText returns a scanned value as text, and whether that text is a
// JSON number or boolean.
func valueText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, false
	case []byte:
		return string(x), false
	case int64:
		return strconv.FormatInt(x, 10), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case int:
		return strconv.Itoa(x), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return strconv.FormatFloat(x, 'g', -1, 64), false
		}
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32), true
	case bool:
		return strconv.FormatBool(x), true
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), false
	case fmt.Stringer:
		return x.String(), false
	}
	return fmt.Sprint(v), false
}

// Split cuts the query's rows into n key ranges of about the same size,
// for shards that run apart: set Options.Range of each. It returns fewer
// ranges when there are fewer rows, and one range for an empty result.
func (s *Source) Split(ctx context.Context, n int) ([]Range, error) {
	if n <= 1 {
		return []Range{s.opts.Range}, nil
	}
	rows, err := s.db.QueryContext(ctx, s.split, n)
	if err != nil {
		return nil, fmt.Errorf("table source %s: split: %w", s.name, err)
	}
	defer rows.Close()
	var bounds []string
	for rows.Next() {
		var v any
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("table source %s: split: %w", s.name, err)
		}
		bounds = append(bounds, keyText(v))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("table source %s: split: %w", s.name, err)
	}
	return Ranges(bounds), nil
}

// Close closes the database handle.
func (s *Source) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("table source %s: close: %w", s.name, err)
	}
	return nil
}
