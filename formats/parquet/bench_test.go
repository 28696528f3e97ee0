package parquet

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/fixtures"
	"github.com/ferry-dev/ferry/formats/ndjson"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

// The benchmarks run on 100k users of the fixtures generator in batches of
// 1000, as the pipeline cuts them. MB/s counts the users' size as NDJSON,
// so that the formats' figures compare.
const (
	benchN     = 100_000
	benchBatch = 1000
)

var bench struct {
	once    sync.Once
	batches []*pipeline.Batch
	ndjson  int64
}

func benchBatches(b *testing.B) ([]*pipeline.Batch, int64) {
	b.Helper()
	bench.once.Do(func() {
		g := fixtures.New(fixtures.Options{Seed: 1})
		enc := ndjson.NewEncoder(ndjson.Options{})
		for i := 0; i < benchN; i += benchBatch {
			batch := &pipeline.Batch{Seq: uint64(i / benchBatch), Records: make([]pipeline.Record, benchBatch)}
			for j := range batch.Records {
				var u profile.User
				g.User(int64(i+j), &u)
				batch.Records[j].User = u
			}
			out, _ := enc.Encode(nil, batch)
			bench.ndjson += int64(len(out))
			bench.batches = append(bench.batches, batch)
		}
	})
	return bench.batches, bench.ndjson
}

// encodeAll encodes the batches on workers goroutines and writes them in
// order to w, as the pipeline and the file sink do.
func encodeAll(b *testing.B, enc *Encoder, batches []*pipeline.Batch, workers int, w io.Writer) {
	b.Helper()
	var wg sync.WaitGroup
	next := make(chan *pipeline.Batch)
	for range workers {
		wg.Go(func() {
			for batch := range next {
				out, err := enc.Encode(batch.Out[:0], batch)
				if err != nil {
					b.Error(err)
				}
				batch.Out = out
			}
		})
	}
	for _, batch := range batches {
		next <- batch
	}
	close(next)
	wg.Wait()
	wr, err := NewWriter(w, enc)
	if err != nil {
		b.Fatal(err)
	}
	for _, batch := range batches {
		if err := wr.WriteBatch(batch); err != nil {
			b.Fatal(err)
		}
	}
	if err := wr.Close(); err != nil {
		b.Fatal(err)
	}
}

// cpuClock measures the process's CPU time (user and system, every
// thread), which a loaded machine inflates less than wall time: the
// benchmarks report it per record as cpu-ns/record.
type cpuClock struct{ start time.Duration }

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() cpuClock { return cpuClock{start: cpuTime()} }

func (c cpuClock) report(b *testing.B, records int) {
	b.ReportMetric(float64(cpuTime()-c.start)/float64(records), "cpu-ns/record")
}

type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// BenchmarkEncode encodes and writes 100k users on one goroutine.
func BenchmarkEncode(b *testing.B) { benchmarkEncode(b, 1) }

// BenchmarkEncodeParallel encodes on GOMAXPROCS workers, as the pipeline
// does; the writer only gathers pages.
func BenchmarkEncodeParallel(b *testing.B) { benchmarkEncode(b, runtime.GOMAXPROCS(0)) }

func benchmarkEncode(b *testing.B, workers int) {
	batches, size := benchBatches(b)
	enc := NewEncoder(Options{})
	b.SetBytes(size)
	b.ReportAllocs()
	var out counter
	cpu := startCPU()
	for b.Loop() {
		out.n = 0
		encodeAll(b, enc, batches, workers, &out)
	}
	cpu.report(b, b.N*benchN)
	b.ReportMetric(float64(b.N*benchN)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(out.n)/float64(size), "file/ndjson")
}

// BenchmarkWriteBatches is the writer goroutine's share: gathering the
// encoded pages into row groups and writing the file.
func BenchmarkWriteBatches(b *testing.B) {
	batches, size := benchBatches(b)
	enc := NewEncoder(Options{})
	encodeAll(b, enc, batches, runtime.GOMAXPROCS(0), io.Discard)
	b.SetBytes(size)
	b.ReportAllocs()
	cpu := startCPU()
	defer func() { cpu.report(b, b.N*benchN) }()
	for b.Loop() {
		w, _ := NewWriter(io.Discard, enc)
		for _, batch := range batches {
			if err := w.WriteBatch(batch); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecode reads 100k users on one goroutine: the reader's cut
// and the workers' decoding, one after the other.
func BenchmarkDecode(b *testing.B) {
	batches, size := benchBatches(b)
	var buf bytes.Buffer
	encodeAll(b, NewEncoder(Options{}), batches, runtime.GOMAXPROCS(0), &buf)
	data := buf.Bytes()
	b.SetBytes(size)
	b.ReportAllocs()
	records := 0
	cpu := startCPU()
	for b.Loop() {
		dec, err := NewDecoder(bytes.NewReader(data), int64(len(data)), "bench", Options{})
		if err != nil {
			b.Fatal(err)
		}
		for {
			c, err := dec.Next(b.Context(), benchBatch)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			var batch pipeline.Batch
			c.Decoder.DecodeChunk(c, &batch)
			records += len(batch.Records)
			if len(batch.Rejects) > 0 {
				b.Fatalf("rejects: %v", batch.Rejects[0].Issues)
			}
		}
	}
	cpu.report(b, records)
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}
