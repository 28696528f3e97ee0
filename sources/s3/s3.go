package s3

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"path"
	"strings"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/ferry-dev/ferry/pipeline"
)

// Options configure an S3 source. The zero value works with a format
// registry and the AWS default configuration.
type Options struct {
	// Config says how to reach S3; ignored when Client is set.
	Config Config
	// Client, when set, is used instead of one built from Config.
	Client *s3.Client
	// Format, when set, overrides the format chosen by the manifest or by
	// each object's extension.
	Format *pipeline.Format
	// BatchSize is the number of records per batch; default 1000.
	BatchSize int
	// Shard and Shards select every Shards-th object starting at Shard,
	// so that Shards workers read disjoint parts of one input; objects are
	// the unit of sharding. Shards ≤ 1 reads everything.
	Shard, Shards int
	// NoVerify skips checking the objects of an export against the sizes
	// and CRC32C checksums in its manifest.
	NoVerify bool

	pageSize int32 // objects per listing page; tests make it small
}

// Object is one input object.
type Object struct {
	Key  string
	Size int64
	// ETag pins reads to the version listed; empty when not known.
	ETag string
	// CRC32C is the checksum of the whole object from an export's
	// manifest (standard base64, as S3 prints it); empty when not known.
	CRC32C string
}

// Errors of the source.
var (
	// ErrNoInput: a location names no object.
	ErrNoInput = errors.New("no input objects")
	// ErrUncommitted: the prefix holds an export that has a checkpoint but
	// no manifest; it is still being written or its run failed.
	ErrUncommitted = errors.New("export is not committed")
	// ErrChecksum: an object does not match its manifest entry.
	ErrChecksum = errors.New("object does not match its manifest")
)

// Names of an export's control objects (see sinks/s3).
const (
	ManifestName   = "_manifest.json"
	CheckpointName = "_checkpoint.json"
)

// Source reads the objects of an S3 location in order: a prefix
// ("s3://bucket/exports/", every object under it, or exactly the parts its
// _manifest.json lists), a glob ("s3://bucket/exports/*.ndjson.gz", where
// * does not cross a slash) or one object. Listings are paginated; objects
// whose name or folder starts with "_" or "." are control files and are
// skipped. Compressed objects (gzip, zstd) are recognised by their magic
// bytes.
type Source struct {
	client  *s3.Client
	bucket  string
	objects []Object
	formats []pipeline.Format
	opts    Options

	i      int // index of the open object in objects
	obj    *objectReader
	zr     io.Closer
	dec    pipeline.Decoder
	verify *crcReader // checksum of the raw bytes, when the object is verified
}

var (
	_ pipeline.Source  = (*Source)(nil)
	_ pipeline.Resumer = (*Source)(nil)
)

// Open lists the objects loc names and checks that each has a format.
func Open(ctx context.Context, loc string, reg *pipeline.Registry, opts Options) (*Source, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1000
	}
	bucket, key, err := ParseLocation(loc)
	if err != nil {
		return nil, err
	}
	client := opts.Client
	if client == nil {
		if client, err = NewClient(ctx, opts.Config); err != nil {
			return nil, err
		}
	}
	s := &Source{client: client, bucket: bucket, opts: opts, i: -1}
	manifestFormat, err := s.list(ctx, key)
	if err != nil {
		return nil, err
	}
	if opts.Shards > 1 {
		if opts.Shard < 0 || opts.Shard >= opts.Shards {
			return nil, fmt.Errorf("shard %d of %d: want 0 ≤ shard < shards", opts.Shard, opts.Shards)
		}
		var mine []Object
		for i, o := range s.objects {
			if i%opts.Shards == opts.Shard {
				mine = append(mine, o)
			}
		}
		s.objects = mine
	}
	for _, o := range s.objects {
		var f pipeline.Format
		switch {
		case opts.Format != nil:
			f = *opts.Format
		case manifestFormat != "":
			f, err = reg.Format(manifestFormat)
		default:
			f, err = reg.ForPath(o.Key)
		}
		if err != nil {
			return nil, fmt.Errorf("s3://%s/%s: %w", bucket, o.Key, err)
		}
		s.formats = append(s.formats, f)
	}
	return s, nil
}

