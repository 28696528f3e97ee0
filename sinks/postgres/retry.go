package postgres

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ferry-dev/ferry/profile"
)

// permanent marks an error no retry can cure (a bug, a full disk for the
// rejects file).
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// Retryable reports whether err is the database or the connection failing
// (the server went away or restarted, the connection was killed, a
// deadlock or serialization failure), which a new attempt on a new
// connection may cure.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var p permanent
	if errors.As(err, &p) {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			strings.HasPrefix(pe.Code, "57P"), // admin or crash shutdown, cannot connect now
			strings.HasPrefix(pe.Code, "53"),  // insufficient resources
			pe.Code == "40001", pe.Code == "40P01":
			return true
		}
		return false
	}
	// Anything else comes from the connection itself: a network error, an
	// unexpected EOF, a closed connection.
	return true
}

// recordError reports whether err is the store refusing one record's
// values (a data exception or a constraint violation), which a careful
// record-by-record attempt can pin on the record.
func recordError(err error) (*pgconn.PgError, bool) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (strings.HasPrefix(pe.Code, "22") || strings.HasPrefix(pe.Code, "23")) {
		return pe, true
	}
	return nil, false
}

// isUnique reports whether err is a unique violation.
func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// refusal turns the store's refusal of one record into an issue: the
// unique constraints become Auth0's conflict codes, anything else CONFLICT
// (a constraint) or FORMAT (a value), naming the constraint or column but
// never the value.
func refusal(pe *pgconn.PgError) (code profile.Code, path, msg string) {
	switch pe.ConstraintName {
	case "users_pkey":
		return profile.CodeDuplicatedUser, "user_id", "user_id exists (in the store)"
	case "users_connection_email_key":
		return profile.CodeConflictEmail, "email", "email exists in the connection (in the store)"
	case "users_connection_username_key":
		return profile.CodeConflictUsername, "username", "username exists in the connection (in the store)"
	}
	path = pe.ColumnName
	if strings.HasPrefix(pe.Code, "23") {
		what := "a constraint of the store"
		if pe.ConstraintName != "" {
			what = "constraint " + pe.ConstraintName
		}
		return profile.CodeConflict, path, "refused by " + what + " (SQLSTATE " + pe.Code + ")"
	}
	return profile.CodeFormat, path, "a value the store cannot hold (SQLSTATE " + pe.Code + ")"
}
