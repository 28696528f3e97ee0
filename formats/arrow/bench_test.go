package arrow

import (
	"testing"

	"github.com/ferry-dev/ferry/formats/internal/columnartest"
)

// The benchmarks are columnartest's: see BenchBatches for the users and
// what MB/s and cpu-ns/record count.

// BenchmarkEncode encodes and writes 100k users as an IPC file on one
// goroutine.
func BenchmarkEncode(b *testing.B) { columnartest.BenchEncode(b, fileFormat(Options{}), 1) }

// BenchmarkDecode reads 100k users from an IPC file on one goroutine.
func BenchmarkDecode(b *testing.B) { columnartest.BenchDecode(b, fileFormat(Options{})) }
