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
	f := columnartest.Format{
		NewEncoder: func() pipeline.Encoder { return NewEncoder(opts) },
		NewWriter: func(w io.Writer, enc pipeline.Encoder) (pipeline.BatchWriter, error) {
			return NewWriter(w, enc)
		},
		NewDecoder: func(data []byte, source string) (pipeline.Decoder, error) {
			return NewDecoder(bytes.NewReader(data), int64(len(data)), source, opts)
		},
	}
	if opts.RowGroupRows > 0 && opts.RowGroupRows <= 10 {
		// A Writer marks only between row groups: the suite's resume
		// checks need several in its 60 to 150 users.
		f.ResumeWriter = func(w io.Writer, enc pipeline.Encoder, size int64, journal []byte) (pipeline.BatchWriter, error) {
			return ResumeWriter(w, enc, size, journal)
		}
		f.OtherEncoder = func() pipeline.Encoder { o := opts; o.IncludeSecrets = !o.IncludeSecrets; return NewEncoder(o) }
	}
	return f
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

func TestResumeWriter_TakesAnotherCodec(t *testing.T) {
	w, err := NewWriter(io.Discard, NewEncoder(Options{}))
	if err != nil {
		t.Fatal(err)
	}
	journal, ok, err := w.Mark()
	if err != nil || !ok {
		t.Fatalf("mark of a new writer: ok %v, %v", ok, err)
	}
	// Each column chunk names its own codec.
	if _, err := ResumeWriter(io.Discard, NewEncoder(Options{Compression: "snappy"}), 0, journal); err != nil {
		t.Errorf("resume with snappy after zstd: %v", err)
	}
}
