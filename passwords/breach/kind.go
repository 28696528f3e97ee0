package breach

import (
	"crypto/sha1"
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/crypto/md4"
)

// Sentinel errors of the package.
var (
	// ErrKind: an unknown or mismatched hash kind.
	ErrKind = errors.New("breach: hash kind")
	// ErrFormat: an index file or an input line is not in the expected
	// format.
	ErrFormat = errors.New("breach: format")
	// ErrChecksum: an index file's checksum does not match its contents.
	ErrChecksum = errors.New("breach: checksum mismatch")
	// ErrUnavailable: the range API could not be reached or kept failing
	// after retries.
	ErrUnavailable = errors.New("breach: range API unavailable")
)

// Kind is the digest a corpus is keyed by.
type Kind uint8

// Kinds of the Have I Been Pwned corpus.
const (
	SHA1 Kind = 1 // SHA-1 of the UTF-8 password, 20 bytes
	NTLM Kind = 2 // MD4 of the UTF-16LE password (NT hash), 16 bytes
)

// ParseKind reads "sha1" or "ntlm".
func ParseKind(s string) (Kind, error) {
	switch s {
	case "sha1", "SHA1", "sha-1", "":
		return SHA1, nil
	case "ntlm", "NTLM":
		return NTLM, nil
	}
	return 0, fmt.Errorf("%w: %q is not sha1 or ntlm", ErrKind, s)
}

// String returns "sha1" or "ntlm".
func (k Kind) String() string {
	switch k {
	case SHA1:
		return "sha1"
	case NTLM:
		return "ntlm"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Size is the digest length in bytes.
func (k Kind) Size() int {
	switch k {
	case SHA1:
		return sha1.Size
	case NTLM:
		return md4.Size
	}
	return 0
}

// Sum hashes a UTF-8 password the way the corpus of kind k is keyed. It
// returns nil for an unknown kind.
func (k Kind) Sum(password []byte) []byte {
	switch k {
	case SHA1:
		s := sha1.Sum(password)
		return s[:]
	case NTLM:
		return ntHash(password)
	}
	return nil
}

// ntHash is MD4 over the UTF-16LE encoding of the password.
func ntHash(pw []byte) []byte {
	buf := make([]byte, 0, 2*len(pw))
	for len(pw) > 0 {
		r, n := utf8.DecodeRune(pw)
		pw = pw[n:]
		if r >= 0x10000 {
			a, b := utf16.EncodeRune(r)
			buf = append(buf, byte(a), byte(a>>8), byte(b), byte(b>>8))
			continue
		}
		buf = append(buf, byte(r), byte(r>>8))
	}
	h := md4.New()
	h.Write(buf)
	return h.Sum(nil)
}
