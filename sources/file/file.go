package file

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/ferry-dev/ferry/pipeline"
)

// Options configure a file source. The zero value works with a format
// registry.
type Options struct {
	// Format, when set, overrides the format chosen by extension.
	Format *pipeline.Format
	// BatchSize is the number of records per batch; default 1000.
	BatchSize int
	// Stdin is read for the location "-"; default os.Stdin.
	Stdin io.Reader
}

// ErrNoInput is returned when a location names no file.
var ErrNoInput = errors.New("no input files")

// Source reads one or more files in order: a path, a glob or "-" for
// standard input. Compressed files (gzip, zstd) are recognised by their
// magic bytes and decompressed on the fly.
type Source struct {
	paths []string
	reg   *pipeline.Registry
	opts  Options

	i   int // index of the open file in paths
	f   *os.File
	zr  io.Closer
	dec pipeline.Decoder

	// shared is the open file of a random-access format, whose chunks read
	// it on the workers; held files are those read to their end whose
	// chunks are not all decoded yet.
	shared *sharedFile
	held   []*sharedFile
}

var (
	_ pipeline.Source  = (*Source)(nil)
	_ pipeline.Resumer = (*Source)(nil)
)

// Open resolves loc into its files. Globs are expanded and sorted, so a
// resumed run sees the files in the same order.
func Open(loc string, reg *pipeline.Registry, opts Options) (*Source, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1000
	}
	if opts.Stdin == nil {
		opts.Stdin = os.Stdin
	}
	var paths []string
	switch {
	case loc == "-":
		if opts.Format == nil {
			return nil, fmt.Errorf("reading standard input needs --format")
		}
		paths = []string{"-"}
	case strings.ContainsAny(loc, "*?["):
		m, err := filepath.Glob(loc)
		if err != nil {
			return nil, fmt.Errorf("glob %q: %w", loc, err)
		}
		slices.Sort(m)
		paths = m
	default:
		if _, err := os.Stat(loc); err != nil {
			return nil, fmt.Errorf("open input: %w", err)
		}
		paths = []string{loc}
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%w: %q matches nothing", ErrNoInput, loc)
	}
	for _, p := range paths {
		if _, err := formatFor(p, reg, opts); err != nil {
			return nil, err
		}
	}
	return &Source{paths: paths, reg: reg, opts: opts, i: -1}, nil
}

// Paths returns the files the source reads, in order.
func (s *Source) Paths() []string { return s.paths }

func formatFor(path string, reg *pipeline.Registry, opts Options) (pipeline.Format, error) {
	if opts.Format != nil {
		return *opts.Format, nil
	}
	return reg.ForPath(path)
}

// Next returns the next raw chunk; workers decode it.
func (s *Source) Next(ctx context.Context) (*pipeline.Batch, error) {
	for {
		if s.dec == nil {
			if s.i+1 >= len(s.paths) {
				return nil, io.EOF
			}
			if err := s.open(s.i + 1); err != nil {
				return nil, err
			}
		}
		c, err := s.dec.Next(ctx, s.opts.BatchSize)
		if errors.Is(err, io.EOF) {
			if err := s.closeFile(); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.name(), err)
		}
		if s.shared != nil {
			c.Decoder = s.shared.hold(c.Decoder)
		}
		return &pipeline.Batch{Raw: c, Checkpoint: pipeline.Checkpoint{SourceIndex: s.i}}, nil
	}
}

// Resume skips the files before cp.SourceIndex and the records of that
// file up to the checkpoint.
func (s *Source) Resume(ctx context.Context, cp pipeline.Checkpoint) error {
	if cp.SourceIndex < 0 || cp.SourceIndex >= len(s.paths) {
		return fmt.Errorf("checkpoint names input %d of %d", cp.SourceIndex+1, len(s.paths))
	}
	if s.paths[cp.SourceIndex] == "-" {
		return fmt.Errorf("standard input cannot be resumed")
	}
	if want := displayName(s.paths[cp.SourceIndex]); cp.Source != "" && cp.Source != want {
		return fmt.Errorf("checkpoint is for input %q, not %q", cp.Source, want)
	}
	if err := s.closeFile(); err != nil {
		return err
	}
	if err := s.open(cp.SourceIndex); err != nil {
		return err
	}
	return s.dec.Skip(ctx, cp)
}