// Objects returns the objects the source reads, in order.
func (s *Source) Objects() []Object { return s.objects }

// list resolves key into s.objects; it returns the format named by an
// export's manifest, if any.
func (s *Source) list(ctx context.Context, key string) (string, error) {
	loc := "s3://" + s.bucket + "/" + key
	if i := strings.IndexAny(key, "*?["); i >= 0 {
		if _, err := path.Match(key, ""); err != nil {
			return "", fmt.Errorf("glob %q: %w", loc, err)
		}
		prefix := key[:i]
		err := s.walk(ctx, prefix, func(o types.Object) {
			k := aws.ToString(o.Key)
			if ok, _ := path.Match(key, k); ok && !control(k[len(prefix):]) {
				s.objects = append(s.objects, object(o))
			}
		})
		if err != nil {
			return "", err
		}
		if len(s.objects) == 0 {
			return "", fmt.Errorf("%w: %q matches nothing", ErrNoInput, loc)
		}
		return "", nil
	}
	if key != "" && !strings.HasSuffix(key, "/") {
		// One object, or a prefix given without its slash.
		var exact *Object
		dir := false
		err := s.walk(ctx, key, func(o types.Object) {
			switch k := aws.ToString(o.Key); {
			case k == key:
				ob := object(o)
				exact = &ob
			case strings.HasPrefix(k, key+"/"):
				dir = true
			}
		})
		if err != nil {
			return "", err
		}
		if exact != nil {
			s.objects = []Object{*exact}
			return "", nil
		}
		if !dir {
			return "", fmt.Errorf("%w: %q does not exist", ErrNoInput, loc)
		}
		key += "/"
	}
	var hasManifest, hasCheckpoint bool
	err := s.walk(ctx, key, func(o types.Object) {
		rel := aws.ToString(o.Key)[len(key):]
		switch {
		case rel == ManifestName:
			hasManifest = true
		case rel == CheckpointName:
			hasCheckpoint = true
		case !control(rel):
			s.objects = append(s.objects, object(o))
		}
	})
	if err != nil {
		return "", err
	}
	switch {
	case hasManifest:
		return s.readManifest(ctx, key)
	case hasCheckpoint:
		return "", fmt.Errorf("%w: %q has %s but no %s", ErrUncommitted, loc, CheckpointName, ManifestName)
	}
	return "", nil
}

// control reports whether a key, relative to the listed prefix, is a
// control file or lies in a control folder ("_temporary/", ".spark/").
func control(rel string) bool {
	if rel == "" || strings.HasSuffix(rel, "/") {
		return true // the prefix itself, or a folder marker
	}
	for seg := range strings.SplitSeq(rel, "/") {
		if seg == "" || seg[0] == '_' || seg[0] == '.' {
			return true
		}
	}
	return false
}

func object(o types.Object) Object {
	return Object{Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size), ETag: aws.ToString(o.ETag)}
}

// walk lists every object under prefix, page by page.
func (s *Source) walk(ctx context.Context, prefix string, fn func(types.Object)) error {
	in := &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: &prefix}
	if s.opts.pageSize > 0 {
		in.MaxKeys = &s.opts.pageSize
	}
	p := s3.NewListObjectsV2Paginator(s.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list s3://%s/%s: %w", s.bucket, prefix, err)
		}
		for _, o := range page.Contents {
			fn(o)
		}
	}
	return nil
}

// manifest is the part of sinks/s3's _manifest.json a reader needs.
type manifest struct {
	Version int    `json:"version"`
	Format  string `json:"format"`
	Parts   []struct {
		Path   string `json:"path"`
		Bytes  int64  `json:"bytes"`
		CRC32C string `json:"crc32c"`
	} `json:"parts"`
}

