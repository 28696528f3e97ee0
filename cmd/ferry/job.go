package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/ferry-dev/ferry/pipeline"
	sqlitesink "github.com/ferry-dev/ferry/sinks/sqlite"
)

// pipelineRun is one pipeline ready to run, with the resources to release.
type pipelineRun struct {
	name    string
	from    string
	to      string
	job     pipeline.Job
	rejects *pipeline.RejectFile
	closers []func() error
	// extraTotals lets a command add lines to the summary.
	extra map[string]int64
	// passwords is the census and screening of the run (passwords.go);
	// the census itself is in the run's counts.
	passwords *passwordRun
	// strip leaves secrets out of the output: StripSecrets runs after
	// every other stage, so that screening still sees the hashes.
	strip bool
}

func (a *app) execute(ctx context.Context, pr *pipelineRun) (pipeline.Summary, error) {
	f := a.flags
	// from and to name the run in the summary, logs, report and job name:
	// never with a database password.
	pr.from, pr.to = redactLocation(pr.from), redactLocation(pr.to)
	defer func() {
		for _, c := range slices.Backward(pr.closers) {
			_ = c()
		}
	}()
	if err := a.preparePasswords(pr); err != nil {
		pr.abort()
		return pipeline.Summary{}, err
	}
	if pr.strip {
		pr.job.Stages = append(pr.job.Stages, pipeline.StripSecrets())
	}
	opts := pipeline.Options{
		Workers:    f.workers,
		BatchSize:  f.batchSize,
		Resume:     f.resume,
		MaxRejects: f.maxRejects,
		Stop:       a.stop,
		Logger:     a.logger,
	}
	if f.rejects != "" {
		rf, err := pipeline.OpenRejectFile(f.rejects, f.resume, f.rejectsPII)
		if err != nil {
			return pipeline.Summary{}, err
		}
		pr.rejects = rf
		opts.Rejects = rf
	}
	if pr.job.Name == "" {
		pr.job.Name = f.job
	}
	if pr.job.Name == "" {
		pr.job.Name = pr.name + ":" + pr.from + "->" + pr.to
	}
	bar := a.progressBar(pr)
	if bar != nil {
		opts.Progress = bar.update
	}
	a.logger.Info("run", "command", pr.name, "from", pr.from, "to", pr.to, "workers", opts.Workers, "batch_size", opts.BatchSize)
	sum, err := pipeline.Run(ctx, pr.job, opts)
	if bar != nil {
		bar.finish()
	}
	// Commit the output only when the run succeeded; otherwise leave what
	// was committed, and the checkpoint, for --resume.
	closeCtx := ctx
	if err != nil {
		c, cancel := context.WithCancel(context.Background())
		cancel()
		closeCtx = c
	}
	if cerr := pr.job.Sink.Close(closeCtx); cerr != nil && err == nil {
		err = fmt.Errorf("close %s: %w", pr.to, cerr)
	}
	if c, ok := pr.job.Sink.(pipeline.Committer); ok && sum.Interrupted {
		sum.Committed = c.Committed()
	}
	if serr := pr.job.Source.Close(); serr != nil && err == nil {
		err = fmt.Errorf("close %s: %w", pr.from, serr)
	}
	if pr.rejects != nil {
		if rerr := pr.rejects.Close(); rerr != nil && err == nil {
			err = rerr
		}
	}
	a.printSummary(pr, sum, err)
	if f.report != "" {
		if rerr := writeReport(f.report, pr, sum, err); rerr != nil && err == nil {
			err = rerr
		}
	}
	return sum, err
}

// report is the JSON written to --report.
type report struct {
	Command string           `json:"command"`
	From    string           `json:"from"`
	To      string           `json:"to"`
	Status  string           `json:"status"`
	Error   string           `json:"error,omitempty"`
	Summary pipeline.Summary `json:"summary"`
	Seconds float64          `json:"seconds"`
	Extra   map[string]int64 `json:"extra,omitempty"`
	// Passwords counts users by password algorithm, and what screening found.
	Passwords *passwordReport `json:"passwords,omitempty"`
}

