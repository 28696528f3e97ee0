package s3

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/fixtures/sourcetest"
	fjson "github.com/ferry-dev/ferry/formats/json"
	"github.com/ferry-dev/ferry/formats/ndjson"
	"github.com/ferry-dev/ferry/internal/s3test"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

var srv *s3test.Server

func TestMain(m *testing.M) { s3test.Main(m, &srv) }

func registry() *pipeline.Registry {
	r := pipeline.NewRegistry()
	r.AddFormat(pipeline.Format{
		Name: "ndjson", Exts: []string{".ndjson", ".jsonl"},
		NewDecoder: func(rd io.Reader, src string) (pipeline.Decoder, error) {
			return ndjson.NewDecoder(rd, src, ndjson.Options{}), nil
		},
		NewEncoder: func() (pipeline.Encoder, error) { return ndjson.NewEncoder(ndjson.Options{}), nil },
	})
	r.AddFormat(pipeline.Format{
		Name: "json", Exts: []string{".json"},
		NewDecoder: func(rd io.Reader, src string) (pipeline.Decoder, error) {
			return fjson.NewDecoder(rd, src, fjson.Options{}), nil
		},
		NewEncoder: func() (pipeline.Encoder, error) { return fjson.NewEncoder(fjson.Options{}), nil },
	})
	return r
}

// encode returns users in a format, whole (header, records, footer).
func encode(t testing.TB, enc pipeline.Encoder, users []profile.User) []byte {
	t.Helper()
	b := sinktest.Batch("enc", 0, 0, users)
	out, err := enc.Encode(append([]byte(nil), enc.Header()...), b)
	if err != nil {
		t.Fatal(err)
	}
	if sep := enc.Separator(); len(users) > 0 && len(sep) > 0 {
		h := len(enc.Header())
		out = append(out[:h], out[h+len(sep):]...)
	}
	return append(out, enc.Footer()...)
}

func ndjsonOf(t testing.TB, users []profile.User) []byte { return encode(t, ndjson.Encoder{}, users) }

func gzipped(t testing.TB, data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func zstded(t testing.TB, data []byte) []byte {
	w, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	return w.EncodeAll(data, nil)
}

func put(t testing.TB, c *s3.Client, bucket, key string, data []byte) {
	t.Helper()
	if _, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(data)}); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

func crc32c(data []byte) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli)))
	return base64.StdEncoding.EncodeToString(b[:])
}

