package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

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
	var stmt string
	switch op {
	case OpCount:
		stmt = "SELECT count(*) FROM users WHERE " + where
	case OpBlock:
		stmt = "UPDATE users SET blocked = true, updated_at = now() WHERE (" + where + ") AND blocked IS NOT TRUE"
	case OpUnblock:
		stmt = "UPDATE users SET blocked = false, updated_at = now() WHERE (" + where + ") AND blocked"
	case OpDelete:
		stmt = "DELETE FROM users WHERE " + where
	default:
		return 0, fmt.Errorf("postgres: %w: %q", ErrOp, op)
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
		if op == OpCount {
			return tx.QueryRow(ctx, stmt, args...).Scan(&n)
		}
		tag, err := tx.Exec(ctx, stmt, args...)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		_, err = tx.Exec(ctx, "INSERT INTO ferry_audit (at, actor, operation, query, count) VALUES (now(), $1, $2, $3, $4)",
			actor, op, q.Redacted(), n)
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
	stmt := "SELECT " + strings.Join(Columns(), ", ") + " FROM users WHERE " + where +
		" ORDER BY user_id LIMIT " + strconv.Itoa(max(n, 0))
	rows, err := s.conn.Query(ctx, stmt, append([]any{pgx.QueryResultFormats{pgx.BinaryFormatCode}}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("postgres: sample: %w", err)
	}
	defer rows.Close()
	var us []profile.User
	for rows.Next() {
		var u profile.User
		if err := row.User(rows.RawValues(), &u); err != nil {
			return nil, fmt.Errorf("postgres: sample: %w", err)
		}
		us = append(us, u)
	}
	if err := rows.Err(); err != nil {
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
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditEntry, error) {
		var e AuditEntry
		err := r.Scan(&e.At, &e.Actor, &e.Operation, &e.Query, &e.Count)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: audit: %w", err)
	}
	return out, nil
}
