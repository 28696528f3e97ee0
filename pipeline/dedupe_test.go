package pipeline_test

import (
	"context"
	"io"
	"testing"

	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

// users is a source of fixed users, in batches of two.
type users struct {
	list []profile.User
	next int
}

func (s *users) Next(ctx context.Context) (*pipeline.Batch, error) {
	if s.next >= len(s.list) {
		return nil, io.EOF
	}
	b := &pipeline.Batch{}
	for i := 0; i < 2 && s.next < len(s.list); i++ {
		b.Records = append(b.Records, pipeline.Record{User: s.list[s.next], Origin: pipeline.Position{Index: int64(s.next)}})
		s.next++
	}
	return b, nil
}

func (s *users) Close() error { return nil }

func TestDedupe_RejectsLaterDuplicatesWithAuth0Codes(t *testing.T) {
	in := []profile.User{
		{UserID: "auth0|1", Email: "a@example.com", Username: "ann"},
		{UserID: "auth0|2", Email: "b@example.com"},
		{UserID: "auth0|1", Email: "c@example.com"},                  // same user_id as 0
		{UserID: "auth0|4", Email: "A@Example.com"},                  // same email as 0, other case
		{UserID: "auth0|5", Email: "e@example.com", Username: "ANN"}, // same username as 0
		{UserID: "auth0|6", Email: "f@example.com"},
		{UserID: "auth0|1", Email: "a@example.com", Username: "ann"}, // all three
	}
	want := map[int64][]profile.Code{
		2: {profile.CodeDuplicatedUser},
		3: {profile.CodeConflictEmail},
		4: {profile.CodeConflictUsername},
		6: {profile.CodeDuplicatedUser, profile.CodeConflictEmail, profile.CodeConflictUsername},
	}
	sink := &recorder{failSeq: -1}
	var got []pipeline.Reject
	rw := rejectFunc(func(seq uint64, rs []pipeline.Reject) error { got = append(got, rs...); return nil })
	sum, err := pipeline.Run(t.Context(), pipeline.Job{Source: &users{list: in}, Sink: sink,
		Stages: []pipeline.Stage{shuffle}, Ordered: []pipeline.Stage{pipeline.Dedupe()}},
		pipeline.Options{Workers: 3, MaxRejects: -1, Rejects: rw})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Counts.Written != 3 || sum.Counts.Rejected != 4 {
		t.Fatalf("counts %+v, want 3 written and 4 rejected", sum.Counts)
	}
	for _, r := range got {
		w := want[r.Origin.Index]
		if len(w) != len(r.Issues) {
			t.Fatalf("record %d: issues %v, want codes %v", r.Origin.Index, r.Issues, w)
		}
		for i := range w {
			if r.Issues[i].Code != w[i] {
				t.Errorf("record %d: issue %d is %s, want %s", r.Origin.Index, i, r.Issues[i].Code, w[i])
			}
		}
	}
}

type rejectFunc func(seq uint64, rs []pipeline.Reject) error

func (f rejectFunc) WriteRejects(seq uint64, rs []pipeline.Reject) error { return f(seq, rs) }
