package sqlstore

import (
	"fmt"
	"hash/maphash"
	"slices"

	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

// Outcome is what a store does with one record of a batch.
type Outcome uint8

// Outcomes. Fast and Pending are undecided.
const (
	Fast      Outcome = iota // try it with the bulk insert
	Pending                  // decide it in order against the store
	Inserted                 // done: new row
	Updated                  // done: an upsert changed a stored row
	Unchanged                // done: the store already holds it
	Rejected                 // refused with issues
)

// Change is a decision on one record, before it is applied to the view.
type Change struct {
	Outcome Outcome
	// Target is the stored row an update or unchanged record refers to
	// (an index into the view).
	Target int
	// Merged is the updated row.
	Merged Row
	Issues profile.Issues
}

// Plan decides the records of one batch. A store uses it for one batch at a
// time: Reset, Encode, Classify, the store's bulk insert of the fast
// records (marking the ones it skipped with Skip), then Know for every
// stored row that shares a key with a pending record, Decide and Apply in
// order (or DecideAll), and Settle. It is not safe for concurrent use.
type Plan struct {
	// Connection is the store's connection: emails and usernames are
	// unique within it.
	Connection string
	// Upsert makes a record whose email exists in the connection update
	// the stored user's upsertable columns.
	Upsert bool

	Rows     []Row
	Outcomes []Outcome
	Issues   []profile.Issues
	decided  []bool // decided by Apply, not by the bulk insert

	// The view: stored rows sharing a key with a pending record, and
	// the rows this batch wrote.
	known    []Row
	byID     map[string]int
	byEmail  map[string]int
	byName   map[string]int
	touched  map[string]struct{}
	updated  map[string]int // user_id → index in known, in order of first update
	updOrder []string
	fastIDs  map[string]struct{} // user_ids of the fast records inserted; built on demand

	claimed [3]map[uint64]struct{}
	seed    maphash.Seed
}

// NewPlan returns an empty plan for a store.
func NewPlan(connection string, upsert bool) *Plan {
	p := &Plan{
		Connection: connection,
		Upsert:     upsert,
		byID:       map[string]int{},
		byEmail:    map[string]int{},
		byName:     map[string]int{},
		touched:    map[string]struct{}{},
		updated:    map[string]int{},
		seed:       maphash.MakeSeed(),
	}
	for i := range p.claimed {
		p.claimed[i] = map[uint64]struct{}{}
	}
	return p
}

// Reset prepares the plan for a batch of n records.
func (p *Plan) Reset(n int) {
	p.Rows = grow(p.Rows, n)
	p.Outcomes = grow(p.Outcomes, n)
	p.Issues = grow(p.Issues, n)
	p.decided = grow(p.decided, n)
	clear(p.known)
	p.known = p.known[:0]
	clear(p.byID)
	clear(p.byEmail)
	clear(p.byName)
	clear(p.touched)
	clear(p.updated)
	p.updOrder = p.updOrder[:0]
	p.fastIDs = nil
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// Encode encodes every record of b into Rows and forgets any earlier
// decision (a new attempt at a batch starts here); records the store cannot
// hold are Rejected with their issues, the others Fast. When a
// BatchEncoder with enc's settings wrote the batch's rows to b.Out (on the
// pipeline's workers), the rows are taken from there.
func (p *Plan) Encode(enc *Encoder, b *pipeline.Batch) error {
	if ok, err := p.load(enc, b); ok || err != nil {
		return err
	}
	enc.Reset()
	p.Reset(len(b.Records))
	for i := range b.Records {
		is, err := enc.Encode(&b.Records[i].User, &p.Rows[i])
		if err != nil {
			return fmt.Errorf("record %d: %w", b.Records[i].Origin.Index, err)
		}
		if len(is) > 0 {
			p.Outcomes[i], p.Issues[i] = Rejected, is
		}
	}
	return nil
}

// Classify routes the encoded records: those sharing no key (user_id, email,
// username) with an earlier record of the batch stay Fast, the others
// become Pending, which keeps the batch's order of effects. It returns the
// number of fast records. (Keys are compared by hash: a collision only
// sends a record the slow, exact way.)
func (p *Plan) Classify() int {
	for i := range p.claimed {
		clear(p.claimed[i])
	}
	n := 0
	for i := range p.Rows {
		if p.Outcomes[i] != Fast {
			continue
		}
		r := &p.Rows[i]
		for k, col := range [...]int{ColUserID, ColEmail, ColUsername} {
			v := r[col]
			if v == nil {
				continue
			}
			h := maphash.Bytes(p.seed, v)
			if _, dup := p.claimed[k][h]; dup {
				p.Outcomes[i] = Pending
			}
			p.claimed[k][h] = struct{}{}
		}
		if p.Outcomes[i] == Fast {
			n++
		}
	}
	return n
}

// Skip marks fast record i as skipped by the bulk insert: it is decided in
// order with the pending ones.
func (p *Plan) Skip(i int) {
	if p.Outcomes[i] == Fast {
		p.Outcomes[i] = Pending
	}
}

// SkipAllFast marks every fast record as skipped (the bulk insert was
// rolled back).
func (p *Plan) SkipAllFast() {
	for i, o := range p.Outcomes {
		if o == Fast {
			p.Outcomes[i] = Pending
		}
	}
}

// InsertFast marks the fast records still Fast as inserted by the bulk
// insert.
func (p *Plan) InsertFast() {
	for i, o := range p.Outcomes {
		if o == Fast {
			p.Outcomes[i] = Inserted
		}
	}
}

// Count returns the number of records with outcome o.
func (p *Plan) Count(o Outcome) int {
	n := 0
	for _, x := range p.Outcomes {
		if x == o {
			n++
		}
	}
	return n
}

// Keys returns the distinct user_ids, emails and usernames of the records
// with outcome o: what a store looks up to Know the rows they may meet.
func (p *Plan) Keys(o Outcome) (ids, emails, usernames []string) {
	seen := [3]map[string]struct{}{{}, {}, {}}
	for i, x := range p.Outcomes {
		if x != o {
			continue
		}
		r := &p.Rows[i]
		for k, col := range [...]int{ColUserID, ColEmail, ColUsername} {
			v := r[col]
			if v == nil {
				continue
			}
			if _, dup := seen[k][string(v)]; dup {
				continue
			}
			s := string(v)
			seen[k][s] = struct{}{}
			switch k {
			case 0:
				ids = append(ids, s)
			case 1:
				emails = append(emails, s)
			default:
				usernames = append(usernames, s)
			}
		}
	}
	return ids, emails, usernames
}

// Know adds a stored row to the view. r must not change afterwards (Clone
// it when its memory is reused). A row known already is ignored.
func (p *Plan) Know(r Row) {
	id := string(r[ColUserID])
	if _, ok := p.byID[id]; ok {
		return
	}
	if p.fastIDs == nil {
		p.fastIDs = map[string]struct{}{}
		for i, o := range p.Outcomes {
			if o == Inserted {
				p.fastIDs[string(p.Rows[i][ColUserID])] = struct{}{}
			}
		}
	}
	if _, ok := p.fastIDs[id]; ok {
		p.touched[id] = struct{}{}
	}
	p.index(r)
}

func (p *Plan) index(r Row) {
	k := len(p.known)
	p.known = append(p.known, r)
	p.byID[string(r[ColUserID])] = k
	if string(r[ColConnection]) != p.Connection {
		return
	}
	if v := r[ColEmail]; v != nil {
		p.byEmail[string(v)] = k
	}
	if v := r[ColUsername]; v != nil {
		p.byName[string(v)] = k
	}
}

// Decide returns what record i does, given the view, as if the records
// before it had been applied one at a time. It changes nothing; Apply does.
func (p *Plan) Decide(i int) Change {
	r := &p.Rows[i]
	email, username := r[ColEmail], r[ColUsername]
	if p.Upsert && email != nil {
		if k, ok := p.byEmail[string(email)]; ok {
			e := &p.known[k]
			merged := *e
			for _, c := range Upsertable {
				if r[c] != nil {
					merged[c] = r[c]
				}
			}
			if merged.Equal(e) {
				return Change{Outcome: Unchanged, Target: k}
			}
			return Change{Outcome: Updated, Target: k, Merged: merged}
		}
	}
	var ch Change
	id := string(r[ColUserID])
	same, hasID := p.byID[id]
	if hasID {
		_, seen := p.touched[id]
		if !seen && p.known[same].Equal(r) {
			return Change{Outcome: Unchanged, Target: same}
		}
		ch.Issues.Add(profile.CodeDuplicatedUser, "user_id", "user_id exists"+where(seen))
	}
	if email != nil {
		p.conflict(&ch, p.byEmail, email, hasID, same, profile.CodeConflictEmail, "email")
	}
	if username != nil {
		p.conflict(&ch, p.byName, username, hasID, same, profile.CodeConflictUsername, "username")
	}
	if len(ch.Issues) > 0 {
		ch.Outcome = Rejected
		return ch
	}
	ch.Outcome = Inserted
	return ch
}

// conflict adds code when another user of the connection holds value in
// the unique column (email or username).
func (p *Plan) conflict(ch *Change, m map[string]int, value []byte, hasID bool, same int, code profile.Code, path string) {
	k, ok := m[string(value)]
	if !ok || hasID && k == same {
		return // free, or the same user, already reported as DUPLICATED_USER
	}
	_, seen := p.touched[string(p.known[k][ColUserID])]
	ch.Issues.Add(code, path, path+" exists in the connection"+where(seen))
}

func where(inBatch bool) string {
	if inBatch {
		return " (an earlier record of the batch)"
	}
	return " (in the store)"
}

// Apply records the decision ch on record i in the view.
func (p *Plan) Apply(i int, ch Change) {
	p.Outcomes[i] = ch.Outcome
	p.decided[i] = true
	switch ch.Outcome {
	case Inserted:
		r := p.Rows[i]
		p.touched[string(r[ColUserID])] = struct{}{}
		p.index(r)
	case Updated:
		id := string(p.known[ch.Target][ColUserID])
		p.known[ch.Target] = ch.Merged
		p.touched[id] = struct{}{}
		if _, ok := p.updated[id]; !ok {
			p.updated[id] = ch.Target
			p.updOrder = append(p.updOrder, id)
		}
	case Unchanged:
		p.touched[string(p.known[ch.Target][ColUserID])] = struct{}{}
	case Rejected:
		p.Issues[i] = ch.Issues
	}
}

// Reject refuses record i with one issue (a constraint of the store refused
// it).
func (p *Plan) Reject(i int, code profile.Code, path, msg string) {
	p.Outcomes[i] = Rejected
	p.Issues[i] = nil
	p.Issues[i].Add(code, path, msg)
}

// DecideAll decides and applies every pending record, in order.
func (p *Plan) DecideAll() {
	for i, o := range p.Outcomes {
		if o == Pending {
			p.Apply(i, p.Decide(i))
		}
	}
}

// Inserts returns the records Apply decided to insert, in batch order: the
// rows a store still has to insert after its bulk insert.
func (p *Plan) Inserts() []int {
	var out []int
	for i, o := range p.Outcomes {
		if o == Inserted && p.decided[i] {
			out = append(out, i)
		}
	}
	return out
}

// Updates returns the final rows of the stored users the batch updated, in
// the order of their first update.
func (p *Plan) Updates() []Row {
	out := make([]Row, 0, len(p.updOrder))
	for _, id := range p.updOrder {
		out = append(out, p.known[p.updated[id]])
	}
	return out
}

// Settle returns b as the store wrote it: the records it refused moved to
// Rejects (in order, after those already there) and Written set. b itself
// is not changed. Every record must be decided.
func (p *Plan) Settle(b *pipeline.Batch) (pipeline.Batch, error) {
	done := *b
	var st pipeline.WriteStats
	nrej := 0
	for i, o := range p.Outcomes {
		switch o {
		case Inserted:
			st.Inserted++
		case Updated:
			st.Updated++
		case Unchanged:
			st.Unchanged++
		case Rejected:
			nrej++
		default:
			return done, fmt.Errorf("record %d left undecided", b.Records[i].Origin.Index)
		}
	}
	if nrej > 0 {
		done.Records = make([]pipeline.Record, 0, len(b.Records)-nrej)
		done.Rejects = slices.Clip(b.Rejects)
		for i := range b.Records {
			if p.Outcomes[i] == Rejected {
				u := b.Records[i].User
				done.Rejects = append(done.Rejects, pipeline.Reject{Origin: b.Records[i].Origin, Issues: p.Issues[i], User: &u})
				continue
			}
			done.Records = append(done.Records, b.Records[i])
		}
	}
	done.Written = st
	return done, nil
}
