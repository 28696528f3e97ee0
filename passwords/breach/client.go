package breach

import (
	"bytes"
	"container/list"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ferry-dev/ferry/internal/retry"
)

// DefaultBaseURL is the public Pwned Passwords range API.
const DefaultBaseURL = "https://api.pwnedpasswords.com"

// Client queries a Pwned Passwords range API by k-anonymity: only the
// first five hex digits of a digest leave the process (GET
// {BaseURL}/range/{5 hex}, with ?mode=ntlm for NT hashes), and the match is
// made locally. Requests ask for padding (Add-Padding: true); padding lines
// have count 0 and never match. Concurrency is bounded, transient failures
// (network errors, 429, 5xx) are retried with exponential backoff and
// jitter, honouring Retry-After, and ranges are kept in an LRU cache.
//
// The zero value queries the public API with the defaults below. A Client
// is safe for concurrent use; do not copy it after first use.
type Client struct {
	BaseURL     string        // default DefaultBaseURL; self-hosted mirrors welcome
	HTTP        *http.Client  // default: a client with a 30 s timeout
	Concurrency int           // requests in flight; default 8
	MaxRetries  int           // retries after the first attempt; default 5
	MinBackoff  time.Duration // first backoff; default 250 ms
	MaxBackoff  time.Duration // backoff and Retry-After ceiling; default 30 s
	CacheSize   int           // ranges cached; default 1024, negative disables
	NoPadding   bool          // do not ask for padding
	UserAgent   string        // default "ferry"

	once  sync.Once
	sem   chan struct{}
	mu    sync.Mutex
	lru   *list.List // of *rangeEntry, most recent first
	cache map[rangeKey]*list.Element
	calls map[rangeKey]*call
	// sleep waits between retries; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

type rangeKey struct {
	kind   Kind
	prefix uint32 // 20 bits
}

// rangeData is one parsed range: the digests of the range in ascending
// order, each kind.Size() bytes, and their counts.
type rangeData struct {
	digests []byte
	counts  []int64
}

type rangeEntry struct {
	key  rangeKey
	data *rangeData
}

type call struct {
	done chan struct{}
	data *rangeData
	err  error
}

func (c *Client) init() {
	c.once.Do(func() {
		if c.BaseURL == "" {
			c.BaseURL = DefaultBaseURL
		}
		c.BaseURL = strings.TrimRight(c.BaseURL, "/")
		if c.HTTP == nil {
			c.HTTP = &http.Client{Timeout: 30 * time.Second}
		}
		if c.Concurrency <= 0 {
			c.Concurrency = 8
		}
		if c.MaxRetries < 0 {
			c.MaxRetries = 0
		} else if c.MaxRetries == 0 {
			c.MaxRetries = 5
		}
		if c.MinBackoff <= 0 {
			c.MinBackoff = 250 * time.Millisecond
		}
		if c.MaxBackoff <= 0 {
			c.MaxBackoff = 30 * time.Second
		}
		if c.CacheSize == 0 {
			c.CacheSize = 1024
		}
		if c.UserAgent == "" {
			c.UserAgent = "ferry"
		}
		if c.sleep == nil {
			c.sleep = retry.Sleep
		}
		c.sem = make(chan struct{}, c.Concurrency)
		c.lru = list.New()
		c.cache = make(map[rangeKey]*list.Element)
		c.calls = make(map[rangeKey]*call)
	})
}

// Count returns how many times digest (SHA-1, 20 bytes, or NT hash, 16
// bytes, by kind) appears in the corpus; 0 means not breached.
func (c *Client) Count(ctx context.Context, kind Kind, digest []byte) (int64, error) {
	if kind.Size() == 0 || len(digest) != kind.Size() {
		return 0, fmt.Errorf("%w: digest of %d bytes for kind %s", ErrKind, len(digest), kind)
	}
	c.init()
	key := rangeKey{kind: kind, prefix: uint32(digest[0])<<12 | uint32(digest[1])<<4 | uint32(digest[2])>>4}
	r, err := c.rangeFor(ctx, key)
	if err != nil {
		return 0, err
	}
	return r.count(digest), nil
}

// CountPassword hashes a UTF-8 password by kind and returns its Count.
func (c *Client) CountPassword(ctx context.Context, kind Kind, password []byte) (int64, error) {
	return c.Count(ctx, kind, kind.Sum(password))
}

// count finds digest in the range by binary search.
func (r *rangeData) count(digest []byte) int64 {
	n, size := len(r.counts), len(digest)
	lo, hi := 0, n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch bytes.Compare(r.digests[m*size:(m+1)*size], digest) {
		case 0:
			return r.counts[m]
		case -1:
			lo = m + 1
		default:
			hi = m
		}
	}
	return 0
}

// rangeFor returns the range from the cache, from a request already in
// flight for it, or from a new request.
func (c *Client) rangeFor(ctx context.Context, key rangeKey) (*rangeData, error) {
	for {
		d, shared, err := c.rangeOnce(ctx, key)
		// A request shared with a caller whose context ended is retried
		// under this caller's own context.
		if shared && err != nil && ctx.Err() == nil &&
			(errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
			continue
		}
		return d, err
	}
}

