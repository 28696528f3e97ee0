package query

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ferry-dev/ferry/profile"
)

// attr is a searchable attribute of the profile (spec §5, §8).
type attr uint8

// The searchable attributes. attrNone marks a term without a field, which
// searches the default fields.
const (
	attrNone attr = iota
	attrUserID
	attrEmail
	attrEmailVerified
	attrPhoneNumber
	attrPhoneVerified
	attrUsername
	attrGivenName
	attrFamilyName
	attrName
	attrNickname
	attrPicture
	attrBlocked
	attrCreatedAt
	attrUpdatedAt
	attrLastLogin
	attrLastIP
	attrLoginsCount
	attrEmailDomain
	attrAppMetadata
	attrUserMetadata
	attrIdentities
)

// kind is the type of an attribute's values.
type kind uint8

const (
	kindText kind = iota + 1
	kindBool
	kindInt
	kindTime
	kindJSON
)

// defaultAttrs are the fields a term without a field name searches: the
// normalized profile's identifying text fields. Metadata is never searched
// this way (spec §8).
func defaultAttrs() [7]attr {
	return [7]attr{attrUserID, attrEmail, attrUsername, attrName, attrGivenName, attrFamilyName, attrNickname}
}

// attrByName returns the attribute with the given root name, or attrNone.
func attrByName(s string) attr {
	switch s {
	case "user_id":
		return attrUserID
	case "email":
		return attrEmail
	case "email_verified":
		return attrEmailVerified
	case "phone_number":
		return attrPhoneNumber
	case "phone_verified":
		return attrPhoneVerified
	case "username":
		return attrUsername
	case "given_name":
		return attrGivenName
	case "family_name":
		return attrFamilyName
	case "name":
		return attrName
	case "nickname":
		return attrNickname
	case "picture":
		return attrPicture
	case "blocked":
		return attrBlocked
	case "created_at":
		return attrCreatedAt
	case "updated_at":
		return attrUpdatedAt
	case "last_login":
		return attrLastLogin
	case "last_ip":
		return attrLastIP
	case "logins_count":
		return attrLoginsCount
	case "app_metadata":
		return attrAppMetadata
	case "user_metadata":
		return attrUserMetadata
	case "identities":
		return attrIdentities
	}
	return attrNone
}

// String returns the attribute's name in the query syntax.
func (a attr) String() string {
	switch a {
	case attrUserID:
		return "user_id"
	case attrEmail:
		return "email"
	case attrEmailVerified:
		return "email_verified"
	case attrPhoneNumber:
		return "phone_number"
	case attrPhoneVerified:
		return "phone_verified"
	case attrUsername:
		return "username"
	case attrGivenName:
		return "given_name"
	case attrFamilyName:
		return "family_name"
	case attrName:
		return "name"
	case attrNickname:
		return "nickname"
	case attrPicture:
		return "picture"
	case attrBlocked:
		return "blocked"
	case attrCreatedAt:
		return "created_at"
	case attrUpdatedAt:
		return "updated_at"
	case attrLastLogin:
		return "last_login"
	case attrLastIP:
		return "last_ip"
	case attrLoginsCount:
		return "logins_count"
	case attrEmailDomain:
		return "email.domain"
	case attrAppMetadata:
		return "app_metadata"
	case attrUserMetadata:
		return "user_metadata"
	case attrIdentities:
		return "identities"
	}
	return ""
}

func (a attr) kind() kind {
	switch a {
	case attrEmailVerified, attrPhoneVerified, attrBlocked:
		return kindBool
	case attrLoginsCount:
		return kindInt
	case attrCreatedAt, attrUpdatedAt, attrLastLogin:
		return kindTime
	case attrAppMetadata, attrUserMetadata, attrIdentities:
		return kindJSON
	}
	return kindText
}

// folds reports whether the attribute is searched case-insensitively: the
// normalized name and email fields (spec §8), and the email's domain.
func (a attr) folds() bool {
	switch a {
	case attrEmail, attrName, attrGivenName, attrFamilyName, attrNickname, attrEmailDomain:
		return true
	}
	return false
}

// field is where a term looks: a root attribute, or a path of keys inside
// one of the JSON attributes.
type field struct {
	attr attr
	path []string
}

func (f field) String() string {
	if len(f.path) == 0 {
		return f.attr.String()
	}
	return f.attr.String() + "." + strings.Join(f.path, ".")
}

