// Package querytest holds the differential cases of the query package:
// a fixed set of users and queries, each with the user_ids it must select.
// The query package checks them against Match and against SQLite; a store
// checks them against its own SQL by loading Users and running Run.
package querytest

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/profile"
)

// Case is one query and the users it selects.
type Case struct {
	// Query is in Auth0's search syntax.
	Query string
	// Want lists the user_ids of the users the query selects, sorted.
	Want []string
}

// Run checks every case: search must return the user_ids of the users of
// Users that the query selects, in any order. Each case is a subtest named
// after its query.
func Run(t *testing.T, search func(t *testing.T, query string) []string) {
	t.Helper()
	for _, c := range Cases() {
		t.Run(c.Query, func(t *testing.T) {
			got := slices.Clone(search(t, c.Query))
			slices.Sort(got)
			if !slices.Equal(got, c.Want) {
				t.Errorf("query %s\n got  %q\n want %q", c.Query, got, c.Want)
			}
		})
	}
}

// IDs returns the user_ids of us, sorted.
func IDs(us []profile.User) []string {
	ids := make([]string, len(us))
	for i := range us {
		ids[i] = us[i].UserID
	}
	slices.Sort(ids)
	return ids
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic("querytest: bad time in fixture: " + s) // fixed data, checked by the tests
	}
	return t
}

func raw(s string) json.RawMessage { return json.RawMessage(s) }

