// Package storetest holds the tests every SQL store (SQLite, PostgreSQL,
// MySQL) runs alike. Run is the suite of Auth0 import semantics besides
// fixtures/sinktest (Conformance): conflict codes, the order of records
// around rejects, connections, upserts, conflicts in the middle of a bulk
// insert and constraints of the DBA's.
// Faults kills a store's connections under a running import, Migrations
// migrates a schema from several connections at once, Manage runs the bulk
// management of `ferry users`, Steps follows a store's choice of how to
// write a batch, and BenchImport measures imports. A store's tests supply
// small funcs that reach its unexported hooks and its test databases.
package storetest

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

// Target is one new, empty store database.
type Target struct {
	// Open opens a sink on the database, importing into connection ("" for
	// the default), with or without upsert. The suite closes it.
	Open func(t *testing.T, connection string, upsert bool) pipeline.Sink
	// Read returns every user the database holds, in any order.
	Read func(t *testing.T) []profile.User
	// Exec runs one statement on the database.
	Exec func(t *testing.T, stmt string)
	// AddCheck, if set, adds the CHECK constraint name, that every user
	// holds cond, to the users table, for a store whose SQL has no ALTER
	// TABLE … ADD CONSTRAINT (SQLite). When nil, Exec runs that statement.
	AddCheck func(t *testing.T, name, cond string)
}

// addCheck adds the CHECK constraint name, that every user holds cond, to
// the users table of tg.
func (tg Target) addCheck(t *testing.T, name, cond string) {
	t.Helper()
	if tg.AddCheck != nil {
		tg.AddCheck(t, name, cond)
		return
	}
	tg.Exec(t, "ALTER TABLE users ADD CONSTRAINT "+name+" CHECK ("+cond+")")
}

