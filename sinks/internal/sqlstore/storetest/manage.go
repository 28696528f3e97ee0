package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/profile/query"
	"github.com/ferry-dev/ferry/profile/query/querytest"
	"github.com/ferry-dev/ferry/sinks/internal/sqlstore"
)

// Manager is a store with the bulk management of `ferry users`.
type Manager interface {
	pipeline.Sink
	Apply(ctx context.Context, op string, q *query.Query, actor string) (int64, error)
	Sample(ctx context.Context, q *query.Query, n int) ([]profile.User, error)
	Audit(ctx context.Context) ([]sqlstore.AuditEntry, error)
}

func mustParse(t *testing.T, q string) *query.Query {
	t.Helper()
	pq, err := query.Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	return pq
}

// Manage runs block, unblock, delete and count on querytest's users in s,
// an empty store, and checks the counts, a sample and the audit trail.
func Manage(t *testing.T, s Manager) {
	b := sinktest.Batch("load", 0, 0, querytest.Users())
	sinktest.Write(t, s, b)
	sinktest.NoRejects(t, b)
	ctx := t.Context()
	apply := func(op, q string) int64 {
		t.Helper()
		n, err := s.Apply(ctx, op, mustParse(t, q), "alice")
		if err != nil {
			t.Fatalf("%s %s: %v", op, q, err)
		}
		return n
	}
	if n := apply(sqlstore.OpCount, "blocked:true"); n != 2 {
		t.Errorf("count blocked = %d, want 2", n)
	}
	// Five match (auth0|01, 06, 14, 15, 27), none blocked yet.
	if n := apply(sqlstore.OpBlock, `email.domain:exampleco.com AND logins_count:[100 TO *]`); n != 5 {
		t.Errorf("block = %d, want 5", n)
	}
	if n := apply(sqlstore.OpCount, "blocked:true"); n != 7 {
		t.Errorf("count blocked after block = %d, want 7", n)
	}
	// auth0|03 (blocked) and auth0|04 (not) match: one changes.
	if n := apply(sqlstore.OpBlock, `logins_count:[150 TO 200]`); n != 1 {
		t.Errorf("block of a half-blocked set = %d, want 1", n)
	}
	if n := apply(sqlstore.OpBlock, `email.domain:exampleco.com AND logins_count:[100 TO *]`); n != 0 {
		t.Errorf("block again = %d, want 0", n)
	}
	if n := apply(sqlstore.OpUnblock, "blocked:true"); n != 8 {
		t.Errorf("unblock = %d, want 8", n)
	}
	if n := apply(sqlstore.OpDelete, `user_id:sms*`); n != 2 {
		t.Errorf("delete = %d, want 2", n)
	}
	if n := apply(sqlstore.OpCount, "*"); n != int64(len(querytest.Users())-2) {
		t.Errorf("count all = %d", n)
	}
	sample, err := s.Sample(ctx, mustParse(t, "name:jane*"), 2)
	if err != nil || len(sample) != 2 || sample[0].UserID != "auth0|01" {
		t.Errorf("Sample = %d users, %v", len(sample), err)
	}
	if _, err := s.Apply(ctx, "truncate", mustParse(t, "*"), "alice"); !errors.Is(err, sqlstore.ErrOp) {
		t.Errorf("unknown op = %v, want ErrOp", err)
	}

	audit, err := s.Audit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, e := range audit {
		ops = append(ops, e.Operation)
		if e.Actor != "alice" || !strings.HasSuffix(e.At, "Z") {
			t.Errorf("audit entry %+v", e)
		}
		if strings.Contains(e.Query, "exampleco") || strings.Contains(e.Query, "sms") {
			t.Errorf("audit query %q holds a value", e.Query)
		}
	}
	if got := strings.Join(ops, ","); got != "block,block,block,unblock,delete" {
		t.Errorf("audited operations %s, want the four changes (counts are not audited)", got)
	}
	if audit[0].Count != 5 || audit[0].Query != `email.domain:? AND logins_count:[? TO *]` {
		t.Errorf("first audit entry %+v", audit[0])
	}
}
