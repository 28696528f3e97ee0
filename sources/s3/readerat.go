package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// ErrChanged is returned when an object changed while it was being read:
// its ETag no longer matches the one seen when it was listed or opened.
var ErrChanged = errors.New("object changed while being read")

// ReaderAt reads ranges of one S3 object with ranged GETs, so that a format
// which needs only parts of a file (Parquet's footer and the column chunks
// it asks for) never downloads the whole object. Every read is pinned to
// the object's ETag; an object replaced meanwhile fails with ErrChanged.
//
// io.ReaderAt has no context parameter, so ReaderAt keeps the context it
// was opened with and uses it for every request.
type ReaderAt struct {
	ctx    context.Context
	client *s3.Client
	bucket string
	key    string
	etag   string
	size   int64
}

var _ io.ReaderAt = (*ReaderAt)(nil)

// NewReaderAt opens bucket/key for ranged reads; it asks S3 for the
// object's size and ETag.
func NewReaderAt(ctx context.Context, client *s3.Client, bucket, key string) (*ReaderAt, error) {
	out, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return nil, fmt.Errorf("head s3://%s/%s: %w", bucket, key, err)
	}
	return &ReaderAt{ctx: ctx, client: client, bucket: bucket, key: key,
		etag: aws.ToString(out.ETag), size: aws.ToInt64(out.ContentLength)}, nil
}

// Size returns the object's length in bytes.
func (r *ReaderAt) Size() int64 { return r.size }

// ReadAt reads len(p) bytes at off with one ranged GET. As io.ReaderAt
// requires, it returns io.EOF when fewer bytes remain.
func (r *ReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("s3://%s/%s: read at negative offset %d", r.bucket, r.key, off)
	}
	if off >= r.size {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	end := min(off+int64(len(p)), r.size)
	body, err := r.get(r.ctx, off, end)
	if err != nil {
		return 0, err
	}
	defer body.Close()
	n, err := io.ReadFull(body, p[:end-off])
	if err != nil {
		return n, fmt.Errorf("s3://%s/%s: read bytes %d-%d: %w", r.bucket, r.key, off, end-1, err)
	}
	if end-off < int64(len(p)) {
		return n, io.EOF
	}
	return n, nil
}

// get opens the bytes [off, end) of the object; end < 0 means to the end.
func (r *ReaderAt) get(ctx context.Context, off, end int64) (io.ReadCloser, error) {
	in := &s3.GetObjectInput{Bucket: &r.bucket, Key: &r.key}
	if r.etag != "" {
		in.IfMatch = &r.etag
	}
	switch {
	case end >= 0:
		in.Range = aws.String("bytes=" + strconv.FormatInt(off, 10) + "-" + strconv.FormatInt(end-1, 10))
	case off > 0:
		in.Range = aws.String("bytes=" + strconv.FormatInt(off, 10) + "-")
	}
	out, err := r.client.GetObject(ctx, in)
	if err != nil {
		if apiErr, ok := errors.AsType[smithy.APIError](err); ok && apiErr.ErrorCode() == "PreconditionFailed" {
			return nil, fmt.Errorf("s3://%s/%s: %w", r.bucket, r.key, ErrChanged)
		}
		return nil, fmt.Errorf("get s3://%s/%s at byte %d: %w", r.bucket, r.key, off, err)
	}
	return out.Body, nil
}

// objectReader reads an object front to back through one streaming GET, and
// seeks by reopening it at the new offset with a ranged GET; decoders that
// resume by seeking (NDJSON, CSV) skip what was read instead of downloading
// it again. It is also an io.ReaderAt with a Size, for formats that read
// ranges.
type objectReader struct {
	*ReaderAt
	// ctx is the context of the streaming GETs, the source's current Next
	// (set on the reader goroutine). Ranged reads through ReadAt keep the
	// ReaderAt's own, fixed when the object was opened: workers decoding
	// row groups call them concurrently.
	ctx     context.Context
	off     int64 // offset of the next byte Read returns
	body    io.ReadCloser
	pending []byte // bytes read from body by peek and not yet returned
}

var _ io.ReadSeekCloser = (*objectReader)(nil)

// setContext makes the next request use ctx (the source's current Next).
func (o *objectReader) setContext(ctx context.Context) { o.ctx = ctx }

// peek returns up to n bytes at the current offset without consuming them.
func (o *objectReader) peek(n int) ([]byte, error) {
	for len(o.pending) < n && o.off+int64(len(o.pending)) < o.size {
		if o.body == nil {
			body, err := o.get(o.ctx, o.off, -1)
			if err != nil {
				return nil, err
			}
			o.body = body
		}
		buf := make([]byte, n-len(o.pending))
		m, err := o.body.Read(buf)
		o.pending = append(o.pending, buf[:m]...)
		if err != nil && !errors.Is(err, io.EOF) {
			return o.pending, err
		}
		if errors.Is(err, io.EOF) {
			break
		}
	}
	return o.pending[:min(n, len(o.pending))], nil
}

func (o *objectReader) Read(p []byte) (int, error) {
	if len(o.pending) > 0 {
		n := copy(p, o.pending)
		o.pending = o.pending[n:]
		o.off += int64(n)
		return n, nil
	}
	if o.off >= o.size {
		return 0, io.EOF
	}
	if o.body == nil {
		body, err := o.get(o.ctx, o.off, -1)
		if err != nil {
			return 0, err
		}
		o.body = body
	}
	n, err := o.body.Read(p)
	o.off += int64(n)
	if errors.Is(err, io.EOF) {
		if o.off < o.size {
			err = fmt.Errorf("s3://%s/%s: body ended at byte %d of %d: %w", o.bucket, o.key, o.off, o.size, io.ErrUnexpectedEOF)
		}
		o.body.Close()
		o.body = nil
	}
	return n, err
}

func (o *objectReader) Seek(offset int64, whence int) (int64, error) {
	abs := offset
	switch whence {
	case io.SeekCurrent:
		abs += o.off
	case io.SeekEnd:
		abs += o.size
	}
	if abs < 0 {
		return 0, fmt.Errorf("s3://%s/%s: seek to negative offset %d", o.bucket, o.key, abs)
	}
	if abs != o.off {
		o.pending = nil
		if o.body != nil {
			o.body.Close()
			o.body = nil
		}
	}
	o.off = abs
	return abs, nil
}

func (o *objectReader) Close() error {
	o.pending = nil
	if o.body == nil {
		return nil
	}
	err := o.body.Close()
	o.body = nil
	return err
}
