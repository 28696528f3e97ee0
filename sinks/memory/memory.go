package memory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sync"

	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

var (
	_ pipeline.Sink         = (*Sink)(nil)
	_ pipeline.Checkpointer = (*Sink)(nil)
)

// ErrClosed is returned by Write and LastCheckpoint after Close.
var ErrClosed = errors.New("memory: sink closed")

// Sink keeps records in memory, upserting by Record.Key. The zero value is
// not usable; call New. It is safe for concurrent use.
type Sink struct {
	mu      sync.Mutex
	byKey   map[string]int
	records []pipeline.Record
	cps     map[string]pipeline.Checkpoint
	closed  bool
}

// New returns an empty sink.
func New() *Sink {
	return &Sink{byKey: make(map[string]int), cps: make(map[string]pipeline.Checkpoint)}
}

// Write stores copies of b's records, replacing a stored record of the same
// key, and commits the checkpoint b.PrepareCommit returns with them. A
// record without a key (no user_id and no email) moves to b.Rejects with
// REQUIRED. With a cancelled context nothing is stored. b.Written counts a
// new key as inserted, a replaced record as updated, and an equal one as
// unchanged; b.Checkpoint is left as committed.
func (s *Sink) Write(ctx context.Context, b *pipeline.Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: write batch %d: %w", b.Seq, err)
	}
	// Decide first, on a copy of b, and change nothing until the
	// checkpoint is prepared: a failure leaves the sink and b as they were.
	done := *b
	done.Records = make([]pipeline.Record, 0, len(b.Records))
	done.Rejects = slices.Clip(b.Rejects)
	type change struct {
		at  int // index in s.records, or -1 for a new key
		rec pipeline.Record
	}
	changes := make([]change, 0, len(b.Records))
	pending := map[string]int{} // key → index in changes
	var st pipeline.WriteStats
	for i := range b.Records {
		r := &b.Records[i]
		key := r.Key()
		if key == "" {
			var is profile.Issues
			is.Add(profile.CodeRequired, "user_id", "record has neither user_id nor email")
			u := r.User
			done.Rejects = append(done.Rejects, pipeline.Reject{Origin: r.Origin, Issues: is, User: &u})
			continue
		}
		done.Records = append(done.Records, *r)
		rec := pipeline.Record{User: clone(&r.User), Origin: r.Origin}
		var old *pipeline.Record
		if k, ok := pending[key]; ok {
			old = &changes[k].rec
		} else if at, ok := s.byKey[key]; ok {
			old = &s.records[at]
		}
		switch {
		case old == nil:
			pending[key] = len(changes)
			changes = append(changes, change{at: -1, rec: rec})
			st.Inserted++
			continue
		case reflect.DeepEqual(old.User, rec.User):
			st.Unchanged++
			continue
		}
		st.Updated++
		if k, ok := pending[key]; ok {
			changes[k].rec = rec
		} else {
			pending[key] = len(changes)
			changes = append(changes, change{at: s.byKey[key], rec: rec})
		}
	}
	done.Written = st
	cp, err := done.PrepareCommit()
	if err != nil {
		return fmt.Errorf("memory: write batch %d: %w", b.Seq, err)
	}
	for _, c := range changes {
		if c.at >= 0 {
			s.records[c.at] = c.rec
			continue
		}
		s.byKey[c.rec.User.Key()] = len(s.records)
		s.records = append(s.records, c.rec)
	}
	done.Checkpoint = cp
	cp.Counts.ByCode = maps.Clone(cp.Counts.ByCode)
	s.cps[cp.Job] = cp
	*b = done
	return nil
}

// Close ends writing; Records still answers afterwards.
func (s *Sink) Close(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

// LastCheckpoint returns the checkpoint committed with the last batch of
// job, or nil.
func (s *Sink) LastCheckpoint(ctx context.Context, job string) (*pipeline.Checkpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	cp, ok := s.cps[job]
	if !ok {
		return nil, nil
	}
	cp.Counts.ByCode = maps.Clone(cp.Counts.ByCode)
	return &cp, nil
}

// Records returns copies of the stored records in the order their keys
// were first written.
func (s *Sink) Records() []pipeline.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]pipeline.Record, len(s.records))
	for i := range s.records {
		out[i] = pipeline.Record{User: clone(&s.records[i].User), Origin: s.records[i].Origin}
	}
	return out
}

// clone returns a deep copy of u that shares no memory with it.
func clone(u *profile.User) profile.User {
	c := *u
	c.AppMetadata = cloneRaw(u.AppMetadata)
	c.UserMetadata = cloneRaw(u.UserMetadata)
	c.CustomPasswordHash = cloneRaw(u.CustomPasswordHash)
	c.Extra = cloneAttrs(u.Extra)
	c.MFAFactors = slices.Clone(u.MFAFactors)
	for i := range c.MFAFactors {
		c.MFAFactors[i].Raw = cloneRaw(c.MFAFactors[i].Raw)
	}
	c.Identities = slices.Clone(u.Identities)
	for i := range c.Identities {
		c.Identities[i].ProfileData = cloneRaw(c.Identities[i].ProfileData)
		c.Identities[i].Extra = cloneAttrs(c.Identities[i].Extra)
	}
	return c
}

func cloneRaw(m json.RawMessage) json.RawMessage {
	if m == nil {
		return nil
	}
	return slices.Clone(m)
}

func cloneAttrs(a []profile.Attr) []profile.Attr {
	a = slices.Clone(a)
	for i := range a {
		a[i].Value = cloneRaw(a[i].Value)
	}
	return a
}
