package parquet_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferry-dev/ferry/fixtures/formattest"
	"github.com/ferry-dev/ferry/formats/internal/columnartest"
	"github.com/ferry-dev/ferry/formats/ndjson"
	"github.com/ferry-dev/ferry/formats/parquet"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	sinkfile "github.com/ferry-dev/ferry/sinks/file"
	sourcefile "github.com/ferry-dev/ferry/sources/file"
)

// registry holds the formats as cmd/ferry registers them.
func registry(opts parquet.Options) *pipeline.Registry {
	r := pipeline.NewRegistry()
	r.AddFormat(pipeline.Format{
		Name: "ndjson", Exts: []string{".ndjson"},
		NewDecoder: func(rd io.Reader, source string) (pipeline.Decoder, error) {
			return ndjson.NewDecoder(rd, source, ndjson.Options{}), nil
		},
		NewEncoder: func() (pipeline.Encoder, error) { return ndjson.NewEncoder(ndjson.Options{}), nil },
	})
	r.AddFormat(pipeline.Format{
		Name: "parquet", Exts: []string{".parquet"},
		NewReaderAt: func(rd io.ReaderAt, size int64, source string) (pipeline.Decoder, error) {
			return parquet.NewDecoder(rd, size, source, opts)
		},
		NewDecoder: func(rd io.Reader, source string) (pipeline.Decoder, error) {
			return parquet.NewStreamDecoder(rd, source, opts)
		},
		NewEncoder: func() (pipeline.Encoder, error) { return parquet.NewEncoder(opts), opts.Validate() },
		NewWriter: func(w io.Writer, enc pipeline.Encoder) (pipeline.BatchWriter, error) {
			return parquet.NewWriter(w, enc)
		},
	})
	return r
}

// convert runs src → dst through the file source and sink, as `ferry
// convert` does.
func convert(t *testing.T, reg *pipeline.Registry, src, dst string, popts pipeline.Options) (pipeline.Summary, error) {
	t.Helper()
	source, err := sourcefile.Open(src, reg, sourcefile.Options{BatchSize: 100})
	if err != nil {
		t.Fatalf("open source: %v", err)
	}
	defer source.Close()
	f, err := reg.ForPath(dst)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := f.NewEncoder()
	if err != nil {
		t.Fatal(err)
	}
	sink, err := sinkfile.Open(dst, enc, sinkfile.Options{Writer: f.NewWriter})
	if err != nil {
		t.Fatalf("open sink: %v", err)
	}
	sum, err := pipeline.Run(t.Context(), pipeline.Job{Name: "convert", Source: source, Sink: sink}, popts)
	if err != nil {
		sink.Abort()
		return sum, err
	}
	return sum, sink.Close(t.Context())
}

func TestPipeline_ConvertsThroughParquet(t *testing.T) {
	dir := t.TempDir()
	users := formattest.Generate(2500)
	src := filepath.Join(dir, "in.ndjson")
	if err := os.WriteFile(src, formattest.Encode(t, ndjson.NewEncoder(ndjson.Options{}), users), 0o600); err != nil {
		t.Fatal(err)
	}
	reg := registry(parquet.Options{IncludeSecrets: true, RowGroupRows: 1000})
	pq := filepath.Join(dir, "users.parquet")
	if _, err := convert(t, reg, src, pq, pipeline.Options{Workers: 3}); err != nil {
		t.Fatalf("ndjson → parquet: %v", err)
	}
	back := filepath.Join(dir, "back.ndjson")
	sum, err := convert(t, reg, pq, back, pipeline.Options{Workers: 3})
	if err != nil {
		t.Fatalf("parquet → ndjson: %v", err)
	}
	if sum.Counts.Read != int64(len(users)) || sum.Counts.Written != int64(len(users)) {
		t.Errorf("counts %+v, want %d read and written", sum.Counts, len(users))
	}
	data, err := os.ReadFile(back)
	if err != nil {
		t.Fatal(err)
	}
	res := formattest.DecodeAll(t.Context(), t, ndjson.NewDecoder(bytes.NewReader(data), "back", ndjson.Options{}), 1000)
	got := make([]profile.User, len(res.Records))
	for i, r := range res.Records {
		got[i] = r.User
	}
	columnartest.CheckUsers(t, users, got)
}

func TestPipeline_RefusesToResumeParquetOutput(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "in.ndjson")
	if err := os.WriteFile(src, formattest.Encode(t, ndjson.NewEncoder(ndjson.Options{}), formattest.Generate(10)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := convert(t, registry(parquet.Options{}), src, filepath.Join(dir, "out.parquet"), pipeline.Options{Resume: true})
	if !errors.Is(err, pipeline.ErrCannotResume) {
		t.Fatalf("resume: %v, want ErrCannotResume", err)
	}
}

func TestSink_AbortRemovesPartialParquet(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "out.parquet")
	enc := parquet.NewEncoder(parquet.Options{})
	sink, err := sinkfile.Open(dst, enc, sinkfile.Options{Writer: func(w io.Writer, e pipeline.Encoder) (pipeline.BatchWriter, error) {
		return parquet.NewWriter(w, e)
	}})
	if err != nil {
		t.Fatal(err)
	}
	b := &pipeline.Batch{Records: []pipeline.Record{{User: profile.User{Email: "a@example.com"}}}, Read: 1}
	if b.Out, err = enc.Encode(nil, b); err != nil {
		t.Fatal(err)
	}
	if err := sink.Write(t.Context(), b); err != nil {
		t.Fatalf("write: %v", err)
	}
	if err := sink.Abort(); err != nil {
		t.Fatalf("abort: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		t.Errorf("left behind: %s", e.Name())
	}
}

func TestSource_ReadsParquetFromStdinAndGzip(t *testing.T) {
	dir := t.TempDir()
	users := formattest.Generate(300)
	reg := registry(parquet.Options{})
	pq := filepath.Join(dir, "users.parquet")
	src := filepath.Join(dir, "in.ndjson")
	if err := os.WriteFile(src, formattest.Encode(t, ndjson.NewEncoder(ndjson.Options{}), users), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := convert(t, reg, src, pq, pipeline.Options{}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(pq)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(data)
	zw.Close()
	gzPath := pq + ".gz"
	if err := os.WriteFile(gzPath, gz.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	format, _ := reg.Format("parquet")
	for name, open := range map[string]func() (*sourcefile.Source, error){
		"stdin": func() (*sourcefile.Source, error) {
			return sourcefile.Open("-", reg, sourcefile.Options{Format: &format, Stdin: bytes.NewReader(data)})
		},
		"gzip": func() (*sourcefile.Source, error) { return sourcefile.Open(gzPath, reg, sourcefile.Options{}) },
	} {
		source, err := open()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		n := 0
		for {
			b, err := source.Next(t.Context())
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			b.Raw.Decoder.DecodeChunk(b.Raw, b)
			n += len(b.Records)
		}
		source.Close()
		if n != len(users) {
			t.Errorf("%s: %d records, want %d", name, n, len(users))
		}
	}
}
