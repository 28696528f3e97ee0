package s3

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
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

	"github.com/ferry-dev/ferry/fixtures"
	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/fixtures/sourcetest"
	arrowfmt "github.com/ferry-dev/ferry/formats/arrow"
	fjson "github.com/ferry-dev/ferry/formats/json"
	"github.com/ferry-dev/ferry/formats/ndjson"
	"github.com/ferry-dev/ferry/formats/parquet"
	"github.com/ferry-dev/ferry/internal/s3test"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	s3src "github.com/ferry-dev/ferry/sources/s3"
)

var srv *s3test.Server

func TestMain(m *testing.M) { s3test.Main(m, &srv) }

var (
	ndjsonFormat = pipeline.Format{
		Name: "ndjson", Exts: []string{".ndjson", ".jsonl"},
		NewDecoder: func(rd io.Reader, src string) (pipeline.Decoder, error) {
			return ndjson.NewDecoder(rd, src, ndjson.Options{}), nil
		},
		NewEncoder: func() (pipeline.Encoder, error) { return ndjson.NewEncoder(ndjson.Options{}), nil },
	}
	jsonFormat = pipeline.Format{
		Name: "json", Exts: []string{".json"},
		NewDecoder: func(rd io.Reader, src string) (pipeline.Decoder, error) {
			return fjson.NewDecoder(rd, src, fjson.Options{}), nil
		},
		NewEncoder: func() (pipeline.Encoder, error) { return fjson.NewEncoder(fjson.Options{}), nil },
	}
	// The columnar formats as cmd/ferry registers them, secrets included so
	// that every attribute of a generated user round-trips. Small row groups
	// make parts of several.
	parquetOpts   = parquet.Options{IncludeSecrets: true, RowGroupRows: 64}
	parquetFormat = pipeline.Format{
		Name: "parquet", Exts: []string{".parquet"},
		NewReaderAt: func(rd io.ReaderAt, size int64, src string) (pipeline.Decoder, error) {
			return parquet.NewDecoder(rd, size, src, parquetOpts)
		},
		NewDecoder: func(rd io.Reader, src string) (pipeline.Decoder, error) {
			return parquet.NewStreamDecoder(rd, src, parquetOpts)
		},
		NewEncoder: func() (pipeline.Encoder, error) { return parquet.NewEncoder(parquetOpts), nil },
		NewWriter: func(w io.Writer, e pipeline.Encoder) (pipeline.BatchWriter, error) {
			return parquet.NewWriter(w, e)
		},
	}
	arrowOpts   = arrowfmt.Options{IncludeSecrets: true}
	arrowFormat = pipeline.Format{
		Name: "arrow", Exts: []string{".arrow"},
		NewReaderAt: func(rd io.ReaderAt, size int64, src string) (pipeline.Decoder, error) {
			return arrowfmt.NewFileDecoder(rd, size, src, arrowOpts)
		},
		NewDecoder: func(rd io.Reader, src string) (pipeline.Decoder, error) {
			return arrowfmt.NewStreamDecoder(rd, src, arrowOpts)
		},
		NewEncoder: func() (pipeline.Encoder, error) { return arrowfmt.NewEncoder(arrowOpts), nil },
		NewWriter: func(w io.Writer, e pipeline.Encoder) (pipeline.BatchWriter, error) {
			return arrowfmt.NewFileWriter(w, e)
		},
	}
)

func registry() *pipeline.Registry {
	r := pipeline.NewRegistry()
	r.AddFormat(ndjsonFormat)
	r.AddFormat(jsonFormat)
	r.AddFormat(parquetFormat)
	r.AddFormat(arrowFormat)
	return r
}

func openSink(t testing.TB, loc string, f pipeline.Format, opts Options) *Sink {
	t.Helper()
	if opts.Client == nil {
		opts.Client = srv.Client()
	}
	s, err := Open(t.Context(), loc, f, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", loc, err)
	}
	t.Cleanup(func() { s.Close(cancelled()) })
	return s
}

func cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// readExport reads a committed export back through the S3 source.
func readExport(t testing.TB, loc string) []profile.User {
	t.Helper()
	src, err := s3src.Open(t.Context(), loc, registry(), s3src.Options{Client: srv.Client()})
	if err != nil {
		t.Fatalf("open %s for reading: %v", loc, err)
	}
	defer src.Close()
	var us []profile.User
	for _, b := range sourcetest.ReadAll(t.(*testing.T), src) {
		for _, r := range b.Rejects {
			t.Errorf("%s:%d unreadable: %s", r.Origin.Source, r.Origin.Line, r.Issues.Error())
		}
		for _, r := range b.Records {
			us = append(us, r.User)
		}
	}
	return us
}

