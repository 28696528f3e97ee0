package s3

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	tmtypes "github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/sinks/internal/frames"
	s3src "github.com/ferry-dev/ferry/sources/s3"
)

// Config says how to reach S3 (region, endpoint, path-style, retries); the
// zero value uses the AWS default chain. It is the source's Config.
type Config = s3src.Config

// NewClient returns an S3 client for c; see s3src.NewClient.
func NewClient(ctx context.Context, c Config) (*s3.Client, error) { return s3src.NewClient(ctx, c) }

// Options configure an S3 sink. The zero value works.
type Options struct {
	// Config says how to reach S3; ignored when Client is set.
	Config Config
	// Client, when set, is used instead of one built from Config.
	Client *s3.Client
	// Compression is "gz", "zst" or "" (none). A columnar format (one with
	// a NewWriter) is never compressed as a whole.
	Compression string
	// PartSize rotates to a new part file once a part holds this many
	// bytes as stored (--part-size); default 128 MiB. Parts end on batch
	// boundaries, so a part may exceed it by one batch.
	PartSize int64
	// PartRecords rotates to a new part file once a part holds this many
	// records (--part-records); 0 means no limit.
	PartRecords int64
	// PartitionBy lists Hive-style partition fields (--partition-by):
	// "connection", "provider", an attribute path as in --fields, or a time
	// field with a granularity, "created_at:month" giving folders
	// "created_at_month=2024-05/".
	PartitionBy []string
	// SSE is the server-side encryption (--sse): "AES256" (SSE-S3),
	// "aws:kms" or "aws:kms:dsse"; empty leaves the bucket's default.
	SSE string
	// SSEKMSKeyID is the KMS key of "aws:kms" (--sse-kms-key-id); empty
	// uses the account's default key.
	SSEKMSKeyID string
	// StorageClass of the part files (--storage-class), e.g. STANDARD_IA or
	// INTELLIGENT_TIERING; empty is STANDARD. Control files stay STANDARD.
	StorageClass string
	// Concurrency bounds the uploads in flight across all parts (8 by
	// default); each holds one ChunkSize buffer.
	Concurrency int
	// ChunkSize is the size of one part of a multipart upload; default and
	// minimum 5 MiB.
	ChunkSize int64
	// MaxOpenPartitions bounds the partitions written at once (default 8);
	// opening one more completes the part least recently written.
	MaxOpenPartitions int
	// CheckpointEvery, when positive, also checkpoints (completing every
	// open part) after this much time; by default the sink checkpoints only
	// when a part rotates, so a killed run repeats at most one part.
	CheckpointEvery time.Duration
	// Overwrite replaces a committed export at the location instead of
	// failing with ErrExists.
	Overwrite bool
	// CloseTimeout bounds the work Close does after a failed or
	// interrupted run (completing or aborting uploads, saving the
	// checkpoint); default 2 minutes.
	CloseTimeout time.Duration
}

const minChunk = 5 << 20

