// Package sqlsourcetest holds the tests every source of ferry's SQL stores
// passes (Run), and those every table source passes (RunTable), on
// PostgreSQL, MySQL/MariaDB and SQLite alike. Each dialect's test file calls
// them with a Store or Table that says how to reach its database and what
// differs there.
package sqlsourcetest

import (
	"context"
	"errors"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/fixtures/sourcetest"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/profile/query"
	"github.com/ferry-dev/ferry/profile/query/querytest"
	"github.com/ferry-dev/ferry/sources/internal/sqlsource"
	"github.com/ferry-dev/ferry/sources/sqltable"
)

// Store is a dialect's store source, as the suite reaches it.
type Store struct {
	// URL returns the location of a new database that holds no store,
	// removed when the test ends.
	URL func(t testing.TB) string
	// Sink opens ferry's store at u for writing users of connection (""
	// for the store's default).
	Sink func(t testing.TB, u, connection string) pipeline.Sink
	// Open opens the source on the store at u. A source that cannot split
	// or retry ignores Range and the retry options.
	Open func(ctx context.Context, u string, opts sqlsource.Options) (pipeline.Source, error)
	// Exec runs one statement on the database at u.
	Exec func(t testing.TB, u, stmt string, args ...any)
	// Numbered says placeholders are $1, $2…, not '?'.
	Numbered bool
	// Query and QueryColumns are what the store's Where is written in.
	Query        query.Dialect
	QueryColumns query.Columns
	// DefaultConnection is the connection of users stored without one.
	DefaultConnection string
	// RowIDKeys says the source reads in stored order, by row id (a
	// checkpoint's key is a decimal row id); else it reads in user_id
	// order (a checkpoint's key is the last user_id).
	RowIDKeys bool
	// Corrupt is a statement that makes the stored row of the user whose
	// user_id it binds unreadable as a profile.
	Corrupt string
	// Kill ends the database connections of a source reading u and
	// returns how many it ended. Nil skips the test of retries.
	Kill func(t testing.TB, u string) int
}

// Splitter is implemented by sources that cut their read into shards.
type Splitter interface {
	Split(ctx context.Context, n int) ([]sqltable.Range, error)
}

// Run runs the store-source tests against s.
func Run(t *testing.T, s Store) {
	t.Run("Conformance", func(t *testing.T) {
		sourcetest.Run(t, func(t *testing.T, users []profile.User) pipeline.Source {
			return s.open(t, s.load(t, users), sqlsource.Options{BatchSize: 7})
		})
	})
	t.Run("KeyOrderAndPositions", s.keyOrderAndPositions)
	t.Run("WhereQueryDifferential", s.whereQueryDifferential)
	t.Run("WhereAndConnection", s.whereAndConnection)
	t.Run("FieldsSelectRootAttributes", s.fieldsSelectRootAttributes)
	t.Run("SplitRangesCoverEveryUserOnce", s.splitRangesCoverEveryUserOnce)
	t.Run("OpenErrors", s.openErrors)
	t.Run("CorruptRowIsRejected", s.corruptRowIsRejected)
	t.Run("KilledConnectionIsRetried", s.killedConnectionIsRetried)
}

// load writes users into a new store and returns its location.
func (s Store) load(t testing.TB, users []profile.User) string {
	t.Helper()
	u := s.URL(t)
	s.loadInto(t, u, users, "")
	return u
}

