package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ferry-dev/ferry/fixtures"
	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/sinks/postgres/pgtest"
)

// terminate kills the server process behind conn, as a DBA or a failover
// would.
func terminate(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	pgtest.Exec(t, pgtest.ServerURL(t), "SELECT pg_terminate_backend($1)", int32(conn.PgConn().PID()))
}

// storedIDs returns how many users the schema holds and how many distinct
// user_ids they have.
func stored(t *testing.T, url string) (rows, distinct int) {
	t.Helper()
	conn := pgtest.Connect(t, url)
	if err := conn.QueryRow(t.Context(), "SELECT count(*), count(DISTINCT user_id) FROM users").Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	return rows, distinct
}

func TestFault_KilledConnectionIsRetried(t *testing.T) {
	const n, batch = 3000, 100
	u := pgtest.URL(t)
	s := openTest(t, u, Options{MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	commits, kills := 0, 0
	s.beforeCommit = func(conn *pgx.Conn) {
		// Every fifth transaction loses its connection before COMMIT.
		if commits++; commits%5 == 0 {
			terminate(t, conn)
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
			terminate(t, s.conn)
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
	u := pgtest.URL(t)
	job := pipeline.Job{Name: "resume", Source: fixtures.NewSource(n, fixtures.Options{Seed: 9}, batch)}

	s := openTest(t, u, Options{Retries: -1})
	commits := 0
	s.beforeCommit = func(conn *pgx.Conn) {
		if commits++; commits == 8 {
			terminate(t, conn)
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
	u := pgtest.URL(t)
	s := openTest(t, u, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	s.beforeCommit = func(*pgx.Conn) { cancel() }
	src := fixtures.NewSource(50, fixtures.Options{}, 50)
	_, err := pipeline.Run(ctx, pipeline.Job{Name: "cancel", Source: src, Sink: s}, pipeline.Options{BatchSize: 50})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("run = %v, want context.Canceled", err)
	}
	if rows, _ := stored(t, u); rows != 0 {
		t.Errorf("store holds %d rows after a cancelled batch", rows)
	}
}

func TestFault_LostCommitsAreNoticed(t *testing.T) {
	u := pgtest.URL(t)
	s := openTest(t, u, Options{MinBackoff: time.Millisecond})
	sinktest.Write(t, s, sinktest.Batch("lost", 0, 0, sinktest.Users(0, 5)))
	sinktest.Write(t, s, sinktest.Batch("lost", 1, 5, sinktest.Users(5, 5)))
	// As if the server crashed and came back without the last commit.
	pgtest.Exec(t, u, `UPDATE ferry_checkpoints SET checkpoint = '{"job":"lost","seq":0}'`)
	terminate(t, s.conn)
	err := s.Write(t.Context(), sinktest.Batch("lost", 2, 10, sinktest.Users(10, 5)))
	if !errors.Is(err, ErrCommitsLost) || Retryable(err) {
		t.Fatalf("Write after lost commits = %v, want a permanent ErrCommitsLost", err)
	}
}

func TestWrite_ModeFollowsWhatBatchesMeet(t *testing.T) {
	u := pgtest.URL(t)
	s := openTest(t, u, Options{})
	steps := []struct {
		users []profile.User
		next  mode
	}{
		{sinktest.Users(0, 10), direct},  // fresh: copied directly
		{sinktest.Users(5, 10), staged},  // half meets stored keys: staged
		{sinktest.Users(20, 10), direct}, // staged, meets nothing: direct again
		{sinktest.Users(0, 10), lookup},  // a resend: staged, all skipped
		{sinktest.Users(20, 10), lookup}, // looked up, nothing new
		{sinktest.Users(40, 10), staged}, // looked up, all new
		{sinktest.Users(50, 3), direct},  // staged, meets nothing
		{sinktest.Users(100, 3), direct}, // direct
	}
	var first int64
	for i, st := range steps {
		b := sinktest.Batch("modes", uint64(i), first, st.users)
		sinktest.Write(t, s, b)
		sinktest.NoRejects(t, b)
		first += int64(len(st.users))
		if s.next != st.next {
			t.Errorf("after batch %d: next mode %d, want %d", i, s.next, st.next)
		}
	}
	if n := len(readAll(t, u)); n != 41 {
		t.Errorf("store holds %d users, want 41", n)
	}
}
