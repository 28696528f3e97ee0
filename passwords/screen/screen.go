package screen

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ferry-dev/ferry/passwords"
	"github.com/ferry-dev/ferry/passwords/breach"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

// ErrOptions: Stage was given options it cannot run with.
var ErrOptions = errors.New("screen: invalid options")

// Policy is what screening does with a record whose password is breached.
type Policy int

// Policies. The zero value is Flag.
const (
	// Flag sets app_metadata.<FlagField> to true and keeps the record.
	Flag Policy = iota
	// Reject sends the record to the rejects with code PASSWORD_BREACHED.
	Reject
	// Reset removes the password and hashes, so that the user must reset
	// the password, and flags the record.
	Reset
)

// ParsePolicy reads "flag", "reject" or "reset".
func ParsePolicy(s string) (Policy, error) {
	switch s {
	case "flag", "":
		return Flag, nil
	case "reject":
		return Reject, nil
	case "reset":
		return Reset, nil
	}
	return 0, fmt.Errorf("%w: policy %q is not flag, reject or reset", ErrOptions, s)
}

// String returns "flag", "reject" or "reset".
func (p Policy) String() string {
	switch p {
	case Flag:
		return "flag"
	case Reject:
		return "reject"
	case Reset:
		return "reset"
	}
	return fmt.Sprintf("policy(%d)", int(p))
}

// DefaultFlagField is the app_metadata key Flag and Reset set.
const DefaultFlagField = "breached_password"

// Options configure Stage. At least one of Indexes and Client is needed;
// the zero value of the rest works.
type Options struct {
	// Indexes are local corpora, at most one of each kind (SHA-1, NTLM).
	// The caller keeps them open while the stage runs and closes them.
	Indexes []*breach.Index
	// Client queries a range API. With Indexes too, it is asked only
	// what no index found.
	Client *breach.Client
	// Lookups bounds the range-API lookups one batch runs concurrently
	// (default 8). The requests in flight across all workers stay bounded
	// by Client.Concurrency.
	Lookups int

	Policy Policy
	// FlagField is the app_metadata key set to true on a breached record
	// (default DefaultFlagField); dots nest ("security.breached").
	FlagField string

	// Candidates, most common first, are tried against fast hashes the
	// corpus cannot be searched with (salted digests, HMAC, LDAP SSHA,
	// unsalted MD5 …). Nil disables auditing: such hashes are counted as
	// unverifiable.
	Candidates [][]byte
	// AuditBudget bounds the time spent auditing, summed over all workers
	// for the whole run; records left when it is spent are counted as
	// unverifiable (AuditIncomplete). Zero means no limit.
	AuditBudget time.Duration
}

func (o Options) withDefaults() Options {
	if o.Lookups <= 0 {
		o.Lookups = 8
	}
	if o.FlagField == "" {
		o.FlagField = DefaultFlagField
	}
	return o
}

// Stage returns the screening stage and the Stats its workers share (the
// audit time); it counts what it does per batch in Batch.Tally. It checks the
// options: a corpus is given, one index per kind, a known policy, and a
// flag field Auth0 accepts as an app_metadata key. Place it after
// validation, so that only valid records are screened.
func Stage(opts Options) (pipeline.Stage, *Stats, error) {
	opts = opts.withDefaults()
	if len(opts.Indexes) == 0 && opts.Client == nil {
		return nil, nil, fmt.Errorf("%w: no breach index and no range API", ErrOptions)
	}
	if opts.Policy < Flag || opts.Policy > Reset {
		return nil, nil, fmt.Errorf("%w: unknown policy %d", ErrOptions, int(opts.Policy))
	}
	s := &screener{opts: opts, stats: &Stats{policy: opts.Policy}, flagPath: "app_metadata." + opts.FlagField}
	for i, ix := range opts.Indexes {
		if ix == nil {
			return nil, nil, fmt.Errorf("%w: index %d is nil", ErrOptions, i)
		}
		k := ix.Kind()
		if int(k) >= len(s.byKind) || k == 0 {
			return nil, nil, fmt.Errorf("%w: index %d: unknown kind", ErrOptions, i)
		}
		if s.byKind[k] != nil {
			return nil, nil, fmt.Errorf("%w: two %s indexes", ErrOptions, k)
		}
		s.byKind[k] = ix
	}
	if err := checkFlagField(s.flagPath); err != nil {
		return nil, nil, err
	}
	if len(opts.Candidates) > 0 {
		s.auditor = passwords.NewAuditor(opts.Candidates)
	}
	return s.stage, s.stats, nil
}

