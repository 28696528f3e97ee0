package mysql

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"database/sql"

	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	store "github.com/ferry-dev/ferry/sinks/mysql"
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
	// that selects the users to read, with Args bound to its '?'
	// placeholders: what (*query.Query).SQL(query.MySQL,
	// mysql.QueryColumns()) returns (package sinks/mysql).
	Where string
	Args  []any
	// Connection, when set, reads only the users of that connection.
	Connection string
	// Fields are the profile paths to read ("email", "user_metadata.plan",
	// "identities[0].connection"). A path selects its root attribute
	// whole; a root the profile does not know selects that unknown
	// attribute. Empty means every attribute.
	Fields []string
	// Range limits the read to the users whose row id is in it (a shard;
	// see Split).
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
	if o.Retries == 0 {
		o.Retries = 5
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 200 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Source reads ferry's MySQL store in the order its rows were stored, by
// the table's AUTO_INCREMENT key (InnoDB's clustered order, so a read is a
// sequential scan), one keyset page per batch: "WHERE id > last ORDER BY id
// LIMIT n",
// never OFFSET, so each batch costs the same however deep into the table it
// is and memory holds one batch. A page that fails because the database
// went away is read again on a new connection. It is not safe for
// concurrent use.
type Source struct {
	name string
	db   *sql.DB
	row  *store.Row
	opts Options

	page, split string // SQL

	keepID    bool
	keepExtra map[string]bool // unknown attributes asked for; nil keeps all

	after string // last row id read, in decimal
	index int64  // records read so far
	seq   uint64
	done  bool
}

// Open connects to the store named by location ("mysql://…") for
// reading. The database must hold a ferry store of a known schema version.
func Open(ctx context.Context, location string, opts Options) (*Source, error) {
	cfg, err := store.ParseLocation(location)
	if err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	cols, keepID, keepExtra, err := columns(opts.Fields)
	if err != nil {
		return nil, err
	}
	row, err := store.NewRow(cols)
	if err != nil {
		return nil, err
	}
	s := &Source{
		name: "mysql:" + store.Redact(location), row: row, opts: opts,
		keepID: keepID, keepExtra: keepExtra,
		after: opts.Range.After,
	}
	s.page, s.split = s.queries(cols)
	if s.db, err = store.OpenDB(cfg); err != nil {
		return nil, fmt.Errorf("mysql source %s: %w", s.name, err)
	}
	if err := s.check(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("mysql source %s: %w", s.name, err)
	}
	return s, nil
}

// check makes sure the database holds a store this ferry reads and that
// the page query is valid, so that a bad Where fails at Open.
func (s *Source) check(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	v, err := store.Version(ctx, conn)
	if err != nil {
		return err
	}
	if v == 0 {
		return ErrNotStore
	}
	if v > store.SchemaVersion {
		return fmt.Errorf("%w: version %d", store.ErrSchemaTooNew, v)
	}
	args := append(s.pageArgs(), 0)
	rows, err := conn.QueryContext(ctx, s.page, args...)
	if err != nil {
		return err
	}
	return rows.Close()
}

// queries builds the page query and the split query. The caller's
// expression comes first, so that its '?' take the first arguments.
func (s *Source) queries(cols []string) (page, split string) {
	var filter strings.Builder
	next := func() string { return "?" }
	if s.opts.Where != "" {
		filter.WriteString("(" + s.opts.Where + ") AND ")
	}
	if s.opts.Connection != "" {
		filter.WriteString("connection = " + next() + " AND ")
	}
	base := filter.String()
	if s.opts.Range.Through != "" {
		filter.WriteString("id <= " + next() + " AND ")
	}
	page = "SELECT id, " + strings.Join(cols, ", ") + " FROM users WHERE " + filter.String() +
		"id > " + next() + " ORDER BY id LIMIT " + next()
	split = "SELECT MAX(id) FROM (SELECT id, NTILE(?) OVER (ORDER BY id) AS tile FROM users WHERE " +
		base + "1=1) t GROUP BY tile ORDER BY 1"
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
		args = append(args, rowID(s.opts.Range.Through))
	}
	return append(args, rowID(s.after))
}

// rowID reads a row id written as decimal text; "" (and anything else)
// is 0, before every row.
func rowID(text string) uint64 {
	n, _ := strconv.ParseUint(text, 10, 64)
	return n
}

// columns returns the columns to select for fields, whether user_id was
// asked for, and the unknown attributes asked for.
func columns(fields []string) (cols []string, keepID bool, keepExtra map[string]bool, err error) {
	all := store.Columns()
	if len(fields) == 0 {
		return all, true, nil, nil
	}
	want := map[string]bool{}
	for _, f := range fields {
		root := f
		if i := strings.IndexAny(f, ".["); i >= 0 {
			root = f[:i]
		}
		if root == "" {
			return nil, false, nil, fmt.Errorf("mysql source: %w: %q names no attribute", ErrField, f)
		}
		if root == "user_id" {
			keepID = true
		}
		known := false
		for _, c := range all {
			if c == root && c != "connection" && c != "extra" {
				known = true
			}
		}
		if !known {
			if keepExtra == nil {
				keepExtra = map[string]bool{}
			}
			root, keepExtra[root] = "extra", true
		}
		want[root] = true
	}
	for _, c := range all {
		if want[c] {
			cols = append(cols, c)
		}
	}
	return cols, keepID, keepExtra, nil
}

