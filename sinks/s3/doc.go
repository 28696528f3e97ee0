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
// rotates after --part-size bytes or --part-records records.
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
// Configuration follows the AWS default chain (environment, shared config
// and profile, instance metadata); Options add SSE-S3 or SSE-KMS, the storage
// class, and Config the region, an endpoint with path-style addressing and
// retries with backoff (503 SlowDown is retried).
package s3
