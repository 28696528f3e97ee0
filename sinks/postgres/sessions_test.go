package postgres

import (
	"bytes"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ferry-dev/ferry/fixtures"
	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/sinks/postgres/pgtest"
)

func TestWrite_NewUsersAreCopiedOverSessions(t *testing.T) {
	tests := []struct {
		name     string
		sessions int
		users    int
		want     int // extra sessions used
	}{
		{"a large batch, two sessions", 2, 2 * minPart, 1},
		{"a large batch, three sessions", 3, 3 * minPart, 2},
		{"too few users to share", 2, 2*minPart - 1, 0},
		{"one session asked for", 1, 4 * minPart, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := pgtest.URL(t)
			s := openTest(t, u, Options{Sessions: tt.sessions})
			b := sinktest.Batch("sessions", 0, 0, sinktest.Users(0, tt.users))
			sinktest.Write(t, s, b)
			sinktest.NoRejects(t, b)
			used := 0
			for _, c := range s.extra {
				if c != nil {
					used++
				}
			}
			if used != tt.want {
				t.Errorf("%d extra sessions used, want %d", used, tt.want)
			}
			if rows, distinct := stored(t, u); rows != tt.users || distinct != tt.users {
				t.Errorf("store holds %d rows (%d distinct), want %d", rows, distinct, tt.users)
			}
			if b.Written.Inserted != int64(tt.users) {
				t.Errorf("inserted %d, want %d", b.Written.Inserted, tt.users)
			}
		})
	}
}

func TestWrite_StoredKeyInAnotherSessionsPartRejectsOnlyThatRecord(t *testing.T) {
	const n = 4 * minPart
	u := pgtest.URL(t)
	s := openTest(t, u, Options{Sessions: 2})
	users := sinktest.Users(0, n)
	sinktest.Write(t, s, sinktest.Batch("part", 0, 0, users[n-1:])) // the last user is stored
	// The stored user falls in the second half, which the extra session
	// copies: its unique violation must undo both parts and stage the batch.
	b := sinktest.Batch("part", 1, 1, users)
	sinktest.Write(t, s, b)
	if len(b.Rejects) != 0 || b.Written.Inserted != n-1 || b.Written.Unchanged != 1 {
		t.Errorf("rejects %v, written %+v: want %d inserted and the stored one unchanged", b.Rejects, b.Written, n-1)
	}
	other := users[n-1]
	other.UserID += "-other" // same email, another user_id
	b = sinktest.Batch("part", 2, n+1, append(sinktest.Users(n, n-1), other))
	sinktest.Write(t, s, b)
	if len(b.Rejects) != 1 || b.Rejects[0].Issues[0].Code != profile.CodeConflictEmail || b.Written.Inserted != n-1 {
		t.Errorf("rejects %v, written %+v: want only the copied email rejected", b.Rejects, b.Written)
	}
	if rows, distinct := stored(t, u); rows != 2*n-1 || distinct != 2*n-1 {
		t.Errorf("store holds %d rows (%d distinct), want %d", rows, distinct, 2*n-1)
	}
}

func TestFault_FailureBetweenSessionCommits(t *testing.T) {
	const n, batch = 6 * 2 * minPart, 2 * minPart
	failThird := func(s *Sink) {
		commits := 0
		s.beforeCommit = func(conn *pgx.Conn) {
			// The extra session has committed its half of the batch;
			// the main one, with the checkpoint, loses its connection.
			if commits++; commits == 3 {
				terminate(t, conn)
			}
		}
	}
	t.Run("retried", func(t *testing.T) {
		u := pgtest.URL(t)
		s := openTest(t, u, Options{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
		failThird(s)
		sum, err := pipeline.Run(t.Context(), pipeline.Job{Name: "between", Source: fixtures.NewSource(n, fixtures.Options{Seed: 3}, batch), Sink: s},
			pipeline.Options{Workers: 2, BatchSize: batch, MaxRejects: -1})
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		c := sum.Counts
		// The half committed before the failure is found again, unchanged.
		if !c.Balanced() || c.Written != n || c.Rejected != 0 || c.Stats.Unchanged != batch/2 || c.Stats.Inserted != n-batch/2 {
			t.Errorf("counts %+v: want %d written, %d of them unchanged", c, n, batch/2)
		}
		if rows, distinct := stored(t, u); rows != n || distinct != n {
			t.Errorf("store holds %d rows (%d distinct), want %d", rows, distinct, n)
		}
	})
	t.Run("resumed", func(t *testing.T) {
		u := pgtest.URL(t)
		job := pipeline.Job{Name: "between", Source: fixtures.NewSource(n, fixtures.Options{Seed: 3}, batch)}
		s := openTest(t, u, Options{Retries: -1})
		failThird(s)
		job.Sink = s
		if _, err := pipeline.Run(t.Context(), job, pipeline.Options{Workers: 2, BatchSize: batch, MaxRejects: -1}); err == nil {
			t.Fatal("first run succeeded, want the killed connection's error")
		}
		s.Close(t.Context())
		if rows, _ := stored(t, u); rows != 2*batch+batch/2 {
			t.Fatalf("after the failed run the store holds %d rows, want 2 batches and half of the third", rows)
		}
		job.Sink = openTest(t, u, Options{})
		job.Source = fixtures.NewSource(n, fixtures.Options{Seed: 3}, batch)
		sum, err := pipeline.Run(t.Context(), job, pipeline.Options{Workers: 2, BatchSize: batch, MaxRejects: -1, Resume: true})
		if err != nil {
			t.Fatalf("resumed run: %v", err)
		}
		c := sum.Counts
		if !c.Balanced() || c.Read != n || c.Written != n || c.Stats.Unchanged != batch/2 {
			t.Errorf("counts %+v: want %d read and written, %d unchanged", c, n, batch/2)
		}
		if rows, distinct := stored(t, u); rows != n || distinct != n {
			t.Errorf("store holds %d rows (%d distinct), want %d", rows, distinct, n)
		}
	})
}

func TestWrite_SessionsTheServerRefusesAreDoneWithout(t *testing.T) {
	u := pgtest.URL(t)
	schema := mustQuery(t, u).Get("search_path")
	role := "ferry_one_" + schema[len("ferry_t_"):]
	pgtest.Exec(t, u, "CREATE ROLE "+role+" LOGIN CONNECTION LIMIT 1")
	pgtest.Exec(t, u, "GRANT USAGE, CREATE ON SCHEMA "+schema+" TO "+role)
	t.Cleanup(func() { // before the schema is dropped
		pgtest.Exec(t, u, "DROP OWNED BY "+role)
		pgtest.Exec(t, u, "DROP ROLE "+role)
	})
	lu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	lu.User = url.User(role)
	var logged bytes.Buffer
	s := openTest(t, lu.String(), Options{Sessions: 3, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	const n = 3 * minPart
	b := sinktest.Batch("limited", 0, 0, sinktest.Users(0, n))
	sinktest.Write(t, s, b)
	sinktest.NoRejects(t, b)
	if b.Written.Inserted != n || len(s.extra) != 0 {
		t.Errorf("inserted %d with %d extra sessions, want %d on the one session the role may open", b.Written.Inserted, len(s.extra), n)
	}
	if !strings.Contains(logged.String(), "cannot open another session") {
		t.Errorf("no warning logged; log: %s", logged.String())
	}
	if rows, distinct := stored(t, u); rows != n || distinct != n {
		t.Errorf("store holds %d rows (%d distinct), want %d", rows, distinct, n)
	}
}

// mustQuery returns the query parameters of the URL u.
func mustQuery(t *testing.T, u string) url.Values {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return p.Query()
}
