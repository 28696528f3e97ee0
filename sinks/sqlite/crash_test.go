package sqlite

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/pipeline"
)

const (
	crashEnv   = "FERRY_SQLITE_CRASH_STORE"
	crashJob   = "crash"
	crashBatch = 200 // users per batch
	crashTotal = 10  // batches in the whole job
	crashUsers = 500 // Options.CommitUsers: commits after batches 2 and 5
	crashAt    = 7   // the batch in flight when the writer dies
	crashExit  = 7   // exit status of the killed writer
)

// crashBatchOf returns batch seq of the crash job, as a reader produces it
// on any run: same records, same positions.
func crashBatchOf(seq int) *pipeline.Batch {
	first := seq * crashBatch
	return sinktest.Batch(crashJob, uint64(seq), int64(first), sinktest.Users(first, crashBatch))
}

// TestCrashWriter is the writer process TestCrash_ResumeWritesEveryUserOnce
// kills: it commits batches 0-2 and 3-5, writes batch 6 into the open
// transaction, and dies in the middle of batch 7, its rows in the WAL and
// no commit.
func TestCrashWriter(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("run by TestCrash_ResumeWritesEveryUserOnce")
	}
	ctx := context.Background()
	s, err := Open(ctx, path, Options{CommitUsers: crashUsers, CommitInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	// A tiny page cache makes SQLite spill uncommitted pages to the WAL
	// file, so the reopened store must skip frames of a transaction that
	// never committed.
	if _, err := s.db.ExecContext(ctx, "PRAGMA cache_size = 8"); err != nil {
		t.Fatal(err)
	}
	s.afterStatements = func(b *pipeline.Batch) error {
		if b.Seq == crashAt {
			os.Exit(crashExit) // kill: no rollback, no close
		}
		return nil
	}
	for seq := range crashTotal {
		sinktest.Write(t, s, crashBatchOf(seq))
	}
	t.Fatal("writer survived its crash")
}

func TestCrash_ResumeWritesEveryUserOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestCrashWriter$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != crashExit {
		t.Fatalf("writer: %v, want exit status %d; output:\n%s", err, crashExit, out)
	}
	if fi, err := os.Stat(path + "-wal"); err != nil || fi.Size() == 0 {
		t.Logf("no WAL left by the killed writer (%v); the test still checks resume", err)
	}

	ctx := t.Context()
	s, err := Open(ctx, path, Options{CommitUsers: crashUsers, CommitInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	cp, err := s.LastCheckpoint(ctx, crashJob)
	if err != nil {
		t.Fatal(err)
	}
	const committed = 6 // batches 0-5
	if cp == nil || cp.Seq != committed-1 || cp.Index != committed*crashBatch {
		t.Fatalf("LastCheckpoint = %+v, want batch %d ending at record %d", cp, committed-1, committed*crashBatch)
	}
	if n := countUsers(t, s); n != committed*crashBatch {
		t.Fatalf("store holds %d users after the crash, want the %d of the committed batches", n, committed*crashBatch)
	}

	// Resume after the checkpoint. Resending the last committed batch too
	// (as a retry would) changes nothing.
	resent := crashBatchOf(int(cp.Seq))
	sinktest.Write(t, s, resent)
	sinktest.NoRejects(t, resent)
	if want := (pipeline.WriteStats{Unchanged: crashBatch}); resent.Written != want {
		t.Errorf("resent batch: Written = %+v, want %+v", resent.Written, want)
	}
	for seq := int(cp.Index / crashBatch); seq < crashTotal; seq++ {
		b := crashBatchOf(seq)
		sinktest.Write(t, s, b)
		sinktest.NoRejects(t, b)
		if b.Written.Inserted != crashBatch {
			t.Errorf("batch %d: Written = %+v, want %d inserted", seq, b.Written, crashBatch)
		}
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	sinktest.Equal(t, sinktest.Users(0, crashTotal*crashBatch), readAll(t, path))
}

var errInjected = errors.New("injected failure")

func TestWrite_FailureLeavesNothingOfTheBatch(t *testing.T) {
	s := openTest(t, Options{CommitUsers: 1})
	ctx := t.Context()
	sinktest.Write(t, s, sinktest.Batch("fail", 0, 0, sinktest.Users(0, 50)))

	s.afterStatements = func(*pipeline.Batch) error { return errInjected }
	b := sinktest.Batch("fail", 1, 50, sinktest.Users(50, 300))
	b.Records[3].User.Email = b.Records[1].User.Email // a reject, which must not leak out either
	if err := s.Write(ctx, b); !errors.Is(err, errInjected) {
		t.Fatalf("Write = %v, want the injected failure", err)
	}
	if len(b.Records) != 300 || len(b.Rejects) != 0 || b.Written != (pipeline.WriteStats{}) {
		t.Errorf("failed Write changed the batch: %d records, %d rejects, %+v", len(b.Records), len(b.Rejects), b.Written)
	}
	s.afterStatements = nil
	if n := countUsers(t, s); n != 50 {
		t.Errorf("store holds %d users, want 50", n)
	}
	cp, err := s.LastCheckpoint(ctx, "fail")
	if err != nil || cp == nil || cp.Seq != 0 {
		t.Fatalf("LastCheckpoint = %+v, %v; want batch 0", cp, err)
	}
	// The same batch written again is whole.
	b = sinktest.Batch("fail", 1, 50, sinktest.Users(50, 300))
	sinktest.Write(t, s, b)
	if n := countUsers(t, s); n != 350 {
		t.Errorf("store holds %d users, want 350", n)
	}
}

func TestWrite_FailureRollsBackUncommittedBatches(t *testing.T) {
	s := openTest(t, Options{CommitUsers: 1000, CommitInterval: time.Hour})
	ctx := t.Context()
	sinktest.Write(t, s, sinktest.Batch("fail", 0, 0, sinktest.Users(0, 100)))
	s.afterStatements = func(*pipeline.Batch) error { return errInjected }
	err := s.Write(ctx, sinktest.Batch("fail", 1, 100, sinktest.Users(100, 100)))
	if !errors.Is(err, errInjected) || !strings.Contains(err.Error(), "100 records of earlier uncommitted batches") {
		t.Fatalf("Write = %v, want the injected failure naming the 100 records rolled back", err)
	}
	s.afterStatements = nil
	if cp, err := s.LastCheckpoint(ctx, "fail"); err != nil || cp != nil {
		t.Errorf("LastCheckpoint = %+v, %v; want none", cp, err)
	}
	if n := countUsers(t, s); n != 0 {
		t.Errorf("store holds %d users, want 0", n)
	}
}

func TestWrite_CancelMidBatchFinishesTheBatch(t *testing.T) {
	s := openTest(t, Options{})
	wctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	s.afterStatements = func(*pipeline.Batch) error { cancel(); return nil }
	b := sinktest.Batch("stop", 0, 0, sinktest.Users(0, 40))
	if err := s.Write(wctx, b); err != nil {
		t.Fatalf("Write = %v, want the batch in hand finished", err)
	}
	s.afterStatements = nil
	if err := s.Close(wctx); err != nil {
		t.Fatalf("Close with a cancelled context: %v", err)
	}
	if n := len(readAll(t, s.Path())); n != 40 {
		t.Errorf("store holds %d users, want 40", n)
	}
}

func TestWrite_CommitsEveryCommitUsers(t *testing.T) {
	s := openTest(t, Options{CommitUsers: 250, CommitInterval: time.Hour})
	reader, err := OpenReadOnly(t.Context(), s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	visible := func() int {
		var n int
		if err := reader.QueryRowContext(t.Context(), "SELECT count(*) FROM users").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var got []int
	for seq := range 6 {
		sinktest.Write(t, s, sinktest.Batch("every", uint64(seq), int64(seq*100), sinktest.Users(seq*100, 100)))
		got = append(got, visible())
	}
	if want := []int{0, 0, 300, 300, 300, 600}; !slices.Equal(got, want) {
		t.Errorf("users visible to a reader after each batch = %v, want %v", got, want)
	}
	if err := s.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := visible(); n != 600 {
		t.Errorf("after Close %d users visible, want 600", n)
	}
}

func countUsers(t *testing.T, s *Sink) int {
	t.Helper()
	var n int
	q := "SELECT count(*) FROM users"
	var err error
	if s.tx != nil {
		err = s.tx.QueryRowContext(t.Context(), q).Scan(&n)
	} else {
		err = s.db.QueryRowContext(t.Context(), q).Scan(&n)
	}
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestWrite_CommitsAfterCommitInterval(t *testing.T) {
	s := openTest(t, Options{CommitUsers: 1 << 30, CommitInterval: time.Nanosecond})
	reader, err := OpenReadOnly(t.Context(), s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	sinktest.Write(t, s, sinktest.Batch("interval", 0, 0, sinktest.Users(0, 10)))
	var n int
	if err := reader.QueryRowContext(t.Context(), "SELECT count(*) FROM users").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 10 {
		t.Errorf("%d users visible after a transaction older than CommitInterval, want 10", n)
	}
}
