// Package sqlsource holds what the sources of ferry's SQL stores share:
// the keyset read itself.
//
// A store source reads the users table in the order of a unique key, one
// page per batch — "WHERE key > last ORDER BY key LIMIT n", never OFFSET —
// so that each batch costs the same however deep into the table it is and
// memory holds one batch. Fields narrows what it selects and what it sets
// on the records (SelectFields); a Cursor keeps the position (the key of
// the last row, the records and batches counted), turns each page's rows
// into a batch, a row that cannot be read back into a profile becoming a
// reject with PARSE_ERROR, and resumes after a checkpoint.
//
// Source is the whole read for the client-server stores (sources/mysql and
// sources/postgres): filtered by an SQL expression and a connection, cut
// into key ranges for shards (Split), and reading a page again, with
// backoff, when the database goes away. A Dialect says what differs: the
// key column, the placeholders, the decoding of rows and what a retry
// needs; a Conn is the dialect's connection. sources/sqlite, whose rows
// decode from typed values, uses Fields and Cursor only.
package sqlsource
