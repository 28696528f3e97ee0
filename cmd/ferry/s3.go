package main

import (
	"context"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ferry-dev/ferry/pipeline"
	s3sink "github.com/ferry-dev/ferry/sinks/s3"
	s3source "github.com/ferry-dev/ferry/sources/s3"
)

// s3Flags configure s3:// locations.
type s3Flags struct {
	region, endpoint string
	pathStyle        bool
	sse, sseKMSKeyID string
	storageClass     string
	partSize         int64
	partRecords      int64
	partitionBy      []string
	compress         string
	overwrite        bool
	concurrency      int
}

func isS3(loc string) bool { return strings.HasPrefix(loc, "s3://") }

// registerConn adds the flags that say how to reach S3.
func (f *s3Flags) registerConn(cmd *cobra.Command) {
	p := cmd.Flags()
	p.StringVar(&f.region, "region", "", "AWS region of s3:// locations (default: from the environment or profile)")
	p.StringVar(&f.endpoint, "s3-endpoint", "", "base URL of an S3-compatible store")
	p.BoolVar(&f.pathStyle, "s3-path-style", false, "address buckets by path (most S3-compatible stores need it)")
}

// registerSink adds the flags of an s3:// destination.
func (f *s3Flags) registerSink(cmd *cobra.Command) {
	p := cmd.Flags()
	p.StringVar(&f.sse, "sse", "", "server-side encryption of s3:// output: AES256, aws:kms or aws:kms:dsse")
	p.StringVar(&f.sseKMSKeyID, "sse-kms-key-id", "", "KMS key for --sse aws:kms")
	p.StringVar(&f.storageClass, "storage-class", "", "storage class of s3:// part files (e.g. STANDARD_IA)")
	p.Int64Var(&f.partSize, "part-size", 128<<20, "s3:// output: start a new part file after this many bytes")
	p.Int64Var(&f.partRecords, "part-records", 0, "s3:// output: start a new part file after this many records (0: no limit)")
	p.StringSliceVar(&f.partitionBy, "partition-by", nil, "s3:// output: Hive-style partitions, e.g. connection or created_at:month")
	p.StringVar(&f.compress, "compress", "", "s3:// output: compress part files with gz or zst")
	p.BoolVar(&f.overwrite, "overwrite", false, "s3:// output: replace a committed export at the prefix")
	p.IntVar(&f.concurrency, "uploads", 8, "s3:// output: uploads in flight")
}

// s3FlagNames names the flags register adds: registerConn's or
// registerSink's.
func s3FlagNames(register func(*s3Flags, *cobra.Command)) []string {
	var f s3Flags
	c := &cobra.Command{}
	register(&f, c)
	var names []string
	c.Flags().VisitAll(func(fl *pflag.Flag) { names = append(names, fl.Name) })
	return names
}

func (f *s3Flags) config() s3source.Config {
	return s3source.Config{Region: f.region, Endpoint: f.endpoint, PathStyle: f.pathStyle}
}

func (a *app) openS3Source(ctx context.Context, loc string, reg *pipeline.Registry, format *pipeline.Format) (pipeline.Source, error) {
	return s3source.Open(ctx, loc, reg, s3source.Options{Config: a.flags.s3.config(), BatchSize: a.flags.batchSize, Format: format})
}

func (a *app) openS3Sink(ctx context.Context, loc string, format pipeline.Format) (pipeline.Sink, error) {
	return s3sink.Open(ctx, loc, format, a.s3SinkOptions(loc, format))
}

// s3SinkOptions are the options of the s3:// destination loc.
func (a *app) s3SinkOptions(loc string, format pipeline.Format) s3sink.Options {
	f := &a.flags.s3
	compress := f.compress
	if compress == "" && format.NewWriter == nil { // "s3://b/users.ndjson.gz/"
		compress, _ = pipeline.Compression(strings.TrimSuffix(loc, "/"))
	}
	return s3sink.Options{
		Config:          f.config(),
		Compression:     compress,
		PartSize:        f.partSize,
		PartRecords:     f.partRecords,
		PartitionBy:     f.partitionBy,
		SSE:             f.sse,
		SSEKMSKeyID:     f.sseKMSKeyID,
		StorageClass:    f.storageClass,
		Concurrency:     f.concurrency,
		Overwrite:       f.overwrite,
		CheckpointEvery: a.flags.checkpointEvery,
	}
}
