package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ferry-dev/ferry/sinks/internal/sqlstore"
)

// SchemaVersion is the version of the store schema this package writes.
// Migrate brings an older store up to it.
const SchemaVersion = 1

// ErrSchemaTooNew is returned when a store was created by a newer ferry
// whose schema this version does not know.
var ErrSchemaTooNew = errors.New("store schema is newer than this ferry")

// migrations are applied in order; migrations[i] brings the schema from
// version i to version i+1. Released migrations are never edited: a change
// is a new entry. The SQL stays within what PostgreSQL and MySQL can mirror
// (see doc.go for the logical schema the other stores follow).
var migrations = [...]string{
	// 1: users, checkpoints.
	`CREATE TABLE users (
	user_id              TEXT NOT NULL PRIMARY KEY,
	connection           TEXT NOT NULL,
	email                TEXT,
	email_verified       INTEGER,
	phone_number         TEXT,
	phone_verified       INTEGER,
	username             TEXT,
	given_name           TEXT,
	family_name          TEXT,
	name                 TEXT,
	nickname             TEXT,
	picture              TEXT,
	blocked              INTEGER,
	created_at           TEXT,
	updated_at           TEXT,
	last_login           TEXT,
	last_password_reset  TEXT,
	last_ip              TEXT,
	logins_count         INTEGER,
	identities           TEXT,
	app_metadata         TEXT,
	user_metadata        TEXT,
	mfa_factors          TEXT,
	password_hash        TEXT,
	custom_password_hash TEXT,
	extra                TEXT,
	UNIQUE (connection, email),
	UNIQUE (connection, username)
) STRICT;
CREATE TABLE ferry_checkpoints (
	job        TEXT NOT NULL PRIMARY KEY,
	checkpoint TEXT NOT NULL,
	updated_at TEXT NOT NULL
) STRICT;`,
}

// Migrate creates the store schema in db or brings it up to SchemaVersion.
// It runs in one transaction and records each applied version in the
// ferry_schema table, so running it twice, or from two processes at once,
// is harmless. A store whose version is newer than SchemaVersion is left
// alone and ErrSchemaTooNew returned.
func Migrate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: begin: %w", err)
	}
	defer tx.Rollback()

	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS ferry_schema (
	version    INTEGER NOT NULL PRIMARY KEY,
	applied_at TEXT NOT NULL
) STRICT`); err != nil {
		return fmt.Errorf("sqlite: migrate: create ferry_schema: %w", err)
	}
	v, err := version(ctx, tx)
	if err != nil {
		return err
	}
	if v > len(migrations) {
		return fmt.Errorf("sqlite: migrate: %w: store has version %d, this ferry knows %d", ErrSchemaTooNew, v, len(migrations))
	}
	for i := v; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("sqlite: migrate to version %d: %w", i+1, err)
		}
		now := time.Now().UTC().Format(sqlstore.TimeLayout)
		if _, err := tx.ExecContext(ctx, `INSERT INTO ferry_schema (version, applied_at) VALUES (?, ?)`, i+1, now); err != nil {
			return fmt.Errorf("sqlite: migrate to version %d: record version: %w", i+1, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: migrate: commit: %w", err)
	}
	return nil
}

// Version returns the schema version of the store in db, 0 for a database
// that holds no ferry store yet.
func Version(ctx context.Context, db *sql.DB) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'ferry_schema'`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlite: schema version: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	return version(ctx, db)
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func version(ctx context.Context, q querier) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM ferry_schema`).Scan(&v); err != nil {
		return 0, fmt.Errorf("sqlite: schema version: %w", err)
	}
	return v, nil
}
