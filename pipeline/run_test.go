package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

// numbers is a source of n users whose email encodes their index; it can
// resume from a checkpoint's record index.
type numbers struct {
	n, next, batch int
	failAt         int // return an error when reaching this index (0: never)
	inFlight       *atomic.Int64
}

func (s *numbers) Next(ctx context.Context) (*pipeline.Batch, error) {
	if s.next >= s.n {
		return nil, io.EOF
	}
	if s.failAt > 0 && s.next >= s.failAt {
		return nil, errors.New("disk on fire")
	}
	b := &pipeline.Batch{}
	for i := 0; i < s.batch && s.next < s.n; i++ {
		b.Records = append(b.Records, pipeline.Record{
			User:   profile.User{Email: fmt.Sprintf("u%d@example.com", s.next)},
			Origin: pipeline.Position{Source: "numbers", Index: int64(s.next)},
		})
		s.next++
	}
	b.Checkpoint.Index = int64(s.next)
	if s.inFlight != nil {
		s.inFlight.Add(1)
	}
	return b, nil
}

func (s *numbers) Resume(ctx context.Context, cp pipeline.Checkpoint) error {
	s.next = int(cp.Index)
	return nil
}

func (s *numbers) Close() error { return nil }

// recorder is a checkpointing sink that keeps emails in write order.
type recorder struct {
	mu       sync.Mutex
	emails   []string
	cp       *pipeline.Checkpoint
	failSeq  int // fail the write of this batch (-1: never)
	inFlight *atomic.Int64
	maxSeen  int64
}

func (r *recorder) Write(ctx context.Context, b *pipeline.Batch) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.inFlight != nil {
		r.maxSeen = max(r.maxSeen, r.inFlight.Load())
		r.inFlight.Add(-1)
	}
	if r.failSeq >= 0 && b.Seq == uint64(r.failSeq) {
		return errors.New("store went away")
	}
	for _, rec := range b.Records {
		r.emails = append(r.emails, rec.User.Email)
	}
	cp, err := b.PrepareCommit()
	if err != nil {
		return err
	}
	r.cp = &cp
	return nil
}

func (r *recorder) LastCheckpoint(ctx context.Context, job string) (*pipeline.Checkpoint, error) {
	return r.cp, nil
}

func (r *recorder) Close(ctx context.Context) error { return nil }

// shuffle delays batches at random so workers finish out of order.
func shuffle(ctx context.Context, b *pipeline.Batch) error {
	for range rand.IntN(2000) {
		_ = rand.Int()
	}
	return nil
}

func rejectEveryTenth(ctx context.Context, b *pipeline.Batch) error {
	b.Check(func(r *pipeline.Record) profile.Issues {
		if r.Origin.Index%10 == 0 {
			return profile.Issues{{Code: profile.CodeFormat, Path: "email", Message: "test"}}
		}
		return nil
	})
	return nil
}

func filterEveryFifth(ctx context.Context, b *pipeline.Batch) error {
	b.Keep(func(r *pipeline.Record) bool { return r.Origin.Index%5 != 1 })
	return nil
}

func TestRun_KeepsSourceOrderAndBalances(t *testing.T) {
	tests := []struct {
		name             string
		n, batch, worker int
	}{
		{"one worker", 1000, 7, 1},
		{"many workers small batches", 5000, 3, 8},
		{"batch larger than input", 10, 100, 4},
		{"empty input", 0, 10, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &numbers{n: tt.n, batch: tt.batch}
			sink := &recorder{failSeq: -1}
			sum, err := pipeline.Run(t.Context(), pipeline.Job{
				Source: src, Sink: sink,
				Stages: []pipeline.Stage{shuffle, rejectEveryTenth, filterEveryFifth},
			}, pipeline.Options{Workers: tt.worker, MaxRejects: -1})
			if err != nil {
				t.Fatal(err)
			}
			c := sum.Counts
			if c.Read != int64(tt.n) || !sum.Balanced {
				t.Fatalf("counts %+v, want read %d and balanced", c, tt.n)
			}
			want := []string{}
			var rejected, filtered int64
			for i := range tt.n {
				switch {
				case i%10 == 0:
					rejected++
				case i%5 == 1:
					filtered++
				default:
					want = append(want, fmt.Sprintf("u%d@example.com", i))
				}
			}
			if c.Rejected != rejected || c.Filtered != filtered || c.Written != int64(len(want)) {
				t.Errorf("rejected %d filtered %d written %d, want %d %d %d", c.Rejected, c.Filtered, c.Written, rejected, filtered, len(want))
			}
			if strings.Join(sink.emails, ",") != strings.Join(want, ",") {
				t.Errorf("sink got records out of order or missing:\n got %d records\nwant %d", len(sink.emails), len(want))
			}
			if rejected > 0 && c.ByCode["FORMAT"] != rejected {
				t.Errorf("by code %v, want FORMAT %d", c.ByCode, rejected)
			}
		})
	}
}