func (o Options) withDefaults() (Options, error) {
	if o.PartSize <= 0 {
		o.PartSize = 128 << 20
	}
	if o.PartRecords < 0 {
		o.PartRecords = 0
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.ChunkSize < minChunk {
		o.ChunkSize = minChunk
	}
	if o.MaxOpenPartitions <= 0 {
		o.MaxOpenPartitions = 8
	}
	if o.CloseTimeout <= 0 {
		o.CloseTimeout = 2 * time.Minute
	}
	switch o.Compression {
	case "", "gz", "zst":
	case "gzip":
		o.Compression = "gz"
	case "zstd":
		o.Compression = "zst"
	default:
		return o, fmt.Errorf("unknown compression %q (want gz, zst or none)", o.Compression)
	}
	switch o.SSE {
	case "", string(types.ServerSideEncryptionAes256), string(types.ServerSideEncryptionAwsKms), string(types.ServerSideEncryptionAwsKmsDsse):
	default:
		return o, fmt.Errorf("--sse %q: want AES256, aws:kms or aws:kms:dsse", o.SSE)
	}
	if o.SSEKMSKeyID != "" && !strings.HasPrefix(o.SSE, "aws:kms") {
		return o, fmt.Errorf("--sse-kms-key-id needs --sse aws:kms")
	}
	return o, nil
}

// Errors of the sink.
var (
	// ErrExists: the location holds a committed export (a _manifest.json)
	// and Overwrite was not asked for.
	ErrExists = errors.New("export exists")
	// ErrConflict: another run changed the export's checkpoint meanwhile.
	ErrConflict = errors.New("export is being written by another run")
	// ErrChecksum: S3 stored a part whose checksum differs from the bytes
	// sent.
	ErrChecksum = errors.New("stored part differs from the bytes sent")
)

// Sink writes encoded batches to S3 as an export: part files under a
// prefix, optionally in Hive-style partition folders, and a _manifest.json
// written last that commits them. Part files are streamed with multipart
// uploads of unknown length through the transfer manager, each part
// checksummed with CRC32C; a part ends once it reaches PartSize bytes or
// PartRecords records. A columnar format's part is written through a
// BatchWriter of its own, so that each part is a whole file.
//
// Checkpoints: whenever a part rotates, the sink completes every open part
// and replaces _checkpoint.json with the list of completed parts and each
// job's position after the last batch they hold. A part is thus either
// listed in the checkpoint, with every batch before the position, or not
// there for a resumed run, which deletes it and writes its records again:
// nothing is lost or written twice.
type Sink struct {
	client     *s3.Client
	tm         *transfermanager.Client
	limit      *limitedClient
	bucket     string
	prefix     string // "" or ending in "/"
	format     pipeline.Format
	enc        pipeline.Encoder
	ext        string
	opts       Options
	partitions []partitionField
	groups     sync.Map // *pipeline.Batch → []group, filled by the encoder on the workers
	// frames, for compressed row formats: the workers compress each
	// group of a batch into a frame of its own (gzip member, zstd frame),
	// and parts are concatenations of frames.
	frames   frames.Compressor
	sepFrame []byte    // the encoder's separator as a frame
	raw      sync.Pool // *[]byte, a batch before compression

	// uploads outlive single calls; they run under this context, which
	// Close cancels.
	uploads context.Context
	cancel  context.CancelFunc

	mu        sync.Mutex // guards open against interrupt
	open      map[string]*part
	clock     uint64 // use counter, for the least recently written part
	started   bool
	finished  bool // the export was already committed (resume after commit)
	closed    bool
	failed    error
	nextPart  int
	committed []Part // listed in the checkpoint object
	done      []Part // completed since
	pending   map[string]pipeline.Checkpoint
	saved     map[string]pipeline.Checkpoint // as in the checkpoint object
	next      map[string]uint64              // next batch each job may write
	cpETag    string
	lastCP    time.Time
}

var (
	_ pipeline.Sink         = (*Sink)(nil)
	_ pipeline.Encoding     = (*Sink)(nil)
	_ pipeline.Checkpointer = (*Sink)(nil)
)

// Open prepares an export of format to loc, a prefix such as
// "s3://bucket/exports/users/" (the trailing slash is implied). It checks
// the options and builds the client; S3 is first contacted by
// LastCheckpoint or the first Write.
func Open(ctx context.Context, loc string, format pipeline.Format, opts Options) (*Sink, error) {
	bucket, key, err := s3src.ParseLocation(loc)
	if err != nil {
		return nil, err
	}
	if strings.ContainsAny(key, "*?[") {
		return nil, fmt.Errorf("s3 output %q: a glob is not a location to write to", loc)
	}
	if key != "" && !strings.HasSuffix(key, "/") {
		key += "/"
	}
	if opts, err = opts.withDefaults(); err != nil {
		return nil, err
	}
	fields, err := parsePartitionBy(opts.PartitionBy)
	if err != nil {
		return nil, err
	}
	enc, err := format.NewEncoder()
	if err != nil {
		return nil, err
	}
	if format.NewWriter != nil {
		// A columnar file is read by ranges and compresses its own pages
		// (Parquet): it is never compressed as a whole.
		if opts.Compression != "" {
			return nil, fmt.Errorf("s3 output: --compress %s does not apply to %s, a columnar format", opts.Compression, format.Name)
		}
		if _, err := format.NewWriter(io.Discard, enc); err != nil {
			return nil, fmt.Errorf("s3 output: %s writer: %w", format.Name, err)
		}
	}
	ext := "." + format.Name
	if len(format.Exts) > 0 {
		ext = format.Exts[0]
	}
	if opts.Compression != "" {
		ext += "." + opts.Compression
	}
	client := opts.Client
	if client == nil {
		if client, err = NewClient(ctx, opts.Config); err != nil {
			return nil, err
		}
	}
	perUpload := opts.Concurrency
	if len(fields) > 0 {
		perUpload = max(1, opts.Concurrency/opts.MaxOpenPartitions)
	}
	limit := &limitedClient{Client: client, sem: make(chan struct{}, opts.Concurrency)}
	tm := transfermanager.New(limit, func(o *transfermanager.Options) {
		o.PartSizeBytes = opts.ChunkSize
		o.MultipartUploadThreshold = opts.ChunkSize
		o.Concurrency = perUpload
		o.ChecksumAlgorithm = tmtypes.ChecksumAlgorithmCrc32c
		o.FailTimeout = opts.CloseTimeout // abort a failed upload even after a cancellation
	})
	var fr frames.Compressor
	var sepFrame []byte
	if opts.Compression != "" {
		if fr, err = frames.New(opts.Compression); err != nil {
			return nil, err
		}
		if sep := enc.Separator(); len(sep) > 0 {
			if sepFrame, err = fr.Frame(nil, sep); err != nil {
				return nil, err
			}
		}
	}
	uploads, cancel := context.WithCancel(context.WithoutCancel(ctx))
	return &Sink{
		client: client, tm: tm, limit: limit, bucket: bucket, prefix: key, format: format, enc: enc, ext: ext,
		opts: opts, partitions: fields, uploads: uploads, cancel: cancel, open: map[string]*part{},
		pending: map[string]pipeline.Checkpoint{}, saved: map[string]pipeline.Checkpoint{}, next: map[string]uint64{},
		frames: fr, sepFrame: sepFrame,
	}, nil
}

// Location returns the export's prefix as an s3:// URL.
func (s *Sink) Location() string { return "s3://" + s.bucket + "/" + s.prefix }

func (s *Sink) key(name string) string { return s.prefix + name }

// LastCheckpoint returns the job's position in an interrupted export and
// prepares to continue it: incomplete multipart uploads are aborted and
// part files the checkpoint does not list are deleted. For an export that
// was committed it returns the job's final position, and the sink then
// writes nothing. Once the sink has written, it returns the position last
// saved.
func (s *Sink) LastCheckpoint(ctx context.Context, job string) (*pipeline.Checkpoint, error) {
	if !s.started {
		if err := s.load(ctx); err != nil {
			return nil, err
		}
	}
	cp, ok := s.saved[job]
	if !ok {
		if s.finished {
			return nil, fmt.Errorf("%w: %s was committed by another job", ErrExists, s.Location())
		}
		return nil, nil
	}
	return &cp, nil
}

// load reads the export's manifest or checkpoint, if any, and cleans up
// after the run that left it.
func (s *Sink) load(ctx context.Context) error {
	var m Manifest
	found, _, err := s.getJSON(ctx, s3src.ManifestName, &m)
	if err != nil {
		return err
	}
	if found {
		if !s.opts.Overwrite {
			s.started, s.finished = true, true
			s.saved = m.Checkpoints
			return nil
		}
		if err := s.deleteManifest(ctx); err != nil {
			return err
		}
	}
	var st state
	found, etag, err := s.getJSON(ctx, s3src.CheckpointName, &st)
	if err != nil {
		return err
	}
	if !found {
		return s.start(ctx)
	}
	if st.Version != 1 {
		return fmt.Errorf("%s%s: version %d, want 1", s.Location(), s3src.CheckpointName, st.Version)
	}
	if st.Format != s.format.Name || st.Compression != s.opts.Compression || !slices.Equal(st.PartitionBy, s.specs()) {
		return fmt.Errorf("%w: the checkpoint of %s is for format %q, compression %q, partitions %v",
			pipeline.ErrCannotResume, s.Location(), st.Format, st.Compression, st.PartitionBy)
	}
	s.cpETag = etag
	s.nextPart = st.NextPart
	s.committed = st.Parts
	for job, cp := range st.Jobs {
		s.pending[job] = cp
		s.saved[job] = cp
		s.next[job] = cp.Seq + 1
	}
	keep := map[string]bool{}
	for _, p := range st.Parts {
		keep[p.Path] = true
	}
	if err := s.sweep(ctx, keep); err != nil {
		return err
	}
	s.started = true
	s.lastCP = time.Now()
	return nil
}

// start begins a fresh export: it refuses a committed one (unless asked to
// overwrite it) and aborts multipart uploads a failed run left.
func (s *Sink) start(ctx context.Context) error {
	if s.started {
		return nil
	}
	if exists, err := s.exists(ctx, s3src.ManifestName); err != nil {
		return err
	} else if exists {
		if !s.opts.Overwrite {
			return fmt.Errorf("%w: %s holds %s", ErrExists, s.Location(), s3src.ManifestName)
		}
		if err := s.deleteManifest(ctx); err != nil {
			return err
		}
	}
	head, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(s3src.CheckpointName))})
	switch {
	case err == nil:
		s.cpETag = aws.ToString(head.ETag) // a failed run's; replaced by the first checkpoint
	case !notFound(err):
		return fmt.Errorf("head %s%s: %w", s.Location(), s3src.CheckpointName, err)
	}
	if err := s.abortUploads(ctx); err != nil {
		return err
	}
	s.started = true
	s.lastCP = time.Now()
	return nil
}

