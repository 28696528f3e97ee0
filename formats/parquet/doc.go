// Package parquet reads and writes users as Apache Parquet files
// (github.com/parquet-go/parquet-go underneath), for data warehouses and
// DuckDB.
//
// # Schema
//
// One row per user; every column is optional, null meaning absent. Root
// attributes come first, in the order of profile.RootFields:
//
//	user_id, email, phone_number, username, given_name, family_name,
//	name, nickname, picture, last_ip                 BYTE_ARRAY (STRING)
//	email_verified, phone_verified, blocked          BOOLEAN
//	created_at, updated_at, last_login,
//	last_password_reset                              INT64 TIMESTAMP(MICROS, UTC)
//	logins_count                                     INT64
//	identities    LIST of STRUCT {connection, provider, user_id STRING,
//	              isSocial BOOLEAN, access_token, access_token_secret,
//	              refresh_token STRING, profileData JSON, extra JSON}
//	app_metadata, user_metadata                      BYTE_ARRAY (JSON)
//	password_hash STRING, custom_password_hash JSON, password STRING,
//	mfa_factors   LIST of STRUCT {totp_secret, phone, email STRING, raw JSON}
//	                                                 (only with IncludeSecrets)
//	<path> for each Options.Flatten path             BYTE_ARRAY (STRING)
//	extra                                            BYTE_ARRAY (JSON)
//
// Lists are three-level (group (LIST) / repeated group list / optional
// group element), as DuckDB, Spark and Arrow write them. Metadata and
// custom_password_hash are JSON text, exactly as read. A flattened column
// ("user_metadata.plan") is a copy of one path as text (strings as they
// are, other values as compact JSON), for warehouses that cannot query
// JSON; the object column still holds it. extra is a JSON object of the
// attributes the profile does not know (User.Extra), in input order; an
// identity's extra holds its unknown attributes, and a factor that is none
// of Auth0's three shapes is kept whole in raw. Times keep their instant,
// not their zone offset, to the microsecond. Secrets are left out unless
// Options.IncludeSecrets, as in the CSV writer.
//
// # Writing
//
// Writing is split as the pipeline runs it. On the workers the Encoder
// turns each batch into one data page per column (v1 pages, PLAIN values,
// RLE levels, compressed with zstd at its fastest level by default, or
// snappy, or none), with per-page statistics, and leaves them in b.Out;
// batches encode concurrently and the bytes depend only on the batch. On
// the writer goroutine the Writer (a pipeline.BatchWriter) only gathers
// pages: it buffers the compressed pages of the current row group, writes
// the row group column by column once it holds Options.RowGroupRows rows
// (default 122880, DuckDB's), and on Close writes the page index (column
// indexes with min, max and null counts, and offset indexes) and the
// footer with column statistics. A batch larger than 16384 records makes
// several pages. JSON columns carry no min and max; byte arrays longer
// than 64 bytes get truncated bounds in the column index and none in the
// statistics. No dictionary encoding: a column chunk has one dictionary,
// which pages encoded apart cannot share.
//
// Until Close the Writer holds what the footer and page index will say of
// the row groups written: with the default batch and row group sizes about
// 1.5 MB per million users (a page per batch, per column), nearly all of
// it page index. The page index stays in memory up to 4 MiB per buffer (a
// few million users) and moves to an unnamed temporary file beyond, so
// memory stays flat; the footer's row group metadata, some kilobytes per
// row group, stays in memory as every Parquet writer keeps it.
//
// A Parquet file is complete only once its footer is written, yet output
// resumes: between row groups Writer.Mark hands the file sink a journal of
// what the footer will hold (each row group's metadata and page index),
// which the sink keeps beside the partial file, and ResumeWriter continues
// the file from it after the last row group it covers. The file then has
// the same bytes as one written without interruption.
//
// # Reading
//
// The Decoder reads any Parquet file, written by ferry or by other tools,
// by row group without loading the file: it reads the footer, then cuts
// row groups into runs of rows on the reader goroutine, and the workers
// read each run's pages concurrently (parquet-go decodes every encoding,
// dictionary pages and codec). A row group with an offset index (ferry
// writes one) is entered at the page holding a run's first row; one
// without (DuckDB writes none) is read from its start, so its runs are at
// least a quarter of it. A row group of up to 16 MiB is read with one
// ReadAt by the first run that needs it and its runs read their pages from
// memory: on object storage each read is a request, and parquet-go would
// make one per page; larger row groups are read page by page.
//
// Top-level columns are mapped as CSV headers are: through
// Options.Mapping, then the alias table (profile.Canonical: "Email",
// "firstName", "createdAt"), else a column names an unknown attribute. A
// column of the type ferry writes for its attribute is read directly
// (strings, booleans, timestamps of any unit and INT96, integers, JSON
// text; identities and mfa_factors in the layout above, members by
// name). Any other column goes through its text or JSON form: numbers,
// dates, times, decimals and UUIDs become text or JSON values, bytes that
// are not UTF-8 become base64, and groups become JSON (structs as objects
// without their null members, LIST as arrays, MAP as objects). Such a
// value the profile cannot take ("maybe" for a boolean) is an issue of
// the record, naming the column and the path, never the value. A column
// named extra holding JSON is spliced back into the unknown attributes; a
// column whose path lies inside another column's attribute
// (user_metadata.plan next to user_metadata) is a flattened copy and is
// skipped. Two columns holding one path stop the file with ErrSchema.
//
// Origins carry the row: Line is the 1-based row in the file and Index
// the 0-based one. Rows the file does not deliver (damaged pages) are
// rejects with profile.CodeParse; a file that is not Parquet, is
// encrypted or has a damaged footer is ErrNotParquet. The footer and page
// index are checked before parquet-go reads them, so that damaged sizes
// cannot make it allocate without bound. Skip resumes by record index
// (Parquet input has no byte offsets).
//
// Inspect describes a file for `ferry inspect`: schema, row groups, counts
// and the profile path of each column, without any value.
package parquet
