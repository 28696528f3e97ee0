package pipeline

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"runtime"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"
)

// Stage transforms a batch in place. It owns b while it runs: it may edit
// records, move them to b.Rejects (b.Check) or drop them as filtered
// (b.Keep). An error fails the whole run; per-record problems are rejects.
type Stage func(ctx context.Context, b *Batch) error

// Job is one pipeline: a source, its stages in order, and a sink.
type Job struct {
	// Name identifies the job's checkpoints in the sink.
	Name   string
	Source Source
	// Stages run on the workers, concurrently, in order within a batch.
	Stages []Stage
	// Ordered stages run on the writer, one batch at a time in source
	// order, after Stages: for what must see records in input order, such
	// as finding duplicates. They must be cheap; a batch they change is
	// re-encoded on the writer.
	Ordered []Stage
	Sink    Sink
}

// Options tune a run. The zero value works.
type Options struct {
	// Workers is the number of concurrent stage workers; default GOMAXPROCS.
	Workers int
	// BatchSize is the number of records per batch; default 1000.
	BatchSize int
	// Resume continues after the sink's last checkpoint for the job.
	Resume bool
	// MaxRejects stops the run with ErrTooManyRejects once more records
	// than this were rejected; negative means no limit.
	MaxRejects int64
	// Rejects receives every rejected record, in input order.
	Rejects RejectWriter
	// Stop, when closed, makes the run read no further batch, finish the
	// batches in flight, commit them and return ErrInterrupted.
	Stop <-chan struct{}
	// Progress, when set, is called by the writer after every batch.
	Progress func(Counts)
	// Logger receives operational messages (never record content).
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 1000
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Errors a run returns besides the source's, the stages' and the sink's.
var (
	// ErrInterrupted: Options.Stop was closed; everything read was committed.
	ErrInterrupted = errors.New("run interrupted")
	// ErrTooManyRejects: more records were rejected than Options.MaxRejects.
	ErrTooManyRejects = errors.New("too many rejects")
	// ErrUnbalanced: a batch left a stage with records unaccounted for.
	ErrUnbalanced = errors.New("conservation check failed")
	// ErrCannotResume: the sink keeps no checkpoints or the source cannot seek.
	ErrCannotResume = errors.New("cannot resume")
)

// Summary is what a run did.
type Summary struct {
	Job      string `json:"job"`
	Counts   Counts `json:"counts"`
	Balanced bool   `json:"balanced"`
	// ResumedFrom is the checkpoint the run continued after, if any.
	ResumedFrom *Checkpoint `json:"resumed_from,omitempty"`
	// Interrupted is set when Options.Stop ended the run early.
	Interrupted bool `json:"interrupted"`
	// Committed is, for a run that stopped early into a sink whose
	// checkpoints can lag what it was handed (a Committer), the checkpoint
	// a resumed run continues after; the caller sets it once the sink is
	// closed.
	Committed *Checkpoint   `json:"committed,omitempty"`
	Started   time.Time     `json:"started"`
	Duration  time.Duration `json:"duration_ns"`
	// RecordsPerSecond counts records read in this run (not those of the
	// runs it resumed).
	RecordsPerSecond float64 `json:"records_per_second"`
}

// Run executes j: one reader, opts.Workers stage workers and one writer
// that hands batches to the sink in source order. At most 2×Workers+2
// batches are in flight, so memory does not grow with the input. Run does
// not close the source or the sink.
func Run(ctx context.Context, j Job, opts Options) (Summary, error) {
	opts = opts.withDefaults()
	sum := Summary{Job: j.Name, Started: time.Now()}
	var base Counts
	var seq uint64
	if opts.Resume {
		cp, err := resumePoint(ctx, j)
		if err != nil {
			return sum, err
		}
		if cp != nil {
			sum.ResumedFrom = cp
			base = cp.Counts
			base.ByCode = maps.Clone(cp.Counts.ByCode)
			base.Tally = maps.Clone(cp.Counts.Tally)
			seq = cp.Seq + 1
			if rw, ok := opts.Rejects.(interface{ Truncate(cp Checkpoint) error }); ok {
				if err := rw.Truncate(*cp); err != nil {
					return sum, err
				}
			}
			opts.Logger.Info("resuming", "job", j.Name, "after_batch", cp.Seq, "read", cp.Counts.Read)
		}
	}
	var enc Encoder
	if e, ok := j.Sink.(Encoding); ok {
		enc = e.Encoder()
	}

	inFlight := 2*opts.Workers + 2
	// outs recycles the encode buffers of written batches: a batch's
	// output is a megabyte or more, and growing a new one for every batch
	// costs the workers copies and the collector garbage.
	outs := make(chan []byte, inFlight)
	w := writer{sink: j.Sink, opts: opts, counts: base, next: seq, pending: map[uint64]*Batch{}, job: j.Name,
		ordered: j.Ordered, enc: enc, outs: outs}
	tokens := make(chan struct{}, inFlight)
	work := make(chan *Batch, opts.Workers)
	done := make(chan *Batch, opts.Workers)
	interrupted := false

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { // reader
		defer close(work)
		for {
			select {
			case <-opts.Stop:
				interrupted = true
				return nil
			case <-gctx.Done():
				return gctx.Err()
			case tokens <- struct{}{}:
			}
			b, err := j.Source.Next(gctx)
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("read batch %d: %w", seq, err)
			}
			b.Seq = seq
			seq++
			select {
			case work <- b:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
	})
	// A worker's error cancels wctx: the other workers then stop too, idle
	// or not, so that workers.Wait returns and the error reaches g, which
	// stops the reader (waiting on the source, on work, or on a token that
	// only a write releases).
	workers, wctx := errgroup.WithContext(gctx)
	for range opts.Workers {
		workers.Go(func() error {
			for {
				var b *Batch
				select {
				case next, ok := <-work:
					if !ok {
						return nil
					}
					b = next
				case <-wctx.Done():
					return wctx.Err()
				}
				if enc != nil && b.Out == nil {
					select {
					case b.Out = <-outs:
					default:
					}
				}
				if err := process(wctx, b, j.Stages, enc); err != nil {
					return err
				}
				select {
				case done <- b:
				case <-wctx.Done():
					return wctx.Err()
				}
			}
		})
	}
	var workErr error // set before done is closed
	g.Go(func() error {
		workErr = workers.Wait()
		close(done)
		return workErr
	})

	g.Go(func() error { // writer
		for b := range done {
			if err := w.accept(gctx, b); err != nil {
				return err
			}
			for range w.released {
				<-tokens
			}
			w.released = 0
		}
		if len(w.pending) > 0 && workErr == nil && gctx.Err() == nil {
			return fmt.Errorf("writer: %d batches never became writable after batch %d", len(w.pending), w.next)
		}
		return nil
	})
	err := g.Wait()
	sum.Counts = w.counts
	sum.Balanced = w.counts.Balanced()
	sum.Duration = time.Since(sum.Started)
	if secs := sum.Duration.Seconds(); secs > 0 {
		sum.RecordsPerSecond = float64(w.counts.Read-base.Read) / secs
	}
	if err != nil {
		return sum, err
	}
	if !sum.Balanced {
		return sum, fmt.Errorf("%w: read %d, written %d, rejected %d, filtered %d", ErrUnbalanced,
			w.counts.Read, w.counts.Written, w.counts.Rejected, w.counts.Filtered)
	}
	if interrupted {
		sum.Interrupted = true
		return sum, ErrInterrupted
	}
	return sum, nil
}

func resumePoint(ctx context.Context, j Job) (*Checkpoint, error) {
	cpr, ok := j.Sink.(Checkpointer)
	if !ok {
		return nil, fmt.Errorf("%w: the sink keeps no checkpoints", ErrCannotResume)
	}
	cp, err := cpr.LastCheckpoint(ctx, j.Name)
	if err != nil || cp == nil {
		return nil, err
	}
	r, ok := j.Source.(Resumer)
	if !ok {
		return nil, fmt.Errorf("%w: the source cannot continue from a position", ErrCannotResume)
	}
	if err := r.Resume(ctx, *cp); err != nil {
		return nil, fmt.Errorf("resume after batch %d: %w", cp.Seq, err)
	}
	return cp, nil
}

// process runs on a worker: decode, the stages, then the sink's encoder.
func process(ctx context.Context, b *Batch, stages []Stage, enc Encoder) error {
	if c := b.Raw; c != nil {
		c.Decoder.DecodeChunk(c, b)
		b.Checkpoint.Source = c.Source
		b.Checkpoint.Offset = c.Offset + int64(len(c.Data))
		b.Checkpoint.Line = c.Line - 1 + int64(bytes.Count(c.Data, []byte{'\n'}))
		b.Checkpoint.Index = c.Index + int64(b.Read)
		b.Raw = nil
	} else if b.Read == 0 {
		b.Read = len(b.Records) + len(b.Rejects)
	}
	if err := b.balanced("decode"); err != nil {
		return err
	}
	for i, st := range stages {
		if err := st(ctx, b); err != nil {
			return fmt.Errorf("stage %d, batch %d: %w", i, b.Seq, err)
		}
		if err := b.balanced(fmt.Sprintf("stage %d", i)); err != nil {
			return err
		}
	}
	if enc != nil {
		out, err := enc.Encode(b.Out[:0], b)
		if err != nil {
			return fmt.Errorf("encode batch %d: %w", b.Seq, err)
		}
		b.Out = out
	}
	return nil
}

func (b *Batch) balanced(where string) error {
	if b.Read != len(b.Records)+len(b.Rejects)+b.Filtered {
		return fmt.Errorf("%w: batch %d after %s: read %d, kept %d, rejected %d, filtered %d",
			ErrUnbalanced, b.Seq, where, b.Read, len(b.Records), len(b.Rejects), b.Filtered)
	}
	return nil
}

// writer restores source order and feeds the sink. Only its goroutine
// touches it.
type writer struct {
	sink     Sink
	ordered  []Stage
	enc      Encoder
	opts     Options
	job      string
	counts   Counts
	next     uint64
	pending  map[uint64]*Batch
	released int
	outs     chan []byte // encode buffers to reuse
}

func (w *writer) accept(ctx context.Context, b *Batch) error {
	w.pending[b.Seq] = b
	for {
		b, ok := w.pending[w.next]
		if !ok {
			return nil
		}
		delete(w.pending, w.next)
		w.next++
		if err := w.write(ctx, b); err != nil {
			return err
		}
		w.released++
	}
}

func (w *writer) write(ctx context.Context, b *Batch) error {
	if len(w.ordered) > 0 {
		n := len(b.Records)
		for i, st := range w.ordered {
			if err := st(ctx, b); err != nil {
				return fmt.Errorf("ordered stage %d, batch %d: %w", i, b.Seq, err)
			}
			if err := b.balanced(fmt.Sprintf("ordered stage %d", i)); err != nil {
				return err
			}
		}
		if w.enc != nil && len(b.Records) != n {
			out, err := w.enc.Encode(b.Out[:0], b)
			if err != nil {
				return fmt.Errorf("encode batch %d: %w", b.Seq, err)
			}
			b.Out = out
		}
	}
	b.Checkpoint.Job = w.job
	b.Checkpoint.Seq = b.Seq
	b.base = w.counts
	b.commit = w.commitRejects
	if err := w.sink.Write(ctx, b); err != nil {
		return fmt.Errorf("write batch %d: %w", b.Seq, err)
	}
	if b.Out != nil { // the sink is done with it (see Sink)
		select {
		case w.outs <- b.Out[:0]:
		default:
		}
		b.Out = nil
	}
	if err := b.balanced("sink"); err != nil {
		return err
	}
	if !b.rejectsWritten {
		if err := w.commitRejects(b); err != nil {
			return err
		}
	}
	w.counts = b.countsAfter()
	w.opts.Logger.Debug("batch written", "seq", b.Seq, "read", w.counts.Read, "written", w.counts.Written, "rejected", w.counts.Rejected)
	if w.opts.Progress != nil {
		w.opts.Progress(w.counts)
	}
	if w.opts.MaxRejects >= 0 && w.counts.Rejected > w.opts.MaxRejects {
		return fmt.Errorf("%w: %d rejected, limit %d", ErrTooManyRejects, w.counts.Rejected, w.opts.MaxRejects)
	}
	return nil
}

func (w *writer) commitRejects(b *Batch) error {
	b.rejectsWritten = true
	if w.opts.Rejects == nil || len(b.Rejects) == 0 {
		return nil
	}
	b.sortRejects()
	if err := w.opts.Rejects.WriteRejects(b.Seq, b.Rejects); err != nil {
		return fmt.Errorf("write rejects of batch %d: %w", b.Seq, err)
	}
	return nil
}

// sortRejects puts b.Rejects in input order, by Origin.Index. Each step
// appends its own (the decoder its parse errors, then every stage and the
// sink theirs), so they come in step order. A batch holds records of one
// source; should one mix sources, their rejects are grouped by source, in
// the order the sources first appear.
func (b *Batch) sortRejects() {
	byIndex := func(x, y Reject) int { return cmp.Compare(x.Origin.Index, y.Origin.Index) }
	if slices.IsSortedFunc(b.Rejects, byIndex) {
		return
	}
	order := byIndex
	if slices.ContainsFunc(b.Rejects, func(r Reject) bool { return r.Origin.Source != b.Rejects[0].Origin.Source }) {
		rank := map[string]int{}
		for _, r := range b.Rejects {
			if _, ok := rank[r.Origin.Source]; !ok {
				rank[r.Origin.Source] = len(rank)
			}
		}
		order = func(x, y Reject) int {
			return cmp.Or(cmp.Compare(rank[x.Origin.Source], rank[y.Origin.Source]), byIndex(x, y))
		}
	}
	slices.SortStableFunc(b.Rejects, order)
}

// countsAfter returns the run's counts including b in its current state.
func (b *Batch) countsAfter() Counts {
	c := b.base
	c.ByCode = maps.Clone(b.base.ByCode)
	c.Tally = maps.Clone(b.base.Tally)
	for k, n := range b.Tally {
		if c.Tally == nil {
			c.Tally = make(map[string]int64, len(b.Tally))
		}
		c.Tally[k] += n
	}
	c.Read += int64(b.Read)
	c.Written += int64(len(b.Records))
	c.Rejected += int64(len(b.Rejects))
	c.Filtered += int64(b.Filtered)
	c.Stats.Add(b.Written)
	for _, r := range b.Rejects {
		if c.ByCode == nil {
			c.ByCode = map[string]int64{}
		}
		seen := map[string]bool{}
		for _, is := range r.Issues {
			if !seen[string(is.Code)] {
				seen[string(is.Code)] = true
				c.ByCode[string(is.Code)]++
			}
		}
	}
	return c
}

// PrepareCommit is called by a Checkpointer sink inside its transaction,
// after it has settled which records it rejects and just before it
// commits. It writes the batch's rejects ahead of the commit (so a crash
// cannot lose them; a resumed run truncates rejects of uncommitted
// batches) and returns the checkpoint to store with the data.
func (b *Batch) PrepareCommit() (Checkpoint, error) {
	if b.commit != nil && !b.rejectsWritten {
		if err := b.commit(b); err != nil {
			return Checkpoint{}, err
		}
	}
	cp := b.Checkpoint
	cp.Counts = b.countsAfter()
	return cp, nil
}
