package sqlite

import (
	"context"
	"fmt"

	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/profile/query"
	"github.com/ferry-dev/ferry/sinks/internal/sqlstore"
)

// The bulk operations of Apply.
const (
	OpCount   = sqlstore.OpCount
	OpBlock   = sqlstore.OpBlock
	OpUnblock = sqlstore.OpUnblock
	OpDelete  = sqlstore.OpDelete
)

// ErrOp is returned for an operation Apply does not know.
var ErrOp = sqlstore.ErrOp

// auditDDL creates the audit trail of bulk changes. It is created on first
// use, so that stores of every schema version can be audited.
const auditDDL = `CREATE TABLE IF NOT EXISTS ferry_audit (
	id         INTEGER PRIMARY KEY,
	at         TEXT NOT NULL,
	actor      TEXT NOT NULL,
	operation  TEXT NOT NULL,
	query      TEXT NOT NULL,
	count      INTEGER NOT NULL
) STRICT`

// Apply runs op on every user of the store (all connections) that q
// selects, in one transaction, and returns how many users it counted or
// changed. A change (block, unblock, delete) also writes an audit line to
// ferry_audit in that transaction: when, actor (who ran it), the operation,
// q.Redacted() (the query's shape, no values) and the count — no personal
// data. Blocking and unblocking touch only users whose flag changes, and
// set their updated_at. Batches written but not yet committed are
// committed first.
func (s *Sink) Apply(ctx context.Context, op string, q *query.Query, actor string) (int64, error) {
	where, args, err := q.SQL(query.SQLite, query.DefaultColumns())
	if err != nil {
		return 0, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	b, err := bulkSQL.Bulk(op, where, args)
	if err != nil {
		return 0, fmt.Errorf("sqlite: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, ErrClosed
	}
	if err := s.commit(); err != nil {
		return 0, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("sqlite: %s: begin: %w", op, err)
	}
	defer tx.Rollback()
	n, err := b.Run(ctx, sqlstore.SQLTx{Tx: tx}, actor, q.Redacted())
	if err != nil {
		return 0, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: %s: commit: %w", op, err)
	}
	return n, nil
}

// bulkSQL is the SQLite of the bulk operations.
var bulkSQL = sqlstore.BulkSQL{
	Block:       sqlstore.Update{Set: "blocked = 1, updated_at = ?", Guard: "blocked IS NOT 1"},
	Unblock:     sqlstore.Update{Set: "blocked = 0, updated_at = ?", Guard: "blocked = 1"},
	CreateAudit: auditDDL,
	Audit:       "INSERT INTO ferry_audit (at, actor, operation, query, count) VALUES (?, ?, ?, ?, ?)",
	ClientTime:  true,
}

// Sample returns up to n of the users q selects, in user_id order, for a
// dry run to show (masked) before a change.
func (s *Sink) Sample(ctx context.Context, q *query.Query, n int) ([]profile.User, error) {
	where, args, err := q.SQL(query.SQLite, query.DefaultColumns())
	if err != nil {
		return nil, fmt.Errorf("sqlite: sample: %w", err)
	}
	cols := Columns()
	r, err := NewRow(cols)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if err := s.commit(); err != nil {
		return nil, fmt.Errorf("sqlite: sample: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, sqlstore.SampleSQL(cols, where, n), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: sample: %w", err)
	}
	defer rows.Close()
	us, err := sqlstore.ReadAll(rows, func(u *profile.User) error {
		if err := rows.Scan(r.Dest()...); err != nil {
			return err
		}
		return r.User(u)
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: sample: %w", err)
	}
	return us, nil
}

// AuditEntry is one line of the audit trail.
type AuditEntry = sqlstore.AuditEntry

// Audit returns the audit trail, oldest first; none for a store never
// changed in bulk.
func (s *Sink) Audit(ctx context.Context) ([]AuditEntry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if err := s.commit(); err != nil {
		return nil, fmt.Errorf("sqlite: audit: %w", err)
	}
	var exists int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'ferry_audit'").Scan(&exists); err != nil {
		return nil, fmt.Errorf("sqlite: audit: %w", err)
	}
	if exists == 0 {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, "SELECT at, actor, operation, query, count FROM ferry_audit ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("sqlite: audit: %w", err)
	}
	defer rows.Close()
	out, err := sqlstore.ReadAudit(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: audit: %w", err)
	}
	return out, nil
}