// parseField resolves a field name of the query. It returns a message for
// the user when the name is not searchable.
func parseField(name string) (field, string) {
	root, rest, sub := strings.Cut(name, ".")
	a := attrByName(root)
	switch {
	case a == attrNone:
		return field{}, "unknown field"
	case !sub:
		return field{attr: a}, ""
	case a == attrEmail && rest == "domain":
		return field{attr: attrEmailDomain}, ""
	case a.kind() != kindJSON:
		return field{}, "unknown field: " + a.String() + " has no sub-fields"
	}
	path := strings.Split(rest, ".")
	for _, k := range path {
		if k == "" {
			return field{}, "empty key in field path"
		}
		for _, r := range k {
			if !keyRune(r) {
				return field{}, "field paths may hold only letters, digits, '_' and '-'"
			}
		}
	}
	return field{attr: a, path: path}, ""
}

// keyRune reports whether r may appear in a key of a field path. The set is
// kept small so that a path can be written into SQLite, MySQL and
// PostgreSQL JSON paths without any quoting rules of its own.
func keyRune(r rune) bool {
	return r == '_' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// textOf returns the value of a text attribute, "" when absent.
func textOf(u *profile.User, a attr) string {
	switch a {
	case attrUserID:
		return u.UserID
	case attrEmail:
		return u.Email
	case attrPhoneNumber:
		return u.PhoneNumber
	case attrUsername:
		return u.Username
	case attrGivenName:
		return u.GivenName
	case attrFamilyName:
		return u.FamilyName
	case attrName:
		return u.Name
	case attrNickname:
		return u.Nickname
	case attrPicture:
		return u.Picture
	case attrLastIP:
		return u.LastIP
	case attrEmailDomain:
		return emailDomain(u.Email)
	}
	return ""
}

// emailDomain returns the part of email after its last '@', "" when there
// is none.
func emailDomain(email string) string {
	i := strings.LastIndexByte(email, '@')
	if i < 0 {
		return ""
	}
	return email[i+1:]
}

func boolOf(u *profile.User, a attr) profile.Bool {
	switch a {
	case attrEmailVerified:
		return u.EmailVerified
	case attrPhoneVerified:
		return u.PhoneVerified
	case attrBlocked:
		return u.Blocked
	}
	return profile.Unset
}

// timeOf returns a time attribute at the microsecond precision the stores
// keep, the zero time when absent.
func timeOf(u *profile.User, a attr) time.Time {
	var t time.Time
	switch a {
	case attrCreatedAt:
		t = u.CreatedAt
	case attrUpdatedAt:
		t = u.UpdatedAt
	case attrLastLogin:
		t = u.LastLogin
	}
	if t.IsZero() {
		return t
	}
	return t.Truncate(time.Microsecond)
}

// equalLower reports whether s lower-cased rune by rune (as strings.ToLower
// does) equals lower, which must already be lower-cased. It does not
// allocate.
func equalLower(s, lower string) bool {
	// ASCII fast path: compare bytes while both sides are ASCII.
	for s != "" && lower != "" && s[0] < utf8.RuneSelf && lower[0] < utf8.RuneSelf {
		c := s[0]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[0] {
			return false
		}
		s, lower = s[1:], lower[1:]
	}
	for lower != "" {
		if s == "" {
			return false
		}
		r1, n1 := utf8.DecodeRuneInString(s)
		r2, n2 := utf8.DecodeRuneInString(lower)
		if unicode.ToLower(r1) != r2 {
			return false
		}
		s, lower = s[n1:], lower[n2:]
	}
	return s == ""
}

// compareLower compares s lower-cased with lower (already lower-cased) in
// code point order, which is the byte order of their UTF-8 text.
func compareLower(s, lower string) int {
	for s != "" && lower != "" {
		r1, n1 := utf8.DecodeRuneInString(s)
		r2, n2 := utf8.DecodeRuneInString(lower)
		r1 = unicode.ToLower(r1)
		if r1 != r2 {
			if r1 < r2 {
				return -1
			}
			return 1
		}
		s, lower = s[n1:], lower[n2:]
	}
	switch {
	case s == "" && lower == "":
		return 0
	case s == "":
		return -1
	}
	return 1
}

// hasPrefixLower reports whether s lower-cased starts with lower, and
// returns the rest of s after that prefix.
func hasPrefixLower(s, lower string) (string, bool) {
	for lower != "" {
		if s == "" {
			return "", false
		}
		r1, n1 := utf8.DecodeRuneInString(s)
		r2, n2 := utf8.DecodeRuneInString(lower)
		if unicode.ToLower(r1) != r2 {
			return "", false
		}
		s, lower = s[n1:], lower[n2:]
	}
	return s, true
}
