// Package mysql is ferry's store on MySQL 8 or MariaDB 10.6+ (location
// "mysql://user[:password]@host[:port]/database"). It writes profile
// batches with Auth0's import semantics and commits each batch's checkpoint
// in the same transaction, so a run killed half-way resumes with nothing
// lost or doubled.
//
// # Schema
//
// The logical schema is the SQLite store's (package sinks/sqlite): a users
// table with user_id, (connection, email) and (connection, username)
// unique, plus ferry_checkpoints, ferry_schema and ferry_audit. MySQL
// types follow package profile/query: JSON columns are LONGTEXT (the
// input's exact text; MySQL 8's JSON type reorders keys), times fixed-width
// UTC text, booleans 0/1. Tables use a binary no-pad utf8mb4 collation, so
// uniqueness is exact (no case folding, no trailing-space padding) and
// user_ids sort in byte order. InnoDB clusters rows by the primary key: a
// surrogate AUTO_INCREMENT id keeps an import appending, and user_id is a
// unique key. Migrate creates and versions the schema under a named lock.
// Every session runs in UTC with sql_mode TRADITIONAL: a value the table
// cannot hold is an error, never truncated.
//
// # Import semantics
//
// Exactly the SQLite store's, decided by package sinks/internal/sqlstore:
// DUPLICATED_USER, CONFLICT_EMAIL and CONFLICT_USERNAME against the store
// and earlier records of the batch, upserts by email with Options.Upsert,
// resent batches unchanged. A record another constraint of the database
// refuses (a CHECK, a value too long) is rejected alone with CONFLICT or
// FORMAT.
//
// # Speed
//
// The records of a batch that share no key with each other go into the
// store with one LOAD DATA LOCAL INFILE (read from memory through the
// driver's reader handler; multi-row INSERTs where the server refuses
// LOCAL), inside a savepoint. LOAD DATA LOCAL skips duplicates instead of
// failing, so a load that did not take every row rolls back to the
// savepoint, and the batch is decided record by record against the stored
// rows that share its keys (one query), then applied with one multi-row
// INSERT and one INSERT … ON DUPLICATE KEY UPDATE. Measured on MariaDB
// 10.11, LOAD DATA took ~20 % less time per batch than multi-row INSERTs
// and a tenth of the client memory.
//
// # Failures
//
// When the database goes away (a restart, KILL CONNECTION, a deadlock, a
// lock wait timeout), Write reconnects and retries the batch with backoff
// (Options.Retries); the transaction either committed with its checkpoint
// or not at all. When the retries run out the run fails, and a run with
// --resume continues after the last committed checkpoint.
package mysql
