package breach

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeRange implements the documented Pwned Passwords range protocol:
// GET /range/{5 hex}[?mode=ntlm], SUFFIX:COUNT lines with CRLF, and, when
// the request sends Add-Padding: true, extra lines of count 0.
type fakeRange struct {
	t       *testing.T
	entries map[Kind]map[string]int64 // full uppercase hex digest → count
	// padding holds digests the server adds as count-0 padding lines
	// (besides random ones) to prove that padding never matches.
	padding []string

	mu       sync.Mutex
	failures []failure // served, in order, before any success

	requests    atomic.Int64
	padded      atomic.Int64
	inflight    atomic.Int64
	maxInflight atomic.Int64
	arrived     chan struct{} // receives on each request when set
	gate        chan struct{} // each request waits for a value when set
}

type failure struct {
	status     int
	retryAfter string
}

func newFakeRange(t *testing.T) (*fakeRange, *httptest.Server) {
	f := &fakeRange{t: t, entries: map[Kind]map[string]int64{SHA1: {}, NTLM: {}}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeRange) add(kind Kind, pw string, count int64) string {
	h := strings.ToUpper(hex.EncodeToString(kind.Sum([]byte(pw))))
	f.entries[kind][h] = count
	return h
}

func (f *fakeRange) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	n := f.inflight.Add(1)
	defer f.inflight.Add(-1)
	for {
		m := f.maxInflight.Load()
		if n <= m || f.maxInflight.CompareAndSwap(m, n) {
			break
		}
	}
	if f.arrived != nil {
		f.arrived <- struct{}{}
	}
	if f.gate != nil {
		<-f.gate
	}
	f.mu.Lock()
	if len(f.failures) > 0 {
		fl := f.failures[0]
		f.failures = f.failures[1:]
		f.mu.Unlock()
		if fl.retryAfter != "" {
			w.Header().Set("Retry-After", fl.retryAfter)
		}
		w.WriteHeader(fl.status)
		return
	}
	f.mu.Unlock()
	prefix, ok := strings.CutPrefix(r.URL.Path, "/range/")
	if !ok || len(prefix) != 5 || !isHexBytes([]byte(prefix)) {
		http.Error(w, "The hash prefix was not in a valid format", http.StatusBadRequest)
		return
	}
	prefix = strings.ToUpper(prefix)
	kind := SHA1
	if r.URL.Query().Get("mode") == "ntlm" {
		kind = NTLM
	}
	var lines []string
	for h, c := range f.entries[kind] {
		if strings.HasPrefix(h, prefix) {
			lines = append(lines, fmt.Sprintf("%s:%d", h[5:], c))
		}
	}
	if r.Header.Get("Add-Padding") == "true" {
		f.padded.Add(1)
		for _, h := range f.padding {
			if strings.HasPrefix(h, prefix) && len(h) == 2*kind.Size() {
				lines = append(lines, h[5:]+":0")
			}
		}
		rnd := rand.New(rand.NewPCG(uint64(len(prefix)), 3))
		for range 20 {
			b := make([]byte, kind.Size())
			for i := range b {
				b[i] = byte(rnd.Uint32())
			}
			lines = append(lines, strings.ToUpper(hex.EncodeToString(b))[5:]+":0")
		}
	}
	rand.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
	fmt.Fprint(w, strings.Join(lines, "\r\n"))
}

// newClient returns a client of srv whose sleeps are recorded, not slept.
func newClient(srv *httptest.Server, slept *[]time.Duration) *Client {
	var mu sync.Mutex
	return &Client{BaseURL: srv.URL + "/", HTTP: srv.Client(),
		sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			*slept = append(*slept, d)
			mu.Unlock()
			return ctx.Err()
		}}
}

