// Package retry holds the waits between attempts that ferry's stores,
// sources and clients share: a doubling backoff and a sleep that ends with
// its context.
package retry

import (
	"context"
	"time"
)

// The defaults of the retry settings ferry's stores and sources take.
const (
	DefaultRetries    = 5
	DefaultMinBackoff = 200 * time.Millisecond
	DefaultMaxBackoff = 10 * time.Second
)

// Defaults returns retries and the bounds of the waits with each zero one
// (a non-positive bound) replaced by its default. Negative retries stay:
// they mean none.
func Defaults(retries int, min, max time.Duration) (int, time.Duration, time.Duration) {
	if retries == 0 {
		retries = DefaultRetries
	}
	if min <= 0 {
		min = DefaultMinBackoff
	}
	if max <= 0 {
		max = DefaultMaxBackoff
	}
	return retries, min, max
}

// Backoff returns the wait before attempt n (from 1) of a retry:
// first doubled each time, at most max.
func Backoff(n int, first, max time.Duration) time.Duration {
	d := first
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

// Sleep waits d, or until ctx is done and then returns ctx.Err().
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Policy is how an operation is retried.
type Policy struct {
	// Retries is how many times a failed attempt is tried again; Min and
	// Max bound the waits between attempts (Backoff).
	Retries  int
	Min, Max time.Duration
	// Retryable tells the failures worth another attempt (a lost
	// connection) from the rest.
	Retryable func(error) bool
	// Reset, when set, runs after a failure that is retried, before the
	// wait (to drop a broken connection).
	Reset func()
	// Warn, when set, is told of each failure that is retried and of the
	// wait before the next attempt.
	Warn func(attempt int, wait time.Duration, err error)
}

// Do runs op until it succeeds, fails in a way p.Retryable refuses, has
// been retried p.Retries times or ctx ends, and returns op's last error,
// or ctx's when it ends during a wait.
func (p Policy) Do(ctx context.Context, op func() error) error {
	for attempt := 1; ; attempt++ {
		err := op()
		if err == nil || !p.Retryable(err) || attempt > p.Retries || ctx.Err() != nil {
			return err
		}
		if p.Reset != nil {
			p.Reset()
		}
		wait := Backoff(attempt, p.Min, p.Max)
		if p.Warn != nil {
			p.Warn(attempt, wait, err)
		}
		if err := Sleep(ctx, wait); err != nil {
			return err
		}
	}
}
