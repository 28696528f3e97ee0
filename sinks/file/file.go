package file

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/sinks/internal/frames"
)

// Options configure a file sink. The zero value works.
type Options struct {
	// Compression is "gz", "zst" or "" (none); by default it follows the
	// path's extension.
	Compression string
	// CheckpointEvery is how often the sink makes what it wrote resumable;
	// default 1s. Columnar output compressed as a whole ends a compression
	// frame at each checkpoint, so very short intervals cost it some
	// compression ratio.
	CheckpointEvery time.Duration
	// Stdout is written for the path "-"; default os.Stdout.
	Stdout io.Writer
	// Perm is the mode of the created file; default 0600 (profiles are
	// personal data).
	Perm os.FileMode
	// Writer, when set (a columnar format's pipeline.Format.NewWriter),
	// writes the encoded batches through the BatchWriter it returns for the
	// output and the sink's encoder, instead of concatenating them between
	// the encoder's header and footer. Such output is complete only when
	// the sink closes. It can be resumed when Resume is set too, the output
	// is not compressed and the BatchWriter is a pipeline.ResumableWriter;
	// otherwise --resume is refused and an interrupted run removes it.
	Writer func(w io.Writer, enc pipeline.Encoder) (pipeline.BatchWriter, error)
	// Resume continues the output of a Writer (the format's
	// pipeline.Format.ResumeWriter).
	Resume func(w io.Writer, enc pipeline.Encoder, size int64, journal []byte) (pipeline.BatchWriter, error)
}

// Sink writes encoded batches to one file. It writes to PATH.partial and
// renames it to PATH only when Close succeeds, so a reader never sees half
// an output. Every CheckpointEvery it flushes and records, in
// PATH.partial.checkpoint, the output length together with the pipeline
// checkpoint; a resumed run truncates the partial file to that length and
// appends. Standard output ("-") is written directly and cannot resume.
//
// A resumable columnar output (Options.Writer and Options.Resume) keeps,
// beside it, PATH.partial.journal: what its pipeline.ResumableWriter's
// marks returned, the footer's contents so far. Its checkpoints fall on
// marks (for Parquet, at the end of a row group), and record the output's
// and the journal's lengths there.
type Sink struct {
	path, partial, sidecar string
	journal                string // PATH.partial.journal
	enc                    pipeline.Encoder
	opts                   Options
	batches                pipeline.BatchWriter // when opts.Writer is set
	// marker is batches when its output can be resumed; jf is its
	// journal, jlen the journal's length, and markLen and markJournal
	// the output's and the journal's lengths at the last mark, the point
	// s.pending describes.
	marker               pipeline.ResumableWriter
	jf                   *os.File
	jlen                 int64
	markLen, markJournal int64
	// framed, when the output is compressed and not columnar: the workers
	// compress each batch into a frame of its own (see frames.go), and the
	// sink concatenates frames.
	framed   *frameEncoder
	sepFrame []byte // the encoder's separator as a frame
	frames   int64  // frames written (from the start, when resuming)

	f        *os.File
	counter  *countWriter
	bw       *bufio.Writer
	z        io.WriteCloser // compressor, nil when none
	resetZ   func() error   // start a new compression frame after a checkpoint
	wrote    bool           // a record has been written (the next one needs a separator)
	lastCP   time.Time
	pending  *pipeline.Checkpoint
	recorded *pipeline.Checkpoint // in the sidecar
	resuming bool
	closed   bool
}

var (
	_ pipeline.Sink         = (*Sink)(nil)
	_ pipeline.Encoding     = (*Sink)(nil)
	_ pipeline.Checkpointer = (*Sink)(nil)
	_ pipeline.Committer    = (*Sink)(nil)
)

// ErrExists is returned when the output exists and overwriting was not asked for.
var ErrExists = errors.New("output exists")

