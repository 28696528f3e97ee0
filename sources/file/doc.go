// Package file reads users from files: one path, a glob such as
// "exports/*.ndjson.gz" (expanded and sorted) or "-" for standard input.
// The format follows the extension unless one is given; gzip and zstd input
// is recognised by its magic bytes. The source only cuts the stream into
// record-aligned chunks; the pipeline's workers decode them concurrently.
//
// Random-access formats (pipeline.Format.NewReaderAt: Parquet, Arrow IPC
// files) are read from a plain file by position, the workers reading their
// chunks' rows; the file stays open until they are all decoded. From
// standard input or a compressed file they go through the format's
// NewDecoder, when it has one (Parquet's spools the stream to a temporary
// file).
package file
