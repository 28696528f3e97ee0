package csv_test

import (
	"bytes"
	stdcsv "encoding/csv"
	"errors"
	"io"
	"testing"

	"github.com/ferry-dev/ferry/fixtures/formattest"
	"github.com/ferry-dev/ferry/formats/csv"
)

const benchUsers = 10_000

func benchInput(b *testing.B) []byte {
	b.Helper()
	return formattest.Encode(b, csv.NewEncoder(csv.Options{IncludeSecrets: true}), formattest.Generate(benchUsers))
}

// BenchmarkDecode decodes 10k generated users on one goroutine: the
// reader's split and the workers' parse, one after the other. Their rows
// hold three JSON cells (identities and both metadata objects).
func BenchmarkDecode(b *testing.B) { benchDecode(b, benchInput(b)) }

// BenchmarkDecodeFlat decodes the same users written without JSON cells:
// the root attributes and the identity's connection.
func BenchmarkDecodeFlat(b *testing.B) {
	fields := append(csv.DefaultFields(false)[:18:18], "identities[0].connection")
	benchDecode(b, formattest.Encode(b, csv.NewEncoder(csv.Options{Fields: fields}), formattest.Generate(benchUsers)))
}

func benchDecode(b *testing.B, data []byte) {
	records, _ := formattest.BenchDecode(b, format(csv.Options{}).NewDecoder, data)
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkSplit is the reader goroutine's share of BenchmarkDecode.
func BenchmarkSplit(b *testing.B) {
	formattest.BenchSplit(b, format(csv.Options{}).NewDecoder, benchInput(b))
}

// BenchmarkFieldsStdlib splits the same rows into fields with
// encoding/csv (ReuseRecord), for comparison with BenchmarkDecode's parser:
// it does less (no profile fields are set) and is still slower.
func BenchmarkFieldsStdlib(b *testing.B) {
	data := benchInput(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r := stdcsv.NewReader(bytes.NewReader(data))
		r.ReuseRecord = true
		for {
			_, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkEncode encodes 10k generated users in one batch.
func BenchmarkEncode(b *testing.B) {
	formattest.BenchEncode(b, csv.NewEncoder(csv.Options{IncludeSecrets: true}), formattest.Generate(benchUsers))
}
