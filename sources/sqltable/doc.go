// Package sqltable reads a legacy user table — any SELECT on PostgreSQL,
// MySQL/MariaDB or SQLite — as a pipeline.Source, for migrations that start
// in a database:
//
//	ferry import --from 'postgres://…/legacy' --query 'SELECT * FROM accounts WHERE active' --map accounts.yaml
//
// A Mapping (LoadMapping reads it from YAML; it extends profile.Mapping)
// names the key column the source pages by and what each column means: a
// profile path, a password column with its hash format (converted to
// Auth0's password_hash or custom_password_hash), or nothing (ignored).
// Columns it does not name resolve like a CSV header's: through the alias
// table, else as unknown attributes.
//
// Rows stream in key order, one keyset page per batch: the query is wrapped
// as a derived table, "SELECT * FROM (query) WHERE key > last ORDER BY key
// LIMIT n" — never OFFSET, never the whole result in memory. The key must
// be unique and never NULL (the source checks both as it reads); it may be
// an integer, a string or a time. Split cuts the rows into key ranges for
// shards, and a checkpoint's Key lets a run resume after the last row it
// committed.
//
// Package sources/postgres and sources/mysql open table sources on their
// databases (OpenTable); OpenSQLite opens one on a SQLite file.
package sqltable