func TestClient_CountsBreachedAndIgnoresPadding(t *testing.T) {
	f, srv := newFakeRange(t)
	f.add(SHA1, "password", 9545824)
	decoy := strings.ToUpper(hex.EncodeToString(SHA1.Sum([]byte("not breached, only padding"))))
	f.padding = []string{decoy}
	var slept []time.Duration
	c := newClient(srv, &slept)
	ctx := t.Context()

	if n, err := c.CountPassword(ctx, SHA1, []byte("password")); err != nil || n != 9545824 {
		t.Fatalf("Count(password) = %d, %v", n, err)
	}
	if n, err := c.CountPassword(ctx, SHA1, []byte("not breached, only padding")); err != nil || n != 0 {
		t.Fatalf("Count(padding-only digest) = %d, %v; padding must not match", n, err)
	}
	if n, err := c.CountPassword(ctx, SHA1, []byte("correct horse battery staple")); err != nil || n != 0 {
		t.Fatalf("Count(absent) = %d, %v", n, err)
	}
	if f.padded.Load() != f.requests.Load() {
		t.Fatalf("%d of %d requests asked for padding", f.padded.Load(), f.requests.Load())
	}
}

func TestClient_NTLMUsesModeQuery(t *testing.T) {
	f, srv := newFakeRange(t)
	f.add(NTLM, "password", 42)
	f.add(SHA1, "password", 7)
	var slept []time.Duration
	c := newClient(srv, &slept)
	if n, err := c.CountPassword(t.Context(), NTLM, []byte("password")); err != nil || n != 42 {
		t.Fatalf("Count(ntlm) = %d, %v", n, err)
	}
	if n, err := c.CountPassword(t.Context(), SHA1, []byte("password")); err != nil || n != 7 {
		t.Fatalf("Count(sha1) = %d, %v", n, err)
	}
	if _, err := c.Count(t.Context(), NTLM, make([]byte, 20)); !errors.Is(err, ErrKind) {
		t.Fatalf("wrong digest length: err = %v", err)
	}
}

func TestClient_RetriesHonouringRetryAfter(t *testing.T) {
	f, srv := newFakeRange(t)
	f.add(SHA1, "password", 3)
	f.failures = []failure{{http.StatusTooManyRequests, "7"}, {http.StatusServiceUnavailable, ""}, {http.StatusBadGateway, ""}}
	var slept []time.Duration
	c := newClient(srv, &slept)
	c.MinBackoff, c.MaxBackoff = 100*time.Millisecond, time.Minute
	n, err := c.CountPassword(t.Context(), SHA1, []byte("password"))
	if err != nil || n != 3 {
		t.Fatalf("Count = %d, %v", n, err)
	}
	if f.requests.Load() != 4 || len(slept) != 3 {
		t.Fatalf("requests = %d, sleeps = %v", f.requests.Load(), slept)
	}
	if slept[0] != 7*time.Second {
		t.Errorf("first wait = %v, want the Retry-After of 7s", slept[0])
	}
	// Attempts 1 and 2 back off in [d/2, d] for d = 200ms and 400ms.
	if slept[1] < 100*time.Millisecond || slept[1] > 200*time.Millisecond || slept[2] < 200*time.Millisecond || slept[2] > 400*time.Millisecond {
		t.Errorf("backoffs = %v, want jittered 200ms then 400ms ceilings", slept[1:])
	}
}

