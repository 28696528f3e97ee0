package profile

import (
	"encoding/json"
	"time"
)

// Bool is a boolean that remembers whether it was set, so that a round trip
// neither invents `"email_verified": false` nor drops an explicit false.
type Bool uint8

// The three states of a Bool.
const (
	Unset Bool = iota
	False
	True
)

// BoolOf returns the set Bool for b.
func BoolOf(b bool) Bool {
	if b {
		return True
	}
	return False
}

// IsSet reports whether the value was present in the input.
func (b Bool) IsSet() bool { return b != Unset }

// Value returns the boolean, false when unset.
func (b Bool) Value() bool { return b == True }

// Int is an optional int64.
type Int struct {
	V     int64
	Valid bool
}

// IntOf returns a set Int.
func IntOf(v int64) Int { return Int{V: v, Valid: true} }

// User is the canonical user profile: Auth0's normalized profile and the
// attributes of its bulk-import schema. Every format, source and sink speaks it.
//
// Metadata objects, the custom password hash and unknown attributes are kept as
// raw JSON text, so key order and number precision survive any round trip.
// The zero value of a field means "absent in the input"; writers omit it.
type User struct {
	UserID        string
	Email         string
	EmailVerified Bool
	PhoneNumber   string
	PhoneVerified Bool
	Username      string
	GivenName     string
	FamilyName    string
	Name          string
	Nickname      string
	Picture       string
	Blocked       Bool

	CreatedAt         time.Time
	UpdatedAt         time.Time
	LastLogin         time.Time
	LastPasswordReset time.Time
	LastIP            string
	LoginsCount       Int

	Identities []Identity

	// AppMetadata and UserMetadata hold a JSON object's text, or nil.
	AppMetadata  json.RawMessage
	UserMetadata json.RawMessage

	// PasswordHash is a bcrypt string (Auth0's password_hash).
	PasswordHash string
	// CustomPasswordHash is Auth0's custom_password_hash object, as JSON text.
	CustomPasswordHash json.RawMessage
	// Password is a plaintext password found in legacy input. It is never
	// written by a sink unless the user asks for it; the screening stage and
	// the hash converters read it.
	Password string

	MFAFactors []MFAFactor

	// Extra holds attributes of the input that the profile does not know, in
	// input order. They are never dropped silently: each sink documents where
	// it keeps them.
	Extra []Attr
}

// Attr is one unknown attribute: a name and its JSON value.
type Attr struct {
	Key   string
	Value json.RawMessage
}

// Identity is one entry of identities[]: a linked account at a provider.
type Identity struct {
	Connection        string
	Provider          string
	UserID            string
	IsSocial          Bool
	AccessToken       string
	AccessTokenSecret string
	RefreshToken      string
	// ProfileData holds the linked account's own attributes as JSON text.
	ProfileData json.RawMessage
	// Extra keeps unknown identity attributes.
	Extra []Attr
}

// MFAFactor is one enrolled factor; exactly one of its fields is set in a
// valid factor. Raw keeps a factor whose shape is not one of the three, so
// validation can report it and a writer can keep it.
type MFAFactor struct {
	TOTPSecret string
	Phone      string
	Email      string
	Raw        json.RawMessage
}

// Kind names the factor's type: "totp", "phone", "email" or "" when invalid.
func (f MFAFactor) Kind() string {
	switch {
	case f.Raw != nil:
		return ""
	case f.TOTPSecret != "" && f.Phone == "" && f.Email == "":
		return "totp"
	case f.Phone != "" && f.TOTPSecret == "" && f.Email == "":
		return "phone"
	case f.Email != "" && f.TOTPSecret == "" && f.Phone == "":
		return "email"
	}
	return ""
}

// Key returns the stable identity of a user within one connection: its
// user_id when it has one, else its email. Sinks upsert by it.
func (u *User) Key() string {
	if u.UserID != "" {
		return u.UserID
	}
	return u.Email
}
