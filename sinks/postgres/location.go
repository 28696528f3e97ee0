package postgres

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/ferry-dev/ferry/internal/redact"
)

// ErrLocation is returned for a location string that does not name a
// PostgreSQL database.
var ErrLocation = errors.New("not a postgres location")

// IsLocation reports whether loc names a PostgreSQL database:
// "postgres://…" or "postgresql://…".
func IsLocation(loc string) bool {
	return strings.HasPrefix(loc, "postgres://") || strings.HasPrefix(loc, "postgresql://")
}

// ParseLocation checks a location and returns its connection settings.
// Besides libpq's URL parameters (sslmode, connect_timeout, …) it accepts
// search_path, which puts the store in that schema.
func ParseLocation(loc string) (*pgx.ConnConfig, error) {
	if !IsLocation(loc) {
		return nil, fmt.Errorf("%w: %s: want postgres://[user[:password]@]host[:port]/database", ErrLocation, Redact(loc))
	}
	cfg, err := pgx.ParseConfig(loc)
	if err != nil {
		// pgx's message may quote the URL; name it redacted instead.
		return nil, fmt.Errorf("%w: %s: cannot parse the URL", ErrLocation, Redact(loc))
	}
	return cfg, nil
}

// Redact returns loc without its password, for messages and logs (see
// redact.URL).
func Redact(loc string) string { return redact.URL(loc) }
