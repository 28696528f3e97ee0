package sqlite

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

const benchBatch = 1000

// BenchmarkWrite measures the import fast path: batches of 1000 realistic
// new users (about 1 KB of columns each) into a store that starts empty.
// One op is one batch. users/s is wall time, users/cpu-s the CPU time of
// the whole process (the steadier figure on a shared machine).
func BenchmarkWrite(b *testing.B) {
	benchWrite(b, Options{}, false)
}

// BenchmarkWrite_CommitEveryBatch is BenchmarkWrite with a commit per
// batch (Options.CommitUsers 1) instead of one per 10,000 users.
func BenchmarkWrite_CommitEveryBatch(b *testing.B) {
	benchWrite(b, Options{CommitUsers: 1}, false)
}

// BenchmarkWrite_Upsert measures upsert of users that all exist and changed.
func BenchmarkWrite_Upsert(b *testing.B) {
	benchWrite(b, Options{Upsert: true}, true)
}

func benchWrite(b *testing.B, opts Options, existing bool) {
	ctx := b.Context()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"), opts)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(ctx)
	// Users are generated before the clock starts; only a few batches are
	// kept in memory and their user_ids, emails and usernames renumbered.
	pool := sinktest.Users(0, 8*benchBatch)
	batch := func(i int) *pipeline.Batch {
		us := pool[i%8*benchBatch : (i%8+1)*benchBatch]
		recs := make([]profile.User, len(us))
		copy(recs, us)
		for k := range recs {
			if !existing {
				n := i*benchBatch + k
				recs[k].UserID = recs[k].UserID[:len(recs[k].UserID)-8] + hex8(n)
				recs[k].Email = hex8(n) + recs[k].Email
				if recs[k].Username != "" {
					recs[k].Username = hex8(n) + recs[k].Username
				}
			} else {
				recs[k].GivenName = hex8(i)
			}
		}
		return sinktest.Batch("bench", uint64(i), int64(i*benchBatch), recs)
	}
	if existing {
		for i := range 8 {
			if err := s.Write(ctx, sinktest.Batch("seed", uint64(i), 0, pool[i*benchBatch:(i+1)*benchBatch])); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportAllocs()
	var d, cpu time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		bt := batch(i)
		b.StartTimer()
		start, cpu0 := time.Now(), cpuTime()
		if err := s.Write(ctx, bt); err != nil {
			b.Fatal(err)
		}
		d += time.Since(start)
		cpu += cpuTime() - cpu0
		if len(bt.Rejects) > 0 {
			b.Fatalf("batch %d: %d rejects: %s", i, len(bt.Rejects), bt.Rejects[0].Issues.Error())
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/d.Seconds(), "users/s")
	// On a shared machine wall time depends on the neighbours; the CPU
	// time the process spent (all threads) is the steadier figure.
	b.ReportMetric(float64(b.N*benchBatch)/cpu.Seconds(), "users/cpu-s")
}

// cpuTime returns the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func hex8(n int) string {
	const digits = "0123456789abcdef"
	var b [8]byte
	for i := 7; i >= 0; i-- {
		b[i] = digits[n&15]
		n >>= 4
	}
	return string(b[:])
}

// BenchmarkEncode measures turning one user into its row.
func BenchmarkEncode(b *testing.B) {
	us := sinktest.Users(0, 64)
	e := encoder{connection: DefaultConnection}
	var r row
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := e.encode(&us[i%64], &r); err != nil {
			b.Fatal(err)
		}
	}
}
