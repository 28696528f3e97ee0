// Package file writes users to a file or standard output through a
// format's encoder, compressing with gzip or zstd by extension. Output is
// written under a temporary name and renamed when the run succeeds; an
// interrupted run leaves its partial output and a checkpoint so that
// `--resume` continues it without repeating or losing a record.
//
// Compressed row formats (NDJSON, JSON, CSV to .gz or .zst) are compressed
// on the workers: each batch becomes a gzip member or zstd frame of its own,
// and the file is their concatenation, one valid stream for every gzip and
// zstd reader. Compression then scales with --workers instead of running on
// the writer, for about 1-3 % more bytes; and every checkpoint falls on a
// frame boundary, so a resumed run appends to a valid stream.
//
// Unknown attributes (profile.User.Extra) are written as the format does:
// JSON formats keep them as root attributes, CSV in its last "extra"
// column as one JSON object, Parquet and Arrow in a JSON column "extra".
//
// Columnar formats (Options.Writer, from pipeline.Format.NewWriter: Parquet,
// Arrow IPC files) are encoded on the workers as usual and assembled by
// their BatchWriter on the writer goroutine; the file is valid only once
// its footer is written. Such output resumes when its BatchWriter is a
// pipeline.ResumableWriter and Options.Resume is set: the sink keeps the
// journal of the writer's marks in PATH.partial.journal and checkpoints at
// marks only (a Parquet row group's end), and a resumed run continues the
// file through Options.Resume. Otherwise (or when the columnar file is
// compressed as a whole) LastCheckpoint refuses with
// pipeline.ErrCannotResume and an interrupted run removes the partial file.
package file
