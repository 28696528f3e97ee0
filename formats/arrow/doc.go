// Package arrow reads and writes users as Apache Arrow IPC files (.arrow)
// and streams (.arrows), with github.com/apache/arrow-go/v18 (arrow/ipc and
// arrow/array).
//
// # Schema
//
// The columns of formats/parquet, in its order, every field nullable:
// strings as utf8; JSON text (metadata, custom_password_hash,
// profileData, the extra objects, a factor's raw) as utf8 marked with the
// canonical arrow.json extension in the field metadata; booleans as bool;
// times as timestamp[us, tz=UTC]; logins_count as int64; identities and
// mfa_factors as list<item: struct<…>> with the Parquet writer's members;
// then the Options.Flatten paths as utf8 and extra. Secrets are written
// only with Options.IncludeSecrets.
//
// # Writing
//
// On the workers the Encoder turns each batch into one record batch,
// serialized as an IPC message (uncompressed: IPC body compression is not
// supported, see below). Its Header (the schema message), the messages and
// its Footer (the end-of-stream marker) make a stream, which file sinks
// write like any byte format, resumable. A file goes through a FileWriter
// (a pipeline.BatchWriter) on the writer goroutine: the magic and the
// schema, the messages as they come, then the footer that indexes them.
// A file output resumes too: FileWriter.Mark hands the file sink a journal
// of the blocks the footer will index, after every batch, and
// ResumeFileWriter continues the file from it.
//
// # Reading
//
// NewStreamDecoder reads a stream (or a file arriving as a stream, from
// standard input say: a file is its magic, a stream and a footer) and
// NewFileDecoder a file by position. The reader goroutine reads one
// record batch at a time and cuts it into zero-copy slices of up to n
// rows; the workers turn slices into users concurrently. Columns map as
// in formats/parquet: Options.Mapping, the alias table, else unknown
// attributes; columns of ferry's types are read directly, others through
// their text or JSON form (dictionary-encoded strings, other integer and
// float widths, dates, times, decimals, binary as text or base64, structs,
// lists and maps as JSON). Origins carry the row (Line 1-based, Index
// 0-based); Skip resumes by record index.
//
// arrow-go trusts the sizes in IPC metadata, so every message's metadata
// is checked before it reads it: vectors must fit in their buffer, table
// walks stay within a budget, bodies within Options.MaxMessageBytes, and
// record batches may not claim far more rows than their buffers hold.
// Compressed record batches are refused (arrow-go inflates them to sizes
// the input states); write IPC uncompressed, as Arrow JS does. Rows that
// arrow-go cannot read are rejects with profile.CodeParse.
package arrow
