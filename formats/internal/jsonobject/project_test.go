package jsonobject_test

import (
	"encoding/json"
	"testing"

	"github.com/ferry-dev/ferry/formats/internal/jsonobject"
	"github.com/ferry-dev/ferry/profile"
)

func TestProject_WritesTheNamedPathsUnderTheirExportNames(t *testing.T) {
	u := profile.User{
		UserID: "auth0|1", Email: "ana@example.com", EmailVerified: profile.True,
		UserMetadata: json.RawMessage(`{"plan":"pro","consent":{"given":true}}`),
		AppMetadata:  json.RawMessage(`{"roles":["a"]}`),
		Identities:   []profile.Identity{{Connection: "db", Provider: "auth0", UserID: "1"}},
		LoginsCount:  profile.IntOf(3),
	}
	tests := []struct {
		name  string
		paths []string
		as    map[string]string
		want  string
	}{
		{"root attributes in the order named", []string{"email", "user_id", "email_verified", "logins_count"}, nil,
			`{"email":"ana@example.com","user_id":"auth0|1","email_verified":true,"logins_count":3}`},
		{"export names", []string{"user_id", "given_name", "identities[0].connection"},
			map[string]string{"user_id": "Id", "identities[0].connection": "Connection"},
			`{"Id":"auth0|1","Connection":"db"}`},
		{"paths into metadata and whole objects", []string{"user_metadata.consent.given", "app_metadata"}, nil,
			`{"user_metadata.consent.given":true,"app_metadata":{"roles":["a"]}}`},
		{"what the user lacks is left out", []string{"phone_number", "user_metadata.missing", "nickname"}, nil, `{}`},
		{"names are JSON strings", []string{"email"}, map[string]string{"email": `E "mail"`}, `{"E \"mail\"":"ana@example.com"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(jsonobject.Project(tt.paths, tt.as).Append([]byte("x"), &u))
			if got != "x"+tt.want {
				t.Errorf("got  %s\nwant x%s", got, tt.want)
			}
			if !json.Valid([]byte(got[1:])) {
				t.Errorf("not valid JSON: %s", got[1:])
			}
		})
	}
}