// Open opens a store's sink with open, the store's Open, and closes it
// when the test ends.
func Open[S pipeline.Sink, O any](t testing.TB, open func(ctx context.Context, location string, opts O) (S, error), location string, opts O) S {
	t.Helper()
	s, err := open(t.Context(), location, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

// Conformance runs fixtures/sinktest's suite on a store: newDB creates a
// new, empty database and returns its URL, open opens a sink on the
// database of url (closed when the test ends) and read returns every user
// that database holds.
func Conformance(t *testing.T, newDB func(t testing.TB) string, open func(t *testing.T, url string) pipeline.Sink,
	read func(t *testing.T, url string) []profile.User) {
	var urls sync.Map // the URL of each sink's database
	sinktest.Run(t,
		func(t *testing.T) pipeline.Sink {
			u := newDB(t)
			s := open(t, u)
			urls.Store(s, u)
			return s
		},
		func(t *testing.T, s pipeline.Sink) []profile.User {
			u, _ := urls.Load(s)
			return read(t, u.(string))
		})
}

// Run runs the suite; newTarget makes a new empty database for each case.
func Run(t *testing.T, newTarget func(t *testing.T) Target) {
	t.Run("ConflictCodes", func(t *testing.T) { conflictCodes(t, newTarget) })
	t.Run("KeepsRecordOrderAroundRejects", func(t *testing.T) { keepsOrder(t, newTarget) })
	t.Run("SameEmailInAnotherConnection", func(t *testing.T) { otherConnection(t, newTarget) })
	t.Run("UpsertChangesOnlyUpsertableFields", func(t *testing.T) { upsertFields(t, newTarget) })
	t.Run("UpsertNewEmailIsInserted", func(t *testing.T) { upsertNew(t, newTarget) })
	t.Run("UpsertLaterRecordOfBatchWins", func(t *testing.T) { upsertLaterWins(t, newTarget) })
	t.Run("ConflictInsideABulkInsert", func(t *testing.T) { conflictInBulk(t, newTarget) })
	t.Run("ConstraintViolationRejectsOnlyThatRecord", func(t *testing.T) { constraintViolation(t, newTarget) })
}

// Codes returns, per record written, the codes it was rejected with ("" when
// accepted), in input order.
func Codes(b *pipeline.Batch, n int) []string {
	out := make([]string, n)
	for _, r := range b.Rejects {
		var cs []string
		for _, is := range r.Issues {
			cs = append(cs, string(is.Code))
		}
		out[r.Origin.Index] = strings.Join(cs, ",")
	}
	return out
}

// Step is one batch Steps writes, and the state the store is to be in
// after it.
type Step[S comparable] struct {
	Users []profile.User
	Next  S
}

// Steps writes the steps' users in turn, each as the next batch of one
// job, none of which may be rejected, and checks after each batch that
// state, the store's state named what, is the step's Next.
func Steps[S comparable](t *testing.T, s pipeline.Sink, what string, state func() S, steps []Step[S]) {
	t.Helper()
	var first int64
	for i, st := range steps {
		b := sinktest.Batch("modes", uint64(i), first, st.Users)
		sinktest.Write(t, s, b)
		sinktest.NoRejects(t, b)
		first += int64(len(st.Users))
		if got := state(); got != st.Next {
			t.Errorf("after batch %d: %s %v, want %v", i, what, got, st.Next)
		}
	}
}

func open(t *testing.T, tg Target, connection string, upsert bool) pipeline.Sink {
	t.Helper()
	s := tg.Open(t, connection, upsert)
	t.Cleanup(func() { s.Close(t.Context()) })
	return s
}

func conflictCodes(t *testing.T, newTarget func(t *testing.T) Target) {
	stored := func() profile.User { // what the store holds before each case
		u := sinktest.Users(0, 1)[0]
		u.UserID, u.Email, u.Username = "auth0|stored", "stored@example.com", "stored_user"
		return u
	}
	derived := func() profile.User { // stored without a user_id
		u := sinktest.Users(1, 1)[0]
		u.UserID, u.Email, u.Username = "", "derived@example.com", ""
		return u
	}
	fresh := func(i int) profile.User { return sinktest.Users(100+i, 1)[0] }
	with := func(u profile.User, f func(*profile.User)) profile.User { f(&u); return u }

	tests := []struct {
		name  string
		batch []profile.User
		want  []string
		stats pipeline.WriteStats
	}{
		{"new users are inserted", []profile.User{fresh(0), fresh(1)}, []string{"", ""}, pipeline.WriteStats{Inserted: 2}},
		{"same user_id, other content", []profile.User{with(stored(), func(u *profile.User) { u.GivenName = "Other" })},
			[]string{"DUPLICATED_USER"}, pipeline.WriteStats{}},
		{"same user_id, other email and username", []profile.User{with(fresh(0), func(u *profile.User) { u.UserID = "auth0|stored" })},
			[]string{"DUPLICATED_USER"}, pipeline.WriteStats{}},
		{"identical to the stored user", []profile.User{stored()}, []string{""}, pipeline.WriteStats{Unchanged: 1}},
		{"identical, id derived from the email", []profile.User{derived()}, []string{""}, pipeline.WriteStats{Unchanged: 1}},
		{"email taken", []profile.User{with(fresh(0), func(u *profile.User) { u.Email = "stored@example.com" })},
			[]string{"CONFLICT_EMAIL"}, pipeline.WriteStats{}},
		{"email taken, no user_id", []profile.User{with(fresh(0), func(u *profile.User) { u.UserID, u.Email = "", "stored@example.com" })},
			[]string{"CONFLICT_EMAIL"}, pipeline.WriteStats{}},
		{"username taken", []profile.User{with(fresh(0), func(u *profile.User) { u.Username = "stored_user" })},
			[]string{"CONFLICT_USERNAME"}, pipeline.WriteStats{}},
		{"email and username taken", []profile.User{with(fresh(0), func(u *profile.User) { u.Email, u.Username = "stored@example.com", "stored_user" })},
			[]string{"CONFLICT_EMAIL,CONFLICT_USERNAME"}, pipeline.WriteStats{}},
		{"email taken by an earlier record of the batch", []profile.User{fresh(0), with(fresh(1), func(u *profile.User) { u.Email = fresh(0).Email })},
			[]string{"", "CONFLICT_EMAIL"}, pipeline.WriteStats{Inserted: 1}},
		{"username taken by an earlier record of the batch", []profile.User{fresh(0), fresh(1), with(fresh(2), func(u *profile.User) { u.Username = fresh(0).Username })},
			[]string{"", "", "CONFLICT_USERNAME"}, pipeline.WriteStats{Inserted: 2}},
		{"identical record twice in one batch", []profile.User{fresh(0), fresh(0)},
			[]string{"", "DUPLICATED_USER"}, pipeline.WriteStats{Inserted: 1}},
		{"stored user twice in one batch", []profile.User{stored(), stored()},
			[]string{"", "DUPLICATED_USER"}, pipeline.WriteStats{Unchanged: 1}},
		{"a refused record does not claim its keys", []profile.User{
			with(fresh(0), func(u *profile.User) { u.Email = "stored@example.com" }),
			with(fresh(1), func(u *profile.User) { u.Username = fresh(0).Username }),
		}, []string{"CONFLICT_EMAIL", ""}, pipeline.WriteStats{Inserted: 1}},
		{"no user_id, email, username or phone", []profile.User{with(fresh(0), func(u *profile.User) { u.UserID, u.Email, u.Username, u.PhoneNumber = "", "", "", "" })},
			[]string{"REQUIRED"}, pipeline.WriteStats{}},
		{"timestamp past year 9999", []profile.User{with(fresh(0), func(u *profile.User) { u.LastLogin = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) })},
			[]string{"FORMAT"}, pipeline.WriteStats{}},
		{"user_id longer than the store holds", []profile.User{with(fresh(0), func(u *profile.User) { u.UserID = "auth0|" + strings.Repeat("é", 250) })},
			[]string{"MAX_LENGTH"}, pipeline.WriteStats{}},
		{"invalid UTF-8", []profile.User{fresh(0), with(fresh(1), func(u *profile.User) { u.Nickname = "bad\xff" })},
			[]string{"", "FORMAT"}, pipeline.WriteStats{Inserted: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := newTarget(t)
			s := open(t, tg, "", false)
			seed := sinktest.Batch("seed", 0, 0, []profile.User{stored(), derived()})
			sinktest.Write(t, s, seed)
			sinktest.NoRejects(t, seed)

			b := sinktest.Batch("conflicts", 0, 0, tt.batch)
			sinktest.Write(t, s, b)
			if d := cmp.Diff(tt.want, Codes(b, len(tt.batch))); d != "" {
				t.Errorf("codes (-want +got):\n%s", d)
			}
			if b.Written != tt.stats {
				t.Errorf("Written = %+v, want %+v", b.Written, tt.stats)
			}
			if got, want := len(b.Records)+len(b.Rejects), len(tt.batch); got != want {
				t.Errorf("records + rejects = %d, want %d", got, want)
			}
			cp, err := s.(pipeline.Checkpointer).LastCheckpoint(t.Context(), "conflicts")
			if err != nil {
				t.Fatal(err)
			}
			if got, want := cp.Counts.Rejected, int64(len(b.Rejects)); got != want {
				t.Errorf("checkpoint counts %d rejected, want %d", got, want)
			}
			if got, want := cp.Counts.Written, int64(len(b.Records)); got != want {
				t.Errorf("checkpoint counts %d written, want %d", got, want)
			}
			for _, r := range b.Rejects {
				for _, is := range r.Issues {
					if strings.Contains(is.Message, "@") || strings.Contains(is.Message, "é") {
						t.Errorf("issue message %q leaks a value", is.Message)
					}
				}
			}
		})
	}
}

func keepsOrder(t *testing.T, newTarget func(t *testing.T) Target) {
	s := open(t, newTarget(t), "", false)
	us := sinktest.Users(0, 6)
	us[1].Email = us[0].Email
	us[4].Username = us[2].Username
	b := sinktest.Batch("order", 0, 0, us)
	sinktest.Write(t, s, b)
	var kept, refused []int64
	for _, r := range b.Records {
		kept = append(kept, r.Origin.Index)
	}
	for _, r := range b.Rejects {
		refused = append(refused, r.Origin.Index)
	}
	if d := cmp.Diff([]int64{0, 2, 3, 5}, kept); d != "" {
		t.Errorf("kept records (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]int64{1, 4}, refused); d != "" {
		t.Errorf("rejects (-want +got):\n%s", d)
	}
}

func otherConnection(t *testing.T, newTarget func(t *testing.T) Target) {
	tg := newTarget(t)
	write := func(conn string, us []profile.User) *pipeline.Batch {
		s := tg.Open(t, conn, false)
		defer s.Close(t.Context())
		b := sinktest.Batch(conn, 0, 0, us)
		sinktest.Write(t, s, b)
		return b
	}
	u := sinktest.Users(0, 1)[0]
	u.UserID = ""
	write("db-one", []profile.User{u})
	b := write("db-two", []profile.User{u})
	sinktest.NoRejects(t, b)
	if n := len(tg.Read(t)); n != 2 {
		t.Errorf("store holds %d users, want one in each connection", n)
	}
}

func upsertFields(t *testing.T, newTarget func(t *testing.T) Target) {
	stored := func() profile.User {
		u := sinktest.Users(0, 1)[0]
		u.EmailVerified = profile.False
		u.AppMetadata = json.RawMessage(`{"a":1,"b":{"c":2}}`)
		u.UserMetadata = json.RawMessage(`{"theme":"light"}`)
		return u
	}
	type change struct {
		name   string
		edit   func(u *profile.User)
		want   func(u *profile.User) // the stored user afterwards, from stored()
		stats  pipeline.WriteStats
		reject string
	}
	tests := []change{
		{name: "names and picture", edit: func(u *profile.User) {
			u.GivenName, u.FamilyName, u.Name, u.Nickname, u.Picture = "Ana", "Lima", "Ana Lima", "ana", "https://example.com/a.png"
		}, want: func(u *profile.User) {
			u.GivenName, u.FamilyName, u.Name, u.Nickname, u.Picture = "Ana", "Lima", "Ana Lima", "ana", "https://example.com/a.png"
		}, stats: pipeline.WriteStats{Updated: 1}},
		{name: "email_verified", edit: func(u *profile.User) { u.EmailVerified = profile.True },
			want: func(u *profile.User) { u.EmailVerified = profile.True }, stats: pipeline.WriteStats{Updated: 1}},
		{name: "metadata replaced whole, not merged", edit: func(u *profile.User) {
			u.AppMetadata = json.RawMessage(`{"b":{"d":3}}`)
			u.UserMetadata = json.RawMessage(`{}`)
		}, want: func(u *profile.User) {
			u.AppMetadata = json.RawMessage(`{"b":{"d":3}}`)
			u.UserMetadata = json.RawMessage(`{}`)
		}, stats: pipeline.WriteStats{Updated: 1}},
		{name: "custom_password_hash", edit: func(u *profile.User) {
			u.CustomPasswordHash = json.RawMessage(`{"algorithm":"sha1","hash":{"value":"a94a8fe5ccb19ba61c4c0873d391e987982fbbd3","encoding":"hex"}}`)
		}, want: func(u *profile.User) {
			u.CustomPasswordHash = json.RawMessage(`{"algorithm":"sha1","hash":{"value":"a94a8fe5ccb19ba61c4c0873d391e987982fbbd3","encoding":"hex"}}`)
		}, stats: pipeline.WriteStats{Updated: 1}},
		{name: "other attributes are not upsertable", edit: func(u *profile.User) {
			u.UserID = "auth0|another-id"
			u.Username = "renamed"
			u.PhoneNumber, u.PhoneVerified = "+15550000000", profile.True
			u.Blocked = profile.False
			u.PasswordHash = "$2b$10$" + strings.Repeat("x", 53)
			u.LoginsCount = profile.IntOf(1)
			u.Identities = nil
			u.MFAFactors = []profile.MFAFactor{{TOTPSecret: "AAAA"}}
			u.Extra = []profile.Attr{{Key: "x", Value: json.RawMessage(`1`)}}
		}, want: func(u *profile.User) {}, stats: pipeline.WriteStats{Unchanged: 1}},
		{name: "absent attributes keep their stored value", edit: func(u *profile.User) {
			*u = profile.User{Email: u.Email, Nickname: "nick"}
		}, want: func(u *profile.User) { u.Nickname = "nick" }, stats: pipeline.WriteStats{Updated: 1}},
		{name: "same values", edit: func(u *profile.User) {}, want: func(u *profile.User) {}, stats: pipeline.WriteStats{Unchanged: 1}},
		{name: "user_id taken under another email", edit: func(u *profile.User) { u.Email = "new@example.com"; u.Username = "" },
			want: func(u *profile.User) {}, reject: "DUPLICATED_USER"},
		{name: "username taken under another email", edit: func(u *profile.User) { u.Email, u.UserID = "new@example.com", "" },
			want: func(u *profile.User) {}, reject: "CONFLICT_USERNAME"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := newTarget(t)
			s := open(t, tg, "", true)
			sinktest.Write(t, s, sinktest.Batch("seed", 0, 0, []profile.User{stored()}))
			u := stored()
			tt.edit(&u)
			b := sinktest.Batch("upsert", 0, 0, []profile.User{u})
			sinktest.Write(t, s, b)
			if got := Codes(b, 1)[0]; got != tt.reject {
				t.Errorf("reject codes = %q, want %q", got, tt.reject)
			}
			if b.Written != tt.stats {
				t.Errorf("Written = %+v, want %+v", b.Written, tt.stats)
			}
			s.Close(t.Context())
			want := stored()
			tt.want(&want)
			sinktest.Equal(t, []profile.User{want}, tg.Read(t))
		})
	}
}

func upsertNew(t *testing.T, newTarget func(t *testing.T) Target) {
	s := open(t, newTarget(t), "", true)
	b := sinktest.Batch("upsert", 0, 0, sinktest.Users(0, 3))
	sinktest.Write(t, s, b)
	if want := (pipeline.WriteStats{Inserted: 3}); b.Written != want {
		t.Errorf("Written = %+v, want %+v", b.Written, want)
	}
}

func upsertLaterWins(t *testing.T, newTarget func(t *testing.T) Target) {
	tg := newTarget(t)
	s := open(t, tg, "", true)
	us := sinktest.Users(0, 3)
	second := sinktest.Users(0, 1)[0]
	second.UserID, second.GivenName = "", "Second"
	third := profile.User{Email: second.Email, FamilyName: "Third"} // carries only this name
	us[1], us[2] = second, third
	b := sinktest.Batch("upsert", 0, 0, us)
	sinktest.Write(t, s, b)
	sinktest.NoRejects(t, b)
	if want := (pipeline.WriteStats{Inserted: 1, Updated: 2}); b.Written != want {
		t.Errorf("Written = %+v, want %+v", b.Written, want)
	}
	s.Close(t.Context())
	got := tg.Read(t)
	if len(got) != 1 || got[0].GivenName != "Second" || got[0].FamilyName != "Third" {
		t.Errorf("want one user with both later records' names, got %d users", len(got))
	}
}

func conflictInBulk(t *testing.T, newTarget func(t *testing.T) Target) {
	tg := newTarget(t)
	s := open(t, tg, "", false)
	sinktest.Write(t, s, sinktest.Batch("seed", 0, 0, sinktest.Users(0, 3)))
	// The store skips a few rows of its bulk insert, which are decided
	// one by one while the others stay inserted. The skipped rows lie at
	// the start, the middle and the end of the batch, so a store that
	// cuts it into several multi-row statements (SQLite) meets them in
	// different statements.
	us := sinktest.Users(100, 300)
	taken := sinktest.Users(0, 3)
	us[5].Email = taken[0].Email
	us[130] = sinktest.Users(1, 1)[0] // identical to a stored user
	us[299].UserID = taken[2].UserID
	b := sinktest.Batch("partial", 0, 0, us)
	sinktest.Write(t, s, b)
	want := make([]string, 300)
	want[5], want[299] = "CONFLICT_EMAIL", "DUPLICATED_USER"
	if d := cmp.Diff(want, Codes(b, 300)); d != "" {
		t.Errorf("codes (-want +got):\n%s", d)
	}
	if want := (pipeline.WriteStats{Inserted: 297, Unchanged: 1}); b.Written != want {
		t.Errorf("Written = %+v, want %+v", b.Written, want)
	}
	s.Close(t.Context())
	if n := len(tg.Read(t)); n != 300 {
		t.Errorf("store holds %d users, want 300", n)
	}
}

func constraintViolation(t *testing.T, newTarget func(t *testing.T) Target) {
	tg := newTarget(t)
	s := open(t, tg, "", false)
	// A constraint of the DBA's that ferry does not know.
	tg.addCheck(t, "no_test_nicknames", "nickname IS NULL OR nickname NOT LIKE 'test-%'")
	us := sinktest.Users(0, 50)
	us[7].Nickname = "test-seven"
	us[31].Nickname = "test-thirty-one"
	us[40].Email = us[39].Email // still decided the Auth0 way
	b := sinktest.Batch("check", 0, 0, us)
	sinktest.Write(t, s, b)
	want := make([]string, 50)
	want[7], want[31], want[40] = "CONFLICT", "CONFLICT", "CONFLICT_EMAIL"
	if d := cmp.Diff(want, Codes(b, 50)); d != "" {
		t.Errorf("codes (-want +got):\n%s", d)
	}
	for _, r := range b.Rejects {
		if r.Origin.Index == 7 && !strings.Contains(r.Issues[0].Message, "no_test_nicknames") {
			t.Errorf("message %q does not name the constraint", r.Issues[0].Message)
		}
	}
	if b.Written.Inserted != 47 {
		t.Errorf("Written = %+v, want 47 inserted", b.Written)
	}
	if got := tg.Read(t); len(got) != 47 {
		t.Fatalf("store holds %d users, want 47", len(got))
	}
	// A second batch goes the bulk way again.
	b2 := sinktest.Batch("check", 1, 50, sinktest.Users(50, 10))
	sinktest.Write(t, s, b2)
	sinktest.NoRejects(t, b2)
}
