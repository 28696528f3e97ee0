package passwords

import (
	"strings"

	"github.com/ferry-dev/ferry/profile"
)

// FromUser parses the stored hash of a user: custom_password_hash when it
// is set, else password_hash. ok is false when the user holds neither.
func FromUser(u *profile.User) (h Hash, ok bool, err error) {
	switch {
	case len(u.CustomPasswordHash) > 0:
		h, err = FromAuth0Custom(u.CustomPasswordHash)
		return h, true, err
	case u.PasswordHash != "":
		h, err = Identify(u.PasswordHash)
		return h, true, err
	}
	return Hash{}, false, nil
}

// SetAuth0 stores h on u the way Auth0's import expects it: password_hash
// for a plain bcrypt hash, custom_password_hash otherwise, clearing the
// other field. When Auth0 cannot hold h, u is left unchanged and the error
// wraps ErrUnsupportedByTarget.
func SetAuth0(u *profile.User, h Hash) error {
	plain, custom, err := ToAuth0(h)
	if err != nil {
		return err
	}
	u.PasswordHash, u.CustomPasswordHash = plain, custom
	return nil
}

// Label names the algorithm of a stored hash string from its prefix alone,
// without decoding or allocating, for per-algorithm counts on hot paths. It
// returns what Identify(s).Name() would for the string forms it knows, and
// "" when the prefix alone does not tell (JSON objects, Django salted
// digests, bare hex): call Identify for those.
func Label(s string) string {
	switch {
	case strings.HasPrefix(s, "$2"):
		return string(Bcrypt)
	case strings.HasPrefix(s, "$1$"), strings.HasPrefix(s, "$md5-crypt$"):
		return string(MD5Crypt)
	case strings.HasPrefix(s, "$5$"), strings.HasPrefix(s, "$sha256-crypt$"):
		return string(SHA256Crypt)
	case strings.HasPrefix(s, "$6$"), strings.HasPrefix(s, "$sha512-crypt$"):
		return string(SHA512Crypt)
	case strings.HasPrefix(s, "$argon2id$"), strings.HasPrefix(s, "argon2$argon2id$"):
		return string(Argon2id)
	case strings.HasPrefix(s, "$argon2i$"), strings.HasPrefix(s, "argon2$argon2i$"):
		return string(Argon2i)
	case strings.HasPrefix(s, "$argon2d$"):
		return string(Argon2d)
	case strings.HasPrefix(s, "$scrypt$"), strings.HasPrefix(s, "scrypt$"):
		return string(Scrypt)
	case strings.HasPrefix(s, "$firescrypt$"):
		return string(FirebaseScrypt)
	case strings.HasPrefix(s, "$pbkdf2$"), strings.HasPrefix(s, "pbkdf2_sha1$"):
		return "pbkdf2-sha1"
	case strings.HasPrefix(s, "pbkdf2_sha256$"):
		return "pbkdf2-sha256"
	case strings.HasPrefix(s, "$pbkdf2-"):
		if end := strings.IndexByte(s[8:], '$'); end >= 0 {
			if d, ok := parseDigest(s[8 : 8+end]); ok {
				return digestLabel("pbkdf2-", d)
			}
		}
	case strings.HasPrefix(s, "$hmac-"):
		if end := strings.IndexByte(s[6:], '$'); end >= 0 {
			if d, ok := parseDigest(s[6 : 6+end]); ok {
				return digestLabel("hmac-", d)
			}
		}
	case strings.HasPrefix(s, "bcrypt_sha256$"):
		return "bcrypt-sha256"
	case strings.HasPrefix(s, "bcrypt$"):
		return string(Bcrypt)
	case strings.HasPrefix(s, "{"):
		end := strings.IndexByte(s, '}')
		if end < 0 {
			return ""
		}
		if sc, ok := ldapSchemes[strings.ToUpper(s[1:end])]; ok {
			return string(sc.alg)
		}
	case strings.HasPrefix(s, "$sha1$"):
		return string(SHA1)
	case strings.HasPrefix(s, "$sha256$"):
		return string(SHA256)
	case strings.HasPrefix(s, "$sha512$"):
		return string(SHA512)
	case strings.HasPrefix(s, "$md5$"):
		return string(MD5)
	}
	return ""
}

// digestLabel returns prefix+d, as a constant for the common digests so
// that Label does not allocate.
func digestLabel(prefix string, d Digest) string {
	if prefix == "pbkdf2-" {
		switch d {
		case DigestSHA1:
			return "pbkdf2-sha1"
		case DigestSHA256:
			return "pbkdf2-sha256"
		case DigestSHA512:
			return "pbkdf2-sha512"
		}
	} else {
		switch d {
		case DigestMD5:
			return "hmac-md5"
		case DigestSHA1:
			return "hmac-sha1"
		case DigestSHA256:
			return "hmac-sha256"
		case DigestSHA512:
			return "hmac-sha512"
		}
	}
	return prefix + string(d)
}
