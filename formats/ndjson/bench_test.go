package ndjson_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/ferry-dev/ferry/fixtures/formattest"
	"github.com/ferry-dev/ferry/formats/ndjson"
	"github.com/ferry-dev/ferry/pipeline"
)

const benchUsers = 10_000

// BenchmarkDecode decodes 10k generated users on one goroutine: the
// reader's split and the workers' parse, one after the other.
func BenchmarkDecode(b *testing.B) {
	data := formattest.Encode(b, ndjson.NewEncoder(ndjson.Options{}), formattest.Generate(benchUsers))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	records := 0
	for b.Loop() {
		dec := ndjson.NewDecoder(bytes.NewReader(data), "bench", ndjson.Options{})
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
	data := formattest.Encode(b, ndjson.NewEncoder(ndjson.Options{}), formattest.Generate(benchUsers))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		dec := ndjson.NewDecoder(bytes.NewReader(data), "bench", ndjson.Options{})
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

// BenchmarkEncode encodes 10k generated users in one batch.
func BenchmarkEncode(b *testing.B) {
	users := formattest.Generate(benchUsers)
	batch := &pipeline.Batch{Records: make([]pipeline.Record, len(users))}
	for i := range users {
		batch.Records[i].User = users[i]
	}
	enc := ndjson.NewEncoder(ndjson.Options{})
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

// BenchmarkEncodeFresh encodes batches of 1000 users into a new buffer
// each time, as the pipeline does (every batch brings its own Out).
func BenchmarkEncodeFresh(b *testing.B) {
	users := formattest.Generate(1000)
	batch := &pipeline.Batch{Records: make([]pipeline.Record, len(users))}
	for i := range users {
		batch.Records[i].User = users[i]
	}
	enc := ndjson.NewEncoder(ndjson.Options{})
	out, _ := enc.Encode(nil, batch)
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := enc.Encode(nil, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(users))/b.Elapsed().Seconds(), "records/s")
}
