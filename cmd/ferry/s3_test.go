package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/spf13/cobra"

	"github.com/ferry-dev/ferry/internal/s3test"
)

var s3srv *s3test.Server

func TestMain(m *testing.M) { s3test.Main(m, &s3srv) }

// s3Bucket returns a new bucket on the embedded gateway, with the
// environment the ferry command needs to reach it; it skips the test when
// there is no gateway (-short) or the gateway is the HTTPS one.
func s3Bucket(t *testing.T) string {
	t.Helper()
	if s3srv == nil {
		t.Skip("no S3 server under -short")
	}
	if s3srv.TLS() {
		t.Skip("the CLI test runs against the embedded HTTP gateway")
	}
	t.Setenv("AWS_ACCESS_KEY_ID", s3srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3srv.SecretKey)
	t.Setenv("AWS_REGION", s3test.Region)
	return s3srv.NewBucket(t)
}

func TestConvert_ToS3PartitionedAndBack(t *testing.T) {
	bucket := s3Bucket(t)
	dir := t.TempDir()
	in := generate(t, dir, 2000, "0", "users.ndjson")
	conn := []string{"--s3-endpoint", s3srv.Endpoint, "--s3-path-style"}
	prefix := "s3://" + bucket + "/exports/run1/"
	rep := filepath.Join(dir, "report.json")

	mustFerry(t, append([]string{"convert", in, prefix, "--no-normalize", "--part-records", "700",
		"--partition-by", "created_at:year", "--compress", "gz", "--report", rep, "-q"}, conn...)...)
	if c := readReport(t, rep).Summary.Counts; c.Written != 2000 {
		t.Fatalf("wrote %d users to S3, want 2000", c.Written)
	}
	out := filepath.Join(dir, "back.ndjson")
	mustFerry(t, append([]string{"convert", prefix, out, "--no-normalize", "--report", rep, "-q"}, conn...)...)
	if c := readReport(t, rep).Summary.Counts; c.Read != 2000 || c.Written != 2000 {
		t.Fatalf("read back %+v, want 2000 users", c)
	}
	// Partitions reorder users; compare as sets of lines.
	want, _ := os.ReadFile(in)
	got, _ := os.ReadFile(out)
	if !sameLines(want, got) {
		t.Errorf("users read back from S3 differ from those written")
	}
	// A second export to the same prefix is refused: a committed export is
	// never overwritten silently.
	if code, _, stderr := ferry(t, "", append([]string{"convert", in, prefix, "-q"}, conn...)...); code == exitOK {
		t.Errorf("a second export over a committed prefix succeeded:\n%s", stderr)
	}
}

func sameLines(a, b []byte) bool {
	count := map[string]int{}
	for _, l := range bytes.Split(bytes.TrimSpace(a), []byte("\n")) {
		count[string(l)]++
	}
	for _, l := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		count[string(l)]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}

// TestConvert_ToS3ColumnarAndBack exports Parquet and Arrow IPC files to S3,
// the format chosen by --to-format or by the prefix's name, rotated and
// partitioned, and reads them back: the same users, from parts of the
// format the manifest names.
func TestConvert_ToS3ColumnarAndBack(t *testing.T) {
	bucket := s3Bucket(t)
	dir := t.TempDir()
	in := generate(t, dir, 1000, "0", "users.ndjson")
	want, _ := os.ReadFile(in)
	conn := []string{"--s3-endpoint", s3srv.Endpoint, "--s3-path-style", "--no-normalize", "--batch-size", "100", "-q"}
	for _, tc := range []struct {
		name, prefix, format string
		args                 []string
	}{
		{"to-format parquet partitioned", "p1/", "parquet", []string{"--to-format", "parquet", "--partition-by", "created_at:year", "--part-records", "400"}},
		{"prefix named .parquet", "users.parquet/", "parquet", []string{"--part-records", "300"}},
		{"to-format arrow", "a1/", "arrow", []string{"--to-format", "arrow", "--part-records", "300"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prefix := "s3://" + bucket + "/" + tc.prefix
			mustFerry(t, append(append([]string{"convert", in, prefix}, tc.args...), conn...)...)
			m := readManifest(t, bucket, tc.prefix)
			if m.Format != tc.format || len(m.Parts) < 2 || !strings.HasSuffix(m.Parts[0].Path, "."+tc.format) {
				t.Fatalf("manifest names format %q and parts %+v, want several %s parts", m.Format, m.Parts, tc.format)
			}
			back := filepath.Join(dir, strings.TrimSuffix(tc.prefix, "/")+".ndjson")
			mustFerry(t, append([]string{"convert", prefix, back}, conn...)...)
			got, _ := os.ReadFile(back)
			if !sameLines(want, got) {
				t.Errorf("users read back from %s differ from those written", tc.format)
			}
		})
	}
}

