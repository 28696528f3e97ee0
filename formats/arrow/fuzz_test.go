package arrow

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/ferry-dev/ferry/fixtures/formattest"
	"github.com/ferry-dev/ferry/formats/internal/columnartest"
	"github.com/ferry-dev/ferry/pipeline"
)

// FuzzDecode feeds arbitrary bytes to both decoders: they must return an
// error or records and rejects that account for every row, and never
// panic.
func FuzzDecode(f *testing.F) {
	users := formattest.Users()
	f.Add(columnartest.Write(f, fileFormat(Options{IncludeSecrets: true}), users, 2, 1))
	f.Add(columnartest.Write(f, streamFormat(Options{IncludeSecrets: true}), users, 2, 1))
	for _, p := range []string{"testdata/arrowjs-aliases.arrow", "testdata/arrowjs-aliases.arrows"} {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := Options{MaxMessageBytes: 1 << 20}
		if dec, err := NewFileDecoder(bytes.NewReader(data), int64(len(data)), "fuzz", opts); err == nil {
			drain(t, dec)
		}
		if dec, err := NewStreamDecoder(bytes.NewReader(data), "fuzz", opts); err == nil {
			drain(t, dec)
		}
	})
}

// drain decodes at most 200 chunks of dec, checking that each accounts
// for its rows.
func drain(t *testing.T, dec pipeline.Decoder) {
	for range 200 {
		c, err := dec.Next(context.Background(), 50)
		if errors.Is(err, io.EOF) || err != nil {
			return
		}
		var b pipeline.Batch
		c.Decoder.DecodeChunk(c, &b)
		if b.Read != len(b.Records)+len(b.Rejects) || b.Read == 0 {
			t.Fatalf("chunk read %d rows, %d records, %d rejects", b.Read, len(b.Records), len(b.Rejects))
		}
	}
}
