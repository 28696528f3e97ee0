package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The bulk operations of the stores' Apply (ferry users …).
const (
	OpCount   = "count"   // count the users the query selects
	OpBlock   = "block"   // set blocked on those not blocked yet
	OpUnblock = "unblock" // clear blocked on those blocked
	OpDelete  = "delete"  // delete them
)

// ErrOp is returned for an operation Apply does not know.
var ErrOp = errors.New("unknown bulk operation")

// AuditEntry is one line of a store's audit trail (ferry_audit): a bulk
// change, who made it and what it touched — no personal data.
type AuditEntry struct {
	At        string // RFC 3339, UTC
	Actor     string
	Operation string
	Query     string // redacted
	Count     int64
}

// BulkSQL is a store's SQL for the bulk operations, where the dialects
// differ. Counting and deleting are the same in every dialect.
type BulkSQL struct {
	// Block and Unblock set blocked and updated_at on the users the query
	// selects whose flag changes.
	Block, Unblock Update
	// CreateAudit, if set, runs before an audit line is written: a store
	// that creates ferry_audit on first use creates it there.
	CreateAudit string
	// Audit inserts an audit line. Its parameters are the actor, the
	// operation, the redacted query and the count, after the time of the
	// change when ClientTime.
	Audit string
	// ClientTime is whether Block, Unblock and Audit take the time of the
	// change as their first parameter, in TimeLayout, rather than reading
	// the server's clock.
	ClientTime bool
}

// Update is the UPDATE of a block or unblock:
// UPDATE users SET <Set> WHERE (<query>) AND <Guard>.
type Update struct {
	Set   string // blocked and updated_at
	Guard string // selects the users whose flag changes
}

func (u Update) statement(where string) string {
	return "UPDATE users SET " + u.Set + " WHERE (" + where + ") AND " + u.Guard
}

// Bulk is one bulk operation on the users a query selects, ready to run
// in a transaction.
type Bulk struct {
	sql  BulkSQL
	op   string
	stmt string
	args []any // the query's
}

// Bulk returns op on the users the condition where selects (args are
// where's parameters), or ErrOp for an operation it does not know.
func (d BulkSQL) Bulk(op, where string, args []any) (*Bulk, error) {
	var stmt string
	switch op {
	case OpCount:
		stmt = "SELECT count(*) FROM users WHERE " + where
	case OpBlock:
		stmt = d.Block.statement(where)
	case OpUnblock:
		stmt = d.Unblock.statement(where)
	case OpDelete:
		stmt = "DELETE FROM users WHERE " + where
	default:
		return nil, fmt.Errorf("%w: %q", ErrOp, op)
	}
	return &Bulk{sql: d, op: op, stmt: stmt, args: args}, nil
}

// Tx is the part of a store's transaction a Bulk uses.
type Tx interface {
	// Count runs a query of one integer and returns it.
	Count(ctx context.Context, stmt string, args ...any) (int64, error)
	// Exec runs stmt and returns how many rows it changed.
	Exec(ctx context.Context, stmt string, args ...any) (int64, error)
}

// Run runs b in tx and returns how many users it counted or changed. A
// change (block, unblock, delete) also writes its audit line in tx: when,
// actor, the operation, query (redacted: the query's shape, no values)
// and the count. The caller commits tx.
func (b *Bulk) Run(ctx context.Context, tx Tx, actor, query string) (int64, error) {
	if b.op == OpCount {
		return tx.Count(ctx, b.stmt, b.args...)
	}
	args, audit := b.args, []any{actor, b.op, query}
	if b.sql.ClientTime {
		now := time.Now().UTC().Format(TimeLayout)
		audit = append([]any{now}, audit...)
		if b.op == OpBlock || b.op == OpUnblock {
			// The time's placeholder comes first in the text.
			args = append([]any{now}, args...)
		}
	}
	n, err := tx.Exec(ctx, b.stmt, args...)
	if err != nil {
		return 0, err
	}
	if b.sql.CreateAudit != "" {
		if _, err := tx.Exec(ctx, b.sql.CreateAudit); err != nil {
			return 0, fmt.Errorf("create ferry_audit: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, b.sql.Audit, append(audit, n)...); err != nil {
		return 0, fmt.Errorf("audit: %w", err)
	}
	return n, nil
}

// SQLTx is a database/sql transaction as a Tx.
type SQLTx struct{ Tx *sql.Tx }

var _ Tx = SQLTx{}

// Count runs a query of one integer and returns it.
func (t SQLTx) Count(ctx context.Context, stmt string, args ...any) (int64, error) {
	var n int64
	err := t.Tx.QueryRowContext(ctx, stmt, args...).Scan(&n)
	return n, err
}

// Exec runs stmt and returns how many rows it changed.
func (t SQLTx) Exec(ctx context.Context, stmt string, args ...any) (int64, error) {
	res, err := t.Tx.ExecContext(ctx, stmt, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// SampleSQL returns the query of a store's Sample: up to n (at least 0)
// users the condition where selects, in user_id order, with cols.
func SampleSQL(cols []string, where string, n int) string {
	return "SELECT " + strings.Join(cols, ", ") + " FROM users WHERE " + where +
		" ORDER BY user_id LIMIT " + strconv.Itoa(max(n, 0))
}

// Rows is the part of a driver's result set ReadAll and ReadAudit use;
// *sql.Rows and pgx.Rows have it.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// ReadAll reads every row of rows with read, which scans the current row
// into its argument. The caller closes rows.
func ReadAll[T any](rows Rows, read func(*T) error) ([]T, error) {
	var out []T
	for rows.Next() {
		var v T
		if err := read(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// ReadAudit reads audit lines, selected as at, actor, operation, query,
// count, from rows. The caller closes rows.
func ReadAudit(rows Rows) ([]AuditEntry, error) {
	return ReadAll(rows, func(e *AuditEntry) error {
		return rows.Scan(&e.At, &e.Actor, &e.Operation, &e.Query, &e.Count)
	})
}