func TestExport_StoreToS3AsParquetWithFormat(t *testing.T) {
	bucket := s3Bucket(t)
	dir := t.TempDir()
	in := generate(t, dir, 500, "0", "users.ndjson")
	store := "sqlite://" + filepath.Join(dir, "users.db")
	mustFerry(t, "import", in, "--to", store, "-q")
	conn := []string{"--s3-endpoint", s3srv.Endpoint, "--s3-path-style", "-q"}
	prefix := "s3://" + bucket + "/export/"
	mustFerry(t, append([]string{"export", "--from", store, "--to", prefix, "--format", "parquet", "--part-records", "200", "--batch-size", "100"}, conn...)...)

	m := readManifest(t, bucket, "export/")
	if m.Format != "parquet" || len(m.Parts) != 3 {
		t.Fatalf("manifest names format %q and %d parts, want parquet in 3 parts of at most 200 users", m.Format, len(m.Parts))
	}
	back := filepath.Join(dir, "back.ndjson")
	mustFerry(t, append([]string{"convert", prefix, back}, conn...)...)
	got, _ := os.ReadFile(back)
	if n := bytes.Count(got, []byte("\n")); n != 500 {
		t.Errorf("read %d users back from the Parquet export, want 500", n)
	}
}

type manifest struct {
	Format string `json:"format"`
	Parts  []struct {
		Path string `json:"path"`
	} `json:"parts"`
}

// readManifest returns the _manifest.json of an export under prefix.
func readManifest(t *testing.T, bucket, prefix string) manifest {
	t.Helper()
	out, err := s3srv.Client().GetObject(t.Context(), &s3.GetObjectInput{Bucket: &bucket, Key: aws.String(prefix + "_manifest.json")})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	var m manifest
	if err := json.NewDecoder(out.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestS3SinkOptions_CarryCheckpointEvery(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want time.Duration
	}{
		// Zero: the sink checkpoints when a part rotates.
		{"default", nil, 0},
		{"given", []string{"--checkpoint-every", "30s"}, 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newRunFlags()
			cmd := &cobra.Command{}
			f.registerOutput(cmd, false)
			if err := cmd.Flags().Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			a := &app{flags: f}
			format, err := newRegistry(formatOptions{}).Format("ndjson")
			if err != nil {
				t.Fatal(err)
			}
			if got := a.s3SinkOptions("s3://bucket/prefix/", format).CheckpointEvery; got != tt.want {
				t.Errorf("CheckpointEvery = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestConvert_ToS3CheckpointEveryCompletesParts: a checkpoint of an s3://
// export completes the open parts, so --checkpoint-every shows in the
// number of parts.
func TestConvert_ToS3CheckpointEveryCompletesParts(t *testing.T) {
	bucket := s3Bucket(t)
	dir := t.TempDir()
	in := generate(t, dir, 500, "0", "users.ndjson")
	tests := []struct {
		name, prefix string
		args         []string
		wantParts    int
	}{
		{"default: at part rotation", "cp-default/", nil, 1},
		{"every batch", "cp-1ns/", []string{"--checkpoint-every", "1ns"}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"convert", in, "s3://" + bucket + "/" + tt.prefix, "--batch-size", "100", "--workers", "1",
				"--s3-endpoint", s3srv.Endpoint, "--s3-path-style", "-q"}, tt.args...)
			mustFerry(t, args...)
			if m := readManifest(t, bucket, tt.prefix); len(m.Parts) != tt.wantParts {
				t.Errorf("%d parts, want %d", len(m.Parts), tt.wantParts)
			}
		})
	}
}
