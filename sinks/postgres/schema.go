package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// SchemaVersion is the version of the store schema this package writes.
// Migrate brings an older store up to it.
const SchemaVersion = 2

// ErrSchemaTooNew is returned when a store was created by a newer ferry
// whose schema this version does not know.
var ErrSchemaTooNew = errors.New("store schema is newer than this ferry")

// migrations are applied in order; migrations[i] brings the schema from
// version i to version i+1. Released migrations are never edited: a change
// is a new entry. The tables mirror the SQLite store's logical schema with
// PostgreSQL types: JSON columns are json (the input's text byte for byte,
// which jsonb would reorder), times timestamptz, booleans boolean; user_id
// sorts in byte order (COLLATE "C") for keyset pagination.
var migrations = [...]string{
	// 1: users, checkpoints.
	`CREATE TABLE users (
	user_id              varchar(255) COLLATE "C" NOT NULL,
	connection           varchar(128) NOT NULL,
	email                varchar(254),
	email_verified       boolean,
	phone_number         text,
	phone_verified       boolean,
	username             varchar(128),
	given_name           text,
	family_name          text,
	name                 text,
	nickname             text,
	picture              text,
	blocked              boolean,
	created_at           timestamptz,
	updated_at           timestamptz,
	last_login           timestamptz,
	last_password_reset  timestamptz,
	last_ip              text,
	logins_count         bigint,
	identities           json,
	app_metadata         json,
	user_metadata        json,
	mfa_factors          json,
	password_hash        text,
	custom_password_hash json,
	extra                json,
	CONSTRAINT users_pkey PRIMARY KEY (user_id),
	CONSTRAINT users_connection_email_key UNIQUE (connection, email),
	CONSTRAINT users_connection_username_key UNIQUE (connection, username)
);
CREATE TABLE ferry_checkpoints (
	job        text NOT NULL PRIMARY KEY,
	checkpoint json NOT NULL,
	updated_at timestamptz NOT NULL
);`,
	// 2: the audit trail of bulk changes (ferry users …).
	`CREATE TABLE ferry_audit (
	id         bigserial PRIMARY KEY,
	at         timestamptz NOT NULL,
	actor      text NOT NULL,
	operation  text NOT NULL,
	query      text NOT NULL,
	count      bigint NOT NULL
);`,
}

// migrateLock is the advisory lock Migrate holds, so that two processes
// migrating one database take turns.
const migrateLock = 0x66657272790001 // "ferry" 1

// Migrate creates the store schema in the connection's database (in the
// first schema of its search_path) or brings it up to SchemaVersion. It runs
// in one transaction under an advisory lock and records each applied
// version in the ferry_schema table, so running it twice, or from two
// processes at once, is harmless. A store whose version is newer than
// SchemaVersion is left alone and ErrSchemaTooNew returned.
func Migrate(ctx context.Context, conn *pgx.Conn) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrateLock)); err != nil {
		return fmt.Errorf("postgres: migrate: lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS ferry_schema (
	version    integer NOT NULL PRIMARY KEY,
	applied_at timestamptz NOT NULL
)`); err != nil {
		return fmt.Errorf("postgres: migrate: create ferry_schema: %w", err)
	}
	var v int
	if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM ferry_schema").Scan(&v); err != nil {
		return fmt.Errorf("postgres: migrate: schema version: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("postgres: migrate: %w: store has version %d, this ferry knows %d", ErrSchemaTooNew, v, len(migrations))
	}
	for i := v; i < len(migrations); i++ {
		if _, err := tx.Exec(ctx, migrations[i]); err != nil {
			return fmt.Errorf("postgres: migrate to version %d: %w", i+1, err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO ferry_schema (version, applied_at) VALUES ($1, now())", i+1); err != nil {
			return fmt.Errorf("postgres: migrate to version %d: record version: %w", i+1, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: commit: %w", err)
	}
	return nil
}

// Version returns the schema version of the store the connection sees, 0
// when its database (search_path) holds no ferry store yet.
func Version(ctx context.Context, conn *pgx.Conn) (int, error) {
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT to_regclass('ferry_schema') IS NOT NULL").Scan(&exists); err != nil {
		return 0, fmt.Errorf("postgres: schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v int
	if err := conn.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM ferry_schema").Scan(&v); err != nil {
		return 0, fmt.Errorf("postgres: schema version: %w", err)
	}
	return v, nil
}
