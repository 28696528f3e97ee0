// Package sqlstore holds what ferry's SQL stores on PostgreSQL and
// MySQL/MariaDB share: the columns of the logical users table (the one the
// SQLite store documents), the encoding of a profile into a row of column
// values and back, and the Auth0 import decisions a store takes for every
// record of a batch (insert, update, unchanged, or reject with
// DUPLICATED_USER, CONFLICT_EMAIL, CONFLICT_USERNAME).
//
// A Row holds every column as bytes in the store's wire form — PostgreSQL's
// binary format (Binary) or MySQL's text form (Text) — with nil for NULL.
// Rows encoded from a batch and rows read back from the store are therefore
// compared byte for byte, merged column by column, and sent with COPY or
// LOAD DATA without boxing values in interfaces.
//
// A Plan decides a batch as if its records were applied one at a time in
// batch order. Records that share no key with an earlier record of the
// batch are "fast": the store tries them with one bulk statement that skips
// conflicting rows. Every other record, and every fast one the store
// skipped, is decided in order against a view of the stored rows that share
// a key with it (Plan.Know) and of the batch's own effects.
//
// The stores, SQLite's too, also share the bulk operations of `ferry users`
// (a Bulk, from the store's BulkSQL, runs in the store's transaction and
// writes the audit line) and the reading of samples and of the audit
// trail. The waits of their retries are package internal/retry's.
package sqlstore
