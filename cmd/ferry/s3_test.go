package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferry-dev/ferry/internal/s3test"
)

var s3srv *s3test.Server

func TestMain(m *testing.M) { s3test.Main(m, &s3srv) }

func TestConvert_ToS3PartitionedAndBack(t *testing.T) {
	if s3srv == nil {
		t.Skip("no S3 server under -short")
	}
	t.Setenv("AWS_ACCESS_KEY_ID", s3srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3srv.SecretKey)
	t.Setenv("AWS_REGION", s3test.Region)
	if s3srv.TLS() {
		t.Skip("the CLI test runs against the embedded HTTP gateway")
	}
	bucket := s3srv.NewBucket(t)
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
