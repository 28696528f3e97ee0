package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

// BenchBatch is how many users a batch of BenchImport holds.
const BenchBatch = 1000

// BenchUsers returns batch i of new users: a pool of realistic users
// (about 1 KB of columns each) renumbered so that keys never repeat, or,
// with existing, the same users again with one upsertable change.
func BenchUsers(pool []profile.User, i int, existing bool) []profile.User {
	n := len(pool) / BenchBatch
	us := make([]profile.User, BenchBatch)
	copy(us, pool[i%n*BenchBatch:(i%n+1)*BenchBatch])
	for k := range us {
		if existing {
			us[k].GivenName = fmt.Sprintf("%08x", i)
			continue
		}
		tag := fmt.Sprintf("%08x", i*BenchBatch+k)
		us[k].UserID = us[k].UserID[:len(us[k].UserID)-8] + tag
		us[k].Email = tag + us[k].Email
		if us[k].Username != "" {
			us[k].Username = tag + us[k].Username
		}
	}
	return us
}

// BenchImport measures s, a sink on an empty store, importing batches of
// BenchBatch users from BenchUsers, one transaction with its checkpoint
// each; with existing, s first stores the pool they are taken from. One op
// is one batch; users/s is wall time. serverCPU, when not nil, returns the
// CPU time the store's server has used (0 when it does not run on this
// machine), reported per batch as server-ms/op.
func BenchImport(b *testing.B, s pipeline.Sink, existing bool, serverCPU func() time.Duration) {
	pool := sinktest.Users(0, 8*BenchBatch)
	if existing {
		for i := range 8 {
			w := sinktest.Batch("seed", uint64(i), 0, pool[i*BenchBatch:(i+1)*BenchBatch])
			if err := s.Write(b.Context(), w); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportAllocs()
	var busy, server time.Duration
	i := 0
	for b.Loop() {
		b.StopTimer()
		batch := sinktest.Batch("bench", uint64(i), int64(i*BenchBatch), BenchUsers(pool, i, existing))
		var c0 time.Duration
		if serverCPU != nil {
			c0 = serverCPU()
		}
		b.StartTimer()
		start := time.Now()
		if err := s.Write(b.Context(), batch); err != nil {
			b.Fatal(err)
		}
		busy += time.Since(start)
		if serverCPU != nil {
			b.StopTimer()
			server += serverCPU() - c0
			b.StartTimer()
		}
		if len(batch.Rejects) > 0 {
			b.Fatalf("batch %d: %d rejects: %s", i, len(batch.Rejects), batch.Rejects[0].Issues.Error())
		}
		i++
	}
	b.ReportMetric(float64(i*BenchBatch)/busy.Seconds(), "users/s")
	if serverCPU != nil {
		b.ReportMetric(float64(server.Milliseconds())/float64(i), "server-ms/op")
	}
}
