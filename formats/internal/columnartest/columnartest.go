// Package columnartest is the conformance suite of ferry's columnar formats
// (formats/parquet, formats/arrow): fixtures/formattest's checks, adapted to
// formats whose chunks are runs of rows rather than bytes and whose layout
// depends on the batching (a batch is a Parquet page or an Arrow record
// batch), so that batched and one-batch outputs differ in bytes but not in
// records. It reuses formattest's users and its DecodeAll, which checks the
// decoder contract on every chunk.
//
// Both formats' benchmarks are BenchEncode and BenchDecode here, on the
// users of BenchBatches, and their interoperability tests share
// InteropUsers, WriteTemp, GoldenLines and the Node helpers.
package columnartest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferry-dev/ferry/fixtures/formattest"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

// Format bundles one columnar format for the suite.
type Format struct {
	// NewEncoder returns an encoder that writes every attribute the format
	// can hold (secrets included).
	NewEncoder func() pipeline.Encoder
	// NewWriter assembles the encoded batches into a file. When nil, the
	// file is the encoder's header, the batches' bytes and its footer.
	NewWriter func(w io.Writer, enc pipeline.Encoder) (pipeline.BatchWriter, error)
	// ResumeWriter, when set, continues a file NewWriter started
	// (pipeline.Format.ResumeWriter); NewWriter's writers must then be
	// pipeline.ResumableWriters.
	ResumeWriter func(w io.Writer, enc pipeline.Encoder, size int64, journal []byte) (pipeline.BatchWriter, error)
	// OtherEncoder, with ResumeWriter, returns an encoder whose files have
	// other columns than NewEncoder's, which ResumeWriter must refuse.
	OtherEncoder func() pipeline.Encoder
	// NewDecoder reads a whole file.
	NewDecoder func(data []byte, source string) (pipeline.Decoder, error)
	// Keep returns what of u the format keeps through a round trip; nil
	// keeps all.
	Keep func(u profile.User) profile.User
}

const source = "columnartest-input"

// Write encodes users in batches of per records (one batch when per ≤ 0)
// on workers goroutines, and writes them in order as the file sink does.
func Write(tb testing.TB, f Format, users []profile.User, per, workers int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	WriteBatches(tb, f, f.NewEncoder(), batchesOf(users, per), workers, &buf)
	return buf.Bytes()
}

// batchesOf cuts users into batches of per records (one batch when per ≤ 0).
func batchesOf(users []profile.User, per int) []*pipeline.Batch {
	if per <= 0 {
		per = max(len(users), 1)
	}
	var batches []*pipeline.Batch
	for i := 0; i < len(users); i += per {
		b := &pipeline.Batch{Seq: uint64(len(batches))}
		for _, u := range users[i:min(len(users), i+per)] {
			b.Records = append(b.Records, pipeline.Record{User: u})
		}
		batches = append(batches, b)
	}
	return batches
}

// WriteBatches encodes batches with enc on workers goroutines, each into
// its Out (reusing its capacity), and writes them in order to w as one
// file of f, as the pipeline and the file sink do.
func WriteBatches(tb testing.TB, f Format, enc pipeline.Encoder, batches []*pipeline.Batch, workers int, w io.Writer) {
	tb.Helper()
	errs := make([]error, len(batches))
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(workers, 1) {
		wg.Go(func() {
			for i := range next {
				batches[i].Out, errs[i] = enc.Encode(batches[i].Out[:0], batches[i])
			}
		})
	}
	for i := range batches {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			tb.Fatalf("encode batch %d: %v", i, err)
		}
	}
	if f.NewWriter == nil {
		out := append([]byte(nil), enc.Header()...)
		for _, b := range batches {
			out = append(out, b.Out...)
		}
		if _, err := w.Write(append(out, enc.Footer()...)); err != nil {
			tb.Fatalf("write: %v", err)
		}
		return
	}
	fw, err := f.NewWriter(w, enc)
	if err != nil {
		tb.Fatalf("new writer: %v", err)
	}
	for i, b := range batches {
		if err := fw.WriteBatch(b); err != nil {
			tb.Fatalf("write batch %d: %v", i, err)
		}
	}
	if err := fw.Close(); err != nil {
		tb.Fatalf("close: %v", err)
	}
}

func (f Format) kept(us []profile.User) []profile.User {
	out := make([]profile.User, len(us))
	for i, u := range us {
		if f.Keep != nil {
			u = f.Keep(u)
		}
		out[i] = u
	}
	return out
}