func (s Store) loadInto(t testing.TB, u string, users []profile.User, connection string) {
	t.Helper()
	sink := s.Sink(t, u, connection)
	for i := 0; i < len(users); i += 1000 {
		b := sinktest.Batch("load", uint64(i/1000), int64(i), users[i:min(i+1000, len(users))])
		if err := sink.Write(t.Context(), b); err != nil {
			t.Fatal(err)
		}
		for _, r := range b.Rejects {
			t.Fatalf("load: record %d rejected: %s", r.Origin.Index, r.Issues.Error())
		}
	}
	if err := sink.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func (s Store) open(t testing.TB, u string, opts sqlsource.Options) pipeline.Source {
	t.Helper()
	src, err := s.Open(t.Context(), u, opts)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// param returns the placeholder of argument i (from 1).
func (s Store) param(i int) string {
	if s.Numbered {
		return "$" + strconv.Itoa(i)
	}
	return "?"
}

// ReadUsers reads src to its end, closes it and returns the users read.
// A record with issues fails the test: the suites' users read cleanly.
func ReadUsers(t *testing.T, src pipeline.Source) []profile.User {
	t.Helper()
	defer src.Close()
	var us []profile.User
	for _, b := range sourcetest.ReadAll(t, src) {
		for _, r := range b.Records {
			if len(r.Issues) > 0 {
				t.Errorf("record %d: %s", r.Origin.Index, r.Issues.Error())
			}
			us = append(us, r.User)
		}
	}
	return us
}

func (s Store) keyOrderAndPositions(t *testing.T) {
	users := sinktest.Users(0, 30)
	u := s.load(t, users)
	src := s.open(t, u, sqlsource.Options{BatchSize: 8})
	defer src.Close()
	name := src.(interface{ Name() string }).Name()
	CheckName(t, name, u)
	var ids []string
	var want int64
	lastKey := int64(0)
	for _, b := range sourcetest.ReadAll(t, src) {
		for _, r := range b.Records {
			if r.Origin != (pipeline.Position{Source: name, Index: want}) {
				t.Errorf("record %d: Origin = %+v", want, r.Origin)
			}
			want++
			ids = append(ids, r.User.UserID)
		}
		if b.Checkpoint.Index != want {
			t.Errorf("batch %d: checkpoint index = %d, want %d", b.Seq, b.Checkpoint.Index, want)
		}
		if !s.RowIDKeys {
			if b.Checkpoint.Key != ids[len(ids)-1] {
				t.Errorf("batch %d: checkpoint key = %q, want the last user_id %q", b.Seq, b.Checkpoint.Key, ids[len(ids)-1])
			}
			continue
		}
		key, err := strconv.ParseInt(b.Checkpoint.Key, 10, 64)
		if err != nil || key <= lastKey {
			t.Errorf("batch %d: checkpoint key = %q, want a row id above %d", b.Seq, b.Checkpoint.Key, lastKey)
		}
		lastKey = key
	}
	wantIDs := make([]string, len(users)) // in stored order
	for i := range users {
		wantIDs[i] = users[i].UserID
	}
	if !s.RowIDKeys {
		slices.Sort(wantIDs)
	}
	if !slices.Equal(ids, wantIDs) {
		t.Errorf("read user_ids %q, want %q", ids, wantIDs)
	}
}

// whereQueryDifferential runs the query package's differential cases
// against the store: each query's SQL for the store, as the source's
// Where, must select the users Match selects.
func (s Store) whereQueryDifferential(t *testing.T) {
	u := s.load(t, querytest.Users())
	querytest.Run(t, func(t *testing.T, q string) []string {
		parsed, err := query.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		where, args, err := parsed.SQL(s.Query, s.QueryColumns)
		if err != nil {
			t.Fatal(err)
		}
		return querytest.IDs(ReadUsers(t, s.open(t, u, sqlsource.Options{Where: where, Args: args, BatchSize: 3})))
	})
}

func (s Store) whereAndConnection(t *testing.T) {
	u := s.load(t, sinktest.Users(0, 20))
	s.loadInto(t, u, sinktest.Users(100, 5), "other-db")

	got := ReadUsers(t, s.open(t, u, sqlsource.Options{Connection: "other-db", BatchSize: 2}))
	sinktest.Equal(t, sinktest.Users(100, 5), got)

	got = ReadUsers(t, s.open(t, u, sqlsource.Options{
		Where: "logins_count >= " + s.param(1) + " AND email_verified = " + s.param(2), Args: []any{100, true},
		Connection: s.DefaultConnection, BatchSize: 4,
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

func (s Store) fieldsSelectRootAttributes(t *testing.T) {
	users := sinktest.Users(0, 16) // users 0 and 8 have unknown attributes
	u := s.load(t, users)
	got := ReadUsers(t, s.open(t, u, sqlsource.Options{Fields: []string{"email", "user_metadata.theme", "identities[0].connection", "job_title"}}))
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
		slices.SortFunc(us, func(a, b profile.User) int { return strings.Compare(a.Email, b.Email) })
	}
	byEmail(want)
	byEmail(got)
	sinktest.Equal(t, want, got)
}

func (s Store) splitRangesCoverEveryUserOnce(t *testing.T) {
	empty := s.open(t, s.load(t, nil), sqlsource.Options{})
	defer empty.Close()
	split, ok := empty.(Splitter)
	if !ok {
		t.Skip("the source does not split")
	}
	if rs, err := split.Split(t.Context(), 3); err != nil || len(rs) != 1 || rs[0] != (sqltable.Range{}) {
		t.Errorf("Split of an empty store = %+v, %v; want one whole range", rs, err)
	}

	users := sinktest.Users(0, 103)
	u := s.load(t, users)
	src := s.open(t, u, sqlsource.Options{})
	ranges, err := src.(Splitter).Split(t.Context(), 4)
	src.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(ranges) != 4 || ranges[0].After != "" || ranges[3].Through != "" {
		t.Fatalf("ranges = %+v", ranges)
	}
	var all []profile.User
	for _, r := range ranges {
		part := ReadUsers(t, s.open(t, u, sqlsource.Options{Range: r, BatchSize: 10}))
		if len(part) < 20 || len(part) > 32 {
			t.Errorf("range %+v holds %d users, want about 26", r, len(part))
		}
		all = append(all, part...)
	}
	sinktest.Equal(t, users, all)
}

func (s Store) openErrors(t *testing.T) {
	tests := []struct {
		name    string
		u       string
		opts    sqlsource.Options
		wantErr error // nil: any error
	}{
		{"not a store", s.URL(t), sqlsource.Options{}, sqlsource.ErrNotStore},
		{"field naming nothing", s.load(t, nil), sqlsource.Options{Fields: []string{".x"}}, sqlsource.ErrField},
		{"bad where", s.load(t, nil), sqlsource.Options{Where: "no_such_column = 1"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := s.Open(t.Context(), tt.u, tt.opts)
			if err == nil {
				src.Close()
				t.Fatal("Open succeeded")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Open = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func (s Store) corruptRowIsRejected(t *testing.T) {
	u := s.load(t, sinktest.Users(0, 5))
	s.Exec(t, u, s.Corrupt, sinktest.Users(2, 1)[0].UserID)
	src := s.open(t, u, sqlsource.Options{})
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

func (s Store) killedConnectionIsRetried(t *testing.T) {
	if s.Kill == nil {
		t.Skip("the source does not retry")
	}
	users := sinktest.Users(0, 40)
	u := s.load(t, users)
	src := s.open(t, u, sqlsource.Options{BatchSize: 5, MinBackoff: 1})
	defer src.Close()
	var got []profile.User
	kills := 0
	for i := 0; ; i++ {
		if i%3 == 1 {
			kills += s.Kill(t, u)
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

// CheckName checks that a database source is named by its location u
// (what positions in rejects and logs show), without u's password; a
// SQLite file by its path.
func CheckName(t testing.TB, name, u string) {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatalf("test location: %v", err)
	}
	if pu.Scheme == "" { // a SQLite path
		if !strings.HasSuffix(name, pu.Path) {
			t.Errorf("source name %q, want the path %s", name, pu.Path)
		}
	} else if !strings.HasPrefix(name, pu.Scheme+"://") || !strings.Contains(name, "@"+pu.Host+pu.Path) && !strings.Contains(name, "://"+pu.Host+pu.Path) {
		t.Errorf("source name %q, want the location %s://…%s%s", name, pu.Scheme, pu.Host, pu.Path)
	}
	if pw, ok := pu.User.Password(); ok && pw != "" && strings.Contains(name, pw) {
		t.Errorf("source name %q holds the password", name)
	}
}