func getManifest(t testing.TB, bucket, prefix string) Manifest {
	t.Helper()
	var m Manifest
	if err := json.Unmarshal(get(t, bucket, prefix+s3src.ManifestName), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func get(t testing.TB, bucket, key string) []byte {
	t.Helper()
	out, err := srv.Client().GetObject(t.Context(), &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func keys(t testing.TB, bucket string) []string {
	t.Helper()
	var ks []string
	p := s3.NewListObjectsV2Paginator(srv.Client(), &s3.ListObjectsV2Input{Bucket: &bucket})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			ks = append(ks, aws.ToString(o.Key))
		}
	}
	return ks
}

func uploadsInProgress(t testing.TB, bucket string) int {
	t.Helper()
	out, err := srv.Client().ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: &bucket})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.Uploads)
}

// TestConformance runs the sink suite over several layouts. Every batch is
// its own part (PartRecords 1), so that each batch commits a checkpoint as
// the suite expects of a checkpointing sink.
func TestConformance(t *testing.T) {
	s3test.Need(t, srv)
	for _, c := range []struct {
		name   string
		format pipeline.Format
		opts   Options
	}{
		{"ndjson", ndjsonFormat, Options{PartRecords: 1}},
		{"gzip partitioned", ndjsonFormat, Options{PartRecords: 1, Compression: "gz", PartitionBy: []string{"connection,created_at:month"}}},
		{"json array zstd", jsonFormat, Options{PartRecords: 1, Compression: "zst"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			sinktest.Run(t, func(t *testing.T) pipeline.Sink {
				return openSink(t, "s3://"+srv.NewBucket(t)+"/export/", c.format, c.opts)
			}, func(t *testing.T, s pipeline.Sink) []profile.User {
				return readExport(t, s.(*Sink).Location())
			})
		})
	}
}

// run exports the generated users 0..n-1 through the pipeline.
func run(t testing.TB, s *Sink, n int64, batch int, resume bool, stages ...pipeline.Stage) (pipeline.Summary, error) {
	t.Helper()
	src := fixtures.NewSource(n, fixtures.Options{Seed: 7}, batch)
	return pipeline.Run(t.Context(), pipeline.Job{Name: "export", Source: src, Sink: s, Stages: stages},
		pipeline.Options{Workers: 2, MaxRejects: -1, Resume: resume})
}

func generated(n int) []profile.User {
	g := fixtures.New(fixtures.Options{Seed: 7})
	us := make([]profile.User, n)
	for i := range us {
		g.User(int64(i), &us[i])
	}
	return us
}

func TestExport_CommitsOnlyOnClose(t *testing.T) {
	s3test.Need(t, srv)
	bucket := srv.NewBucket(t)
	loc := "s3://" + bucket + "/users/"
	s := openSink(t, loc, ndjsonFormat, Options{PartRecords: 40, Compression: "gz"})
	if _, err := run(t, s, 100, 10, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s3src.Open(t.Context(), loc, registry(), s3src.Options{Client: srv.Client()}); !errors.Is(err, s3src.ErrUncommitted) {
		t.Fatalf("reading before Close = %v, want ErrUncommitted", err)
	}
	if err := s.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	m := getManifest(t, bucket, "users/")
	var paths []string
	var counts []int64
	for _, p := range m.Parts {
		paths = append(paths, p.Path)
		counts = append(counts, p.Records)
	}
	if want := []string{"part-00000.ndjson.gz", "part-00001.ndjson.gz", "part-00002.ndjson.gz"}; !slices.Equal(paths, want) {
		t.Errorf("parts %v, want %v", paths, want)
	}
	if !slices.Equal(counts, []int64{40, 40, 20}) || m.Records != 100 {
		t.Errorf("records per part %v (total %d), want [40 40 20] (100)", counts, m.Records)
	}
	if m.Format != "ndjson" || m.Compression != "gz" || m.Checkpoints["export"].Counts.Written != 100 {
		t.Errorf("manifest %+v", m)
	}
	for _, p := range m.Parts {
		data := get(t, bucket, "users/"+p.Path)
		sum := sha256.Sum256(data)
		if p.Bytes != int64(len(data)) || p.SHA256 != hex.EncodeToString(sum[:]) || p.CRC32C != crc32c(data) {
			t.Errorf("part %s: manifest says %d bytes sha256 %s crc32c %s, object has %d, %x, %s",
				p.Path, p.Bytes, p.SHA256, p.CRC32C, len(data), sum, crc32c(data))
		}
	}
	if slices.Contains(keys(t, bucket), "users/"+s3src.CheckpointName) {
		t.Error("checkpoint left after commit")
	}
	sinktest.Equal(t, generated(100), readExport(t, loc))
}

func crc32c(data []byte) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli)))
	return base64.StdEncoding.EncodeToString(b[:])
}

