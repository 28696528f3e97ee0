package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/fixtures"
	"github.com/ferry-dev/ferry/pipeline"
)

// Retry is how a sink opened for a fault case retries a failed batch. Its
// fields mean what the stores' Options fields of the same names mean; the
// zero value takes the store's defaults.
type Retry struct {
	Retries                int // -1: never
	MinBackoff, MaxBackoff time.Duration
}

// Store is a store's sink: it keeps checkpoints.
type Store interface {
	pipeline.Sink
	pipeline.Checkpointer
}

// Faulty is a store's sink with hooks into the server connection it
// writes on, which the store's tests wrap around the sink's unexported
// test hooks.
type Faulty struct {
	// Sink is the store's sink itself, as the pipeline is to see it (it
	// looks for the optional interfaces a sink implements).
	Sink Store
	// BeforeCommit sets hook to run after each batch's statements and
	// before its commit, on the goroutine that writes the batch.
	BeforeCommit func(hook func())
	// Kill kills the server connection the sink writes on, as a DBA or a
	// failover would, and reports whether the sink had one.
	Kill func() bool
}

// FaultTarget is a store under the fault cases.
type FaultTarget struct {
	// NewDB creates a new, empty database, dropped when the test ends, and
	// returns its URL.
	NewDB func(t testing.TB) string
	// Open opens a sink on the database of url that retries as r says; it
	// is closed when the test ends.
	Open func(t *testing.T, url string, r Retry) Faulty
	// Stored returns how many users the database of url holds and how
	// many distinct user_ids they have.
	Stored func(t *testing.T, url string) (rows, distinct int)
	// Retryable reports whether the store would retry a batch that
	// failed with err.
	Retryable func(err error) bool
}

// Faults runs the fault cases on a new database each: connections killed
// under a running import, retries that run out and a resumed run, and a
// cancelled batch.
func Faults(t *testing.T, tg FaultTarget) {
	t.Run("KilledConnectionIsRetried", func(t *testing.T) { killedIsRetried(t, tg, tg.NewDB(t)) })
	t.Run("ResumeAfterRetriesRunOut", func(t *testing.T) { resumeAfterRetries(t, tg, tg.NewDB(t)) })
	t.Run("CanceledWriteLeavesNothing", func(t *testing.T) { canceledLeavesNothing(t, tg, tg.NewDB(t)) })
}

func killedIsRetried(t *testing.T, tg FaultTarget, u string) {
	const n, batch = 3000, 100
	s := tg.Open(t, u, Retry{MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	commits, kills := 0, 0
	s.BeforeCommit(func() {
		// Every fifth transaction loses its connection before COMMIT.
		if commits++; commits%5 == 0 && s.Kill() {
			kills++
		}
	})
	batches := 0
	sum, err := pipeline.Run(t.Context(), pipeline.Job{
		Name:   "faults",
		Source: fixtures.NewSource(n, fixtures.Options{Seed: 7}, batch),
		Sink:   s.Sink,
	}, pipeline.Options{Workers: 2, BatchSize: batch, MaxRejects: -1, Progress: func(pipeline.Counts) {
		// And every seventh batch finds its connection gone when it starts.
		if batches++; batches%7 == 0 && s.Kill() {
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
	if rows, distinct := tg.Stored(t, u); rows != n || distinct != n {
		t.Errorf("store holds %d rows (%d distinct), want %d", rows, distinct, n)
	}
	cp, err := s.Sink.LastCheckpoint(t.Context(), "faults")
	if err != nil || cp == nil || cp.Index != n || cp.Counts.Read != n {
		t.Errorf("last checkpoint %+v, %v; want index and read %d", cp, err, n)
	}
}

func resumeAfterRetries(t *testing.T, tg FaultTarget, u string) {
	const n, batch = 2000, 100
	job := pipeline.Job{Name: "resume", Source: fixtures.NewSource(n, fixtures.Options{Seed: 9}, batch)}

	s := tg.Open(t, u, Retry{Retries: -1})
	commits := 0
	s.BeforeCommit(func() {
		if commits++; commits == 8 {
			s.Kill()
		}
	})
	job.Sink = s.Sink
	_, err := pipeline.Run(t.Context(), job, pipeline.Options{Workers: 2, BatchSize: batch, MaxRejects: -1})
	if err == nil || !tg.Retryable(err) {
		t.Fatalf("first run = %v, want the killed connection's error", err)
	}
	s.Sink.Close(t.Context())
	if rows, _ := tg.Stored(t, u); rows != 7*batch {
		t.Fatalf("after the failed run the store holds %d rows, want the 7 committed batches", rows)
	}

	job.Sink = tg.Open(t, u, Retry{}).Sink
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
	if rows, distinct := tg.Stored(t, u); rows != n || distinct != n {
		t.Errorf("store holds %d rows (%d distinct), want %d", rows, distinct, n)
	}
}

func canceledLeavesNothing(t *testing.T, tg FaultTarget, u string) {
	s := tg.Open(t, u, Retry{})
	ctx, cancel := context.WithCancel(t.Context())
	s.BeforeCommit(cancel)
	src := fixtures.NewSource(50, fixtures.Options{}, 50)
	_, err := pipeline.Run(ctx, pipeline.Job{Name: "cancel", Source: src, Sink: s.Sink}, pipeline.Options{BatchSize: 50})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("run = %v, want context.Canceled", err)
	}
	if rows, _ := tg.Stored(t, u); rows != 0 {
		t.Errorf("store holds %d rows after a cancelled batch", rows)
	}
}
