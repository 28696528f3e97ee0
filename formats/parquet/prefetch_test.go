package parquet

import (
	"bytes"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/fixtures/formattest"
	"github.com/ferry-dev/ferry/formats/internal/columnartest"
	"github.com/ferry-dev/ferry/pipeline"
)

// countingReaderAt counts the reads made of a file, as sources/s3 would
// send requests.
type countingReaderAt struct {
	r     io.ReaderAt
	reads atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	c.reads.Add(1)
	return c.r.ReadAt(p, off)
}

// openCounted opens data with row groups of at most maxSpan bytes read at
// once; it returns the decoder and the reader counting its reads, from
// after the footer on.
func openCounted(t *testing.T, data []byte, maxSpan int64) (*Decoder, *countingReaderAt) {
	t.Helper()
	cr := &countingReaderAt{r: bytes.NewReader(data)}
	dec, err := NewDecoder(cr, int64(len(data)), "users.parquet", Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := dec.(*Decoder)
	d.p.pre.max = maxSpan
	t.Logf("opening the file (footer and page index) took %d reads", cr.reads.Swap(0))
	return d, cr
}

func TestDecoder_ReadsEachSmallRowGroupAtOnce(t *testing.T) {
	users := formattest.Generate(600)
	for _, tc := range []struct {
		name     string
		rgRows   int
		run      int
		skip     int64
		wantRGs  int
		compress string
	}{
		{"runs within row groups", 100, 30, 0, 6, ""},
		{"one run per row group", 100, 100, 0, 6, ""},
		{"one row group", 1000, 50, 0, 1, ""},
		{"resumed within a row group", 100, 30, 250, 6, ""},
		{"uncompressed", 200, 64, 0, 3, "none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := encodeFile(t, Options{IncludeSecrets: true, RowGroupRows: tc.rgRows, Compression: tc.compress}, users, tc.rgRows)
			var reads [2]int64
			for i, maxSpan := range []int64{0, maxPrefetch} {
				dec, cr := openCounted(t, data, maxSpan)
				if n := len(dec.p.groups); n != tc.wantRGs {
					t.Fatalf("%d row groups, want %d", n, tc.wantRGs)
				}
				if err := dec.Skip(t.Context(), pipeline.Checkpoint{Index: tc.skip}); err != nil {
					t.Fatal(err)
				}
				res := formattest.DecodeAll(t.Context(), t, dec, tc.run)
				columnartest.CheckRoundTrip(t, res, users[tc.skip:])
				reads[i] = cr.reads.Load()
			}
			t.Logf("decoding took %d reads page by page, %d with row groups read at once", reads[0], reads[1])
			// Groups skipped whole by the resume are not read.
			if want := int64(tc.wantRGs) - tc.skip/int64(tc.rgRows); reads[1] != want {
				t.Errorf("%d reads with row groups read at once, want %d (one per row group)", reads[1], want)
			}
			if reads[0] <= 2*reads[1] {
				t.Errorf("%d reads page by page: not more than twice the %d of row groups read at once", reads[0], reads[1])
			}
		})
	}
}

func TestDecoder_ReadsRowGroupsAboveTheCapPageByPage(t *testing.T) {
	users := formattest.Generate(500)
	data := encodeFile(t, Options{IncludeSecrets: true, RowGroupRows: 100}, users, 100)
	dec, _ := openCounted(t, data, 0)
	spans := slices.Clone(dec.p.spans)
	largest := slices.MaxFunc(spans, func(a, b span) int { return int(a.n - b.n) }).n
	smallest := slices.MinFunc(spans, func(a, b span) int { return int(a.n - b.n) }).n
	above := 0
	for _, s := range spans {
		if s.n > largest-1 {
			above++
		}
	}
	rgs := int64(len(spans))
	for _, tc := range []struct {
		name     string
		maxSpan  int64
		minReads int64 // more reads than this
		maxReads int64 // at most this many, 0: any
	}{
		{"no row group read at once", 0, 2 * rgs, 0},
		{"every row group above the cap", smallest - 1, 2 * rgs, 0},
		{"the largest row group above the cap", largest - 1, rgs, 0},
		{"every row group within the cap", largest, 0, rgs},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dec, cr := openCounted(t, data, tc.maxSpan)
			res := formattest.DecodeAll(t.Context(), t, dec, 40)
			columnartest.CheckRoundTrip(t, res, users)
			n := cr.reads.Load()
			t.Logf("%d reads for %d row groups, %d of them above the cap of the third case", n, rgs, above)
			if n <= tc.minReads || (tc.maxReads > 0 && n > tc.maxReads) {
				t.Errorf("%d reads, want more than %d and at most %d (0: any)", n, tc.minReads, tc.maxReads)
			}
		})
	}
}

