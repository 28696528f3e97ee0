package mysql

import (
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/fixtures/sourcetest"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/profile/query"
	"github.com/ferry-dev/ferry/profile/query/querytest"
	store "github.com/ferry-dev/ferry/sinks/mysql"
	"github.com/ferry-dev/ferry/sinks/mysql/mysqltest"
	"github.com/ferry-dev/ferry/sources/sqltable"
)

// load writes users into a new store and returns its URL.
func load(t testing.TB, users []profile.User, opts store.Options) string {
	t.Helper()
	u := mysqltest.URL(t)
	loadInto(t, u, users, opts)
	return u
}

func loadInto(t testing.TB, u string, users []profile.User, opts store.Options) {
	t.Helper()
	s, err := store.Open(t.Context(), u, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(users); i += 1000 {
		b := sinktest.Batch("load", uint64(i/1000), int64(i), users[i:min(i+1000, len(users))])
		if err := s.Write(t.Context(), b); err != nil {
			t.Fatal(err)
		}
		for _, r := range b.Rejects {
			t.Fatalf("load: record %d rejected: %s", r.Origin.Index, r.Issues.Error())
		}
	}
	if err := s.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func openSource(t testing.TB, u string, opts Options) *Source {
	t.Helper()
	src, err := Open(t.Context(), u, opts)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func readUsers(t *testing.T, src pipeline.Source) []profile.User {
	t.Helper()
	defer src.Close()
	var us []profile.User
	for _, b := range sourcetest.ReadAll(t, src) {
		for _, r := range b.Records {
			us = append(us, r.User)
		}
	}
	return us
}

func TestConformance(t *testing.T) {
	sourcetest.Run(t, func(t *testing.T, users []profile.User) pipeline.Source {
		return openSource(t, load(t, users, store.Options{}), Options{BatchSize: 7})
	})
}

func TestNext_StoredOrderAndPositions(t *testing.T) {
	users := sinktest.Users(0, 30)
	u := load(t, users, store.Options{})
	src := openSource(t, u, Options{BatchSize: 8})
	defer src.Close()
	var ids []string
	var want int64
	lastKey := int64(0)
	for _, b := range sourcetest.ReadAll(t, src) {
		for _, r := range b.Records {
			if r.Origin != (pipeline.Position{Source: src.Name(), Index: want}) {
				t.Errorf("record %d: Origin = %+v", want, r.Origin)
			}
			want++
			ids = append(ids, r.User.UserID)
		}
		key, err := strconv.ParseInt(b.Checkpoint.Key, 10, 64)
		if err != nil || key <= lastKey || b.Checkpoint.Index != want {
			t.Errorf("batch %d: checkpoint key/index = %q/%d, want a row id above %d and %d", b.Seq, b.Checkpoint.Key, b.Checkpoint.Index, lastKey, want)
		}
		lastKey = key
	}
	if d := cmp.Diff(querytest.IDs(users), querytest.IDs(sliceOf(ids))); d != "" || len(ids) != 30 {
		t.Errorf("read %d users (-want +got):\n%s", len(ids), d)
	}
	for i := range ids {
		if ids[i] != users[i].UserID {
			t.Fatalf("user %d read out of stored order", i)
		}
	}
}

func sliceOf(ids []string) []profile.User {
	us := make([]profile.User, len(ids))
	for i, id := range ids {
		us[i].UserID = id
	}
	return us
}

// TestWhere_QueryDifferential runs the query package's differential cases
// against the store: each query's SQL for MySQL, as the source's
// Where, must select the users Match selects.
func TestWhere_QueryDifferential(t *testing.T) {
	u := load(t, querytest.Users(), store.Options{})
	querytest.Run(t, func(t *testing.T, q string) []string {
		parsed, err := query.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		where, args, err := parsed.SQL(query.MySQL, store.QueryColumns())
		if err != nil {
			t.Fatal(err)
		}
		return querytest.IDs(readUsers(t, openSource(t, u, Options{Where: where, Args: args, BatchSize: 3})))
	})
}

func TestWhere_AndConnection(t *testing.T) {
	u := load(t, sinktest.Users(0, 20), store.Options{})
	loadInto(t, u, sinktest.Users(100, 5), store.Options{Connection: "other-db"})

	got := readUsers(t, openSource(t, u, Options{Connection: "other-db", BatchSize: 2}))
	sinktest.Equal(t, sinktest.Users(100, 5), got)

	got = readUsers(t, openSource(t, u, Options{
		Where: "logins_count >= ? AND email_verified = ?", Args: []any{100, 1},
		Connection: store.DefaultConnection, BatchSize: 4,
	}))
	var want []profile.User
	for _, u := range sinktest.Users(0, 20) {
		if u.LoginsCount.V >= 100 && u.EmailVerified == profile.True {
			want = append(want, u)
		}
	}
	if len(want) == 0 {
		t.Fatal("test data selects nobody")
	}
	sinktest.Equal(t, want, got)
}

func TestFields_SelectRootAttributes(t *testing.T) {
	users := sinktest.Users(0, 16) // users 0 and 8 have unknown attributes
	u := load(t, users, store.Options{})
	got := readUsers(t, openSource(t, u, Options{Fields: []string{"email", "user_metadata.theme", "identities[0].connection", "job_title"}}))
	var want []profile.User
	for _, u := range users {
		w := profile.User{Email: u.Email, UserMetadata: u.UserMetadata, Identities: u.Identities}
		for _, a := range u.Extra {
			if a.Key == "job_title" {
				w.Extra = append(w.Extra, a)
			}
		}
		want = append(want, w)
	}
	byEmail := func(us []profile.User) {
		slices.SortFunc(us, func(a, b profile.User) int {
			if a.Email < b.Email {
				return -1
			}
			return 1
		})
	}
	byEmail(want)
	byEmail(got)
	sinktest.Equal(t, want, got)
}

func TestSplit_RangesCoverEveryUserOnce(t *testing.T) {
	users := sinktest.Users(0, 103)
	u := load(t, users, store.Options{})
	src := openSource(t, u, Options{})
	ranges, err := src.Split(t.Context(), 4)
	src.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(ranges) != 4 || ranges[0].After != "" || ranges[3].Through != "" {
		t.Fatalf("ranges = %+v", ranges)
	}
	var all []profile.User
	for _, r := range ranges {
		part := readUsers(t, openSource(t, u, Options{Range: r, BatchSize: 10}))
		if len(part) < 20 || len(part) > 32 {
			t.Errorf("range %+v holds %d users, want about 26", r, len(part))
		}
		all = append(all, part...)
	}
	sinktest.Equal(t, users, all)

	empty := openSource(t, emptyStore(t), Options{})
	defer empty.Close()
	if rs, err := empty.Split(t.Context(), 3); err != nil || len(rs) != 1 || rs[0] != (sqltable.Range{}) {
		t.Errorf("Split of an empty store = %+v, %v; want one whole range", rs, err)
	}
}

func emptyStore(t *testing.T) string { return load(t, nil, store.Options{}) }

func TestOpen_Errors(t *testing.T) {
	empty := mysqltest.URL(t)
	if _, err := Open(t.Context(), empty, Options{}); !errors.Is(err, ErrNotStore) {
		t.Errorf("Open of a non-store = %v, want ErrNotStore", err)
	}
	u := load(t, nil, store.Options{})
	if _, err := Open(t.Context(), u, Options{Fields: []string{".x"}}); !errors.Is(err, ErrField) {
		t.Errorf("Open with field .x = %v, want ErrField", err)
	}
	if _, err := Open(t.Context(), u, Options{Where: "no_such_column = 1"}); err == nil {
		t.Error("Open with a bad Where succeeded")
	}
}

func TestNext_CorruptRowIsRejected(t *testing.T) {
	u := load(t, sinktest.Users(0, 5), store.Options{})
	bad := sinktest.Users(2, 1)[0].UserID
	mysqltest.Exec(t, u, `UPDATE users SET extra = '[1]' WHERE user_id = ?`, bad)
	src := openSource(t, u, Options{})
	defer src.Close()
	b, err := src.Next(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if b.Read != 5 || len(b.Records) != 4 || len(b.Rejects) != 1 || b.Rejects[0].Issues[0].Code != profile.CodeParse {
		t.Fatalf("read %d, %d records, rejects %+v; want 5, 4 and one PARSE_ERROR", b.Read, len(b.Records), b.Rejects)
	}
	if _, err := src.Next(t.Context()); !errors.Is(err, io.EOF) {
		t.Errorf("Next = %v, want io.EOF", err)
	}
}

func TestNext_KilledConnectionIsRetried(t *testing.T) {
	users := sinktest.Users(0, 40)
	u := load(t, users, store.Options{})
	src := openSource(t, u, Options{BatchSize: 5, MinBackoff: 1})
	defer src.Close()
	server := mysqltest.Open(t, mysqltest.ServerURL(t))
	db := u[strings.LastIndexByte(u, '/')+1:]
	var got []profile.User
	kills := 0
	for i := 0; ; i++ {
		if i%3 == 1 {
			rows, err := server.QueryContext(t.Context(), "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ?", db)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for rows.Next() {
				var id int64
				rows.Scan(&id)
				ids = append(ids, id)
			}
			rows.Close()
			for _, id := range ids {
				if _, err := server.ExecContext(t.Context(), "KILL CONNECTION "+strconv.FormatInt(id, 10)); err == nil {
					kills++
				}
			}
		}
		b, err := src.Next(t.Context())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Next after a killed connection: %v", err)
		}
		for _, r := range b.Records {
			got = append(got, r.User)
		}
	}
	if kills == 0 {
		t.Fatal("no connection killed")
	}
	sinktest.Equal(t, users, got)
}
