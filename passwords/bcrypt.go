package passwords

import (
	"fmt"
	"strings"
)

// parseBcrypt parses "$2a$10$<22 salt><31 hash>" (and $2$, $2b$, $2x$, $2y$).
func parseBcrypt(s string) (Hash, error) {
	if !strings.HasPrefix(s, "$2") {
		return Hash{}, ErrUnknownFormat
	}
	parts := strings.Split(s, "$")
	// "", "2b", "10", "<53>"
	if len(parts) != 4 {
		return Hash{}, malformed("bcrypt", "layout")
	}
	switch parts[1] {
	case "2", "2a", "2b", "2x", "2y":
	default:
		return Hash{}, malformed("bcrypt", "version")
	}
	if len(parts[2]) != 2 || !isDigits(parts[2]) {
		return Hash{}, malformed("bcrypt", "cost")
	}
	cost, _ := atoi(parts[2])
	body := parts[3]
	if len(body) != 53 || !inAlphabet(body, bcryptAlphabet) {
		return Hash{}, malformed("bcrypt", "salt and hash")
	}
	return Hash{
		Algorithm:    Bcrypt,
		Format:       FormatMCF,
		Variant:      parts[1],
		Cost:         cost,
		Salt:         []byte(body[:22]),
		Sum:          []byte(body[22:]),
		SaltEncoding: BytesText,
		SumEncoding:  BytesText,
	}, nil
}

// formatBcrypt writes the MCF string of a bcrypt hash. It returns "" when
// a part cannot be written as bcrypt.
func formatBcrypt(h Hash) string {
	v := h.Variant
	if v == "" {
		v = "2b"
	}
	if h.Cost < 0 || h.Cost > 99 {
		return ""
	}
	return fmt.Sprintf("$%s$%02d$%s%s", v, h.Cost, h.Salt, h.Sum)
}

// validBcryptParts reports whether salt and sum have bcrypt's shape.
func validBcryptParts(salt, sum []byte) bool {
	return len(salt) == 22 && len(sum) == 31 &&
		inAlphabet(string(salt), bcryptAlphabet) && inAlphabet(string(sum), bcryptAlphabet)
}
