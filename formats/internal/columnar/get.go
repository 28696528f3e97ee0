package columnar

import (
	"time"

	"github.com/ferry-dev/ferry/profile"
)

// Str returns the value of a String column for u, "" when absent.
func (f *Field) Str(u *profile.User) string {
	switch f.Attr {
	case UserID:
		return u.UserID
	case Email:
		return u.Email
	case PhoneNumber:
		return u.PhoneNumber
	case Username:
		return u.Username
	case GivenName:
		return u.GivenName
	case FamilyName:
		return u.FamilyName
	case Name:
		return u.Name
	case Nickname:
		return u.Nickname
	case Picture:
		return u.Picture
	case LastIP:
		return u.LastIP
	case PasswordHash:
		return u.PasswordHash
	case Password:
		return u.Password
	case Flat:
		s, _ := u.GetText(f.Path)
		return s
	}
	return ""
}

// Bool returns the value of a Bool column for u.
func (f *Field) Bool(u *profile.User) profile.Bool {
	switch f.Attr {
	case EmailVerified:
		return u.EmailVerified
	case PhoneVerified:
		return u.PhoneVerified
	case Blocked:
		return u.Blocked
	}
	return profile.Unset
}

// Time returns the value of a Time column for u, the zero time when absent.
func (f *Field) Time(u *profile.User) time.Time {
	switch f.Attr {
	case CreatedAt:
		return u.CreatedAt
	case UpdatedAt:
		return u.UpdatedAt
	case LastLogin:
		return u.LastLogin
	case LastPasswordReset:
		return u.LastPasswordReset
	}
	return time.Time{}
}

// Micros returns t in microseconds since the Unix epoch.
func Micros(t time.Time) int64 { return t.UnixMicro() }

// Int returns the value of an Int64 column for u.
func (f *Field) Int(u *profile.User) profile.Int {
	if f.Attr == LoginsCount {
		return u.LoginsCount
	}
	return profile.Int{}
}

// AppendJSON appends the value of a JSON column for u to dst and reports
// whether there is one.
func (f *Field) AppendJSON(dst []byte, u *profile.User) ([]byte, bool) {
	switch f.Attr {
	case AppMetadata:
		return appendRaw(dst, u.AppMetadata)
	case UserMetadata:
		return appendRaw(dst, u.UserMetadata)
	case CustomPasswordHash:
		return appendRaw(dst, u.CustomPasswordHash)
	case Extra:
		return appendAttrs(dst, u.Extra)
	}
	return dst, false
}

// IdentityStr returns the value of a String member for id.
func (f *Field) IdentityStr(id *profile.Identity) string {
	switch f.Attr {
	case IDConnection:
		return id.Connection
	case IDProvider:
		return id.Provider
	case IDUserID:
		return id.UserID
	case IDAccessToken:
		return id.AccessToken
	case IDAccessTokenSecret:
		return id.AccessTokenSecret
	case IDRefreshToken:
		return id.RefreshToken
	}
	return ""
}

// IdentityBool returns the value of a Bool member for id.
func (f *Field) IdentityBool(id *profile.Identity) profile.Bool {
	if f.Attr == IDIsSocial {
		return id.IsSocial
	}
	return profile.Unset
}

// IdentityJSON appends the value of a JSON member for id to dst and
// reports whether there is one.
func (f *Field) IdentityJSON(dst []byte, id *profile.Identity) ([]byte, bool) {
	switch f.Attr {
	case IDProfileData:
		return appendRaw(dst, id.ProfileData)
	case IDExtra:
		return appendAttrs(dst, id.Extra)
	}
	return dst, false
}

// FactorStr returns the value of a String member for m. A factor kept
// raw has only its raw member.
func (f *Field) FactorStr(m *profile.MFAFactor) string {
	if len(m.Raw) > 0 {
		return ""
	}
	switch f.Attr {
	case FactorTOTPSecret:
		return m.TOTPSecret
	case FactorPhone:
		return m.Phone
	case FactorEmail:
		return m.Email
	}
	return ""
}

// FactorJSON appends the value of a JSON member for m to dst and reports
// whether there is one.
func (f *Field) FactorJSON(dst []byte, m *profile.MFAFactor) ([]byte, bool) {
	if f.Attr == FactorRaw {
		return appendRaw(dst, m.Raw)
	}
	return dst, false
}

func appendRaw(dst, raw []byte) ([]byte, bool) {
	if len(raw) == 0 {
		return dst, false
	}
	return append(dst, raw...), true
}

// appendAttrs appends attrs as one JSON object, in order.
func appendAttrs(dst []byte, attrs []profile.Attr) ([]byte, bool) {
	n := 0
	for _, a := range attrs {
		if len(a.Value) == 0 {
			continue
		}
		if n == 0 {
			dst = append(dst, '{')
		} else {
			dst = append(dst, ',')
		}
		dst = profile.AppendString(dst, a.Key)
		dst = append(dst, ':')
		dst = append(dst, a.Value...)
		n++
	}
	if n == 0 {
		return dst, false
	}
	return append(dst, '}'), true
}

// StrPtr returns the field of u a root String column sets, or nil for a
// flattened path.
func (f *Field) StrPtr(u *profile.User) *string {
	switch f.Attr {
	case UserID:
		return &u.UserID
	case Email:
		return &u.Email
	case PhoneNumber:
		return &u.PhoneNumber
	case Username:
		return &u.Username
	case GivenName:
		return &u.GivenName
	case FamilyName:
		return &u.FamilyName
	case Name:
		return &u.Name
	case Nickname:
		return &u.Nickname
	case Picture:
		return &u.Picture
	case LastIP:
		return &u.LastIP
	case PasswordHash:
		return &u.PasswordHash
	case Password:
		return &u.Password
	}
	return nil
}

// IdentityStrPtr returns the field of id a String member sets.
func (f *Field) IdentityStrPtr(id *profile.Identity) *string {
	switch f.Attr {
	case IDConnection:
		return &id.Connection
	case IDProvider:
		return &id.Provider
	case IDUserID:
		return &id.UserID
	case IDAccessToken:
		return &id.AccessToken
	case IDAccessTokenSecret:
		return &id.AccessTokenSecret
	case IDRefreshToken:
		return &id.RefreshToken
	}
	return nil
}

// FactorStrPtr returns the field of m a String member sets.
func (f *Field) FactorStrPtr(m *profile.MFAFactor) *string {
	switch f.Attr {
	case FactorTOTPSecret:
		return &m.TOTPSecret
	case FactorPhone:
		return &m.Phone
	case FactorEmail:
		return &m.Email
	}
	return nil
}

// Member returns the struct member of a List field named name.
func (f *Field) Member(name string) (*Field, bool) {
	for i := range f.Fields {
		if f.Fields[i].Name == name {
			return &f.Fields[i], true
		}
	}
	return nil, false
}
