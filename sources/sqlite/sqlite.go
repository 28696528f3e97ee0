package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	store "github.com/ferry-dev/ferry/sinks/sqlite"
)

var (
	_ pipeline.Source  = (*Source)(nil)
	_ pipeline.Resumer = (*Source)(nil)
)

// ErrNotStore is returned when the file holds no ferry store.
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
	// placeholders: what (*query.Query).SQL(query.SQLite, …) returns.
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
}

// Source reads ferry's store back in user_id order, one keyset page per
// batch: "WHERE user_id > last ORDER BY user_id LIMIT n", never OFFSET, so
// each batch costs the same however deep into the table it is and memory
// holds one batch. It is not safe for concurrent use.
type Source struct {
	name string
	db   *sql.DB
	page *sql.Stmt
	row  *store.Row
	opts Options

	keepID    bool
	keepExtra map[string]bool // unknown attributes asked for; nil keeps all

	after string // last user_id read
	index int64  // records read so far
	seq   uint64
	done  bool
}

// Open opens the store named by location ("sqlite://PATH", a *.db path, or
// "" for the default ./ferry.db) for reading. The file must exist and hold a
// ferry store of a known schema version.
func Open(ctx context.Context, location string, opts Options) (*Source, error) {
	path, err := store.ParseLocation(location)
	if err != nil {
		return nil, err
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	cols, keepID, keepExtra, err := columns(opts.Fields)
	if err != nil {
		return nil, err
	}
	db, err := store.OpenReadOnly(ctx, path)
	if err != nil {
		return nil, err
	}
	s, err := open(ctx, db, path, cols, opts)
	if err != nil {
		db.Close()
		return nil, err
	}
	s.keepID, s.keepExtra = keepID, keepExtra
	return s, nil
}

func open(ctx context.Context, db *sql.DB, path string, cols []string, opts Options) (*Source, error) {
	v, err := store.Version(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("sqlite source %s: %w", path, err)
	}
	if v == 0 {
		return nil, fmt.Errorf("sqlite source %s: %w", path, ErrNotStore)
	}
	if v > store.SchemaVersion {
		return nil, fmt.Errorf("sqlite source %s: %w: version %d", path, store.ErrSchemaTooNew, v)
	}
	row, err := store.NewRow(cols)
	if err != nil {
		return nil, err
	}
	// The caller's expression comes first, so that its '?' (or ?NNN)
	// placeholders take the first numbers and ours follow.
	var q strings.Builder
	q.WriteString("SELECT ")
	q.WriteString(strings.Join(cols, ", "))
	q.WriteString(" FROM users WHERE ")
	if opts.Where != "" {
		q.WriteString("(")
		q.WriteString(opts.Where)
		q.WriteString(") AND ")
	}
	if opts.Connection != "" {
		q.WriteString("connection = ? AND ")
	}
	q.WriteString("user_id > ? ORDER BY user_id LIMIT ?")
	page, err := db.PrepareContext(ctx, q.String())
	if err != nil {
		return nil, fmt.Errorf("sqlite source %s: prepare page query: %w", path, err)
	}
	return &Source{name: "sqlite:" + path, db: db, page: page, row: row, opts: opts}, nil
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
			return nil, false, nil, fmt.Errorf("sqlite source: %w: %q names no attribute", ErrField, f)
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
			root, keepExtra = "extra", mapSet(keepExtra, root)
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

func mapSet(m map[string]bool, k string) map[string]bool {
	if m == nil {
		m = make(map[string]bool)
	}
	m[k] = true
	return m
}

// Name returns the source's name in positions: "sqlite:PATH".
func (s *Source) Name() string { return s.name }

// Resume makes the source continue after cp: with the user after cp.Key,
// numbering records from cp.Index and batches from cp.Seq+1.
func (s *Source) Resume(ctx context.Context, cp pipeline.Checkpoint) error {
	if cp.Key == "" && cp.Index > 0 {
		return fmt.Errorf("sqlite source %s: resume: checkpoint after record %d holds no key", s.name, cp.Index)
	}
	s.after, s.index, s.seq, s.done = cp.Key, cp.Index, cp.Seq+1, false
	return nil
}

// Next returns the next page of users, or io.EOF after the last. A row that
// cannot be read back into a profile becomes a reject with PARSE_ERROR, so
// the run's counts still add up.
func (s *Source) Next(ctx context.Context) (*pipeline.Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sqlite source %s: batch %d: %w", s.name, s.seq, err)
	}
	if s.done {
		return nil, io.EOF
	}
	args := append(make([]any, 0, len(s.opts.Args)+3), s.opts.Args...)
	if s.opts.Connection != "" {
		args = append(args, s.opts.Connection)
	}
	args = append(args, s.after, s.opts.BatchSize)
	rows, err := s.page.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite source %s: batch %d after record %d: %w", s.name, s.seq, s.index, err)
	}
	defer rows.Close()
	b := &pipeline.Batch{Seq: s.seq, Records: make([]pipeline.Record, 0, s.opts.BatchSize)}
	n, last := 0, s.after
	for rows.Next() {
		if err := rows.Scan(s.row.Dest()...); err != nil {
			return nil, fmt.Errorf("sqlite source %s: record %d: %w", s.name, s.index+int64(n), err)
		}
		origin := pipeline.Position{Source: s.name, Index: s.index + int64(n)}
		last = s.row.UserID()
		n++
		var u profile.User
		if err := s.row.User(&u); err != nil {
			var is profile.Issues
			is.Add(profile.CodeParse, "", "stored row unreadable: "+err.Error())
			b.Rejects = append(b.Rejects, pipeline.Reject{Origin: origin, Issues: is})
			continue
		}
		s.trim(&u)
		b.Records = append(b.Records, pipeline.Record{User: u, Origin: origin})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite source %s: batch %d after record %d: %w", s.name, s.seq, s.index, err)
	}
	if n < s.opts.BatchSize {
		s.done = true
	}
	if n == 0 {
		return nil, io.EOF
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

// Close releases the store.
func (s *Source) Close() error {
	s.page.Close()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("sqlite source %s: close: %w", s.name, err)
	}
	return nil
}
