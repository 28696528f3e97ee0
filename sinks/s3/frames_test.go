package s3

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/ferry-dev/ferry/internal/s3test"
	"github.com/ferry-dev/ferry/pipeline"
)

// TestExport_CompressedPartsAreOneStreamOfWorkerFrames checks that a
// compressed part, made of one frame per batch and partition compressed on
// the workers, is stored compressed and decompresses whole, as one stream,
// into exactly the part's records.
func TestExport_CompressedPartsAreOneStreamOfWorkerFrames(t *testing.T) {
	s3test.Need(t, srv)
	for _, c := range []struct {
		name   string
		format pipeline.Format
		opts   Options
	}{
		{"ndjson gz", ndjsonFormat, Options{Compression: "gz"}},
		{"json array zst", jsonFormat, Options{Compression: "zst"}},
		{"json array gz partitioned", jsonFormat, Options{Compression: "gz", PartitionBy: []string{"connection"}}},
		{"ndjson zst rotated", ndjsonFormat, Options{Compression: "zst", PartRecords: 70}},
	} {
		t.Run(c.name, func(t *testing.T) {
			bucket := srv.NewBucket(t)
			s := openSink(t, "s3://"+bucket+"/export/", c.format, c.opts)
			if _, err := run(t, s, 200, 30, false); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(t.Context()); err != nil {
				t.Fatal(err)
			}
			m := getManifest(t, bucket, "export/")
			var total int64
			for _, p := range m.Parts {
				data := get(t, bucket, "export/"+p.Path)
				var r io.Reader
				switch c.opts.Compression {
				case "gz":
					if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
						t.Fatalf("%s is not gzip-compressed", p.Path)
					}
					zr, err := gzip.NewReader(bytes.NewReader(data))
					if err != nil {
						t.Fatal(err)
					}
					r = zr
				case "zst":
					if len(data) < 4 || !bytes.Equal(data[:4], []byte{0x28, 0xb5, 0x2f, 0xfd}) {
						t.Fatalf("%s is not zstd-compressed", p.Path)
					}
					zr, err := zstd.NewReader(bytes.NewReader(data))
					if err != nil {
						t.Fatal(err)
					}
					defer zr.Close()
					r = zr
				}
				plain, err := io.ReadAll(r)
				if err != nil {
					t.Fatalf("%s: %v", p.Path, err)
				}
				n := int64(bytes.Count(plain, []byte("\n")))
				if c.format.Name == "json" {
					var users []json.RawMessage
					if err := json.Unmarshal(plain, &users); err != nil {
						t.Fatalf("%s is not one JSON array: %v", p.Path, err)
					}
					n = int64(len(users))
				}
				if n != p.Records {
					t.Errorf("%s holds %d users, its manifest entry %d", p.Path, n, p.Records)
				}
				total += n
			}
			if total != 200 {
				t.Errorf("the parts hold %d users, want 200", total)
			}
		})
	}
}