// checkFlagField checks that setting path to true yields app_metadata that
// Auth0's schema accepts (no '$' or empty key, no reserved key).
func checkFlagField(path string) error {
	var u profile.User
	if err := u.SetJSON(path, trueJSON); err != nil {
		return fmt.Errorf("%w: flag field: %w", ErrOptions, err)
	}
	for _, is := range profile.Validate(&u, profile.ValidateOptions{}) {
		if strings.HasPrefix(is.Path, "app_metadata") {
			return fmt.Errorf("%w: flag field %s: %s", ErrOptions, strings.TrimPrefix(path, "app_metadata."), is.Message)
		}
	}
	return nil
}

var trueJSON = []byte("true")

// screener is one configured stage; its methods run on many workers.
type screener struct {
	opts     Options
	byKind   [3]*breach.Index // by breach.Kind
	auditor  *passwords.Auditor
	flagPath string
	stats    *Stats
	pool     sync.Pool // of *batchState
}

// outcome is what screening concluded about one record.
type outcome uint8

const (
	outNone outcome = iota // no password, hash or plaintext
	outClean
	outBreached
	outUnverifiable
)

// verdict is the screening of one record of a batch.
type verdict struct {
	label string // UserLabel, or LabelPlaintext when the plaintext was checked
	path  string // the field checked, for a reject
	out   outcome
}

// lookup is a range-API query for one record.
type lookup struct {
	rec    int
	kind   breach.Kind
	digest []byte
}

// batchState is a batch's scratch space, reused across batches.
type batchState struct {
	verdicts []verdict
	lookups  []lookup
	// counts gathered for one atomic add per batch
	audited, incomplete, unreadable int64
	auditTime                       time.Duration
	labels                          []string
	byLabel                         []AlgorithmStats
}

func (st *batchState) reset(n int) {
	if cap(st.verdicts) < n {
		st.verdicts = make([]verdict, n)
	}
	st.verdicts = st.verdicts[:n]
	clear(st.verdicts)
	clear(st.lookups)
	st.lookups = st.lookups[:0]
	st.audited, st.incomplete, st.unreadable, st.auditTime = 0, 0, 0, 0
	st.labels = st.labels[:0]
	st.byLabel = st.byLabel[:0]
}

func (st *batchState) count(label string, out outcome) {
	var a AlgorithmStats
	a.Users = 1
	switch out {
	case outClean:
		a.Checked = 1
	case outBreached:
		a.Checked, a.Breached = 1, 1
	case outUnverifiable:
		a.Unverifiable = 1
	}
	for i, l := range st.labels {
		if l == label {
			st.byLabel[i].add(a)
			return
		}
	}
	st.labels = append(st.labels, label)
	st.byLabel = append(st.byLabel, a)
}

func (s *screener) stage(ctx context.Context, b *pipeline.Batch) error {
	st, _ := s.pool.Get().(*batchState)
	if st == nil {
		st = &batchState{}
	}
	defer s.pool.Put(st)
	st.reset(len(b.Records))

	for i := range b.Records {
		s.examine(i, &b.Records[i].User, st)
	}
	if len(st.lookups) > 0 {
		if err := s.lookupRemote(ctx, b, st); err != nil {
			return err
		}
	}

	var checked, breached, unverifiable, acted, rejected int64
	for i := range st.verdicts {
		v := &st.verdicts[i]
		switch v.out {
		case outNone:
			continue
		case outClean:
			checked++
		case outBreached:
			checked++
			breached++
		case outUnverifiable:
			unverifiable++
		}
		st.count(v.label, v.out)
	}
	if breached > 0 {
		i := 0
		b.Check(func(r *pipeline.Record) profile.Issues {
			v := &st.verdicts[i]
			i++
			if v.out != outBreached {
				return nil
			}
			is := s.apply(&r.User, v)
			if is == nil {
				acted++
			} else {
				rejected++
			}
			return is
		})
	}
	sum := Summary{Checked: checked, Breached: breached, Unverifiable: unverifiable, Audited: st.audited,
		AuditIncomplete: st.incomplete, Unreadable: st.unreadable, Rejected: rejected,
		AuditSeconds: st.auditTime.Seconds()}
	switch s.opts.Policy {
	case Flag:
		sum.Flagged = acted
	case Reset:
		sum.Reset = acted
	}
	tallyBatch(b, &sum, st.labels, st.byLabel)
	return nil
}

// apply carries out the policy on a breached record. It returns the issues
// that send the record to the rejects.
func (s *screener) apply(u *profile.User, v *verdict) profile.Issues {
	switch s.opts.Policy {
	case Reject:
		return profile.Issues{{Code: profile.CodePasswordBreached, Path: v.path,
			Message: "password is in the breached-password corpus"}}
	case Reset:
		u.Password, u.PasswordHash, u.CustomPasswordHash = "", "", nil
	}
	if err := u.SetJSON(s.flagPath, trueJSON); err != nil {
		return profile.Issues{{Code: profile.CodeInvalidType, Path: "app_metadata",
			Message: "breached password: cannot set the flag, app_metadata is not an object"}}
	}
	return nil
}