func (f Format) decode(ctx context.Context, tb testing.TB, data []byte, n int) formattest.Result {
	tb.Helper()
	dec, err := f.NewDecoder(data, source)
	if err != nil {
		tb.Fatalf("new decoder: %v", err)
	}
	return formattest.DecodeAll(ctx, tb, dec, n)
}

// Run runs the suite against f.
func Run(t *testing.T, f Format) {
	t.Helper()
	users := formattest.Users()
	want := f.kept(users)
	data := Write(t, f, users, 2, 1)

	t.Run("RoundTripKeepsUsers", func(t *testing.T) {
		checkUsers(t, f.decode(t.Context(), t, data, 1000), want)
	})

	t.Run("RoundTripKeepsGeneratedUsers", func(t *testing.T) {
		gen := formattest.Generate(300)
		checkUsers(t, f.decode(t.Context(), t, Write(t, f, gen, 64, 4), 7), f.kept(gen))
	})

	t.Run("BatchingDoesNotChangeRecords", func(t *testing.T) {
		gen := formattest.Generate(100)
		ref := f.decode(t.Context(), t, Write(t, f, gen, 0, 1), 1000)
		for _, per := range []int{1, 7, 33} {
			res := f.decode(t.Context(), t, Write(t, f, gen, per, 3), 1000)
			if d := cmp.Diff(ref.Records, res.Records); d != "" {
				t.Errorf("batches of %d: records differ from one batch (-one +batched):\n%s", per, d)
			}
		}
	})

	t.Run("ConcurrentEncodeIsDeterministic", func(t *testing.T) {
		gen := formattest.Generate(200)
		seq := Write(t, f, gen, 9, 1)
		for range 3 {
			if par := Write(t, f, gen, 9, 4); !bytes.Equal(seq, par) {
				t.Fatalf("encoding on 4 workers gives other bytes than on one")
			}
		}
	})

	t.Run("ChunkSizeDoesNotChangeRecords", func(t *testing.T) {
		ref := f.decode(t.Context(), t, data, 1000)
		for _, n := range []int{1, 3, 1000, 0} {
			res := f.decode(t.Context(), t, data, n)
			if d := cmp.Diff(ref.Records, res.Records); d != "" {
				t.Errorf("n=%d: records differ from n=1000 (-n=1000 +n=%d):\n%s", n, n, d)
			}
		}
	})

	t.Run("LinesAreRows", func(t *testing.T) {
		res := f.decode(t.Context(), t, data, 2)
		for i, r := range res.Records {
			if r.Origin.Line != int64(i)+1 || r.Origin.Index != int64(i) {
				t.Errorf("record %d: line %d, index %d; want line %d", i, r.Origin.Line, r.Origin.Index, i+1)
			}
		}
	})

	t.Run("ConcurrentDecodeMatchesSequential", func(t *testing.T) {
		gen := Write(t, f, formattest.Generate(200), 50, 2)
		ref := f.decode(t.Context(), t, gen, 9)
		dec, err := f.NewDecoder(gen, source)
		if err != nil {
			t.Fatalf("new decoder: %v", err)
		}
		got := formattest.DecodeConcurrently(t, dec, 9)
		if d := cmp.Diff(ref.Records, got); d != "" {
			t.Errorf("concurrent decode differs (-sequential +concurrent):\n%s", d)
		}
	})

	if f.ResumeWriter != nil {
		t.Run("WriterResumedAtEveryMarkWritesTheSameFile", func(t *testing.T) { resumeAtEveryMark(t, f) })
		t.Run("WriterRefusesAJournalThatDoesNotCoverTheOutput", func(t *testing.T) { refuseShortJournals(t, f) })
		t.Run("WriterRefusesAnOutputStartedWithOtherColumns", func(t *testing.T) { refuseOtherColumns(t, f) })
	}

	t.Run("ResumesAtEveryChunkBoundary", func(t *testing.T) {
		ref := f.decode(t.Context(), t, data, 2)
		done := 0
		for k, c := range ref.Chunks[:len(ref.Chunks)-1] {
			done += ref.Reads[k]
			// The checkpoint the pipeline records after the chunk.
			cp := pipeline.Checkpoint{
				Source: source,
				Offset: c.Offset + int64(len(c.Data)),
				Line:   c.Line - 1 + int64(bytes.Count(c.Data, []byte{'\n'})),
				Index:  c.Index + int64(ref.Reads[k]),
			}
			dec, err := f.NewDecoder(data, source)
			if err != nil {
				t.Fatalf("new decoder: %v", err)
			}
			if err := dec.Skip(t.Context(), cp); err != nil {
				t.Fatalf("after chunk %d: skip: %v", k, err)
			}
			res := formattest.DecodeAll(t.Context(), t, dec, 2)
			if d := cmp.Diff(ref.Records[done:], res.Records); d != "" {
				t.Errorf("after chunk %d: resumed records differ (-want +got):\n%s", k, d)
			}
		}
	})

	t.Run("RefusesCheckpointOffThePosition", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			cp   pipeline.Checkpoint
		}{
			{"a byte offset", pipeline.Checkpoint{Offset: 3, Index: 1}},
			{"past the end", pipeline.Checkpoint{Index: int64(len(want)) + 1}},
			{"negative", pipeline.Checkpoint{Index: -1}},
		} {
			dec, err := f.NewDecoder(data, source)
			if err != nil {
				t.Fatalf("new decoder: %v", err)
			}
			if err := dec.Skip(t.Context(), tc.cp); err == nil {
				t.Errorf("%s: skip returned no error", tc.name)
			}
		}
	})

	t.Run("TruncatedInputNeverPanics", func(t *testing.T) {
		for _, cut := range []int{0, 1, len(data) / 3, len(data) / 2, len(data) - 9, len(data) - 1} {
			dec, err := f.NewDecoder(data[:cut], source)
			if err != nil {
				continue
			}
			res := formattest.DecodeAll(t.Context(), t, dec, 2)
			if len(res.Records) > len(want) {
				t.Errorf("cut at %d: %d records of %d", cut, len(res.Records), len(want))
			}
		}
	})

	t.Run("EmptyOutputDecodesToNothing", func(t *testing.T) {
		res := f.decode(t.Context(), t, Write(t, f, nil, 0, 1), 10)
		if res.Err != nil || len(res.Records)+len(res.Rejects) != 0 {
			t.Errorf("got %d records, %d rejects, error %v; want none", len(res.Records), len(res.Rejects), res.Err)
		}
	})

	t.Run("StopsOnCanceledContext", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		dec, err := f.NewDecoder(data, source)
		if err != nil {
			t.Fatalf("new decoder: %v", err)
		}
		if _, err := dec.Next(ctx, 10); !errors.Is(err, context.Canceled) {
			t.Errorf("next: %v, want context.Canceled", err)
		}
		if err := dec.Skip(ctx, pipeline.Checkpoint{Index: 1}); !errors.Is(err, context.Canceled) {
			t.Errorf("skip: %v, want context.Canceled", err)
		}
	})
}

