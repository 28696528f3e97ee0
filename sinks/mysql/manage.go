package mysql

import (
	"context"
	"database/sql"
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

// Apply runs op on every user of the store (all connections) that q
// selects, in one transaction, and returns how many users it counted or
// changed. A change (block, unblock, delete) also writes an audit line to
// ferry_audit in that transaction: when, actor (who ran it), the operation,
// q.Redacted() (the query's shape, no values) and the count — no personal
// data. Blocking and unblocking touch only users whose flag changes, and
// set their updated_at.
func (s *Sink) Apply(ctx context.Context, op string, q *query.Query, actor string) (int64, error) {
	where, args, err := q.SQL(query.MySQL, QueryColumns())
	if err != nil {
		return 0, fmt.Errorf("mysql: %s: %w", op, err)
	}
	b, err := bulkSQL.Bulk(op, where, args)
	if err != nil {
		return 0, fmt.Errorf("mysql: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, ErrClosed
	}
	if s.conn == nil {
		if err := s.reconnect(ctx); err != nil {
			return 0, fmt.Errorf("mysql: %s: reconnect: %w", op, err)
		}
	}
	n, err := s.apply(ctx, b, actor, q.Redacted())
	if err != nil {
		if Retryable(err) {
			s.drop()
		}
		return 0, fmt.Errorf("mysql: %s: %w", op, err)
	}
	return n, nil
}

// bulkSQL is the MySQL of the bulk operations. updated_at and the audit
// line's time are ferry's clock, as the stores' other timestamps are.
var bulkSQL = sqlstore.BulkSQL{
	Block:      sqlstore.Update{Set: "blocked = 1, updated_at = ?", Guard: "(blocked IS NULL OR blocked <> 1)"},
	Unblock:    sqlstore.Update{Set: "blocked = 0, updated_at = ?", Guard: "blocked = 1"},
	Audit:      "INSERT INTO ferry_audit (at, actor, operation, query, count) VALUES (?, ?, ?, ?, ?)",
	ClientTime: true,
}

// apply runs b in a transaction of its own on s.conn.
func (s *Sink) apply(ctx context.Context, b *sqlstore.Bulk, actor, redacted string) (n int64, err error) {
	tx, err := s.conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if n, err = b.Run(ctx, sqlstore.SQLTx{Tx: tx}, actor, redacted); err != nil {
		return 0, err
	}
	return n, tx.Commit()
}

// Sample returns up to n of the users q selects, in user_id order, for a
// dry run to show (masked) before a change.
func (s *Sink) Sample(ctx context.Context, q *query.Query, n int) ([]profile.User, error) {
	where, args, err := q.SQL(query.MySQL, QueryColumns())
	if err != nil {
		return nil, fmt.Errorf("mysql: sample: %w", err)
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
			return nil, fmt.Errorf("mysql: sample: reconnect: %w", err)
		}
	}
	rows, err := s.conn.QueryContext(ctx, sqlstore.SampleSQL(Columns(), where, n), args...)
	if err != nil {
		return nil, fmt.Errorf("mysql: sample: %w", err)
	}
	defer rows.Close()
	raw := make([]sql.RawBytes, len(Columns()))
	dest := make([]any, len(raw))
	for i := range raw {
		dest[i] = &raw[i]
	}
	vals := make([][]byte, len(raw))
	us, err := sqlstore.ReadAll(rows, func(u *profile.User) error {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		for i, v := range raw {
			vals[i] = nil
			if v != nil {
				vals[i] = v
			}
		}
		return row.User(vals, u)
	})
	if err != nil {
		return nil, fmt.Errorf("mysql: sample: %w", err)
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
			return nil, fmt.Errorf("mysql: audit: reconnect: %w", err)
		}
	}
	rows, err := s.conn.QueryContext(ctx, "SELECT at, actor, operation, query, count FROM ferry_audit ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("mysql: audit: %w", err)
	}
	defer rows.Close()
	out, err := sqlstore.ReadAudit(rows)
	if err != nil {
		return nil, fmt.Errorf("mysql: audit: %w", err)
	}
	return out, nil
}