func TestDecoder_DecodesRunsConcurrentlyFromRowGroupsReadAtOnce(t *testing.T) {
	users := formattest.Generate(800)
	data := encodeFile(t, Options{IncludeSecrets: true, RowGroupRows: 100}, users, 100)
	for _, tc := range []struct {
		name     string
		maxSpan  int64
		maxReads int64 // 0: any
	}{
		{"page by page", 0, 0},
		{"row groups at once", maxPrefetch, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dec, cr := openCounted(t, data, tc.maxSpan)
			var chunks []*pipeline.Chunk
			for {
				c, err := dec.Next(t.Context(), 25)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				chunks = append(chunks, c)
			}
			batches := make([]pipeline.Batch, len(chunks))
			next := make(chan int)
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					for i := range next {
						chunks[i].Decoder.DecodeChunk(chunks[i], &batches[i])
					}
				})
			}
			for i := range chunks {
				next <- i
			}
			close(next)
			wg.Wait()
			var res formattest.Result
			for _, b := range batches {
				res.Records = append(res.Records, b.Records...)
				res.Rejects = append(res.Rejects, b.Rejects...)
			}
			columnartest.CheckRoundTrip(t, res, users)
			if n := cr.reads.Load(); tc.maxReads > 0 && n > tc.maxReads {
				t.Errorf("%d reads of 8 row groups decoded by 4 workers, want at most %d", n, tc.maxReads)
			}
		})
	}
}

// gatedReaderAt holds back reads at one offset until gate is closed.
type gatedReaderAt struct {
	r       io.ReaderAt
	at      int64
	gate    chan struct{}
	waiting chan struct{} // closed when a read waits at the gate
	once    sync.Once
}

func (g *gatedReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off == g.at {
		g.once.Do(func() { close(g.waiting) })
		<-g.gate
	}
	return g.r.ReadAt(p, off)
}

func TestDecoder_ReadsARowGroupWhileAnotherIsBeingRead(t *testing.T) {
	users := formattest.Generate(200)
	data := encodeFile(t, Options{IncludeSecrets: true, RowGroupRows: 100}, users, 100)
	gr := &gatedReaderAt{r: bytes.NewReader(data), at: -1, gate: make(chan struct{}), waiting: make(chan struct{})}
	dec, err := NewDecoder(gr, int64(len(data)), "users.parquet", Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := dec.(*Decoder)
	gr.at = d.p.spans[0].off
	first, err := d.Next(t.Context(), 100)
	if err != nil {
		t.Fatal(err)
	}
	second, err := d.Next(t.Context(), 100)
	if err != nil {
		t.Fatal(err)
	}
	var b0, b1 pipeline.Batch
	done := make(chan struct{})
	go func() {
		defer close(done)
		first.Decoder.DecodeChunk(first, &b0)
	}()
	<-gr.waiting
	decoded := make(chan struct{})
	go func() {
		defer close(decoded)
		second.Decoder.DecodeChunk(second, &b1)
	}()
	select {
	case <-decoded:
	case <-time.After(10 * time.Second):
		t.Error("the second row group waited for the read of the first")
	}
	close(gr.gate)
	<-done
	<-decoded
	columnartest.CheckRoundTrip(t, formattest.Result{Records: append(b0.Records, b1.Records...)}, users)
}

func TestSpanReader_AnswersReadsWithinItsBytesFromMemory(t *testing.T) {
	file := []byte("0123456789abcdefghij")
	for _, tc := range []struct {
		name      string
		off, n    int64
		wantReads int64
	}{
		{"whole span", 5, 10, 0},
		{"inside", 7, 3, 0},
		{"up to its end", 12, 3, 0},
		{"empty at its end", 15, 0, 0},
		{"before it", 0, 5, 1},
		{"straddling its start", 3, 4, 1},
		{"straddling its end", 13, 4, 1},
		{"after it", 16, 4, 1},
		{"to the end of the file", 18, 4, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cr := &countingReaderAt{r: bytes.NewReader(file)}
			s := &spanReader{r: cr, off: 5, data: file[5:15]}
			got := make([]byte, tc.n)
			want := make([]byte, tc.n)
			gn, gerr := s.ReadAt(got, tc.off)
			wn, werr := bytes.NewReader(file).ReadAt(want, tc.off)
			if gn != wn || gerr != werr || !bytes.Equal(got, want) {
				t.Errorf("read %d, %v, %q; want %d, %v, %q", gn, gerr, got, wn, werr, want)
			}
			if n := cr.reads.Load(); n != tc.wantReads {
				t.Errorf("%d reads of the file, want %d", n, tc.wantReads)
			}
		})
	}
}

func TestNewDecoder_ReadsThePageIndexAtOnce(t *testing.T) {
	users := formattest.Generate(600)
	var first int64
	for _, rgRows := range []int{1000, 100, 20} { // 1, 6 and 30 row groups
		data := encodeFile(t, Options{IncludeSecrets: true, RowGroupRows: rgRows}, users, rgRows)
		cr := &countingReaderAt{r: bytes.NewReader(data)}
		if _, err := NewDecoder(cr, int64(len(data)), "users.parquet", Options{}); err != nil {
			t.Fatal(err)
		}
		n := cr.reads.Load()
		t.Logf("%d rows a row group: opening took %d reads", rgRows, n)
		if first == 0 {
			first = n
		}
		// Checking the page index of every column chunk (two per chunk,
		// ~34 columns) must not cost a read each: opening costs the same
		// few reads whatever the number of row groups.
		if n > 16 || n != first {
			t.Errorf("%d rows a row group: opening took %d reads, want the same few (%d) as for one row group", rgRows, n, first)
		}
	}
}
