package input

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
)

// Buffer buffers the stream for the reader goroutine. Bytes before start
// belong to chunks already handed out and are never written again: when the
// free tail runs short, the pending bytes move to a fresh array. Callers keep
// positions relative to start, which survive that move.
//
// Off, Line and EOF describe the stream for the caller, which reads them.
// A caller that seeks sets Line to the line it knows the target to start;
// one that finds the stream broken past some point sets Err, so that Fill
// reads no more and the error is reported like a read error.
type Buffer struct {
	r     io.Reader
	buf   []byte
	start int   // first byte not yet handed out
	end   int   // end of the bytes read
	Off   int64 // stream offset of the first pending byte
	Line  int64 // 1-based line of the first pending byte
	EOF   bool  // the reader has reported io.EOF
	Err   error // read error, reported after the records before it
}

// New returns a Buffer reading r, at line 1.
func New(r io.Reader) Buffer { return Buffer{r: r, Line: 1} }

// Pending returns the bytes read but not handed out.
func (in *Buffer) Pending() []byte { return in.buf[in.start:in.end] }

// Fill reads more bytes. It returns false when the stream is at its end or
// broken (in.Err).
func (in *Buffer) Fill() bool {
	if in.EOF || in.Err != nil {
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
			in.EOF = true
			return m > 0
		}
		if err != nil {
			in.Err = fmt.Errorf("read at byte %d: %w", in.Off+int64(in.end-in.start), err)
			return m > 0
		}
		if m > 0 {
			return true
		}
	}
	in.Err = fmt.Errorf("read at byte %d: %w", in.Off+int64(in.end-in.start), io.ErrNoProgress)
	return false
}

// Take hands out the next n pending bytes; nobody writes them again.
func (in *Buffer) Take(n int) []byte {
	p := in.buf[in.start : in.start+n : in.start+n]
	in.Drop(n)
	return p
}

// Drop discards the next n pending bytes, counting their lines.
func (in *Buffer) Drop(n int) {
	in.Line += int64(bytes.Count(in.buf[in.start:in.start+n], nl))
	in.start += n
	in.Off += int64(n)
}

// LineAt returns the line of pending byte p (of the last pending byte's
// line when p is past the pending bytes).
func (in *Buffer) LineAt(p int) int64 {
	data := in.Pending()
	return in.Line + int64(bytes.Count(data[:min(p, len(data))], nl))
}

// SkipBOM drops a UTF-8 byte order mark at the first pending byte, reading
// as far as it needs to tell. It reports whether it dropped one.
func (in *Buffer) SkipBOM() bool {
	for len(in.Pending()) < len(bom) && in.Fill() {
	}
	if !bytes.HasPrefix(in.Pending(), bom) {
		return false
	}
	in.Drop(len(bom))
	return true
}

// SeekTo moves a seekable stream to target when the byte before it is want,
// dropping what is buffered. It reports false, with the stream where it
// was, when r cannot seek or the byte differs. The caller sets Line after
// a move.
func (in *Buffer) SeekTo(target int64, want byte) bool {
	s, ok := in.r.(io.Seeker)
	if !ok || target <= in.Off {
		return false
	}
	readPos := in.Off + int64(in.end-in.start)
	var b [1]byte
	if _, err := s.Seek(target-1, io.SeekStart); err != nil {
		return false
	}
	if _, err := io.ReadFull(in.r, b[:]); err != nil || b[0] != want {
		_, err := s.Seek(readPos, io.SeekStart)
		if err != nil {
			in.Err = fmt.Errorf("seek back to byte %d: %w", readPos, err)
		}
		return false
	}
	in.buf, in.start, in.end = nil, 0, 0
	in.Off, in.EOF = target, false
	return true
}

var (
	nl  = []byte{'\n'}
	bom = []byte("\xef\xbb\xbf")
)
