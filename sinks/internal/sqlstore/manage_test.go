package sqlstore

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// recordTx is a Tx that records the statements it is given.
type recordTx struct {
	stmts []string
	args  [][]any
	fail  string // a statement that fails
}

var errStatement = errors.New("statement failed")

func (t *recordTx) Count(ctx context.Context, stmt string, args ...any) (int64, error) {
	return t.Exec(ctx, stmt, args...)
}

func (t *recordTx) Exec(_ context.Context, stmt string, args ...any) (int64, error) {
	t.stmts = append(t.stmts, stmt)
	t.args = append(t.args, args)
	if t.fail != "" && strings.HasPrefix(stmt, t.fail) {
		return 0, errStatement
	}
	return 3, nil
}

var testSQL = BulkSQL{
	Block:       Update{Set: "blocked = 1, updated_at = ?", Guard: "blocked IS NOT 1"},
	Unblock:     Update{Set: "blocked = 0, updated_at = ?", Guard: "blocked = 1"},
	CreateAudit: "CREATE TABLE IF NOT EXISTS ferry_audit",
	Audit:       "INSERT INTO ferry_audit VALUES (?, ?, ?, ?, ?)",
	ClientTime:  true,
}

func TestBulk_RunsStatementThenAudit(t *testing.T) {
	serverTime := testSQL
	serverTime.ClientTime, serverTime.CreateAudit = false, ""
	tests := []struct {
		name      string
		sql       BulkSQL
		op        string
		wantStmts []string
		wantArgs  [][]any // with "now" for the time of the change
	}{
		{"count is not audited", testSQL, OpCount,
			[]string{"SELECT count(*) FROM users WHERE a = ?"},
			[][]any{{"x"}}},
		{"block takes the time first", testSQL, OpBlock,
			[]string{"UPDATE users SET blocked = 1, updated_at = ? WHERE (a = ?) AND blocked IS NOT 1", testSQL.CreateAudit, testSQL.Audit},
			[][]any{{"now", "x"}, nil, {"now", "alice", OpBlock, "a:?", int64(3)}}},
		{"unblock", testSQL, OpUnblock,
			[]string{"UPDATE users SET blocked = 0, updated_at = ? WHERE (a = ?) AND blocked = 1", testSQL.CreateAudit, testSQL.Audit},
			[][]any{{"now", "x"}, nil, {"now", "alice", OpUnblock, "a:?", int64(3)}}},
		{"delete takes no time", testSQL, OpDelete,
			[]string{"DELETE FROM users WHERE a = ?", testSQL.CreateAudit, testSQL.Audit},
			[][]any{{"x"}, nil, {"now", "alice", OpDelete, "a:?", int64(3)}}},
		{"server's time", serverTime, OpBlock,
			[]string{"UPDATE users SET blocked = 1, updated_at = ? WHERE (a = ?) AND blocked IS NOT 1", testSQL.Audit},
			[][]any{{"x"}, {"alice", OpBlock, "a:?", int64(3)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.sql.Bulk(tt.op, "a = ?", []any{"x"})
			if err != nil {
				t.Fatal(err)
			}
			var tx recordTx
			n, err := b.Run(t.Context(), &tx, "alice", "a:?")
			if err != nil || n != 3 {
				t.Fatalf("Run = %d, %v; want 3", n, err)
			}
			if d := cmp.Diff(tt.wantStmts, tx.stmts); d != "" {
				t.Errorf("statements (-want +got):\n%s", d)
			}
			for i, args := range tx.args { // the time of the change, where wanted, is now
				if i < len(tt.wantArgs) && len(tt.wantArgs[i]) > 0 && tt.wantArgs[i][0] == "now" && len(args) > 0 {
					if at, ok := args[0].(string); !ok || !isTime(at) {
						t.Errorf("time of the change %v, want one in TimeLayout", args[0])
					}
					args[0] = "now"
				}
			}
			if d := cmp.Diff(tt.wantArgs, tx.args); d != "" {
				t.Errorf("arguments (-want +got):\n%s", d)
			}
		})
	}
}

func isTime(s string) bool {
	at, err := time.Parse(TimeLayout, s)
	return err == nil && time.Since(at) < time.Minute
}

func TestBulk_RejectsUnknownOp(t *testing.T) {
	if _, err := testSQL.Bulk("truncate", "a = ?", nil); !errors.Is(err, ErrOp) {
		t.Fatalf("Bulk(truncate) = %v, want ErrOp", err)
	}
}

func TestBulk_FailedAuditFailsTheChange(t *testing.T) {
	b, err := testSQL.Bulk(OpDelete, "a = ?", []any{"x"})
	if err != nil {
		t.Fatal(err)
	}
	tx := recordTx{fail: "INSERT INTO ferry_audit"}
	if n, err := b.Run(t.Context(), &tx, "alice", "a:?"); !errors.Is(err, errStatement) || n != 0 {
		t.Fatalf("Run = %d, %v; want 0, the audit's error", n, err)
	}
}
