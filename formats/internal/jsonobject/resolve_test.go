package jsonobject_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferry-dev/ferry/formats/internal/jsonobject"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

func TestDecode_ResolvesMembersAsCSVColumnsAre(t *testing.T) {
	mapping := profile.Mapping{
		Columns: map[string]string{"Mail Address": "email", "Plan": "user_metadata.plan"},
		Ignore:  []string{"internal_notes"},
	}
	tests := []struct {
		name   string
		obj    string
		m      profile.Mapping
		want   string   // the record, as ferry writes it
		issues []string // code@path
	}{
		{"Firebase's names through the alias table",
			`{"localId":"abc","email":"a@example.com","displayName":"Ana Lima","emailVerified":true,"disabled":false,"createdAt":"1577836800000","photoUrl":"https://example.com/a.png"}`,
			profile.Mapping{},
			`{"user_id":"abc","email":"a@example.com","email_verified":true,"name":"Ana Lima","picture":"https://example.com/a.png","blocked":false,"created_at":"2020-01-01T00:00:00Z"}`, nil},
		{"case and separators folded, unknown members kept in order",
			`{"Email":"a@example.com","zeta":1,"Last Name":"Lima","alpha":{"b":2}}`,
			profile.Mapping{},
			`{"email":"a@example.com","family_name":"Lima","zeta":1,"alpha":{"b":2}}`, nil},
		{"the mapping first, ignored members dropped",
			`{"Mail Address":"a@example.com","Plan":"pro","internal_notes":"x","id":"u1"}`,
			mapping,
			`{"user_id":"u1","email":"a@example.com","user_metadata":{"plan":"pro"}}`, nil},
		{"a numeric id becomes text, as a CSV cell",
			`{"email":"a@example.com","id":12345}`, profile.Mapping{},
			`{"user_id":"12345","email":"a@example.com"}`, nil},
		{"an alias of an attribute the object has is a conflict; the member is kept",
			`{"email":"a@example.com","mail":"b@example.com"}`, profile.Mapping{},
			`{"email":"a@example.com","mail":"b@example.com"}`, []string{"CONFLICT@email"}},
		{"two aliases of one attribute conflict",
			`{"uid":"a","localId":"b","email":"a@example.com"}`, profile.Mapping{},
			`{"user_id":"a","email":"a@example.com","localId":"b"}`, []string{"CONFLICT@user_id"}},
		{"a value the path cannot take is an issue; the member is kept",
			`{"email":"a@example.com","disabled":"sometimes"}`, profile.Mapping{},
			`{"email":"a@example.com","disabled":"sometimes"}`, []string{"INVALID_TYPE@blocked"}},
		{"an alias onto an attribute Auth0 keeps as it is",
			`{"email":"a@example.com","jobTitle":"CTO"}`, profile.Mapping{},
			`{"email":"a@example.com","job_title":"CTO"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b pipeline.Batch
			jsonobject.Decode(&b, pipeline.Position{Source: "t", Line: 1}, []byte(tt.obj), "not an object", jsonobject.NewNames(&tt.m))
			if len(b.Rejects) > 0 || len(b.Records) != 1 {
				t.Fatalf("rejects %+v, records %d", b.Rejects, len(b.Records))
			}
			r := b.Records[0]
			if got := string(profile.AppendJSON(nil, &r.User)); got != tt.want {
				t.Errorf("record\n got %s\nwant %s", got, tt.want)
			}
			var issues []string
			for _, is := range r.Issues {
				issues = append(issues, string(is.Code)+"@"+is.Path)
				if strings.Contains(is.Message, "example.com") || strings.Contains(is.Message, "sometimes") {
					t.Errorf("issue message quotes a value: %s", is.Message)
				}
			}
			if d := cmp.Diff(tt.issues, issues); d != "" {
				t.Errorf("issues (-want +got):\n%s", d)
			}
		})
	}
}
