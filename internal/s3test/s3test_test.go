package s3test

import (
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

var srv *Server

func TestMain(m *testing.M) { Main(m, &srv) }

func TestServer_PutThenGet(t *testing.T) {
	s := Need(t, srv)
	bucket := s.NewBucket(t)
	c := s.Client()
	key := "a/b.txt"
	if _, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader("hello")}); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetObject(t.Context(), &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "hello" {
		t.Errorf("got %q, want hello", b)
	}
}

func TestBucketName_IsValidAndUnique(t *testing.T) {
	tests := []struct {
		test string
		n    int64
		want string
	}{
		{"TestA/sub_test", 1, "t1-testa-sub-test"},
		{"Test" + strings.Repeat("X", 80), 12, "t12-test" + strings.Repeat("x", 55)},
		{"Test--Weird__", 3, "t3-test-weird"},
	}
	for _, tt := range tests {
		if got := bucketName(tt.test, tt.n); got != tt.want || len(got) > 63 {
			t.Errorf("bucketName(%q, %d) = %q, want %q", tt.test, tt.n, got, tt.want)
		}
	}
}
