package parquet

import (
	"fmt"
	"io"
	"os"
)

// spillAt is how many bytes of each of its two page index buffers a
// Writer keeps in memory before it moves them to a temporary file (a few
// million users at the default sizes), so that a larger file does not grow
// the Writer's memory. Tests lower it.
var spillAt = 4 << 20

// spillBuf is an append-only byte buffer that moves to an unnamed
// temporary file once it outgrows spillAt: the serialized page index a
// Writer holds until the footer.
type spillBuf struct {
	mem  []byte
	f    *os.File // once spilled; removed from its directory at once
	size int64
}

// Len returns how many bytes were appended.
func (b *spillBuf) Len() int64 { return b.size }

// Append appends p.
func (b *spillBuf) Append(p []byte) error {
	if b.f == nil && len(b.mem)+len(p) > spillAt {
		f, err := os.CreateTemp("", "ferry-parquet-index-*")
		if err != nil {
			return fmt.Errorf("spill page index: %w", err)
		}
		os.Remove(f.Name()) // unnamed: gone with the descriptor, even after a crash
		if _, err := f.Write(b.mem); err != nil {
			f.Close()
			return fmt.Errorf("spill page index: %w", err)
		}
		b.f, b.mem = f, nil
	}
	b.size += int64(len(p))
	if b.f == nil {
		b.mem = append(b.mem, p...)
		return nil
	}
	if _, err := b.f.Write(p); err != nil {
		return fmt.Errorf("spill page index: %w", err)
	}
	return nil
}

// AppendRange appends to dst the bytes from off to end.
func (b *spillBuf) AppendRange(dst []byte, off, end int64) ([]byte, error) {
	if b.f == nil {
		return append(dst, b.mem[off:end]...), nil
	}
	n := len(dst)
	dst = append(dst, make([]byte, end-off)...)
	if _, err := b.f.ReadAt(dst[n:], off); err != nil {
		return dst[:n], fmt.Errorf("read spilled page index: %w", err)
	}
	return dst, nil
}

// WriteTo writes every byte appended to w.
func (b *spillBuf) WriteTo(w io.Writer) (int64, error) {
	if b.f == nil {
		n, err := w.Write(b.mem)
		return int64(n), err
	}
	return io.Copy(w, io.NewSectionReader(b.f, 0, b.size))
}

// Close releases the temporary file, if any.
func (b *spillBuf) Close() error {
	if b.f == nil {
		return nil
	}
	err := b.f.Close()
	b.f = nil
	return err
}
