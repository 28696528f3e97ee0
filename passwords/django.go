package passwords

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// ParseDjango parses a Django auth_user.password value:
// pbkdf2_sha256$<iter>$<salt>$<b64>, pbkdf2_sha1$…, argon2$<PHC>,
// bcrypt$<bcrypt>, bcrypt_sha256$<bcrypt>, scrypt$<N>$<salt>$<r>$<p>$<b64>,
// sha1$<salt>$<hex>, md5$<salt>$<hex> (salt empty for the unsalted
// hashers). A value starting with "!" is Django's unusable-password marker
// and returns ErrUnusable; crypt$$… (DES) returns ErrUnsupported.
func ParseDjango(s string) (Hash, error) {
	if strings.HasPrefix(s, "!") {
		return Hash{}, ErrUnusable
	}
	algo, rest, ok := strings.Cut(s, "$")
	if !ok {
		return Hash{}, ErrUnknownFormat
	}
	wrap := func(h Hash, err error) (Hash, error) {
		if err != nil {
			return Hash{}, err
		}
		h.Format = FormatDjango
		return h, nil
	}
	switch algo {
	case "pbkdf2_sha256", "pbkdf2_sha1":
		parts := strings.Split(rest, "$")
		if len(parts) != 3 {
			return Hash{}, malformed("django pbkdf2", "layout")
		}
		iter, ok := atoi(parts[0])
		if !ok {
			return Hash{}, malformed("django pbkdf2", "iterations")
		}
		sum, err := base64.StdEncoding.DecodeString(parts[2])
		if err != nil || len(sum) == 0 {
			return Hash{}, malformed("django pbkdf2", "hash")
		}
		d := DigestSHA256
		if algo == "pbkdf2_sha1" {
			d = DigestSHA1
		}
		return Hash{Algorithm: PBKDF2, Format: FormatDjango, Digest: d, Iterations: iter,
			Salt: []byte(parts[1]), SaltEncoding: BytesText, Sum: sum, SumEncoding: BytesBase64}, nil
	case "argon2":
		if !strings.HasPrefix(rest, "argon2") {
			return Hash{}, malformed("django argon2", "layout")
		}
		return wrap(parseArgon2("$" + rest))
	case "bcrypt", "bcrypt_sha256":
		h, err := parseBcrypt(rest)
		if err != nil {
			return Hash{}, malformed("django "+algo, "bcrypt")
		}
		if algo == "bcrypt_sha256" {
			h.Digest = DigestSHA256
		}
		return wrap(h, nil)
	case "scrypt":
		parts := strings.Split(rest, "$")
		if len(parts) != 5 {
			return Hash{}, malformed("django scrypt", "layout")
		}
		n, ok1 := atoi(parts[0])
		r, ok2 := atoi(parts[2])
		p, ok3 := atoi(parts[3])
		if !ok1 || !ok2 || !ok3 {
			return Hash{}, malformed("django scrypt", "parameters")
		}
		sum, err := base64.StdEncoding.DecodeString(parts[4])
		if err != nil || len(sum) == 0 {
			return Hash{}, malformed("django scrypt", "hash")
		}
		return Hash{Algorithm: Scrypt, Format: FormatDjango, N: n, BlockSize: r, Parallelism: p,
			Salt: []byte(parts[1]), SaltEncoding: BytesText, Sum: sum, SumEncoding: BytesBase64}, nil
	case "sha1", "md5", "unsalted_sha1", "unsalted_md5":
		parts := strings.Split(rest, "$")
		if len(parts) != 2 {
			return Hash{}, malformed("django "+algo, "layout")
		}
		alg := SHA1
		if strings.HasSuffix(algo, "md5") {
			alg = MD5
		}
		sum, ok := decodeHex(parts[1])
		d, _ := digestOf(alg)
		if !ok || len(sum) != d.Size() {
			return Hash{}, malformed("django "+algo, "hash")
		}
		h := Hash{Algorithm: alg, Format: FormatDjango, Sum: sum, SumEncoding: BytesHex}
		if parts[0] != "" {
			h.Salt, h.SaltPosition, h.SaltEncoding = []byte(parts[0]), SaltPrefix, BytesText
		}
		return h, nil
	case "crypt":
		return Hash{}, fmt.Errorf("%w: django crypt (DES)", ErrUnsupported)
	}
	return Hash{}, ErrUnknownFormat
}

// ToDjango writes h as a Django password value. It holds PBKDF2-SHA256 and
// -SHA1 and scrypt with a text salt, argon2, bcrypt (plain and
// bcrypt_sha256) and SHA-1 or MD5 salted as a prefix with a text salt.
func ToDjango(h Hash) (string, error) {
	textSalt := !strings.ContainsAny(string(h.Salt), "$\x00") && validUTF8(h.Salt)
	unsupported := fmt.Errorf("%w: django: %s", ErrUnsupportedByTarget, h.Name())
	if !utf8Password(h) {
		return "", unsupported
	}
	b64 := base64.StdEncoding.EncodeToString
	switch h.Algorithm {
	case PBKDF2:
		if !textSalt || len(h.Salt) == 0 || (h.Digest != DigestSHA256 && h.Digest != DigestSHA1) {
			return "", unsupported
		}
		return fmt.Sprintf("pbkdf2_%s$%d$%s$%s", h.Digest, h.Iterations, h.Salt, b64(h.Sum)), nil
	case Argon2id, Argon2i:
		s, err := ToPHC(h)
		if err != nil {
			return "", unsupported
		}
		return "argon2" + s, nil
	case Bcrypt:
		prefix := "bcrypt$"
		switch h.Digest {
		case "":
		case DigestSHA256:
			prefix = "bcrypt_sha256$"
		default:
			return "", unsupported
		}
		if !validBcryptParts(h.Salt, h.Sum) {
			return "", unsupported
		}
		return prefix + formatBcrypt(h), nil
	case Scrypt:
		if !textSalt || len(h.Salt) == 0 {
			return "", unsupported
		}
		return fmt.Sprintf("scrypt$%d$%s$%d$%d$%s", h.N, h.Salt, h.BlockSize, h.Parallelism, b64(h.Sum)), nil
	case SHA1, MD5:
		if h.Template != "" || !textSalt || (len(h.Salt) > 0 && h.SaltPosition == SaltSuffix) {
			return "", unsupported
		}
		return fmt.Sprintf("%s$%s$%x", h.Algorithm, h.Salt, h.Sum), nil
	}
	return "", unsupported
}
