package file

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/ferry-dev/ferry/pipeline"
)

// frames compresses byte blocks into independent frames: gzip members or
// zstd frames. A file of such frames, one after the other, is one valid
// compressed stream (RFC 1952 §2.2, RFC 8878 §3.1) that every gzip and zstd
// reader decompresses whole, so each batch can be compressed on the worker
// that encoded it and the sink only concatenates.
type frames interface {
	// frame appends the compressed form of src to dst. It is safe for
	// concurrent use.
	frame(dst, src []byte) ([]byte, error)
}

func newFrames(compression string) (frames, error) {
	switch compression {
	case "gz":
		return &gzipFrames{}, nil
	case "zst":
		zw, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)))
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		return zstdFrames{zw}, nil
	}
	return nil, fmt.Errorf("unknown compression %q", compression)
}

type zstdFrames struct{ zw *zstd.Encoder }

func (z zstdFrames) frame(dst, src []byte) ([]byte, error) { return z.zw.EncodeAll(src, dst), nil }

// gzipFrames keeps one writer per worker: a gzip.Writer holds ~800 KB of
// tables, too much to make per batch.
type gzipFrames struct{ pool sync.Pool }

type appender struct{ b []byte }

func (a *appender) Write(p []byte) (int, error) {
	a.b = append(a.b, p...)
	return len(p), nil
}

func (g *gzipFrames) frame(dst, src []byte) ([]byte, error) {
	out := &appender{b: dst}
	zw, _ := g.pool.Get().(*gzip.Writer)
	if zw == nil {
		zw, _ = gzip.NewWriterLevel(out, gzip.DefaultCompression)
	} else {
		zw.Reset(out)
	}
	defer g.pool.Put(zw)
	if _, err := zw.Write(src); err != nil {
		return dst, err
	}
	if err := zw.Close(); err != nil {
		return dst, err
	}
	return out.b, nil
}

// frameEncoder runs a format's encoder and compresses each batch into a
// frame of its own, on the worker. The batch's leading separator is left
// out of the frame: the sink writes it, as a frame of its own, only before
// a batch that does not start the output.
type frameEncoder struct {
	enc     pipeline.Encoder
	frames  frames
	scratch sync.Pool // *[]byte, the uncompressed batch
}

func (e *frameEncoder) Header() []byte    { return e.enc.Header() }
func (e *frameEncoder) Separator() []byte { return e.enc.Separator() }
func (e *frameEncoder) Footer() []byte    { return e.enc.Footer() }

// Encode appends to dst one frame holding b's encoded records without the
// first separator; nothing for a batch without records.
func (e *frameEncoder) Encode(dst []byte, b *pipeline.Batch) ([]byte, error) {
	if len(b.Records) == 0 {
		return dst, nil
	}
	buf, _ := e.scratch.Get().(*[]byte)
	if buf == nil {
		buf = new([]byte)
	}
	defer e.scratch.Put(buf)
	raw, err := e.enc.Encode((*buf)[:0], b)
	if err != nil {
		return dst, err
	}
	*buf = raw
	sep := e.enc.Separator()
	if len(raw) < len(sep) || string(raw[:len(sep)]) != string(sep) {
		return dst, fmt.Errorf("encoder output of batch %d does not start with its separator", b.Seq)
	}
	return e.frames.frame(dst, raw[len(sep):])
}