// deleteManifest uncommits an export that is to be overwritten.
func (s *Sink) deleteManifest(ctx context.Context) error {
	if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(s3src.ManifestName))}); err != nil {
		return fmt.Errorf("delete the manifest of %s: %w", s.Location(), err)
	}
	return nil
}

// Encoder is the encoder the pipeline's workers run for this sink; with
// partitions it also groups each batch's records by partition.
func (s *Sink) Encoder() pipeline.Encoder { return encoder{s} }

// encoder runs on the workers: it encodes a batch and, when the export is
// partitioned, orders it by partition and notes where each one's records
// end in b.Out.
type encoder struct{ s *Sink }

func (e encoder) Header() []byte    { return e.s.enc.Header() }
func (e encoder) Separator() []byte { return e.s.enc.Separator() }
func (e encoder) Footer() []byte    { return e.s.enc.Footer() }

func (e encoder) Encode(dst []byte, b *pipeline.Batch) ([]byte, error) {
	out, gs, err := e.s.encodeBatch(dst, b)
	if err == nil && gs != nil {
		e.s.groups.Store(b, gs)
	}
	return out, err
}

// encodeBatch appends b's records to dst as the parts take them: encoded,
// grouped by partition (see encode), and each group compressed into a
// frame when the workers compress.
func (s *Sink) encodeBatch(dst []byte, b *pipeline.Batch) ([]byte, []group, error) {
	if s.frames == nil {
		return s.encode(dst, b)
	}
	return s.encodeFrames(dst, b)
}

