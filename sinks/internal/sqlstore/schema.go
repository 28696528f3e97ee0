package sqlstore

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"github.com/ferry-dev/ferry/profile"
)

// Column indexes of the users table, in table order.
const (
	ColUserID = iota
	ColConnection
	ColEmail
	ColEmailVerified
	ColPhoneNumber
	ColPhoneVerified
	ColUsername
	ColGivenName
	ColFamilyName
	ColName
	ColNickname
	ColPicture
	ColBlocked
	ColCreatedAt
	ColUpdatedAt
	ColLastLogin
	ColLastPasswordReset
	ColLastIP
	ColLoginsCount
	ColIdentities
	ColAppMetadata
	ColUserMetadata
	ColMFAFactors
	ColPasswordHash
	ColCustomPasswordHash
	ColExtra
	NumCols
)

// Kind is the logical type of a column.
type Kind uint8

// Column kinds.
const (
	KindText Kind = iota + 1
	KindBool
	KindTime
	KindInt
	KindJSON
)

// columnNames are the users table's columns in table order.
var columnNames = [NumCols]string{
	"user_id", "connection", "email", "email_verified", "phone_number",
	"phone_verified", "username", "given_name", "family_name", "name",
	"nickname", "picture", "blocked", "created_at", "updated_at", "last_login",
	"last_password_reset", "last_ip", "logins_count", "identities",
	"app_metadata", "user_metadata", "mfa_factors", "password_hash",
	"custom_password_hash", "extra",
}

var columnKinds = [NumCols]Kind{
	KindText, KindText, KindText, KindBool, KindText,
	KindBool, KindText, KindText, KindText, KindText,
	KindText, KindText, KindBool, KindTime, KindTime, KindTime,
	KindTime, KindText, KindInt, KindJSON,
	KindJSON, KindJSON, KindJSON, KindText,
	KindJSON, KindJSON,
}

// Upsertable are the columns an upsert may change (spec §1, §5): names,
// picture, email_verified, both metadata objects (replaced whole) and the
// custom password hash.
var Upsertable = [...]int{
	ColEmailVerified, ColGivenName, ColFamilyName, ColName, ColNickname,
	ColPicture, ColAppMetadata, ColUserMetadata, ColCustomPasswordHash,
}

// Maximum lengths, in characters, of the key columns (the logical schema's).
const (
	MaxUserID     = 255
	MaxConnection = 128
	MaxEmail      = 254
	MaxUsername   = 128
)

// ColumnName returns the name of column c.
func ColumnName(c int) string { return columnNames[c] }

// ColumnKind returns the logical type of column c.
func ColumnKind(c int) Kind { return columnKinds[c] }

// Columns returns the names of the users table's columns in table order.
// "connection" is the store's own column (the connection a user was
// imported into); "extra" holds the unknown attributes as one JSON object;
// every other column is the profile attribute of the same name.
func Columns() []string { return slices.Clone(columnNames[:]) }

// ColumnIndex returns the position of the named column, or -1.
func ColumnIndex(name string) int {
	for i, c := range columnNames {
		if c == name {
			return i
		}
	}
	return -1
}

// DefaultConnection is the connection users are stored under when a store's
// options name none: Auth0's default database connection.
const DefaultConnection = "Username-Password-Authentication"

// DeriveUserID returns the user_id a store gives a user that has none, the
// way Auth0 prefixes its database users' ids: "auth0|" and 24 hex digits of
// the SHA-256 of the connection and the email (else the username, else the
// phone number). It is the SQLite store's function, so every store derives
// the same ids; it returns "" when the user has none of the three.
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