func checkUsers(t *testing.T, res formattest.Result, want []profile.User) {
	t.Helper()
	if res.Err != nil {
		t.Errorf("decode: %v", res.Err)
	}
	for _, rj := range res.Rejects {
		t.Errorf("record %d rejected: %v", rj.Origin.Index, rj.Issues)
	}
	got := make([]profile.User, len(res.Records))
	for i, r := range res.Records {
		got[i] = r.User
		if len(r.Issues) > 0 {
			t.Errorf("record %d: decode issues: %v", i, r.Issues)
		}
		if r.Origin.Index != int64(i) || r.Origin.Source != source {
			t.Errorf("record %d: origin %+v, want index %d of %q", i, r.Origin, i, source)
		}
	}
	CheckUsers(t, want, got)
}

// mark is what a sink records at a ResumableWriter's mark: the file's and
// the journal's lengths, and the batches written before it.
type mark struct {
	size    int64
	journal int
	batches int
}

// markedFile writes batches of users with a ResumableWriter of f, marking
// before the first batch and after each, and returns the file, the
// journal of all marks and the marks that succeeded.
func markedFile(tb testing.TB, f Format, enc pipeline.Encoder, batches []*pipeline.Batch) ([]byte, []byte, []mark) {
	tb.Helper()
	var buf bytes.Buffer
	bw, err := f.NewWriter(&buf, enc)
	if err != nil {
		tb.Fatalf("new writer: %v", err)
	}
	rw, ok := bw.(pipeline.ResumableWriter)
	if !ok {
		tb.Fatalf("%T is not a pipeline.ResumableWriter", bw)
	}
	var journal []byte
	var marks []mark
	markNow := func(done int) {
		j, ok, err := rw.Mark()
		if err != nil {
			tb.Fatalf("mark after %d batches: %v", done, err)
		}
		if ok {
			journal = append(journal, j...)
			marks = append(marks, mark{size: int64(buf.Len()), journal: len(journal), batches: done})
		} else if len(j) > 0 {
			tb.Fatalf("mark after %d batches: not ok, but returned %d bytes", done, len(j))
		}
	}
	markNow(0)
	for i, b := range batches {
		if err := rw.WriteBatch(b); err != nil {
			tb.Fatalf("write batch %d: %v", i, err)
		}
		markNow(i + 1)
	}
	if err := rw.Close(); err != nil {
		tb.Fatalf("close: %v", err)
	}
	return buf.Bytes(), journal, marks
}

