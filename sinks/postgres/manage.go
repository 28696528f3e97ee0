package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

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

// Apply runs op on every user of the store (all connections) that q
// selects, in one transaction, and returns how many users it counted or
// changed. A change (block, unblock, delete) also writes an audit line to
// ferry_audit in that transaction: when, actor (who ran it), the operation,
// q.Redacted() (the query's shape, no values) and the count — no personal
// data. Blocking and unblocking touch only users whose flag changes, and
// set their updated_at.
func (s *Sink) Apply(ctx context.Context, op string, q *query.Query, actor string) (int64, error) {
	where, args, err := q.SQL(query.Postgres, QueryColumns())
	if err != nil {
		return 0, fmt.Errorf("postgres: %s: %w", op, err)
	}
	b, err := bulkSQL.Bulk(op, where, args)
	if err != nil {
		return 0, fmt.Errorf("postgres: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, ErrClosed
	}
	if s.conn == nil {
		if err := s.reconnect(ctx); err != nil {
			return 0, fmt.Errorf("postgres: %s: reconnect: %w", op, err)
		}
	}
	var n int64
	err = pgx.BeginFunc(ctx, s.conn, func(tx pgx.Tx) error {
		var err error
		n, err = b.Run(ctx, pgTx{tx}, actor, q.Redacted())
		return err
	})
	if err != nil {
		if Retryable(err) {
			s.drop(ctx)
		}
		return 0, fmt.Errorf("postgres: %s: %w", op, err)
	}
	return n, nil
}

// bulkSQL is the PostgreSQL of the bulk operations. updated_at and the
// audit line's time are the server's clock (now()).
var bulkSQL = sqlstore.BulkSQL{
	Block:   sqlstore.Update{Set: "blocked = true, updated_at = now()", Guard: "blocked IS NOT TRUE"},
	Unblock: sqlstore.Update{Set: "blocked = false, updated_at = now()", Guard: "blocked"},
	Audit:   "INSERT INTO ferry_audit (at, actor, operation, query, count) VALUES (now(), $1, $2, $3, $4)",
}

// pgTx is a pgx transaction as a sqlstore.Tx.
type pgTx struct{ tx pgx.Tx }

var _ sqlstore.Tx = pgTx{}

func (t pgTx) Count(ctx context.Context, stmt string, args ...any) (int64, error) {
	var n int64
	err := t.tx.QueryRow(ctx, stmt, args...).Scan(&n)
	return n, err
}

func (t pgTx) Exec(ctx context.Context, stmt string, args ...any) (int64, error) {
	tag, err := t.tx.Exec(ctx, stmt, args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// Sample returns up to n of the users q selects, in user_id order, for a
// dry run to show (masked) before a change.
func (s *Sink) Sample(ctx context.Context, q *query.Query, n int) ([]profile.User, error) {
	where, args, err := q.SQL(query.Postgres, QueryColumns())
	if err != nil {
		return nil, fmt.Errorf("postgres: sample: %w", err)
	}
	row, err := NewRow(Columns())
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if s.conn == nil {
		if err := s.reconnect(ctx); err != nil {
			return nil, fmt.Errorf("postgres: sample: reconnect: %w", err)
		}
	}
	stmt := sqlstore.SampleSQL(Columns(), where, n)
	rows, err := s.conn.Query(ctx, stmt, append([]any{pgx.QueryResultFormats{pgx.BinaryFormatCode}}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("postgres: sample: %w", err)
	}
	defer rows.Close()
	us, err := sqlstore.ReadAll(rows, func(u *profile.User) error {
		return row.User(rows.RawValues(), u)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: sample: %w", err)
	}
	return us, nil
}

// AuditEntry is one line of the audit trail.
type AuditEntry = sqlstore.AuditEntry

// Audit returns the audit trail, oldest first.
func (s *Sink) Audit(ctx context.Context) ([]AuditEntry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if s.conn == nil {
		if err := s.reconnect(ctx); err != nil {
			return nil, fmt.Errorf("postgres: audit: reconnect: %w", err)
		}
	}
	rows, err := s.conn.Query(ctx, `SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), actor, operation, query, count FROM ferry_audit ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: audit: %w", err)
	}
	defer rows.Close()
	out, err := sqlstore.ReadAudit(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: audit: %w", err)
	}
	return out, nil
}
