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