// Open prepares the sink; the file is created on the first write or by
// LastCheckpoint when resuming.
func Open(path string, enc pipeline.Encoder, opts Options) (*Sink, error) {
	if opts.CheckpointEvery <= 0 {
		opts.CheckpointEvery = time.Second
	}
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	if opts.Perm == 0 {
		opts.Perm = 0o600
	}
	if opts.Compression == "" {
		opts.Compression, _ = pipeline.Compression(path)
	}
	s := &Sink{path: path, enc: enc, opts: opts}
	if opts.Compression != "" && opts.Writer == nil {
		fr, err := frames.New(opts.Compression)
		if err != nil {
			return nil, err
		}
		s.framed = &frameEncoder{enc: enc, frames: fr}
		if sep := enc.Separator(); len(sep) > 0 {
			if s.sepFrame, err = fr.Frame(nil, sep); err != nil {
				return nil, err
			}
		}
	}
	if path != "-" {
		dir := filepath.Dir(path)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("output directory %q does not exist", dir)
		}
		s.partial = path + ".partial"
		s.sidecar = s.partial + ".checkpoint"
		s.journal = s.partial + ".journal"
	}
	return s, nil
}

// Encoder is the encoder the pipeline's workers run for this sink: the
// format's, or for compressed output one that also compresses each batch
// into a frame of its own, so compression runs on the workers too. A caller
// that writes batches itself must set b.Out with this encoder.
func (s *Sink) Encoder() pipeline.Encoder {
	if s.framed != nil {
		return s.framed
	}
	return s.enc
}

type sidecar struct {
	Length     int64               `json:"length"`
	Wrote      bool                `json:"wrote"`
	Frames     int64               `json:"frames,omitempty"`
	Journal    int64               `json:"journal,omitempty"`
	Checkpoint pipeline.Checkpoint `json:"checkpoint"`
}

// columnarResumable tells whether the columnar output can be continued by a
// later run (whether its BatchWriter marks is known once it exists).
func (s *Sink) columnarResumable() bool {
	return s.opts.Resume != nil && s.opts.Compression == "" && s.partial != ""
}

// LastCheckpoint reads the sidecar of an interrupted run, truncates the
// partial output to what that checkpoint covered, and reopens it for
// appending.
func (s *Sink) LastCheckpoint(ctx context.Context, job string) (*pipeline.Checkpoint, error) {
	if s.partial == "" {
		return nil, fmt.Errorf("%w: standard output", pipeline.ErrCannotResume)
	}
	if s.opts.Writer != nil && !s.columnarResumable() {
		return nil, fmt.Errorf("%w: %s is a compressed columnar file, written whole; run the job again without --resume",
			pipeline.ErrCannotResume, filepath.Base(s.path))
	}
	data, err := os.ReadFile(s.sidecar)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}
	var sc sidecar
	if err := json.Unmarshal(data, &sc); err != nil {
		return nil, fmt.Errorf("checkpoint %s is damaged: %w", s.sidecar, err)
	}
	if sc.Checkpoint.Job != job {
		return nil, fmt.Errorf("checkpoint %s belongs to job %q, not %q", s.sidecar, sc.Checkpoint.Job, job)
	}
	f, err := os.OpenFile(s.partial, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("open partial output: %w", err)
	}
	if err := f.Truncate(sc.Length); err != nil {
		f.Close()
		return nil, fmt.Errorf("truncate partial output: %w", err)
	}
	if _, err := f.Seek(sc.Length, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("seek partial output: %w", err)
	}
	s.resuming = true
	s.wrote, s.frames = sc.Wrote, sc.Frames
	s.recorded = &sc.Checkpoint
	if err := s.setup(f, sc.Length); err != nil {
		return nil, err
	}
	if s.opts.Writer != nil {
		if err := s.resumeColumnar(sc); err != nil {
			return nil, err
		}
	}
	return &sc.Checkpoint, nil
}

// resumeColumnar truncates the journal to what the checkpoint covered and
// continues the output from it.
func (s *Sink) resumeColumnar(sc sidecar) error {
	jf, err := os.OpenFile(s.journal, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("open the journal of the partial output: %w", err)
	}
	s.jf = jf
	if err := jf.Truncate(sc.Journal); err != nil {
		return fmt.Errorf("truncate the journal of the partial output: %w", err)
	}
	journal, err := io.ReadAll(io.NewSectionReader(jf, 0, sc.Journal))
	if err == nil && int64(len(journal)) != sc.Journal {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return fmt.Errorf("read the journal of the partial output: %w", err)
	}
	if _, err := jf.Seek(sc.Journal, io.SeekStart); err != nil {
		return fmt.Errorf("seek the journal of the partial output: %w", err)
	}
	bw, err := s.opts.Resume(s.out(), s.enc, sc.Length, journal)
	if err != nil {
		return fmt.Errorf("continue %s: %w", filepath.Base(s.path), err)
	}
	m, ok := bw.(pipeline.ResumableWriter)
	if !ok {
		return fmt.Errorf("%w: %T cannot mark its output", pipeline.ErrCannotResume, bw)
	}
	s.batches, s.marker = bw, m
	s.jlen, s.markLen, s.markJournal = sc.Journal, sc.Length, sc.Journal
	s.pending = &sc.Checkpoint
	return nil
}

