package sqlstore

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

func TestEncodeDecode_RoundTrip(t *testing.T) {
	for _, enc := range []Encoding{Binary, Text} {
		e := &Encoder{Connection: DefaultConnection, Encoding: enc, RejectNUL: enc == Binary}
		d, err := NewDecoder(enc, Columns())
		if err != nil {
			t.Fatal(err)
		}
		users := sinktest.Users(0, 40)
		var got []profile.User
		for i := range users {
			var r Row
			is, err := e.Encode(&users[i], &r)
			if err != nil || len(is) > 0 {
				t.Fatalf("encoding %d: user %d: %v %v", enc, i, err, is)
			}
			var u profile.User
			if err := d.User(r[:], &u); err != nil {
				t.Fatalf("encoding %d: user %d: %v", enc, i, err)
			}
			got = append(got, u)
		}
		sinktest.Equal(t, sinktest.Users(0, 40), got)
	}
}

func TestEncode_Issues(t *testing.T) {
	tests := []struct {
		name string
		edit func(u *profile.User)
		enc  Encoding
		want string // code and path
	}{
		{"no key at all", func(u *profile.User) { u.UserID, u.Email, u.Username, u.PhoneNumber = "", "", "", "" }, Binary, "REQUIRED user_id"},
		{"email too long", func(u *profile.User) { u.Email = string(make([]byte, 255)) + "@x" }, Text, "MAX_LENGTH email"},
		{"NUL in text, PostgreSQL", func(u *profile.User) { u.Name = "a\x00b" }, Binary, "FORMAT name"},
		{"NUL escape in JSON, PostgreSQL", func(u *profile.User) { u.UserMetadata = json.RawMessage(`{"a":"\u0000"}`) }, Binary, "FORMAT user_metadata"},
		{"invalid UTF-8", func(u *profile.User) { u.Nickname = "\xff" }, Text, "FORMAT nickname"},
		{"year 10000", func(u *profile.User) { u.CreatedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, Text, "FORMAT created_at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := sinktest.Users(3, 1)[0]
			tt.edit(&u)
			e := &Encoder{Connection: DefaultConnection, Encoding: tt.enc, RejectNUL: tt.enc == Binary}
			var r Row
			is, err := e.Encode(&u, &r)
			if err != nil {
				t.Fatal(err)
			}
			if len(is) != 1 || string(is[0].Code)+" "+is[0].Path != tt.want {
				t.Errorf("issues %v, want one %s", is, tt.want)
			}
		})
	}
	// Allowed where the store can hold it: NUL in MySQL text, an escaped
	// backslash before u0000 in PostgreSQL JSON.
	u := sinktest.Users(3, 1)[0]
	u.Name = "a\x00b"
	if is, _ := (&Encoder{Encoding: Text}).Encode(&u, &Row{}); len(is) != 0 {
		t.Errorf("NUL refused in MySQL text: %v", is)
	}
	u = sinktest.Users(3, 1)[0]
	u.UserMetadata = json.RawMessage(`{"path":"C:\\u0000"}`)
	if is, _ := (&Encoder{Encoding: Binary, RejectNUL: true}).Encode(&u, &Row{}); len(is) != 0 {
		t.Errorf(`escaped backslash before u0000 refused: %v`, is)
	}
}

// storeOf is a plan's view of a store holding users, as Know would load it.
func planWith(t *testing.T, upsert bool, stored []profile.User, batch []profile.User) *Plan {
	t.Helper()
	e := &Encoder{Connection: DefaultConnection, Encoding: Text}
	p := NewPlan(DefaultConnection, upsert)
	b := sinktest.Batch("plan", 0, 0, batch)
	if err := p.Encode(e, b); err != nil {
		t.Fatal(err)
	}
	p.Classify()
	p.SkipAllFast() // as if the bulk insert met a stored key
	se := &Encoder{Connection: DefaultConnection, Encoding: Text}
	for i := range stored {
		var r Row
		se.Encode(&stored[i], &r)
		p.Know(r.Clone())
	}
	p.DecideAll()
	return p
}

