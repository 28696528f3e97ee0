package passwords

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/scrypt"
)

// Verify reports whether password (UTF-8) matches h, within the default
// Limits. The comparison is constant-time. An error means the hash could not
// be checked (out of bounds, unsupported, malformed); it never means a wrong
// password.
func (h Hash) Verify(password []byte) (bool, error) {
	return h.VerifyWithin(password, Limits{})
}

// VerifyWithin is Verify with explicit limits. Parameters are checked
// against lim before any KDF runs.
func (h Hash) VerifyWithin(password []byte, lim Limits) (bool, error) {
	m, err := h.matcher(lim)
	if err != nil {
		return false, err
	}
	return m.match(password)
}

// matcher checks one candidate password against a hash. It keeps scratch
// state, so one matcher serves many candidates (Audit) without allocating
// per candidate for the fast hashes. It is not safe for concurrent use.
type matcher struct {
	h   Hash
	fn  func(pw []byte) ([]byte, error) // derives the value compared with want
	ff  fastFunc                        // fast digests and HMAC: no allocation
	buf []byte
	// want is the expected value in the form fn returns.
	want []byte
}

// fastFunc appends the digest of pw to dst.
type fastFunc func(dst, pw []byte) []byte

// match reports whether pw matches.
func (m *matcher) match(pw []byte) (bool, error) {
	pw = transcode(pw, m.h.PasswordEncoding)
	if m.ff != nil {
		m.buf = m.ff(m.buf[:0], pw)
		return subtle.ConstantTimeCompare(m.buf, m.want) == 1, nil
	}
	got, err := m.fn(pw)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, m.want) == 1, nil
}

// matcher validates h against lim and prepares its derivation.
func (h Hash) matcher(lim Limits) (*matcher, error) {
	if !validPasswordEncoding(h.PasswordEncoding) {
		return nil, fmt.Errorf("%w: %s: password encoding", ErrUnsupported, h.Name())
	}
	if err := h.CheckLimits(lim); err != nil {
		return nil, err
	}
	if len(h.Sum) == 0 {
		return nil, malformed(h.Name(), "empty hash value")
	}
	m := &matcher{h: h, want: h.Sum}
	name := h.Name()
	switch h.Algorithm {
	case Bcrypt:
		enc := []byte(formatBcrypt(h))
		prehash := h.Digest
		m.want = []byte{1}
		m.fn = func(pw []byte) ([]byte, error) {
			if prehash != "" {
				newH, err := prehash.New()
				if err != nil {
					return nil, err
				}
				d := newH()
				d.Write(pw)
				pw = []byte(hex.EncodeToString(d.Sum(nil)))
			}
			if len(pw) > 72 {
				pw = pw[:72] // bcrypt reads at most 72 bytes; hashes made elsewhere were truncated
			}
			err := bcrypt.CompareHashAndPassword(enc, pw)
			switch {
			case err == nil:
				return []byte{1}, nil
			case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
				return []byte{0}, nil
			}
			return nil, fmt.Errorf("%w: bcrypt: %v", ErrMalformed, err)
		}
	case Argon2id, Argon2i:
		if h.Version != 0x13 {
			return nil, fmt.Errorf("%w: %s: version %d (only 19 is implemented)", ErrUnsupported, name, h.Version)
		}
		t, mem, p, n, salt := uint32(h.Iterations), h.Memory, uint8(h.Parallelism), uint32(len(h.Sum)), h.Salt
		if h.Algorithm == Argon2id {
			m.fn = func(pw []byte) ([]byte, error) { return argon2.IDKey(pw, salt, t, mem, p, n), nil }
		} else {
			m.fn = func(pw []byte) ([]byte, error) { return argon2.Key(pw, salt, t, mem, p, n), nil }
		}
	case Argon2d:
		return nil, fmt.Errorf("%w: argon2d is not implemented by golang.org/x/crypto", ErrUnsupported)
	case PBKDF2:
		newH, err := h.Digest.New()
		if err != nil {
			return nil, err
		}
		if len(h.Sum) != h.keyLen() {
			return nil, malformed(name, "key length differs from hash")
		}
		iter, kl, salt := h.Iterations, h.keyLen(), h.Salt
		m.fn = func(pw []byte) ([]byte, error) {
			out, err := pbkdf2.Key(newH, string(pw), salt, iter, kl)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: %v", ErrUnsupported, name, err)
			}
			return out, nil
		}
	case Scrypt:
		if len(h.Sum) != h.keyLen() {
			return nil, malformed(name, "key length differs from hash")
		}
		n, r, p, kl, salt := h.N, h.BlockSize, h.Parallelism, h.keyLen(), h.Salt
		m.fn = func(pw []byte) ([]byte, error) {
			out, err := scrypt.Key(pw, salt, n, r, p, kl)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, name, err)
			}
			return out, nil
		}
	case FirebaseScrypt:
		m.fn = h.firebaseDerive
	case HMAC:
		newH, err := h.Digest.New()
		if err != nil {
			return nil, err
		}
		mac := hmac.New(newH, h.Key)
		salt, pos := h.Salt, h.SaltPosition
		m.ff = func(dst, pw []byte) []byte {
			mac.Reset()
			if pos != SaltSuffix {
				mac.Write(salt)
			}
			mac.Write(pw)
			if pos == SaltSuffix {
				mac.Write(salt)
			}
			return mac.Sum(dst)
		}
	case MD4, MD5, SHA1, SHA224, SHA256, SHA384, SHA512:
		d, _ := digestOf(h.Algorithm)
		newH, err := d.New()
		if err != nil {
			return nil, err
		}
		if len(h.Sum) != d.Size() {
			return nil, malformed(name, "digest length")
		}
		m.ff = saltedDigest(newH(), h)
	case MD5Crypt, SHA256Crypt, SHA512Crypt:
		m.fn = func(pw []byte) ([]byte, error) { return cryptSum(h, pw), nil }
	default:
		return nil, fmt.Errorf("%w: algorithm %q", ErrUnsupported, string(h.Algorithm))
	}
	return m, nil
}

