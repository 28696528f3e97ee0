package screen

import (
	"strings"
	"sync/atomic"

	"github.com/ferry-dev/ferry/pipeline"
)

// Stats is what the workers of one screening stage share while they run:
// the time audits took, which --audit-budget bounds. What screening did is
// counted per batch in Batch.Tally (FromTally reads a run's counts back).
type Stats struct {
	// AuditTime is the time spent auditing, summed over workers.
	AuditTime atomic.Int64 // nanoseconds

	policy Policy
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

// Summary is what screening did in a run, for reports (FromTally).
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

// TallyPrefix starts the names under which the screening stage counts
// each batch in Batch.Tally. The runner adds a batch's tally to the run's
// counts once the batch is written (and checkpoints carry them), so that
// FromTally summarises the committed batches of the whole job, as the
// run's read does, where Stats counts every batch the workers screened.
const TallyPrefix = "screening."

// tallyFields are the counters of a Summary in Batch.Tally.
var tallyFields = [...]struct {
	name string
	get  func(*Summary) *int64
}{
	{"checked", func(s *Summary) *int64 { return &s.Checked }},
	{"breached", func(s *Summary) *int64 { return &s.Breached }},
	{"unverifiable", func(s *Summary) *int64 { return &s.Unverifiable }},
	{"audited", func(s *Summary) *int64 { return &s.Audited }},
	{"audit_incomplete", func(s *Summary) *int64 { return &s.AuditIncomplete }},
	{"unreadable", func(s *Summary) *int64 { return &s.Unreadable }},
	{"flagged", func(s *Summary) *int64 { return &s.Flagged }},
	{"rejected", func(s *Summary) *int64 { return &s.Rejected }},
	{"reset", func(s *Summary) *int64 { return &s.Reset }},
}

// tallyBatch adds one batch's counts to b.Tally.
func tallyBatch(b *pipeline.Batch, s *Summary, labels []string, by []AlgorithmStats) {
	if b.Tally == nil {
		b.Tally = map[string]int64{}
	}
	for _, f := range tallyFields {
		if n := *f.get(s); n != 0 {
			b.Tally[TallyPrefix+f.name] += n
		}
	}
	if s.AuditSeconds > 0 {
		b.Tally[TallyPrefix+"audit_ns"] += int64(s.AuditSeconds * 1e9)
	}
	for i, l := range labels {
		p := TallyPrefix + "by_algorithm." + l + "."
		for name, n := range map[string]int64{"users": by[i].Users, "checked": by[i].Checked,
			"breached": by[i].Breached, "unverifiable": by[i].Unverifiable} {
			if n != 0 {
				b.Tally[p+name] += n
			}
		}
	}
}

// FromTally returns the Summary of the screening counts in a run's tally
// (Counts.Tally), for policy.
func FromTally(policy Policy, t map[string]int64) Summary {
	s := Summary{Policy: policy.String(), AuditSeconds: float64(t[TallyPrefix+"audit_ns"]) / 1e9}
	for _, f := range tallyFields {
		*f.get(&s) = t[TallyPrefix+f.name]
	}
	for name, n := range t {
		rest, ok := strings.CutPrefix(name, TallyPrefix+"by_algorithm.")
		if !ok {
			continue
		}
		i := strings.LastIndexByte(rest, '.')
		if i < 0 {
			continue
		}
		if s.ByAlgorithm == nil {
			s.ByAlgorithm = map[string]AlgorithmStats{}
		}
		a := s.ByAlgorithm[rest[:i]]
		switch rest[i+1:] {
		case "users":
			a.Users += n
		case "checked":
			a.Checked += n
		case "breached":
			a.Breached += n
		case "unverifiable":
			a.Unverifiable += n
		}
		s.ByAlgorithm[rest[:i]] = a
	}
	return s
}
