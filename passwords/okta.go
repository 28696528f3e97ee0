package passwords

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// oktaHash is Okta's PasswordCredentialHash (spec §5).
type oktaHash struct {
	Algorithm       string `json:"algorithm"`
	WorkFactor      int    `json:"workFactor,omitempty"`
	Salt            string `json:"salt,omitempty"`
	SaltOrder       string `json:"saltOrder,omitempty"`
	Value           string `json:"value"`
	IterationCount  int    `json:"iterationCount,omitempty"`
	KeySize         int    `json:"keySize,omitempty"`
	DigestAlgorithm string `json:"digestAlgorithm,omitempty"`
}

// isOktaAlgorithm reports whether a is one of Okta's algorithm names.
func isOktaAlgorithm(a string) bool {
	switch a {
	case "BCRYPT", "SHA-512", "SHA-256", "SHA-1", "MD5", "PBKDF2":
		return true
	}
	return false
}

// FromOkta parses Okta's PasswordCredentialHash object. The object may also
// be given wrapped as {"hash": {…}} or {"password": {"hash": {…}}}.
//
// The salt of the SHA, MD5 and PBKDF2 forms is read as base64, as Okta's API
// reference and its support article describe. (A forum thread reports a
// literal text salt working; see the package tests.)
func FromOkta(raw []byte) (Hash, error) {
	var wrap struct {
		Hash     json.RawMessage `json:"hash"`
		Password *struct {
			Hash json.RawMessage `json:"hash"`
		} `json:"password"`
	}
	if err := json.Unmarshal(raw, &wrap); err == nil {
		switch {
		case wrap.Password != nil && len(wrap.Password.Hash) > 0:
			raw = wrap.Password.Hash
		case len(wrap.Hash) > 0 && bytes.HasPrefix(bytes.TrimSpace(wrap.Hash), []byte("{")):
			raw = wrap.Hash
		}
	}
	var o oktaHash
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		return Hash{}, malformed("okta", "PasswordCredentialHash object")
	}
	h := Hash{Format: FormatOkta}
	switch o.Algorithm {
	case "BCRYPT":
		if o.WorkFactor < 4 || o.WorkFactor > 31 {
			return Hash{}, malformed("okta", "workFactor")
		}
		if !validBcryptParts([]byte(o.Salt), []byte(o.Value)) {
			return Hash{}, malformed("okta", "bcrypt salt or value")
		}
		h.Algorithm, h.Variant, h.Cost = Bcrypt, "2a", o.WorkFactor
		h.Salt, h.Sum = []byte(o.Salt), []byte(o.Value)
		h.SaltEncoding, h.SumEncoding = BytesText, BytesText
		return h, nil
	case "SHA-512", "SHA-256", "SHA-1", "MD5":
		h.Algorithm = map[string]Algorithm{"SHA-512": SHA512, "SHA-256": SHA256, "SHA-1": SHA1, "MD5": MD5}[o.Algorithm]
		d, _ := digestOf(h.Algorithm)
		sum, _, ok := decodeB64(o.Value)
		if !ok || len(sum) != d.Size() {
			return Hash{}, malformed("okta", "value")
		}
		h.Sum, h.SumEncoding = sum, BytesBase64
		if o.Salt != "" {
			salt, _, ok := decodeB64(o.Salt)
			if !ok {
				return Hash{}, malformed("okta", "salt")
			}
			h.Salt, h.SaltEncoding = salt, BytesBase64
			switch strings.ToUpper(o.SaltOrder) {
			case "PREFIX", "":
				h.SaltPosition = SaltPrefix
			case "POSTFIX":
				h.SaltPosition = SaltSuffix
			default:
				return Hash{}, malformed("okta", "saltOrder")
			}
		}
		return h, nil
	case "PBKDF2":
		switch o.DigestAlgorithm {
		case "SHA256_HMAC":
			h.Digest = DigestSHA256
		case "SHA512_HMAC":
			h.Digest = DigestSHA512
		default:
			return Hash{}, fmt.Errorf("%w: okta: digestAlgorithm", ErrUnsupported)
		}
		sum, _, ok := decodeB64(o.Value)
		if !ok || len(sum) == 0 {
			return Hash{}, malformed("okta", "value")
		}
		salt, _, ok := decodeB64(o.Salt)
		if !ok {
			return Hash{}, malformed("okta", "salt")
		}
		if o.KeySize != 0 && o.KeySize != len(sum) {
			return Hash{}, malformed("okta", "keySize differs from value")
		}
		h.Algorithm, h.Iterations = PBKDF2, o.IterationCount
		h.Salt, h.Sum = salt, sum
		h.SaltEncoding, h.SumEncoding = BytesBase64, BytesBase64
		return h, nil
	}
	return Hash{}, fmt.Errorf("%w: okta: algorithm", ErrUnsupported)
}

// ToOkta converts h to Okta's PasswordCredentialHash (JSON), to be placed
// at credentials.password.hash. Okta holds bcrypt, unsalted or
// prefix/postfix-salted SHA-512, SHA-256, SHA-1 and MD5, and PBKDF2 with
// HMAC-SHA256 or -SHA512 and at least 4096 iterations; anything else
// returns ErrUnsupportedByTarget.
func ToOkta(h Hash) ([]byte, error) {
	unsupported := fmt.Errorf("%w: okta: %s", ErrUnsupportedByTarget, h.Name())
	if !utf8Password(h) || h.Template != "" {
		return nil, unsupported
	}
	b64 := base64.StdEncoding.EncodeToString
	var o oktaHash
	switch h.Algorithm {
	case Bcrypt:
		if h.Digest != "" || h.Variant == "2" || h.Variant == "2x" || !validBcryptParts(h.Salt, h.Sum) {
			return nil, unsupported
		}
		o = oktaHash{Algorithm: "BCRYPT", WorkFactor: h.Cost, Salt: string(h.Salt), Value: string(h.Sum)}
	case SHA512, SHA256, SHA1, MD5:
		o = oktaHash{Algorithm: map[Algorithm]string{SHA512: "SHA-512", SHA256: "SHA-256", SHA1: "SHA-1", MD5: "MD5"}[h.Algorithm],
			Value: b64(h.Sum)}
		if len(h.Salt) > 0 {
			o.Salt, o.SaltOrder = b64(h.Salt), "PREFIX"
			if h.SaltPosition == SaltSuffix {
				o.SaltOrder = "POSTFIX"
			}
		}
	case PBKDF2:
		var d string
		switch h.Digest {
		case DigestSHA256:
			d = "SHA256_HMAC"
		case DigestSHA512:
			d = "SHA512_HMAC"
		default:
			return nil, unsupported
		}
		if h.Iterations < 4096 {
			return nil, unsupported
		}
		o = oktaHash{Algorithm: "PBKDF2", Salt: b64(h.Salt), Value: b64(h.Sum), IterationCount: h.Iterations,
			KeySize: len(h.Sum), DigestAlgorithm: d}
	default:
		return nil, unsupported
	}
	out, err := json.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("okta: encode PasswordCredentialHash: %w", err)
	}
	return out, nil
}
