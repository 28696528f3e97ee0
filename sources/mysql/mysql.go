package mysql

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	store "github.com/ferry-dev/ferry/sinks/mysql"
	"github.com/ferry-dev/ferry/sources/internal/sqlsource"
)

// ErrNotStore is returned when the database holds no ferry store.
var ErrNotStore = sqlsource.ErrNotStore

// ErrField is returned for a field that names no attribute.
var ErrField = sqlsource.ErrField

// DefaultBatchSize is the number of users per batch when
// Options.BatchSize is 0.
const DefaultBatchSize = sqlsource.DefaultBatchSize

// Options configure a Source. The zero value reads every user of every
// connection, every attribute, in batches of DefaultBatchSize. Where's
// placeholders are '?': Where and Args are what (*query.Query).SQL(
// query.MySQL, mysql.QueryColumns()) returns (package sinks/mysql). Range
// bounds are row ids.
type Options = sqlsource.Options

// Source reads ferry's MySQL store in the order its rows were stored, by
// the table's AUTO_INCREMENT key (InnoDB's clustered order, so a read is a
// sequential scan), one keyset page per batch: "WHERE id > last ORDER BY id
// LIMIT n", never OFFSET, so each batch costs the same however deep into
// the table it is and memory holds one batch. A page that fails because
// the database went away is read again on a new connection. It is not
// safe for concurrent use.
type Source = sqlsource.Source

// dialect is the MySQL store as a source reads it: paged by row id.
var dialect = sqlsource.Dialect{
	Name:            "mysql",
	Key:             "id",
	Columns:         store.Columns(),
	NewRow:          func(cols []string) (sqlsource.Row, error) { return store.NewRow(cols) },
	KeyArg:          rowID,
	Retryable:       store.Retryable,
	SchemaVersion:   store.SchemaVersion,
	ErrSchemaTooNew: store.ErrSchemaTooNew,
}

var errRowID = errors.New("checkpoint key is not a row id")

// rowID reads a row id written as decimal text; "" is 0, before every
// row.
func rowID(text string) (any, error) {
	if text == "" {
		return uint64(0), nil
	}
	n, err := strconv.ParseUint(text, 10, 64)
	if err != nil {
		return uint64(0), errRowID
	}
	return n, nil
}

// Open connects to the store named by location ("mysql://…") for
// reading. The database must hold a ferry store of a known schema version.
func Open(ctx context.Context, location string, opts Options) (*Source, error) {
	cfg, err := store.ParseLocation(location)
	if err != nil {
		return nil, err
	}
	return sqlsource.Open(ctx, dialect, store.Redact(location), func(context.Context) (sqlsource.Conn, error) {
		db, err := store.OpenDB(cfg)
		if err != nil {
			return nil, err
		}
		return conn{db}, nil
	}, opts)
}

// conn is a source's handle on the database: database/sql connects again
// by itself after a failure.
type conn struct{ db *sql.DB }

func (c conn) Version(ctx context.Context) (int, error) {
	sc, err := c.db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer sc.Close()
	return store.Version(ctx, sc)
}

func (c conn) Check(ctx context.Context, query string, args []any) error {
	rows, err := c.db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	return rows.Close()
}

func (c conn) Query(ctx context.Context, query string, args []any, row func(vals [][]byte)) error {
	rows, err := c.db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	raw := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(cols))
	for i := range raw {
		dest[i] = &raw[i]
	}
	vals := make([][]byte, len(cols))
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		for i, v := range raw {
			vals[i] = v
		}
		row(vals)
	}
	return rows.Err()
}

func (c conn) Reset(context.Context) {}

func (c conn) Close() error { return c.db.Close() }
