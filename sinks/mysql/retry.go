package mysql

import (
	"context"
	"errors"
	"strconv"
	"strings"

	mysqldriver "github.com/go-sql-driver/mysql"

	"github.com/ferry-dev/ferry/profile"
)

// permanent marks an error no retry can cure (a bug, a full disk for the
// rejects file).
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// MySQL and MariaDB error numbers ferry tells apart.
const (
	erDupEntry         = 1062
	erLockWaitTimeout  = 1205
	erLockDeadlock     = 1213
	erServerShutdown   = 1053
	erQueryInterrupted = 1317
	erConnectionKilled = 1927 // MariaDB
	erTooManyConns     = 1040
	erClientInactive   = 4031 // MySQL 8
)

// recordErrors are the numbers of a statement refusing a value: a NULL, a
// duplicate, a value too long or out of range, bad text or JSON, a check or
// foreign key constraint.
var recordErrors = map[uint16]bool{
	1048: true, erDupEntry: true, 1264: true, 1265: true, 1292: true, 1366: true,
	1406: true, 1451: true, 1452: true, 1690: true, 3140: true, 3819: true, 4025: true,
}

// Retryable reports whether err is the database or the connection failing
// (the server went away or restarted, the connection was killed, a
// deadlock or lock timeout), which a new attempt on a new connection may
// cure.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var p permanent
	if errors.As(err, &p) {
		return false
	}
	var me *mysqldriver.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case erLockWaitTimeout, erLockDeadlock, erServerShutdown, erQueryInterrupted,
			erConnectionKilled, erTooManyConns, erClientInactive, 2006, 2013:
			return true
		}
		return false
	}
	// Anything else comes from the connection itself: a network error, an
	// unexpected EOF, a bad or invalid connection.
	return true
}

// recordError reports whether err is the store refusing one record's
// values, which a careful record-by-record attempt can pin on the record.
func recordError(err error) (*mysqldriver.MySQLError, bool) {
	var me *mysqldriver.MySQLError
	if errors.As(err, &me) && recordErrors[me.Number] {
		return me, true
	}
	return nil, false
}

// errLoadSkipped: LOAD DATA did not take every row as it was.
var errLoadSkipped = errors.New("load skipped or changed rows")

// localRefused reports whether err is the server refusing LOAD DATA LOCAL
// (MariaDB 1148, MySQL 3948 when local_infile is off).
func localRefused(err error) bool {
	var me *mysqldriver.MySQLError
	return errors.As(err, &me) && (me.Number == 1148 || me.Number == 3948)
}

func isDuplicate(err error) bool {
	var me *mysqldriver.MySQLError
	return errors.Is(err, errLoadSkipped) || errors.As(err, &me) && me.Number == erDupEntry
}

// refusal turns the store's refusal of one record into an issue: the
// unique keys become Auth0's conflict codes, anything else CONFLICT (a
// constraint) or FORMAT (a value), naming the key or constraint but never
// the value (the server's message quotes it, so it is not used).
func refusal(me *mysqldriver.MySQLError) (code profile.Code, path, msg string) {
	switch me.Number {
	case erDupEntry:
		switch key := quoted(me.Message, "for key '", "'"); {
		case strings.HasSuffix(key, "users_user_id_key"):
			return profile.CodeDuplicatedUser, "user_id", "user_id exists (in the store)"
		case strings.HasSuffix(key, "users_connection_email_key"):
			return profile.CodeConflictEmail, "email", "email exists in the connection (in the store)"
		case strings.HasSuffix(key, "users_connection_username_key"):
			return profile.CodeConflictUsername, "username", "username exists in the connection (in the store)"
		default:
			return profile.CodeConflict, "", "refused by unique key " + key
		}
	case 3819: // MySQL: Check constraint 'x' is violated.
		return profile.CodeConflict, "", "refused by constraint " + quoted(me.Message, "constraint '", "'")
	case 4025: // MariaDB: CONSTRAINT `x` failed for `db`.`t`
		return profile.CodeConflict, "", "refused by constraint " + quoted(me.Message, "CONSTRAINT `", "`")
	case 1451, 1452:
		return profile.CodeConflict, "", "refused by a foreign key of the store"
	case 1048:
		return profile.CodeConflict, quoted(me.Message, "Column '", "'"), "a column the store requires is empty"
	}
	return profile.CodeFormat, "", "a value the store cannot hold (error " + strconv.Itoa(int(me.Number)) + ")"
}

// quoted returns the text between open and close in msg: a key or
// constraint name, never a value.
func quoted(msg, open, close string) string {
	i := strings.LastIndex(msg, open)
	if i < 0 {
		return ""
	}
	rest := msg[i+len(open):]
	j := strings.Index(rest, close)
	if j < 0 {
		return ""
	}
	return rest[:j]
}

// scrub returns err with the message of the MySQL server error in it, if
// any, stripped of what the server quoted: statements carry the batch's
// values as literals, and messages such as "Duplicate entry 'a@b.c' for
// key …" or "… near 'x'" repeat them. The error still unwraps to err.
func scrub(err error) error {
	var me *mysqldriver.MySQLError
	if err == nil || !errors.As(err, &me) || !strings.Contains(me.Message, "'") {
		return err
	}
	return scrubbed{err: err, text: strings.Replace(err.Error(), me.Message, elideQuoted(me.Message), 1)}
}

type scrubbed struct {
	err  error
	text string
}

func (e scrubbed) Error() string { return e.text }
func (e scrubbed) Unwrap() error { return e.err }

// elideQuoted replaces what single quotes enclose in msg with "…".
func elideQuoted(msg string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(msg, '\'')
		if i < 0 {
			b.WriteString(msg)
			return b.String()
		}
		j := strings.IndexByte(msg[i+1:], '\'')
		if j < 0 {
			b.WriteString(msg[:i+1] + "…")
			return b.String()
		}
		b.WriteString(msg[:i+1] + "…'")
		msg = msg[i+1+j+1:]
	}
}
