package arrow

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
// so that the formats' figures compare; cpu-ns/record is the process's CPU
// time, which a loaded machine inflates less than wall time.
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

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// writeFile encodes the batches on workers goroutines and writes them in
// order as an Arrow IPC file.
func writeFile(b *testing.B, enc *Encoder, batches []*pipeline.Batch, workers int, w io.Writer) {
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
	fw, err := NewFileWriter(w, enc)
	if err != nil {
		b.Fatal(err)
	}
	for _, batch := range batches {
		if err := fw.WriteBatch(batch); err != nil {
			b.Fatal(err)
		}
	}
	if err := fw.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkEncode encodes and writes 100k users as an IPC file on one
// goroutine.
func BenchmarkEncode(b *testing.B) {
	batches, size := benchBatches(b)
	enc := NewEncoder(Options{})
	b.SetBytes(size)
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		writeFile(b, enc, batches, 1, io.Discard)
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N*benchN), "cpu-ns/record")
	b.ReportMetric(float64(b.N*benchN)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkDecode reads 100k users from an IPC file on one goroutine.
func BenchmarkDecode(b *testing.B) {
	batches, size := benchBatches(b)
	var buf bytes.Buffer
	writeFile(b, NewEncoder(Options{}), batches, runtime.GOMAXPROCS(0), &buf)
	data := buf.Bytes()
	b.SetBytes(size)
	b.ReportAllocs()
	records := 0
	start := cpuTime()
	for b.Loop() {
		dec, err := NewFileDecoder(bytes.NewReader(data), int64(len(data)), "bench", Options{})
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
	b.ReportMetric(float64(cpuTime()-start)/float64(records), "cpu-ns/record")
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}
