package passwords

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
)

// keycloakCredential is the part of Keycloak's CredentialRepresentation a
// password credential uses (spec §2.3).
type keycloakCredential struct {
	Type           string          `json:"type,omitempty"`
	SecretData     json.RawMessage `json:"secretData,omitempty"`
	CredentialData json.RawMessage `json:"credentialData,omitempty"`
	// Legacy (pre-11) fields.
	HashedSaltedValue string `json:"hashedSaltedValue,omitempty"`
	Salt              string `json:"salt,omitempty"`
	HashIterations    int    `json:"hashIterations,omitempty"`
	Algorithm         string `json:"algorithm,omitempty"`
}

type keycloakSecret struct {
	Value string  `json:"value"`
	Salt  *string `json:"salt"`
	// AdditionalParameters is always written empty.
	AdditionalParameters map[string][]string `json:"additionalParameters"`
}

type keycloakData struct {
	HashIterations       int                 `json:"hashIterations"`
	Algorithm            string              `json:"algorithm"`
	AdditionalParameters map[string][]string `json:"additionalParameters"`
	// AlgorithmData is the name Keycloak's JSON creator reads the same map
	// from; it is accepted on input.
	AlgorithmData map[string][]string `json:"algorithmData,omitempty"`
}

// unwrapJSONString returns the object a field holds, whether the field is
// a JSON string holding the object's text (Keycloak's double encoding) or
// the object itself.
func unwrapJSONString(raw json.RawMessage) ([]byte, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, false
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, false
		}
		return []byte(s), true
	}
	return raw, true
}

// FromKeycloak parses a Keycloak password credential
// (CredentialRepresentation): secretData and credentialData as the
// double-encoded JSON strings Keycloak exports (plain objects are accepted
// too), or the legacy hashedSaltedValue/salt/hashIterations/algorithm
// fields. Algorithms pbkdf2 (SHA-1), pbkdf2-sha256, pbkdf2-sha512 and argon2
// are read natively; a third-party provider's credential whose value holds a
// whole MCF string (bcrypt, md5-crypt, …) is read through Identify.
func FromKeycloak(raw []byte) (Hash, error) {
	var c keycloakCredential
	if err := json.Unmarshal(raw, &c); err != nil {
		return Hash{}, malformed("keycloak", "credential object")
	}
	if c.Type != "" && c.Type != "password" {
		return Hash{}, fmt.Errorf("%w: keycloak: credential type", ErrUnsupported)
	}
	var sec keycloakSecret
	var data keycloakData
	if c.HashedSaltedValue != "" {
		sec.Value = c.HashedSaltedValue
		if c.Salt != "" {
			sec.Salt = &c.Salt
		}
		data.HashIterations, data.Algorithm = c.HashIterations, c.Algorithm
	} else {
		s, ok1 := unwrapJSONString(c.SecretData)
		d, ok2 := unwrapJSONString(c.CredentialData)
		if !ok1 || !ok2 {
			return Hash{}, malformed("keycloak", "secretData and credentialData are required")
		}
		if json.Unmarshal(s, &sec) != nil {
			return Hash{}, malformed("keycloak", "secretData")
		}
		if json.Unmarshal(d, &data) != nil {
			return Hash{}, malformed("keycloak", "credentialData")
		}
	}
	params := data.AdditionalParameters
	if len(params) == 0 {
		params = data.AlgorithmData
	}
	var salt []byte
	if sec.Salt != nil && *sec.Salt != "" && *sec.Salt != "__SALT__" {
		b, err := base64.StdEncoding.DecodeString(*sec.Salt)
		if err != nil {
			return Hash{}, malformed("keycloak", "salt")
		}
		salt = b
	}
	h := Hash{Format: FormatKeycloak, Salt: salt, SaltEncoding: BytesBase64, SumEncoding: BytesBase64}
	switch data.Algorithm {
	case "pbkdf2", "pbkdf2-sha256", "pbkdf2-sha512":
		h.Algorithm, h.Iterations = PBKDF2, data.HashIterations
		h.Digest = map[string]Digest{"pbkdf2": DigestSHA1, "pbkdf2-sha256": DigestSHA256, "pbkdf2-sha512": DigestSHA512}[data.Algorithm]
	case "argon2":
		h.Iterations = data.HashIterations
		if err := keycloakArgon2(&h, params); err != nil {
			return Hash{}, err
		}
	default:
		// A provider jar's credential: the value is a whole MCF string.
		inner, err := Identify(sec.Value)
		if err != nil {
			return Hash{}, fmt.Errorf("%w: keycloak: algorithm", ErrUnsupported)
		}
		inner.Format = FormatKeycloak
		return inner, nil
	}
	sum, err := base64.StdEncoding.DecodeString(sec.Value)
	if err != nil || len(sum) == 0 {
		return Hash{}, malformed("keycloak", "value")
	}
	h.Sum = sum
	return h, nil
}

