package mysql

import (
	"context"

	store "github.com/ferry-dev/ferry/sinks/mysql"
	"github.com/ferry-dev/ferry/sources/sqltable"
)

// OpenTable opens a source on any user table of the MySQL or MariaDB
// database named by location: opts.Query is the SELECT and opts.Mapping
// says what its columns mean (see package sqltable). A page that fails
// because the database went away is read again, with backoff.
func OpenTable(ctx context.Context, location string, opts sqltable.Options) (*sqltable.Source, error) {
	cfg, err := store.ParseLocation(location)
	if err != nil {
		return nil, err
	}
	db, err := store.OpenDB(cfg)
	if err != nil {
		return nil, err
	}
	if opts.Retryable == nil {
		opts.Retryable = store.Retryable
	}
	s, err := sqltable.New(ctx, db, sqltable.MySQL, store.Redact(location), opts)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}
