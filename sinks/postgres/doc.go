// Package postgres is ferry's store on PostgreSQL (location
// "postgres://…" or "postgresql://…"; a search_path parameter puts it in a
// schema). It writes profile batches with Auth0's import semantics and
// commits each batch's checkpoint in the same transaction, so a run killed
// half-way resumes with nothing lost or doubled.
//
// # Schema
//
// The logical schema is the SQLite store's (package sinks/sqlite): one
// users table — user_id primary key, UNIQUE (connection, email), UNIQUE
// (connection, username) — plus ferry_checkpoints, ferry_schema (one row
// per applied migration) and ferry_audit (bulk changes of `ferry users`).
// PostgreSQL types: metadata, identities, MFA factors, custom password hash
// and unknown attributes are json (the input's text byte for byte; jsonb
// would reorder keys and drop duplicates, and queries cast to jsonb, see
// QueryColumns), times timestamptz (microseconds), booleans boolean,
// logins_count bigint; user_id sorts in byte order (COLLATE "C") for keyset
// pagination. Migrate creates and versions it under an advisory lock.
//
// # Import semantics
//
// Exactly the SQLite store's (its package documentation states them): a
// missing user_id is derived from the connection and email; without
// Options.Upsert a record whose user_id, email or username is taken — in
// the store or by an earlier record of the batch — is rejected with
// DUPLICATED_USER, CONFLICT_EMAIL or CONFLICT_USERNAME and the rest of the
// batch written; with Upsert a record matching an email updates the stored
// user's upsertable attributes; a record identical to the stored user of
// its user_id is unchanged, so resending a batch is harmless. Records are
// applied as if one at a time in batch order (package
// sinks/internal/sqlstore decides them). A record another constraint of
// the database refuses (a CHECK a DBA added, say) is rejected alone with
// CONFLICT naming the constraint.
//
// # Speed
//
// The records are encoded into rows on the pipeline's workers (Encoder), so
// that the one writer only slices them while the database waits. A batch
// whose records share no key with each other or with the store (a fresh
// import) is COPYed straight into users, cut into parts copied at once over
// Options.Sessions sessions (default 2, at least 256 users a part): the
// server's index maintenance, most of an import's time, then runs on that
// many cores. The other sessions' parts commit just before the batch's own
// transaction, which holds its checkpoint; a failure between the two leaves
// those users stored ahead of the checkpoint, and the batch, written again
// on retry or with --resume, finds them identical and counts them
// unchanged — nothing is lost or doubled, but after such a failure part of
// one batch is visible before its checkpoint. When that COPY
// meets a stored key, the batch (and the following ones, until one meets
// none) is COPYed into a temporary staging table instead and inserted with
// one INSERT … SELECT … ON CONFLICT DO NOTHING, which returns the records
// it skipped; those, and records repeating a key of the batch, are decided
// in order against the stored rows they share a key with (one query) and
// applied with one INSERT and one UPDATE. The session commits
// asynchronously (see Options.SynchronousCommit): Close waits for the
// server's flush, and a server that lost acknowledged commits in a crash is
// noticed on reconnecting (ErrCommitsLost) so that a resumed run redoes
// them.
//
// # Failures
//
// When the database goes away (a restart, a killed connection, a
// failover, a deadlock), Write reconnects and retries the batch with
// backoff (Options.Retries); the transaction either committed with its
// checkpoint or not at all. When the retries run out the run fails, and a
// run with --resume continues after the last committed checkpoint.
package postgres
