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
