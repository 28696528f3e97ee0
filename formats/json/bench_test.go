package json_test

import (
	"testing"

	"github.com/ferry-dev/ferry/fixtures/formattest"
	"github.com/ferry-dev/ferry/formats/json"
)

const benchUsers = 10_000

func benchInput(b *testing.B) []byte {
	b.Helper()
	return formattest.Encode(b, json.NewEncoder(json.Options{}), formattest.Generate(benchUsers))
}

// BenchmarkDecode decodes 10k generated users on one goroutine: the
// reader's split and the workers' parse, one after the other.
func BenchmarkDecode(b *testing.B) {
	records, _ := formattest.BenchDecode(b, format(json.Options{}).NewDecoder, benchInput(b))
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkSplit is the reader goroutine's share of BenchmarkDecode.
func BenchmarkSplit(b *testing.B) {
	formattest.BenchSplit(b, format(json.Options{}).NewDecoder, benchInput(b))
}

// BenchmarkEncode encodes 10k generated users in one batch.
func BenchmarkEncode(b *testing.B) {
	formattest.BenchEncode(b, json.NewEncoder(json.Options{}), formattest.Generate(benchUsers))
}
