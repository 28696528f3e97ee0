package sqltable

import (
	"context"

	sqlitestore "github.com/ferry-dev/ferry/sinks/sqlite"
)

// OpenSQLite opens a table source on a SQLite file ("sqlite://PATH" or a
// path ending in .db, .sqlite or .sqlite3), read-only. The file must exist.
func OpenSQLite(ctx context.Context, location string, opts Options) (*Source, error) {
	path, err := sqlitestore.ParseLocation(location)
	if err != nil {
		return nil, err
	}
	db, err := sqlitestore.OpenReadOnly(ctx, path)
	if err != nil {
		return nil, err
	}
	s, err := New(ctx, db, SQLite, "sqlite:"+path, opts)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}