func TestRun_BoundsBatchesInFlight(t *testing.T) {
	var inFlight atomic.Int64
	src := &numbers{n: 20000, batch: 10, inFlight: &inFlight}
	sink := &recorder{failSeq: -1, inFlight: &inFlight}
	workers := 3
	if _, err := pipeline.Run(t.Context(), pipeline.Job{Source: src, Sink: sink, Stages: []pipeline.Stage{shuffle}},
		pipeline.Options{Workers: workers, MaxRejects: -1}); err != nil {
		t.Fatal(err)
	}
	if limit := int64(2*workers + 2); sink.maxSeen > limit {
		t.Errorf("%d batches in flight at once, want at most %d", sink.maxSeen, limit)
	}
}

func TestRun_StageLosingARecordFailsTheRun(t *testing.T) {
	lose := func(ctx context.Context, b *pipeline.Batch) error {
		if len(b.Records) > 0 {
			b.Records = b.Records[1:]
		}
		return nil
	}
	_, err := pipeline.Run(t.Context(), pipeline.Job{Source: &numbers{n: 10, batch: 5}, Sink: &recorder{failSeq: -1},
		Stages: []pipeline.Stage{lose}}, pipeline.Options{MaxRejects: -1})
	if !errors.Is(err, pipeline.ErrUnbalanced) {
		t.Fatalf("got %v, want ErrUnbalanced", err)
	}
}

func TestRun_StopsAtMaxRejects(t *testing.T) {
	sink := &recorder{failSeq: -1}
	_, err := pipeline.Run(t.Context(), pipeline.Job{Source: &numbers{n: 10000, batch: 10}, Sink: sink,
		Stages: []pipeline.Stage{rejectEveryTenth}}, pipeline.Options{Workers: 2, MaxRejects: 5})
	if !errors.Is(err, pipeline.ErrTooManyRejects) {
		t.Fatalf("got %v, want ErrTooManyRejects", err)
	}
	if len(sink.emails) >= 9000 {
		t.Errorf("run went on after the limit: %d written", len(sink.emails))
	}
}

func TestRun_SourceErrorFailsTheRun(t *testing.T) {
	_, err := pipeline.Run(t.Context(), pipeline.Job{Source: &numbers{n: 100, batch: 10, failAt: 50}, Sink: &recorder{failSeq: -1}},
		pipeline.Options{MaxRejects: -1})
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("got %v, want the source's error", err)
	}
}

