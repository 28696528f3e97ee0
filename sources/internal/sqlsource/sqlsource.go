package sqlsource

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-dev/ferry/internal/retry"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/sources/sqltable"
)

var (
	_ pipeline.Source  = (*Source)(nil)
	_ pipeline.Resumer = (*Source)(nil)
)

// ErrNotStore is returned when the database holds no ferry store.
var ErrNotStore = errors.New("not a ferry store")

// ErrField is returned for a field that names no attribute.
var ErrField = errors.New("invalid field")

// DefaultBatchSize is the number of users per batch when
// Options.BatchSize is 0.
const DefaultBatchSize = 1000

// Options configure a Source. The zero value reads every user of every
// connection, every attribute, in batches of DefaultBatchSize.
type Options struct {
	// BatchSize is the number of users per batch (per query).
	BatchSize int
	// Where is a boolean SQL expression over the users table's columns
	// that selects the users to read, with Args bound to its placeholders
	// in the database's style ('?' on MySQL, $1, $2… on PostgreSQL): what
	// (*query.Query).SQL returns for the store's dialect and QueryColumns
	// (packages sinks/mysql and sinks/postgres).
	Where string
	Args  []any
	// Connection, when set, reads only the users of that connection.
	Connection string
	// Fields are the profile paths to read ("email", "user_metadata.plan",
	// "identities[0].connection"). A path selects its root attribute
	// whole; a root the profile does not know selects that unknown
	// attribute. user_id is set on the records only when asked for (a
	// store paged by user_id reads it always). Empty means every attribute.
	Fields []string
	// Range limits the read to the users whose key (MySQL's row id,
	// PostgreSQL's user_id) is in it (a shard; see Split).
	Range sqltable.Range
	// Retries is how many times a page is read again, on a new
	// connection, after the database failed; default 5, negative for none.
	Retries int
	// MinBackoff and MaxBackoff bound the wait before each retry; defaults
	// 200 ms and 10 s.
	MinBackoff, MaxBackoff time.Duration
	// Logger receives retries (never record content).
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	o.Retries, o.MinBackoff, o.MaxBackoff = retry.Defaults(o.Retries, o.MinBackoff, o.MaxBackoff)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Dialect is what a store source needs to know of its database and of the
// store's schema there.
type Dialect struct {
	// Name names the database in source names, errors and logs: "mysql".
	Name string
	// Key is the column pages go by: unique, never NULL. When it is none
	// of Columns (MySQL's AUTO_INCREMENT id), it is selected ahead of them;
	// else the row's decoder reads it (UserID).
	Key string
	// Numbered says placeholders are $1, $2… (PostgreSQL), not '?' bound
	// in the order they stand (MySQL).
	Numbered bool
	// Columns are the store's users columns.
	Columns []string
	// NewRow returns the decoder of rows of the given columns.
	NewRow func(columns []string) (Row, error)
	// KeyArg returns what a query binds for a key written as text (a
	// checkpoint's, a range's bound): "" is before every row. Its error
	// says a checkpoint's key cannot be one. Nil binds the text.
	KeyArg func(key string) (any, error)
	// Retryable reports whether a page that failed with err may be read
	// again on a new connection (the database went away).
	Retryable func(err error) bool
	// SchemaVersion is the newest store schema this ferry reads; a newer
	// store fails Open with ErrSchemaTooNew.
	SchemaVersion   int
	ErrSchemaTooNew error
}

// Row decodes the rows of the users columns it was made for: their values
// in the database's wire form, nil for NULL.
type Row interface {
	// UserID returns the user_id among vals.
	UserID(vals [][]byte) string
	// User fills u from vals; an error names the column, never its value.
	User(vals [][]byte, u *profile.User) error
}

// Conn is a source's connection to its database, which the dialect's
// package makes.
type Conn interface {
	// Version returns the store's schema version, 0 when the database
	// holds no store.
	Version(ctx context.Context) (int, error)
	// Check reports an error when query, with args bound, is not valid.
	// It reads no row.
	Check(ctx context.Context, query string, args []any) error
	// Query runs query with args bound and calls row with the values of
	// each row's columns (nil for NULL), valid only during the call.
	Query(ctx context.Context, query string, args []any, row func(vals [][]byte)) error
	// Reset drops the connection after a failure, so that the next call
	// connects again.
	Reset(ctx context.Context)
	// Close releases the connection.
	Close() error
}

// Source reads a ferry store in the order of its Dialect's key, one keyset
// page per batch: "WHERE key > last ORDER BY key LIMIT n", never OFFSET,
// so each batch costs the same however deep into the table it is and
// memory holds one batch. A page that fails because the database went
// away is read again on a new connection. It is not safe for concurrent
// use.
type Source struct {
	d    Dialect
	name string
	conn Conn
	row  Row
	opts Options

	page, split string // SQL
	keyFirst    bool   // the key is selected ahead of the users columns

	cur Cursor
	u   profile.User // scratch: the user being decoded
}

// Open opens a source named name (the location without its password,
// "mysql://ferry:xxxxx@db/users") on the connection connect makes, which it closes when it
// fails. The database must hold a ferry store of a known schema version,
// and Where must be valid.
func Open(ctx context.Context, d Dialect, name string, connect func(context.Context) (Conn, error), opts Options) (*Source, error) {
	opts = opts.withDefaults()
	fields, err := SelectFields(d.Name+" source", d.Columns, d.Key, opts.Fields)
	if err != nil {
		return nil, err
	}
	row, err := d.NewRow(fields.Columns)
	if err != nil {
		return nil, err
	}
	s := &Source{
		d: d, name: name, row: row, opts: opts,
		keyFirst: !slices.Contains(d.Columns, d.Key),
		cur:      NewCursor(name, fields, opts.Range.After),
	}
	s.page, s.split = s.queries(fields.Columns)
	if s.conn, err = connect(ctx); err != nil {
		return nil, fmt.Errorf("%s source %s: %w", d.Name, name, err)
	}
	if err := s.check(ctx); err != nil {
		s.conn.Close()
		return nil, fmt.Errorf("%s source %s: %w", d.Name, name, err)
	}
	return s, nil
}

// check makes sure the database holds a store this ferry reads and that
// the page query is valid, so that a bad Where fails at Open.
func (s *Source) check(ctx context.Context) error {
	v, err := s.conn.Version(ctx)
	if err != nil {
		return err
	}
	if v == 0 {
		return ErrNotStore
	}
	if v > s.d.SchemaVersion {
		return fmt.Errorf("%w: version %d", s.d.ErrSchemaTooNew, v)
	}
	return s.conn.Check(ctx, s.page, append(s.pageArgs(), 0))
}

// queries builds the page query and the split query. The caller's
// expression comes first, so that its placeholders take the first
// arguments (and keep their numbers).
func (s *Source) queries(cols []string) (page, split string) {
	var filter strings.Builder
	n := len(s.opts.Args)
	next := func() string {
		if !s.d.Numbered {
			return "?"
		}
		n++
		return "$" + strconv.Itoa(n)
	}
	if s.opts.Where != "" {
		filter.WriteString("(" + s.opts.Where + ") AND ")
	}
	if s.opts.Connection != "" {
		filter.WriteString("connection = " + next() + " AND ")
	}
	base := filter.String()
	tiles := "?" // Split's n: the first '?', or the number after the filter's
	if s.d.Numbered {
		tiles = "$" + strconv.Itoa(n+1)
	}
	key := s.d.Key
	if s.opts.Range.Through != "" {
		filter.WriteString(key + " <= " + next() + " AND ")
	}
	sel := strings.Join(cols, ", ")
	if s.keyFirst {
		sel = key + ", " + sel
	}
	page = "SELECT " + sel + " FROM users WHERE " + filter.String() +
		key + " > " + next() + " ORDER BY " + key + " LIMIT " + next()
	split = "SELECT max(" + key + ") FROM (SELECT " + key + ", ntile(" + tiles + ") OVER (ORDER BY " + key +
		") AS tile FROM users WHERE " + base + "TRUE) t GROUP BY tile ORDER BY 1"
	return page, split
}

// fixedArgs are the arguments every query binds after Where's.
func (s *Source) fixedArgs() []any {
	args := append([]any{}, s.opts.Args...)
	if s.opts.Connection != "" {
		args = append(args, s.opts.Connection)
	}
	return args
}

// pageArgs are the arguments of a page query but its limit.
func (s *Source) pageArgs() []any {
	args := s.fixedArgs()
	if s.opts.Range.Through != "" {
		args = append(args, s.keyArg(s.opts.Range.Through))
	}
	return append(args, s.keyArg(s.cur.After()))
}

// keyArg returns what a query binds for key; a key KeyArg refuses binds
// its zero value, before every row.
func (s *Source) keyArg(key string) any {
	if s.d.KeyArg == nil {
		return key
	}
	v, _ := s.d.KeyArg(key)
	return v
}

// Name returns the source's name in positions: the dialect's name, ':'
// and the location without its password.
func (s *Source) Name() string { return s.name }

// Resume makes the source continue after cp: with the row after cp.Key,
// numbering records from cp.Index and batches from cp.Seq+1.
func (s *Source) Resume(ctx context.Context, cp pipeline.Checkpoint) error {
	if cp.Key != "" && s.d.KeyArg != nil {
		if _, err := s.d.KeyArg(cp.Key); err != nil {
			return fmt.Errorf("%s source %s: resume: %w", s.d.Name, s.name, err)
		}
	}
	if err := s.cur.Resume(cp, s.opts.Range.After); err != nil {
		return fmt.Errorf("%s source %s: resume: %w", s.d.Name, s.name, err)
	}
	return nil
}

// Next returns the next page of users, or io.EOF after the last. A row that
// cannot be read back into a profile becomes a reject with PARSE_ERROR, so
// the run's counts still add up.
func (s *Source) Next(ctx context.Context) (*pipeline.Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s source %s: batch %d: %w", s.d.Name, s.name, s.cur.Seq(), err)
	}
	if s.cur.Done() {
		return nil, io.EOF
	}
	args := append(s.pageArgs(), s.opts.BatchSize)
	var b *pipeline.Batch
	p := retry.Policy{
		Retries: s.opts.Retries, Min: s.opts.MinBackoff, Max: s.opts.MaxBackoff,
		Retryable: s.d.Retryable,
		Reset:     func() { s.conn.Reset(ctx) },
		Warn: func(attempt int, wait time.Duration, err error) {
			s.opts.Logger.Warn(s.d.Name+" source: page failed, retrying", "source", s.name, "batch", s.cur.Seq(), "attempt", attempt, "wait", wait, "error", err)
		},
	}
	err := p.Do(ctx, func() (err error) {
		b, err = s.read(ctx, args)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s source %s: batch %d after record %d: %w", s.d.Name, s.name, s.cur.Seq(), s.cur.Index(), err)
	}
	if b == nil {
		return nil, io.EOF
	}
	return b, nil
}

// read runs one page query; it returns nil at the end.
func (s *Source) read(ctx context.Context, args []any) (*pipeline.Batch, error) {
	p := s.cur.Page(s.opts.BatchSize)
	err := s.conn.Query(ctx, s.page, args, func(vals [][]byte) {
		var key string
		if s.keyFirst {
			key, vals = string(vals[0]), vals[1:]
		} else {
			key = s.row.UserID(vals)
		}
		s.u = profile.User{}
		p.Add(key, &s.u, s.row.User(vals, &s.u))
	})
	if err != nil {
		return nil, err
	}
	return p.End(s.opts.BatchSize), nil
}

// Split cuts the users the source selects (Where and Connection; Range is
// ignored) into n key ranges of about the same size, for shards that run
// apart: set Options.Range of each. It returns fewer ranges when there are
// fewer users, and one range for an empty store.
func (s *Source) Split(ctx context.Context, n int) ([]sqltable.Range, error) {
	if n <= 1 {
		return []sqltable.Range{s.opts.Range}, nil
	}
	args := append(s.fixedArgs(), n)
	if !s.d.Numbered { // '?' bind in order, and ntile's stands first
		args = append([]any{n}, s.fixedArgs()...)
	}
	var bounds []string
	err := s.conn.Query(ctx, s.split, args, func(vals [][]byte) { bounds = append(bounds, string(vals[0])) })
	if err != nil {
		return nil, fmt.Errorf("%s source %s: split: %w", s.d.Name, s.name, err)
	}
	return sqltable.Ranges(bounds), nil
}

// Close releases the connection.
func (s *Source) Close() error {
	if err := s.conn.Close(); err != nil {
		return fmt.Errorf("%s source %s: close: %w", s.d.Name, s.name, err)
	}
	return nil
}
