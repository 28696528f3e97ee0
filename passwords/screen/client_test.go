package screen

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/passwords/breach"
	"github.com/ferry-dev/ferry/pipeline"
)

// rangeServer implements the Pwned Passwords range API: GET /range/{5 hex}
// answers SUFFIX:COUNT lines (?mode=ntlm for NT hashes), with padding lines
// of count 0 when asked.
type rangeServer struct {
	mu       sync.Mutex
	entries  map[breach.Kind]map[string]int // upper-case hex digest → count
	requests atomic.Int64
	inFlight atomic.Int64
	maxIn    atomic.Int64
	fail     bool // answer 503 to everything
	// gate, when set, holds every request until gate requests are in
	// flight at once, so that a test sees the concurrency bound reached.
	gate    int64
	release chan struct{}
	once    sync.Once
}

func newRangeServer(t *testing.T) (*rangeServer, *httptest.Server) {
	rs := &rangeServer{entries: map[breach.Kind]map[string]int{breach.SHA1: {}, breach.NTLM: {}}}
	srv := httptest.NewServer(rs)
	t.Cleanup(srv.Close)
	return rs, srv
}

func (rs *rangeServer) add(k breach.Kind, pw string, count int) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.entries[k][strings.ToUpper(hex.EncodeToString(k.Sum([]byte(pw))))] = count
}

func (rs *rangeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rs.requests.Add(1)
	n := rs.inFlight.Add(1)
	defer rs.inFlight.Add(-1)
	for {
		m := rs.maxIn.Load()
		if n <= m || rs.maxIn.CompareAndSwap(m, n) {
			break
		}
	}
	if rs.gate > 0 {
		if n >= rs.gate {
			rs.once.Do(func() { close(rs.release) })
		}
		<-rs.release
	}
	prefix, ok := strings.CutPrefix(r.URL.Path, "/range/")
	if !ok || len(prefix) != 5 {
		http.NotFound(w, r)
		return
	}
	if rs.fail {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	kind := breach.SHA1
	if r.URL.Query().Get("mode") == "ntlm" {
		kind = breach.NTLM
	}
	prefix = strings.ToUpper(prefix)
	rs.mu.Lock()
	var b strings.Builder
	for d, c := range rs.entries[kind] {
		if strings.HasPrefix(d, prefix) {
			fmt.Fprintf(&b, "%s:%d\r\n", d[5:], c)
		}
	}
	rs.mu.Unlock()
	if r.Header.Get("Add-Padding") == "true" {
		for i := range 20 {
			fmt.Fprintf(&b, "%0*X:0\r\n", 2*kind.Size()-5, i+1)
		}
	}
	w.Write([]byte(b.String()))
}

func client(srv *httptest.Server, concurrency int) *breach.Client {
	return &breach.Client{BaseURL: srv.URL, Concurrency: concurrency, MaxRetries: 2,
		MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, CacheSize: -1}
}

func TestStage_RangeAPIBoundsConcurrencyAcrossWorkers(t *testing.T) {
	rs, srv := newRangeServer(t)
	for _, p := range blocklist {
		rs.add(breach.SHA1, p, 1000)
		rs.add(breach.NTLM, p, 1000)
	}
	// A padding-like entry with count 0 must never match.
	rs.add(breach.SHA1, "zero count is padding", 0)
	const concurrency = 3
	rs.gate, rs.release = concurrency, make(chan struct{})

	stage, stats, err := Stage(Options{Client: client(srv, concurrency), Lookups: 8, Policy: Reject})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(seed int) *pipeline.Batch {
		var us []user
		for i := range 20 {
			switch i % 5 {
			case 0:
				us = append(us, user{password: blocklist[(i+seed)%len(blocklist)]})
			case 1:
				us = append(us, user{password: fmt.Sprintf("unlisted %d/%d", seed, i)})
			case 2:
				us = append(us, user{custom: sha1Custom(blocklist[i%len(blocklist)])})
			case 3:
				us = append(us, user{custom: ntlmCustom(blocklist[i%len(blocklist)])})
			case 4:
				us = append(us, user{password: "zero count is padding"})
			}
		}
		return batchOf(us...)
	}
	// Two workers screen a batch each at the same time.
	batches := []*pipeline.Batch{mk(0), mk(1)}
	errs := make(chan error, len(batches))
	for _, b := range batches {
		go func() { errs <- stage(t.Context(), b) }()
	}
	for range batches {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if m := rs.maxIn.Load(); m > concurrency {
		t.Errorf("%d requests in flight, client bound is %d", m, concurrency)
	}
	s := snapshot(stats, batches...)
	// Per batch of 20: 4 listed plaintexts, 4 sha1 and 4 NT hashes of listed
	// passwords are breached; 4 unlisted and 4 padding-only are clean.
	if s.Checked != 40 || s.Breached != 24 || s.Rejected != 24 {
		t.Errorf("summary %+v, want 40 checked, 24 breached and rejected", s)
	}
	for _, b := range batches {
		for _, r := range b.Records {
			if !strings.HasPrefix(r.User.Password, "unlisted") && r.User.Password != "zero count is padding" {
				t.Errorf("record %d kept, but it is breached", r.Origin.Index)
			}
		}
	}
}

func TestStage_RangeAPIConfirmsWhatNoIndexFound(t *testing.T) {
	rs, srv := newRangeServer(t)
	rs.add(breach.SHA1, "only the api knows", 3)
	opts := sha1Index.options(t)
	opts.Client = client(srv, 2)
	stage, stats, err := Stage(opts)
	if err != nil {
		t.Fatal(err)
	}
	b := batchOf(user{password: "password"}, user{password: "only the api knows"}, user{password: "nobody knows"})
	if err := stage(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	if s := snapshot(stats, b); s.Breached != 2 || s.Checked != 3 {
		t.Errorf("summary %+v, want 2 breached of 3", s)
	}
	// "password" was found locally: only the two others went to the API.
	if n := rs.requests.Load(); n != 2 {
		t.Errorf("%d API requests, want 2 (the index answers the rest)", n)
	}
}

func TestStage_RangeAPIDownFailsTheBatch(t *testing.T) {
	rs, srv := newRangeServer(t)
	rs.fail = true
	stage, _, err := Stage(Options{Client: client(srv, 2)})
	if err != nil {
		t.Fatal(err)
	}
	pw := "qwerty"
	err = stage(t.Context(), batchOf(user{password: pw}))
	if !errors.Is(err, breach.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	prefix := strings.ToUpper(hex.EncodeToString(breach.SHA1.Sum([]byte(pw))))[:5]
	if strings.Contains(err.Error(), pw) || strings.Contains(strings.ToUpper(err.Error()), prefix) {
		t.Errorf("error names the password or its range: %v", err)
	}
}
