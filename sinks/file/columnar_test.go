package file_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/formats/arrow"
	"github.com/ferry-dev/ferry/formats/parquet"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/sinks/file"
)

// columnar is one columnar format as cmd wires it into the file sink.
type columnar struct {
	ext    string
	enc    func() pipeline.Encoder
	other  func() pipeline.Encoder // of other columns
	writer func(w io.Writer, enc pipeline.Encoder) (pipeline.BatchWriter, error)
	resume func(w io.Writer, enc pipeline.Encoder, size int64, journal []byte) (pipeline.BatchWriter, error)
}

var columnars = []columnar{
	{
		ext: ".parquet",
		// Row groups of 8 rows: the writer marks after every other batch.
		enc: func() pipeline.Encoder { return parquet.NewEncoder(parquet.Options{RowGroupRows: 8}) },
		other: func() pipeline.Encoder {
			return parquet.NewEncoder(parquet.Options{RowGroupRows: 8, IncludeSecrets: true})
		},
		writer: func(w io.Writer, enc pipeline.Encoder) (pipeline.BatchWriter, error) {
			return parquet.NewWriter(w, enc)
		},
		resume: func(w io.Writer, enc pipeline.Encoder, size int64, journal []byte) (pipeline.BatchWriter, error) {
			return parquet.ResumeWriter(w, enc, size, journal)
		},
	},
	{
		ext:   ".arrow",
		enc:   func() pipeline.Encoder { return arrow.NewEncoder(arrow.Options{}) },
		other: func() pipeline.Encoder { return arrow.NewEncoder(arrow.Options{IncludeSecrets: true}) },
		writer: func(w io.Writer, enc pipeline.Encoder) (pipeline.BatchWriter, error) {
			return arrow.NewFileWriter(w, enc)
		},
		resume: func(w io.Writer, enc pipeline.Encoder, size int64, journal []byte) (pipeline.BatchWriter, error) {
			return arrow.ResumeFileWriter(w, enc, size, journal)
		},
	},
}

// columnarBatch is batch seq of 4 users, encoded for c.
func columnarBatch(t *testing.T, c columnar, enc pipeline.Encoder, seq uint64) *pipeline.Batch {
	t.Helper()
	b := batch(t, seq, 4)
	var err error
	if b.Out, err = enc.Encode(nil, b); err != nil {
		t.Fatal(err)
	}
	return b
}

// writeColumnar writes batches from..to-1 through s.
func writeColumnar(t *testing.T, s *file.Sink, c columnar, enc pipeline.Encoder, from, to uint64) {
	t.Helper()
	for seq := from; seq < to; seq++ {
		if err := s.Write(t.Context(), columnarBatch(t, c, enc, seq)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSink_InterruptedColumnarOutputResumesFromItsLastMark(t *testing.T) {
	for _, c := range columnars {
		t.Run(c.ext, func(t *testing.T) {
			dir := t.TempDir()
			enc := c.enc()
			opts := file.Options{CheckpointEvery: time.Nanosecond, Writer: c.writer, Resume: c.resume}

			ref := filepath.Join(dir, "ref"+c.ext)
			s, err := file.Open(ref, enc, opts)
			if err != nil {
				t.Fatal(err)
			}
			writeColumnar(t, s, c, enc, 0, 7)
			if err := s.Close(t.Context()); err != nil {
				t.Fatal(err)
			}
			want, _ := os.ReadFile(ref)

			out := filepath.Join(dir, "users"+c.ext)
			s, err = file.Open(out, enc, opts)
			if err != nil {
				t.Fatal(err)
			}
			writeColumnar(t, s, c, enc, 0, 5)
			if err := s.Abort(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(out); err == nil {
				t.Fatal("an interrupted run left a final output")
			}
			// What a killed run wrote after its last mark.
			appendPartial(t, out, "half a row group")

			// A resume with other columns is refused and loses nothing.
			other := c.other()
			s, err = file.Open(out, other, opts)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.LastCheckpoint(t.Context(), job); !errors.Is(err, pipeline.ErrCannotResume) {
				t.Fatalf("resume with other columns: %v, want ErrCannotResume", err)
			}
			if err := s.Abort(); err != nil {
				t.Fatal(err)
			}

			s, err = file.Open(out, enc, opts)
			if err != nil {
				t.Fatal(err)
			}
			cp, err := s.LastCheckpoint(t.Context(), job)
			if err != nil {
				t.Fatal(err)
			}
			// Parquet marks after batches 1 and 3 (rows 8 and 16), Arrow
			// after every batch.
			wantSeq := map[string]uint64{".parquet": 3, ".arrow": 4}[c.ext]
			if cp == nil || cp.Seq != wantSeq {
				t.Fatalf("checkpoint %+v, want after batch %d", cp, wantSeq)
			}
			writeColumnar(t, s, c, enc, cp.Seq+1, 7)
			if err := s.Close(t.Context()); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(out)
			if !bytes.Equal(got, want) {
				t.Errorf("resumed output differs from an uninterrupted one (%d vs %d bytes)", len(got), len(want))
			}
			for _, leftover := range []string{".partial", ".partial.checkpoint", ".partial.journal"} {
				if _, err := os.Stat(out + leftover); err == nil {
					t.Errorf("%s left behind", filepath.Base(out+leftover))
				}
			}
		})
	}
}

func TestSink_ColumnarOutputResumesOnlyWhenItCan(t *testing.T) {
	pq := columnars[0]
	for _, tc := range []struct {
		name string
		path string
		opts file.Options
	}{
		{"compressed", "users.parquet.gz", file.Options{Writer: pq.writer, Resume: pq.resume}},
		{"no resume for the format", "users.parquet", file.Options{Writer: pq.writer}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), tc.path)
			enc := pq.enc()
			tc.opts.CheckpointEvery = time.Nanosecond
			s, err := file.Open(out, enc, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.LastCheckpoint(t.Context(), job); !errors.Is(err, pipeline.ErrCannotResume) {
				t.Errorf("LastCheckpoint: %v, want ErrCannotResume", err)
			}
			writeColumnar(t, s, pq, enc, 0, 3)
			if err := s.Abort(); err != nil {
				t.Fatal(err)
			}
			for _, leftover := range []string{"", ".partial", ".partial.checkpoint", ".partial.journal"} {
				if _, err := os.Stat(out + leftover); err == nil {
					t.Errorf("an interrupted run left %s", filepath.Base(out+leftover))
				}
			}
		})
	}
}