func writeReport(path string, pr *pipelineRun, sum pipeline.Summary, runErr error) error {
	// A checkpoint's key is a value of the input (a user_id, or the key
	// column of a legacy table, an email maybe): reports leave it out.
	for _, cp := range []**pipeline.Checkpoint{&sum.ResumedFrom, &sum.Committed} {
		if *cp != nil && (*cp).Key != "" {
			c := **cp
			c.Key = ""
			*cp = &c
		}
	}
	r := report{Command: pr.name, From: pr.from, To: pr.to, Status: "ok", Summary: sum,
		Seconds: sum.Duration.Seconds(), Extra: pr.extra,
		Passwords: pr.passwordReport(sum.Counts)}
	if runErr != nil {
		r.Status = "failed"
		if errors.Is(runErr, pipeline.ErrInterrupted) {
			r.Status = "interrupted"
		}
		r.Error = runErr.Error()
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

func (a *app) printSummary(pr *pipelineRun, s pipeline.Summary, runErr error) {
	if a.flags.quiet {
		return
	}
	w := a.stderr
	c := s.Counts
	fmt.Fprintf(w, "ferry %s: %s -> %s\n", pr.name, pr.from, pr.to)
	fmt.Fprintf(w, "  read      %10d\n", c.Read)
	st := c.Stats
	if st.Inserted+st.Updated+st.Unchanged > 0 {
		fmt.Fprintf(w, "  written   %10d   (inserted %d, updated %d, unchanged %d)\n", c.Written, st.Inserted, st.Updated, st.Unchanged)
	} else {
		fmt.Fprintf(w, "  written   %10d\n", c.Written)
	}
	if n := c.Tally[sqlitesink.PlaintextNotStored]; n > 0 {
		fmt.Fprintf(w, "            %10d   of them without their plaintext password, which no store keeps (--hash-target auth0 hashes it with bcrypt)\n", n)
	}
	fmt.Fprintf(w, "  rejected  %10d%s\n", c.Rejected, byCode(c.ByCode))
	fmt.Fprintf(w, "  filtered  %10d\n", c.Filtered)
	for _, k := range slices.Sorted(maps.Keys(pr.extra)) {
		fmt.Fprintf(w, "  %-9s %10d\n", k, pr.extra[k])
	}
	a.printPasswords(w, pr, c)
	mark := "ok"
	if !c.Balanced() {
		mark = "MISMATCH"
	}
	fmt.Fprintf(w, "  balance   %s: %d = %d + %d + %d\n", mark, c.Read, c.Written, c.Rejected, c.Filtered)
	fmt.Fprintf(w, "  time      %s (%.0f records/s)\n", s.Duration.Round(time.Millisecond), s.RecordsPerSecond)
	if s.ResumedFrom != nil {
		fmt.Fprintf(w, "  resumed   after batch %d (%d records already read)\n", s.ResumedFrom.Seq, s.ResumedFrom.Counts.Read)
	}
	if _, lags := pr.job.Sink.(pipeline.Committer); lags && s.Interrupted {
		if cp := s.Committed; cp != nil {
			fmt.Fprintf(w, "  committed through batch %d (%d records read); --resume continues there\n", cp.Seq, cp.Counts.Read)
		} else {
			fmt.Fprintf(w, "  committed nothing yet; --resume starts over\n")
		}
	}
	if a.flags.rejects != "" && c.Rejected > 0 {
		fmt.Fprintf(w, "  rejects   %s\n", a.flags.rejects)
	}
	_ = runErr
}

func byCode(m map[string]int64) string {
	if len(m) == 0 {
		return ""
	}
	keys := slices.Sorted(maps.Keys(m))
	slices.SortStableFunc(keys, func(x, y string) int { return int(m[y] - m[x]) })
	var b strings.Builder
	b.WriteString("   ")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %d", k, m[k])
	}
	return b.String()
}

type progress struct {
	p   *mpb.Progress
	bar *mpb.Bar
}

func (a *app) progressBar(pr *pipelineRun) *progress {
	show := false
	switch a.flags.progress {
	case "always":
		show = true
	case "auto":
		if f, ok := a.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			show = true
		}
	}
	if !show {
		return nil
	}
	p := mpb.New(mpb.WithOutput(a.stderr), mpb.WithWidth(40))
	bar := p.New(0, mpb.BarStyle(),
		mpb.PrependDecorators(decor.Name(pr.name+" "), decor.CurrentNoUnit("%d read")),
		mpb.AppendDecorators(decor.AverageSpeed(0, "%.0f/s")),
	)
	return &progress{p: p, bar: bar}
}

func (p *progress) update(c pipeline.Counts) {
	p.bar.SetTotal(c.Read+1, false)
	p.bar.SetCurrent(c.Read)
}

func (p *progress) finish() {
	p.bar.SetTotal(-1, true)
	p.p.Wait()
}
