package parquet

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/ferry-dev/ferry/fixtures/formattest"
	"github.com/ferry-dev/ferry/pipeline"
)

// FuzzDecode feeds arbitrary bytes to the decoder: it must return an error
// or records and rejects that account for every row, and never panic.
func FuzzDecode(f *testing.F) {
	users := formattest.Users()
	f.Add(encodeFile(f, Options{IncludeSecrets: true}, users, 2))
	f.Add(encodeFile(f, Options{IncludeSecrets: true, Compression: "snappy", RowGroupRows: 2}, users, 1))
	f.Add(encodeFile(f, Options{Compression: "none"}, users, 3))
	for _, p := range []string{"testdata/duckdb-aliases.parquet", "testdata/duckdb-types.parquet"} {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dec, err := NewDecoder(bytes.NewReader(data), int64(len(data)), "fuzz", Options{})
		if err != nil {
			return
		}
		for range 100 {
			c, err := dec.Next(context.Background(), 50)
			if errors.Is(err, io.EOF) || err != nil {
				return
			}
			var b pipeline.Batch
			c.Decoder.DecodeChunk(c, &b)
			if b.Read != len(b.Records)+len(b.Rejects) {
				t.Fatalf("chunk read %d rows, %d records, %d rejects", b.Read, len(b.Records), len(b.Rejects))
			}
		}
	})
}
