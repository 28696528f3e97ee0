package file_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/ferry-dev/ferry/formats/csv"
	"github.com/ferry-dev/ferry/formats/json"
	"github.com/ferry-dev/ferry/formats/ndjson"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/sinks/file"
)

// users returns batch seq holding n users (n may be 0: every record of the
// batch was rejected upstream).
func users(seq uint64, n int) *pipeline.Batch {
	b := &pipeline.Batch{Seq: seq, Read: n}
	for i := range n {
		idx := int64(seq)*100 + int64(i)
		b.Records = append(b.Records, pipeline.Record{
			User:   profile.User{Email: fmt.Sprintf("u%d@example.com", idx), GivenName: "Zoë"},
			Origin: pipeline.Position{Source: "test", Index: idx},
		})
	}
	b.Checkpoint = pipeline.Checkpoint{Job: job, Seq: seq, Index: int64(seq+1) * 100}
	return b
}

// writeAll runs batches of the given sizes through a sink at path the way
// the runner does: each encoded with the sink's Encoder, then written.
func writeAll(t *testing.T, path string, enc pipeline.Encoder, sizes []int) {
	t.Helper()
	s, err := file.Open(path, enc, file.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for seq, n := range sizes {
		b := users(uint64(seq), n)
		if b.Out, err = s.Encoder().Encode(nil, b); err != nil {
			t.Fatal(err)
		}
		if err := s.Write(t.Context(), b); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func decompress(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader
	switch filepath.Ext(path) {
	case ".gz":
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(path), err)
		}
		r = zr
	case ".zst":
		zr, err := zstd.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		r = zr
	default:
		r = f
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(path), err)
	}
	return data
}

func TestSink_CompressedOutputOfWorkerFramesEqualsPlainOutput(t *testing.T) {
	encoders := []struct {
		name string
		ext  string
		enc  pipeline.Encoder
	}{
		{"ndjson", ".ndjson", ndjson.NewEncoder(ndjson.Options{})},
		{"json array (header, separator, footer)", ".json", json.NewEncoder(json.Options{})},
		{"csv (header)", ".csv", csv.NewEncoder(csv.Options{})},
	}
	batchSizes := []struct {
		name  string
		sizes []int
	}{
		{"several batches", []int{3, 5, 1}},
		{"empty batches first and between", []int{0, 2, 0, 0, 4}},
		{"no records at all", []int{0, 0}},
		{"no batches", nil},
	}
	for _, e := range encoders {
		for _, bs := range batchSizes {
			dir := t.TempDir()
			plain := filepath.Join(dir, "users"+e.ext)
			writeAll(t, plain, e.enc, bs.sizes)
			want, err := os.ReadFile(plain)
			if err != nil {
				t.Fatal(err)
			}
			for _, comp := range []string{".gz", ".zst"} {
				t.Run(e.name+"/"+bs.name+"/"+comp, func(t *testing.T) {
					path := plain + comp
					writeAll(t, path, e.enc, bs.sizes)
					if got := decompress(t, path); !bytes.Equal(got, want) {
						t.Errorf("decompressed output:\n%s\nwant:\n%s", got, want)
					}
					tool := map[string]string{".gz": "gzip", ".zst": "zstd"}[comp]
					if _, err := exec.LookPath(tool); err == nil {
						if out, err := exec.Command(tool, "-t", path).CombinedOutput(); err != nil {
							t.Errorf("%s -t refuses the output: %v: %s", tool, err, out)
						}
					}
				})
			}
		}
	}
}

func TestSink_CompressedOutputResumesAfterItsLastFrame(t *testing.T) {
	for _, comp := range []string{".gz", ".zst"} {
		t.Run(comp, func(t *testing.T) {
			dir := t.TempDir()
			enc := json.NewEncoder(json.Options{})
			plain := filepath.Join(dir, "plain.json")
			writeAll(t, plain, enc, []int{2, 3, 4})
			want, _ := os.ReadFile(plain)

			out := filepath.Join(dir, "users.json"+comp)
			s, err := file.Open(out, enc, file.Options{CheckpointEvery: time.Nanosecond})
			if err != nil {
				t.Fatal(err)
			}
			for seq, n := range []int{2, 3} {
				b := users(uint64(seq), n)
				b.Out, _ = s.Encoder().Encode(nil, b)
				if err := s.Write(t.Context(), b); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Abort(); err != nil {
				t.Fatal(err)
			}
			// Half a frame a killed run wrote after its last checkpoint.
			appendPartial(t, out, "\x1f\x8b\x08\x00\x28\xb5")

			s, err = file.Open(out, enc, file.Options{CheckpointEvery: time.Nanosecond})
			if err != nil {
				t.Fatal(err)
			}
			cp, err := s.LastCheckpoint(t.Context(), job)
			if err != nil {
				t.Fatal(err)
			}
			if cp == nil || cp.Seq != 1 {
				t.Fatalf("checkpoint %+v, want after batch 1", cp)
			}
			b := users(2, 4)
			b.Out, _ = s.Encoder().Encode(nil, b)
			if err := s.Write(t.Context(), b); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(t.Context()); err != nil {
				t.Fatal(err)
			}
			if got := decompress(t, out); !bytes.Equal(got, want) {
				t.Errorf("resumed output:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}
