package passwords

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// auth0Custom is Auth0's custom_password_hash object (spec §2).
type auth0Custom struct {
	Algorithm string      `json:"algorithm"`
	Hash      *auth0Value `json:"hash"`
	Salt      *auth0Salt  `json:"salt,omitempty"`
	Password  *auth0PWEnc `json:"password,omitempty"`
	KeyLen    *int        `json:"keylen,omitempty"`
	Cost      *int        `json:"cost,omitempty"`
	BlockSize *int        `json:"blockSize,omitempty"`
	Parallel  *int        `json:"parallelization,omitempty"`
}

type auth0Value struct {
	Value    string      `json:"value"`
	Encoding string      `json:"encoding,omitempty"`
	Digest   string      `json:"digest,omitempty"`
	Key      *auth0Bytes `json:"key,omitempty"`
}

type auth0Bytes struct {
	Value    string `json:"value"`
	Encoding string `json:"encoding,omitempty"`
}

type auth0Salt struct {
	Value    string `json:"value"`
	Encoding string `json:"encoding,omitempty"`
	Position string `json:"position,omitempty"`
}

type auth0PWEnc struct {
	Encoding string `json:"encoding"`
}

// auth0Decode decodes a value in Auth0's encodings: hex (either case),
// base64 (std or URL-safe, padding optional) or utf8 (the text itself).
func auth0Decode(value, encoding, def string) ([]byte, ByteEncoding, bool) {
	if encoding == "" {
		encoding = def
	}
	switch encoding {
	case "hex":
		b, ok := decodeHex(value)
		return b, BytesHex, ok
	case "base64":
		b, _, ok := decodeB64(value)
		return b, BytesBase64, ok
	case "utf8":
		return []byte(value), BytesText, true
	}
	return nil, "", false
}

// FromAuth0Custom parses Auth0's custom_password_hash object.
func FromAuth0Custom(raw []byte) (Hash, error) {
	var c auth0Custom
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields() // the schema has additionalProperties:false
	if err := dec.Decode(&c); err != nil {
		return Hash{}, malformed("auth0", "custom_password_hash object")
	}
	if c.Hash == nil || c.Algorithm == "" {
		return Hash{}, malformed("auth0", "algorithm and hash are required")
	}
	pwEnc := PasswordEncoding("")
	if c.Password != nil {
		pwEnc = PasswordEncoding(c.Password.Encoding)
		if !validPasswordEncoding(pwEnc) {
			return Hash{}, malformed("auth0", "password.encoding")
		}
		if pwEnc == EncodingUTF8 {
			pwEnc = ""
		}
	}
	// salt decodes the optional salt object.
	salt := func(h *Hash) error {
		if c.Salt == nil {
			return nil
		}
		b, enc, ok := auth0Decode(c.Salt.Value, c.Salt.Encoding, "utf8")
		if !ok || c.Salt.Value == "" {
			return malformed("auth0", "salt.value")
		}
		h.Salt, h.SaltEncoding = b, enc
		switch c.Salt.Position {
		case "", "prefix":
			h.SaltPosition = SaltPrefix
		case "suffix":
			h.SaltPosition = SaltSuffix
		default:
			return malformed("auth0", "salt.position")
		}
		return nil
	}
	noSalt := func(alg string) error {
		if c.Salt != nil {
			return malformed("auth0", alg+" takes no salt object")
		}
		return nil
	}
	var h Hash
	var err error
	switch c.Algorithm {
	case "argon2":
		if err := noSalt("argon2"); err != nil {
			return Hash{}, err
		}
		h, err = parseArgon2Checked(c.Hash.Value)
	case "bcrypt":
		if c.Salt != nil {
			return Hash{}, fmt.Errorf("%w: auth0: bcrypt with an extra salt", ErrUnsupported)
		}
		h, err = parseBcrypt(c.Hash.Value)
		if err == nil && (h.Variant == "2" || h.Variant == "2x") {
			err = malformed("auth0", "bcrypt version")
		}
	case "ldap":
		if err := noSalt("ldap"); err != nil {
			return Hash{}, err
		}
		h, err = ParseLDAP(c.Hash.Value)
		if err == nil && h.Format != FormatLDAP {
			err = fmt.Errorf("%w: auth0: ldap {CRYPT}", ErrUnsupported)
		}
	case "pbkdf2":
		if err := noSalt("pbkdf2"); err != nil {
			return Hash{}, err
		}
		h, err = parseAuth0PBKDF2(c.Hash.Value)
	case "hmac":
		d, ok := parseDigest(c.Hash.Digest)
		if !ok {
			return Hash{}, fmt.Errorf("%w: auth0: hmac digest", ErrUnsupported)
		}
		if c.Hash.Key == nil || c.Hash.Key.Value == "" {
			return Hash{}, malformed("auth0", "hash.key.value")
		}
		key, _, ok := auth0Decode(c.Hash.Key.Value, c.Hash.Key.Encoding, "utf8")
		if !ok {
			return Hash{}, malformed("auth0", "hash.key")
		}
		sum, enc, ok := auth0Decode(c.Hash.Value, c.Hash.Encoding, "hex")
		if !ok || enc == BytesText || len(sum) != d.Size() {
			return Hash{}, malformed("auth0", "hash.value")
		}
		if c.Salt != nil {
			// Auth0's schema gives hmac no salt semantics.
			return Hash{}, fmt.Errorf("%w: auth0: hmac with a salt", ErrUnsupported)
		}
		h = Hash{Algorithm: HMAC, Digest: d, Key: key, Sum: sum, SumEncoding: enc}
	case "md4", "md5", "sha1", "sha256", "sha512":
		alg := Algorithm(c.Algorithm)
		d, _ := digestOf(alg)
		sum, enc, ok := auth0Decode(c.Hash.Value, c.Hash.Encoding, "hex")
		if !ok || enc == BytesText || len(sum) != d.Size() {
			return Hash{}, malformed("auth0", "hash.value")
		}
		h = Hash{Algorithm: alg, Sum: sum, SumEncoding: enc}
		err = salt(&h)
	case "scrypt":
		sum, enc, ok := auth0Decode(c.Hash.Value, c.Hash.Encoding, "hex")
		if !ok || enc == BytesText || len(sum) == 0 {
			return Hash{}, malformed("auth0", "hash.value")
		}
		if c.KeyLen == nil || *c.KeyLen <= 0 {
			return Hash{}, malformed("auth0", "keylen")
		}
		h = Hash{Algorithm: Scrypt, N: 16384, BlockSize: 8, Parallelism: 1, KeyLen: *c.KeyLen, Sum: sum, SumEncoding: enc}
		if c.Cost != nil {
			h.N = *c.Cost
		}
		if c.BlockSize != nil {
			h.BlockSize = *c.BlockSize
		}
		if c.Parallel != nil {
			h.Parallelism = *c.Parallel
		}
		if h.KeyLen == len(h.Sum) {
			h.KeyLen = 0
		}
		err = salt(&h)
	default:
		return Hash{}, fmt.Errorf("%w: auth0: algorithm", ErrUnsupported)
	}
	if err != nil {
		return Hash{}, err
	}
	h.Format = FormatAuth0
	h.PasswordEncoding = pwEnc
	return h, nil
}

