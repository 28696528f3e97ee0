package profile

import (
	"strings"
	"unicode/utf8"
)

// Mask returns a copy of u safe to show on a screen or in a log: names,
// emails, phone numbers, usernames and IPs keep their first character and
// shape only; secrets and metadata values are replaced. Dates, flags and
// counts are kept.
func Mask(u *User) User {
	m := *u
	m.Email = MaskEmail(u.Email)
	m.PhoneNumber = maskTail(u.PhoneNumber, 2)
	m.Username = maskWord(u.Username)
	m.GivenName = maskWord(u.GivenName)
	m.FamilyName = maskWord(u.FamilyName)
	m.Name = maskWords(u.Name)
	m.Nickname = maskWord(u.Nickname)
	if u.Picture != "" {
		m.Picture = "https://…"
	}
	m.LastIP = maskWord(u.LastIP)
	m.PasswordHash = secret(u.PasswordHash)
	m.Password = secret(u.Password)
	if u.CustomPasswordHash != nil {
		m.CustomPasswordHash = []byte(`"*****"`)
	}
	m.AppMetadata = maskObject(u.AppMetadata)
	m.UserMetadata = maskObject(u.UserMetadata)
	m.Identities = make([]Identity, len(u.Identities))
	for i, id := range u.Identities {
		id.UserID = maskWord(id.UserID)
		id.AccessToken = secret(id.AccessToken)
		id.AccessTokenSecret = secret(id.AccessTokenSecret)
		id.RefreshToken = secret(id.RefreshToken)
		id.ProfileData = maskObject(id.ProfileData)
		id.Extra = maskAttrs(id.Extra)
		m.Identities[i] = id
	}
	if u.Identities == nil {
		m.Identities = nil
	}
	m.MFAFactors = make([]MFAFactor, len(u.MFAFactors))
	for i, f := range u.MFAFactors {
		m.MFAFactors[i] = MFAFactor{TOTPSecret: secret(f.TOTPSecret), Phone: maskTail(f.Phone, 2), Email: MaskEmail(f.Email)}
		if f.Raw != nil {
			m.MFAFactors[i].Raw = []byte(`"*****"`)
		}
	}
	if u.MFAFactors == nil {
		m.MFAFactors = nil
	}
	m.Extra = maskAttrs(u.Extra)
	return m
}

// MaskEmail keeps the first character of the local part and of the domain
// and the top-level domain: "jane.doe@example.com" → "j***@e***.com".
func MaskEmail(e string) string {
	if e == "" {
		return ""
	}
	local, domain, ok := strings.Cut(e, "@")
	if !ok {
		return maskWord(e)
	}
	tld := ""
	if i := strings.LastIndexByte(domain, '.'); i >= 0 {
		tld = domain[i:]
		domain = domain[:i]
	}
	return maskWord(local) + "@" + maskWord(domain) + tld
}

func maskWord(s string) string {
	if s == "" {
		return ""
	}
	r, _ := utf8.DecodeRuneInString(s)
	return string(r) + "***"
}

func maskWords(s string) string {
	f := strings.Fields(s)
	for i := range f {
		f[i] = maskWord(f[i])
	}
	return strings.Join(f, " ")
}

func maskTail(s string, keep int) string {
	if len(s) <= keep {
		return s
	}
	return strings.Repeat("*", len(s)-keep) + s[len(s)-keep:]
}

func secret(s string) string {
	if s == "" {
		return ""
	}
	return "*****"
}

// maskObject keeps the keys of a metadata object and hides the values.
func maskObject(raw []byte) []byte {
	if raw == nil {
		return nil
	}
	out := []byte{'{'}
	n := 0
	err := ObjectEach(raw, func(key string, _ []byte) error {
		if n > 0 {
			out = append(out, ',')
		}
		n++
		out = AppendString(out, key)
		out = append(out, `:"…"`...)
		return nil
	})
	if err != nil {
		return []byte(`"…"`)
	}
	return append(out, '}')
}

func maskAttrs(as []Attr) []Attr {
	if as == nil {
		return nil
	}
	m := make([]Attr, len(as))
	for i, a := range as {
		m[i] = Attr{Key: a.Key, Value: []byte(`"…"`)}
	}
	return m
}

// StripSecrets removes what authenticates the user: password hashes, a
// plaintext password, MFA factors and identity provider tokens. Exports
// call it unless the user asks for secrets.
func StripSecrets(u *User) {
	u.PasswordHash = ""
	u.CustomPasswordHash = nil
	u.Password = ""
	u.MFAFactors = nil
	for i := range u.Identities {
		id := &u.Identities[i]
		id.AccessToken, id.AccessTokenSecret, id.RefreshToken = "", "", ""
	}
}
