package columnar

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/ferry-dev/ferry/profile"
)

// SetBool sets the Bool attribute of f on u.
func SetBool(u *profile.User, f *Field, b profile.Bool) {
	switch f.Attr {
	case EmailVerified:
		u.EmailVerified = b
	case PhoneVerified:
		u.PhoneVerified = b
	case Blocked:
		u.Blocked = b
	}
}

// SetTime sets the Time attribute of f on u.
func SetTime(u *profile.User, f *Field, t time.Time) {
	switch f.Attr {
	case CreatedAt:
		u.CreatedAt = t
	case UpdatedAt:
		u.UpdatedAt = t
	case LastLogin:
		u.LastLogin = t
	case LastPasswordReset:
		u.LastPasswordReset = t
	}
}

// SetInt sets the Int64 attribute of f on u.
func SetInt(u *profile.User, f *Field, v int64) {
	if f.Attr == LoginsCount {
		u.LoginsCount = profile.IntOf(v)
	}
}

// SetJSON sets the JSON attribute of f on u from the JSON text v, checked
// as DecodeJSON checks it (the metadata must be objects). For Extra, v is
// an object whose members are set one by one: unknown ones are appended to
// u.Extra in order, known root attributes are set as by SetJSON. null is
// absent. Errors name the path and the rule, never the value.
func SetJSON(u *profile.User, f *Field, v []byte) error {
	switch f.Attr {
	case AppMetadata, UserMetadata, CustomPasswordHash:
		return u.SetJSON(f.Name, v)
	case Extra:
		return splice(v, f.Name, func(key string, val []byte) error {
			if isRoot(key) {
				return u.SetJSON(key, val)
			}
			u.Extra = append(u.Extra, profile.Attr{Key: key, Value: compact(val)})
			return nil
		})
	}
	return nil
}

// SetIdentityBool sets the Bool member f of id.
func SetIdentityBool(id *profile.Identity, f *Field, b profile.Bool) {
	if f.Attr == IDIsSocial {
		id.IsSocial = b
	}
}

// SetIdentityJSON sets the JSON member f of identity i of u from the JSON
// text v: profileData must be an object; the members of extra go to the
// identity's Extra, in order (a known identity attribute among them is
// set as SetJSON sets identities[i].<name>).
func SetIdentityJSON(u *profile.User, i int, f *Field, v []byte) error {
	id := &u.Identities[i]
	switch f.Attr {
	case IDProfileData:
		c, err := profile.Compact(nil, v)
		if err != nil {
			return fmt.Errorf("%w: identities[%d].profileData: %w", profile.ErrBadValue, i, err)
		}
		switch c[0] {
		case '{':
			id.ProfileData = c
		case 'n':
		default:
			return fmt.Errorf("%w: identities[%d].profileData: expected an object", profile.ErrBadValue, i)
		}
	case IDExtra:
		return splice(v, fmt.Sprintf("identities[%d].extra", i), func(key string, val []byte) error {
			if slices.ContainsFunc(identityFields, func(f Field) bool { return f.Name == key && f.Attr != IDExtra }) {
				return u.SetJSON(fmt.Sprintf("identities[%d].%s", i, key), val)
			}
			id.Extra = append(id.Extra, profile.Attr{Key: key, Value: compact(val)})
			return nil
		})
	}
	return nil
}

// SetFactorJSON sets the JSON member f (raw) of m from the JSON text v.
func SetFactorJSON(m *profile.MFAFactor, i int, f *Field, v []byte) error {
	if f.Attr != FactorRaw {
		return nil
	}
	c, err := profile.Compact(nil, v)
	if err != nil {
		return fmt.Errorf("%w: mfa_factors[%d]: %w", profile.ErrBadValue, i, err)
	}
	if string(c) != "null" {
		m.Raw = c
	}
	return nil
}

// splice calls set for each member of the JSON object v; null is no
// object at all.
func splice(v []byte, path string, set func(key string, val []byte) error) error {
	if !profile.Valid(v) {
		return fmt.Errorf("%w: %s: malformed JSON", profile.ErrBadValue, path)
	}
	var first error
	err := profile.ObjectEach(v, func(key string, val []byte) error {
		if err := set(key, val); err != nil && first == nil {
			first = err
		}
		return nil
	})
	if err != nil {
		if c, _ := profile.Compact(nil, v); string(c) == "null" {
			return nil
		}
		return fmt.Errorf("%w: %s: expected an object", profile.ErrBadValue, path)
	}
	return first
}

// compact returns v compacted into a new buffer.
func compact(v []byte) json.RawMessage {
	c, err := profile.Compact(nil, v)
	if err != nil {
		return append(json.RawMessage(nil), v...)
	}
	return c
}

func isRoot(name string) bool {
	return name == "password" || slices.Contains(profile.RootFields, name)
}

// IssueCode is the code of an issue about a value of f that the profile
// cannot take: FORMAT for times, as DecodeJSON reports them, else
// INVALID_TYPE.
func IssueCode(k Kind) profile.Code {
	if k == Time {
		return profile.CodeFormat
	}
	return profile.CodeInvalidType
}
