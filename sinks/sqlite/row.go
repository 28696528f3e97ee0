package sqlite

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ferry-dev/ferry/profile"
)

// Column indexes of the users table, in table order.
const (
	colUserID = iota
	colConnection
	colEmail
	colEmailVerified
	colPhoneNumber
	colPhoneVerified
	colUsername
	colGivenName
	colFamilyName
	colName
	colNickname
	colPicture
	colBlocked
	colCreatedAt
	colUpdatedAt
	colLastLogin
	colLastPasswordReset
	colLastIP
	colLoginsCount
	colIdentities
	colAppMetadata
	colUserMetadata
	colMFAFactors
	colPasswordHash
	colCustomPasswordHash
	colExtra
	numCols
)

// columnNames are the users table's columns in table order.
var columnNames = [numCols]string{
	"user_id", "connection", "email", "email_verified", "phone_number",
	"phone_verified", "username", "given_name", "family_name", "name",
	"nickname", "picture", "blocked", "created_at", "updated_at", "last_login",
	"last_password_reset", "last_ip", "logins_count", "identities",
	"app_metadata", "user_metadata", "mfa_factors", "password_hash",
	"custom_password_hash", "extra",
}

// upsertable are the columns an upsert may change (spec §1, §5): names,
// picture, email_verified, both metadata objects (replaced whole) and the
// custom password hash.
var upsertable = [...]int{
	colEmailVerified, colGivenName, colFamilyName, colName, colNickname,
	colPicture, colAppMetadata, colUserMetadata, colCustomPasswordHash,
}

// Columns returns the names of the users table's columns in table order.
// "connection" is the store's own column (the connection a user was
// imported into); "extra" holds the unknown attributes as one JSON object;
// every other column is the profile attribute of the same name.
func Columns() []string { return slices.Clone(columnNames[:]) }

// columnIndex returns the position of the named column in Columns, or -1.
func columnIndex(name string) int {
	for i, c := range columnNames {
		if c == name {
			return i
		}
	}
	return -1
}

// timeLayout is the fixed-width UTC form timestamps are stored in, so that
// text order is time order.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// DefaultConnection is the connection users are stored under when
// Options.Connection is empty: Auth0's default database connection.
const DefaultConnection = "Username-Password-Authentication"

// ErrCorrupt is returned when a stored row cannot be read back into a
// profile.
var ErrCorrupt = errors.New("corrupt store row")

// row holds one user's column values: nil (SQL NULL), string or int64.
type row [numCols]any

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
	kind, v := "email", u.Email
	if v == "" {
		kind, v = "username", u.Username
	}
	if v == "" {
		kind, v = "phone_number", u.PhoneNumber
	}
	if v == "" {
		return ""
	}
	h := sha256.New()
	h.Write([]byte(connection))
	h.Write([]byte{0})
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write([]byte(v))
	var sum [sha256.Size]byte
	var out [len("auth0|") + 24]byte
	copy(out[:], "auth0|")
	hex.Encode(out[len("auth0|"):], h.Sum(sum[:0])[:12])
	return string(out[:])
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
	r[colUserID] = id
	r[colConnection] = e.connection
	r[colEmail] = text(u.Email)
	r[colEmailVerified] = boolean(u.EmailVerified)
	r[colPhoneNumber] = text(u.PhoneNumber)
	r[colPhoneVerified] = boolean(u.PhoneVerified)
	r[colUsername] = text(u.Username)
	r[colGivenName] = text(u.GivenName)
	r[colFamilyName] = text(u.FamilyName)
	r[colName] = text(u.Name)
	r[colNickname] = text(u.Nickname)
	r[colPicture] = text(u.Picture)
	r[colBlocked] = boolean(u.Blocked)
	e.time(r, colCreatedAt, u.CreatedAt, &issues)
	e.time(r, colUpdatedAt, u.UpdatedAt, &issues)
	e.time(r, colLastLogin, u.LastLogin, &issues)
	e.time(r, colLastPasswordReset, u.LastPasswordReset, &issues)
	r[colLastIP] = text(u.LastIP)
	if u.LoginsCount.Valid {
		r[colLoginsCount] = u.LoginsCount.V
	}
	if len(u.Identities) > 0 {
		s, err := e.member(&profile.User{Identities: u.Identities}, "identities")
		if err != nil {
			return nil, err
		}
		r[colIdentities] = s
	}
	r[colAppMetadata] = raw(u.AppMetadata)
	r[colUserMetadata] = raw(u.UserMetadata)
	if len(u.MFAFactors) > 0 {
		s, err := e.member(&profile.User{MFAFactors: u.MFAFactors}, "mfa_factors")
		if err != nil {
			return nil, err
		}
		r[colMFAFactors] = s
	}
	r[colPasswordHash] = text(u.PasswordHash)
	r[colCustomPasswordHash] = raw(u.CustomPasswordHash)
	if len(u.Extra) > 0 {
		e.buf = profile.AppendJSON(e.buf[:0], &profile.User{Extra: u.Extra})
		if len(e.buf) < 2 || e.buf[0] != '{' || e.buf[len(e.buf)-1] != '}' {
			return nil, errors.New("sqlite: encode extra: profile codec returned no object")
		}
		r[colExtra] = string(e.buf)
	}
	return issues, nil
}

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
	if t.IsZero() {
		return
	}
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		issues.Add(profile.CodeFormat, columnNames[col], "timestamp outside the years 0000-9999")
		return
	}
	e.buf = appendTime(e.buf[:0], t)
	r[col] = string(e.buf)
}

