//go:build unix

package breach

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// benchKey is the i-th of n synthetic keys: uniform, ascending, distinct.
func benchKey(i, n uint64) uint64 {
	step := ^uint64(0) / n
	return i*step + (i*0x9E3779B97F4A7C15)%step
}

// buildSynthetic builds an index of n synthetic SHA-1 keys streamed in hash
// order (as the HIBP downloader's output arrives) and reports build time,
// size and peak RSS.
func buildSynthetic(b *testing.B, n uint64, opts BuildOptions) string {
	b.Helper()
	out := filepath.Join(b.TempDir(), fmt.Sprintf("synthetic-%d.bix", n))
	opts, err := opts.withDefaults(out)
	if err != nil {
		b.Fatal(err)
	}
	in := input{ordered: true, estimate: int64(n), stream: func(ctx context.Context, st *BuildStats, emit func(uint64) error) error {
		for i := uint64(0); i < n; i++ {
			if err := emit(benchKey(i, n)); err != nil {
				return err
			}
		}
		st.Lines = int64(n)
		return nil
	}}
	start := time.Now()
	st, err := build(context.Background(), in, out, opts)
	if err != nil {
		b.Fatal(err)
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	b.Logf("built %d keys in %d shards: %v, %.1f MB (%.2f bits/key), peak RSS %d MB, sorted=%v",
		st.Keys, st.Shards, time.Since(start).Round(time.Millisecond), float64(st.Bytes)/1e6,
		float64(st.Bytes)*8/float64(st.Keys), ru.Maxrss/1024, st.Sorted)
	return out
}

// benchSize is 10M keys, or 100M with FERRY_BENCH_BIG=1 (≈ 4 GB of peak
// memory is not needed, but the build takes about a minute).
func benchSize() uint64 {
	if os.Getenv("FERRY_BENCH_BIG") == "1" {
		return 100_000_000
	}
	return 10_000_000
}

// BenchmarkContains measures lookups on one core: random digests (almost
// all absent, the common case when screening) and present ones. It also
// reports the time to Open the index.
func BenchmarkContains(b *testing.B) {
	n := benchSize()
	for _, cfg := range []struct {
		name string
		opts BuildOptions
	}{
		{"fuse8", BuildOptions{}},
		{"fuse8-exact", BuildOptions{Exact: true}},
	} {
		path := buildSynthetic(b, n, cfg.opts)
		start := time.Now()
		ix, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: Open took %v", cfg.name, time.Since(start))
		const m = 1 << 20
		r := rand.New(rand.NewPCG(1, 2))
		absent := make([]byte, m*20)
		present := make([]byte, m*20)
		for i := range m {
			binary.BigEndian.PutUint64(absent[i*20:], r.Uint64())
			binary.BigEndian.PutUint64(absent[i*20+8:], r.Uint64())
			binary.BigEndian.PutUint32(absent[i*20+16:], r.Uint32())
			binary.BigEndian.PutUint64(present[i*20:], benchKey(r.Uint64N(n), n))
		}
		for _, set := range []struct {
			name string
			ds   []byte
		}{{"absent", absent}, {"present", present}} {
			b.Run(fmt.Sprintf("%s/%dM/%s", cfg.name, n/1e6, set.name), func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				hits, i := 0, 0
				cpu0 := threadCPU()
				for b.Loop() {
					if ix.Contains(set.ds[i*20 : i*20+20]) {
						hits++
					}
					i = (i + 1) & (m - 1)
				}
				cpu := threadCPU() - cpu0
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
				if cpu > 0 {
					b.ReportMetric(float64(b.N)/cpu.Seconds(), "lookups/cpu-s")
				}
				if set.name == "present" && hits != b.N {
					b.Fatalf("%d of %d present digests found", hits, b.N)
				}
			})
		}
		ix.Close()
	}
}

// BenchmarkOpen measures opening a built index (mmap plus header and table
// checks).
func BenchmarkOpen(b *testing.B) {
	path := buildSynthetic(b, 1_000_000, BuildOptions{})
	for b.Loop() {
		ix, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		ix.Close()
	}
}

// BenchmarkBuild measures Build end to end from an HIBP-format text file
// (parsing included), per key.
func BenchmarkBuild(b *testing.B) {
	const n = 1_000_000
	var sb strings.Builder
	sb.Grow(n * 46)
	var d [20]byte
	for i := uint64(0); i < n; i++ {
		binary.BigEndian.PutUint64(d[:], benchKey(i, n))
		binary.BigEndian.PutUint64(d[8:], i*0x9E3779B97F4A7C15)
		fmt.Fprintf(&sb, "%s:%d\r\n", strings.ToUpper(hex.EncodeToString(d[:])), i%1000+1)
	}
	dir := b.TempDir()
	src := filepath.Join(dir, "pwned.txt")
	if err := os.WriteFile(src, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, cfg := range []struct {
		name string
		opts BuildOptions
	}{
		{"sorted", BuildOptions{}},
		{"sorted-exact", BuildOptions{Exact: true}},
		{"scatter", BuildOptions{Input: InputPlain}}, // hashes every line as a password, unsorted
	} {
		b.Run(cfg.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Build(b.Context(), src, filepath.Join(dir, "out.bix"), cfg.opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/key")
		})
	}
}
