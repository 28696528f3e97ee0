package s3

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/fixtures"
	"github.com/ferry-dev/ferry/formats/parquet"
	"github.com/ferry-dev/ferry/internal/s3test"
	"github.com/ferry-dev/ferry/pipeline"
	filesink "github.com/ferry-dev/ferry/sinks/file"
)

// TestExportThroughput exports generated users as NDJSON or Parquet to S3
// or to a local file and reports the throughput and the process's peak
// RSS. It is a whole-run measurement rather than a testing.B benchmark:
// peak RSS is a per-process figure, so each target needs a process of its
// own, and scripts/bench-s3.sh runs it once per target against a versitygw
// binary. Parquet is written with the command's defaults (zstd pages, row
// groups of 122880 rows, secrets left out).
//
//	FERRY_BENCH_EXPORT=s3|file  FERRY_BENCH_USERS=1000000  FERRY_BENCH_FORMAT=ndjson|parquet
func TestExportThroughput(t *testing.T) {
	to := os.Getenv("FERRY_BENCH_EXPORT")
	if to == "" {
		t.Skip("set FERRY_BENCH_EXPORT=s3 or file (scripts/bench-s3.sh)")
	}
	n := int64(1_000_000)
	if v := os.Getenv("FERRY_BENCH_USERS"); v != "" {
		var err error
		if n, err = strconv.ParseInt(v, 10, 64); err != nil {
			t.Fatal(err)
		}
	}
	format := ndjsonFormat
	switch f := os.Getenv("FERRY_BENCH_FORMAT"); f {
	case "", "ndjson":
	case "parquet":
		opts := parquet.Options{}
		format = pipeline.Format{
			Name: "parquet", Exts: []string{".parquet"},
			NewEncoder: func() (pipeline.Encoder, error) { return parquet.NewEncoder(opts), nil },
			NewWriter: func(w io.Writer, e pipeline.Encoder) (pipeline.BatchWriter, error) {
				return parquet.NewWriter(w, e)
			},
		}
	default:
		t.Fatalf("FERRY_BENCH_FORMAT=%q: want ndjson or parquet", f)
	}
	var sink pipeline.Sink
	var s3sink *Sink
	var out string
	switch to {
	case "s3":
		bucket := s3test.Need(t, srv).NewBucket(t)
		opts := Options{Concurrency: 8}
		if v := os.Getenv("FERRY_BENCH_PART_MB"); v != "" {
			mb, _ := strconv.Atoi(v)
			opts.PartSize = int64(mb) << 20
		}
		if v := os.Getenv("FERRY_BENCH_CONCURRENCY"); v != "" {
			opts.Concurrency, _ = strconv.Atoi(v)
		}
		s3sink = openSink(t, "s3://"+bucket+"/users/", format, opts)
		sink = s3sink
	case "file":
		out = filepath.Join(t.TempDir(), "users"+format.Exts[0])
		enc, err := format.NewEncoder()
		if err != nil {
			t.Fatal(err)
		}
		fs, err := filesink.Open(out, enc, filesink.Options{Writer: format.NewWriter})
		if err != nil {
			t.Fatal(err)
		}
		sink = fs
	default:
		t.Fatalf("FERRY_BENCH_EXPORT=%q: want s3 or file", to)
	}
	src := fixtures.NewSource(n, fixtures.Options{Seed: 1}, 1000)
	start := time.Now()
	sum, err := pipeline.Run(t.Context(), pipeline.Job{Name: "bench", Source: src, Sink: sink},
		pipeline.Options{Workers: runtime.GOMAXPROCS(0), MaxRejects: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := sink.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	secs := time.Since(start).Seconds()
	var bytes int64
	extra := ""
	if s3sink != nil {
		m := getManifest(t, s3sink.bucket, s3sink.prefix)
		bytes = m.Bytes
		st := s3sink.Uploads()
		extra = fmt.Sprintf(", %d parts, %d upload requests, peak %d in flight", len(m.Parts), st.Requests, st.PeakInFlight)
	} else {
		fi, err := os.Stat(out)
		if err != nil {
			t.Fatal(err)
		}
		bytes = fi.Size()
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	fmt.Printf("export %d users as %s to %s: %.2f s, %.0f users/s, %.1f MB/s, %d MB written, %.1f s CPU, peak RSS %d MB%s\n",
		sum.Counts.Written, format.Name, to, secs, float64(sum.Counts.Written)/secs, float64(bytes)/secs/1e6, bytes>>20, cpu, ru.Maxrss>>10, extra)
}
