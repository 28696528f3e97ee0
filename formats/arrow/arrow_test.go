package arrow

import (
	"bytes"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferry-dev/ferry/fixtures/formattest"
	"github.com/ferry-dev/ferry/formats/internal/columnartest"
	"github.com/ferry-dev/ferry/pipeline"
)

func fileFormat(opts Options) columnartest.Format {
	return columnartest.Format{
		NewEncoder: func() pipeline.Encoder { return NewEncoder(opts) },
		NewWriter: func(w io.Writer, enc pipeline.Encoder) (pipeline.BatchWriter, error) {
			return NewFileWriter(w, enc)
		},
		ResumeWriter: func(w io.Writer, enc pipeline.Encoder, size int64, journal []byte) (pipeline.BatchWriter, error) {
			return ResumeFileWriter(w, enc, size, journal)
		},
		OtherEncoder: func() pipeline.Encoder { o := opts; o.IncludeSecrets = !o.IncludeSecrets; return NewEncoder(o) },
		NewDecoder: func(data []byte, source string) (pipeline.Decoder, error) {
			return NewFileDecoder(bytes.NewReader(data), int64(len(data)), source, opts)
		},
	}
}

func streamFormat(opts Options) columnartest.Format {
	return columnartest.Format{
		NewEncoder: func() pipeline.Encoder { return NewEncoder(opts) },
		NewDecoder: func(data []byte, source string) (pipeline.Decoder, error) {
			return NewStreamDecoder(bytes.NewReader(data), source, opts)
		},
	}
}

func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"plain", Options{IncludeSecrets: true}},
		{"flattened", Options{IncludeSecrets: true, Flatten: []string{"user_metadata.bio", "identities[0].connection"}}},
	} {
		t.Run("file/"+tc.name, func(t *testing.T) { columnartest.Run(t, fileFormat(tc.opts)) })
		t.Run("stream/"+tc.name, func(t *testing.T) { columnartest.Run(t, streamFormat(tc.opts)) })
	}
}

func TestStreamDecoder_ReadsFilesAsStreams(t *testing.T) {
	users := formattest.Users()
	data := columnartest.Write(t, fileFormat(Options{IncludeSecrets: true}), users, 2, 1)
	dec, err := NewStreamDecoder(bytes.NewReader(data), "file-as-stream", Options{})
	if err != nil {
		t.Fatalf("new decoder: %v", err)
	}
	res := formattest.DecodeAll(t.Context(), t, dec, 10)
	if res.Err != nil || len(res.Records) != len(users) {
		t.Fatalf("%d records, error %v; want %d", len(res.Records), res.Err, len(users))
	}
	for i, r := range res.Records {
		if d := cmp.Diff(users[i], r.User); d != "" {
			t.Errorf("user %d differs (-want +got):\n%s", i, d)
		}
	}
}