// Name returns the source's name in positions: "mysql:" and the
// location without its password.
func (s *Source) Name() string { return s.name }

// Resume makes the source continue after cp: with the row after cp.Key
// (a row id), numbering records from cp.Index and batches from cp.Seq+1.
func (s *Source) Resume(ctx context.Context, cp pipeline.Checkpoint) error {
	if cp.Key == "" && cp.Index > 0 {
		return fmt.Errorf("mysql source %s: resume: checkpoint after record %d holds no key", s.name, cp.Index)
	}
	if _, err := strconv.ParseUint(cp.Key, 10, 64); cp.Key != "" && err != nil {
		return fmt.Errorf("mysql source %s: resume: checkpoint key is not a row id", s.name)
	}
	s.after, s.index, s.seq, s.done = cp.Key, cp.Index, cp.Seq+1, false
	if s.after == "" {
		s.after = s.opts.Range.After
	}
	return nil
}

// Next returns the next page of users, or io.EOF after the last. A row that
// cannot be read back into a profile becomes a reject with PARSE_ERROR, so
// the run's counts still add up.
func (s *Source) Next(ctx context.Context) (*pipeline.Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("mysql source %s: batch %d: %w", s.name, s.seq, err)
	}
	if s.done {
		return nil, io.EOF
	}
	args := append(s.pageArgs(), s.opts.BatchSize)
	var b *pipeline.Batch
	var err error
	for attempt := 1; ; attempt++ {
		b, err = s.read(ctx, args)
		if err == nil || !store.Retryable(err) || attempt > s.opts.Retries || ctx.Err() != nil {
			break
		}
		wait := backoff(attempt, s.opts.MinBackoff, s.opts.MaxBackoff)
		s.opts.Logger.Warn("mysql source: page failed, retrying", "source", s.name, "batch", s.seq, "attempt", attempt, "wait", wait, "error", err)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("mysql source %s: batch %d after record %d: %w", s.name, s.seq, s.index, err)
	}
	if b == nil {
		return nil, io.EOF
	}
	return b, nil
}

// read runs one page query; it returns nil at the end.
func (s *Source) read(ctx context.Context, args []any) (*pipeline.Batch, error) {
	rows, err := s.db.QueryContext(ctx, s.page, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	raw := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(cols))
	for i := range raw {
		dest[i] = &raw[i]
	}
	vals := make([][]byte, len(cols)-1) // the users columns, after id
	b := &pipeline.Batch{Seq: s.seq, Records: make([]pipeline.Record, 0, s.opts.BatchSize)}
	n, last := 0, s.after
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		for i, v := range raw[1:] {
			vals[i] = nil
			if v != nil {
				vals[i] = v
			}
		}
		origin := pipeline.Position{Source: s.name, Index: s.index + int64(n)}
		last = string(raw[0])
		n++
		var u profile.User
		if err := s.row.User(vals, &u); err != nil {
			var is profile.Issues
			is.Add(profile.CodeParse, "", "stored row unreadable: "+err.Error())
			b.Rejects = append(b.Rejects, pipeline.Reject{Origin: origin, Issues: is})
			continue
		}
		s.trim(&u)
		b.Records = append(b.Records, pipeline.Record{User: u, Origin: origin})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if n < s.opts.BatchSize {
		s.done = true
	}
	if n == 0 {
		return nil, nil
	}
	s.index += int64(n)
	s.after = last
	b.Read = n
	b.Checkpoint = pipeline.Checkpoint{Seq: s.seq, Source: s.name, Index: s.index, Key: last}
	s.seq++
	return b, nil
}

// trim drops what Fields did not ask for: user_id and unknown attributes.
func (s *Source) trim(u *profile.User) {
	if !s.keepID {
		u.UserID = ""
	}
	if s.keepExtra == nil || len(u.Extra) == 0 {
		return
	}
	n := 0
	for _, a := range u.Extra {
		if s.keepExtra[a.Key] {
			u.Extra[n] = a
			n++
		}
	}
	u.Extra = u.Extra[:n]
}

// Split cuts the users the source selects (Where and Connection; Range is
// ignored) into n key ranges of about the same size, for shards that run
// apart: set Options.Range of each. It returns fewer ranges when there are
// fewer users, and one range for an empty store.
func (s *Source) Split(ctx context.Context, n int) ([]sqltable.Range, error) {
	if n <= 1 {
		return []sqltable.Range{s.opts.Range}, nil
	}
	rows, err := s.db.QueryContext(ctx, s.split, append([]any{n}, s.fixedArgs()...)...)
	if err != nil {
		return nil, fmt.Errorf("mysql source %s: split: %w", s.name, err)
	}
	defer rows.Close()
	var bounds []string
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			return nil, fmt.Errorf("mysql source %s: split: %w", s.name, err)
		}
		bounds = append(bounds, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mysql source %s: split: %w", s.name, err)
	}
	return sqltable.Ranges(bounds), nil
}

// Close releases the connection.
func (s *Source) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("mysql source %s: close: %w", s.name, err)
	}
	return nil
}

// backoff returns the wait before attempt n (from 1): first doubled each
// time, at most max.
func backoff(n int, first, max time.Duration) time.Duration {
	d := first
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}