// keycloakArgon2 reads argon2's additionalParameters.
func keycloakArgon2(h *Hash, params map[string][]string) error {
	get := func(k, def string) string {
		if v := params[k]; len(v) > 0 {
			return v[0]
		}
		return def
	}
	switch get("type", "id") {
	case "id":
		h.Algorithm = Argon2id
	case "i":
		h.Algorithm = Argon2i
	case "d":
		h.Algorithm = Argon2d
	default:
		return malformed("keycloak", "argon2 type")
	}
	switch get("version", "1.3") {
	case "1.3":
		h.Version = 0x13
	case "1.0":
		h.Version = 0x10
	default:
		return malformed("keycloak", "argon2 version")
	}
	mem, ok1 := atoi(get("memory", "7168"))
	par, ok2 := atoi(get("parallelism", "1"))
	if !ok1 || !ok2 || mem > 1<<32-1 {
		return malformed("keycloak", "argon2 parameters")
	}
	if hl, ok := atoi(get("hashLength", "")); ok {
		h.KeyLen = hl
	}
	h.Memory, h.Parallelism = uint32(mem), par
	return nil
}

// ToKeycloak converts h to a Keycloak password credential
// (CredentialRepresentation JSON, with secretData and credentialData as
// strings). Keycloak holds PBKDF2 with HMAC-SHA1, -SHA256 or -SHA512 and
// argon2 (id, i, d; versions 1.0 and 1.3); anything else returns
// ErrUnsupportedByTarget. A Django text salt is base64-encoded from its
// bytes, as Keycloak requires.
func ToKeycloak(h Hash) ([]byte, error) {
	unsupported := fmt.Errorf("%w: keycloak: %s", ErrUnsupportedByTarget, h.Name())
	if !utf8Password(h) || len(h.Sum) == 0 {
		return nil, unsupported
	}
	b64 := base64.StdEncoding.EncodeToString
	sec := keycloakSecret{Value: b64(h.Sum), AdditionalParameters: map[string][]string{}}
	if len(h.Salt) > 0 {
		s := b64(h.Salt)
		sec.Salt = &s
	}
	data := keycloakData{HashIterations: h.Iterations, AdditionalParameters: map[string][]string{}}
	switch h.Algorithm {
	case PBKDF2:
		switch h.Digest {
		case DigestSHA1:
			data.Algorithm = "pbkdf2"
		case DigestSHA256:
			data.Algorithm = "pbkdf2-sha256"
		case DigestSHA512:
			data.Algorithm = "pbkdf2-sha512"
		default:
			return nil, unsupported
		}
	case Argon2id, Argon2i, Argon2d:
		version := "1.3"
		switch h.Version {
		case 0x13:
		case 0x10:
			version = "1.0"
		default:
			return nil, unsupported
		}
		data.Algorithm = "argon2"
		data.AdditionalParameters = map[string][]string{
			"type":        {map[Algorithm]string{Argon2id: "id", Argon2i: "i", Argon2d: "d"}[h.Algorithm]},
			"version":     {version},
			"hashLength":  {strconv.Itoa(len(h.Sum))},
			"memory":      {strconv.FormatUint(uint64(h.Memory), 10)},
			"parallelism": {strconv.Itoa(h.Parallelism)},
		}
	default:
		return nil, unsupported
	}
	secJSON, err := json.Marshal(sec)
	if err != nil {
		return nil, fmt.Errorf("keycloak: encode secretData: %w", err)
	}
	dataJSON, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("keycloak: encode credentialData: %w", err)
	}
	out, err := json.Marshal(struct {
		Type           string `json:"type"`
		SecretData     string `json:"secretData"`
		CredentialData string `json:"credentialData"`
	}{"password", string(secJSON), string(dataJSON)})
	if err != nil {
		return nil, fmt.Errorf("keycloak: encode credential: %w", err)
	}
	return out, nil
}
