package parquet

import (
	"io"
	"runtime"
	"testing"

	"github.com/ferry-dev/ferry/formats/internal/columnartest"
)

// The benchmarks are columnartest's: see BenchBatches for the users and
// what MB/s and cpu-ns/record count.

// BenchmarkEncode encodes and writes 100k users on one goroutine.
func BenchmarkEncode(b *testing.B) { benchmarkEncode(b, 1) }

// BenchmarkEncodeParallel encodes on GOMAXPROCS workers, as the pipeline
// does; the writer only gathers pages.
func BenchmarkEncodeParallel(b *testing.B) { benchmarkEncode(b, runtime.GOMAXPROCS(0)) }

// benchmarkEncode is columnartest.BenchEncode, which also reports the
// file's size per byte of NDJSON as file/ndjson.
func benchmarkEncode(b *testing.B, workers int) {
	file, ndjson := columnartest.BenchEncode(b, conformanceFormat(Options{}), workers)
	b.ReportMetric(float64(file)/float64(ndjson), "file/ndjson")
}

// BenchmarkWriteBatches is the writer goroutine's share: gathering the
// encoded pages into row groups and writing the file.
func BenchmarkWriteBatches(b *testing.B) {
	batches, size := columnartest.BenchBatches(b)
	enc := NewEncoder(Options{})
	columnartest.WriteBatches(b, conformanceFormat(Options{}), enc, batches, runtime.GOMAXPROCS(0), io.Discard)
	b.SetBytes(size)
	b.ReportAllocs()
	cpu := columnartest.StartCPU()
	defer func() { cpu.Report(b, b.N*columnartest.BenchUsers) }()
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
func BenchmarkDecode(b *testing.B) { columnartest.BenchDecode(b, conformanceFormat(Options{})) }