func TestRun_ResumeAfterFailedWriteWritesEachRecordOnce(t *testing.T) {
	dir := t.TempDir()
	rejects := filepath.Join(dir, "rejects.ndjson")
	sink := &recorder{failSeq: 37}
	job := pipeline.Job{Name: "j", Source: &numbers{n: 1000, batch: 10}, Sink: sink, Stages: []pipeline.Stage{shuffle, rejectEveryTenth}}

	rf, err := pipeline.OpenRejectFile(rejects, false, false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = pipeline.Run(t.Context(), job, pipeline.Options{Workers: 4, MaxRejects: -1, Rejects: rf})
	rf.Close()
	if err == nil {
		t.Fatal("first run should fail")
	}
	if sink.cp == nil || sink.cp.Seq != 36 {
		t.Fatalf("checkpoint %+v, want after batch 36", sink.cp)
	}
	// Simulate rejects of the uncommitted batch having reached the file.
	f, _ := os.OpenFile(rejects, os.O_APPEND|os.O_WRONLY, 0)
	fmt.Fprintln(f, `{"batch":37,"source":"numbers","record":370,"issues":[]}`)
	f.Close()

	sink.failSeq = -1
	job.Source = &numbers{n: 1000, batch: 10}
	rf, err = pipeline.OpenRejectFile(rejects, true, false)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := pipeline.Run(t.Context(), job, pipeline.Options{Workers: 4, MaxRejects: -1, Resume: true, Rejects: rf})
	rf.Close()
	if err != nil {
		t.Fatal(err)
	}
	if sum.ResumedFrom == nil || sum.Counts.Read != 1000 || !sum.Balanced {
		t.Fatalf("summary %+v, want a resumed, balanced run over 1000 records", sum)
	}
	seen := map[string]int{}
	for _, e := range sink.emails {
		seen[e]++
	}
	for i := range 1000 {
		e := fmt.Sprintf("u%d@example.com", i)
		if want := map[bool]int{true: 0, false: 1}[i%10 == 0]; seen[e] != want {
			t.Fatalf("%s written %d times, want %d", e, seen[e], want)
		}
	}
	data, _ := os.ReadFile(rejects)
	if n := strings.Count(string(data), "\n"); n != 100 {
		t.Errorf("rejects file has %d lines, want 100 (one per rejected record)", n)
	}
}

func TestRun_StopCommitsInFlightAndReportsInterrupted(t *testing.T) {
	stop := make(chan struct{})
	stopAfter := func(ctx context.Context, b *pipeline.Batch) error {
		if b.Seq == 5 {
			select {
			case <-stop:
			default:
				close(stop)
			}
		}
		return nil
	}
	sink := &recorder{failSeq: -1}
	sum, err := pipeline.Run(t.Context(), pipeline.Job{Source: &numbers{n: 100000, batch: 10}, Sink: sink,
		Stages: []pipeline.Stage{stopAfter}}, pipeline.Options{Workers: 2, MaxRejects: -1, Stop: stop})
	if !errors.Is(err, pipeline.ErrInterrupted) {
		t.Fatalf("got %v, want ErrInterrupted", err)
	}
	if !sum.Balanced || sum.Counts.Read == 0 || sum.Counts.Read >= 100000 {
		t.Fatalf("counts %+v: want a balanced partial run", sum.Counts)
	}
	if int64(len(sink.emails)) != sum.Counts.Written || sink.cp.Counts.Read != sum.Counts.Read {
		t.Errorf("sink holds %d records and checkpoint %d read; summary says %d written, %d read",
			len(sink.emails), sink.cp.Counts.Read, sum.Counts.Written, sum.Counts.Read)
	}
}

func TestRun_CanceledContextStopsPromptly(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancelAt := func(c context.Context, b *pipeline.Batch) error {
		if b.Seq == 3 {
			cancel()
		}
		return nil
	}
	_, err := pipeline.Run(ctx, pipeline.Job{Source: &numbers{n: 1 << 30, batch: 10}, Sink: &recorder{failSeq: -1},
		Stages: []pipeline.Stage{cancelAt}}, pipeline.Options{Workers: 2, MaxRejects: -1})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestRun_ResumeNeedsACheckpointingSink(t *testing.T) {
	_, err := pipeline.Run(t.Context(), pipeline.Job{Source: &numbers{n: 10, batch: 5}, Sink: plainSink{}},
		pipeline.Options{Resume: true, MaxRejects: -1})
	if !errors.Is(err, pipeline.ErrCannotResume) {
		t.Fatalf("got %v, want ErrCannotResume", err)
	}
}

type plainSink struct{}

func (plainSink) Write(context.Context, *pipeline.Batch) error { return nil }
func (plainSink) Close(context.Context) error                  { return nil }

// waiting yields batches of ten users, then waits for its context, as a
// source that has nothing more yet does.
type waiting struct{ batches, next int }

func (s *waiting) Next(ctx context.Context) (*pipeline.Batch, error) {
	if s.next == s.batches {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	b := &pipeline.Batch{}
	for i := range 10 {
		b.Records = append(b.Records, pipeline.Record{User: profile.User{Email: fmt.Sprintf("u%d@example.com", s.next*10+i)}})
	}
	s.next++
	return b, nil
}

func (s *waiting) Close() error { return nil }

// signalling closes written once it has written batch at.
type signalling struct {
	at      uint64
	written chan struct{}
}

func (s *signalling) Write(ctx context.Context, b *pipeline.Batch) error {
	if b.Seq == s.at {
		close(s.written)
	}
	return nil
}

func (s *signalling) Close(ctx context.Context) error { return nil }

// TestRun_StageErrorEndsTheRunWhileTheSourceWaits fails the stage of the
// last batch once every batch before it is written: the other worker is
// idle and the reader waits on the source. The run must end with the
// stage's error at once, not when its context ends.
func TestRun_StageErrorEndsTheRunWhileTheSourceWaits(t *testing.T) {
	errStage := errors.New("stage failed")
	sink := &signalling{at: 3, written: make(chan struct{})}
	failLast := func(ctx context.Context, b *pipeline.Batch) error {
		if b.Seq == 4 {
			<-sink.written
			return errStage
		}
		return nil
	}
	watchdog, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := pipeline.Run(watchdog, pipeline.Job{Source: &waiting{batches: 5}, Sink: sink, Stages: []pipeline.Stage{failLast}},
		pipeline.Options{Workers: 2, MaxRejects: -1})
	if watchdog.Err() != nil {
		t.Fatalf("the run ended only with its context (%v): a failed stage did not stop the idle worker and the reader", err)
	}
	if !errors.Is(err, errStage) {
		t.Fatalf("got %v, want the stage's error", err)
	}
}

// parsed is a source of one batch as a decoder leaves it: records 0 to n-1
// but those in bad, which it could not parse and rejected (first, as a
// decoder appends its rejects while it decodes).
type parsed struct {
	n    int
	bad  []int64
	done bool
}

func (s *parsed) Next(ctx context.Context) (*pipeline.Batch, error) {
	if s.done {
		return nil, io.EOF
	}
	s.done = true
	b := &pipeline.Batch{}
	for i := range int64(s.n) {
		at := pipeline.Position{Source: "in.ndjson", Line: i + 1, Index: i}
		if slices.Contains(s.bad, i) {
			b.Rejects = append(b.Rejects, pipeline.Reject{Origin: at, Issues: profile.Issues{{Code: profile.CodeParse}}})
			continue
		}
		b.Records = append(b.Records, pipeline.Record{User: profile.User{Email: fmt.Sprintf("u%d@example.com", i)}, Origin: at})
	}
	return b, nil
}

func (s *parsed) Close() error { return nil }

// rejectAt returns a stage that rejects the records at the given indexes.
func rejectAt(indexes ...int64) pipeline.Stage {
	return func(ctx context.Context, b *pipeline.Batch) error {
		b.Check(func(r *pipeline.Record) profile.Issues {
			if slices.Contains(indexes, r.Origin.Index) {
				return profile.Issues{{Code: profile.CodeFormat, Path: "email"}}
			}
			return nil
		})
		return nil
	}
}

// refusing is a sink that refuses the records at the given indexes, as a
// store refuses a conflict, and commits through PrepareCommit when
// checkpoint is set.
type refusing struct {
	indexes    []int64
	checkpoint bool
}

func (s *refusing) Write(ctx context.Context, b *pipeline.Batch) error {
	for i := len(b.Records) - 1; i >= 0; i-- {
		if slices.Contains(s.indexes, b.Records[i].Origin.Index) {
			b.Reject(i, profile.Issues{{Code: profile.CodeConflictEmail, Path: "email"}})
		}
	}
	if s.checkpoint {
		_, err := b.PrepareCommit()
		return err
	}
	return nil
}

func (s *refusing) Close(ctx context.Context) error { return nil }

func TestRun_WritesRejectsInInputOrderWhicheverStepRejected(t *testing.T) {
	tests := []struct {
		name               string
		parseErrors, stage []int64
		sink               []int64
		checkpoint         bool
		wantRecords        []int64
	}{
		{"parse error between stage rejects", []int64{5}, []int64{3, 8}, nil, false, []int64{3, 5, 8}},
		{"parse errors after a stage reject", []int64{7, 9}, []int64{0}, nil, false, []int64{0, 7, 9}},
		{"sink rejects among the others", []int64{6}, []int64{4}, []int64{1, 9}, false, []int64{1, 4, 6, 9}},
		{"committed by a checkpointing sink", []int64{6}, []int64{4}, []int64{1, 9}, true, []int64{1, 4, 6, 9}},
		{"already in order", nil, []int64{2, 3}, nil, false, []int64{2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "rejects.ndjson")
			rf, err := pipeline.OpenRejectFile(path, false, false)
			if err != nil {
				t.Fatal(err)
			}
			_, err = pipeline.Run(t.Context(), pipeline.Job{Source: &parsed{n: 10, bad: tt.parseErrors},
				Stages: []pipeline.Stage{rejectAt(tt.stage...)}, Sink: &refusing{indexes: tt.sink, checkpoint: tt.checkpoint}},
				pipeline.Options{Workers: 1, MaxRejects: -1, Rejects: rf})
			if cerr := rf.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for line := range strings.Lines(string(data)) {
				var l struct {
					Record int64 `json:"record"`
					Line   int64 `json:"line"`
				}
				if err := json.Unmarshal([]byte(line), &l); err != nil {
					t.Fatalf("rejects line %q: %v", line, err)
				}
				if l.Line != l.Record+1 {
					t.Errorf("record %d has line %d, want %d", l.Record, l.Line, l.Record+1)
				}
				got = append(got, l.Record)
			}
			if !slices.Equal(got, tt.wantRecords) {
				t.Errorf("rejects file lists records %v, want %v (input order)", got, tt.wantRecords)
			}
		})
	}
}

// countRecords is a stage that tallies each batch's records under
// "test.records", as the password census does by algorithm.
func countRecords(ctx context.Context, b *pipeline.Batch) error {
	b.Tally = map[string]int64{"test.records": int64(len(b.Records))}
	return nil
}

func TestRun_TallyCoversTheCommittedBatchesAsReadDoes(t *testing.T) {
	tests := []struct {
		name       string
		maxRejects int64
		failSeq    int  // the first run's sink fails this batch (-1: never)
		resume     bool // run again with Resume after the first run
		wantErr    error
	}{
		{"every batch", -1, -1, false, nil},
		{"stopped by max rejects", 5, -1, false, pipeline.ErrTooManyRejects},
		{"resumed after a failed write", -1, 37, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &recorder{failSeq: tt.failSeq}
			job := pipeline.Job{Name: "j", Source: &numbers{n: 1000, batch: 10}, Sink: sink,
				Stages: []pipeline.Stage{countRecords, shuffle, rejectEveryTenth}}
			opts := pipeline.Options{Workers: 4, MaxRejects: tt.maxRejects}
			sum, err := pipeline.Run(t.Context(), job, opts)
			if tt.resume {
				if err == nil {
					t.Fatal("first run should fail")
				}
				sink.failSeq = -1
				job.Source = &numbers{n: 1000, batch: 10}
				opts.Resume = true
				sum, err = pipeline.Run(t.Context(), job, opts)
				if sum.ResumedFrom == nil || sum.ResumedFrom.Counts.Tally["test.records"] == 0 {
					t.Fatalf("resumed from %+v, want a checkpoint carrying the tally", sum.ResumedFrom)
				}
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("got %v, want %v", err, tt.wantErr)
			}
			c := sum.Counts
			// Every record is decoded: the tally counts what was read.
			if c.Tally["test.records"] != c.Read || c.Read == 0 {
				t.Errorf("tally %v, read %d: want the tally to count the records read", c.Tally, c.Read)
			}
			if sink.cp != nil && sink.cp.Counts.Tally["test.records"] != sink.cp.Counts.Read {
				t.Errorf("checkpoint tally %v, read %d: want them equal", sink.cp.Counts.Tally, sink.cp.Counts.Read)
			}
		})
	}
}
