package sqlite

import (
	"errors"
	"io"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/fixtures/sourcetest"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/profile/query"
	"github.com/ferry-dev/ferry/profile/query/querytest"
	store "github.com/ferry-dev/ferry/sinks/sqlite"
)

// load writes users into a new store and returns its path.
func load(t testing.TB, users []profile.User) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ferry.db")
	s, err := store.Open(t.Context(), path, store.Options{})
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
	return path
}

func openSource(t testing.TB, path string, opts Options) *Source {
	t.Helper()
	src, err := Open(t.Context(), "sqlite://"+path, opts)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestConformance(t *testing.T) {
	sourcetest.Run(t, func(t *testing.T, users []profile.User) pipeline.Source {
		return openSource(t, load(t, users), Options{BatchSize: 7})
	})
}

func readUsers(t *testing.T, src *Source) []profile.User {
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

func TestNext_KeyOrderAndPositions(t *testing.T) {
	path := load(t, sinktest.Users(0, 30))
	src := openSource(t, path, Options{BatchSize: 8})
	defer src.Close()
	var ids []string
	var want int64
	for _, b := range sourcetest.ReadAll(t, src) {
		for _, r := range b.Records {
			if r.Origin != (pipeline.Position{Source: "sqlite:" + path, Index: want}) {
				t.Errorf("record %d: Origin = %+v", want, r.Origin)
			}
			want++
			ids = append(ids, r.User.UserID)
		}
		if b.Checkpoint.Key != ids[len(ids)-1] || b.Checkpoint.Index != want {
			t.Errorf("batch %d: checkpoint key/index = %q/%d, want %q/%d", b.Seq, b.Checkpoint.Key, b.Checkpoint.Index, ids[len(ids)-1], want)
		}
	}
	if !slices.IsSorted(ids) || len(ids) != 30 {
		t.Errorf("read %d users, sorted %v", len(ids), slices.IsSorted(ids))
	}
}

// TestWhere_QueryDifferential runs the query package's differential cases
// against the store: each query's SQL for SQLite, as the source's Where,
// must select the users Match selects.
func TestWhere_QueryDifferential(t *testing.T) {
	path := load(t, querytest.Users())
	querytest.Run(t, func(t *testing.T, q string) []string {
		parsed, err := query.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		where, args, err := parsed.SQL(query.SQLite, query.DefaultColumns())
		if err != nil {
			t.Fatal(err)
		}
		return querytest.IDs(readUsers(t, openSource(t, path, Options{Where: where, Args: args, BatchSize: 3})))
	})
}

func TestWhere_AndConnection(t *testing.T) {
	path := load(t, sinktest.Users(0, 20))
	other := sinktest.Users(100, 5)
	s, err := store.Open(t.Context(), path, store.Options{Connection: "other-db"})
	if err != nil {
		t.Fatal(err)
	}
	sinktest.Write(t, s, sinktest.Batch("other", 0, 0, other))
	s.Close(t.Context())

	got := readUsers(t, openSource(t, path, Options{Connection: "other-db", BatchSize: 2}))
	sinktest.Equal(t, sinktest.Users(100, 5), got)

	got = readUsers(t, openSource(t, path, Options{
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
	path := load(t, users)
	got := readUsers(t, openSource(t, path, Options{Fields: []string{"email", "user_metadata.theme", "identities[0].connection", "job_title"}}))
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

func TestOpen_Errors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(t.Context(), filepath.Join(dir, "missing.db"), Options{}); err == nil {
		t.Error("Open of a missing file succeeded")
	}
	empty := filepath.Join(dir, "empty.db")
	db, err := store.OpenDB(t.Context(), empty)
	if err != nil {
		t.Fatal(err)
	}
	db.ExecContext(t.Context(), "CREATE TABLE t (x)")
	db.Close()
	if _, err := Open(t.Context(), empty, Options{}); !errors.Is(err, ErrNotStore) {
		t.Errorf("Open of a non-store = %v, want ErrNotStore", err)
	}
	path := load(t, nil)
	if _, err := Open(t.Context(), path, Options{Fields: []string{".x"}}); !errors.Is(err, ErrField) {
		t.Errorf("Open with field .x = %v, want ErrField", err)
	}
	if _, err := Open(t.Context(), path, Options{Where: "no_such_column = 1"}); err == nil {
		t.Error("Open with a bad Where succeeded")
	}
}

func TestNext_CorruptRowIsRejected(t *testing.T) {
	path := load(t, sinktest.Users(0, 5))
	db, err := store.OpenDB(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	bad := sinktest.Users(2, 1)[0].UserID
	if _, err := db.ExecContext(t.Context(), "UPDATE users SET created_at = 'yesterday' WHERE user_id = ?", bad); err != nil {
		t.Fatal(err)
	}
	db.Close()
	src := openSource(t, path, Options{})
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

// BenchmarkNext measures an export: reading 20,000 stored users back, in
// batches of 1000. One op is one user.
func BenchmarkNext(b *testing.B) {
	const n = 20000
	path := load(b, sinktest.Users(0, n))
	b.ReportAllocs()
	var src *Source
	for i := 0; b.Loop(); i++ {
		if i%n == 0 {
			if src != nil {
				src.Close()
			}
			src = openSource(b, path, Options{})
		}
		if i%1000 == 0 {
			if _, err := src.Next(b.Context()); err != nil {
				b.Fatal(err)
			}
		}
	}
	src.Close()
}

// TestRun_InterruptedCopyResumesExactlyOnce copies one store into another
// with the pipeline runner, stops it part-way, and resumes: the copy holds
// every user once and the counts add up across both runs.
func TestRun_InterruptedCopyResumesExactlyOnce(t *testing.T) {
	const n = 2500
	from := load(t, sinktest.Users(0, n))
	to := filepath.Join(t.TempDir(), "copy.db")
	run := func(resume bool, stopAfter int64) pipeline.Summary {
		src := openSource(t, from, Options{BatchSize: 100})
		defer src.Close()
		dst, err := store.Open(t.Context(), to, store.Options{CommitUsers: 300})
		if err != nil {
			t.Fatal(err)
		}
		stop := make(chan struct{})
		opts := pipeline.Options{Resume: resume, Stop: stop, Workers: 2, BatchSize: 100}
		if stopAfter > 0 {
			opts.Progress = func(c pipeline.Counts) {
				if c.Read >= stopAfter {
					select {
					case <-stop:
					default:
						close(stop)
					}
				}
			}
		}
		sum, err := pipeline.Run(t.Context(), pipeline.Job{Name: "copy", Source: src, Sink: dst}, opts)
		if stopAfter > 0 && !errors.Is(err, pipeline.ErrInterrupted) {
			t.Fatalf("first run: %v, want ErrInterrupted", err)
		}
		if stopAfter == 0 && err != nil {
			t.Fatalf("resumed run: %v", err)
		}
		if err := dst.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
		return sum
	}
	first := run(false, 700)
	if first.Counts.Read >= n || first.Counts.Read < 700 {
		t.Fatalf("first run read %d, want a part of %d", first.Counts.Read, n)
	}
	second := run(true, 0)
	if second.ResumedFrom == nil || second.ResumedFrom.Index != first.Counts.Read {
		t.Errorf("resumed from %+v, want after record %d", second.ResumedFrom, first.Counts.Read)
	}
	c := second.Counts
	if c.Read != n || c.Written != n || c.Rejected != 0 || !second.Balanced || c.Stats.Inserted != n {
		t.Errorf("counts after resume = %+v, want %d read, written and inserted", c, n)
	}
	sinktest.Equal(t, sinktest.Users(0, n), readUsers(t, openSource(t, to, Options{})))
}