func (s *Sink) setup(f *os.File, length int64) error {
	var w io.Writer
	if f != nil {
		s.f = f
		s.counter = &countWriter{w: f, n: length}
		w = s.counter
	} else {
		w = s.opts.Stdout
	}
	s.bw = bufio.NewWriterSize(w, 1<<20)
	s.lastCP = time.Now()
	if s.framed != nil {
		return nil
	}
	switch s.opts.Compression {
	case "":
	case "gz":
		zw, _ := gzip.NewWriterLevel(s.bw, gzip.DefaultCompression)
		s.z = zw
		s.resetZ = func() error { zw.Reset(s.bw); return nil }
	case "zst":
		zw, err := zstd.NewWriter(s.bw, zstd.WithEncoderConcurrency(1))
		if err != nil {
			return fmt.Errorf("zstd: %w", err)
		}
		s.z = zw
		s.resetZ = func() error { zw.Reset(s.bw); return nil }
	default:
		return fmt.Errorf("unknown compression %q", s.opts.Compression)
	}
	return nil
}

// writeFrame compresses raw into a frame of its own and writes it.
func (s *Sink) writeFrame(raw []byte) error {
	fr, err := s.framed.frames.Frame(nil, raw)
	if err != nil {
		return fmt.Errorf("compress output: %w", err)
	}
	return s.writeFramed(fr)
}

func (s *Sink) writeFramed(fr []byte) error {
	if _, err := s.bw.Write(fr); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	s.frames++
	return nil
}

func (s *Sink) out() io.Writer {
	if s.z != nil {
		return s.z
	}
	return s.bw
}

func (s *Sink) start() error {
	if s.bw != nil {
		return nil
	}
	var f *os.File
	if s.partial != "" {
		var err error
		f, err = os.OpenFile(s.partial, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, s.opts.Perm)
		if err != nil {
			return fmt.Errorf("create output: %w", err)
		}
		os.Remove(s.sidecar)
		os.Remove(s.journal)
	}
	if err := s.setup(f, 0); err != nil {
		return err
	}
	if s.opts.Writer != nil {
		bw, err := s.opts.Writer(s.out(), s.enc)
		if err != nil {
			return fmt.Errorf("create output: %w", err)
		}
		s.batches = bw
		if m, ok := bw.(pipeline.ResumableWriter); ok && s.columnarResumable() {
			if s.jf, err = os.OpenFile(s.journal, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, s.opts.Perm); err != nil {
				return fmt.Errorf("create output: %w", err)
			}
			s.marker = m
		}
		return nil
	}
	if h := s.enc.Header(); len(h) > 0 {
		if s.framed != nil {
			return s.writeFrame(h)
		}
		if _, err := s.out().Write(h); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
	}
	return nil
}

// Write appends the batch's encoded records.
func (s *Sink) Write(ctx context.Context, b *pipeline.Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.start(); err != nil {
		return err
	}
	if s.batches != nil {
		if err := s.batches.WriteBatch(b); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
		cp, err := b.PrepareCommit()
		if err != nil || s.marker == nil {
			return err
		}
		return s.mark(cp)
	}
	out := b.Out
	if len(b.Records) > 0 && s.framed != nil {
		// b.Out is one frame without the leading separator.
		if s.wrote && s.sepFrame != nil {
			if err := s.writeFramed(s.sepFrame); err != nil {
				return err
			}
		}
		s.wrote = true
		if err := s.writeFramed(out); err != nil {
			return err
		}
	} else if len(b.Records) > 0 {
		if !s.wrote {
			out = out[len(s.enc.Separator()):]
			s.wrote = true
		}
		if _, err := s.out().Write(out); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
	}
	cp, err := b.PrepareCommit()
	if err != nil {
		return err
	}
	s.pending = &cp
	if s.partial != "" && time.Since(s.lastCP) >= s.opts.CheckpointEvery {
		return s.checkpoint()
	}
	return nil
}

