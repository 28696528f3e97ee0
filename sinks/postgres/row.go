package postgres

import (
	"fmt"

	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/profile/query"
	"github.com/ferry-dev/ferry/sinks/internal/sqlstore"
)

// Columns returns the names of the users table's columns in table order:
// the SQLite store's. "connection" is the store's own column; "extra"
// holds the unknown attributes as one JSON object; every other column is
// the profile attribute of the same name.
func Columns() []string { return sqlstore.Columns() }

// QueryColumns returns the layout of the users table for
// (*query.Query).SQL with query.Postgres: the JSON columns are cast to
// jsonb, which the query's jsonpath tests need (the store keeps json, the
// input's exact text).
func QueryColumns() query.Columns {
	c := query.DefaultColumns()
	c.AppMetadata = "app_metadata::jsonb"
	c.UserMetadata = "user_metadata::jsonb"
	c.Identities = "identities::jsonb"
	return c
}

// Row reads rows of the users table, in PostgreSQL's binary format, back
// into profiles: select the columns it was made for, then pass each row's
// raw values (pgx.Rows.RawValues) to User. A Row keeps a scratch buffer;
// it is not safe for concurrent use.
type Row struct {
	d *sqlstore.Decoder
}

// NewRow returns a Row for the named columns, in the order they are
// selected. Every name must be one of Columns.
func NewRow(columns []string) (*Row, error) {
	d, err := sqlstore.NewDecoder(sqlstore.Binary, columns)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return &Row{d: d}, nil
}

// UserID returns the user_id among vals, or "" when it was not selected.
func (r *Row) UserID(vals [][]byte) string { return r.d.UserID(vals) }

// User fills u from one row's raw values (nil for NULL). An error wraps
// ErrCorrupt and names the column, never its value.
func (r *Row) User(vals [][]byte, u *profile.User) error { return r.d.User(vals, u) }

// ErrCorrupt is returned when a stored row cannot be read back into a
// profile.
var ErrCorrupt = sqlstore.ErrCorrupt
