package mysql

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/fixtures"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/sinks/mysql/mysqltest"
)

// kill kills the server connection id, as a DBA or a failover would.
func kill(t *testing.T, id int64) {
	t.Helper()
	mysqltest.Exec(t, mysqltest.ServerURL(t), "KILL CONNECTION "+strconv.FormatInt(id, 10))
}

// stored returns how many users the database holds and how many distinct
// user_ids they have.
func stored(t *testing.T, url string) (rows, distinct int) {
	t.Helper()
	db := mysqltest.Open(t, url)
	if err := db.QueryRowContext(t.Context(), "SELECT count(*), count(DISTINCT user_id) FROM users").Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	return rows, distinct
}

func TestFault_KilledConnectionIsRetried(t *testing.T) {
	const n, batch = 3000, 100
	u := mysqltest.URL(t)
	s := openTest(t, u, Options{MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	commits, kills := 0, 0
	s.beforeCommit = func() {
		// Every fifth transaction loses its connection before COMMIT.
		if commits++; commits%5 == 0 {
			kill(t, s.connID)
			kills++
		}
	}
	batches := 0
	sum, err := pipeline.Run(t.Context(), pipeline.Job{
		Name:   "faults",
		Source: fixtures.NewSource(n, fixtures.Options{Seed: 7}, batch),
		Sink:   s,
	}, pipeline.Options{Workers: 2, BatchSize: batch, MaxRejects: -1, Progress: func(pipeline.Counts) {
		// And every seventh batch finds its connection gone when it starts.
		if batches++; batches%7 == 0 && s.conn != nil {
			kill(t, s.connID)
			kills++
		}
	}})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if kills < 8 {
		t.Fatalf("only %d connections killed", kills)
	}
	c := sum.Counts
	if !c.Balanced() || c.Read != n || c.Written != n || c.Stats.Inserted+c.Stats.Unchanged != n {
		t.Errorf("counts %+v: want %d read and written", c, n)
	}
	if rows, distinct := stored(t, u); rows != n || distinct != n {
		t.Errorf("store holds %d rows (%d distinct), want %d", rows, distinct, n)
	}
	cp, err := s.LastCheckpoint(t.Context(), "faults")
	if err != nil || cp == nil || cp.Index != n || cp.Counts.Read != n {
		t.Errorf("last checkpoint %+v, %v; want index and read %d", cp, err, n)
	}
}

func TestFault_ResumeAfterRetriesRunOut(t *testing.T) {
	const n, batch = 2000, 100
	u := mysqltest.URL(t)
	job := pipeline.Job{Name: "resume", Source: fixtures.NewSource(n, fixtures.Options{Seed: 9}, batch)}

	s := openTest(t, u, Options{Retries: -1})
	commits := 0
	s.beforeCommit = func() {
		if commits++; commits == 8 {
			kill(t, s.connID)
		}
	}
	job.Sink = s
	_, err := pipeline.Run(t.Context(), job, pipeline.Options{Workers: 2, BatchSize: batch, MaxRejects: -1})
	if err == nil || !Retryable(err) {
		t.Fatalf("first run = %v, want the killed connection's error", err)
	}
	s.Close(t.Context())
	if rows, _ := stored(t, u); rows != 7*batch {
		t.Fatalf("after the failed run the store holds %d rows, want the 7 committed batches", rows)
	}

	again := openTest(t, u, Options{})
	job.Sink = again
	job.Source = fixtures.NewSource(n, fixtures.Options{Seed: 9}, batch)
	sum, err := pipeline.Run(t.Context(), job, pipeline.Options{Workers: 2, BatchSize: batch, MaxRejects: -1, Resume: true})
	if err != nil {
		t.Fatalf("resumed run: %v", err)
	}
	if sum.ResumedFrom == nil || sum.ResumedFrom.Seq != 6 {
		t.Errorf("resumed from %+v, want after batch 6", sum.ResumedFrom)
	}
	c := sum.Counts
	if !c.Balanced() || c.Read != n || c.Written != n || c.Stats.Inserted != n {
		t.Errorf("counts %+v: want %d read, written and inserted once", c, n)
	}
	if rows, distinct := stored(t, u); rows != n || distinct != n {
		t.Errorf("store holds %d rows (%d distinct), want %d", rows, distinct, n)
	}
}

func TestFault_CanceledWriteLeavesNothing(t *testing.T) {
	u := mysqltest.URL(t)
	s := openTest(t, u, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	s.beforeCommit = cancel
	src := fixtures.NewSource(50, fixtures.Options{}, 50)
	_, err := pipeline.Run(ctx, pipeline.Job{Name: "cancel", Source: src, Sink: s}, pipeline.Options{BatchSize: 50})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("run = %v, want context.Canceled", err)
	}
	if rows, _ := stored(t, u); rows != 0 {
		t.Errorf("store holds %d rows after a cancelled batch", rows)
	}
}
