package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	store "github.com/ferry-dev/ferry/sinks/postgres"
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
	// that selects the users to read, with Args bound to its $1, $2…
	// placeholders: what (*query.Query).SQL(query.Postgres,
	// postgres.QueryColumns()) returns (package sinks/postgres).
	Where string
	Args  []any
	// Connection, when set, reads only the users of that connection.
	Connection string
	// Fields are the profile paths to read ("email", "user_metadata.plan",
	// "identities[0].connection"). A path selects its root attribute
	// whole; a root the profile does not know selects that unknown
	// attribute. user_id is read always (it is the position) but set on
	// the records only when asked for. Empty means every attribute.
	Fields []string
	// Range limits the read to the users whose user_id is in it (a shard;
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

// Source reads ferry's PostgreSQL store in user_id order (byte order), one
// keyset page per batch: "WHERE user_id > last ORDER BY user_id LIMIT n",
// never OFFSET, so each batch costs the same however deep into the table it
// is and memory holds one batch. A page that fails because the database
// went away is read again on a new connection. It is not safe for
// concurrent use.
type Source struct {
	name string
	cfg  *pgx.ConnConfig
	conn *pgx.Conn
	row  *store.Row
	opts Options

	page, split string // SQL

	keepID    bool
	keepExtra map[string]bool // unknown attributes asked for; nil keeps all

	after string // last user_id read
	index int64  // records read so far
	seq   uint64
	done  bool
}

// Open connects to the store named by location ("postgres://…") for
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
		name: "postgres:" + store.Redact(location), cfg: cfg, row: row, opts: opts,
		keepID: keepID, keepExtra: keepExtra,
		after: opts.Range.After,
	}
	s.page, s.split = s.queries(cols)
	if err := s.connect(ctx); err != nil {
		return nil, err
	}
	v, err := store.Version(ctx, s.conn)
	if err == nil && v == 0 {
		err = ErrNotStore
	}
	if err == nil && v > store.SchemaVersion {
		err = fmt.Errorf("%w: version %d", store.ErrSchemaTooNew, v)
	}
	if err == nil {
		// Check the query once, so that a bad Where fails at Open.
		_, err = s.conn.Prepare(ctx, "", s.page)
	}
	if err != nil {
		s.conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("postgres source %s: %w", s.name, err)
	}
	return s, nil
}

// queries builds the page query and the split query. The caller's
// expression comes first, so that its $1… keep their numbers.
func (s *Source) queries(cols []string) (page, split string) {
	var filter strings.Builder
	n := len(s.opts.Args)
	next := func() string { n++; return "$" + strconv.Itoa(n) }
	if s.opts.Where != "" {
		filter.WriteString("(" + s.opts.Where + ") AND ")
	}
	if s.opts.Connection != "" {
		filter.WriteString("connection = " + next() + " AND ")
	}
	base := filter.String()
	if s.opts.Range.Through != "" {
		filter.WriteString("user_id <= " + next() + " AND ")
	}
	page = "SELECT " + strings.Join(cols, ", ") + " FROM users WHERE " + filter.String() +
		"user_id > " + next() + " ORDER BY user_id LIMIT " + next()
	split = "SELECT max(user_id) FROM (SELECT user_id, ntile($" + strconv.Itoa(len(s.fixedArgs())+1) +
		") OVER (ORDER BY user_id) AS tile FROM users WHERE " + base + "true) t GROUP BY tile ORDER BY 1"
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

func (s *Source) connect(ctx context.Context) error {
	c := s.cfg.Copy()
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = 10 * time.Second
	}
	conn, err := pgx.ConnectConfig(ctx, c)
	if err != nil {
		return fmt.Errorf("postgres source %s: connect: %w", s.name, err)
	}
	s.conn = conn
	return nil
}

// columns returns the columns to select for fields, whether user_id was
// asked for, and the unknown attributes asked for.
func columns(fields []string) (cols []string, keepID bool, keepExtra map[string]bool, err error) {
	all := store.Columns()
	if len(fields) == 0 {
		return all, true, nil, nil
	}
	want := map[string]bool{"user_id": true}
	for _, f := range fields {
		root := f
		if i := strings.IndexAny(f, ".["); i >= 0 {
			root = f[:i]
		}
		if root == "" {
			return nil, false, nil, fmt.Errorf("postgres source: %w: %q names no attribute", ErrField, f)
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

// Name returns the source's name in positions: "postgres:" and the
// location without its password.
func (s *Source) Name() string { return s.name }

// Resume makes the source continue after cp: with the user after cp.Key,
// numbering records from cp.Index and batches from cp.Seq+1.
func (s *Source) Resume(ctx context.Context, cp pipeline.Checkpoint) error {
	if cp.Key == "" && cp.Index > 0 {
		return fmt.Errorf("postgres source %s: resume: checkpoint after record %d holds no key", s.name, cp.Index)
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
		return nil, fmt.Errorf("postgres source %s: batch %d: %w", s.name, s.seq, err)
	}
	if s.done {
		return nil, io.EOF
	}
	args := s.fixedArgs()
	if s.opts.Range.Through != "" {
		args = append(args, s.opts.Range.Through)
	}
	args = append(args, s.after, s.opts.BatchSize)
	var b *pipeline.Batch
	var err error
	for attempt := 1; ; attempt++ {
		if s.conn == nil {
			err = s.connect(ctx)
		}
		if err == nil {
			b, err = s.read(ctx, args)
		}
		if err == nil || !store.Retryable(err) || attempt > s.opts.Retries || ctx.Err() != nil {
			break
		}
		if s.conn != nil {
			s.conn.Close(context.WithoutCancel(ctx))
			s.conn = nil
		}
		wait := backoff(attempt, s.opts.MinBackoff, s.opts.MaxBackoff)
		s.opts.Logger.Warn("postgres source: page failed, retrying", "source", s.name, "batch", s.seq, "attempt", attempt, "wait", wait, "error", err)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("postgres source %s: batch %d after record %d: %w", s.name, s.seq, s.index, err)
	}
	if b == nil {
		return nil, io.EOF
	}
	return b, nil
}

// read runs one page query; it returns nil at the end.
func (s *Source) read(ctx context.Context, args []any) (*pipeline.Batch, error) {
	rows, err := s.conn.Query(ctx, s.page, append([]any{pgx.QueryResultFormats{pgx.BinaryFormatCode}}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	b := &pipeline.Batch{Seq: s.seq, Records: make([]pipeline.Record, 0, s.opts.BatchSize)}
	n, last := 0, s.after
	for rows.Next() {
		vals := rows.RawValues()
		origin := pipeline.Position{Source: s.name, Index: s.index + int64(n)}
		last = s.row.UserID(vals)
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
	if s.conn == nil {
		if err := s.connect(ctx); err != nil {
			return nil, err
		}
	}
	rows, err := s.conn.Query(ctx, s.split, append(s.fixedArgs(), n)...)
	if err != nil {
		return nil, fmt.Errorf("postgres source %s: split: %w", s.name, err)
	}
	bounds, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres source %s: split: %w", s.name, err)
	}
	return sqltable.Ranges(bounds), nil
}

// Close releases the connection.
func (s *Source) Close() error {
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close(context.Background())
	s.conn = nil
	if err != nil {
		return fmt.Errorf("postgres source %s: close: %w", s.name, err)
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