// Users returns the fixed users, each call a fresh copy. Their values are
// chosen for the edges of the syntax: case, wildcards next to LIKE and GLOB
// specials, arrays at each level of a path, null and empty values, numbers
// held as numbers and as strings, partial dates and time zones.
func Users() []profile.User {
	T, F := profile.True, profile.False
	return []profile.User{
		{
			UserID: "auth0|01", Email: "jane@exampleco.com", EmailVerified: T,
			Username: "janes", GivenName: "Jane", FamilyName: "Smith", Name: "jane smith", Nickname: "jane",
			Blocked: F, LoginsCount: profile.IntOf(100), LastIP: "10.0.0.1",
			CreatedAt: at("2017-12-01T00:00:00Z"), LastLogin: at("2017-12-31T23:59:59.999999Z"),
			AppMetadata:  raw(`{"plan":"gold","roles":["admin","editor"],"subscription":{"plan":"gold","seats":5},"score":5}`),
			UserMetadata: raw(`{"full_name":"Jane Smith","addresses":[{"city":"Paris"},{"city":"Lyon"}]}`),
			Identities:   []profile.Identity{{Connection: "Username-Password-Authentication", Provider: "auth0", UserID: "01", IsSocial: F}},
		},
		{
			UserID: "google-oauth2|02", Email: "john@exampleco.com", EmailVerified: F,
			GivenName: "John", FamilyName: "Doe", Name: "John Richard Doe", Nickname: "johnny",
			LoginsCount: profile.IntOf(0), LastIP: "10.0.0.10",
			CreatedAt: at("2018-01-15T10:00:00Z"), LastLogin: at("2018-01-15T12:00:00Z"),
			AppMetadata:  raw(`{"plan":"silver","roles":["editor"],"score":5.0}`),
			UserMetadata: raw(`{"full_name":"John Smith"}`),
			Identities: []profile.Identity{{Connection: "google-oauth2", Provider: "google-oauth2", UserID: "102", IsSocial: T,
				ProfileData: raw(`{"email":"john@gmail.com","email_verified":true}`)}},
		},
		{
			UserID: "auth0|03", Email: "Johnny.B@Example.ORG",
			GivenName: "Johnny", Name: "Johnny B. Goode", Nickname: "jb",
			Blocked: T, LoginsCount: profile.IntOf(150), LastIP: "10.0.0.9",
			CreatedAt: at("2017-11-30T23:59:59Z"), LastLogin: at("2017-11-15T08:00:00Z"),
			AppMetadata:  raw(`{"plan":"Gold","score":"5"}`),
			UserMetadata: raw(`{"addresses":{"city":"Paris"}}`),
		},
		{
			UserID: "auth0|04", Email: "teresa@usa.example.com", EmailVerified: T,
			GivenName: "Teresa", FamilyName: "Usa", Name: "Teresa Usa", Nickname: "tess",
			LoginsCount: profile.IntOf(200), LastIP: "10.0.1.1",
			CreatedAt: at("2018-01-15T23:59:59.999999Z"), LastLogin: at("2017-12-31T23:59:59.9999999Z"),
			AppMetadata:  raw(`{"plan":"golden","score":"5.0","code":"50%_off"}`),
			UserMetadata: raw(`{"addresses":[{"city":"paris"},{"zip":"75001"}]}`),
			Identities:   []profile.Identity{{Connection: "samlp-corp", Provider: "samlp", UserID: "t@corp"}},
		},
		{
			UserID: "auth0|05", Email: "jsmith@other.org", EmailVerified: T,
			GivenName: "Jane", FamilyName: "Smith", Name: "Jane Smith", Nickname: "js",
			LoginsCount: profile.IntOf(250), LastIP: "192.168.0.1",
			CreatedAt: at("2016-05-05T05:05:05Z"), LastLogin: at("2017-12-01T00:00:00Z"),
			AppMetadata: raw(`{"code":"50xyoff","roles":"admin","tags":[]}`),
		},
		{
			UserID: "auth0|06", Email: "johnathan@exampleco.com", EmailVerified: T,
			Name: "johnathan", Nickname: "john", Username: "john",
			LoginsCount: profile.IntOf(101), Blocked: F,
			CreatedAt:   at("2018-01-14T23:00:00-01:00"),
			AppMetadata: raw(`{"tags":[null],"code":"a*bc","level":"b"}`),
		},
		{
			UserID: "auth0|07", Email: "lucia@example.com", EmailVerified: F,
			Name: "Lucia Usa", GivenName: "Lucia",
			LoginsCount: profile.IntOf(99),
			AppMetadata: raw(`{"tags":{"a":null},"code":"axbc","level":"c"}`),
		},
		{
			UserID: "auth0|08", Email: "jq@exampleco.com",
			GivenName: "Jane", Name: "Jane Q. Smith",
			AppMetadata: raw(`{"tags":["x"],"level":"d","active":true}`),
			Identities: []profile.Identity{
				{Connection: "Username-Password-Authentication", Provider: "auth0", UserID: "08"},
				{Connection: "google-oauth2", Provider: "google-oauth2", UserID: "208", IsSocial: T},
			},
		},
		{
			UserID: "auth0|09", Email: "doe@exampleco.com", Name: "john doe",
			LoginsCount: profile.IntOf(5), LastIP: "10.0.0.2",
			AppMetadata: raw(`{"level":"da","active":"true","note":"say \"hi\""}`),
		},
		{
			UserID: "auth0|10", Email: "zoe@example.net", Name: "Zoë", Nickname: "zoë",
			PhoneNumber: "+12125550001", PhoneVerified: T,
			LoginsCount: profile.IntOf(4),
			AppMetadata: raw(`{"active":false,"nested":[[1]]}`),
		},
		{
			UserID: "sms|11", PhoneNumber: "+12125550002", PhoneVerified: F,
			LoginsCount: profile.IntOf(1),
			Identities:  []profile.Identity{{Connection: "sms", Provider: "sms", UserID: "11"}},
		},
		{
			UserID: "auth0|12", Email: "nobody@", Name: "Nobody",
			AppMetadata:  raw(`{}`),
			UserMetadata: raw(`{"addresses":[]}`),
		},
		{
			UserID: "auth0|13", Email: "meta@exampleco.com", Name: "Meta Data",
			AppMetadata:  raw(`{"plan":null,"score":[4,"x",11],"subscription":[{"plan":"gold"},{"plan":"silver"}]}`),
			UserMetadata: raw(`{"full_name":null,"addresses":[{"city":["Paris","Nice"]}]}`),
		},
		{
			UserID: "auth0|14", Email: "big@exampleco.com", Name: "Big Numbers",
			LoginsCount: profile.IntOf(9999999),
			AppMetadata: raw(`{"score":1e3,"level":"B","plan":"gold "}`),
		},
		{
			UserID: "auth0|15", Email: "Upper@EXAMPLECO.com", Name: "UPPER CASE", Nickname: "Upper",
			GivenName: "Upper", Username: "Upper",
			LoginsCount: profile.IntOf(100),
			CreatedAt:   at("2018-01-15T00:00:00Z"), LastLogin: at("2018-01-01T00:00:00Z"),
		},
		{
			UserID: "auth0|16", Username: "zed", LoginsCount: profile.IntOf(7),
			CreatedAt: at("2018-01-15T00:30:00+01:00"),
		},
		{
			UserID: "auth0|17", Email: "a+tag@exampleco.com", EmailVerified: T, Blocked: F,
			Name: "A Plus", GivenName: "A", LoginsCount: profile.IntOf(12),
			AppMetadata: raw(`{"sub-plan":"x","sub_plan":"y"}`),
		},
		{
			UserID: "auth0|18", Email: "precise@example.com", Name: "Precise",
			AppMetadata: raw(`{"score":5.000000000000001,"neg":-5,"level":"ba"}`),
		},
		{
			UserID: "auth0|19", Email: "tenant@example.com", Name: "Tenant",
			Identities: []profile.Identity{{Connection: "custom-db", Provider: "auth0", UserID: "19",
				Extra: []profile.Attr{{Key: "tenant", Value: raw(`"t1"`)}}}},
		},
		{
			UserID: "auth0|20", Email: "emails@example.com", Name: "Many Emails",
			Identities: []profile.Identity{{Connection: "okta", Provider: "okta", UserID: "20",
				ProfileData: raw(`{"emails":[{"value":"x@y.z"},{"value":"w@y.z"}],"email":null}`)}},
		},
		{
			UserID: "auth0|21", Email: "deep@example.com", Name: "Deep",
			UserMetadata: raw(`{"a":{"b":[{"c":{"d":"deep"}},{"c":[{"d":"deeper"}]}]}}`),
		},
		{
			UserID: "auth0|22", Email: "x@Sub.Example.ORG", EmailVerified: F, Name: "Sub Domain",
			LoginsCount: profile.IntOf(3), LastLogin: at("2017-12-15T12:00:00+05:00"),
		},
		{
			UserID: "auth0|23", Email: "star@example.com", Name: "Star*Name", Nickname: "[brackets]",
			GivenName: "Kim",
		},
		{
			UserID: "auth0|24", Email: "caps@example.com", Name: "Caps",
			AppMetadata: raw(`{"active":"TRUE","plan":["gold","silver"]}`),
		},
		{
			UserID: "sms|25", PhoneNumber: "+447700900123", PhoneVerified: T, LoginsCount: profile.IntOf(2),
			Identities: []profile.Identity{{Connection: "sms", Provider: "sms", UserID: "25"}},
		},
		{
			UserID: "auth0|26", Email: "zero@exampleco.com", EmailVerified: F, Blocked: F,
			Name: "Zero Logins", LoginsCount: profile.IntOf(0),
			UpdatedAt: at("2019-06-01T10:00:00Z"),
		},
		{
			UserID: "auth0|27", Email: "jane.doe@exampleco.com", EmailVerified: T,
			GivenName: "jane", FamilyName: "Doe", Name: "jane doe", Username: "Jane",
			LoginsCount: profile.IntOf(200), LastIP: "10.0.0.0",
			UserMetadata: raw(`{"full_name":"John Smith ","addresses":[{"city":"Nice"}]}`),
		},
		{
			UserID: "auth0|28", Email: "under_score@example.com", Name: "under_score",
			Nickname: "100%", AppMetadata: raw(`{"code":"50%_on","level":""}`),
		},
		{
			UserID: "auth0|29", Email: "esc@example.com", Name: "Esc",
			AppMetadata:  raw(`{"note":"line\nbreak","path":"C:\\dir","uni":"\u00e9t\u00e9"}`),
			UserMetadata: raw(`{"full_name":"\u004aohn Smith"}`),
		},
		{
			UserID: "auth0|30", Email: "last@example.com", EmailVerified: T, Name: "Last One",
			Blocked: T, LoginsCount: profile.IntOf(201),
			CreatedAt: at("2017-01-01T00:00:00Z"), LastLogin: at("2017-11-30T23:59:59.999999Z"),
			Identities: []profile.Identity{{Connection: "google-oauth2", Provider: "google-oauth2", UserID: "300", IsSocial: F}},
		},
	}
}