// appendTime appends t, which must be UTC in the years 0-9999, in
// timeLayout: what t.AppendFormat(dst, timeLayout) gives, several times
// faster.
func appendTime(dst []byte, t time.Time) []byte {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	var b [len(timeLayout)]byte
	put := func(at, width, v int) {
		for i := at + width - 1; i >= at; i-- {
			b[i] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, 4, y)
	b[4] = '-'
	put(5, 2, int(mo))
	b[7] = '-'
	put(8, 2, d)
	b[10] = 'T'
	put(11, 2, h)
	b[13] = ':'
	put(14, 2, mi)
	b[16] = ':'
	put(17, 2, s)
	b[19] = '.'
	put(20, 6, t.Nanosecond()/1000)
	b[26] = 'Z'
	return append(dst, b[:]...)
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
		c := columnIndex(name)
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
		if c == colUserID {
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
		case colUserID:
			u.UserID, err = str(v)
		case colConnection:
		case colEmail:
			u.Email, err = str(v)
		case colEmailVerified:
			u.EmailVerified, err = boolOf(v)
		case colPhoneNumber:
			u.PhoneNumber, err = str(v)
		case colPhoneVerified:
			u.PhoneVerified, err = boolOf(v)
		case colUsername:
			u.Username, err = str(v)
		case colGivenName:
			u.GivenName, err = str(v)
		case colFamilyName:
			u.FamilyName, err = str(v)
		case colName:
			u.Name, err = str(v)
		case colNickname:
			u.Nickname, err = str(v)
		case colPicture:
			u.Picture, err = str(v)
		case colBlocked:
			u.Blocked, err = boolOf(v)
		case colCreatedAt:
			u.CreatedAt, err = timeOf(v)
		case colUpdatedAt:
			u.UpdatedAt, err = timeOf(v)
		case colLastLogin:
			u.LastLogin, err = timeOf(v)
		case colLastPasswordReset:
			u.LastPasswordReset, err = timeOf(v)
		case colLastIP:
			u.LastIP, err = str(v)
		case colLoginsCount:
			n, ok := v.(int64)
			if !ok {
				err = errType
			}
			u.LoginsCount = profile.IntOf(n)
		case colIdentities:
			identities, err = str(v)
		case colAppMetadata:
			u.AppMetadata, err = rawOf(v)
		case colUserMetadata:
			u.UserMetadata, err = rawOf(v)
		case colMFAFactors:
			mfa, err = str(v)
		case colPasswordHash:
			u.PasswordHash, err = str(v)
		case colCustomPasswordHash:
			u.CustomPasswordHash, err = rawOf(v)
		case colExtra:
			extra, err = str(v)
		}
		if err != nil {
			return fmt.Errorf("%w: column %s: %w", ErrCorrupt, columnNames[c], err)
		}
	}
	if identities == "" && mfa == "" && extra == "" {
		return nil
	}
	return r.nested(u, identities, mfa, extra)
}

// nested decodes the JSON columns that hold profile structures (identities,
// mfa_factors, extra) with the profile codec, in one document.
func (r *Row) nested(u *profile.User, identities, mfa, extra string) error {
	b := append(r.buf[:0], '{')
	if identities != "" {
		b = append(b, `"identities":`...)
		b = append(b, identities...)
	}
	if mfa != "" {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, `"mfa_factors":`...)
		b = append(b, mfa...)
	}
	if extra != "" {
		inner := strings.TrimSpace(extra)
		if len(inner) < 2 || inner[0] != '{' || inner[len(inner)-1] != '}' {
			return fmt.Errorf("%w: column extra: not a JSON object", ErrCorrupt)
		}
		inner = strings.TrimSpace(inner[1 : len(inner)-1])
		if inner != "" {
			if len(b) > 1 {
				b = append(b, ',')
			}
			b = append(b, inner...)
		}
	}
	b = append(b, '}')
	r.buf = b
	var tmp profile.User
	issues, err := profile.DecodeJSON(b, &tmp)
	if err != nil {
		return fmt.Errorf("%w: columns identities, mfa_factors, extra: %w", ErrCorrupt, err)
	}
	if len(issues) > 0 {
		return fmt.Errorf("%w: %w: %s", ErrCorrupt, profile.ErrInvalid, issues.Error())
	}
	u.Identities = tmp.Identities
	u.MFAFactors = tmp.MFAFactors
	u.Extra = tmp.Extra
	return nil
}

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
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, errors.New("not a timestamp of the form " + timeLayout)
	}
	return t, nil
}