func TestExport_RotatesBySize(t *testing.T) {
	s3test.Need(t, srv)
	bucket := srv.NewBucket(t)
	s := openSink(t, "s3://"+bucket+"/", ndjsonFormat, Options{PartSize: 20 << 10})
	if _, err := run(t, s, 200, 10, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	m := getManifest(t, bucket, "")
	if len(m.Parts) < 3 {
		t.Fatalf("%d parts, want several of about 20 KiB", len(m.Parts))
	}
	for i, p := range m.Parts {
		if i < len(m.Parts)-1 && p.Bytes < 20<<10 {
			t.Errorf("part %s holds %d bytes, under the part size", p.Path, p.Bytes)
		}
		if p.Bytes > 20<<10+10*2048 {
			t.Errorf("part %s holds %d bytes, more than the part size and a batch", p.Path, p.Bytes)
		}
	}
	sinktest.Equal(t, generated(200), readExport(t, "s3://"+bucket+"/"))
}

func TestExport_PartitionsHiveStyle(t *testing.T) {
	s3test.Need(t, srv)
	bucket := srv.NewBucket(t)
	users := sinktest.Users(0, 40)
	for i := range users {
		switch i % 4 {
		case 1:
			users[i].Identities[0].Connection = "google/oauth2=x" // escaped in the folder name
		case 2:
			users[i].Identities = nil
		case 3:
			users[i].CreatedAt = time.Time{}
		}
	}
	s := openSink(t, "s3://"+bucket+"/p", ndjsonFormat, Options{PartitionBy: []string{"connection", "created_at:year"}})
	for k := range 4 {
		b := sinktest.Batch("job", uint64(k), int64(k*10), slices.Clone(users[k*10:(k+1)*10]))
		enc := s.Encoder()
		out, err := enc.Encode(nil, b) // as the runner's workers do
		if err != nil {
			t.Fatal(err)
		}
		b.Out = out
		sinktest.Write(t, s, b)
	}
	if err := s.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	m := getManifest(t, bucket, "p/")
	folders := map[string]int64{}
	for _, p := range m.Parts {
		dir := p.Path[:strings.LastIndexByte(p.Path, '/')+1]
		folders[dir] += p.Records
		want := partitionValues(dir)
		if fmt.Sprint(p.Partition) != fmt.Sprint(want) {
			t.Errorf("part %s: partition %v, want %v", p.Path, p.Partition, want)
		}
	}
	want := map[string]int64{}
	for i, u := range users {
		conn := "Username-Password-Authentication"
		switch i % 4 {
		case 1:
			conn = "google%2Foauth2%3Dx"
		case 2:
			conn = DefaultPartition
		}
		year := DefaultPartition
		if !u.CreatedAt.IsZero() {
			year = u.CreatedAt.UTC().Format("2006")
		}
		want["connection="+conn+"/created_at_year="+year+"/"]++
	}
	if fmt.Sprint(folders) != fmt.Sprint(want) {
		t.Errorf("records by folder\n got %v\nwant %v", folders, want)
	}
	sinktest.Equal(t, users, readExport(t, "s3://"+bucket+"/p/"))
}

func TestExport_BoundsOpenPartitions(t *testing.T) {
	s3test.Need(t, srv)
	bucket := srv.NewBucket(t)
	s := openSink(t, "s3://"+bucket+"/", ndjsonFormat, Options{PartitionBy: []string{"created_at:month"}, MaxOpenPartitions: 3})
	if _, err := run(t, s, 300, 50, false); err != nil {
		t.Fatal(err)
	}
	if len(s.open) > 3 {
		t.Errorf("%d partitions open, want at most 3", len(s.open))
	}
	if err := s.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	sinktest.Equal(t, generated(300), readExport(t, "s3://"+bucket+"/"))
}

// TestExport_StreamsMultipart writes parts larger than a multipart chunk,
// with 8 uploads in flight at most.
func TestExport_StreamsMultipart(t *testing.T) {
	s3test.Need(t, srv)
	if testing.Short() {
		t.Skip("writes 25 MB")
	}
	bucket := srv.NewBucket(t)
	s := openSink(t, "s3://"+bucket+"/big/", ndjsonFormat, Options{PartSize: 12 << 20, Concurrency: 8})
	const n = 14000
	if _, err := run(t, s, n, 1000, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	m := getManifest(t, bucket, "big/")
	if len(m.Parts) < 2 || m.Parts[0].Bytes <= minChunk || m.Records != n {
		t.Fatalf("manifest parts %+v, want a first part over one chunk", m.Parts)
	}
	st := s.Uploads()
	if st.Requests <= int64(len(m.Parts)) || st.PeakInFlight > 8 || st.PeakInFlight < 1 {
		t.Errorf("uploads %+v: want multipart requests, at most 8 in flight", st)
	}
	data := get(t, bucket, "big/"+m.Parts[0].Path)
	if crc32c(data) != m.Parts[0].CRC32C || int64(len(data)) != m.Parts[0].Bytes {
		t.Errorf("first part does not match its manifest entry")
	}
	if got := readExport(t, "s3://"+bucket+"/big/"); len(got) != n {
		t.Errorf("read back %d users, want %d", len(got), n)
	}
}

// failAt fails the run at batch seq, after the batches before it have
// reached the sink.
func failAt(seq uint64) pipeline.Stage {
	return func(ctx context.Context, b *pipeline.Batch) error {
		if b.Seq == seq {
			return errors.New("disk on fire")
		}
		return nil
	}
}

// stopAt closes stop when batch seq is processed: the run reads no further
// and commits what it read, as on SIGINT.
func stopAt(seq uint64, stop chan struct{}) pipeline.Stage {
	var once sync.Once
	return func(ctx context.Context, b *pipeline.Batch) error {
		if b.Seq == seq {
			once.Do(func() { close(stop) })
		}
		return nil
	}
}

// TestResume_LosesNothingAndDoublesNothing stops or fails an export, leaves
// behind what a killed run leaves (an incomplete multipart upload and a part
// file the checkpoint does not list), and resumes it. A columnar part is
// resumed as any other: the parts the checkpoint lists are whole files, and
// the one being written is dropped and written again.
func TestResume_LosesNothingAndDoublesNothing(t *testing.T) {
	s3test.Need(t, srv)
	for _, tc := range []struct {
		name      string
		format    pipeline.Format
		opts      Options
		interrupt bool // stop (SIGINT) rather than fail
	}{
		{"interrupted", ndjsonFormat, Options{PartRecords: 30}, true},
		{"interrupted partitioned gzip", ndjsonFormat, Options{PartRecords: 30, Compression: "gz", PartitionBy: []string{"created_at:year"}}, true},
		{"failed", ndjsonFormat, Options{PartRecords: 30}, false},
		{"failed partitioned gzip", ndjsonFormat, Options{PartRecords: 30, Compression: "gz", PartitionBy: []string{"created_at:year"}}, false},
		{"interrupted parquet", parquetFormat, Options{PartRecords: 30}, true},
		{"failed parquet partitioned", parquetFormat, Options{PartRecords: 30, PartitionBy: []string{"created_at:year"}}, false},
		{"failed arrow", arrowFormat, Options{PartRecords: 30}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bucket := srv.NewBucket(t)
			loc := "s3://" + bucket + "/r/"
			first := openSink(t, loc, tc.format, tc.opts)
			var err error
			if tc.interrupt {
				stop := make(chan struct{})
				src := fixtures.NewSource(200, fixtures.Options{Seed: 7}, 10)
				_, err = pipeline.Run(t.Context(), pipeline.Job{Name: "export", Source: src, Sink: first,
					Stages: []pipeline.Stage{stopAt(13, stop)}}, pipeline.Options{Workers: 2, MaxRejects: -1, Stop: stop})
				if !errors.Is(err, pipeline.ErrInterrupted) {
					t.Fatalf("first run = %v, want ErrInterrupted", err)
				}
			} else if _, err = run(t, first, 200, 10, false, failAt(13)); err == nil {
				t.Fatal("first run should fail")
			}
			if err := first.Close(cancelled()); err != nil { // as the command closes after a failed run
				t.Fatalf("Close after failure: %v", err)
			}
			if n := uploadsInProgress(t, bucket); n != 0 {
				t.Errorf("%d multipart uploads left by the failed run", n)
			}
			// What a killed run would leave as well.
			c := srv.Client()
			stale := "r/part-00099" + first.ext
			if _, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: &bucket, Key: &stale, Body: strings.NewReader("{}\n")}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.CreateMultipartUpload(t.Context(), &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("r/part-00098" + first.ext)}); err != nil {
				t.Fatal(err)
			}
			foreign := "r/notes.txt"
			if _, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: &bucket, Key: &foreign, Body: strings.NewReader("keep me")}); err != nil {
				t.Fatal(err)
			}

			second := openSink(t, loc, tc.format, tc.opts)
			sum, err := run(t, second, 200, 10, true)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Counts.Read != 200 || !sum.Balanced {
				t.Fatalf("summary %+v: want a run balanced over 200 records", sum)
			}
			// An interrupted run commits everything it read; a failed one
			// may have broken the part being written and start over.
			if tc.interrupt && (sum.ResumedFrom == nil || sum.ResumedFrom.Index < 130) {
				t.Fatalf("resumed from %+v, want after the 13 batches read", sum.ResumedFrom)
			}
			if err := second.Close(t.Context()); err != nil {
				t.Fatal(err)
			}
			ks := keys(t, bucket)
			if slices.Contains(ks, stale) || !slices.Contains(ks, foreign) {
				t.Errorf("objects after resume %v: want the stale part gone and the foreign file kept", ks)
			}
			if n := uploadsInProgress(t, bucket); n != 0 {
				t.Errorf("%d multipart uploads left after the resumed run", n)
			}
			var got []profile.User
			if tc.format.NewWriter != nil { // each part on its own: a whole file
				for _, p := range getManifest(t, bucket, "r/").Parts {
					got = append(got, readPart(t, tc.format, bucket, "r/", p)...)
				}
			} else {
				got = readExport(t, loc)
			}
			seen := map[string]int{}
			for _, u := range got {
				seen[u.Key()]++
			}
			for _, u := range generated(200) {
				if seen[u.Key()] != 1 {
					t.Errorf("user %d written %d times, want once", len(seen), seen[u.Key()])
					break
				}
			}
			if len(got) != 200 {
				t.Errorf("read back %d users, want 200", len(got))
			}
		})
	}
}

