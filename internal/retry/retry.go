// Package retry holds the waits between attempts that ferry's stores,
// sources and clients share: a doubling backoff and a sleep that ends with
// its context.
package retry

import (
	"context"
	"time"
)

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
