package s3

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ferry-dev/ferry/fixtures/formattest"
	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/formats/parquet"
	"github.com/ferry-dev/ferry/internal/s3test"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

// connections spreads users over three database connections by their
// position, so that partitioning by connection makes several partitions.
func connections(ctx context.Context, b *pipeline.Batch) error {
	for i := range b.Records {
		spread(&b.Records[i].User, b.Records[i].Origin.Index)
	}
	return nil
}

func spread(u *profile.User, i int64) {
	if len(u.Identities) > 0 {
		u.Identities[0].Connection = []string{"db-eu", "db-us", "db-apac"}[i%3]
	}
}

// TestExport_ColumnarPartsAreWholeFiles exports Parquet and Arrow IPC
// files, plain, rotated and partitioned, and reads every part back on its
// own with the format's decoder: each part is a valid file holding the
// records its manifest entry counts, of its partition only, and together
// the parts hold every user once.
func TestExport_ColumnarPartsAreWholeFiles(t *testing.T) {
	s3test.Need(t, srv)
	const n = 600
	for _, tc := range []struct {
		name     string
		format   pipeline.Format
		opts     Options
		minParts int
		maxParts int
	}{
		{"parquet", parquetFormat, Options{}, 1, 1},
		{"parquet rotated by records", parquetFormat, Options{PartRecords: 250}, 3, 3},
		{"parquet rotated by size", parquetFormat, Options{PartSize: 64 << 10}, 3, n / 50},
		{"parquet partitioned by connection", parquetFormat, Options{PartitionBy: []string{"connection"}}, 3, 3},
		{"parquet partitioned by year, rotated, few open", parquetFormat,
			Options{PartitionBy: []string{"created_at:year"}, PartRecords: 40, MaxOpenPartitions: 2}, 4, n},
		{"arrow", arrowFormat, Options{}, 1, 1},
		{"arrow rotated by records", arrowFormat, Options{PartRecords: 250}, 3, 3},
		{"arrow partitioned by connection and year", arrowFormat, Options{PartitionBy: []string{"connection", "created_at:year"}}, 3, n},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bucket := srv.NewBucket(t)
			loc := "s3://" + bucket + "/cols/"
			s := openSink(t, loc, tc.format, tc.opts)
			if _, err := run(t, s, n, 50, false, connections); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(t.Context()); err != nil {
				t.Fatal(err)
			}
			want := generated(n)
			for i := range want {
				spread(&want[i], int64(i))
			}
			m := getManifest(t, bucket, "cols/")
			if m.Format != tc.format.Name || m.Compression != "" || m.Records != n {
				t.Errorf("manifest says format %q, compression %q, %d records; want %s, none, %d", m.Format, m.Compression, m.Records, tc.format.Name, n)
			}
			if len(m.Parts) < tc.minParts || len(m.Parts) > tc.maxParts {
				t.Errorf("%d parts, want %d to %d", len(m.Parts), tc.minParts, tc.maxParts)
			}
			fields, err := parsePartitionBy(tc.opts.PartitionBy)
			if err != nil {
				t.Fatal(err)
			}
			var got []profile.User
			for _, p := range m.Parts {
				us := readPart(t, tc.format, bucket, "cols/", p)
				if tc.opts.PartRecords > 0 && p.Records > tc.opts.PartRecords+50 {
					t.Errorf("part %s holds %d records, more than --part-records and a batch", p.Path, p.Records)
				}
				if tc.opts.PartSize > 0 && p.Bytes > 2*tc.opts.PartSize {
					t.Errorf("part %s holds %d bytes, twice --part-size", p.Path, p.Bytes)
				}
				dir := p.Path[:strings.LastIndexByte(p.Path, '/')+1]
				for i := range us {
					if path, _ := appendPath(nil, fields, &us[i], nil); string(path) != dir {
						t.Errorf("part %s holds a user of partition %q", p.Path, path)
						break
					}
				}
				got = append(got, us...)
			}
			sinktest.Equal(t, want, got)
			// The S3 source reads the export as a whole, through its
			// manifest. It reads a Parquet part by ranges, some hundred
			// requests a part, so exports of many small parts skip this.
			if len(m.Parts) <= 10 {
				sinktest.Equal(t, want, readExport(t, loc))
			}
		})
	}
}

// readPart reads one part of an export on its own, checks it against its
// manifest entry and decodes it as a whole file of format.
func readPart(t *testing.T, format pipeline.Format, bucket, prefix string, p Part) []profile.User {
	t.Helper()
	data := get(t, bucket, prefix+p.Path)
	sum := sha256.Sum256(data)
	if p.Bytes != int64(len(data)) || p.SHA256 != hex.EncodeToString(sum[:]) || p.CRC32C != crc32c(data) {
		t.Errorf("part %s differs from its manifest entry", p.Path)
	}
	magic := map[string]string{"parquet": "PAR1", "arrow": "ARROW1"}[format.Name]
	if !bytes.HasPrefix(data, []byte(magic)) || !bytes.HasSuffix(data, []byte(magic)) {
		t.Fatalf("part %s does not start and end with %q: not a whole %s file", p.Path, magic, format.Name)
	}
	dec, err := format.NewReaderAt(bytes.NewReader(data), int64(len(data)), p.Path)
	if err != nil {
		t.Fatalf("part %s: %v", p.Path, err)
	}
	res := formattest.DecodeAll(t.Context(), t, dec, 1000)
	if res.Err != nil || len(res.Rejects) > 0 {
		t.Fatalf("part %s: decoding ended with %v and %d rejects", p.Path, res.Err, len(res.Rejects))
	}
	if int64(len(res.Records)) != p.Records {
		t.Errorf("part %s holds %d records, its manifest entry says %d", p.Path, len(res.Records), p.Records)
	}
	us := make([]profile.User, len(res.Records))
	for i, r := range res.Records {
		us[i] = r.User
	}
	return us
}

// TestExport_ColumnarRotatesOnEncodedBytes checks that a Parquet part
// rotates by the bytes encoded into it, although its writer holds the row
// group back, and the pipe sees nothing, until the part completes.
func TestExport_ColumnarRotatesOnEncodedBytes(t *testing.T) {
	s3test.Need(t, srv)
	bucket := srv.NewBucket(t)
	opts := parquetOpts
	opts.RowGroupRows = 1 << 20 // one row group per part: nothing reaches the pipe before Close
	f := parquetFormat
	f.NewEncoder = func() (pipeline.Encoder, error) { return parquet.NewEncoder(opts), nil }
	f.NewReaderAt = func(rd io.ReaderAt, size int64, src string) (pipeline.Decoder, error) {
		return parquet.NewDecoder(rd, size, src, opts)
	}
	s := openSink(t, "s3://"+bucket+"/", f, Options{PartSize: 64 << 10})
	if _, err := run(t, s, 400, 50, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	m := getManifest(t, bucket, "")
	if len(m.Parts) < 2 {
		t.Fatalf("%d parts, want several of about 64 KiB", len(m.Parts))
	}
	var got []profile.User
	for _, p := range m.Parts {
		got = append(got, readPart(t, f, bucket, "", p)...)
	}
	sinktest.Equal(t, generated(400), got)
}

func TestOpen_RefusesCompressedColumnarOutput(t *testing.T) {
	for _, f := range []pipeline.Format{parquetFormat, arrowFormat} {
		_, err := Open(t.Context(), "s3://b/p/", f, Options{Client: &s3.Client{}, Compression: "gz"})
		if err == nil || !strings.Contains(err.Error(), "columnar") {
			t.Errorf("Open(%s, gz) = %v, want a refusal", f.Name, err)
		}
	}
}