// encodeFrames encodes b and appends each of its groups (the whole batch
// without partitions) to dst as a frame, without the group's leading
// separator (append writes it, framed, between records of a part).
func (s *Sink) encodeFrames(dst []byte, b *pipeline.Batch) ([]byte, []group, error) {
	buf, _ := s.raw.Get().(*[]byte)
	if buf == nil {
		buf = new([]byte)
	}
	defer s.raw.Put(buf)
	raw, gs, err := s.encode((*buf)[:0], b)
	*buf = raw
	if err != nil || len(b.Records) == 0 {
		return dst, gs, err
	}
	whole := []group{{end: len(raw)}}
	if gs != nil {
		whole = gs
	}
	start := 0
	for i := range whole {
		records, err := frames.StripSeparator(raw[start:whole[i].end], s.enc.Separator())
		if err != nil {
			return dst, nil, fmt.Errorf("batch %d: %w", b.Seq, err)
		}
		start = whole[i].end
		if dst, err = s.frames.Frame(dst, records); err != nil {
			return dst, nil, fmt.Errorf("compress batch %d: %w", b.Seq, err)
		}
		whole[i].end = len(dst)
	}
	return dst, gs, nil
}

// group is a run of records of one partition in an encoded batch.
type group struct {
	path    string // partition folders, "" without partitions
	end     int    // offset in b.Out after the group's records
	records int
	// recs are the group's records, kept for a columnar format's
	// BatchWriter, which is handed each group as a batch of its own.
	recs []pipeline.Record
}

// encode appends b's records to dst, grouped by partition; it returns the
// groups, or nil for an export without partitions. Each group is encoded
// as a batch of its own, so that a columnar format's group is a whole
// encoded batch (Parquet pages, an Arrow record batch) that its part's
// BatchWriter can take.
func (s *Sink) encode(dst []byte, b *pipeline.Batch) ([]byte, []group, error) {
	if len(s.partitions) == 0 {
		out, err := s.enc.Encode(dst, b)
		return out, nil, err
	}
	// Number the partitions in order of first appearance, then order the
	// records by that number (a counting sort: stable, linear) into a copy:
	// b.Records keeps its order for the stages that still see it.
	ids := make([]int32, len(b.Records))
	seen := map[string]int32{}
	var paths []string
	var buf, scratch []byte
	for i := range b.Records {
		buf, scratch = appendPath(buf[:0], s.partitions, &b.Records[i].User, scratch)
		id, ok := seen[string(buf)]
		if !ok {
			id = int32(len(paths))
			paths = append(paths, string(buf))
			seen[paths[id]] = id
		}
		ids[i] = id
	}
	end := make([]int, len(paths)+1)
	for _, id := range ids {
		end[id+1]++
	}
	for k := 1; k < len(end); k++ {
		end[k] += end[k-1]
	}
	sorted := make([]pipeline.Record, len(b.Records))
	for i, id := range ids {
		sorted[end[id]] = b.Records[i]
		end[id]++
	}
	// end[k] is now where group k ends in sorted.
	gs := make([]group, 0, len(paths))
	sub := &pipeline.Batch{Seq: b.Seq, Checkpoint: b.Checkpoint}
	lo := 0
	for k, path := range paths {
		sub.Records = sorted[lo:end[k]]
		var err error
		if dst, err = s.enc.Encode(dst, sub); err != nil {
			return dst, nil, err
		}
		g := group{path: path, end: len(dst), records: len(sub.Records)}
		if s.columnar() {
			g.recs = sub.Records
		}
		gs = append(gs, g)
		lo = end[k]
	}
	return dst, gs, nil
}

// writeRaw writes bytes that did not come from the workers (a header or
// footer) into p, compressing them into a frame of their own when the
// workers compress.
func (s *Sink) writeRaw(p *part, data []byte) error {
	if s.frames == nil {
		_, err := p.out().Write(data)
		return err
	}
	fr, err := s.frames.Frame(nil, data)
	if err != nil {
		return err
	}
	_, err = p.bw.Write(fr)
	return err
}

// columnar reports whether the format is written through a BatchWriter
// per part (Parquet, Arrow IPC files).
func (s *Sink) columnar() bool { return s.format.NewWriter != nil }

// Write appends the batch's records to the open part of their partition,
// and checkpoints when a part is due to rotate. A batch the sink already
// wrote (a resend) is skipped.
func (s *Sink) Write(ctx context.Context, b *pipeline.Batch) error {
	gsv, encoded := s.groups.LoadAndDelete(b)
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.failed != nil {
		return fmt.Errorf("s3 output %s failed earlier: %w", s.Location(), s.failed)
	}
	if s.finished {
		return fmt.Errorf("%w: %s is committed", ErrExists, s.Location())
	}
	if err := s.start(ctx); err != nil {
		return err
	}
	job := b.Checkpoint.Job
	if next, ok := s.next[job]; ok && b.Seq < next {
		return nil
	}
	out := b.Out
	var gs []group
	switch {
	case encoded:
		gs = gsv.([]group)
	case len(b.Records) > 0 && (len(out) == 0 || len(s.partitions) > 0):
		// Not encoded by the runner's workers (a caller writing batches
		// directly): encode here.
		var err error
		if out, gs, err = s.encodeBatch(nil, b); err != nil {
			return err
		}
	}
	if len(b.Records) > 0 && gs == nil {
		gs = []group{{end: len(out), records: len(b.Records)}}
	}
	err := s.guard(ctx, func() error { return s.commit(ctx, b, out, gs) })
	if err != nil {
		s.failed = err
	}
	return err
}

