package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/profile/query"
	store "github.com/ferry-dev/ferry/sinks/sqlite"
	"github.com/ferry-dev/ferry/sources/internal/sqlsource"
	"github.com/ferry-dev/ferry/sources/internal/sqlsource/sqlsourcetest"
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

func TestStore(t *testing.T) {
	sqlsourcetest.Run(t, sqlsourcetest.Store{
		URL: func(t testing.TB) string {
			path := filepath.Join(t.TempDir(), "ferry.db")
			exec(t, path, "CREATE TABLE t (x)")
			return path
		},
		Sink: func(t testing.TB, path, connection string) pipeline.Sink {
			s, err := store.Open(t.Context(), path, store.Options{Connection: connection})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		Open: func(ctx context.Context, path string, o sqlsource.Options) (pipeline.Source, error) {
			src, err := Open(ctx, "sqlite://"+path, Options{BatchSize: o.BatchSize, Where: o.Where, Args: o.Args, Connection: o.Connection, Fields: o.Fields})
			if err != nil {
				return nil, err
			}
			return src, nil
		},
		Exec:              exec,
		Query:             query.SQLite,
		QueryColumns:      query.DefaultColumns(),
		DefaultConnection: store.DefaultConnection,
		Corrupt:           "UPDATE users SET created_at = 'yesterday' WHERE user_id = ?",
	})
}

// exec runs one statement on the database file at path.
func exec(t testing.TB, path, stmt string, args ...any) {
	t.Helper()
	db, err := store.OpenDB(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(t.Context(), stmt, args...); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

func TestOpen_MissingFileFails(t *testing.T) {
	if src, err := Open(t.Context(), filepath.Join(t.TempDir(), "missing.db"), Options{}); err == nil {
		src.Close()
		t.Error("Open of a missing file succeeded")
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
	sinktest.Equal(t, sinktest.Users(0, n), sqlsourcetest.ReadUsers(t, openSource(t, to, Options{})))
}
