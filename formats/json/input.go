package json

import (
	"bytes"
	"fmt"
	"io"
)

const (
	// defaultBufSize is the size of a fresh buffer, once the input has
	// proved long (the first ones are smaller). Each one holds
	// several chunks (1000 rows of a typical export are under 1 MiB), so
	// that the partial row at its end, copied to the next buffer, is a
	// small share of the input; reads fill the free tail directly.
	defaultBufSize = 4 << 20
	minRead        = 64 << 10
	maxEmptyReads  = 100
	// DefaultMaxRecordBytes is the default of Options.MaxRecordBytes.
	DefaultMaxRecordBytes = 64 << 20
)

// input buffers the stream for the reader goroutine. Bytes before start
// belong to chunks already handed out and are never written again: when the
// free tail runs short, the pending bytes move to a fresh array. Callers keep
// positions relative to start, which survive that move.
type input struct {
	r     io.Reader
	buf   []byte
	start int   // first byte not yet handed out
	end   int   // end of the bytes read
	off   int64 // stream offset of buf[start]
	line  int64 // 1-based line of buf[start]
	eof   bool
	err   error // read error, reported after the records before it
}

func newInput(r io.Reader) input { return input{r: r, line: 1} }

// pending returns the bytes read but not handed out.
func (in *input) pending() []byte { return in.buf[in.start:in.end] }

// fill reads more bytes. It returns false when the stream is at its end or
// broken (in.err).
func (in *input) fill() bool {
	if in.eof || in.err != nil {
		return false
	}
	if len(in.buf)-in.end < minRead {
		n := in.end - in.start
		// Buffers double from 2×minRead up to defaultBufSize, so that a
		// small input costs a small buffer.
		nb := make([]byte, max(min(2*len(in.buf), defaultBufSize), 2*minRead, 2*n+minRead))
		copy(nb, in.buf[in.start:in.end])
		in.buf, in.start, in.end = nb, 0, n
	}
	for range maxEmptyReads {
		m, err := in.r.Read(in.buf[in.end:])
		in.end += m
		if err == io.EOF {
			in.eof = true
			return m > 0
		}
		if err != nil {
			in.err = fmt.Errorf("read at byte %d: %w", in.off+int64(in.end-in.start), err)
			return m > 0
		}
		if m > 0 {
			return true
		}
	}
	in.err = fmt.Errorf("read at byte %d: %w", in.off+int64(in.end-in.start), io.ErrNoProgress)
	return false
}

// take hands out the next n pending bytes; nobody writes them again.
func (in *input) take(n int) []byte {
	p := in.buf[in.start : in.start+n : in.start+n]
	in.drop(n)
	return p
}

// drop discards the next n pending bytes, counting their lines.
func (in *input) drop(n int) {
	in.line += int64(bytes.Count(in.buf[in.start:in.start+n], nl))
	in.start += n
	in.off += int64(n)
}

// seek moves a seekable stream to target when the byte before it is want,
// dropping what is buffered. It reports false, with the stream where it
// was, when r cannot seek or the byte differs.
func (in *input) seek(target int64, want byte) bool {
	s, ok := in.r.(io.Seeker)
	if !ok || target <= in.off {
		return false
	}
	readPos := in.off + int64(in.end-in.start)
	var b [1]byte
	if _, err := s.Seek(target-1, io.SeekStart); err != nil {
		return false
	}
	if _, err := io.ReadFull(in.r, b[:]); err != nil || b[0] != want {
		_, err := s.Seek(readPos, io.SeekStart)
		if err != nil {
			in.err = fmt.Errorf("seek back to byte %d: %w", readPos, err)
		}
		return false
	}
	in.buf, in.start, in.end = nil, 0, 0
	in.off, in.eof = target, false
	return true
}

var nl = []byte{'\n'}