func (c *Client) rangeOnce(ctx context.Context, key rangeKey) (_ *rangeData, shared bool, _ error) {
	c.mu.Lock()
	if el, ok := c.cache[key]; ok {
		c.lru.MoveToFront(el)
		d := el.Value.(*rangeEntry).data
		c.mu.Unlock()
		return d, false, nil
	}
	if cl, ok := c.calls[key]; ok {
		c.mu.Unlock()
		select {
		case <-cl.done:
			return cl.data, true, cl.err
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
	cl := &call{done: make(chan struct{})}
	c.calls[key] = cl
	c.mu.Unlock()

	cl.data, cl.err = c.fetch(ctx, key)

	c.mu.Lock()
	delete(c.calls, key)
	if cl.err == nil && c.CacheSize > 0 {
		c.cache[key] = c.lru.PushFront(&rangeEntry{key: key, data: cl.data})
		for c.lru.Len() > c.CacheSize {
			old := c.lru.Remove(c.lru.Back()).(*rangeEntry)
			delete(c.cache, old.key)
		}
	}
	c.mu.Unlock()
	close(cl.done)
	return cl.data, false, cl.err
}

// fetch requests one range, retrying transient failures.
func (c *Client) fetch(ctx context.Context, key rangeKey) (*rangeData, error) {
	u := fmt.Sprintf("%s/range/%05X", c.BaseURL, key.prefix)
	if key.kind == NTLM {
		u += "?mode=ntlm"
	}
	var last error
	for attempt := 0; ; attempt++ {
		data, wait, err := c.try(ctx, u, key)
		if err == nil {
			return data, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var perm permanent
		if errors.As(err, &perm) {
			return nil, perm.error
		}
		last = err
		if attempt >= c.MaxRetries {
			break
		}
		if wait <= 0 {
			wait = c.backoff(attempt)
		}
		if err := c.sleep(ctx, min(wait, c.MaxBackoff)); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("%w: after %d attempts: %v", ErrUnavailable, c.MaxRetries+1, last)
}

// permanent marks an error that a retry cannot fix.
type permanent struct{ error }

// try makes one request. wait is the server's Retry-After, if any.
func (c *Client) try(ctx context.Context, u string, key rangeKey) (*rangeData, time.Duration, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	}
	defer func() { <-c.sem }()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, permanent{fmt.Errorf("breach: range request: %w", stripURL(err))}
	}
	req.Header.Set("User-Agent", c.UserAgent)
	if !c.NoPadding {
		req.Header.Set("Add-Padding", "true")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("breach: range request: %w", stripURL(err))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK:
		body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
		if err != nil {
			return nil, 0, fmt.Errorf("breach: range read: %w", stripURL(err))
		}
		d, err := parseRange(body, key)
		if err != nil {
			return nil, 0, permanent{err}
		}
		return d, 0, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, retryAfter(resp.Header.Get("Retry-After"), time.Now()), fmt.Errorf("breach: range status %d", resp.StatusCode)
	}
	return nil, 0, permanent{fmt.Errorf("%w: range status %d", ErrUnavailable, resp.StatusCode)}
}

// backoff is exponential with jitter: a random duration in [d/2, d) where
// d doubles from MinBackoff up to MaxBackoff.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.MinBackoff << min(attempt, 20)
	if d <= 0 || d > c.MaxBackoff {
		d = c.MaxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(min(s, 86400)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// stripURL drops the request URL from a transport error: it holds the
// range prefix, which is derived from a password.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// parseRange reads a range response: SUFFIX:COUNT lines (CRLF or LF).
// Lines with count 0 are padding and are dropped. An invalid line fails
// the whole range; the error names the line number only.
func parseRange(body []byte, key rangeKey) (*rangeData, error) {
	size := key.kind.Size()
	suffixLen := 2*size - 5
	prefix := fmt.Sprintf("%05X", key.prefix)
	d := &rangeData{}
	hexBuf := make([]byte, 2*size)
	copy(hexBuf, prefix)
	sorted := true
	for n := 1; len(body) > 0; n++ {
		var line []byte
		line, body, _ = bytes.Cut(body, []byte{'\n'})
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) == 0 {
			continue
		}
		suffix, count, ok := bytes.Cut(line, []byte{':'})
		if !ok || len(suffix) != suffixLen || !isHexBytes(suffix) || !isDigitBytes(bytes.TrimSpace(count)) {
			return nil, fmt.Errorf("%w: range response line %d", ErrFormat, n)
		}
		c, err := strconv.ParseInt(string(bytes.TrimSpace(count)), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: range response line %d count", ErrFormat, n)
		}
		if c == 0 {
			continue // padding
		}
		copy(hexBuf[5:], suffix)
		var digest [20]byte
		if _, err := hex.Decode(digest[:size], hexBuf); err != nil {
			return nil, fmt.Errorf("%w: range response line %d", ErrFormat, n)
		}
		if k := len(d.counts); k > 0 && bytes.Compare(d.digests[(k-1)*size:], digest[:size]) >= 0 {
			sorted = false
		}
		d.digests = append(d.digests, digest[:size]...)
		d.counts = append(d.counts, c)
	}
	if !sorted {
		d.sort(size)
	}
	return d, nil
}

// sort orders a range whose lines arrived out of order.
func (d *rangeData) sort(size int) {
	idx := make([]int, len(d.counts))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		return bytes.Compare(d.digests[a*size:(a+1)*size], d.digests[b*size:(b+1)*size])
	})
	digests := make([]byte, 0, len(d.digests))
	counts := make([]int64, 0, len(d.counts))
	for _, i := range idx {
		digests = append(digests, d.digests[i*size:(i+1)*size]...)
		counts = append(counts, d.counts[i])
	}
	d.digests, d.counts = digests, counts
}