func openSource(t testing.TB, loc string, opts Options) *Source {
	t.Helper()
	if opts.Client == nil {
		opts.Client = srv.Client()
	}
	s, err := Open(t.Context(), loc, registry(), opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", loc, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func readUsers(t testing.TB, src pipeline.Source) []profile.User {
	t.Helper()
	var us []profile.User
	for _, b := range sourcetest.ReadAll(t.(*testing.T), src) {
		for _, r := range b.Rejects {
			t.Errorf("record %s:%d rejected: %s", r.Origin.Source, r.Origin.Index, r.Issues.Error())
		}
		for _, r := range b.Records {
			us = append(us, r.User)
		}
	}
	return us
}

// TestConformance spreads the users over a plain, a gzip and a zstd object
// and a JSON array, so that resume meets a seekable object, compressed ones
// and a format of its own.
func TestConformance(t *testing.T) {
	s := s3test.Need(t, srv)
	buckets := map[*testing.T]string{} // a subtest that opens twice reads one bucket
	sourcetest.Run(t, func(t *testing.T, users []profile.User) pipeline.Source {
		bucket, ok := buckets[t]
		if !ok {
			bucket = s.NewBucket(t)
			buckets[t] = bucket
		}
		c := s.Client()
		if len(users) == 0 {
			put(t, c, bucket, "in/empty.ndjson", nil)
		}
		// The suite expects the record after a checkpoint to carry the
		// checkpoint's index, which holds within one object: the first
		// object is larger than the three batches it resumes after.
		cuts := []int{0, min(20, len(users))}
		for _, n := range []int{9, 9} {
			cuts = append(cuts, min(cuts[len(cuts)-1]+n, len(users)))
		}
		cuts = append(cuts, len(users))
		for i := range 4 {
			part := users[cuts[i]:cuts[i+1]]
			if len(part) == 0 {
				continue
			}
			switch i {
			case 0:
				put(t, c, bucket, "in/a.ndjson", ndjsonOf(t, part))
			case 1:
				put(t, c, bucket, "in/b.ndjson.gz", gzipped(t, ndjsonOf(t, part)))
			case 2:
				put(t, c, bucket, "in/c.jsonl.zst", zstded(t, ndjsonOf(t, part)))
			default:
				put(t, c, bucket, "in/d.json", encode(t, fjson.NewEncoder(fjson.Options{}), part))
			}
		}
		return openSource(t, "s3://"+bucket+"/in/", Options{BatchSize: 5})
	})
}

func TestOpen_SelectsObjects(t *testing.T) {
	s := s3test.Need(t, srv)
	bucket := s.NewBucket(t)
	c := s.Client()
	for _, k := range []string{
		"exports/a.ndjson", "exports/b.ndjson.gz", "exports/c.json", "exports/sub/d.ndjson",
		"exports/_SUCCESS", "exports/.hidden.ndjson", "exports/_temporary/x.ndjson",
		"exportsfoo/e.ndjson", "single.ndjson",
	} {
		put(t, c, bucket, k, []byte("{}\n"))
	}
	tests := []struct {
		name, key string
		want      []string
	}{
		{"prefix lists recursively and skips control files", "exports/",
			[]string{"exports/a.ndjson", "exports/b.ndjson.gz", "exports/c.json", "exports/sub/d.ndjson"}},
		{"prefix without its slash is still a folder", "exports",
			[]string{"exports/a.ndjson", "exports/b.ndjson.gz", "exports/c.json", "exports/sub/d.ndjson"}},
		{"glob star does not cross a slash", "exports/*.ndjson*",
			[]string{"exports/a.ndjson", "exports/b.ndjson.gz"}},
		{"glob over folders", "exports/*/*.ndjson", []string{"exports/sub/d.ndjson"}},
		{"glob with a class", "exports/[ac].*", []string{"exports/a.ndjson", "exports/c.json"}},
		{"one object", "single.ndjson", []string{"single.ndjson"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := openSource(t, "s3://"+bucket+"/"+tt.key, Options{})
			var got []string
			for _, o := range src.Objects() {
				got = append(got, o.Key)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("objects %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOpen_Refuses(t *testing.T) {
	s := s3test.Need(t, srv)
	bucket := s.NewBucket(t)
	c := s.Client()
	put(t, c, bucket, "running/part-00000.ndjson", []byte("{}\n"))
	put(t, c, bucket, "running/_checkpoint.json", []byte("{}"))
	put(t, c, bucket, "odd/users.xml", []byte("<users/>"))
	tests := []struct {
		name, loc string
		want      error
	}{
		{"missing object", "s3://" + bucket + "/nothing.ndjson", ErrNoInput},
		{"glob matching nothing", "s3://" + bucket + "/*.csv", ErrNoInput},
		{"export without manifest", "s3://" + bucket + "/running/", ErrUncommitted},
		{"not s3", "/tmp/users.ndjson", ErrLocation},
		{"no bucket", "s3:///key", ErrLocation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(t.Context(), tt.loc, registry(), Options{Client: c})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Open = %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("unknown format", func(t *testing.T) {
		_, err := Open(t.Context(), "s3://"+bucket+"/odd/", registry(), Options{Client: c})
		if err == nil || !strings.Contains(err.Error(), "--format") {
			t.Fatalf("Open = %v, want an error asking for --format", err)
		}
	})
}

func TestOpen_PaginatesListing(t *testing.T) {
	s := s3test.Need(t, srv)
	bucket := s.NewBucket(t)
	c := s.Client()
	var want []string
	for i := range 7 {
		k := fmt.Sprintf("p/%02d.ndjson", i)
		put(t, c, bucket, k, ndjsonOf(t, sinktest.Users(i, 1)))
		want = append(want, k)
	}
	src := openSource(t, "s3://"+bucket+"/p/", Options{pageSize: 2})
	var got []string
	for _, o := range src.Objects() {
		got = append(got, o.Key)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("objects %v, want %v", got, want)
	}
	sinktest.Equal(t, sinktest.Users(0, 7), readUsers(t, src))
}

func TestOpen_ManifestCommitsExactlyItsParts(t *testing.T) {
	s := s3test.Need(t, srv)
	bucket := s.NewBucket(t)
	c := s.Client()
	p0, p1 := ndjsonOf(t, sinktest.Users(0, 3)), gzipped(t, ndjsonOf(t, sinktest.Users(3, 4)))
	put(t, c, bucket, "x/connection=a/part-00000.ndjson", p0)
	put(t, c, bucket, "x/connection=b/part-00001.ndjson.gz", p1)
	put(t, c, bucket, "x/part-00002.ndjson", ndjsonOf(t, sinktest.Users(100, 5))) // left by a failed attempt
	manifest := fmt.Sprintf(`{"version":1,"format":"ndjson","parts":[`+
		`{"path":"connection=b/part-00001.ndjson.gz","bytes":%d,"crc32c":%q},`+
		`{"path":"connection=a/part-00000.ndjson","bytes":%d,"crc32c":%q}]}`, len(p1), crc32c(p1), len(p0), crc32c(p0))
	put(t, c, bucket, "x/_manifest.json", []byte(manifest))

	src := openSource(t, "s3://"+bucket+"/x/", Options{BatchSize: 2})
	if got := len(src.Objects()); got != 2 {
		t.Fatalf("%d objects, want the manifest's 2", got)
	}
	if k := src.Objects()[0].Key; k != "x/connection=b/part-00001.ndjson.gz" {
		t.Errorf("first object %s, want manifest order", k)
	}
	sinktest.Equal(t, sinktest.Users(0, 7), readUsers(t, src))
}

func TestNext_FailsOnChecksumMismatch(t *testing.T) {
	s := s3test.Need(t, srv)
	tests := []struct {
		name    string
		data    []byte
		crc     func([]byte) string
		wantErr error
	}{
		{"plain", ndjsonOf(t, sinktest.Users(0, 3)), func([]byte) string { return "AAAAAA==" }, ErrChecksum},
		{"gzip", gzipped(t, ndjsonOf(t, sinktest.Users(0, 3))), func([]byte) string { return "AAAAAA==" }, ErrChecksum},
		{"malformed", ndjsonOf(t, sinktest.Users(0, 3)), func([]byte) string { return "%%" }, ErrChecksum},
		{"good", ndjsonOf(t, sinktest.Users(0, 3)), crc32c, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bucket := s.NewBucket(t)
			c := s.Client()
			put(t, c, bucket, "e/part-00000.ndjson", tt.data)
			put(t, c, bucket, "e/_manifest.json", fmt.Appendf(nil,
				`{"version":1,"format":"ndjson","parts":[{"path":"part-00000.ndjson","bytes":%d,"crc32c":%q}]}`, len(tt.data), tt.crc(tt.data)))
			src := openSource(t, "s3://"+bucket+"/e/", Options{})
			var err error
			for err == nil {
				_, err = src.Next(t.Context())
			}
			if errors.Is(err, io.EOF) {
				err = nil
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("reading = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestOpen_ShardsSplitObjects(t *testing.T) {
	s := s3test.Need(t, srv)
	bucket := s.NewBucket(t)
	c := s.Client()
	for i := range 5 {
		put(t, c, bucket, fmt.Sprintf("s/%d.ndjson", i), ndjsonOf(t, sinktest.Users(i*2, 2)))
	}
	var all []profile.User
	seen := map[string]bool{}
	for shard := range 3 {
		src := openSource(t, "s3://"+bucket+"/s/", Options{Shard: shard, Shards: 3})
		for _, o := range src.Objects() {
			if seen[o.Key] {
				t.Errorf("object %s in two shards", o.Key)
			}
			seen[o.Key] = true
		}
		all = append(all, readUsers(t, src)...)
	}
	sinktest.Equal(t, sinktest.Users(0, 10), all)
	if _, err := Open(t.Context(), "s3://"+bucket+"/s/", registry(), Options{Client: c, Shard: 3, Shards: 3}); err == nil {
		t.Error("shard 3 of 3 accepted")
	}
}

// recorder remembers the Range header of every GET it sends.
type recorder struct {
	mu     sync.Mutex
	ranges []string
	match  string // part of the object names to record; default ".ndjson"
	next   http.RoundTripper
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	match := r.match
	if match == "" {
		match = ".ndjson"
	}
	if req.Method == http.MethodGet && strings.Contains(req.URL.Path, match) {
		r.mu.Lock()
		r.ranges = append(r.ranges, req.Header.Get("Range"))
		r.mu.Unlock()
	}
	return r.next.RoundTrip(req)
}

func TestResume_ReopensPlainObjectAtTheOffset(t *testing.T) {
	s := s3test.Need(t, srv)
	bucket := s.NewBucket(t)
	put(t, s.Client(), bucket, "r/users.ndjson", ndjsonOf(t, sinktest.Users(0, 30)))
	src := openSource(t, "s3://"+bucket+"/r/users.ndjson", Options{BatchSize: 10})
	b, err := src.Next(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	b.Raw.Decoder.DecodeChunk(b.Raw, b)
	cp := b.Checkpoint
	if cp.Offset == 0 || cp.Index != 10 {
		t.Fatalf("checkpoint %+v, want offset > 0 after 10 records", cp)
	}

	rec := &recorder{next: s.HTTPClient.Transport}
	again := openSource(t, "s3://"+bucket+"/r/users.ndjson", Options{BatchSize: 10,
		Client: s.Client(func(o *s3.Options) { o.HTTPClient = &http.Client{Transport: rec} })})
	if err := again.Resume(t.Context(), cp); err != nil {
		t.Fatal(err)
	}
	got := readUsers(t, again)
	sinktest.Equal(t, sinktest.Users(10, 20), got)
	want := fmt.Sprintf("bytes=%d-", cp.Offset-1) // the decoder checks the newline before the offset
	if len(rec.ranges) == 0 || rec.ranges[len(rec.ranges)-1] != want {
		t.Errorf("GET ranges %q, want the last to be %q", rec.ranges, want)
	}
}

func TestReaderAt_ReadsRanges(t *testing.T) {
	s := s3test.Need(t, srv)
	bucket := s.NewBucket(t)
	c := s.Client()
	data := []byte("0123456789abcdefghij")
	put(t, c, bucket, "ra.bin", data)
	r, err := NewReaderAt(t.Context(), c, bucket, "ra.bin")
	if err != nil {
		t.Fatal(err)
	}
	if r.Size() != int64(len(data)) {
		t.Fatalf("Size %d, want %d", r.Size(), len(data))
	}
	tests := []struct {
		name    string
		off     int64
		n       int
		want    string
		wantErr error
	}{
		{"head", 0, 4, "0123", nil},
		{"middle", 10, 5, "abcde", nil},
		{"tail exactly", 16, 4, "ghij", nil},
		{"past the end is short", 18, 5, "ij", io.EOF},
		{"at the end", 20, 3, "", io.EOF},
		{"empty buffer", 5, 0, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := make([]byte, tt.n)
			n, err := r.ReadAt(p, tt.off)
			if string(p[:n]) != tt.want || !errors.Is(err, tt.wantErr) {
				t.Errorf("ReadAt(%d, %d) = %q, %v; want %q, %v", tt.n, tt.off, p[:n], err, tt.want, tt.wantErr)
			}
		})
	}
	if _, err := r.ReadAt(make([]byte, 1), -1); err == nil {
		t.Error("negative offset accepted")
	}
	sr := io.NewSectionReader(r, 3, 6)
	if got, err := io.ReadAll(sr); err != nil || string(got) != "345678" {
		t.Errorf("section reader = %q, %v", got, err)
	}

	put(t, c, bucket, "ra.bin", []byte("replaced"))
	if _, err := r.ReadAt(make([]byte, 2), 0); !errors.Is(err, ErrChanged) {
		t.Errorf("read after replace = %v, want ErrChanged", err)
	}
}

// tailDecoder reads one user from the last line of an object through
// io.ReaderAt, as a Parquet decoder reads a file's footer.
type tailDecoder struct {
	r interface {
		io.ReaderAt
		Size() int64
	}
	source string
	done   bool
}

func (d *tailDecoder) Next(ctx context.Context, n int) (*pipeline.Chunk, error) {
	if d.done {
		return nil, io.EOF
	}
	d.done = true
	size := d.r.Size()
	buf := make([]byte, min(size, 4096))
	if _, err := d.r.ReadAt(buf, size-int64(len(buf))); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	lines := bytes.Split(bytes.TrimSpace(buf), []byte("\n"))
	return ndjson.NewDecoder(bytes.NewReader(lines[len(lines)-1]), d.source, ndjson.Options{}).Next(ctx, n)
}

func (d *tailDecoder) Skip(ctx context.Context, cp pipeline.Checkpoint) error { return nil }

func TestOpen_PlainObjectsReadRanges(t *testing.T) {
	s := s3test.Need(t, srv)
	bucket := s.NewBucket(t)
	data := ndjsonOf(t, sinktest.Users(0, 50))
	put(t, s.Client(), bucket, "t/users.tail", data)
	put(t, s.Client(), bucket, "t/_manifest.json", fmt.Appendf(nil,
		`{"version":1,"format":"tail","parts":[{"path":"users.tail","bytes":%d,"crc32c":%q}]}`, len(data), crc32c(data)))
	reg := registry()
	reg.AddFormat(pipeline.Format{Name: "tail", Exts: []string{".tail"},
		NewDecoder: func(r io.Reader, src string) (pipeline.Decoder, error) {
			ra, ok := r.(interface {
				io.ReaderAt
				Size() int64
			})
			if !ok {
				return nil, fmt.Errorf("decoder got a %T, not an io.ReaderAt with a Size", r)
			}
			return &tailDecoder{r: ra, source: src}, nil
		}})
	rec := &recorder{next: s.HTTPClient.Transport, match: ".tail"}
	src, err := Open(t.Context(), "s3://"+bucket+"/t/", reg, Options{Client: s.Client(func(o *s3.Options) { o.HTTPClient = &http.Client{Transport: rec} })})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	sinktest.Equal(t, sinktest.Users(49, 1), readUsers(t, src))
	if len(rec.ranges) != 2 || rec.ranges[0] != "" || !strings.HasPrefix(rec.ranges[1], fmt.Sprintf("bytes=%d-", len(data)-4096)) {
		t.Errorf("GETs with ranges %q: want the first bytes (format sniffing) then only the tail", rec.ranges)
	}
}

func TestObjectReader_PeekSeekRead(t *testing.T) {
	s := s3test.Need(t, srv)
	bucket := s.NewBucket(t)
	c := s.Client()
	data := []byte("hello, object reader")
	put(t, c, bucket, "o.bin", data)
	ra, err := NewReaderAt(t.Context(), c, bucket, "o.bin")
	if err != nil {
		t.Fatal(err)
	}
	o := &objectReader{ctx: t.Context(), ReaderAt: ra}
	defer o.Close()
	if m, err := o.peek(5); err != nil || string(m) != "hello" {
		t.Fatalf("peek = %q, %v", m, err)
	}
	if got, err := io.ReadAll(o); err != nil || string(got) != string(data) {
		t.Fatalf("read after peek = %q, %v", got, err)
	}
	if _, err := o.Seek(7, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(o); string(got) != "object reader" {
		t.Errorf("read after seek = %q", got)
	}
	if pos, _ := o.Seek(-6, io.SeekEnd); pos != 14 {
		t.Errorf("seek from end = %d, want 14", pos)
	}
	if got, _ := io.ReadAll(o); string(got) != "reader" {
		t.Errorf("read after seek from end = %q", got)
	}
	if _, err := o.Seek(-100, io.SeekCurrent); err == nil {
		t.Error("seek before the start accepted")
	}
}

// slowDown answers the first n requests with 503 SlowDown, as S3 does when
// a prefix is throttled.
type slowDown struct {
	mu   sync.Mutex
	n    int
	sent int
	next http.RoundTripper
}

func (s *slowDown) RoundTrip(req *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.sent++
	throttle := s.n > 0
	s.n--
	s.mu.Unlock()
	if !throttle {
		return s.next.RoundTrip(req)
	}
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	body := `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`
	return &http.Response{StatusCode: http.StatusServiceUnavailable, Status: "503 Slow Down", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/xml"}}, Body: io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)), Request: req}, nil
}

func TestNewClient_RetriesSlowDown(t *testing.T) {
	s := s3test.Need(t, srv)
	bucket := s.NewBucket(t)
	put(t, s.Client(), bucket, "u.ndjson", ndjsonOf(t, sinktest.Users(0, 4)))
	tests := []struct {
		name     string
		throttle int
		attempts int
		wantErr  bool
	}{
		{"recovers after throttling", 4, 6, false},
		{"gives up after max attempts", 50, 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sd := &slowDown{n: tt.throttle, next: s.HTTPClient.Transport}
			c, err := NewClient(t.Context(), Config{Endpoint: s.Endpoint, PathStyle: true, Region: s3test.Region,
				Credentials: s.Credentials(), HTTPClient: &http.Client{Transport: sd},
				MaxAttempts: tt.attempts, MaxBackoff: 5 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			src, err := Open(t.Context(), "s3://"+bucket+"/u.ndjson", registry(), Options{Client: c})
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), "SlowDown") {
					t.Fatalf("Open = %v, want a SlowDown error after %d attempts", err, tt.attempts)
				}
				if sd.sent != tt.attempts {
					t.Errorf("%d requests sent, want %d", sd.sent, tt.attempts)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			sinktest.Equal(t, sinktest.Users(0, 4), readUsers(t, src))
		})
	}
}

func TestNewClient_Config(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_PROFILE", "")
	creds := aws.AnonymousCredentials{}
	tests := []struct {
		name    string
		cfg     Config
		region  string
		wantErr error
	}{
		{"region given", Config{Region: "eu-west-3", Credentials: creds}, "eu-west-3", nil},
		{"endpoint without region", Config{Endpoint: "http://127.0.0.1:9", PathStyle: true, Credentials: creds}, "us-east-1", nil},
		{"no region at all", Config{Credentials: creds}, "", ErrNoRegion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(t.Context(), tt.cfg)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("NewClient = %v, want %v", err, tt.wantErr)
			}
			if err == nil && c.Options().Region != tt.region {
				t.Errorf("region %q, want %q", c.Options().Region, tt.region)
			}
			if err == nil && c.Options().UsePathStyle != tt.cfg.PathStyle {
				t.Errorf("path style %v, want %v", c.Options().UsePathStyle, tt.cfg.PathStyle)
			}
		})
	}
	for _, ep := range []string{"127.0.0.1:9000", "ftp://host", "http://"} {
		if _, err := NewClient(t.Context(), Config{Endpoint: ep, Credentials: creds}); err == nil {
			t.Errorf("endpoint %q accepted", ep)
		}
	}
}

func TestParseLocation(t *testing.T) {
	tests := []struct {
		loc, bucket, key string
		ok               bool
	}{
		{"s3://b/k/x.ndjson", "b", "k/x.ndjson", true},
		{"s3://b", "b", "", true},
		{"s3://b/", "b", "", true},
		{"s3://b/pre/", "b", "pre/", true},
		{"s3:/b/k", "", "", false},
		{"s3://*/k", "", "", false},
		{"b/k", "", "", false},
	}
	for _, tt := range tests {
		b, k, err := ParseLocation(tt.loc)
		if (err == nil) != tt.ok || b != tt.bucket || k != tt.key {
			t.Errorf("ParseLocation(%q) = %q, %q, %v", tt.loc, b, k, err)
		}
	}
}

func FuzzParseLocation(f *testing.F) {
	for _, s := range []string{"s3://b/k", "s3://", "s3://b/a*b/[c", "s3://b/_x/.y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, loc string) {
		b, k, err := ParseLocation(loc)
		if err != nil {
			return
		}
		if b == "" || "s3://"+b+"/"+k != loc && "s3://"+b != loc {
			t.Fatalf("ParseLocation(%q) = %q, %q", loc, b, k)
		}
		control(k)
	})
}

func TestControl(t *testing.T) {
	tests := []struct {
		rel  string
		want bool
	}{
		{"a.ndjson", false},
		{"connection=x/part-0.ndjson", false},
		{"_manifest.json", true},
		{"_temporary/0/a.ndjson", true},
		{"x/.hidden", true},
		{"dir/", true},
		{"", true},
		{"a//b", true},
	}
	for _, tt := range tests {
		if got := control(tt.rel); got != tt.want {
			t.Errorf("control(%q) = %v, want %v", tt.rel, got, tt.want)
		}
	}
}
