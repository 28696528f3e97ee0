package passwords

import (
	"fmt"
	"sync"
	"time"
)

// AuditResult is the outcome of trying a list of candidate passwords
// against one hash. It never holds the candidate itself, only its index.
type AuditResult struct {
	Found     bool
	Index     int // index of the matching candidate; -1 when none matched
	Tried     int // candidates tried
	Exhausted bool
	Elapsed   time.Duration
}

// Audit tries candidates (UTF-8, most common first) against a fast hash —
// salted digests, HMAC, LDAP SSHA, unsalted digests — until one matches,
// all were tried, or budget (wall-clock time on the calling goroutine) runs
// out, in which case Exhausted is set. budget ≤ 0 means no limit. Slow
// hashes return ErrNotAuditable: they are counted as unverifiable instead.
func Audit(h Hash, candidates [][]byte, budget time.Duration) (AuditResult, error) {
	return (&Auditor{candidates: candidates}).audit(h, budget, false)
}

// Auditor audits many hashes against one candidate list. For unsalted
// digests it computes each candidate's digest once per algorithm and then
// answers by lookup. It is safe for concurrent use.
type Auditor struct {
	candidates [][]byte

	mu     sync.Mutex
	tables map[string]map[string]int // by Name()+encoding: digest → first index
}

// NewAuditor returns an Auditor over candidates, which it does not copy.
func NewAuditor(candidates [][]byte) *Auditor {
	return &Auditor{candidates: candidates}
}

// Audit is the package-level Audit against the Auditor's candidates.
func (a *Auditor) Audit(h Hash, budget time.Duration) (AuditResult, error) {
	return a.audit(h, budget, true)
}

// auditCheckEvery is how many candidates run between two clock reads.
const auditCheckEvery = 32

func (a *Auditor) audit(h Hash, budget time.Duration, useTables bool) (AuditResult, error) {
	res := AuditResult{Index: -1}
	class := Classify(h)
	if class == Slow {
		return res, fmt.Errorf("%w: %s", ErrNotAuditable, h.Name())
	}
	start := time.Now()
	if useTables && class == FastUnsalted {
		idx, err := a.lookup(h)
		res.Elapsed = time.Since(start)
		if err != nil {
			return res, err
		}
		res.Tried = len(a.candidates)
		if idx >= 0 {
			res.Found, res.Index, res.Tried = true, idx, idx+1
		}
		return res, nil
	}
	m, err := h.matcher(Limits{})
	if err != nil {
		return res, err
	}
	for i, c := range a.candidates {
		if budget > 0 && i%auditCheckEvery == 0 && i > 0 && time.Since(start) > budget {
			res.Exhausted = true
			break
		}
		ok, err := m.match(c)
		res.Tried++
		if err != nil {
			res.Elapsed = time.Since(start)
			return res, err
		}
		if ok {
			res.Found, res.Index = true, i
			break
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// lookup finds h's digest in the table of candidate digests for its
// algorithm and password encoding, building the table on first use.
func (a *Auditor) lookup(h Hash) (int, error) {
	key := string(h.Algorithm) + "/" + string(h.PasswordEncoding)
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.tables[key]
	if !ok {
		proto := Hash{Algorithm: h.Algorithm, PasswordEncoding: h.PasswordEncoding, Sum: h.Sum}
		m, err := proto.matcher(Limits{})
		if err != nil {
			return -1, err
		}
		t = make(map[string]int, len(a.candidates))
		for i, c := range a.candidates {
			d := string(m.ff(nil, transcode(c, h.PasswordEncoding)))
			if _, dup := t[d]; !dup {
				t[d] = i
			}
		}
		if a.tables == nil {
			a.tables = make(map[string]map[string]int)
		}
		a.tables[key] = t
	}
	if i, ok := t[string(h.Sum)]; ok {
		return i, nil
	}
	return -1, nil
}