// commit appends the batch to its parts, notes its checkpoint and, when a
// part is due to rotate, completes the open parts and saves the checkpoint.
func (s *Sink) commit(ctx context.Context, b *pipeline.Batch, out []byte, gs []group) error {
	if err := s.append(ctx, b, out, gs); err != nil {
		return err
	}
	cp, err := b.PrepareCommit()
	if err != nil {
		return err
	}
	s.pending[b.Checkpoint.Job] = cp
	s.next[b.Checkpoint.Job] = b.Seq + 1
	rotate := false
	for _, p := range s.open {
		if p.full(s.opts) {
			rotate = true
		}
	}
	if rotate || (s.opts.CheckpointEvery > 0 && time.Since(s.lastCP) >= s.opts.CheckpointEvery) {
		return s.checkpoint(ctx)
	}
	return nil
}

// guard runs fn, which writes into the parts' pipes and waits for their
// uploads. Should ctx be cancelled meanwhile, it breaks every open part
// (see interrupt), so that fn cannot stay blocked on a pipe that no upload
// reads or on an upload that does not end: fn then returns an error, and
// so does guard, as the parts are broken.
func (s *Sink) guard(ctx context.Context, fn func() error) error {
	stop := context.AfterFunc(ctx, func() { s.interrupt(context.Cause(ctx)) })
	err := fn()
	if !stop() { // the parts were broken meanwhile
		return cmpErr(err, context.Cause(ctx))
	}
	return err
}

func (s *Sink) append(ctx context.Context, b *pipeline.Batch, out []byte, gs []group) error {
	sep := len(s.enc.Separator())
	start := 0
	for _, g := range gs {
		data := out[start:g.end]
		start = g.end
		p, err := s.part(ctx, g.path)
		if err != nil {
			return err
		}
		if p.batches != nil {
			// A columnar part takes the group as a batch of its own.
			wb := &pipeline.Batch{Seq: b.Seq, Checkpoint: b.Checkpoint, Records: g.recs, Out: data}
			if g.recs == nil {
				wb.Records = b.Records
			}
			if err := p.batches.WriteBatch(wb); err != nil {
				return fmt.Errorf("write %s: %w", p.name(s), p.cause(err))
			}
			p.fed += int64(len(data))
		} else if s.frames != nil {
			// data is one frame without its leading separator.
			if p.wrote && s.sepFrame != nil {
				if _, err := p.bw.Write(s.sepFrame); err != nil {
					return fmt.Errorf("write %s: %w", p.name(s), p.cause(err))
				}
			}
			p.wrote = true
			if _, err := p.bw.Write(data); err != nil {
				return fmt.Errorf("write %s: %w", p.name(s), p.cause(err))
			}
		} else {
			if !p.wrote {
				data = data[min(sep, len(data)):]
				p.wrote = true
			}
			if _, err := p.out().Write(data); err != nil {
				return fmt.Errorf("write %s: %w", p.name(s), p.cause(err))
			}
		}
		p.records += int64(g.records)
		s.clock++
		p.used = s.clock
	}
	return nil
}

// interrupt breaks every open part with err: a write blocked on its pipe
// returns, its upload reads err and its requests are cancelled, so that
// the upload ends (the transfer manager then aborts the multipart upload,
// within FailTimeout).
func (s *Sink) interrupt(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.open {
		p.pr.CloseWithError(err)
		p.cancel()
	}
}

// part returns the open part of a partition, opening one (and completing
// the least recently written part when too many are open).
func (s *Sink) part(ctx context.Context, path string) (*part, error) {
	if p, ok := s.open[path]; ok {
		return p, nil
	}
	if len(s.open) >= s.opts.MaxOpenPartitions {
		var lru *part
		for _, p := range s.open {
			if lru == nil || p.used < lru.used {
				lru = p
			}
		}
		if err := s.finish(ctx, []*part{lru}); err != nil {
			return nil, err
		}
	}
	base := fmt.Sprintf("part-%05d%s", s.nextPart, s.ext)
	s.nextPart++
	p, err := s.newPart(path, base)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(s.uploads)
	p.cancel = cancel
	s.mu.Lock()
	s.open[path] = p
	s.mu.Unlock()
	go s.upload(ctx, p)
	if h := s.enc.Header(); len(h) > 0 && p.batches == nil {
		if err := s.writeRaw(p, h); err != nil {
			return nil, fmt.Errorf("write %s: %w", p.name(s), p.cause(err))
		}
	}
	return p, nil
}

// part is one part file being uploaded: the sink writes into a pipe
// (through a buffer and the checksums) and an upload of unknown length
// reads from it.
type part struct {
	path, base, rel string // partition folders, file name, and both
	pr              *io.PipeReader
	pw              *io.PipeWriter
	sent            *counter // bytes written into the pipe
	sum             *summer  // the upload reads through it
	bw              *bufio.Writer
	// batches writes a columnar format's part (nil for a byte format):
	// it takes the encoded batches and, on Close, writes the footer.
	batches pipeline.BatchWriter
	fed     int64 // encoded bytes handed to batches
	records int64
	wrote   bool // a record was written (the next needs a separator)
	used    uint64

	cancel context.CancelFunc // cancels the upload's requests
	done   chan struct{}      // closed when the upload returns
	result *transfermanager.UploadObjectOutput
	err    error
}