func TestPlan_DecidesInBatchOrder(t *testing.T) {
	stored := sinktest.Users(0, 2)
	fresh := sinktest.Users(10, 3)
	sameEmail := sinktest.Users(11, 1)[0]
	sameEmail.UserID = "auth0|other"
	p := planWith(t, false, stored, []profile.User{
		stored[0], // identical: unchanged
		fresh[0],  // new: inserted
		fresh[0],  // again: DUPLICATED_USER (an earlier record)
		fresh[1],  // new
		sameEmail, // email of fresh[1]: CONFLICT_EMAIL
		stored[1], // identical: unchanged
		stored[1], // stored user twice: DUPLICATED_USER
	})
	want := []Outcome{Unchanged, Inserted, Rejected, Inserted, Rejected, Unchanged, Rejected}
	for i, o := range p.Outcomes {
		if o != want[i] {
			t.Errorf("record %d: %v, want %v (issues %v)", i, o, want[i], p.Issues[i])
		}
	}
	if got := p.Issues[4]; len(got) != 1 || got[0].Code != profile.CodeConflictEmail || got[0].Message != "email exists in the connection (an earlier record of the batch)" {
		t.Errorf("record 4 issues %v", got)
	}
	if ins := p.Inserts(); len(ins) != 2 || ins[0] != 1 || ins[1] != 3 {
		t.Errorf("Inserts = %v, want [1 3]", ins)
	}
	b := sinktest.Batch("plan", 0, 0, make([]profile.User, 7))
	done, err := p.Settle(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(done.Records) != 4 || len(done.Rejects) != 3 || done.Written != (pipeline.WriteStats{Inserted: 2, Unchanged: 2}) {
		t.Errorf("settled %d records, %d rejects, %+v", len(done.Records), len(done.Rejects), done.Written)
	}
	if len(b.Records) != 7 || len(b.Rejects) != 0 {
		t.Error("Settle changed the batch it was given")
	}
}

func TestPlan_UpsertMergesInOrder(t *testing.T) {
	stored := sinktest.Users(0, 1)
	a := profile.User{Email: stored[0].Email, GivenName: "A"}
	b := profile.User{Email: stored[0].Email, FamilyName: "B", AppMetadata: json.RawMessage(`{"x":1}`)}
	p := planWith(t, true, stored, []profile.User{a, b, a})
	want := []Outcome{Updated, Updated, Unchanged}
	for i, o := range p.Outcomes {
		if o != want[i] {
			t.Errorf("record %d: %v, want %v", i, o, want[i])
		}
	}
	ups := p.Updates()
	if len(ups) != 1 {
		t.Fatalf("%d updates, want one final row", len(ups))
	}
	if string(ups[0][ColGivenName]) != "A" || string(ups[0][ColFamilyName]) != "B" || string(ups[0][ColAppMetadata]) != `{"x":1}` ||
		string(ups[0][ColUserID]) != stored[0].UserID || string(ups[0][ColNickname]) != stored[0].Nickname {
		t.Errorf("final row: given %s family %s app %s id %s", ups[0][ColGivenName], ups[0][ColFamilyName], ups[0][ColAppMetadata], ups[0][ColUserID])
	}
}

func FuzzDecoder(f *testing.F) {
	f.Add([]byte("1"), []byte("2019-01-02T03:04:05.000006Z"), []byte("42"), []byte(`[{"connection":"c"}]`), []byte(`{"a":1}`))
	f.Add([]byte{1}, []byte{0, 0, 0, 0, 0, 0, 0, 1}, []byte{0, 0, 0, 0, 0, 0, 0, 42}, []byte(`[]`), []byte(`{}`))
	f.Fuzz(func(t *testing.T, b, tm, n, ids, extra []byte) {
		for _, enc := range []Encoding{Binary, Text} {
			d, err := NewDecoder(enc, []string{"email_verified", "created_at", "logins_count", "identities", "extra"})
			if err != nil {
				t.Fatal(err)
			}
			var u profile.User
			_ = d.User([][]byte{b, tm, n, ids, extra}, &u) // must not panic
		}
	})
}

func TestPlanEncode_RowsFromWorkersAreTheRecordsRows(t *testing.T) {
	users := sinktest.Users(0, 30)
	users[3].Name = "a\x00b"                                                                  // refused by PostgreSQL
	users[7].UserID, users[7].Email, users[7].Username, users[7].PhoneNumber = "", "", "", "" // no key
	users[9].Email = string(make([]byte, 255)) + "@x"                                         // too long
	users[12].UserID = ""                                                                     // derived
	users[15].GivenName, users[15].UserMetadata = "", json.RawMessage(`{}`)
	for _, enc := range []Encoding{Binary, Text} {
		settings := Encoder{Connection: "conn-a", Encoding: enc, RejectNUL: enc == Binary}
		be := settings.Batches()
		b := sinktest.Batch("load", 0, 0, users)
		out, err := be.Encode([]byte("stale"), b)
		if err != nil {
			t.Fatal(err)
		}
		b.Out = out[len("stale"):]

		want, got := NewPlan("conn-a", false), NewPlan("conn-a", false)
		e1, e2 := settings, settings
		plain := *b
		plain.Out = nil // records encoded one by one
		if err := want.Encode(&e1, &plain); err != nil {
			t.Fatal(err)
		}
		ok, err := got.load(&e2, b)
		if !ok || err != nil {
			t.Fatalf("encoding %d: Load = %v, %v", enc, ok, err)
		}
		rejected := 0
		for i := range users {
			if !got.Rows[i].Equal(&want.Rows[i]) || got.Outcomes[i] != want.Outcomes[i] || fmt.Sprint(got.Issues[i]) != fmt.Sprint(want.Issues[i]) {
				t.Errorf("encoding %d: record %d: Load gave %v %v, Encode %v %v", enc, i, got.Outcomes[i], got.Issues[i], want.Outcomes[i], want.Issues[i])
			}
			for c := range got.Rows[i] {
				if (got.Rows[i][c] == nil) != (want.Rows[i][c] == nil) {
					t.Errorf("encoding %d: record %d column %d: NULL %v, want %v", enc, i, c, got.Rows[i][c] == nil, want.Rows[i][c] == nil)
				}
			}
			if got.Outcomes[i] == Rejected {
				rejected++
			}
		}
		if want := map[Encoding]int{Binary: 3, Text: 2}[enc]; rejected != want {
			t.Errorf("encoding %d: %d rejected, want %d", enc, rejected, want)
		}
	}
}

func TestPlanEncode_IgnoresRowsThatAreNotTheBatchs(t *testing.T) {
	users := sinktest.Users(0, 5)
	be := &BatchEncoder{Connection: DefaultConnection, Encoding: Text}
	b := sinktest.Batch("load", 0, 0, users)
	full, err := be.Encode(nil, b)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		out     []byte
		records int
		wantErr bool
	}{
		{"no rows encoded", nil, 5, false},
		{"a record moved out since", full, 4, false},
		{"cut short", full[:len(full)-3], 5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := sinktest.Batch("load", 0, 0, users[:tt.records])
			b.Out = tt.out
			ok, err := NewPlan(DefaultConnection, false).load(&Encoder{Connection: DefaultConnection, Encoding: Text}, b)
			if ok || (err != nil) != tt.wantErr {
				t.Errorf("Load = %v, %v; want false and error %v", ok, err, tt.wantErr)
			}
		})
	}
}

func TestDeeperThan(t *testing.T) {
	nest := func(n int) string { return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) }
	tests := []struct {
		v    string
		max  int
		want bool
	}{
		{nest(3), 3, false},
		{nest(4), 3, true},
		{`["[[[[", "{{{{{"]`, 2, false}, // brackets in strings do not count
		{`{"a":"\"[[[[[[","b":[[[1]]]}`, 3, true},
		{`{"a":"\\","b":[1]}`, 1, true},
		{nest(1001), 1000, true},
		{nest(1000), 1000, false},
	}
	for _, tt := range tests {
		if got := DeeperThan([]byte(tt.v), tt.max); got != tt.want {
			t.Errorf("DeeperThan(%.40s…, %d) = %v, want %v", tt.v, tt.max, got, tt.want)
		}
	}
}
