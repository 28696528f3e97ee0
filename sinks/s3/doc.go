// Package s3 writes users to Amazon S3 and S3-compatible stores as an
// export: part files under a prefix, optionally in Hive-style partition
// folders ("connection=…/created_at_month=2024-05/part-00007.ndjson.gz"),
// committed by a _manifest.json that lists every part with its record
// count, size, SHA-256 and CRC32C. Readers that honour the manifest (see
// sources/s3) never see a half export.
//
// Part files are streamed: each is a multipart upload of unknown length
// through aws-sdk-go-v2's transfer manager (S3 refuses a plain PutObject of
// unknown length), with CRC32C checksums on every request, a bounded number
// of uploads in flight and memory that does not grow with the export. A part
// rotates after --part-size bytes or --part-records records. Compressed
// row formats (--compress gz|zst) are compressed on the workers, each
// batch's records of a part into a gzip member or zstd frame of their own
// (see sinks/internal/frames); a part is the concatenation of its frames,
// one valid stream for every reader.
//
// Columnar formats (a pipeline.Format with NewWriter: Parquet, Arrow IPC
// files) are written the same way, one whole file per part: the workers
// encode each batch (for a partitioned export, each partition's records of
// the batch) with the format's encoder, and on the writer goroutine the
// part's own BatchWriter takes the encoded batches and streams the file
// into the part's upload; completing the part closes its BatchWriter, which
// writes the footer. Every part, whether it rotated or is a partition's, is
// thus a valid file on its own. Parquet holds a row group in memory until
// it is complete (--row-group-rows), so each open part costs up to a row
// group; a part's size, for --part-size, counts the encoded bytes handed to
// its writer. Such files compress their own pages: --compress is refused
// for them.
//
// Atomic commit and resume: parts first, then the manifest, written with
// If-None-Match: * so that an export commits once. While the export runs,
// _checkpoint.json lists the completed parts and each job's position after
// the last batch they hold; it is replaced, conditionally on its ETag, each
// time a part rotates. A resumed run continues after that position, aborts
// the incomplete multipart uploads and deletes the part files the
// checkpoint does not list, so a killed run loses nothing and writes nothing
// twice. A failed run aborts its incomplete uploads.
//
// No part is ever resumed in the middle: a part the checkpoint lists is
// complete (for a columnar format, a whole file with its footer), and the
// part that was being written when the run stopped is aborted and written
// again, from the position of the last checkpoint, by the resumed run. This
// holds for every format alike, so --resume works for Parquet and Arrow
// output too, at the cost of repeating at most one part (per open
// partition). An interrupted run (SIGINT, or Close after a failure the
// sink itself was not part of) completes its open parts and saves a last
// checkpoint; a run whose parts broke aborts them.
//
// No upload can hang the export: every wait of the sink on an upload (a
// write into its pipe, the end of the upload) ends when the context of
// the call is cancelled, which breaks the open parts; and a broken part
// cancels its upload's requests, so that Close returns even when S3 stops
// answering. The transfer manager then aborts the multipart upload with a
// context of its own, within CloseTimeout.
//
// Configuration follows the AWS default chain (environment, shared config
// and profile, instance metadata); Options add SSE-S3 or SSE-KMS, the storage
// class, and Config the region, an endpoint with path-style addressing and
// retries with backoff (503 SlowDown is retried).
package s3