func (s *Sink) newPart(path, base string) (*part, error) {
	pr, pw := io.Pipe()
	p := &part{path: path, base: base, rel: path + base, pr: pr, pw: pw, done: make(chan struct{}),
		sent: &counter{w: pw}, sum: &summer{r: pr, sha: sha256.New(), crc: crc32.New(crc32.MakeTable(crc32.Castagnoli))}}
	p.bw = bufio.NewWriterSize(p.sent, 256<<10)
	if s.columnar() {
		bw, err := s.format.NewWriter(p.out(), s.enc)
		if err != nil {
			return nil, fmt.Errorf("%s writer: %w", s.format.Name, err)
		}
		p.batches = bw
	}
	return p, nil
}

// name names the part in errors: partition values stay out, as they are
// taken from records.
func (p *part) name(s *Sink) string {
	if p.path != "" {
		return s.Location() + "…/" + p.base
	}
	return s.Location() + p.base
}

func (p *part) out() io.Writer { return p.bw }

// size is the bytes stored so far (row formats are compressed, frame by
// frame, before they reach the part). A columnar writer holds a row group back until it is complete,
// so its part counts the encoded bytes it was handed instead.
func (p *part) size() int64 { return max(p.sent.n+int64(p.bw.Buffered()), p.fed) }

func (p *part) full(o Options) bool {
	return p.size() >= o.PartSize || (o.PartRecords > 0 && p.records >= o.PartRecords)
}

// cause prefers the upload's own error to the pipe's report of it.
func (p *part) cause(err error) error {
	select {
	case <-p.done:
		if p.err != nil {
			return p.err
		}
	default:
	}
	return err
}

// upload streams the part from its pipe until the writer closes it, and
// completes the object. Whatever ends it (success, a failed request, a
// broken pipe, a cancelled ctx), it closes the pipe's reading end, so a
// writer blocked on the pipe returns: no write outlives its upload.
func (s *Sink) upload(ctx context.Context, p *part) {
	defer close(p.done)
	defer p.cancel()
	in := &transfermanager.UploadObjectInput{
		Bucket:            &s.bucket,
		Key:               aws.String(s.key(p.rel)),
		Body:              p.sum,
		ChecksumAlgorithm: tmtypes.ChecksumAlgorithmCrc32c,
		// A full-object CRC32C (CRC32C combines across parts) rather than a
		// checksum of checksums, so that S3's can be compared with ours.
		ChecksumType: tmtypes.ChecksumTypeFullObject,
	}
	if s.opts.SSE != "" {
		in.ServerSideEncryption = tmtypes.ServerSideEncryption(s.opts.SSE)
	}
	if s.opts.SSEKMSKeyID != "" {
		in.SSEKMSKeyID = &s.opts.SSEKMSKeyID
	}
	if s.opts.StorageClass != "" {
		in.StorageClass = tmtypes.StorageClass(s.opts.StorageClass)
	}
	p.result, p.err = s.tm.UploadObject(ctx, in)
	if p.err != nil {
		p.err = fmt.Errorf("upload %s: %w", p.name(s), p.err)
		p.pr.CloseWithError(p.err) // a writer blocked on the pipe returns
	} else {
		p.pr.Close()
	}
}

// finish completes parts: footers, compressors and buffers are flushed,
// their pipes closed, and their uploads awaited. Completed parts join
// s.done; on an error the others are aborted.
func (s *Sink) finish(ctx context.Context, ps []*part) error {
	var first error
	for _, p := range ps {
		err := func() error {
			if p.batches != nil {
				if err := p.batches.Close(); err != nil {
					return err
				}
			} else if f := s.enc.Footer(); len(f) > 0 {
				if err := s.writeRaw(p, f); err != nil {
					return err
				}
			}
			return p.bw.Flush()
		}()
		if err != nil {
			first = cmpErr(first, fmt.Errorf("write %s: %w", p.name(s), p.cause(err)))
			p.pw.CloseWithError(err)
			continue
		}
		p.pw.Close()
	}
	for _, p := range ps {
		select {
		case <-p.done:
		case <-ctx.Done():
			s.abort(ps)
			return ctx.Err()
		}
		s.mu.Lock()
		delete(s.open, p.path)
		s.mu.Unlock()
		if p.err != nil {
			first = cmpErr(first, p.err)
			continue
		}
		if got := aws.ToString(p.result.ChecksumCRC32C); got != "" && !strings.Contains(got, "-") && got != p.sum.crc32c() {
			first = cmpErr(first, fmt.Errorf("%w: %s", ErrChecksum, p.name(s)))
			continue
		}
		s.done = append(s.done, Part{Path: p.rel, Partition: partitionValues(p.path), Records: p.records,
			Bytes: p.sum.n, SHA256: hex.EncodeToString(p.sum.sha.Sum(nil)), CRC32C: p.sum.crc32c()})
	}
	return first
}

func cmpErr(first, err error) error {
	if first == nil {
		return err
	}
	return first
}

