package columnar

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ferry-dev/ferry/profile"
)

// Kind is the type of a column.
type Kind uint8

// The column kinds.
const (
	String Kind = iota + 1 // UTF-8 text
	JSON                   // UTF-8 text holding one JSON value
	Bool
	Int64
	Time // an instant in microseconds since the Unix epoch, UTC
	List // a list of structs: identities and mfa_factors
)

// Attr names the attribute of a user (or of an identity or factor) that a
// column holds.
type Attr uint8

// The attributes with a column of their own.
const (
	UserID Attr = iota + 1
	Email
	EmailVerified
	PhoneNumber
	PhoneVerified
	Username
	GivenName
	FamilyName
	Name
	Nickname
	Picture
	Blocked
	CreatedAt
	UpdatedAt
	LastLogin
	LastPasswordReset
	LastIP
	LoginsCount
	Identities
	AppMetadata
	UserMetadata
	PasswordHash
	CustomPasswordHash
	Password
	MFAFactors
	Flat  // a flattened path (Field.Path)
	Extra // the unknown root attributes, as one JSON object

	// Members of an identity.
	IDConnection
	IDProvider
	IDUserID
	IDIsSocial
	IDAccessToken
	IDAccessTokenSecret
	IDRefreshToken
	IDProfileData
	IDExtra

	// Members of an MFA factor.
	FactorTOTPSecret
	FactorPhone
	FactorEmail
	FactorRaw
)

// Field is one column of the schema: a scalar, or a List whose struct
// members are Fields.
type Field struct {
	Name string
	Kind Kind
	Attr Attr
	// Path is the profile path of a Flat column.
	Path string
	// Fields are the struct members of a List.
	Fields []Field
}

// ExtraName is the name of the column of unknown attributes, at the root
// and in an identity.
const ExtraName = "extra"

var rootFields = []Field{
	{Name: "user_id", Kind: String, Attr: UserID},
	{Name: "email", Kind: String, Attr: Email},
	{Name: "email_verified", Kind: Bool, Attr: EmailVerified},
	{Name: "phone_number", Kind: String, Attr: PhoneNumber},
	{Name: "phone_verified", Kind: Bool, Attr: PhoneVerified},
	{Name: "username", Kind: String, Attr: Username},
	{Name: "given_name", Kind: String, Attr: GivenName},
	{Name: "family_name", Kind: String, Attr: FamilyName},
	{Name: "name", Kind: String, Attr: Name},
	{Name: "nickname", Kind: String, Attr: Nickname},
	{Name: "picture", Kind: String, Attr: Picture},
	{Name: "blocked", Kind: Bool, Attr: Blocked},
	{Name: "created_at", Kind: Time, Attr: CreatedAt},
	{Name: "updated_at", Kind: Time, Attr: UpdatedAt},
	{Name: "last_login", Kind: Time, Attr: LastLogin},
	{Name: "last_password_reset", Kind: Time, Attr: LastPasswordReset},
	{Name: "last_ip", Kind: String, Attr: LastIP},
	{Name: "logins_count", Kind: Int64, Attr: LoginsCount},
	{Name: "identities", Kind: List, Attr: Identities, Fields: identityFields},
	{Name: "app_metadata", Kind: JSON, Attr: AppMetadata},
	{Name: "user_metadata", Kind: JSON, Attr: UserMetadata},
	{Name: "password_hash", Kind: String, Attr: PasswordHash},
	{Name: "custom_password_hash", Kind: JSON, Attr: CustomPasswordHash},
	{Name: "password", Kind: String, Attr: Password},
	{Name: "mfa_factors", Kind: List, Attr: MFAFactors, Fields: factorFields},
}

var identityFields = []Field{
	{Name: "connection", Kind: String, Attr: IDConnection},
	{Name: "provider", Kind: String, Attr: IDProvider},
	{Name: "user_id", Kind: String, Attr: IDUserID},
	{Name: "isSocial", Kind: Bool, Attr: IDIsSocial},
	{Name: "access_token", Kind: String, Attr: IDAccessToken},
	{Name: "access_token_secret", Kind: String, Attr: IDAccessTokenSecret},
	{Name: "refresh_token", Kind: String, Attr: IDRefreshToken},
	{Name: "profileData", Kind: JSON, Attr: IDProfileData},
	{Name: ExtraName, Kind: JSON, Attr: IDExtra},
}

var factorFields = []Field{
	{Name: "totp_secret", Kind: String, Attr: FactorTOTPSecret},
	{Name: "phone", Kind: String, Attr: FactorPhone},
	{Name: "email", Kind: String, Attr: FactorEmail},
	{Name: "raw", Kind: JSON, Attr: FactorRaw},
}

// secret reports whether a is left out unless Options.IncludeSecrets.
func secret(a Attr) bool {
	switch a {
	case PasswordHash, CustomPasswordHash, MFAFactors, Password:
		return true
	}
	return false
}

// Options choose the columns. The zero value works.
type Options struct {
	// Flatten lists profile paths written as string columns of their own,
	// named after the path, besides the object that holds them, e.g.
	// "user_metadata.plan" or "identities[0].connection". A value is
	// written as profile.User.GetText gives it: strings as they are, other
	// JSON values as compact JSON.
	Flatten []string
	// IncludeSecrets adds password_hash, custom_password_hash, mfa_factors
	// and password (plaintext of legacy input).
	IncludeSecrets bool
}

// ErrOptions is returned for options that cannot work.
var ErrOptions = errors.New("invalid columnar options")

// Schema is the ordered list of top-level columns.
type Schema struct {
	Fields []Field
}

// NewSchema returns the columns opts choose. A flattened path must be a
// path into an attribute (not a root attribute itself), appear once, and
// not be named "extra".
func NewSchema(opts Options) (*Schema, error) {
	s := &Schema{}
	for _, f := range rootFields {
		if secret(f.Attr) && !opts.IncludeSecrets {
			continue
		}
		s.Fields = append(s.Fields, f)
	}
	for i, p := range opts.Flatten {
		p = strings.TrimSpace(p)
		root, rest := splitRoot(p)
		switch {
		case p == "":
			return nil, fmt.Errorf("%w: flatten path %d is empty", ErrOptions, i+1)
		case rest == "":
			return nil, fmt.Errorf("%w: flatten %s: not a path inside an attribute (a root attribute has its own column)", ErrOptions, p)
		case root == ExtraName:
			return nil, fmt.Errorf("%w: flatten %s: the name extra is taken", ErrOptions, p)
		case slices.ContainsFunc(s.Fields, func(f Field) bool { return f.Name == p }):
			return nil, fmt.Errorf("%w: flatten %s: given twice", ErrOptions, p)
		}
		var probe profile.User
		if err := probe.SetText(p, ""); err != nil {
			return nil, fmt.Errorf("%w: flatten %s: %w", ErrOptions, p, err)
		}
		s.Fields = append(s.Fields, Field{Name: p, Kind: String, Attr: Flat, Path: p})
	}
	s.Fields = append(s.Fields, Field{Name: ExtraName, Kind: JSON, Attr: Extra})
	return s, nil
}

// splitRoot cuts path before its first '.' or '['.
func splitRoot(path string) (root, rest string) {
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i], path[i:]
	}
	return path, ""
}
