// Package file reads users from files: one path, a glob such as
// "exports/*.ndjson.gz" (expanded and sorted) or "-" for standard input.
// The format follows the extension unless one is given; gzip and zstd input
// is recognised by its magic bytes. The source only cuts the stream into
// record-aligned chunks; the pipeline's workers decode them concurrently.
package file
