// Package sqlite is ferry's embedded store: it writes profile batches into a
// SQLite file (default ./ferry.db, location "sqlite://PATH" or a *.db path)
// with Auth0's import semantics, and commits each batch's checkpoint in the
// same transaction, so a killed run resumes with nothing lost or doubled.
//
// # Schema
//
// The logical schema below is the one every ferry store follows (SQLite
// here, PostgreSQL and MySQL alike; the lengths are for engines whose
// indexed columns need them: validation enforces them, and every store
// rejects a longer user_id, email or username with MAX_LENGTH, and text
// that is not valid UTF-8 with FORMAT, so that all stores hold the same
// users); Migrate creates it and records its version in ferry_schema, one
// row per applied migration.
//
//	users
//	  user_id              text, primary key      ≤ 255 chars
//	  connection           text, not null         ≤ 128; the connection imported into
//	  email                text                   ≤ 254; unique per connection
//	  email_verified       integer 0/1
//	  phone_number         text
//	  phone_verified       integer 0/1
//	  username             text                   ≤ 128; unique per connection
//	  given_name, family_name, name, nickname, picture   text
//	  blocked              integer 0/1
//	  created_at, updated_at, last_login, last_password_reset
//	                       text, UTC, fixed width 2006-01-02T15:04:05.000000Z
//	  last_ip              text
//	  logins_count         integer
//	  identities           JSON array (profile codec)
//	  app_metadata         JSON object, the input's text byte for byte
//	  user_metadata        JSON object, the input's text byte for byte
//	  mfa_factors          JSON array (profile codec)
//	  password_hash        text (bcrypt)
//	  custom_password_hash JSON object, the input's text byte for byte
//	  extra                JSON object: every attribute the profile does not
//	                       know, in input order
//	  UNIQUE (connection, email), UNIQUE (connection, username)
//	ferry_checkpoints (job text primary key, checkpoint JSON, updated_at text)
//	ferry_schema      (version integer primary key, applied_at text)
//
// An absent attribute is NULL, never "" or false, so a profile reads back
// exactly as written: booleans keep the difference between false and
// unset, metadata keeps its key order and number precision. Timestamps are
// kept to the microsecond. Two things are not stored: the plaintext
// Password of legacy input (hash it first; the store never holds a
// plaintext password) and the connection of the input, since the store
// holds the connection given by Options.Connection.
//
// # Import semantics (spec §1, §3, §5)
//
// A user without user_id gets DeriveUserID's "auth0|" + 24 hex digits of
// SHA-256 over the connection and the email (else username, else phone
// number): deterministic, so a rerun of the same file gives the same ids.
// Given ids are kept as they are (no "auth0|" prefix is added).
//
// Without Options.Upsert a record whose user_id, email or username is
// already taken — in the store, or by an earlier record of the same batch —
// is refused with DUPLICATED_USER, CONFLICT_EMAIL or CONFLICT_USERNAME (all
// that apply); it moves to the batch's rejects and the rest of the batch is
// written. With Upsert, a record whose email exists in the connection updates
// only the upsertable attributes it carries (given_name, family_name, name,
// nickname, picture, email_verified, custom_password_hash, and app_metadata
// and user_metadata, each replaced whole, never merged); attributes it does
// not carry keep their stored value. It counts as updated, or unchanged when
// nothing differs. A record that matches no email is inserted.
//
// Records are applied in batch order, as if one at a time. Equality of
// emails and usernames is exact: the normalize stage lowercases both, as
// Auth0 does. A constraint the store's DBA added (a CHECK, NOT NULL or
// trigger) that refuses a record rejects that record alone with CONFLICT,
// naming the constraint or column.
//
// # Resending a batch
//
// A record identical to the stored user of the same user_id (every column
// equal) counts as unchanged, not as DUPLICATED_USER. Resending a batch, by
// a retry or by rerunning a job, therefore neither duplicates nor rejects
// anything, and a derived user_id makes this hold for input without ids too.
// The exception is deliberate: a record identical to an earlier record of the
// same batch is a duplicate in the input and is refused, and a resent batch
// gets the same verdict again. The price is that two identical records in
// different batches of one input are not caught as duplicates; the second
// counts as unchanged.
//
// # Commits, checkpoints and crashes
//
// Write runs a batch's statements and saves b.Checkpoint (as returned by
// b.PrepareCommit, under its Job in ferry_checkpoints) in the open
// transaction; the transaction commits once it holds Options.CommitUsers
// records (default 10,000) or is Options.CommitInterval old (default 2 s),
// and when LastCheckpoint or Close is called. Rows and checkpoint commit
// together or not at all, so after a crash LastCheckpoint names exactly the
// last batch whose rows are visible, and a resumed run reads on from there:
// the batches of the transaction that did not commit are read again, never
// lost, never doubled. Committing several batches at once is what makes
// a big import fast: each commit writes every page it changed to the WAL
// once, and a random user_id, email and username touch a different index
// page per user, so a commit per 1,000 users writes several times the pages
// a commit per 10,000 does (measured here: 1.4-1.5× the users per CPU
// second, in a fresh store and at 500,000 users). CommitUsers: 1 commits
// every batch.
//
// ctx is checked when Write begins; a batch once begun is finished, as a
// graceful stop wants, and Close commits what was written even with a
// cancelled context. A Write that fails (an I/O error, a full disk) rolls
// back the open transaction — its own batch and the uncommitted batches
// before it, as its error says — and nothing of them is visible; a resumed
// run reads them again.
//
// # Speed
//
// Records whose keys do not repeat within the batch go into the store with
// multi-row INSERT OR IGNORE statements, prepared once; when the store skips
// some rows (a conflict, a resend, an upsert) the inserted ones are found by
// their consecutive rowids, and only the skipped ones are looked up and
// decided one by one. OR IGNORE leaves no constraint that aborts, so SQLite
// keeps no statement journal. The database runs in WAL mode with
// synchronous=NORMAL (durable across process crashes; a power loss may drop
// the last commits but never corrupts), 16 KiB pages, a busy timeout, and
// one writer connection.
package sqlite
