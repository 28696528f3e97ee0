package parquet

import (
	"bytes"
	"io"
	"testing"

	"github.com/ferry-dev/ferry/fixtures/formattest"
	"github.com/ferry-dev/ferry/formats/internal/columnartest"
	"github.com/ferry-dev/ferry/pipeline"
)

func conformanceFormat(opts Options) columnartest.Format {
	return columnartest.Format{
		NewEncoder: func() pipeline.Encoder { return NewEncoder(opts) },
		NewWriter: func(w io.Writer, enc pipeline.Encoder) (pipeline.BatchWriter, error) {
			return NewWriter(w, enc)
		},
		NewDecoder: func(data []byte, source string) (pipeline.Decoder, error) {
			return NewDecoder(bytes.NewReader(data), int64(len(data)), source, opts)
		},
	}
}

func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"zstd", Options{IncludeSecrets: true}},
		{"snappy", Options{IncludeSecrets: true, Compression: "snappy"}},
		{"none, small row groups", Options{IncludeSecrets: true, Compression: "none", RowGroupRows: 3}},
		{"flattened", Options{IncludeSecrets: true, Flatten: []string{"user_metadata.bio", "app_metadata.plan.tier", "identities[0].connection"}}},
	} {
		t.Run(tc.name, func(t *testing.T) { columnartest.Run(t, conformanceFormat(tc.opts)) })
	}
}

func TestStreamDecoder_ReadsParquetFromAStream(t *testing.T) {
	users := formattest.Users()
	data := encodeFile(t, Options{IncludeSecrets: true}, users, 2)
	for name, r := range map[string]io.Reader{
		"stream":   io.MultiReader(bytes.NewReader(data)),
		"seekable": bytes.NewReader(data),
	} {
		dec, err := NewStreamDecoder(r, "stdin", Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		res := formattest.DecodeAll(t.Context(), t, dec, 2)
		columnartest.CheckRoundTrip(t, res, users)
	}
}