// saltedDigest returns the fast function of a plain or salted digest,
// reusing d between calls.
func saltedDigest(d hash.Hash, h Hash) fastFunc {
	salt := h.Salt
	if h.Template != "" {
		pre, mid, post, saltFirst, ok := splitTemplate(h.Template)
		if ok {
			return func(dst, pw []byte) []byte {
				d.Reset()
				d.Write(pre)
				if saltFirst {
					d.Write(salt)
					d.Write(mid)
					d.Write(pw)
				} else {
					d.Write(pw)
					d.Write(mid)
					d.Write(salt)
				}
				d.Write(post)
				return d.Sum(dst)
			}
		}
		tpl := h.Template
		return func(dst, pw []byte) []byte {
			r := strings.NewReplacer("{SALT}", string(salt), "{PASSWORD}", string(pw))
			d.Reset()
			d.Write([]byte(r.Replace(tpl)))
			return d.Sum(dst)
		}
	}
	suffix := h.SaltPosition == SaltSuffix
	return func(dst, pw []byte) []byte {
		d.Reset()
		if !suffix {
			d.Write(salt)
		}
		d.Write(pw)
		if suffix {
			d.Write(salt)
		}
		return d.Sum(dst)
	}
}

// splitTemplate splits a Kratos salting template that holds exactly one
// {SALT} and one {PASSWORD} into the literal text around them.
func splitTemplate(tpl string) (pre, mid, post []byte, saltFirst, ok bool) {
	if strings.Count(tpl, "{SALT}") != 1 || strings.Count(tpl, "{PASSWORD}") != 1 {
		return nil, nil, nil, false, false
	}
	s, p := strings.Index(tpl, "{SALT}"), strings.Index(tpl, "{PASSWORD}")
	if s < p {
		return []byte(tpl[:s]), []byte(tpl[s+6 : p]), []byte(tpl[p+10:]), true, true
	}
	return []byte(tpl[:p]), []byte(tpl[p+10 : s]), []byte(tpl[s+6:]), false, true
}

// firebaseDerive computes Firebase's modified scrypt: the scrypt key of
// (password, salt‖separator) encrypts the signer key under AES-256-CTR with
// a zero IV.
func (h Hash) firebaseDerive(pw []byte) ([]byte, error) {
	salt := make([]byte, 0, len(h.Salt)+len(h.SaltSeparator))
	salt = append(append(salt, h.Salt...), h.SaltSeparator...)
	key, err := scrypt.Key(pw, salt, h.N, h.BlockSize, h.Parallelism, 32)
	if err != nil {
		return nil, fmt.Errorf("%w: firebase-scrypt: %v", ErrMalformed, err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: firebase-scrypt: %v", ErrMalformed, err)
	}
	out := make([]byte, len(h.Key))
	cipher.NewCTR(block, make([]byte, aes.BlockSize)).XORKeyStream(out, h.Key)
	return out, nil
}