func (s *Source) open(i int) error {
	s.i = i
	p := s.paths[i]
	format, err := formatFor(p, s.reg, s.opts)
	if err != nil {
		return err
	}
	var r io.Reader
	if p == "-" {
		r = s.opts.Stdin
	} else {
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("open input: %w", err)
		}
		s.f = f
		r = f
	}
	br := bufio.NewReaderSize(r, 1<<20)
	magic, _ := br.Peek(4)
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: gzip: %w", s.name(), err)
		}
		s.zr, r = zr, zr
	case len(magic) == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd:
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return fmt.Errorf("%s: zstd: %w", s.name(), err)
		}
		rc := zr.IOReadCloser()
		s.zr, r = rc, rc
	default:
		if s.f != nil && format.NewReaderAt != nil {
			return s.openReaderAt(format)
		}
		if s.f != nil {
			// A plain file: hand the decoder the file itself, so that it can
			// seek on resume. It buffers on its own; rewind past the peek.
			if _, err := s.f.Seek(0, io.SeekStart); err != nil {
				return fmt.Errorf("%s: %w", s.name(), err)
			}
			r = s.f
		} else {
			r = br
		}
	}
	if format.NewDecoder == nil {
		return fmt.Errorf("%s: %s input must be a plain file, not standard input or compressed", s.name(), format.Name)
	}
	dec, err := format.NewDecoder(r, s.name())
	if err != nil {
		return fmt.Errorf("%s: %w", s.name(), err)
	}
	s.dec = dec
	return nil
}

// openReaderAt opens a random-access format (Parquet, Arrow IPC files) on
// a plain file, which its chunks read by position.
func (s *Source) openReaderAt(format pipeline.Format) error {
	st, err := s.f.Stat()
	if err != nil {
		return fmt.Errorf("%s: %w", s.name(), err)
	}
	dec, err := format.NewReaderAt(s.f, st.Size(), s.name())
	if err != nil {
		return fmt.Errorf("%s: %w", s.name(), err)
	}
	s.dec = dec
	s.shared = &sharedFile{f: s.f}
	return nil
}

// sharedFile closes the file of a random-access format once the source
// has read it to its end and every chunk cut from it has been decoded
// (the chunks read the file on the workers), or when the source closes.
type sharedFile struct {
	f       *os.File
	mu      sync.Mutex
	pending int  // chunks handed out and not decoded yet
	done    bool // the source reads no further chunk from it
	closed  bool
}

// hold counts one more chunk reading the file; its decoder releases it.
func (sf *sharedFile) hold(d pipeline.ChunkDecoder) pipeline.ChunkDecoder {
	sf.mu.Lock()
	sf.pending++
	sf.mu.Unlock()
	return releasing{ChunkDecoder: d, sf: sf}
}

type releasing struct {
	pipeline.ChunkDecoder
	sf *sharedFile
}

func (r releasing) DecodeChunk(c *pipeline.Chunk, b *pipeline.Batch) {
	defer r.sf.release()
	r.ChunkDecoder.DecodeChunk(c, b)
}

func (sf *sharedFile) release() {
	sf.mu.Lock()
	defer sf.mu.Unlock()
	sf.pending--
	if sf.done && sf.pending <= 0 {
		sf.closeLocked()
	}
}

// finish marks the file read to its end; it closes at once when no chunk
// is pending, or force is set.
func (sf *sharedFile) finish(force bool) {
	sf.mu.Lock()
	defer sf.mu.Unlock()
	sf.done = true
	if force || sf.pending <= 0 {
		sf.closeLocked()
	}
}

func (sf *sharedFile) isClosed() bool {
	sf.mu.Lock()
	defer sf.mu.Unlock()
	return sf.closed
}

func (sf *sharedFile) closeLocked() {
	if !sf.closed {
		sf.closed = true
		sf.f.Close() // read only: a close error loses nothing
	}
}

func (s *Source) name() string { return displayName(s.paths[s.i]) }

func displayName(p string) string {
	if p == "-" {
		return "stdin"
	}
	return p
}

func (s *Source) closeFile() error {
	s.dec = nil
	if s.shared != nil {
		s.shared.finish(false)
		s.held = slices.DeleteFunc(append(s.held, s.shared), (*sharedFile).isClosed)
		s.shared, s.f = nil, nil
	}
	var err error
	if s.zr != nil {
		err = s.zr.Close()
		s.zr = nil
	}
	if s.f != nil {
		if cerr := s.f.Close(); err == nil {
			err = cerr
		}
		s.f = nil
	}
	return err
}

// Close releases the open file.
func (s *Source) Close() error {
	err := s.closeFile()
	for _, sf := range s.held {
		sf.finish(true)
	}
	s.held = nil
	return err
}
