package postgres

import (
	"testing"
	"time"

	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/sinks/internal/sqlstore/storetest"
	"github.com/ferry-dev/ferry/sinks/postgres/pgtest"
)

// BenchmarkImport measures the import fast path: batches of 1000 new users
// into an empty store, one transaction with its checkpoint each. One op is
// one batch; users/s is wall time on a machine shared with the server.
func BenchmarkImport(b *testing.B) { benchImport(b, Options{}, false) }

// BenchmarkImport_Upsert measures upserts of users that all exist and
// changed: every record goes the slow, exact way.
func BenchmarkImport_Upsert(b *testing.B) { benchImport(b, Options{Upsert: true}, true) }

func benchImport(b *testing.B, opts Options, existing bool) {
	storetest.BenchImport(b, openTest(b, pgtest.URL(b), opts), existing, nil)
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
	pool := sinktest.Users(0, 8*storetest.BenchBatch)
	var busy time.Duration
	i := 0
	for b.Loop() {
		b.StopTimer()
		batch := sinktest.Batch("bench", uint64(i), int64(i*storetest.BenchBatch), storetest.BenchUsers(pool, i, false))
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
	b.ReportMetric(float64(i*storetest.BenchBatch)/busy.Seconds(), "users/s")
}
