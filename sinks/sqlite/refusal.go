package sqlite

import (
	"errors"
	"strconv"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/ferry-dev/ferry/profile"
)

// refusal turns SQLite's refusal of one record by a constraint ferry does
// not decide itself (a CHECK, NOT NULL, foreign key or trigger the store's
// DBA added; user_id, email and username are looked up before the write)
// into the issue that rejects that record, naming the constraint or the
// column, never the value. ok is false for any other error.
func refusal(err error) (code profile.Code, path, msg string, ok bool) {
	var se *sqlite.Error
	if !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_CONSTRAINT {
		return "", "", "", false
	}
	// "constraint failed: CHECK constraint failed: no_test_nicknames (275)"
	m := strings.TrimSuffix(se.Error(), " ("+strconv.Itoa(se.Code())+")")
	m = strings.TrimPrefix(m, "constraint failed: ")
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_NOTNULL: // "NOT NULL constraint failed: users.email"
		return profile.CodeConflict, m[strings.LastIndexByte(m, '.')+1:], "a column the store requires is empty", true
	case sqlite3.SQLITE_CONSTRAINT_CHECK:
		return profile.CodeConflict, "", "refused by constraint " + strings.TrimPrefix(m, "CHECK constraint failed: "), true
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return profile.CodeConflict, "", "refused by a foreign key of the store", true
	}
	return profile.CodeConflict, "", "refused by the store: " + m, true
}