// abort breaks parts, cancels their uploads' requests and waits for the
// uploads to end; the transfer manager aborts their multipart uploads
// (with a context of its own, bounded by FailTimeout).
func (s *Sink) abort(ps []*part) {
	for _, p := range ps {
		p.pw.CloseWithError(errAborted)
		p.pr.CloseWithError(errAborted)
		p.cancel()
	}
	for _, p := range ps {
		<-p.done
		s.mu.Lock()
		delete(s.open, p.path)
		s.mu.Unlock()
	}
}

var errAborted = errors.New("part aborted")

func (s *Sink) openParts() []*part {
	ps := make([]*part, 0, len(s.open))
	for _, p := range s.open {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b *part) int { return strings.Compare(a.rel, b.rel) })
	return ps
}

// checkpoint completes every open part and saves the completed parts with
// each job's position in _checkpoint.json.
func (s *Sink) checkpoint(ctx context.Context) error {
	if err := s.finish(ctx, s.openParts()); err != nil {
		return err
	}
	parts := append(slices.Clip(s.committed), s.done...)
	st := state{Version: 1, Format: s.format.Name, Compression: s.opts.Compression, PartitionBy: s.specs(),
		NextPart: s.nextPart, Parts: parts, Jobs: s.pending}
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	in := &s3.PutObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(s3src.CheckpointName)), Body: bytes.NewReader(data),
		ContentType: aws.String("application/json"), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32c}
	s.encrypt(in)
	if s.cpETag != "" {
		in.IfMatch = &s.cpETag
	} else {
		in.IfNoneMatch = aws.String("*")
	}
	out, err := s.client.PutObject(ctx, in)
	if err != nil {
		if isPrecondition(err) {
			return fmt.Errorf("%w: %s%s changed", ErrConflict, s.Location(), s3src.CheckpointName)
		}
		return fmt.Errorf("save checkpoint of %s: %w", s.Location(), err)
	}
	s.cpETag = aws.ToString(out.ETag)
	s.committed, s.done = parts, nil
	s.saved = make(map[string]pipeline.Checkpoint, len(s.pending))
	for job, cp := range s.pending {
		s.saved[job] = cp
	}
	s.lastCP = time.Now()
	return nil
}

func (s *Sink) encrypt(in *s3.PutObjectInput) {
	if s.opts.SSE != "" {
		in.ServerSideEncryption = types.ServerSideEncryption(s.opts.SSE)
	}
	if s.opts.SSEKMSKeyID != "" {
		in.SSEKMSKeyId = &s.opts.SSEKMSKeyID
	}
}

// Close commits the export when ctx is live: it completes the open parts,
// deletes part files a failed earlier attempt left, writes _manifest.json
// with If-None-Match: * and removes the checkpoint. With a cancelled ctx
// (a failed or interrupted run) it saves what was written for --resume
// when the sink is sound, or aborts the open uploads when it is not,
// within CloseTimeout; nothing half-written is ever visible through a
// manifest.
func (s *Sink) Close(ctx context.Context) error {
	if s.closed {
		return nil
	}
	s.closed = true
	defer s.cancel()
	defer s.groups.Clear()
	if s.finished {
		return nil
	}
	if ctx.Err() != nil || s.failed != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.CloseTimeout)
		defer cancel()
		if s.failed != nil || !s.started || len(s.open)+len(s.done) == 0 && !s.moved() {
			s.abort(s.openParts())
			return nil
		}
		err := s.guard(cctx, func() error { return s.checkpoint(cctx) })
		if err != nil {
			s.abort(s.openParts())
		}
		return err
	}
	if err := s.start(ctx); err != nil { // an empty input still yields an empty export
		return err
	}
	if err := s.guard(ctx, func() error { return s.finish(ctx, s.openParts()) }); err != nil {
		s.abort(s.openParts())
		return err
	}
	parts := append(slices.Clip(s.committed), s.done...)
	keep := map[string]bool{}
	for _, p := range parts {
		keep[p.Path] = true
	}
	if err := s.sweep(ctx, keep); err != nil {
		return err
	}
	data, err := json.MarshalIndent(s.manifest(parts), "", "  ")
	if err != nil {
		return err
	}
	in := &s3.PutObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(s3src.ManifestName)), Body: bytes.NewReader(data),
		ContentType: aws.String("application/json"), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32c, IfNoneMatch: aws.String("*")}
	s.encrypt(in)
	if _, err := s.client.PutObject(ctx, in); err != nil {
		if isPrecondition(err) {
			return fmt.Errorf("%w: %s was committed by another run", ErrExists, s.Location())
		}
		return fmt.Errorf("commit %s: %w", s.Location(), err)
	}
	// The manifest commits the export; a checkpoint left behind is
	// harmless, as readers and resumed runs look for the manifest first.
	s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(s3src.CheckpointName))})
	return nil
}

// moved reports whether a job's position advanced past the saved one.
func (s *Sink) moved() bool {
	for job, cp := range s.pending {
		if saved, ok := s.saved[job]; !ok || saved.Seq != cp.Seq {
			return true
		}
	}
	return false
}

