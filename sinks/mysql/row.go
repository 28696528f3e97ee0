package mysql

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
// (*query.Query).SQL with query.MySQL: the default one.
func QueryColumns() query.Columns { return query.DefaultColumns() }

// Row reads rows of the users table, as the text protocol returns them
// (scan into sql.RawBytes), back into profiles: select the columns it was
// made for, then pass each row's values to User. A Row keeps a scratch
// buffer; it is not safe for concurrent use.
type Row struct {
	d *sqlstore.Decoder
}

// NewRow returns a Row for the named columns, in the order they are
// selected. Every name must be one of Columns.
func NewRow(columns []string) (*Row, error) {
	d, err := sqlstore.NewDecoder(sqlstore.Text, columns)
	if err != nil {
		return nil, fmt.Errorf("mysql: %w", err)
	}
	return &Row{d: d}, nil
}

// UserID returns the user_id among vals, or "" when it was not selected.
func (r *Row) UserID(vals [][]byte) string { return r.d.UserID(vals) }

// User fills u from one row's values (nil for NULL). An error wraps
// ErrCorrupt and names the column, never its value.
func (r *Row) User(vals [][]byte, u *profile.User) error { return r.d.User(vals, u) }

// ErrCorrupt is returned when a stored row cannot be read back into a
// profile.
var ErrCorrupt = sqlstore.ErrCorrupt
