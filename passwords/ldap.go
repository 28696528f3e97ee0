package passwords

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// ldapSchemes maps RFC 2307 scheme names to the digest and whether the
// value carries a salt after the digest.
var ldapSchemes = map[string]struct {
	alg    Algorithm
	salted bool
}{
	"MD5": {MD5, false}, "SMD5": {MD5, true},
	"SHA": {SHA1, false}, "SSHA": {SHA1, true},
	"SHA1": {SHA1, false}, "SSHA1": {SHA1, true},
	"SHA256": {SHA256, false}, "SSHA256": {SHA256, true},
	"SHA384": {SHA384, false}, "SSHA384": {SHA384, true},
	"SHA512": {SHA512, false}, "SSHA512": {SHA512, true},
}

// ParseLDAP parses an RFC 2307 userPassword value: {MD5} {SMD5} {SHA}
// {SSHA} {SHA256} {SSHA256} {SHA384} {SSHA384} {SHA512} {SSHA512}, the
// base64 of digest‖salt. {CRYPT} values are parsed as the crypt(3) string
// they wrap.
func ParseLDAP(s string) (Hash, error) {
	if !strings.HasPrefix(s, "{") {
		return Hash{}, ErrUnknownFormat
	}
	end := strings.IndexByte(s, '}')
	if end < 0 {
		return Hash{}, ErrUnknownFormat
	}
	scheme, value := strings.ToUpper(s[1:end]), s[end+1:]
	if scheme == "CRYPT" {
		h, err := parseCrypt(value)
		if err != nil {
			if h, err2 := parseBcrypt(value); err2 == nil {
				return h, nil
			}
			return Hash{}, fmt.Errorf("%w: ldap: {CRYPT} value", ErrUnsupported)
		}
		return h, nil
	}
	sc, ok := ldapSchemes[scheme]
	if !ok {
		return Hash{}, fmt.Errorf("%w: ldap: scheme", ErrUnsupported)
	}
	raw, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		return Hash{}, malformed("ldap", "base64")
	}
	d, _ := digestOf(sc.alg)
	size := d.Size()
	h := Hash{Algorithm: sc.alg, Format: FormatLDAP, SumEncoding: BytesBase64}
	switch {
	case !sc.salted && len(raw) != size:
		return Hash{}, malformed("ldap", "digest length")
	case sc.salted && len(raw) <= size:
		return Hash{}, malformed("ldap", "salt missing")
	}
	h.Sum = raw[:size:size]
	if sc.salted {
		h.Salt = raw[size:]
		h.SaltPosition = SaltSuffix
		h.SaltEncoding = BytesBase64
	}
	return h, nil
}

// ToLDAP writes h as an RFC 2307 value. It holds unsalted digests and
// digests salted as a suffix (H(password‖salt)), for MD5, SHA-1, SHA-256,
// SHA-384 and SHA-512.
func ToLDAP(h Hash) (string, error) {
	if !utf8Password(h) || h.Template != "" || (len(h.Salt) > 0 && h.SaltPosition != SaltSuffix) {
		return "", fmt.Errorf("%w: ldap: %s", ErrUnsupportedByTarget, h.Name())
	}
	var scheme string
	switch h.Algorithm {
	case MD5:
		scheme = "MD5"
	case SHA1:
		scheme = "SHA"
	case SHA256, SHA384, SHA512:
		scheme = strings.ToUpper(string(h.Algorithm))
	default:
		return "", fmt.Errorf("%w: ldap: %s", ErrUnsupportedByTarget, h.Name())
	}
	if len(h.Salt) > 0 {
		scheme = "S" + scheme
	}
	raw := append(append([]byte{}, h.Sum...), h.Salt...)
	return "{" + scheme + "}" + base64.StdEncoding.EncodeToString(raw), nil
}
