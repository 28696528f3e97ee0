package postgres

import (
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/sinks/internal/sqlstore/storetest"
	"github.com/ferry-dev/ferry/sinks/postgres/pgtest"
)

// terminate kills the server process behind conn, as a DBA or a failover
// would.
func terminate(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	pgtest.Exec(t, pgtest.ServerURL(t), "SELECT pg_terminate_backend($1)", int32(conn.PgConn().PID()))
}

// stored returns how many users the schema holds and how many distinct
// user_ids they have.
func stored(t *testing.T, url string) (rows, distinct int) {
	t.Helper()
	conn := pgtest.Connect(t, url)
	if err := conn.QueryRow(t.Context(), "SELECT count(*), count(DISTINCT user_id) FROM users").Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	return rows, distinct
}

// faulty opens a store in the schema of url for storetest.Faults.
func faulty(t *testing.T, url string, r storetest.Retry) storetest.Faulty {
	s := openTest(t, url, Options{Retries: r.Retries, MinBackoff: r.MinBackoff, MaxBackoff: r.MaxBackoff})
	killConn := func() bool {
		conn := s.conn // nil after a failure, until the next batch reconnects
		if conn != nil {
			terminate(t, conn)
		}
		return conn != nil
	}
	return storetest.Faulty{Sink: s, BeforeCommit: func(hook func()) { s.beforeCommit = func(*pgx.Conn) { hook() } }, Kill: killConn}
}

func TestFault(t *testing.T) {
	storetest.Faults(t, storetest.FaultTarget{NewDB: pgtest.URL, Open: faulty, Stored: stored, Retryable: Retryable})
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
	storetest.Steps(t, s, "next mode", func() mode { return s.next }, []storetest.Step[mode]{
		{Users: sinktest.Users(0, 10), Next: direct},  // fresh: copied directly
		{Users: sinktest.Users(5, 10), Next: staged},  // half meets stored keys: staged
		{Users: sinktest.Users(20, 10), Next: direct}, // staged, meets nothing: direct again
		{Users: sinktest.Users(0, 10), Next: lookup},  // a resend: staged, all skipped
		{Users: sinktest.Users(20, 10), Next: lookup}, // looked up, nothing new
		{Users: sinktest.Users(40, 10), Next: staged}, // looked up, all new
		{Users: sinktest.Users(50, 3), Next: direct},  // staged, meets nothing
		{Users: sinktest.Users(100, 3), Next: direct}, // direct
	})
	if n := len(readAll(t, u)); n != 41 {
		t.Errorf("store holds %d users, want 41", n)
	}
}
