package postgres

import (
	"fmt"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/sinks/postgres/pgtest"
)

const benchBatch = 1000

// benchUsers returns batch i of new users: a pool of realistic users
// (about 1 KB of columns each) renumbered so that keys never repeat, or,
// with existing, the same users again with one upsertable change.
func benchUsers(pool []profile.User, i int, existing bool) []profile.User {
	n := len(pool) / benchBatch
	us := make([]profile.User, benchBatch)
	copy(us, pool[i%n*benchBatch:(i%n+1)*benchBatch])
	for k := range us {
		if existing {
			us[k].GivenName = fmt.Sprintf("%08x", i)
			continue
		}
		tag := fmt.Sprintf("%08x", i*benchBatch+k)
		us[k].UserID = us[k].UserID[:len(us[k].UserID)-8] + tag
		us[k].Email = tag + us[k].Email
		if us[k].Username != "" {
			us[k].Username = tag + us[k].Username
		}
	}
	return us
}

// BenchmarkImport measures the import fast path: batches of 1000 new users
// into an empty store, one transaction with its checkpoint each. One op is
// one batch; users/s is wall time on a machine shared with the server.
func BenchmarkImport(b *testing.B) { benchImport(b, Options{}, false) }

// BenchmarkImport_Upsert measures upserts of users that all exist and
// changed: every record goes the slow, exact way.
func BenchmarkImport_Upsert(b *testing.B) { benchImport(b, Options{Upsert: true}, true) }

func benchImport(b *testing.B, opts Options, existing bool) {
	u := pgtest.URL(b)
	s, err := Open(b.Context(), u, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(b.Context())
	pool := sinktest.Users(0, 8*benchBatch)
	if existing {
		for i := range 8 {
			w := sinktest.Batch("seed", uint64(i), 0, pool[i*benchBatch:(i+1)*benchBatch])
			if err := s.Write(b.Context(), w); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportAllocs()
	var busy time.Duration
	i := 0
	for b.Loop() {
		b.StopTimer()
		batch := sinktest.Batch("bench", uint64(i), int64(i*benchBatch), benchUsers(pool, i, existing))
		b.StartTimer()
		start := time.Now()
		if err := s.Write(b.Context(), batch); err != nil {
			b.Fatal(err)
		}
		busy += time.Since(start)
		if len(batch.Rejects) > 0 {
			b.Fatalf("batch %d: %d rejects: %s", i, len(batch.Rejects), batch.Rejects[0].Issues.Error())
		}
		i++
	}
	b.ReportMetric(float64(i*benchBatch)/busy.Seconds(), "users/s")
}

// BenchmarkCopyPlain is the reference of BenchmarkImport: the same rows
// COPYed into a table of the same columns with no key, no constraint and
// no checkpoint, one transaction per batch, which is what a plain
// "\copy" does (in one transaction).
func BenchmarkCopyPlain(b *testing.B) {
	u := pgtest.URL(b)
	s, err := Open(b.Context(), u, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(b.Context())
	pgtest.Exec(b, u, "CREATE TABLE plain (LIKE users)")
	pool := sinktest.Users(0, 8*benchBatch)
	var busy time.Duration
	i := 0
	for b.Loop() {
		b.StopTimer()
		batch := sinktest.Batch("bench", uint64(i), int64(i*benchBatch), benchUsers(pool, i, false))
		s.plan.Encode(&s.enc, batch)
		b.StartTimer()
		start := time.Now()
		tx, err := s.conn.Begin(b.Context())
		if err != nil {
			b.Fatal(err)
		}
		if err := s.copyRows(b.Context(), tx, "COPY plain FROM STDIN (FORMAT binary)", false, fastRows(s.plan, 0, len(s.plan.Rows))); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(b.Context()); err != nil {
			b.Fatal(err)
		}
		busy += time.Since(start)
		i++
	}
	b.ReportMetric(float64(i*benchBatch)/busy.Seconds(), "users/s")
}
