package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ferry-dev/ferry/sinks/internal/sqlstore"
)

// SchemaVersion is the version of the store schema this package writes.
// Migrate brings an older store up to it.
const SchemaVersion = 2

// ErrSchemaTooNew is returned when a store was created by a newer ferry
// whose schema this version does not know.
var ErrSchemaTooNew = errors.New("store schema is newer than this ferry")

// migrations are applied in order; migrations[i] brings the schema from
// version i to version i+1, one statement at a time. Released migrations
// are never edited: a change is a new entry. MySQL commits each DDL
// statement on its own, so every statement is idempotent and a migration
// cut short is simply run again.
//
// The tables mirror the SQLite store's logical schema the way package
// profile/query expects of MySQL: JSON as LONGTEXT (the input's exact text;
// MySQL 8's JSON type would reorder keys), times as fixed-width UTC text,
// booleans as 0/1. Text compares by bytes with no trailing-space padding
// ({collation}), so that uniqueness and keyset order are those of the other
// stores. InnoDB clusters a table by its primary key: users has a
// surrogate AUTO_INCREMENT key, so that an import appends rows instead of
// inserting them all over a tree ordered by random user_ids (several times
// slower once the table outgrows the buffer pool), and user_id is a unique
// key like the emails and usernames.
var migrations = [...][]string{
	{ // 1: users, checkpoints.
		`CREATE TABLE IF NOT EXISTS users (
	id                   BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	user_id              VARCHAR(255) NOT NULL,
	connection           VARCHAR(128) NOT NULL,
	email                VARCHAR(254) NULL,
	email_verified       TINYINT NULL,
	phone_number         TEXT NULL,
	phone_verified       TINYINT NULL,
	username             VARCHAR(128) NULL,
	given_name           TEXT NULL,
	family_name          TEXT NULL,
	name                 TEXT NULL,
	nickname             TEXT NULL,
	picture              TEXT NULL,
	blocked              TINYINT NULL,
	created_at           VARCHAR(32) NULL,
	updated_at           VARCHAR(32) NULL,
	last_login           VARCHAR(32) NULL,
	last_password_reset  VARCHAR(32) NULL,
	last_ip              TEXT NULL,
	logins_count         BIGINT NULL,
	identities           LONGTEXT NULL,
	app_metadata         LONGTEXT NULL,
	user_metadata        LONGTEXT NULL,
	mfa_factors          LONGTEXT NULL,
	password_hash        TEXT NULL,
	custom_password_hash LONGTEXT NULL,
	extra                LONGTEXT NULL,
	PRIMARY KEY (id),
	UNIQUE KEY users_user_id_key (user_id),
	UNIQUE KEY users_connection_email_key (connection, email),
	UNIQUE KEY users_connection_username_key (connection, username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation}`,
		`CREATE TABLE IF NOT EXISTS ferry_checkpoints (
	job        VARCHAR(255) NOT NULL PRIMARY KEY,
	checkpoint LONGTEXT NOT NULL,
	updated_at VARCHAR(32) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation}`,
	},
	{ // 2: the audit trail of bulk changes (ferry users …).
		`CREATE TABLE IF NOT EXISTS ferry_audit (
	id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	at         VARCHAR(32) NOT NULL,
	actor      TEXT NOT NULL,
	operation  VARCHAR(16) NOT NULL,
	query      TEXT NOT NULL,
	count      BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation}`,
	},
}

// collation picks the binary, no-pad utf8mb4 collation the server has:
// MariaDB's utf8mb4_nopad_bin, MySQL 8's utf8mb4_0900_bin, else
// utf8mb4_bin (which ignores trailing spaces when comparing).
func collation(ctx context.Context, q querier) (string, error) {
	for _, c := range []string{"utf8mb4_nopad_bin", "utf8mb4_0900_bin"} {
		var n int
		if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.COLLATIONS WHERE COLLATION_NAME = ?", c).Scan(&n); err != nil {
			return "", fmt.Errorf("mysql: migrate: collations: %w", err)
		}
		if n > 0 {
			return c, nil
		}
	}
	return "utf8mb4_bin", nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Migrate creates the store schema in the connection's database or brings
// it up to SchemaVersion, recording each applied version in the
// ferry_schema table. It holds a named lock while it works, so running it
// twice, or from two processes at once, is harmless. A store whose version
// is newer than SchemaVersion is left alone and ErrSchemaTooNew returned.
func Migrate(ctx context.Context, conn *sql.Conn) error {
	var db string
	if err := conn.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&db); err != nil {
		return fmt.Errorf("mysql: migrate: %w", err)
	}
	lock := "ferry_migrate." + db
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 60)", lock).Scan(&got); err != nil {
		return fmt.Errorf("mysql: migrate: lock: %w", err)
	}
	if got.Int64 != 1 {
		return fmt.Errorf("mysql: migrate: another process holds the migration lock of database %s", db)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK(?)", lock)

	coll, err := collation(ctx, conn)
	if err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS ferry_schema (
	version    INT NOT NULL PRIMARY KEY,
	applied_at VARCHAR(32) NOT NULL
) ENGINE=InnoDB`); err != nil {
		return fmt.Errorf("mysql: migrate: create ferry_schema: %w", err)
	}
	v, err := version(ctx, conn)
	if err != nil {
		return err
	}
	if v > len(migrations) {
		return fmt.Errorf("mysql: migrate: %w: store has version %d, this ferry knows %d", ErrSchemaTooNew, v, len(migrations))
	}
	for i := v; i < len(migrations); i++ {
		for _, stmt := range migrations[i] {
			if _, err := conn.ExecContext(ctx, strings.ReplaceAll(stmt, "{collation}", coll)); err != nil {
				return fmt.Errorf("mysql: migrate to version %d: %w", i+1, err)
			}
		}
		now := time.Now().UTC().Format(sqlstore.TimeLayout)
		if _, err := conn.ExecContext(ctx, "INSERT INTO ferry_schema (version, applied_at) VALUES (?, ?)", i+1, now); err != nil {
			return fmt.Errorf("mysql: migrate to version %d: record version: %w", i+1, err)
		}
	}
	return nil
}

func version(ctx context.Context, q querier) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM ferry_schema").Scan(&v); err != nil {
		return 0, fmt.Errorf("mysql: schema version: %w", err)
	}
	return v, nil
}

// Version returns the schema version of the store in the connection's
// database, 0 when it holds no ferry store yet.
func Version(ctx context.Context, conn *sql.Conn) (int, error) {
	var n int
	err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'ferry_schema'").Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("mysql: schema version: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	return version(ctx, conn)
}