// readManifest replaces the listing of an export with exactly the parts its
// manifest commits, in manifest order.
func (s *Source) readManifest(ctx context.Context, prefix string) (string, error) {
	key := prefix + ManifestName
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &key})
	if err != nil {
		return "", fmt.Errorf("get s3://%s/%s: %w", s.bucket, key, err)
	}
	defer out.Body.Close()
	var m manifest
	if err := json.NewDecoder(io.LimitReader(out.Body, 256<<20)).Decode(&m); err != nil {
		return "", fmt.Errorf("s3://%s/%s is damaged: %w", s.bucket, key, err)
	}
	if m.Version != 1 {
		return "", fmt.Errorf("s3://%s/%s: manifest version %d, want 1", s.bucket, key, m.Version)
	}
	listed := make(map[string]Object, len(s.objects))
	for _, o := range s.objects {
		listed[o.Key] = o
	}
	s.objects = s.objects[:0]
	for _, p := range m.Parts {
		if p.Path == "" || strings.HasPrefix(p.Path, "/") || strings.Contains("/"+p.Path+"/", "/../") {
			return "", fmt.Errorf("s3://%s/%s: part path %q leaves the export", s.bucket, key, p.Path)
		}
		o, ok := listed[prefix+p.Path]
		if !ok {
			return "", fmt.Errorf("%w: part %s of s3://%s/%s is missing", ErrChecksum, p.Path, s.bucket, key)
		}
		if o.Size != p.Bytes {
			return "", fmt.Errorf("%w: part %s holds %d bytes, the manifest says %d", ErrChecksum, p.Path, o.Size, p.Bytes)
		}
		o.CRC32C = p.CRC32C
		s.objects = append(s.objects, o)
	}
	return m.Format, nil
}

// Next returns the next raw chunk; workers decode it.
func (s *Source) Next(ctx context.Context) (*pipeline.Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for {
		if s.dec == nil {
			if s.i+1 >= len(s.objects) {
				return nil, io.EOF
			}
			if err := s.open(ctx, s.i+1, true); err != nil {
				return nil, err
			}
		}
		s.obj.setContext(ctx)
		c, err := s.dec.Next(ctx, s.opts.BatchSize)
		if errors.Is(err, io.EOF) {
			if err := s.finish(); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.name(s.i), err)
		}
		c.Decoder = positioned{c.Decoder}
		return &pipeline.Batch{Raw: c, Checkpoint: pipeline.Checkpoint{SourceIndex: s.i}}, nil
	}
}

// positioned fills the batch's checkpoint from the chunk it decodes, as the
// runner does, so that a batch decoded outside the runner still carries its
// position.
type positioned struct{ pipeline.ChunkDecoder }

func (p positioned) DecodeChunk(c *pipeline.Chunk, b *pipeline.Batch) {
	p.ChunkDecoder.DecodeChunk(c, b)
	b.Checkpoint.Source = c.Source
	b.Checkpoint.Offset = c.Offset + int64(len(c.Data))
	b.Checkpoint.Line = c.Line - 1 + int64(bytes.Count(c.Data, []byte{'\n'}))
	b.Checkpoint.Index = c.Index + int64(b.Read)
}

// Resume skips the objects before cp.SourceIndex and the records of that
// object up to the checkpoint; a plain object is reopened at the
// checkpoint's byte offset with a ranged GET.
func (s *Source) Resume(ctx context.Context, cp pipeline.Checkpoint) error {
	if cp.SourceIndex < 0 || cp.SourceIndex >= len(s.objects) {
		return fmt.Errorf("checkpoint names input %d of %d", cp.SourceIndex+1, len(s.objects))
	}
	if want := s.name(cp.SourceIndex); cp.Source != "" && cp.Source != want {
		return fmt.Errorf("checkpoint is for input %q, not %q", cp.Source, want)
	}
	if err := s.closeObject(); err != nil {
		return err
	}
	if err := s.open(ctx, cp.SourceIndex, false); err != nil { // a partial read cannot be checked
		return err
	}
	return s.dec.Skip(ctx, cp)
}

