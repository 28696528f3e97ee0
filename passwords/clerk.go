package passwords

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// FromClerk parses a Clerk password_digest given its password_hasher
// (spec §7). It reads bcrypt, bcrypt_sha256_django, md5, sha256,
// pbkdf2_sha256, pbkdf2_sha256_django, pbkdf2_sha1, pbkdf2_sha512,
// scrypt_firebase, argon2i and argon2id. Hashers whose layout Clerk does
// not publish (md5_salted, sha256_salted's salt order, phpass,
// scrypt_werkzeug, hmac_sha256_utf16_b64, awscognito) return ErrUnsupported.
func FromClerk(hasher, digest string) (Hash, error) {
	digest = strings.TrimSpace(digest)
	set := func(h Hash, err error) (Hash, error) {
		if err != nil {
			return Hash{}, err
		}
		h.Format = FormatClerk
		return h, nil
	}
	switch hasher {
	case "bcrypt":
		return set(parseBcrypt(digest))
	case "bcrypt_sha256_django":
		h, err := ParseDjango(digest)
		if err == nil && (h.Algorithm != Bcrypt || h.Digest != DigestSHA256) {
			err = malformed("clerk bcrypt_sha256_django", "layout")
		}
		return set(h, err)
	case "md5", "sha256":
		h, err := parseBareHex(digest)
		if err != nil || string(h.Algorithm) != hasher {
			return Hash{}, malformed("clerk "+hasher, "hex digest")
		}
		return set(h, nil)
	case "pbkdf2_sha256_django":
		h, err := ParseDjango(digest)
		if err == nil && (h.Algorithm != PBKDF2 || h.Digest != DigestSHA256) {
			err = malformed("clerk pbkdf2_sha256_django", "layout")
		}
		return set(h, err)
	case "pbkdf2_sha256":
		parts := strings.Split(digest, "$")
		if len(parts) != 4 || parts[0] != "pbkdf2_sha256" {
			return Hash{}, malformed("clerk pbkdf2_sha256", "layout")
		}
		iter, ok := atoi(parts[1])
		salt, err1 := base64.StdEncoding.DecodeString(parts[2])
		sum, err2 := base64.StdEncoding.DecodeString(parts[3])
		if !ok || err1 != nil || err2 != nil || len(sum) == 0 {
			return Hash{}, malformed("clerk pbkdf2_sha256", "fields")
		}
		return set(Hash{Algorithm: PBKDF2, Digest: DigestSHA256, Iterations: iter, Salt: salt, Sum: sum,
			SaltEncoding: BytesBase64, SumEncoding: BytesBase64}, nil)
	case "pbkdf2_sha1", "pbkdf2_sha512":
		parts := strings.Split(digest, "$")
		if (len(parts) != 4 && !(hasher == "pbkdf2_sha1" && len(parts) == 5)) || parts[0] != hasher {
			return Hash{}, malformed("clerk "+hasher, "layout")
		}
		iter, ok := atoi(parts[1])
		sum, okSum := decodeHex(parts[3])
		if !ok || !okSum || len(sum) == 0 {
			return Hash{}, malformed("clerk "+hasher, "fields")
		}
		h := Hash{Algorithm: PBKDF2, Digest: DigestSHA512, Iterations: iter, Sum: sum, SumEncoding: BytesHex,
			Salt: []byte(parts[2]), SaltEncoding: BytesText}
		if hasher == "pbkdf2_sha1" {
			h.Digest = DigestSHA1
			if b, ok := decodeHex(parts[2]); ok {
				h.Salt, h.SaltEncoding = b, BytesHex
			}
			if len(parts) == 5 {
				kl, ok := atoi(parts[4])
				if !ok || kl != len(sum) {
					return Hash{}, malformed("clerk pbkdf2_sha1", "key length")
				}
			}
		}
		return set(h, nil)
	case "scrypt_firebase":
		parts := strings.Split(digest, "$")
		if len(parts) != 6 {
			return Hash{}, malformed("clerk scrypt_firebase", "layout")
		}
		rounds, ok1 := atoi(parts[4])
		memCost, ok2 := atoi(parts[5])
		if !ok1 || !ok2 {
			return Hash{}, malformed("clerk scrypt_firebase", "rounds or mem cost")
		}
		return set(FromFirebase(parts[0], parts[1], FirebaseParams{
			SignerKey: parts[2], SaltSeparator: parts[3], Rounds: rounds, MemCost: memCost}))
	case "argon2i", "argon2id":
		if phcID(digest) != hasher {
			return Hash{}, malformed("clerk "+hasher, "layout")
		}
		return set(parseArgon2(digest))
	}
	return Hash{}, fmt.Errorf("%w: clerk hasher", ErrUnsupported)
}
