package pipeline_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

func TestRejectIssues_RejectsRecordsWithDecodeIssuesOnly(t *testing.T) {
	wrongType := profile.Issues{{Code: profile.CodeInvalidType, Path: "logins_count", Message: "expected an integer"}}
	tests := []struct {
		name        string
		issues      []profile.Issues // per record, by index
		wantKept    []int64
		wantRejects map[int64]profile.Issues
	}{
		{"no issues keeps every record", []profile.Issues{nil, nil}, []int64{0, 1}, map[int64]profile.Issues{}},
		{"a record with issues is rejected with them", []profile.Issues{nil, wrongType, nil}, []int64{0, 2},
			map[int64]profile.Issues{1: wrongType}},
		{"every record with issues", []profile.Issues{wrongType, wrongType}, nil,
			map[int64]profile.Issues{0: wrongType, 1: wrongType}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &pipeline.Batch{Read: len(tt.issues)}
			for i, is := range tt.issues {
				// An email Validate would refuse: RejectIssues must not check it.
				b.Records = append(b.Records, pipeline.Record{User: profile.User{Email: "not an email"},
					Origin: pipeline.Position{Index: int64(i)}, Issues: is})
			}
			if err := pipeline.RejectIssues()(t.Context(), b); err != nil {
				t.Fatal(err)
			}
			var kept []int64
			for _, r := range b.Records {
				kept = append(kept, r.Origin.Index)
			}
			rejects := map[int64]profile.Issues{}
			for _, r := range b.Rejects {
				rejects[r.Origin.Index] = r.Issues
			}
			if d := cmp.Diff(tt.wantKept, kept); d != "" {
				t.Errorf("kept (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.wantRejects, rejects); d != "" {
				t.Errorf("rejects (-want +got):\n%s", d)
			}
		})
	}
}