func (s *Source) name(i int) string { return "s3://" + s.bucket + "/" + s.objects[i].Key }

// open opens object i for decoding; verify checks it against its manifest
// entry when it has been read to the end.
func (s *Source) open(ctx context.Context, i int, verify bool) error {
	s.i = i
	o := s.objects[i]
	s.obj = &objectReader{ctx: ctx, ReaderAt: &ReaderAt{ctx: ctx, client: s.client, bucket: s.bucket, key: o.Key, etag: o.ETag, size: o.Size}}
	magic, err := s.obj.peek(4)
	if err != nil {
		return err
	}
	var raw io.Reader = s.obj
	s.verify = nil
	if verify && o.CRC32C != "" && !s.opts.NoVerify {
		s.verify = &crcReader{objectReader: s.obj, h: crc32.New(crc32.MakeTable(crc32.Castagnoli))}
		raw = s.verify
	}
	// A plain object goes to the decoder as it is: an io.ReadSeeker that is
	// also an io.ReaderAt with a Size, for formats that read ranges.
	r := raw
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		zr, err := gzip.NewReader(bufio.NewReaderSize(raw, 1<<20))
		if err != nil {
			return fmt.Errorf("%s: gzip: %w", s.name(i), err)
		}
		s.zr, r = zr, zr
	case len(magic) == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd:
		zr, err := zstd.NewReader(bufio.NewReaderSize(raw, 1<<20), zstd.WithDecoderConcurrency(1))
		if err != nil {
			return fmt.Errorf("%s: zstd: %w", s.name(i), err)
		}
		rc := zr.IOReadCloser()
		s.zr, r = rc, rc
	}
	dec, err := s.formats[i].NewDecoder(r, s.name(i))
	if err != nil {
		return fmt.Errorf("%s: %w", s.name(i), err)
	}
	s.dec = dec
	return nil
}

// finish closes the object the decoder has read to its end, checking it
// against its manifest entry.
func (s *Source) finish() error {
	if v := s.verify; v != nil && !v.random.Load() {
		if _, err := io.Copy(io.Discard, v); err != nil {
			return fmt.Errorf("%s: %w", s.name(s.i), err)
		}
		want, err := base64.StdEncoding.DecodeString(s.objects[s.i].CRC32C)
		if err != nil || len(want) != 4 {
			return fmt.Errorf("%w: %s: malformed crc32c in the manifest", ErrChecksum, s.name(s.i))
		}
		if got := v.h.Sum32(); got != binary.BigEndian.Uint32(want) || v.n != s.objects[s.i].Size {
			return fmt.Errorf("%w: %s: crc32c or size differs", ErrChecksum, s.name(s.i))
		}
	}
	return s.closeObject()
}

func (s *Source) closeObject() error {
	s.dec = nil
	s.verify = nil
	var err error
	if s.zr != nil {
		err = s.zr.Close()
		s.zr = nil
	}
	if s.obj != nil {
		if cerr := s.obj.Close(); err == nil {
			err = cerr
		}
		s.obj = nil
	}
	return err
}

// Close releases the open object.
func (s *Source) Close() error { return s.closeObject() }

// crcReader checksums and counts what is read through it front to back. A
// decoder that seeks or reads ranges turns the check off: bytes read out of
// order cannot be checksummed as a whole.
type crcReader struct {
	*objectReader
	h hash.Hash32
	n int64
	// random is set by Seek and ReadAt; workers decoding row groups call
	// ReadAt concurrently with the reader goroutine's finish.
	random atomic.Bool
}

func (c *crcReader) Read(p []byte) (int, error) {
	n, err := c.objectReader.Read(p)
	c.h.Write(p[:n])
	c.n += int64(n)
	return n, err
}

func (c *crcReader) Seek(offset int64, whence int) (int64, error) {
	c.random.Store(true)
	return c.objectReader.Seek(offset, whence)
}

func (c *crcReader) ReadAt(p []byte, off int64) (int, error) {
	c.random.Store(true)
	return c.objectReader.ReadAt(p, off)
}
