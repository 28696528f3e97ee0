package input

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// fill reads until n bytes are pending or the stream ends.
func fill(in *Buffer, n int) {
	for len(in.Pending()) < n && in.Fill() {
	}
}

func TestBuffer_TakeCountsLinesAndOffset(t *testing.T) {
	in := New(strings.NewReader("a\nb\n\nc"))
	fill(&in, 6)
	if got := string(in.Take(4)); got != "a\nb\n" {
		t.Fatalf("Take(4) = %q, want %q", got, "a\nb\n")
	}
	if in.Line != 3 || in.Off != 4 {
		t.Fatalf("after Take: line %d offset %d, want line 3 offset 4", in.Line, in.Off)
	}
	in.Drop(1)
	if in.Line != 4 || in.Off != 5 || string(in.Pending()) != "c" {
		t.Fatalf("after Drop: line %d offset %d pending %q, want line 4 offset 5 pending \"c\"", in.Line, in.Off, in.Pending())
	}
	if in.Fill() || !in.EOF || in.Err != nil {
		t.Fatalf("Fill at the end: EOF %v, Err %v, want EOF and no error", in.EOF, in.Err)
	}
}

func TestBuffer_TakenBytesSurviveRefills(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcde\n"), 64<<10) // 1 MiB: several buffers
	in := New(iotest.HalfReader(bytes.NewReader(data)))
	var taken [][]byte
	var off int
	for {
		fill(&in, 1000)
		n := min(len(in.Pending()), 1000)
		if n == 0 {
			break
		}
		taken = append(taken, in.Take(n))
		off += n
	}
	if off != len(data) || in.Off != int64(len(data)) {
		t.Fatalf("took %d bytes, offset %d, want %d", off, in.Off, len(data))
	}
	if got := bytes.Join(taken, nil); !bytes.Equal(got, data) {
		t.Fatal("bytes handed out changed after later reads")
	}
	if want := int64(64<<10) + 1; in.Line != want {
		t.Fatalf("line %d, want %d", in.Line, want)
	}
}

type errReader struct {
	data string
	err  error
}

func (r *errReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestBuffer_FillReportsReadErrors(t *testing.T) {
	broken := errors.New("disk on fire")
	tests := []struct {
		name    string
		r       io.Reader
		wantErr error
		wantMsg string
	}{
		{"read error after data", &errReader{data: "abc", err: broken}, broken, "read at byte 3: disk on fire"},
		{"no progress", &errReader{err: nil}, io.ErrNoProgress, "read at byte 0: multiple Read calls return no data or error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := New(tt.r)
			fill(&in, 10)
			if !errors.Is(in.Err, tt.wantErr) || in.Err.Error() != tt.wantMsg {
				t.Fatalf("Err = %v, want %q wrapping %v", in.Err, tt.wantMsg, tt.wantErr)
			}
			if in.Fill() {
				t.Fatal("Fill after an error reported more bytes")
			}
		})
	}
}

func TestBuffer_SkipBOM(t *testing.T) {
	tests := []struct {
		name, in    string
		oneByte     bool
		want        bool
		wantPending string
	}{
		{"mark", "\xef\xbb\xbf{}", false, true, "{}"},
		{"mark split across reads", "\xef\xbb\xbf{}", true, true, "{}"},
		{"mark only", "\xef\xbb\xbf", false, true, ""},
		{"partial mark", "\xef\xbbx", false, false, "\xef\xbbx"},
		{"short input", "a", false, false, "a"},
		{"empty input", "", false, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r io.Reader = strings.NewReader(tt.in)
			if tt.oneByte {
				r = iotest.OneByteReader(r)
			}
			in := New(r)
			got := in.SkipBOM()
			fill(&in, len(tt.in))
			if got != tt.want || string(in.Pending()) != tt.wantPending {
				t.Fatalf("SkipBOM = %v, pending %q; want %v, %q", got, in.Pending(), tt.want, tt.wantPending)
			}
			if want := int64(len(tt.in) - len(tt.wantPending)); in.Off != want {
				t.Fatalf("offset %d, want %d", in.Off, want)
			}
		})
	}
}

func TestBuffer_LineAt(t *testing.T) {
	in := New(strings.NewReader("a\nb\nc"))
	in.Line = 10
	fill(&in, 5)
	tests := []struct {
		p    int
		want int64
	}{{0, 10}, {1, 10}, {2, 11}, {4, 12}, {5, 12}, {99, 12}}
	for _, tt := range tests {
		if got := in.LineAt(tt.p); got != tt.want {
			t.Errorf("LineAt(%d) = %d, want %d", tt.p, got, tt.want)
		}
	}
}

// noSeek hides the Seeker of a reader.
type noSeek struct{ io.Reader }

func TestBuffer_SeekTo(t *testing.T) {
	const data = "l1\nl2\nl3\n"
	tests := []struct {
		name        string
		r           io.Reader
		consumed    int // bytes dropped before SeekTo
		target      int64
		want        bool
		wantPending string // everything read after SeekTo
	}{
		{"to a line start", strings.NewReader(data), 0, 6, true, "l3\n"},
		{"byte before differs", strings.NewReader(data), 0, 5, false, data},
		{"not past the offset", strings.NewReader(data), 3, 3, false, "l2\nl3\n"},
		{"byte before differs, after buffering", strings.NewReader(data), 3, 5, false, "l2\nl3\n"},
		{"cannot seek", noSeek{strings.NewReader(data)}, 0, 6, false, data},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := New(tt.r)
			fill(&in, tt.consumed)
			in.Drop(tt.consumed)
			got := in.SeekTo(tt.target, '\n')
			fill(&in, len(data))
			if got != tt.want || string(in.Pending()) != tt.wantPending || in.Err != nil {
				t.Fatalf("SeekTo(%d) = %v, pending %q, err %v; want %v, %q", tt.target, got, in.Pending(), in.Err, tt.want, tt.wantPending)
			}
			if want := int64(len(data) - len(tt.wantPending)); in.Off != want {
				t.Fatalf("offset %d, want %d", in.Off, want)
			}
		})
	}
}