// examine screens record i locally: plaintext and direct digests against
// the indexes, fast hashes by audit. What needs the range API is queued
// in st.lookups.
func (s *screener) examine(i int, u *profile.User, st *batchState) {
	v := &st.verdicts[i]
	switch {
	case u.Password != "":
		v.label, v.path = LabelPlaintext, "password"
		s.plaintext(i, u.Password, st)
		return
	case len(u.CustomPasswordHash) > 0:
		v.path = "custom_password_hash"
	case u.PasswordHash != "":
		v.path = "password_hash"
		// A crypt or PHC string names its algorithm unambiguously in its
		// prefix: slow ones need no parsing.
		if l := passwords.Label(u.PasswordHash); isSlow(l) {
			v.label, v.out = l, outUnverifiable
			return
		}
	default:
		return
	}
	v.out = outUnverifiable
	h, _, err := passwords.FromUser(u)
	if err != nil {
		v.label = LabelUnknown
		st.unreadable++
		return
	}
	v.label = h.Name()
	switch passwords.Classify(h) {
	case passwords.FastUnsalted:
		if kind, sum, ok := h.BreachKey(); ok {
			k, _ := breach.ParseKind(kind)
			if s.direct(i, k, sum, st) {
				return
			}
		}
		s.audit(h, v, st)
	case passwords.FastSalted:
		s.audit(h, v, st)
	}
}

// plaintext looks a plaintext password up in every index, then queues it
// for the range API when none found it.
func (s *screener) plaintext(i int, pw string, st *batchState) {
	v := &st.verdicts[i]
	p := []byte(pw)
	for _, ix := range s.byKind {
		if ix != nil && ix.ContainsPassword(p) {
			v.out = outBreached
			return
		}
	}
	v.out = outClean
	if s.opts.Client != nil {
		st.lookups = append(st.lookups, lookup{rec: i, kind: breach.SHA1, digest: breach.SHA1.Sum(p)})
	}
}

// direct looks a digest of kind k up in the index of that kind and, when
// it is absent there, queues it for the range API. It reports false when
// no corpus can answer for k.
func (s *screener) direct(i int, k breach.Kind, sum []byte, st *batchState) bool {
	v := &st.verdicts[i]
	ix := s.byKind[k]
	if ix == nil && s.opts.Client == nil {
		return false
	}
	if ix != nil && ix.Contains(sum) {
		v.out = outBreached
		return true
	}
	v.out = outClean
	if s.opts.Client != nil {
		st.lookups = append(st.lookups, lookup{rec: i, kind: k, digest: sum})
	}
	return true
}

// audit tries the candidate list against a fast hash within what is left
// of the budget.
func (s *screener) audit(h passwords.Hash, v *verdict, st *batchState) {
	v.out = outUnverifiable
	if s.auditor == nil {
		return
	}
	var budget time.Duration
	if s.opts.AuditBudget > 0 {
		budget = s.opts.AuditBudget - time.Duration(s.stats.AuditTime.Load())
		if budget <= 0 {
			st.incomplete++
			return
		}
	}
	res, err := s.auditor.Audit(h, budget)
	s.stats.AuditTime.Add(int64(res.Elapsed))
	st.auditTime += res.Elapsed
	if err != nil {
		st.unreadable++
		return
	}
	st.audited++
	switch {
	case res.Found:
		v.out = outBreached
	case res.Exhausted:
		st.incomplete++
	default:
		v.out = outClean
	}
}

// lookupRemote runs the batch's range-API lookups, opts.Lookups at a time.
func (s *screener) lookupRemote(ctx context.Context, b *pipeline.Batch, st *batchState) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.opts.Lookups)
	for _, l := range st.lookups {
		g.Go(func() error {
			n, err := s.opts.Client.Count(gctx, l.kind, l.digest)
			if err != nil {
				o := b.Records[l.rec].Origin
				return fmt.Errorf("screen: range lookup of record %d of %s: %w", o.Index, o.Source, err)
			}
			if n > 0 {
				st.verdicts[l.rec].out = outBreached
			}
			return nil
		})
	}
	return g.Wait()
}

// isSlow reports whether a label names a slow KDF, which screening counts
// as unverifiable without parsing the hash.
func isSlow(label string) bool {
	switch label {
	case "bcrypt", "bcrypt-sha256", "scrypt", "firebase-scrypt", "md5-crypt", "sha256-crypt", "sha512-crypt":
		return true
	}
	return strings.HasPrefix(label, "pbkdf2-") || strings.HasPrefix(label, "argon2")
}