// mark asks the columnar writer for a mark after the batch of cp, appends
// its journal, and checkpoints when one is due.
func (s *Sink) mark(cp pipeline.Checkpoint) error {
	j, ok, err := s.marker.Mark()
	if err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if !ok {
		return nil
	}
	if len(j) > 0 {
		n, err := s.jf.Write(j)
		s.jlen += int64(n)
		if err != nil {
			return fmt.Errorf("write the journal of the output: %w", err)
		}
	}
	s.pending = &cp
	s.markLen, s.markJournal = s.counter.n+int64(s.bw.Buffered()), s.jlen
	if time.Since(s.lastCP) >= s.opts.CheckpointEvery {
		return s.checkpoint()
	}
	return nil
}

// checkpoint ends the compression frame, flushes, and records the output
// length with the pipeline checkpoint (for a columnar output, the lengths
// of the output and of its journal at the last mark). The sidecar is
// replaced atomically.
func (s *Sink) checkpoint() error {
	if s.pending == nil {
		return nil
	}
	if s.z != nil {
		if err := s.z.Close(); err != nil {
			return fmt.Errorf("compress output: %w", err)
		}
		if err := s.resetZ(); err != nil {
			return err
		}
	}
	if err := s.bw.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	sc := sidecar{Length: s.counter.n, Wrote: s.wrote, Frames: s.frames, Checkpoint: *s.pending}
	if s.marker != nil {
		sc.Length, sc.Journal = s.markLen, s.markJournal
	}
	data, err := json.Marshal(sc)
	if err != nil {
		return err
	}
	tmp := s.sidecar + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("write checkpoint: %w", err)
	}
	if err := os.Rename(tmp, s.sidecar); err != nil {
		return fmt.Errorf("write checkpoint: %w", err)
	}
	s.recorded = s.pending
	s.lastCP = time.Now()
	return nil
}

// Close finishes the output. With a live ctx it writes the footer, syncs
// and renames PATH.partial to PATH. With a cancelled ctx it only records a
// last checkpoint, leaving the partial output for --resume.
func (s *Sink) Close(ctx context.Context) error {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.jf != nil {
		defer s.jf.Close()
	}
	if ctx.Err() != nil && s.opts.Writer != nil && s.marker == nil && !s.resuming {
		// This columnar file cannot be resumed: drop what was written. (A
		// resume that failed keeps the earlier run's output and checkpoint.)
		var err error
		if s.f != nil {
			err = s.f.Close()
			os.Remove(s.partial)
		}
		return err
	}
	if ctx.Err() != nil {
		if s.bw == nil {
			return nil
		}
		err := s.checkpoint()
		if s.f != nil {
			if cerr := s.f.Close(); err == nil {
				err = cerr
			}
		}
		return err
	}
	if err := s.start(); err != nil { // an empty input still yields a valid, empty output
		return err
	}
	if s.batches != nil {
		if err := s.batches.Close(); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
	} else if f := s.enc.Footer(); len(f) > 0 && s.framed != nil {
		if err := s.writeFrame(f); err != nil {
			return err
		}
	} else if len(f) > 0 {
		if _, err := s.out().Write(f); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
	}
	if s.framed != nil && s.frames == 0 {
		// An empty output is still one valid (empty) compressed stream.
		if err := s.writeFrame(nil); err != nil {
			return err
		}
	}
	if s.z != nil {
		if err := s.z.Close(); err != nil {
			return fmt.Errorf("compress output: %w", err)
		}
	}
	if err := s.bw.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if s.f == nil {
		return nil
	}
	if err := s.f.Sync(); err != nil {
		s.f.Close()
		return fmt.Errorf("sync output: %w", err)
	}
	if err := s.f.Close(); err != nil {
		return fmt.Errorf("close output: %w", err)
	}
	if err := os.Rename(s.partial, s.path); err != nil {
		return fmt.Errorf("commit output: %w", err)
	}
	os.Remove(s.sidecar)
	os.Remove(s.journal)
	return nil
}

// Abort closes the sink after a failed run, keeping the partial output and
// its last checkpoint for --resume.
func (s *Sink) Abort() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return s.Close(ctx)
}

// Committed implements pipeline.Committer: the checkpoint in the sidecar,
// which an interrupted run leaves for --resume.
func (s *Sink) Committed() *pipeline.Checkpoint { return s.recorded }

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
