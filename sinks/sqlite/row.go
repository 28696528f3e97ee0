package sqlite

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/sinks/internal/sqlstore"
)

// Columns returns the names of the users table's columns in table order.
// "connection" is the store's own column (the connection a user was
// imported into); "extra" holds the unknown attributes as one JSON object;
// every other column is the profile attribute of the same name.
func Columns() []string { return sqlstore.Columns() }

// DefaultConnection is the connection users are stored under when
// Options.Connection is empty: Auth0's default database connection.
const DefaultConnection = sqlstore.DefaultConnection

// PlaintextNotStored names the count, in a run's Counts.Tally, of users
// a store (this one, PostgreSQL's or MySQL's) wrote without the plaintext
// password they carried: no store keeps a plaintext password.
const PlaintextNotStored = sqlstore.PlaintextNotStored

// ErrCorrupt is returned when a stored row cannot be read back into a
// profile.
var ErrCorrupt = sqlstore.ErrCorrupt

// row holds one user's column values: nil (SQL NULL), string or int64.
type row [sqlstore.NumCols]any

// equal reports whether two rows hold the same values.
func (r *row) equal(o *row) bool {
	for i := range r {
		if r[i] != o[i] {
			return false
		}
	}
	return true
}

// DeriveUserID returns the user_id the store gives a user that has none, the
// way Auth0 prefixes its database users' ids: "auth0|" and 24 hex digits of
// the SHA-256 of the connection and the email (else the username, else the
// phone number). It is deterministic, so a rerun of the same input yields
// the same ids, and it returns "" when the user has none of the three.
func DeriveUserID(connection string, u *profile.User) string {
	return sqlstore.DeriveUserID(connection, u)
}

// encoder turns profiles into rows. It keeps a scratch buffer between
// records; it is not safe for concurrent use.
type encoder struct {
	connection string
	buf        []byte
}

// encode fills r from u. Issues are problems of this record alone (it
// cannot be stored); an error means the encoder itself failed.
func (e *encoder) encode(u *profile.User, r *row) (profile.Issues, error) {
	var issues profile.Issues
	*r = row{}
	id := u.UserID
	if id == "" {
		if id = DeriveUserID(e.connection, u); id == "" {
			issues.Add(profile.CodeRequired, "user_id", "user without user_id needs an email, username or phone_number to derive one")
		}
	}
	sqlstore.CheckKeys(&issues, id, u)
	r[sqlstore.ColUserID] = id
	r[sqlstore.ColConnection] = e.connection
	r[sqlstore.ColEmail] = text(u.Email)
	r[sqlstore.ColEmailVerified] = boolean(u.EmailVerified)
	r[sqlstore.ColPhoneNumber] = text(u.PhoneNumber)
	r[sqlstore.ColPhoneVerified] = boolean(u.PhoneVerified)
	r[sqlstore.ColUsername] = text(u.Username)
	r[sqlstore.ColGivenName] = text(u.GivenName)
	r[sqlstore.ColFamilyName] = text(u.FamilyName)
	r[sqlstore.ColName] = text(u.Name)
	r[sqlstore.ColNickname] = text(u.Nickname)
	r[sqlstore.ColPicture] = text(u.Picture)
	r[sqlstore.ColBlocked] = boolean(u.Blocked)
	e.time(r, sqlstore.ColCreatedAt, u.CreatedAt, &issues)
	e.time(r, sqlstore.ColUpdatedAt, u.UpdatedAt, &issues)
	e.time(r, sqlstore.ColLastLogin, u.LastLogin, &issues)
	e.time(r, sqlstore.ColLastPasswordReset, u.LastPasswordReset, &issues)
	r[sqlstore.ColLastIP] = text(u.LastIP)
	if u.LoginsCount.Valid {
		r[sqlstore.ColLoginsCount] = u.LoginsCount.V
	}
	if len(u.Identities) > 0 {
		s, err := e.member(&profile.User{Identities: u.Identities}, "identities")
		if err != nil {
			return nil, err
		}
		r[sqlstore.ColIdentities] = s
	}
	r[sqlstore.ColAppMetadata] = raw(u.AppMetadata)
	r[sqlstore.ColUserMetadata] = raw(u.UserMetadata)
	if len(u.MFAFactors) > 0 {
		s, err := e.member(&profile.User{MFAFactors: u.MFAFactors}, "mfa_factors")
		if err != nil {
			return nil, err
		}
		r[sqlstore.ColMFAFactors] = s
	}
	r[sqlstore.ColPasswordHash] = text(u.PasswordHash)
	r[sqlstore.ColCustomPasswordHash] = raw(u.CustomPasswordHash)
	if len(u.Extra) > 0 {
		e.buf = profile.AppendJSON(e.buf[:0], &profile.User{Extra: u.Extra})
		if len(e.buf) < 2 || e.buf[0] != '{' || e.buf[len(e.buf)-1] != '}' {
			return nil, errors.New("sqlite: encode extra: profile codec returned no object")
		}
		r[sqlstore.ColExtra] = string(e.buf)
	}
	for c, v := range r {
		s, ok := v.(string)
		if !ok {
			continue
		}
		if !utf8.ValidString(s) {
			sqlstore.NotUTF8(&issues, c)
		}
		if sqlstore.ColumnKind(c) == sqlstore.KindJSON && sqlstore.DeeperThan([]byte(s), maxJSONDepth) {
			issues.Add(profile.CodeFormat, sqlstore.ColumnName(c), fmt.Sprintf("nests deeper than %d levels, which SQLite's JSON functions cannot read: one such user would fail every metadata query on the store", maxJSONDepth))
		}
	}
	return issues, nil
}

