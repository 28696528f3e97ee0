package columnartest

import (
	"bytes"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/fixtures"
	"github.com/ferry-dev/ferry/fixtures/formattest"
	"github.com/ferry-dev/ferry/formats/ndjson"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

// The benchmarks run on BenchUsers users of the fixtures generator in
// batches of BenchBatch, as the pipeline cuts them. MB/s counts the users'
// size as NDJSON, so that the formats' figures compare; cpu-ns/record is
// the process's CPU time (see CPUClock).
const (
	BenchUsers = 100_000
	BenchBatch = 1000
)

var bench struct {
	once    sync.Once
	batches []*pipeline.Batch
	ndjson  int64
}

// BenchBatches returns the benchmarks' users in batches, generated once
// per test binary, and their size as NDJSON. The batches are shared: a
// benchmark may only set their Out.
func BenchBatches(tb testing.TB) ([]*pipeline.Batch, int64) {
	tb.Helper()
	bench.once.Do(func() {
		g := fixtures.New(fixtures.Options{Seed: 1})
		enc := ndjson.NewEncoder(ndjson.Options{})
		for i := 0; i < BenchUsers; i += BenchBatch {
			batch := &pipeline.Batch{Seq: uint64(i / BenchBatch), Records: make([]pipeline.Record, BenchBatch)}
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

// CPUClock measures the process's CPU time (user and system, every
// thread), which a loaded machine inflates less than wall time.
type CPUClock struct{ start time.Duration }

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// StartCPU starts a CPUClock.
func StartCPU() CPUClock { return CPUClock{start: cpuTime()} }

// Report reports the CPU time since the clock started per record, as
// cpu-ns/record.
func (c CPUClock) Report(b *testing.B, records int) {
	b.ReportMetric(float64(cpuTime()-c.start)/float64(records), "cpu-ns/record")
}

type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// BenchEncode runs b's loop: each iteration encodes the benchmarks' batches
// (see BenchBatches) with one encoder of f on workers goroutines and
// writes them as one file (see WriteBatches). It reports allocations,
// cpu-ns/record and records/s, and returns the size of the last file and
// the users' size as NDJSON, for a format that reports their ratio.
func BenchEncode(b *testing.B, f Format, workers int) (fileBytes, ndjsonBytes int64) {
	batches, size := BenchBatches(b)
	enc := f.NewEncoder()
	b.SetBytes(size)
	b.ReportAllocs()
	var out counter
	cpu := StartCPU()
	for b.Loop() {
		out.n = 0
		WriteBatches(b, f, enc, batches, workers, &out)
	}
	cpu.Report(b, b.N*BenchUsers)
	b.ReportMetric(float64(b.N*BenchUsers)/b.Elapsed().Seconds(), "records/s")
	return out.n, size
}

// BenchDecode runs b's loop: each iteration reads a file of the
// benchmarks' users (written beforehand on GOMAXPROCS workers) with a new
// decoder of f, on one goroutine: the reader's cut and the workers'
// decoding, one after the other. A reject fails b. It reports
// allocations, cpu-ns/record and records/s.
func BenchDecode(b *testing.B, f Format) {
	batches, size := BenchBatches(b)
	var buf bytes.Buffer
	WriteBatches(b, f, f.NewEncoder(), batches, runtime.GOMAXPROCS(0), &buf)
	data := buf.Bytes()
	b.SetBytes(size)
	b.ReportAllocs()
	records := 0
	cpu := StartCPU()
	for b.Loop() {
		dec, err := f.NewDecoder(data, "bench")
		if err != nil {
			b.Fatal(err)
		}
		for c := range formattest.Chunks(b.Context(), b, dec, BenchBatch) {
			var batch pipeline.Batch
			c.Decoder.DecodeChunk(c, &batch)
			records += len(batch.Records)
			if len(batch.Rejects) > 0 {
				b.Fatalf("rejects: %v", batch.Rejects[0].Issues)
			}
		}
	}
	cpu.Report(b, records)
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}
