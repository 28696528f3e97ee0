package screen

import (
	"maps"
	"sync"
	"sync/atomic"
)

// Stats counts what screening did. Every record with a password, hash or
// plaintext, ends in exactly one of Checked and Unverifiable; Breached,
// Audited and the policy counts are parts of Checked. The counters are
// shared by all workers.
type Stats struct {
	// Checked records were looked up in the corpus or audited to a verdict.
	Checked atomic.Int64
	// Breached records were found in the corpus or among the candidates.
	Breached atomic.Int64
	// Unverifiable records hold a hash screening cannot check: slow KDFs,
	// fast ones without an audit list or corpus kind, audits the budget
	// cut short, values no parser reads.
	Unverifiable atomic.Int64
	// Audited records were tried against the candidate list.
	Audited atomic.Int64
	// AuditIncomplete records were left unverifiable because the audit
	// budget ran out (before or during their audit).
	AuditIncomplete atomic.Int64
	// Unreadable records hold a value the passwords package cannot parse
	// (also counted as Unverifiable).
	Unreadable atomic.Int64
	// Flagged, Rejected and Reset count the breached records each policy
	// acted on.
	Flagged  atomic.Int64
	Rejected atomic.Int64
	Reset    atomic.Int64
	// AuditTime is the time spent auditing, summed over workers.
	AuditTime atomic.Int64 // nanoseconds

	policy Policy
	mu     sync.Mutex
	byAlg  map[string]AlgorithmStats
}

// AlgorithmStats are the screening counts of one algorithm label
// (UserLabel's, "plaintext" for a plaintext password).
type AlgorithmStats struct {
	Users        int64 `json:"users"`
	Checked      int64 `json:"checked,omitempty"`
	Breached     int64 `json:"breached,omitempty"`
	Unverifiable int64 `json:"unverifiable,omitempty"`
}

func (a *AlgorithmStats) add(o AlgorithmStats) {
	a.Users += o.Users
	a.Checked += o.Checked
	a.Breached += o.Breached
	a.Unverifiable += o.Unverifiable
}

// Summary is a snapshot of Stats, for reports.
type Summary struct {
	Policy          string                    `json:"policy"`
	Checked         int64                     `json:"checked"`
	Breached        int64                     `json:"breached"`
	Unverifiable    int64                     `json:"unverifiable"`
	Audited         int64                     `json:"audited"`
	AuditIncomplete int64                     `json:"audit_incomplete,omitempty"`
	Unreadable      int64                     `json:"unreadable,omitempty"`
	Flagged         int64                     `json:"flagged,omitempty"`
	Rejected        int64                     `json:"rejected,omitempty"`
	Reset           int64                     `json:"reset,omitempty"`
	AuditSeconds    float64                   `json:"audit_seconds,omitempty"`
	ByAlgorithm     map[string]AlgorithmStats `json:"by_algorithm,omitempty"`
}

// Snapshot returns the counts so far.
func (s *Stats) Snapshot() Summary {
	s.mu.Lock()
	by := maps.Clone(s.byAlg)
	s.mu.Unlock()
	return Summary{
		Policy:          s.policy.String(),
		Checked:         s.Checked.Load(),
		Breached:        s.Breached.Load(),
		Unverifiable:    s.Unverifiable.Load(),
		Audited:         s.Audited.Load(),
		AuditIncomplete: s.AuditIncomplete.Load(),
		Unreadable:      s.Unreadable.Load(),
		Flagged:         s.Flagged.Load(),
		Rejected:        s.Rejected.Load(),
		Reset:           s.Reset.Load(),
		AuditSeconds:    float64(s.AuditTime.Load()) / 1e9,
		ByAlgorithm:     by,
	}
}

// addAlgorithms merges one batch's per-algorithm counts.
func (s *Stats) addAlgorithms(labels []string, counts []AlgorithmStats) {
	if len(labels) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byAlg == nil {
		s.byAlg = make(map[string]AlgorithmStats, len(labels))
	}
	for i, l := range labels {
		a := s.byAlg[l]
		a.add(counts[i])
		s.byAlg[l] = a
	}
}