// parseArgon2Checked parses a PHC argon2 string or fails.
func parseArgon2Checked(s string) (Hash, error) {
	switch phcID(s) {
	case "argon2id", "argon2i", "argon2d":
		return parseArgon2(s)
	}
	return Hash{}, malformed("auth0", "argon2 hash.value")
}

// parseAuth0PBKDF2 reads Auth0's PBKDF2 string, where i and l default to
// 100000 and the hash length.
func parseAuth0PBKDF2(s string) (Hash, error) {
	parts := strings.Split(s, "$")
	if len(parts) == 4 && strings.HasPrefix(parts[1], "pbkdf2") {
		// No parameter segment: every default applies.
		s = strings.Join([]string{"", parts[1], "i=100000", parts[2], parts[3]}, "$")
	} else if len(parts) == 5 && !strings.Contains(parts[2], "i=") && !isDigits(parts[2]) {
		s = strings.Join([]string{"", parts[1], "i=100000," + parts[2], parts[3], parts[4]}, "$")
	}
	if !strings.HasPrefix(phcID(s), "pbkdf2-") {
		return Hash{}, malformed("auth0", "pbkdf2 hash.value")
	}
	h, err := parsePBKDF2PHC(s, false)
	if err != nil {
		return Hash{}, err
	}
	if h.Format == FormatPasslib {
		return Hash{}, malformed("auth0", "pbkdf2 hash.value")
	}
	return h, nil
}

