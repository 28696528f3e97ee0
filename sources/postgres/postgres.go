package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	store "github.com/ferry-dev/ferry/sinks/postgres"
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
// placeholders are $1, $2…: Where and Args are what (*query.Query).SQL(
// query.Postgres, postgres.QueryColumns()) returns (package
// sinks/postgres). user_id is read always (it is the position); Range
// bounds are user_ids.
type Options = sqlsource.Options

// Source reads ferry's PostgreSQL store in user_id order (byte order), one
// keyset page per batch: "WHERE user_id > last ORDER BY user_id LIMIT n",
// never OFFSET, so each batch costs the same however deep into the table it
// is and memory holds one batch. A page that fails because the database
// went away is read again on a new connection. It is not safe for
// concurrent use.
type Source = sqlsource.Source

// dialect is the PostgreSQL store as a source reads it: paged by user_id,
// rows in the binary format.
var dialect = sqlsource.Dialect{
	Name:            "postgres",
	Key:             "user_id",
	Numbered:        true,
	Columns:         store.Columns(),
	NewRow:          func(cols []string) (sqlsource.Row, error) { return store.NewRow(cols) },
	Retryable:       store.Retryable,
	SchemaVersion:   store.SchemaVersion,
	ErrSchemaTooNew: store.ErrSchemaTooNew,
}

// Open connects to the store named by location ("postgres://…") for
// reading. The database must hold a ferry store of a known schema version.
func Open(ctx context.Context, location string, opts Options) (*Source, error) {
	cfg, err := store.ParseLocation(location)
	if err != nil {
		return nil, err
	}
	return sqlsource.Open(ctx, dialect, store.Redact(location), func(ctx context.Context) (sqlsource.Conn, error) {
		c := &conn{cfg: cfg}
		return c, c.connect(ctx)
	}, opts)
}

// conn is a source's connection, made again on the next call after Reset.
type conn struct {
	cfg  *pgx.ConnConfig
	conn *pgx.Conn // nil after Reset
}

func (c *conn) connect(ctx context.Context) error {
	cfg := c.cfg.Copy()
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	pc, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	c.conn = pc
	return nil
}

func (c *conn) Version(ctx context.Context) (int, error) { return store.Version(ctx, c.conn) }

func (c *conn) Check(ctx context.Context, query string, _ []any) error {
	_, err := c.conn.Prepare(ctx, "", query)
	return err
}

func (c *conn) Query(ctx context.Context, query string, args []any, row func(vals [][]byte)) error {
	if c.conn == nil {
		if err := c.connect(ctx); err != nil {
			return err
		}
	}
	rows, err := c.conn.Query(ctx, query, append([]any{pgx.QueryResultFormats{pgx.BinaryFormatCode}}, args...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		row(rows.RawValues())
	}
	return rows.Err()
}

func (c *conn) Reset(ctx context.Context) {
	if c.conn != nil {
		c.conn.Close(context.WithoutCancel(ctx))
		c.conn = nil
	}
}

func (c *conn) Close() error {
	if c.conn == nil {
		return nil
	}
	err := c.conn.Close(context.Background())
	c.conn = nil
	return err
}