// encodedBatches cuts users into batches of per records and encodes each
// into its Out.
func encodedBatches(tb testing.TB, enc pipeline.Encoder, users []profile.User, per int) []*pipeline.Batch {
	tb.Helper()
	batches := batchesOf(users, per)
	for _, b := range batches {
		var err error
		if b.Out, err = enc.Encode(nil, b); err != nil {
			tb.Fatalf("encode batch %d: %v", b.Seq, err)
		}
	}
	return batches
}

// resumeAtEveryMark stops the file at each mark, as a killed run leaves it
// (the file and the journal cut to the mark's lengths), continues it with
// ResumeWriter and the batches after the mark, and expects the file an
// uninterrupted writer made, byte for byte.
func resumeAtEveryMark(t *testing.T, f Format) {
	enc := f.NewEncoder()
	batches := encodedBatches(t, enc, formattest.Generate(150), 7)
	want, journal, marks := markedFile(t, f, enc, batches)
	if len(marks) < 2 {
		t.Fatalf("only %d marks in %d batches", len(marks), len(batches))
	}
	for _, m := range marks {
		buf := bytes.NewBuffer(bytes.Clone(want[:m.size]))
		bw, err := f.ResumeWriter(buf, enc, m.size, journal[:m.journal])
		if err != nil {
			t.Fatalf("resume after %d batches: %v", m.batches, err)
		}
		rw, ok := bw.(pipeline.ResumableWriter)
		if !ok {
			t.Fatalf("resumed writer %T is not a pipeline.ResumableWriter", bw)
		}
		for i, b := range batches[m.batches:] {
			if err := rw.WriteBatch(b); err != nil {
				t.Fatalf("resume after %d batches: write batch %d: %v", m.batches, m.batches+i, err)
			}
			if _, _, err := rw.Mark(); err != nil {
				t.Fatalf("resume after %d batches: mark: %v", m.batches, err)
			}
		}
		if err := rw.Close(); err != nil {
			t.Fatalf("resume after %d batches: close: %v", m.batches, err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("resumed after %d batches (%d bytes): the file differs from an uninterrupted one (%d vs %d bytes)",
				m.batches, m.size, buf.Len(), len(want))
		}
	}
}

// refuseShortJournals hands ResumeWriter every shorter piece of the
// journal of a whole file, and a journal with the file's last byte
// missing: each must be refused with an error, never a panic or a writer
// that would write a footer indexing what the file does not hold.
func refuseShortJournals(t *testing.T, f Format) {
	enc := f.NewEncoder()
	batches := encodedBatches(t, enc, formattest.Generate(60), 7)
	_, journal, marks := markedFile(t, f, enc, batches)
	last := marks[len(marks)-1]
	if last.size == 0 {
		t.Fatalf("the last mark covers no bytes")
	}
	for cut := range last.journal {
		if _, err := f.ResumeWriter(io.Discard, enc, last.size, journal[:cut]); !errors.Is(err, pipeline.ErrCannotResume) {
			t.Errorf("a journal cut to %d of %d bytes, for %d bytes of output: %v, want ErrCannotResume", cut, last.journal, last.size, err)
		}
	}
	if _, err := f.ResumeWriter(io.Discard, enc, last.size-1, journal[:last.journal]); !errors.Is(err, pipeline.ErrCannotResume) {
		t.Errorf("the journal of %d bytes of output, for %d: %v, want ErrCannotResume", last.size, last.size-1, err)
	}
}

// refuseOtherColumns starts a file with NewEncoder and continues it with
// OtherEncoder, which must be refused.
func refuseOtherColumns(t *testing.T, f Format) {
	if f.OtherEncoder == nil {
		t.Fatal("the format names no encoder of other columns")
	}
	_, journal, marks := markedFile(t, f, f.NewEncoder(), nil)
	if _, err := f.ResumeWriter(io.Discard, f.OtherEncoder(), marks[0].size, journal); !errors.Is(err, pipeline.ErrCannotResume) {
		t.Errorf("continued with other columns: %v, want ErrCannotResume", err)
	}
}
