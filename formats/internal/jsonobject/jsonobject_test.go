package jsonobject_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferry-dev/ferry/formats/internal/jsonobject"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

// notObject is the message the tests pass for a value that is no object.
const notObject = "value is not a JSON object"

func TestDecode_AppendsARecordOrAReject(t *testing.T) {
	tests := []struct {
		name, obj  string
		wantEmail  string   // of the record, when one is appended
		wantIssues []string // paths of the record's issues
		wantReject string   // message of the reject, when one is appended
	}{
		{"object", `{"email":"a@b.c"}`, "a@b.c", nil, ""},
		{"wrong type is an issue of the record", `{"email":"a@b.c","email_verified":"maybe"}`, "a@b.c", []string{"email_verified"}, ""},
		{"array", `[{}]`, "", nil, notObject},
		{"string", `"x"`, "", nil, notObject},
		{"invalid utf-8 in a string", "{\"name\":\"\xff\"}", "", nil, "invalid UTF-8"},
		{"invalid utf-8 after a syntax error", "{\"name\":,\"\xff\"}", "", nil, "invalid UTF-8"},
		{"syntax error", `{"name":}`, "", nil, "malformed JSON object: json: offset 8: invalid character, expected a value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := pipeline.Record{Origin: pipeline.Position{Source: "t", Line: 1}}
			b := pipeline.Batch{Records: []pipeline.Record{before}}
			at := pipeline.Position{Source: "t", Line: 7, Index: 3}
			jsonobject.Decode(&b, at, []byte(tt.obj), notObject, jsonobject.NewNames(&profile.Mapping{}))
			if tt.wantReject != "" {
				want := []pipeline.Reject{{Origin: at, Issues: profile.Issues{{Code: profile.CodeParse, Message: tt.wantReject}}}}
				if d := cmp.Diff(want, b.Rejects); d != "" {
					t.Errorf("rejects mismatch (-want +got):\n%s", d)
				}
				if len(b.Records) != 1 || b.Records[0].Origin != before.Origin {
					t.Errorf("records %+v, want only the one before", b.Records)
				}
				return
			}
			if len(b.Rejects) != 0 || len(b.Records) != 2 {
				t.Fatalf("%d records, rejects %+v; want a second record and no reject", len(b.Records), b.Rejects)
			}
			r := b.Records[1]
			if r.Origin != at || r.User.Email != tt.wantEmail {
				t.Errorf("record at %+v with email %q, want %+v and %q", r.Origin, r.User.Email, at, tt.wantEmail)
			}
			var paths []string
			for _, is := range r.Issues {
				paths = append(paths, is.Path)
			}
			if d := cmp.Diff(tt.wantIssues, paths); d != "" {
				t.Errorf("issue paths mismatch (-want +got):\n%s", d)
			}
		})
	}
}
