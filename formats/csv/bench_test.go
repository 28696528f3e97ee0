package csv_test

import (
	"bytes"
	stdcsv "encoding/csv"
	"errors"
	"io"
	"testing"

	"github.com/ferry-dev/ferry/fixtures/formattest"
	"github.com/ferry-dev/ferry/formats/csv"
	"github.com/ferry-dev/ferry/pipeline"
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
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	records := 0
	for b.Loop() {
		dec := csv.NewDecoder(bytes.NewReader(data), "bench", csv.Options{})
		for {
			c, err := dec.Next(b.Context(), 1000)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			var batch pipeline.Batch
			c.Decoder.DecodeChunk(c, &batch)
			records += len(batch.Records)
		}
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkSplit is the reader goroutine's share of BenchmarkDecode.
func BenchmarkSplit(b *testing.B) {
	data := benchInput(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		dec := csv.NewDecoder(bytes.NewReader(data), "bench", csv.Options{})
		for {
			_, err := dec.Next(b.Context(), 1000)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
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
	users := formattest.Generate(benchUsers)
	batch := &pipeline.Batch{Records: make([]pipeline.Record, len(users))}
	for i := range users {
		batch.Records[i].User = users[i]
	}
	enc := csv.NewEncoder(csv.Options{IncludeSecrets: true})
	out, _ := enc.Encode(nil, batch)
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if out, err = enc.Encode(out[:0], batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(users))/b.Elapsed().Seconds(), "records/s")
}