// ToAuth0 converts h for Auth0's bulk import. A bcrypt $2a$/$2b$ hash of
// cost 10 becomes password_hash; every hash Auth0's custom_password_hash
// can hold becomes that object (JSON); the rest — Firebase scrypt,
// crypt(3), Django's bcrypt_sha256, argon2d, SHA-224/384 digests, Kratos
// templates — returns ErrUnsupportedByTarget.
func ToAuth0(h Hash) (passwordHash string, customHash []byte, err error) {
	unsupported := fmt.Errorf("%w: auth0: %s", ErrUnsupportedByTarget, h.Name())
	c := auth0Custom{Algorithm: string(h.Algorithm)}
	if h.PasswordEncoding != "" && h.PasswordEncoding != EncodingUTF8 {
		if !validPasswordEncoding(h.PasswordEncoding) {
			return "", nil, unsupported
		}
		c.Password = &auth0PWEnc{Encoding: string(h.PasswordEncoding)}
	}
	switch h.Algorithm {
	case Bcrypt:
		if h.Digest != "" || !validBcryptParts(h.Salt, h.Sum) || h.Cost < 4 || h.Cost > 31 {
			return "", nil, unsupported
		}
		switch h.Variant {
		case "2a", "2b", "":
			if h.Cost == 10 && c.Password == nil {
				return formatBcrypt(h), nil, nil
			}
		case "2y":
		default:
			return "", nil, unsupported
		}
		c.Hash = &auth0Value{Value: formatBcrypt(h), Encoding: "utf8"}
	case Argon2id, Argon2i:
		s, err := ToPHC(h)
		if err != nil || h.Version != 0x13 {
			return "", nil, unsupported
		}
		c.Algorithm = "argon2"
		c.Hash = &auth0Value{Value: s, Encoding: "utf8"}
	case PBKDF2:
		s, err := toPHCAnyEncoding(h)
		if err != nil {
			return "", nil, unsupported
		}
		c.Hash = &auth0Value{Value: s, Encoding: "utf8"}
	case Scrypt:
		if len(h.Sum) == 0 {
			return "", nil, unsupported
		}
		c.Hash = auth0SumValue(h)
		kl, n, r, p := h.keyLen(), h.N, h.BlockSize, h.Parallelism
		c.KeyLen, c.Cost, c.BlockSize, c.Parallel = &kl, &n, &r, &p
		c.Salt = auth0SaltValue(h, false)
	case HMAC:
		switch h.Digest {
		case DigestMD4, DigestMD5, DigestRIPEMD160, DigestSHA1, DigestSHA224, DigestSHA256, DigestSHA384, DigestSHA512:
		default:
			return "", nil, unsupported
		}
		if len(h.Key) == 0 || len(h.Salt) > 0 {
			return "", nil, unsupported
		}
		v := auth0SumValue(h)
		v.Digest = string(h.Digest)
		v.Key = &auth0Bytes{Value: base64.StdEncoding.EncodeToString(h.Key), Encoding: "base64"}
		c.Hash = v
	case MD4, MD5, SHA1, SHA256, SHA512, SHA384:
		if h.Template != "" {
			return "", nil, unsupported
		}
		if h.Format == FormatLDAP && c.Password == nil && h.Algorithm != MD4 {
			s, err := ToLDAP(h)
			if err == nil {
				c.Algorithm = "ldap"
				c.Hash = &auth0Value{Value: s, Encoding: "utf8"}
				break
			}
		}
		if h.Algorithm == SHA384 {
			return "", nil, unsupported
		}
		c.Hash = auth0SumValue(h)
		c.Salt = auth0SaltValue(h, true)
	default:
		return "", nil, unsupported
	}
	out, err := json.Marshal(c)
	if err != nil {
		return "", nil, fmt.Errorf("auth0: encode custom_password_hash: %w", err)
	}
	return "", out, nil
}

// toPHCAnyEncoding writes a PBKDF2 PHC string ignoring the password
// encoding, which Auth0 carries beside it.
func toPHCAnyEncoding(h Hash) (string, error) {
	h.PasswordEncoding = ""
	return ToPHC(h)
}

// auth0SumValue encodes Sum as the source did when it was hex, else base64.
func auth0SumValue(h Hash) *auth0Value {
	if h.SumEncoding == BytesHex {
		return &auth0Value{Value: hex.EncodeToString(h.Sum), Encoding: "hex"}
	}
	return &auth0Value{Value: base64.StdEncoding.EncodeToString(h.Sum), Encoding: "base64"}
}

// auth0SaltValue encodes the salt object, nil when there is no salt.
func auth0SaltValue(h Hash, withPosition bool) *auth0Salt {
	if len(h.Salt) == 0 {
		return nil
	}
	s := &auth0Salt{}
	switch {
	case h.SaltEncoding == BytesText && validUTF8(h.Salt):
		s.Value, s.Encoding = string(h.Salt), "utf8"
	case h.SaltEncoding == BytesHex:
		s.Value, s.Encoding = hex.EncodeToString(h.Salt), "hex"
	default:
		s.Value, s.Encoding = base64.StdEncoding.EncodeToString(h.Salt), "base64"
	}
	if withPosition {
		s.Position = string(SaltPrefix)
		if h.SaltPosition == SaltSuffix {
			s.Position = string(SaltSuffix)
		}
	}
	return s
}