// Cases returns the queries and what each selects from Users.
func Cases() []Case {
	cs := cases()
	for i := range cs {
		slices.Sort(cs[i].Want)
	}
	return cs
}

func cases() []Case {
	return []Case{
		{`email:"jane@exampleco.com"`, []string{"auth0|01"}},
		{`email:JOHN@EXAMPLECO.COM`, []string{"google-oauth2|02"}},
		{`name:"jane smith"`, []string{"auth0|01", "auth0|05"}},
		{`name:john*`, []string{"auth0|03", "auth0|06", "auth0|09", "google-oauth2|02"}},
		{`name:*usa`, []string{"auth0|04", "auth0|07"}},
		{`name:jane*smith`, []string{"auth0|01", "auth0|05", "auth0|08"}},
		{`name:*richard*`, []string{"google-oauth2|02"}},
		{`jane`, []string{"auth0|01", "auth0|05", "auth0|08", "auth0|27"}},
		{`John\ Doe`, []string{"auth0|09"}},
		{`john`, []string{"auth0|06", "google-oauth2|02"}},
		{`upper`, []string{"auth0|15"}},
		{`email_verified:false OR NOT _exists_:email_verified`,
			[]string{"auth0|03", "auth0|07", "auth0|08", "auth0|09", "auth0|10", "auth0|12", "auth0|13", "auth0|14", "auth0|15", "auth0|16", "auth0|18", "auth0|19", "auth0|20", "auth0|21", "auth0|22", "auth0|23", "auth0|24", "auth0|26", "auth0|28", "auth0|29", "google-oauth2|02", "sms|11", "sms|25"}},
		{`(NOT _exists_:logins_count OR logins_count:0)`, []string{"auth0|08", "auth0|12", "auth0|13", "auth0|18", "auth0|19", "auth0|20", "auth0|21", "auth0|23", "auth0|24", "auth0|26", "auth0|28", "auth0|29", "google-oauth2|02"}},
		{`logins_count:[100 TO 200]`, []string{"auth0|01", "auth0|03", "auth0|04", "auth0|06", "auth0|15", "auth0|27"}},
		{`logins_count:{100 TO *]`, []string{"auth0|03", "auth0|04", "auth0|05", "auth0|06", "auth0|14", "auth0|27", "auth0|30"}},
		{`logins_count:{100 TO 200}`, []string{"auth0|03", "auth0|06"}},
		{`logins_count:[* TO 5}`, []string{"auth0|10", "auth0|22", "auth0|26", "google-oauth2|02", "sms|11", "sms|25"}},
		{`last_login:[* TO 2017-12-31]`, []string{"auth0|01", "auth0|03", "auth0|04", "auth0|05", "auth0|22", "auth0|30"}},
		{`last_login:{2017-11 TO 2017-12]`, []string{"auth0|01", "auth0|04", "auth0|05", "auth0|22"}},
		{`last_login:[2018-01-01 TO *]`, []string{"auth0|15", "google-oauth2|02"}},
		{`created_at:2018-01-15`, []string{"auth0|04", "auth0|06", "auth0|15", "google-oauth2|02"}},
		{`created_at:[2018-01-15T09:00:00-01:00 TO 2018-01-15T12:00]`, []string{"google-oauth2|02"}},
		{`created_at:{2017 TO *}`, []string{"auth0|04", "auth0|06", "auth0|15", "auth0|16", "google-oauth2|02"}},
		{`blocked:true`, []string{"auth0|03", "auth0|30"}},
		{`NOT blocked:true AND email.domain:exampleco.com`,
			[]string{"auth0|01", "auth0|06", "auth0|08", "auth0|09", "auth0|13", "auth0|14", "auth0|15", "auth0|17", "auth0|26", "auth0|27", "google-oauth2|02"}},
		{`app_metadata.plan:"gold"`, []string{"auth0|01", "auth0|24"}},
		{`app_metadata.plan:gold*`, []string{"auth0|01", "auth0|04", "auth0|14", "auth0|24"}},
		{`app_metadata.subscription.plan:"gold"`, []string{"auth0|01", "auth0|13"}},
		{`app_metadata.roles:admin`, []string{"auth0|01", "auth0|05"}},
		{`user_metadata.addresses.city:"Paris"`, []string{"auth0|01", "auth0|03", "auth0|13"}},
		{`user_metadata.full_name:"John Smith"`, []string{"auth0|29", "google-oauth2|02"}},
		{`identities.connection:"google-oauth2"`, []string{"auth0|08", "auth0|30", "google-oauth2|02"}},
		{`identities.profileData.email:"john@gmail.com"`, []string{"google-oauth2|02"}},
		{`identities.isSocial:true`, []string{"auth0|08", "google-oauth2|02"}},
		{`_exists_:identities`, []string{"auth0|01", "auth0|04", "auth0|08", "auth0|19", "auth0|20", "auth0|30", "google-oauth2|02", "sms|11", "sms|25"}},
		{`_exists_:user_metadata.addresses`, []string{"auth0|01", "auth0|03", "auth0|04", "auth0|13", "auth0|27"}},
		{`_exists_:app_metadata.tags`, []string{"auth0|08"}},
		{`_exists_:app_metadata.plan`, []string{"auth0|01", "auth0|03", "auth0|04", "auth0|14", "auth0|24", "google-oauth2|02"}},
		{`_exists_:user_metadata`, []string{"auth0|01", "auth0|03", "auth0|04", "auth0|13", "auth0|21", "auth0|27", "auth0|29", "google-oauth2|02"}},
		{`app_metadata.score:5`, []string{"auth0|01", "auth0|03", "google-oauth2|02"}},
		{`app_metadata.score:[4 TO 10}`, []string{"auth0|01", "auth0|13", "auth0|18", "google-oauth2|02"}},
		{`app_metadata.score:[500 TO 5000]`, []string{"auth0|14"}},
		{`app_metadata.level:[b TO d]`, []string{"auth0|06", "auth0|07", "auth0|08", "auth0|18"}},
		{`app_metadata.code:50%_*`, []string{"auth0|04", "auth0|28"}},
		{`app_metadata.code:a\*b*`, []string{"auth0|06"}},
		{`app_metadata.active:true`, []string{"auth0|08", "auth0|09"}},
		{`app_metadata.active:false`, []string{"auth0|10"}},
		{`app_metadata.note:"say \"hi\""`, []string{"auth0|09"}},
		{`app_metadata.nested:1`, nil},
		{`email.domain:*.org`, []string{"auth0|03", "auth0|05", "auth0|22"}},
		{`email.domain:EXAMPLECO.COM`,
			[]string{"auth0|01", "auth0|06", "auth0|08", "auth0|09", "auth0|13", "auth0|14", "auth0|15", "auth0|17", "auth0|26", "auth0|27", "google-oauth2|02"}},
		{`_exists_:email.domain`,
			[]string{"auth0|01", "auth0|03", "auth0|04", "auth0|05", "auth0|06", "auth0|07", "auth0|08", "auth0|09", "auth0|10", "auth0|13", "auth0|14", "auth0|15", "auth0|17", "auth0|18", "auth0|19", "auth0|20", "auth0|21", "auth0|22", "auth0|23", "auth0|24", "auth0|26", "auth0|27", "auth0|28", "auth0|29", "auth0|30", "google-oauth2|02"}},
		{`user_id:auth0*`,
			[]string{"auth0|01", "auth0|03", "auth0|04", "auth0|05", "auth0|06", "auth0|07", "auth0|08", "auth0|09", "auth0|10", "auth0|12", "auth0|13", "auth0|14", "auth0|15", "auth0|16", "auth0|17", "auth0|18", "auth0|19", "auth0|20", "auth0|21", "auth0|22", "auth0|23", "auth0|24", "auth0|26", "auth0|27", "auth0|28", "auth0|29", "auth0|30"}},
		{`username:janes OR username:upper`, []string{"auth0|01"}},
		{`last_ip:[10.0.0.0 TO 10.0.0.9]`, []string{"auth0|01", "auth0|03", "auth0|09", "auth0|27", "google-oauth2|02"}},
		{`given_name:[a TO k}`, []string{"auth0|01", "auth0|03", "auth0|05", "auth0|08", "auth0|17", "auth0|27", "google-oauth2|02"}},
		{`name:john* -blocked:true`, []string{"auth0|06", "auth0|09", "google-oauth2|02"}},
		{`+app_metadata.plan:gold name:nobody`, []string{"auth0|01", "auth0|24"}},
		{`name:zoë`, []string{"auth0|10"}},
		{`phone_number:"+12125550001" OR phone_verified:false`, []string{"auth0|10", "sms|11"}},
		{`identities.tenant:t1`, []string{"auth0|19"}},
		{`identities.profileData.emails.value:"w@y.z"`, []string{"auth0|20"}},
		{`_exists_:identities.profileData.email`, []string{"google-oauth2|02"}},
		{`user_metadata.a.b.c.d:deep`, []string{"auth0|21"}},
		{`user_metadata.a.b.c.d:deeper`, []string{"auth0|21"}},
		{`name:star\**`, []string{"auth0|23"}},
		{`nickname:"[brackets]"`, []string{"auth0|23"}},
		{`nickname:100%`, []string{"auth0|28"}},
		{`name:under_*`, []string{"auth0|28"}},
		{`app_metadata.sub-plan:x AND app_metadata.sub_plan:y`, []string{"auth0|17"}},
		{`app_metadata.neg:[-10 TO -1]`, []string{"auth0|18"}},
		{`app_metadata.level:""`, []string{"auth0|28"}},
		{`app_metadata.note:"line\nbreak"`, nil},
		{`app_metadata.uni:été`, []string{"auth0|29"}},
		{`app_metadata.path:"C:\\dir"`, []string{"auth0|29"}},
		{`user_metadata.full_name:"John Smith"`, []string{"auth0|29", "google-oauth2|02"}},
		{`updated_at:[2019-06 TO 2019-06]`, []string{"auth0|26"}},
		{`*`, IDs(Users())},
		{`name:""`, nil},
	}
}
