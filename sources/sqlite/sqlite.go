package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"

	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	store "github.com/ferry-dev/ferry/sinks/sqlite"
	"github.com/ferry-dev/ferry/sources/internal/sqlsource"
)

var (
	_ pipeline.Source  = (*Source)(nil)
	_ pipeline.Resumer = (*Source)(nil)
)

// ErrNotStore is returned when the file holds no ferry store.
var ErrNotStore = sqlsource.ErrNotStore

// ErrField is returned for a field that names no attribute.
var ErrField = sqlsource.ErrField

// DefaultBatchSize is the number of users per batch when
// Options.BatchSize is 0.
const DefaultBatchSize = sqlsource.DefaultBatchSize

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
	cur  sqlsource.Cursor
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
	fields, err := sqlsource.SelectFields("sqlite source", store.Columns(), "user_id", opts.Fields)
	if err != nil {
		return nil, err
	}
	db, err := store.OpenReadOnly(ctx, path)
	if err != nil {
		return nil, err
	}
	s, err := open(ctx, db, path, fields, opts)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func open(ctx context.Context, db *sql.DB, path string, fields sqlsource.Fields, opts Options) (*Source, error) {
	cols := fields.Columns
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
	name := "sqlite:" + path
	return &Source{name: name, db: db, page: page, row: row, opts: opts, cur: sqlsource.NewCursor(name, fields, "")}, nil
}

// Name returns the source's name in positions: "sqlite:PATH".
func (s *Source) Name() string { return s.name }

// Resume makes the source continue after cp: with the user after cp.Key,
// numbering records from cp.Index and batches from cp.Seq+1.
func (s *Source) Resume(ctx context.Context, cp pipeline.Checkpoint) error {
	if err := s.cur.Resume(cp, ""); err != nil {
		return fmt.Errorf("sqlite source %s: resume: %w", s.name, err)
	}
	return nil
}

// Next returns the next page of users, or io.EOF after the last. A row that
// cannot be read back into a profile becomes a reject with PARSE_ERROR, so
// the run's counts still add up.
func (s *Source) Next(ctx context.Context) (*pipeline.Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sqlite source %s: batch %d: %w", s.name, s.cur.Seq(), err)
	}
	if s.cur.Done() {
		return nil, io.EOF
	}
	args := append(make([]any, 0, len(s.opts.Args)+3), s.opts.Args...)
	if s.opts.Connection != "" {
		args = append(args, s.opts.Connection)
	}
	args = append(args, s.cur.After(), s.opts.BatchSize)
	rows, err := s.page.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite source %s: batch %d after record %d: %w", s.name, s.cur.Seq(), s.cur.Index(), err)
	}
	defer rows.Close()
	p := s.cur.Page(s.opts.BatchSize)
	for rows.Next() {
		if err := rows.Scan(s.row.Dest()...); err != nil {
			return nil, fmt.Errorf("sqlite source %s: record %d: %w", s.name, p.Index(), err)
		}
		var u profile.User
		key := s.row.UserID()
		p.Add(key, &u, s.row.User(&u))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite source %s: batch %d after record %d: %w", s.name, s.cur.Seq(), s.cur.Index(), err)
	}
	b := p.End(s.opts.BatchSize)
	if b == nil {
		return nil, io.EOF
	}
	return b, nil
}

// Close releases the store.
func (s *Source) Close() error {
	s.page.Close()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("sqlite source %s: close: %w", s.name, err)
	}
	return nil
}