// maxJSONDepth is the deepest nesting SQLite's JSON functions read
// (JSON_MAX_DEPTH).
const maxJSONDepth = 1000

// member encodes u (holding one attribute) with the profile codec and
// returns the JSON value of its only member key.
func (e *encoder) member(u *profile.User, key string) (string, error) {
	e.buf = profile.AppendJSON(e.buf[:0], u)
	b := e.buf
	// `{"key":` … `}`
	if len(b) < len(key)+5 || b[0] != '{' || b[1] != '"' || string(b[2:2+len(key)]) != key ||
		b[2+len(key)] != '"' || b[3+len(key)] != ':' || b[len(b)-1] != '}' {
		return "", fmt.Errorf("sqlite: encode %s: profile codec returned an unexpected shape", key)
	}
	return string(b[4+len(key) : len(b)-1]), nil
}

func (e *encoder) time(r *row, col int, t time.Time, issues *profile.Issues) {
	t, ok := sqlstore.StorableTime(t, col, issues)
	if !ok {
		return
	}
	e.buf = sqlstore.AppendTime(e.buf[:0], t)
	r[col] = string(e.buf)
}

func text(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func raw(m json.RawMessage) any {
	if len(m) == 0 {
		return nil
	}
	return string(m)
}

func boolean(b profile.Bool) any {
	switch b {
	case profile.True:
		return int64(1)
	case profile.False:
		return int64(0)
	}
	return nil
}

// Row reads rows of the users table back into profiles: select the columns
// it was made for, Scan into Dest, then call User. A Row is reused from
// row to row; it is not safe for concurrent use.
type Row struct {
	cols []int
	vals []any
	dest []any
	buf  []byte
}

// NewRow returns a Row for the named columns, in the order they are
// selected. Every name must be one of Columns.
func NewRow(columns []string) (*Row, error) {
	r := &Row{cols: make([]int, len(columns)), vals: make([]any, len(columns)), dest: make([]any, len(columns))}
	for i, name := range columns {
		c := sqlstore.ColumnIndex(name)
		if c < 0 {
			return nil, fmt.Errorf("sqlite: no column %q in users", name)
		}
		r.cols[i] = c
		r.dest[i] = &r.vals[i]
	}
	return r, nil
}

// Dest returns the scan destinations, one per column.
func (r *Row) Dest() []any { return r.dest }

// UserID returns the scanned user_id, or "" when it was not selected.
func (r *Row) UserID() string {
	for i, c := range r.cols {
		if c == sqlstore.ColUserID {
			s, _ := r.vals[i].(string)
			return s
		}
	}
	return ""
}

// User fills u from the scanned values. The connection column is the
// store's, not the profile's, and is ignored. An error wraps ErrCorrupt and
// names the column, never its value.
func (r *Row) User(u *profile.User) error {
	var identities, mfa, extra string
	for i, c := range r.cols {
		v := r.vals[i]
		if v == nil {
			continue
		}
		if b, ok := v.([]byte); ok {
			v = string(b)
		}
		var err error
		switch c {
		case sqlstore.ColUserID:
			u.UserID, err = str(v)
		case sqlstore.ColConnection:
		case sqlstore.ColEmail:
			u.Email, err = str(v)
		case sqlstore.ColEmailVerified:
			u.EmailVerified, err = boolOf(v)
		case sqlstore.ColPhoneNumber:
			u.PhoneNumber, err = str(v)
		case sqlstore.ColPhoneVerified:
			u.PhoneVerified, err = boolOf(v)
		case sqlstore.ColUsername:
			u.Username, err = str(v)
		case sqlstore.ColGivenName:
			u.GivenName, err = str(v)
		case sqlstore.ColFamilyName:
			u.FamilyName, err = str(v)
		case sqlstore.ColName:
			u.Name, err = str(v)
		case sqlstore.ColNickname:
			u.Nickname, err = str(v)
		case sqlstore.ColPicture:
			u.Picture, err = str(v)
		case sqlstore.ColBlocked:
			u.Blocked, err = boolOf(v)
		case sqlstore.ColCreatedAt:
			u.CreatedAt, err = timeOf(v)
		case sqlstore.ColUpdatedAt:
			u.UpdatedAt, err = timeOf(v)
		case sqlstore.ColLastLogin:
			u.LastLogin, err = timeOf(v)
		case sqlstore.ColLastPasswordReset:
			u.LastPasswordReset, err = timeOf(v)
		case sqlstore.ColLastIP:
			u.LastIP, err = str(v)
		case sqlstore.ColLoginsCount:
			n, ok := v.(int64)
			if !ok {
				err = errType
			}
			u.LoginsCount = profile.IntOf(n)
		case sqlstore.ColIdentities:
			identities, err = str(v)
		case sqlstore.ColAppMetadata:
			u.AppMetadata, err = rawOf(v)
		case sqlstore.ColUserMetadata:
			u.UserMetadata, err = rawOf(v)
		case sqlstore.ColMFAFactors:
			mfa, err = str(v)
		case sqlstore.ColPasswordHash:
			u.PasswordHash, err = str(v)
		case sqlstore.ColCustomPasswordHash:
			u.CustomPasswordHash, err = rawOf(v)
		case sqlstore.ColExtra:
			extra, err = str(v)
		}
		if err != nil {
			return fmt.Errorf("%w: column %s: %w", ErrCorrupt, sqlstore.ColumnName(c), err)
		}
	}
	var err error
	r.buf, err = sqlstore.DecodeNested(r.buf, u, identities, mfa, extra, isNotEmpty)
	return err
}

// isNotEmpty reports whether a JSON column holds a value: SQLite's store
// takes an empty text, like NULL, for none.
func isNotEmpty(s string) bool { return s != "" }

var errType = errors.New("unexpected type")

func str(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", errType
	}
	return s, nil
}

func rawOf(v any) (json.RawMessage, error) {
	s, ok := v.(string)
	if !ok {
		return nil, errType
	}
	return json.RawMessage(s), nil
}

func boolOf(v any) (profile.Bool, error) {
	n, ok := v.(int64)
	if !ok {
		return profile.Unset, errType
	}
	return profile.BoolOf(n != 0), nil
}

func timeOf(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, errType
	}
	return sqlstore.ParseTime(s)
}
