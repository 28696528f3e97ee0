package passwords

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// cryptAlphabet is crypt(3)'s radix-64 alphabet.
const cryptAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// bcryptAlphabet is bcrypt's radix-64 alphabet.
const bcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// decodeB64 decodes std or URL-safe base64, padded or not, ignoring
// neither whitespace nor other characters. It returns the encoding it saw.
func decodeB64(s string) ([]byte, ByteEncoding, bool) {
	if strings.ContainsAny(s, "-_") {
		s = strings.NewReplacer("-", "+", "_", "/").Replace(s)
	}
	if strings.HasSuffix(s, "=") {
		b, err := base64.StdEncoding.DecodeString(s)
		return b, BytesBase64, err == nil
	}
	if len(s)%4 == 1 {
		return nil, "", false
	}
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return nil, "", false
	}
	if len(s)%4 == 0 {
		return b, BytesBase64, true
	}
	return b, BytesRawBase64, true
}

// decodeAB64 decodes passlib's "adapted base64": '.' for '+', no padding.
func decodeAB64(s string) ([]byte, bool) {
	b, _, ok := decodeB64(strings.ReplaceAll(s, ".", "+"))
	return b, ok
}

// encodeAB64 writes passlib's adapted base64.
func encodeAB64(b []byte) string {
	return strings.ReplaceAll(base64.RawStdEncoding.EncodeToString(b), "+", ".")
}

// decodeHex decodes hex in either case.
func decodeHex(s string) ([]byte, bool) {
	b, err := hex.DecodeString(s)
	return b, err == nil
}

// isHex reports whether s is non-empty hex of even length.
func isHex(s string) bool {
	if s == "" || len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// isDigits reports whether s is a non-empty run of ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// atoi parses a non-negative decimal of at most 10 digits, so that the
// result fits an int on every platform and a huge claimed cost is
// recognised without overflow.
func atoi(s string) (int, bool) {
	if !isDigits(s) || len(s) > 10 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// inAlphabet reports whether every byte of s is in alphabet.
func inAlphabet(s, alphabet string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(alphabet, s[i]) < 0 {
			return false
		}
	}
	return true
}

// transcode converts a UTF-8 password to the encoding it was hashed in. It
// returns the input itself for UTF-8, so the common case does not allocate.
func transcode(pw []byte, enc PasswordEncoding) []byte {
	switch enc {
	case "", EncodingUTF8:
		return pw
	case EncodingUTF16LE, EncodingUCS2:
		out := make([]byte, 0, 2*len(pw))
		for _, u := range utf16Units(pw) {
			out = append(out, byte(u), byte(u>>8))
		}
		return out
	case EncodingLatin1, EncodingBinary, EncodingASCII:
		units := utf16Units(pw)
		out := make([]byte, len(units))
		for i, u := range units {
			out[i] = byte(u)
		}
		return out
	}
	return pw
}

// utf16Units decodes UTF-8 (invalid bytes become U+FFFD, as in Node.js)
// and returns its UTF-16 code units.
func utf16Units(pw []byte) []uint16 {
	units := make([]uint16, 0, len(pw))
	for len(pw) > 0 {
		r, n := utf8.DecodeRune(pw)
		pw = pw[n:]
		if r >= 0x10000 {
			a, b := utf16.EncodeRune(r)
			units = append(units, uint16(a), uint16(b))
			continue
		}
		units = append(units, uint16(r))
	}
	return units
}

// validPasswordEncoding reports whether enc is one this package knows.
func validPasswordEncoding(enc PasswordEncoding) bool {
	switch enc {
	case "", EncodingUTF8, EncodingUTF16LE, EncodingUCS2, EncodingLatin1, EncodingBinary, EncodingASCII:
		return true
	}
	return false
}

// validUTF8 reports whether b is valid UTF-8.
func validUTF8(b []byte) bool { return utf8.Valid(b) }
