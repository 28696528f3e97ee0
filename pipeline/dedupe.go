package pipeline

import (
	"context"
	"hash/maphash"
	"strings"

	"github.com/ferry-dev/ferry/profile"
)

// Dedupe returns an ordered stage that rejects a record whose user_id,
// email or username an earlier record of the run already had, as Auth0's
// import rejects a duplicate entry in one file: DUPLICATED_USER for the
// user_id, CONFLICT_EMAIL, CONFLICT_USERNAME. Emails and usernames compare
// case-insensitively. The first occurrence is kept.
//
// It remembers a 64-bit hash of each key — about 40 bytes per user — so
// its memory grows with the input; 64-bit collisions are negligible below
// billions of users. It must run as a Job.Ordered stage.
func Dedupe() Stage {
	d := &deduper{seen: newHashSet(1 << 16), seed: maphash.MakeSeed()}
	return d.stage
}

type deduper struct {
	seen *hashSet
	seed maphash.Seed
}

func (d *deduper) key(kind byte, s string, fold bool) uint64 {
	var h maphash.Hash
	h.SetSeed(d.seed)
	h.WriteByte(kind)
	if fold {
		s = strings.ToLower(s)
	}
	h.WriteString(s)
	return h.Sum64()
}

func (d *deduper) stage(ctx context.Context, b *Batch) error {
	b.Check(func(r *Record) profile.Issues {
		u := &r.User
		var is profile.Issues
		var keys [3]uint64
		n := 0
		if u.UserID != "" {
			k := d.key('i', u.UserID, false)
			if d.seen.has(k) {
				is.Add(profile.CodeDuplicatedUser, "user_id", "an earlier record has the same user_id")
			}
			keys[n] = k
			n++
		}
		if u.Email != "" {
			k := d.key('e', u.Email, true)
			if d.seen.has(k) {
				is.Add(profile.CodeConflictEmail, "email", "an earlier record has the same email")
			}
			keys[n] = k
			n++
		}
		if u.Username != "" {
			k := d.key('u', u.Username, true)
			if d.seen.has(k) {
				is.Add(profile.CodeConflictUsername, "username", "an earlier record has the same username")
			}
			keys[n] = k
			n++
		}
		if len(is) == 0 {
			for _, k := range keys[:n] {
				d.seen.add(k)
			}
		}
		return is
	})
	return nil
}

// hashSet is an open-addressing set of non-zero 64-bit hashes: 8 bytes a
// slot, kept at most half full.
type hashSet struct {
	slots []uint64
	n     int
}

func newHashSet(size int) *hashSet { return &hashSet{slots: make([]uint64, size)} }

func (s *hashSet) has(k uint64) bool {
	if k == 0 {
		k = 1
	}
	mask := uint64(len(s.slots) - 1)
	for i := k & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case k:
			return true
		case 0:
			return false
		}
	}
}

func (s *hashSet) add(k uint64) {
	if k == 0 {
		k = 1
	}
	if 2*(s.n+1) > len(s.slots) {
		old := s.slots
		s.slots = make([]uint64, 2*len(old))
		s.n = 0
		for _, o := range old {
			if o != 0 {
				s.insert(o)
			}
		}
	}
	s.insert(k)
}

func (s *hashSet) insert(k uint64) {
	mask := uint64(len(s.slots) - 1)
	for i := k & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case k:
			return
		case 0:
			s.slots[i] = k
			s.n++
			return
		}
	}
}
