package passwords

import (
	"encoding/json"
	"strings"
)

// Identify parses a stored password value of any format this package
// reads: bcrypt and crypt(3) MCF strings, PHC strings, passlib and Django
// values, RFC 2307 LDAP values, Kratos' own prefixes, bare hex digests
// (32 hex = MD5, 40 = SHA-1, 64 = SHA-256, 128 = SHA-512), and the JSON
// objects of Auth0 (custom_password_hash), Okta (PasswordCredentialHash) and
// Keycloak (CredentialRepresentation).
//
// Firebase hashes need the project's parameters and are read by
// FromFirebase; Clerk digests need their hasher name and are read by
// FromClerk. Errors wrap ErrUnknownFormat, ErrMalformed, ErrUnsupported or
// ErrUnusable and never contain the input.
func Identify(s string) (Hash, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return Hash{}, ErrUnknownFormat
	case strings.HasPrefix(s, "{") && json.Valid([]byte(s)):
		return identifyJSON([]byte(s))
	case strings.HasPrefix(s, "{"):
		return ParseLDAP(s)
	case strings.HasPrefix(s, "$2"):
		return parseBcrypt(s)
	case strings.HasPrefix(s, "$1$"), strings.HasPrefix(s, "$5$"), strings.HasPrefix(s, "$6$"):
		return parseCrypt(s)
	case strings.HasPrefix(s, "$"):
		h, err := ParsePHC(s)
		if err == ErrUnknownFormat {
			return parseKratosOwn(s)
		}
		return h, err
	case strings.HasPrefix(s, "!"):
		return Hash{}, ErrUnusable
	case strings.Contains(s, "$"):
		return ParseDjango(s)
	case isHex(s):
		return parseBareHex(s)
	}
	return Hash{}, ErrUnknownFormat
}

// parseBareHex reads an unsalted hex digest, naming it by its length.
func parseBareHex(s string) (Hash, error) {
	var alg Algorithm
	switch len(s) {
	case 32:
		alg = MD5
	case 40:
		alg = SHA1
	case 64:
		alg = SHA256
	case 128:
		alg = SHA512
	default:
		return Hash{}, ErrUnknownFormat
	}
	sum, _ := decodeHex(s)
	return Hash{Algorithm: alg, Format: FormatHex, Sum: sum, SumEncoding: BytesHex}, nil
}

// identifyJSON tells the three JSON shapes apart by their keys.
func identifyJSON(raw []byte) (Hash, error) {
	var probe struct {
		Algorithm      *string          `json:"algorithm"`
		Hash           json.RawMessage  `json:"hash"`
		Value          *json.RawMessage `json:"value"`
		SecretData     json.RawMessage  `json:"secretData"`
		CredentialData json.RawMessage  `json:"credentialData"`
		HashedSalted   json.RawMessage  `json:"hashedSaltedValue"`
		Password       json.RawMessage  `json:"password"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return Hash{}, malformed("json", "object")
	}
	switch {
	case probe.SecretData != nil || probe.CredentialData != nil || probe.HashedSalted != nil:
		return FromKeycloak(raw)
	case probe.Algorithm != nil && len(probe.Hash) > 0 && probe.Hash[0] == '{':
		return FromAuth0Custom(raw)
	case probe.Algorithm != nil && isOktaAlgorithm(*probe.Algorithm):
		return FromOkta(raw)
	case probe.Algorithm == nil && (len(probe.Hash) > 0 || len(probe.Password) > 0):
		return FromOkta(raw)
	}
	return Hash{}, ErrUnknownFormat
}
