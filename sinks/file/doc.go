// Package file writes users to a file or standard output through a
// format's encoder, compressing with gzip or zstd by extension. Output is
// written under a temporary name and renamed when the run succeeds; an
// interrupted run leaves its partial output and a checkpoint so that
// `--resume` continues it without repeating or losing a record.
//
// Unknown attributes (profile.User.Extra) are written as the format does:
// JSON formats keep them as root attributes, CSV in its last "extra"
// column as one JSON object, Parquet and Arrow in a JSON column "extra".
//
// Columnar formats (Options.Writer, from pipeline.Format.NewWriter: Parquet,
// Arrow IPC files) are encoded on the workers as usual and assembled by
// their BatchWriter on the writer goroutine; the file is valid only once
// its footer is written, so such output is not resumable: LastCheckpoint
// refuses with pipeline.ErrCannotResume and an interrupted run removes the
// partial file.
package file