// sweep aborts the incomplete multipart uploads of part files and deletes
// part files not in keep: what a failed or killed run left behind.
func (s *Sink) sweep(ctx context.Context, keep map[string]bool) error {
	if err := s.abortUploads(ctx); err != nil {
		return err
	}
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: &s.prefix})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list %s: %w", s.Location(), err)
		}
		for _, o := range page.Contents {
			rel := strings.TrimPrefix(aws.ToString(o.Key), s.prefix)
			if keep[rel] || !ours(rel) {
				continue
			}
			if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: o.Key}); err != nil {
				return fmt.Errorf("delete %s%s: %w", s.Location(), rel, err)
			}
		}
	}
	return nil
}

// abortUploads aborts the incomplete multipart uploads of part files under
// the prefix.
func (s *Sink) abortUploads(ctx context.Context) error {
	in := &s3.ListMultipartUploadsInput{Bucket: &s.bucket, Prefix: &s.prefix}
	for {
		out, err := s.client.ListMultipartUploads(ctx, in)
		if err != nil {
			return fmt.Errorf("list multipart uploads of %s: %w", s.Location(), err)
		}
		for _, u := range out.Uploads {
			if !ours(strings.TrimPrefix(aws.ToString(u.Key), s.prefix)) {
				continue
			}
			_, err := s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &s.bucket, Key: u.Key, UploadId: u.UploadId})
			if err != nil && !notFound(err) {
				return fmt.Errorf("abort multipart upload of %s: %w", aws.ToString(u.Key), err)
			}
		}
		if !aws.ToBool(out.IsTruncated) {
			return nil
		}
		in.KeyMarker, in.UploadIdMarker = out.NextKeyMarker, out.NextUploadIdMarker
	}
}

func (s *Sink) exists(ctx context.Context, name string) (bool, error) {
	_, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(name))})
	switch {
	case err == nil:
		return true, nil
	case notFound(err):
		return false, nil
	}
	return false, fmt.Errorf("head %s%s: %w", s.Location(), name, err)
}

// getJSON reads a control object into v; found is false when it does not
// exist.
func (s *Sink) getJSON(ctx context.Context, name string, v any) (found bool, etag string, err error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(name))})
	if notFound(err) {
		return false, "", nil
	}
	if err != nil {
		return false, "", fmt.Errorf("get %s%s: %w", s.Location(), name, err)
	}
	defer out.Body.Close()
	if err := json.NewDecoder(io.LimitReader(out.Body, 256<<20)).Decode(v); err != nil {
		return false, "", fmt.Errorf("%s%s is damaged: %w", s.Location(), name, err)
	}
	return true, aws.ToString(out.ETag), nil
}

func notFound(err error) bool {
	if err == nil {
		return false
	}
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	if errors.As(err, &nsk) || errors.As(err, &nf) {
		return true
	}
	apiErr, ok := errors.AsType[smithy.APIError](err)
	return ok && (apiErr.ErrorCode() == "NoSuchKey" || apiErr.ErrorCode() == "NotFound" || apiErr.ErrorCode() == "NoSuchUpload")
}

func isPrecondition(err error) bool {
	apiErr, ok := errors.AsType[smithy.APIError](err)
	return ok && (apiErr.ErrorCode() == "PreconditionFailed" || apiErr.ErrorCode() == "ConditionalRequestConflict")
}

// summer counts and checksums the bytes the upload reads. It runs on the
// upload's goroutine, so hashing overlaps with the sink's next write; the
// sink reads its sums once the upload has returned.
type summer struct {
	r   io.Reader
	sha hash.Hash
	crc hash.Hash32
	n   int64
}

func (s *summer) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.sha.Write(p[:n])
	s.crc.Write(p[:n])
	s.n += int64(n)
	return n, err
}

// counter counts the bytes written through it.
type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func (s *summer) crc32c() string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], s.crc.Sum32())
	return base64.StdEncoding.EncodeToString(b[:])
}

// limitedClient bounds the uploads in flight across every part of the
// sink, whatever each transfer's own concurrency.
type limitedClient struct {
	*s3.Client
	sem      chan struct{}
	inFlight atomic.Int64
	peak     atomic.Int64
	requests atomic.Int64
}

func (l *limitedClient) acquire(ctx context.Context) error {
	select {
	case l.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	n := l.inFlight.Add(1)
	l.requests.Add(1)
	for {
		p := l.peak.Load()
		if n <= p || l.peak.CompareAndSwap(p, n) {
			return nil
		}
	}
}

func (l *limitedClient) release() {
	l.inFlight.Add(-1)
	<-l.sem
}

func (l *limitedClient) UploadPart(ctx context.Context, in *s3.UploadPartInput, opts ...func(*s3.Options)) (*s3.UploadPartOutput, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.Client.UploadPart(ctx, in, opts...)
}

func (l *limitedClient) PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.Client.PutObject(ctx, in, opts...)
}

// UploadStats describe the uploads of a sink so far.
type UploadStats struct {
	// Requests counts PutObject and UploadPart requests (retries aside).
	Requests int64
	// PeakInFlight is the most uploads that were in flight at once; it
	// never exceeds Options.Concurrency.
	PeakInFlight int64
}

// Uploads returns the sink's upload statistics.
func (s *Sink) Uploads() UploadStats {
	return UploadStats{Requests: s.limit.requests.Load(), PeakInFlight: s.limit.peak.Load()}
}