func TestClient_CapsRetryAfterAtMaxBackoff(t *testing.T) {
	f, srv := newFakeRange(t)
	f.failures = []failure{{http.StatusTooManyRequests, "3600"}}
	var slept []time.Duration
	c := newClient(srv, &slept)
	c.MaxBackoff = 5 * time.Second
	if _, err := c.CountPassword(t.Context(), SHA1, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if len(slept) != 1 || slept[0] != 5*time.Second {
		t.Fatalf("sleeps = %v", slept)
	}
}

func TestClient_GivesUpAfterMaxRetries(t *testing.T) {
	f, srv := newFakeRange(t)
	for range 10 {
		f.failures = append(f.failures, failure{status: http.StatusServiceUnavailable})
	}
	var slept []time.Duration
	c := newClient(srv, &slept)
	c.MaxRetries = 2
	_, err := c.CountPassword(t.Context(), SHA1, []byte("x"))
	if !errors.Is(err, ErrUnavailable) || f.requests.Load() != 3 {
		t.Fatalf("err = %v after %d requests", err, f.requests.Load())
	}
}

func TestClient_DoesNotRetryClientErrors(t *testing.T) {
	f, srv := newFakeRange(t)
	f.failures = []failure{{status: http.StatusNotFound}}
	var slept []time.Duration
	c := newClient(srv, &slept)
	if _, err := c.CountPassword(t.Context(), SHA1, []byte("x")); !errors.Is(err, ErrUnavailable) || f.requests.Load() != 1 {
		t.Fatalf("err = %v after %d requests", err, f.requests.Load())
	}
}

func TestClient_CachesRangesWithLRUEviction(t *testing.T) {
	f, srv := newFakeRange(t)
	var slept []time.Duration
	c := newClient(srv, &slept)
	c.CacheSize = 2
	ctx := t.Context()
	// Three passwords in three different ranges.
	pws := []string{"a", "b", "c"}
	for _, pw := range pws {
		f.add(SHA1, pw, 1)
	}
	count := func(pw string) {
		if n, err := c.CountPassword(ctx, SHA1, []byte(pw)); err != nil || n != 1 {
			t.Fatalf("Count(%s) = %d, %v", pw, n, err)
		}
	}
	count("a")
	count("a")
	if f.requests.Load() != 1 {
		t.Fatalf("requests = %d after a repeated range, want 1", f.requests.Load())
	}
	count("b")
	count("c") // evicts a
	count("c")
	count("a")
	if f.requests.Load() != 4 {
		t.Fatalf("requests = %d, want 4 (a evicted by c)", f.requests.Load())
	}
}

func TestClient_BoundsConcurrencyAndSharesRequests(t *testing.T) {
	f, srv := newFakeRange(t)
	f.arrived = make(chan struct{}, 100)
	f.gate = make(chan struct{})
	var slept []time.Duration
	c := newClient(srv, &slept)
	c.Concurrency = 3
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 20 {
		for range 2 { // two callers per range share one request
			wg.Go(func() {
				_, err := c.CountPassword(ctx, SHA1, []byte(fmt.Sprint("pw", i)))
				errs <- err
			})
		}
	}
	for range 3 {
		<-f.arrived
	}
	if got := f.inflight.Load(); got != 3 {
		t.Fatalf("in flight = %d with Concurrency 3", got)
	}
	go func() {
		for range 20 {
			f.gate <- struct{}{}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if m := f.maxInflight.Load(); m > 3 {
		t.Fatalf("max in flight = %d, want ≤ 3", m)
	}
	if r := f.requests.Load(); r > 20 {
		t.Fatalf("requests = %d for 20 distinct ranges", r)
	}
}

func TestClient_ErrorsDoNotCarryThePrefix(t *testing.T) {
	_, srv := newFakeRange(t)
	url := srv.URL
	srv.Close()
	c := &Client{BaseURL: url, MaxRetries: -1, sleep: func(context.Context, time.Duration) error { return nil }}
	_, err := c.CountPassword(t.Context(), SHA1, []byte("password"))
	if err == nil || strings.Contains(strings.ToUpper(err.Error()), "5BAA6") || strings.Contains(err.Error(), "/range/") {
		t.Fatalf("err = %v", err)
	}
}

func TestRetryAfter_ParsesSecondsAndDates(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"2", 2 * time.Second}, {" 10 ", 10 * time.Second}, {"-3", 0}, {"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.in, now); got != tt.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// FuzzParseRange checks that no response body panics the parser and that
// a parsed range only reports positive counts.
func FuzzParseRange(f *testing.F) {
	f.Add([]byte("1E4C9B93F3F0682250B6CF8331B7EE68FD8:9545824\r\n011053FD0102E94D6AE2F8B83D76FAF94F6:0\r\n"), false)
	f.Add([]byte("F7EAEE8FB117AD06BDD830B7586C:3\n"), true)
	f.Fuzz(func(t *testing.T, body []byte, ntlm bool) {
		key := rangeKey{kind: SHA1, prefix: 0x5BAA6}
		if ntlm {
			key = rangeKey{kind: NTLM, prefix: 0x8846F}
		}
		d, err := parseRange(body, key)
		if err != nil {
			return
		}
		for _, c := range d.counts {
			if c <= 0 {
				t.Fatalf("count %d kept", c)
			}
		}
		_ = d.count(make([]byte, key.kind.Size()))
	})
}
