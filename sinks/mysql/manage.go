package mysql

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"database/sql"
	"time"

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
	var stmt string
	switch op {
	case OpCount:
		stmt = "SELECT count(*) FROM users WHERE " + where
	case OpBlock:
		stmt = "UPDATE users SET blocked = 1, updated_at = ? WHERE (" + where + ") AND (blocked IS NULL OR blocked <> 1)"
	case OpUnblock:
		stmt = "UPDATE users SET blocked = 0, updated_at = ? WHERE (" + where + ") AND blocked = 1"
	case OpDelete:
		stmt = "DELETE FROM users WHERE " + where
	default:
		return 0, fmt.Errorf("mysql: %w: %q", ErrOp, op)
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
	now := time.Now().UTC().Format(sqlstore.TimeLayout)
	if op == OpBlock || op == OpUnblock {
		args = append([]any{now}, args...)
	}
	n, err := s.apply(ctx, op, stmt, args, now, actor, q.Redacted())
	if err != nil {
		if Retryable(err) {
			s.drop()
		}
		return 0, fmt.Errorf("mysql: %s: %w", op, err)
	}
	return n, nil
}

func (s *Sink) apply(ctx context.Context, op, stmt string, args []any, now, actor, redacted string) (n int64, err error) {
	tx, err := s.conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if op == OpCount {
		err := tx.QueryRowContext(ctx, stmt, args...).Scan(&n)
		if err != nil {
			return 0, err
		}
		return n, tx.Commit()
	}
	res, err := tx.ExecContext(ctx, stmt, args...)
	if err != nil {
		return 0, err
	}
	if n, err = res.RowsAffected(); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO ferry_audit (at, actor, operation, query, count) VALUES (?, ?, ?, ?, ?)",
		now, actor, op, redacted, n); err != nil {
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
	stmt := "SELECT " + strings.Join(Columns(), ", ") + " FROM users WHERE " + where +
		" ORDER BY user_id LIMIT " + strconv.Itoa(max(n, 0))
	rows, err := s.conn.QueryContext(ctx, stmt, args...)
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
	var us []profile.User
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("mysql: sample: %w", err)
		}
		for i, v := range raw {
			vals[i] = nil
			if v != nil {
				vals[i] = v
			}
		}
		var u profile.User
		if err := row.User(vals, &u); err != nil {
			return nil, fmt.Errorf("mysql: sample: %w", err)
		}
		us = append(us, u)
	}
	if err := rows.Err(); err != nil {
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
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.At, &e.Actor, &e.Operation, &e.Query, &e.Count); err != nil {
			return nil, fmt.Errorf("mysql: audit: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mysql: audit: %w", err)
	}
	return out, nil
}
