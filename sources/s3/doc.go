// Package s3 reads users from Amazon S3 and S3-compatible stores.
//
// A location is a prefix ("s3://bucket/exports/"), a glob
// ("s3://bucket/exports/*.ndjson.gz") or one object. A prefix that holds an
// export written by sinks/s3 is read through its _manifest.json: exactly the
// committed parts, checked against the manifest's sizes and CRC32C
// checksums; a prefix with a checkpoint but no manifest (an export still
// running, or failed) is refused with ErrUncommitted. Any format of the
// registry can be read, gzip- and zstd-compressed objects included.
//
// Objects are read with streaming GETs; a resumed run reopens its object at
// the checkpoint's offset with a ranged GET. ReaderAt reads byte ranges of an
// object, for formats such as Parquet that read a footer and selected column
// chunks instead of the whole file. The object list is the unit of sharding
// (Options.Shard, Options.Shards).
//
// Credentials and region follow the AWS default chain; Config adds the
// region, an endpoint with path-style addressing for S3-compatible stores,
// and retries with backoff (throttling answers such as 503 SlowDown are
// retried).
package s3
