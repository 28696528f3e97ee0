// Package frames compresses byte blocks into independent frames — gzip
// members or zstd frames. A file of such frames, one after the other, is
// one valid compressed stream (RFC 1952 §2.2, RFC 8878 §3.1) that every
// gzip and zstd reader decompresses whole, so a sink can have each batch
// compressed on the worker that encoded it and only concatenate.
package frames

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Compressor appends frames; it is safe for concurrent use.
type Compressor interface {
	// Frame appends the compressed form of src, as one frame, to dst.
	Frame(dst, src []byte) ([]byte, error)
}

// New returns the compressor of "gz" or "zst".
func New(compression string) (Compressor, error) {
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

func (z zstdFrames) Frame(dst, src []byte) ([]byte, error) { return z.zw.EncodeAll(src, dst), nil }

// gzipFrames keeps one writer per worker: a gzip.Writer holds ~800 KB of
// tables, too much to make per batch.
type gzipFrames struct{ pool sync.Pool }

type appender struct{ b []byte }

func (a *appender) Write(p []byte) (int, error) {
	a.b = append(a.b, p...)
	return len(p), nil
}

func (g *gzipFrames) Frame(dst, src []byte) ([]byte, error) {
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

// StripSeparator returns raw without the separator an encoder put before
// its first record, or an error when raw does not start with it.
func StripSeparator(raw, sep []byte) ([]byte, error) {
	if len(raw) < len(sep) || string(raw[:len(sep)]) != string(sep) {
		return nil, fmt.Errorf("encoded records do not start with the encoder's separator")
	}
	return raw[len(sep):], nil
}
