package sqlstore

import "errors"

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
