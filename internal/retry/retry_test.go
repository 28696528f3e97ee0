package retry

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestBackoff_DoublesUpToMax(t *testing.T) {
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{1, 100 * time.Millisecond},
		{2, 200 * time.Millisecond},
		{4, 800 * time.Millisecond},
		{5, time.Second},
		{1000, time.Second},
	}
	for _, tt := range tests {
		if got := Backoff(tt.attempt, 100*time.Millisecond, time.Second); got != tt.want {
			t.Errorf("Backoff(%d) = %v, want %v", tt.attempt, got, tt.want)
		}
	}
}

func TestSleep_StopsOnCanceledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep = %v, want context.Canceled", err)
	}
	if err := Sleep(t.Context(), time.Millisecond); err != nil {
		t.Fatalf("Sleep = %v, want nil", err)
	}
}

func TestDefaults_FillOnlyWhatIsUnset(t *testing.T) {
	tests := []struct {
		name             string
		retries          int
		min, max         time.Duration
		wantR            int
		wantMin, wantMax time.Duration
	}{
		{"all unset", 0, 0, 0, DefaultRetries, DefaultMinBackoff, DefaultMaxBackoff},
		{"negative retries mean none", -1, 0, 0, -1, DefaultMinBackoff, DefaultMaxBackoff},
		{"set values kept", 2, time.Millisecond, time.Second, 2, time.Millisecond, time.Second},
		{"negative waits replaced", 3, -time.Second, -1, 3, DefaultMinBackoff, DefaultMaxBackoff},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, lo, hi := Defaults(tt.retries, tt.min, tt.max)
			if r != tt.wantR || lo != tt.wantMin || hi != tt.wantMax {
				t.Errorf("Defaults = %d, %v, %v; want %d, %v, %v", r, lo, hi, tt.wantR, tt.wantMin, tt.wantMax)
			}
		})
	}
}

func TestPolicyDo_RetriesOnlyWhatItMayAndHowOften(t *testing.T) {
	lost := errors.New("connection lost")
	bad := errors.New("syntax error")
	tests := []struct {
		name     string
		retries  int
		fails    []error // op's results, in order; nil after them
		want     error
		attempts int
	}{
		{"succeeds at once", 3, nil, nil, 1},
		{"succeeds after two lost connections", 3, []error{lost, lost}, nil, 3},
		{"stops at a failure not worth retrying", 3, []error{lost, bad, lost}, bad, 2},
		{"gives up after its retries", 2, []error{lost, lost, lost, lost}, lost, 3},
		{"negative retries mean none", -1, []error{lost}, lost, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attempts, resets, warns := 0, 0, 0
			p := Policy{
				Retries: tt.retries, Min: time.Nanosecond, Max: time.Nanosecond,
				Retryable: func(err error) bool { return errors.Is(err, lost) },
				Reset:     func() { resets++ },
				Warn:      func(int, time.Duration, error) { warns++ },
			}
			err := p.Do(t.Context(), func() error {
				attempts++
				if attempts <= len(tt.fails) {
					return tt.fails[attempts-1]
				}
				return nil
			})
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("Do = %v, want %v", err, tt.want)
			}
			if attempts != tt.attempts || resets != attempts-1 || warns != attempts-1 {
				t.Errorf("%d attempts, %d resets, %d warnings; want %d attempts and a reset and a warning before each retry",
					attempts, resets, warns, tt.attempts)
			}
		})
	}
}

func TestPolicyDo_EndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	p := Policy{Retries: 10, Min: time.Hour, Max: time.Hour, Retryable: func(error) bool { return true },
		Reset: cancel} // the context ends while Do waits for the next attempt
	attempts := 0
	err := p.Do(ctx, func() error { attempts++; return errors.New("connection lost") })
	if !errors.Is(err, context.Canceled) || attempts != 1 {
		t.Errorf("Do = %v after %d attempts, want context.Canceled after 1", err, attempts)
	}
}