func TestResume_AfterCommitWritesNothing(t *testing.T) {
	s3test.Need(t, srv)
	bucket := srv.NewBucket(t)
	loc := "s3://" + bucket + "/done/"
	s := openSink(t, loc, ndjsonFormat, Options{})
	if _, err := run(t, s, 50, 10, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	again := openSink(t, loc, ndjsonFormat, Options{})
	sum, err := run(t, again, 50, 10, true)
	if err != nil {
		t.Fatal(err)
	}
	if sum.ResumedFrom == nil || sum.Counts.Read != 50 {
		t.Fatalf("summary %+v, want resumed at the end", sum)
	}
	if err := again.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	sinktest.Equal(t, generated(50), readExport(t, loc))
}

func TestExport_RefusesCommittedUnlessOverwrite(t *testing.T) {
	s3test.Need(t, srv)
	bucket := srv.NewBucket(t)
	loc := "s3://" + bucket + "/e/"
	s := openSink(t, loc, ndjsonFormat, Options{})
	if _, err := run(t, s, 30, 10, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	again := openSink(t, loc, ndjsonFormat, Options{})
	if _, err := run(t, again, 10, 10, false); !errors.Is(err, ErrExists) {
		t.Fatalf("second export = %v, want ErrExists", err)
	}
	over := openSink(t, loc, ndjsonFormat, Options{Overwrite: true, PartRecords: 4})
	if _, err := run(t, over, 10, 2, false); err != nil {
		t.Fatal(err)
	}
	if err := over.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	sinktest.Equal(t, generated(10), readExport(t, loc))
	for _, k := range keys(t, bucket) {
		if k != "e/_manifest.json" && !slices.ContainsFunc(getManifest(t, bucket, "e/").Parts, func(p Part) bool { return "e/"+p.Path == k }) {
			t.Errorf("object %s outside the new manifest", k)
		}
	}
}

func TestExport_DetectsConcurrentRun(t *testing.T) {
	s3test.Need(t, srv)
	bucket := srv.NewBucket(t)
	loc := "s3://" + bucket + "/c/"
	a := openSink(t, loc, ndjsonFormat, Options{PartRecords: 1})
	b := openSink(t, loc, ndjsonFormat, Options{PartRecords: 1})
	sinktest.Write(t, a, sinktest.Batch("a", 0, 0, sinktest.Users(0, 2)))
	sinktest.Write(t, b, sinktest.Batch("b", 0, 0, sinktest.Users(10, 2)))
	err := a.Write(t.Context(), sinktest.Batch("a", 1, 2, sinktest.Users(2, 2)))
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("write after another run's checkpoint = %v, want ErrConflict", err)
	}
}

func TestExport_EmptyInputCommitsEmptyExport(t *testing.T) {
	s3test.Need(t, srv)
	bucket := srv.NewBucket(t)
	s := openSink(t, "s3://"+bucket+"/empty/", ndjsonFormat, Options{})
	if _, err := run(t, s, 0, 10, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if m := getManifest(t, bucket, "empty/"); len(m.Parts) != 0 || m.Records != 0 {
		t.Errorf("manifest %+v, want no parts", m)
	}
	src, err := s3src.Open(t.Context(), "s3://"+bucket+"/empty/", registry(), s3src.Options{Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Next(t.Context()); !errors.Is(err, io.EOF) {
		t.Errorf("reading an empty export = %v, want io.EOF", err)
	}
}

// faults answers some requests with an error instead of sending them.
type faults struct {
	mu      sync.Mutex
	match   func(*http.Request) bool
	left    int // faults still to inject; negative: always
	status  int
	code    string
	headers []http.Header // request headers seen, for the SSE test
	next    http.RoundTripper
}

func (f *faults) RoundTrip(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	f.headers = append(f.headers, req.Header.Clone())
	inject := f.match != nil && f.match(req) && f.left != 0
	if inject && f.left > 0 {
		f.left--
	}
	f.mu.Unlock()
	if !inject {
		return f.next.RoundTrip(req)
	}
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	body := `<?xml version="1.0" encoding="UTF-8"?><Error><Code>` + f.code + `</Code><Message>injected</Message></Error>`
	return &http.Response{StatusCode: f.status, Status: http.StatusText(f.status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/xml"}}, Body: io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)), Request: req}, nil
}

func faultyClient(t testing.TB, f *faults) *s3.Client {
	t.Helper()
	f.next = srv.HTTPClient.Transport
	c, err := NewClient(t.Context(), Config{Endpoint: srv.Endpoint, PathStyle: true, Region: s3test.Region,
		Credentials: srv.Credentials(), HTTPClient: &http.Client{Transport: f}, MaxBackoff: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func isUpload(req *http.Request) bool {
	return req.Method == http.MethodPut && strings.Contains(req.URL.Path, "/part-")
}

func TestExport_RetriesSlowDown(t *testing.T) {
	s3test.Need(t, srv)
	bucket := srv.NewBucket(t)
	f := &faults{match: isUpload, left: 6, status: http.StatusServiceUnavailable, code: "SlowDown"}
	s := openSink(t, "s3://"+bucket+"/", ndjsonFormat, Options{Client: faultyClient(t, f), PartRecords: 20})
	if _, err := run(t, s, 100, 10, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if f.left != 0 {
		t.Fatalf("%d faults not injected", f.left)
	}
	sinktest.Equal(t, generated(100), readExport(t, "s3://"+bucket+"/"))
}

func TestExport_FailedUploadAbortsAndCommitsNothing(t *testing.T) {
	s3test.Need(t, srv)
	bucket := srv.NewBucket(t)
	// Uploads of the second chunk of a part fail for good.
	f := &faults{match: func(r *http.Request) bool { return isUpload(r) && r.URL.Query().Get("partNumber") == "2" },
		left: -1, status: http.StatusForbidden, code: "AccessDenied"}
	s := openSink(t, "s3://"+bucket+"/f/", ndjsonFormat, Options{Client: faultyClient(t, f)})
	// The failure surfaces at a later write or, as here, when Close
	// completes the part.
	_, err := run(t, s, 8000, 1000, false)
	if err == nil {
		err = s.Close(t.Context())
	} else if cerr := s.Close(cancelled()); cerr != nil {
		t.Fatalf("Close after failure: %v", cerr)
	}
	if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("export = %v, want the upload's AccessDenied", err)
	}
	if n := uploadsInProgress(t, bucket); n != 0 {
		t.Errorf("%d multipart uploads left, want all aborted", n)
	}
	for _, k := range keys(t, bucket) {
		if strings.HasSuffix(k, s3src.ManifestName) {
			t.Errorf("failed run committed %s", k)
		}
	}
}

// stall holds the requests it matches until their context ends, as a
// server that stops answering mid-export does; the others pass.
type stall struct {
	match   func(*http.Request) bool
	once    sync.Once
	stalled chan struct{} // closed at the first request held
	next    http.RoundTripper
}

func (s *stall) RoundTrip(req *http.Request) (*http.Response, error) {
	if !s.match(req) {
		return s.next.RoundTrip(req)
	}
	if req.Body != nil {
		req.Body.Close()
	}
	s.once.Do(func() { close(s.stalled) })
	<-req.Context().Done()
	return nil, req.Context().Err()
}

func stalledClient(t testing.TB, s *stall) *s3.Client {
	t.Helper()
	s.next = srv.HTTPClient.Transport
	s.stalled = make(chan struct{})
	c, err := NewClient(t.Context(), Config{Endpoint: srv.Endpoint, PathStyle: true, Region: s3test.Region,
		Credentials: srv.Credentials(), HTTPClient: &http.Client{Transport: s}, MaxBackoff: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// within runs fn and fails the test if it has not returned before the
// watchdog's deadline: the sign of a hang.
func within(t *testing.T, watchdog context.Context, what string, fn func() error) error {
	t.Helper()
	res := make(chan error, 1)
	go func() { res <- fn() }()
	select {
	case err := <-res:
		return err
	case <-watchdog.Done():
		t.Fatalf("%s still blocked after the run was cancelled: the sink hangs", what)
		return nil
	}
}

// TestExport_StalledUploadEndsWithTheRun cancels an export once one of its
// uploads stalls (a request the server never answers): a whole part's
// single request, or a chunk of a multipart upload that later chunks, and
// then the sink's writes, queue behind. The run must end with an error,
// and Close must return: at once when the cancellation broke the parts,
// or after CloseTimeout when it found them sound and tried to complete
// them for --resume. No multipart upload may be left behind.
func TestExport_StalledUploadEndsWithTheRun(t *testing.T) {
	s3test.Need(t, srv)
	tests := []struct {
		name  string
		match func(*http.Request) bool
		users int64
		opts  Options
	}{
		{"part request stalls", func(r *http.Request) bool { return isUpload(r) && r.URL.Query().Get("partNumber") == "" },
			100, Options{PartRecords: 30}},
		{"chunk request stalls mid-stream", func(r *http.Request) bool { return isUpload(r) && r.URL.Query().Get("partNumber") == "2" },
			30000, Options{Concurrency: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if testing.Short() && tt.users > 1000 {
				t.Skip("writes 50 MB")
			}
			bucket := srv.NewBucket(t)
			st := &stall{match: tt.match}
			tt.opts.Client = stalledClient(t, st)
			tt.opts.CloseTimeout = 2 * time.Second
			s := openSink(t, "s3://"+bucket+"/s/", ndjsonFormat, tt.opts)
			// The run is cancelled once an upload stalls; the watchdog tells
			// a sink that ends from one that hangs.
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			go func() {
				select {
				case <-st.stalled:
					cancel()
				case <-ctx.Done():
				}
			}()
			watchdog, stop := context.WithTimeout(t.Context(), time.Minute)
			defer stop()
			src := fixtures.NewSource(tt.users, fixtures.Options{Seed: 7}, 500)
			err := within(t, watchdog, "the run", func() error {
				_, err := pipeline.Run(ctx, pipeline.Job{Name: "export", Source: src, Sink: s}, pipeline.Options{Workers: 2, MaxRejects: -1})
				return err
			})
			if !errors.Is(err, context.Canceled) {
				t.Errorf("run = %v, want it cancelled", err)
			}
			err = within(t, watchdog, "Close", func() error { return s.Close(cancelled()) })
			if err != nil && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Close after the cancelled run = %v, want nil or the end of its CloseTimeout", err)
			}
			if n := uploadsInProgress(t, bucket); n != 0 {
				t.Errorf("%d multipart uploads left, want all aborted", n)
			}
			if slices.Contains(keys(t, bucket), "s/"+s3src.ManifestName) {
				t.Error("a cancelled run committed the export")
			}
		})
	}
}

// TestClose_StalledUploadEndsWithItsContext cancels Close's context while
// the upload of the last part, which Close completes, is stalled: Close
// must return the cancellation and commit nothing. Then Close after a
// cancelled run finds the part sound and tries to complete it for
// --resume: it must give up after CloseTimeout.
func TestClose_StalledUploadEndsWithItsContext(t *testing.T) {
	s3test.Need(t, srv)
	for _, tt := range []struct {
		name    string
		live    bool // Close commits (rather than after a failed run)
		wantErr error
	}{
		{"commit", true, context.Canceled},
		{"after a cancelled run", false, context.DeadlineExceeded},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bucket := srv.NewBucket(t)
			st := &stall{match: isUpload}
			s := openSink(t, "s3://"+bucket+"/c/", ndjsonFormat, Options{Client: stalledClient(t, st), CloseTimeout: 2 * time.Second})
			if _, err := run(t, s, 100, 10, false); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if tt.live {
				go func() {
					select {
					case <-st.stalled:
						cancel()
					case <-ctx.Done():
					}
				}()
			} else {
				cancel()
			}
			watchdog, stop := context.WithTimeout(t.Context(), time.Minute)
			defer stop()
			err := within(t, watchdog, "Close", func() error { return s.Close(ctx) })
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Close = %v, want %v", err, tt.wantErr)
			}
			if n := uploadsInProgress(t, bucket); n != 0 {
				t.Errorf("%d multipart uploads left, want all aborted", n)
			}
			if slices.Contains(keys(t, bucket), "c/"+s3src.ManifestName) {
				t.Error("a Close that failed committed the export")
			}
		})
	}
}

func TestExport_SendsEncryptionAndStorageClass(t *testing.T) {
	s3test.Need(t, srv)
	for _, tc := range []struct {
		name string
		opts Options
		want map[string]string
	}{
		{"sse-s3", Options{SSE: "AES256", StorageClass: "STANDARD_IA"},
			map[string]string{"X-Amz-Server-Side-Encryption": "AES256", "X-Amz-Storage-Class": "STANDARD_IA"}},
		{"sse-kms", Options{SSE: "aws:kms", SSEKMSKeyID: "arn:aws:kms:us-east-1:111122223333:key/k1"},
			map[string]string{"X-Amz-Server-Side-Encryption": "aws:kms", "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id": "arn:aws:kms:us-east-1:111122223333:key/k1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bucket := srv.NewBucket(t)
			f := &faults{}
			tc.opts.Client = faultyClient(t, f)
			s := openSink(t, "s3://"+bucket+"/", ndjsonFormat, tc.opts)
			if _, err := run(t, s, 20, 10, false); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(t.Context()); err != nil {
				t.Fatal(err)
			}
			var puts int
			for _, h := range f.headers {
				if h.Get("X-Amz-Checksum-Crc32c") == "" && h.Get("X-Amz-Sdk-Checksum-Algorithm") != "CRC32C" && h.Get("X-Amz-Trailer") != "x-amz-checksum-crc32c" {
					continue // not an upload
				}
				puts++
				for k, v := range tc.want {
					if k == "X-Amz-Storage-Class" && h.Get("Content-Type") == "application/json" {
						continue // control files stay STANDARD
					}
					if got := h.Get(k); got != v {
						t.Errorf("upload header %s = %q, want %q", k, got, v)
					}
				}
			}
			if puts < 2 {
				t.Errorf("%d uploads with a CRC32C checksum seen, want the part and the manifest", puts)
			}
		})
	}
}

func TestOpen_RejectsBadOptions(t *testing.T) {
	c := &s3.Client{}
	tests := []struct {
		name string
		loc  string
		opts Options
	}{
		{"compression", "s3://b/p/", Options{Compression: "lz4"}},
		{"sse", "s3://b/p/", Options{SSE: "rot13"}},
		{"kms key without kms", "s3://b/p/", Options{SSE: "AES256", SSEKMSKeyID: "k"}},
		{"partition", "s3://b/p/", Options{PartitionBy: []string{"created_at:week"}}},
		{"glob", "s3://b/p/*.ndjson", Options{}},
		{"not s3", "/tmp/out", Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Client = c
			if _, err := Open(t.Context(), tt.loc, ndjsonFormat, tt.opts); err == nil {
				t.Error("accepted")
			}
		})
	}
}

func TestParsePartitionBy(t *testing.T) {
	u := profile.User{
		CreatedAt:   time.Date(2024, 5, 17, 23, 30, 0, 0, time.FixedZone("x", -3600)),
		Identities:  []profile.Identity{{Connection: "google-oauth2", Provider: "google-oauth2"}},
		AppMetadata: json.RawMessage(`{"plan":"pro","signup":"2023-02-03T04:05:06Z"}`),
	}
	tests := []struct {
		specs   []string
		want    string
		wantErr bool
	}{
		{[]string{"connection"}, "connection=google-oauth2/", false},
		{[]string{"created_at:month"}, "created_at_month=2024-05/", false},
		{[]string{"created_at"}, "created_at_day=2024-05-18/", false},
		{[]string{"created_at:hour"}, "created_at_hour=2024-05-18-00/", false},
		{[]string{"provider, created_at:year"}, "provider=google-oauth2/created_at_year=2024/", false},
		{[]string{"app_metadata.plan"}, "app_metadata_plan=pro/", false},
		{[]string{"app_metadata.signup:month"}, "app_metadata_signup_month=2023-02/", false},
		{[]string{"last_login:year"}, "last_login_year=" + DefaultPartition + "/", false},
		{[]string{"email_verified"}, "email_verified=" + DefaultPartition + "/", false},
		{[]string{"created_at:week"}, "", true},
		{[]string{"connection", "connection"}, "", true},
		{[]string{":month"}, "", true},
		{[]string{"a/b"}, "", true},
	}
	for _, tt := range tests {
		fs, err := parsePartitionBy(tt.specs)
		if (err != nil) != tt.wantErr {
			t.Errorf("parsePartitionBy(%q) error = %v, want error %v", tt.specs, err, tt.wantErr)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrPartitionBy) {
				t.Errorf("parsePartitionBy(%q) = %v, want ErrPartitionBy", tt.specs, err)
			}
			continue
		}
		got, _ := appendPath(nil, fs, &u, nil)
		if string(got) != tt.want {
			t.Errorf("path for %q = %q, want %q", tt.specs, got, tt.want)
		}
	}
}

func FuzzPartitionPath(f *testing.F) {
	for _, s := range []string{"connection", "created_at:month", "app_metadata.x:day", "a,b,c", ":", "identities[0].user_id"} {
		f.Add(s, "value/with=odd%chars")
	}
	f.Fuzz(func(t *testing.T, spec, value string) {
		fs, err := parsePartitionBy([]string{spec})
		if err != nil {
			return
		}
		u := profile.User{Identities: []profile.Identity{{Connection: value, Provider: value, UserID: value}}, Username: value}
		path, _ := appendPath(nil, fs, &u, nil)
		segs := strings.Split(strings.TrimSuffix(string(path), "/"), "/")
		if len(fs) > 0 && len(segs) != len(fs) {
			t.Fatalf("%d folders for %d fields: %q", len(segs), len(fs), path)
		}
		if len(fs) > 0 && !ours(string(path)+"part-00000.ndjson") {
			t.Fatalf("path %q is not recognised as the sink's own", path)
		}
	})
}

func TestOurs(t *testing.T) {
	tests := []struct {
		rel  string
		want bool
	}{
		{"part-00000.ndjson", true},
		{"part-123456.json.gz", true},
		{"connection=a/created_at_month=2024-05/part-00001.csv.zst", true},
		{"x=/part-00001.ndjson", true},
		{"2024/part-00001.ndjson", false},
		{"part-1.ndjson", false},
		{"notes.txt", false},
		{"_manifest.json", false},
		{"part-00001.ndjson/x", false},
	}
	for _, tt := range tests {
		if got := ours(tt.rel); got != tt.want {
			t.Errorf("ours(%q) = %v, want %v", tt.rel, got, tt.want)
		}
	}
}

func TestEscape(t *testing.T) {
	got := string(escape(nil, []byte("a/b=c%d e:f\x01ü")))
	if want := "a%2Fb%3Dc%25d e%3Af%01ü"; got != want {
		t.Errorf("escape = %q, want %q", got, want)
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, c := range []struct {
		name  string
		specs []string
	}{
		{"plain", nil},
		{"connection+month", []string{"connection", "created_at:month"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			s, err := Open(b.Context(), "s3://b/p/", ndjsonFormat, Options{Client: &s3.Client{}, PartitionBy: c.specs})
			if err != nil {
				b.Fatal(err)
			}
			users := generated(1000)
			batch := sinktest.Batch("bench", 0, 0, users)
			var buf []byte
			b.ReportAllocs()
			for b.Loop() {
				buf, _, err = s.encode(buf[:0], batch)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}

func BenchmarkSummer(b *testing.B) {
	data := bytes.Repeat([]byte("x"), 1<<20)
	r := bytes.NewReader(data)
	s := &summer{r: r, sha: sha256.New(), crc: crc32.New(crc32.MakeTable(crc32.Castagnoli))}
	buf := make([]byte, len(data))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(data)
		s.Read(buf)
	}
}
