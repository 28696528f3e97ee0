package csv_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/fixtures"
	"github.com/ferry-dev/ferry/fixtures/formattest"
	"github.com/ferry-dev/ferry/formats/csv"
	"github.com/ferry-dev/ferry/formats/ndjson"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

// convertFields are the columns of the issue's benchmark file (`make
// bench`): root attributes and three JSON cells.
var convertFields = []string{
	"user_id", "email", "email_verified", "username", "given_name", "family_name", "name",
	"nickname", "picture", "phone_number", "phone_verified", "created_at", "updated_at",
	"last_login", "last_ip", "logins_count", "blocked", "identities", "user_metadata", "app_metadata",
}

// convertInput writes n generated users (seed 1) as the benchmark file.
func convertInput(b *testing.B, n int) []byte {
	b.Helper()
	gen := fixtures.New(fixtures.Options{Seed: 1})
	batch := &pipeline.Batch{Records: make([]pipeline.Record, n)}
	for i := range batch.Records {
		gen.User(int64(i), &batch.Records[i].User)
	}
	enc := csv.NewEncoder(csv.Options{Fields: convertFields})
	out, err := enc.Encode(append([]byte(nil), enc.Header()...), batch)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkConvert runs `ferry convert users.csv users.ndjson` on one
// goroutine, batch by batch as a pipeline worker does: decode, normalize,
// validate, encode. It reports each stage's time per record.
func BenchmarkConvert(b *testing.B) {
	data := convertInput(b, 20_000)
	normalize := pipeline.Normalize(profile.NormalizeOptions{})
	validate := pipeline.Validate(profile.ValidateOptions{})
	enc := ndjson.NewEncoder(ndjson.Options{})
	var stage [4]time.Duration
	records := 0
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		dec := csv.NewDecoder(bytes.NewReader(data), "bench", csv.Options{})
		for c := range formattest.Chunks(b.Context(), b, dec, 1000) {
			batch := &pipeline.Batch{}
			t0 := time.Now()
			c.Decoder.DecodeChunk(c, batch)
			t1 := time.Now()
			_ = normalize(b.Context(), batch)
			t2 := time.Now()
			_ = validate(b.Context(), batch)
			t3 := time.Now()
			var err error
			if batch.Out, err = enc.Encode(nil, batch); err != nil {
				b.Fatal(err)
			}
			t4 := time.Now()
			stage[0] += t1.Sub(t0)
			stage[1] += t2.Sub(t1)
			stage[2] += t3.Sub(t2)
			stage[3] += t4.Sub(t3)
			records += batch.Read
		}
	}
	for i, name := range []string{"decode", "normalize", "validate", "encode"} {
		b.ReportMetric(float64(stage[i].Nanoseconds())/float64(records), name+"-ns/rec")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(records), "ns/rec")
}

// BenchmarkConvertDecode is the decode stage of BenchmarkConvert alone:
// the reader's split and the workers' parse of the benchmark file.
func BenchmarkConvertDecode(b *testing.B) {
	_, read := formattest.BenchDecode(b, format(csv.Options{}).NewDecoder, convertInput(b, 20_000))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(read), "ns/rec")
}
