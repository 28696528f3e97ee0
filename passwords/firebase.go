package passwords

import (
	"encoding/base64"
	"fmt"
)

// FirebaseParams are a Firebase project's password hash parameters
// (console: Users → ⋮ → Password hash parameters; CLI: --hash-key,
// --salt-separator, --rounds, --mem-cost). They never appear in the export
// file, so they travel beside it.
type FirebaseParams struct {
	SignerKey     string // base64_signer_key
	SaltSeparator string // base64_salt_separator
	Rounds        int    // 1..8
	MemCost       int    // 1..14
}

// FromFirebase builds the Hash of one exported Firebase user from its
// passwordHash and salt (std or URL-safe base64, as in the export file and
// the REST API) and the project's parameters. An empty passwordHash (a user
// whose hash Firebase did not export) returns ErrMalformed.
func FromFirebase(passwordHash, salt string, p FirebaseParams) (Hash, error) {
	sum, _, ok := decodeB64(passwordHash)
	if !ok || len(sum) == 0 {
		return Hash{}, malformed("firebase", "passwordHash")
	}
	s, _, ok := decodeB64(salt)
	if !ok {
		return Hash{}, malformed("firebase", "salt")
	}
	key, _, ok := decodeB64(p.SignerKey)
	if !ok || len(key) == 0 {
		return Hash{}, malformed("firebase", "signer key")
	}
	sep, _, ok := decodeB64(p.SaltSeparator)
	if !ok {
		return Hash{}, malformed("firebase", "salt separator")
	}
	if p.MemCost < 1 || p.MemCost > 62 || p.Rounds < 1 {
		return Hash{}, malformed("firebase", "rounds or mem_cost")
	}
	return Hash{Algorithm: FirebaseScrypt, Format: FormatFirebase, N: 1 << p.MemCost, BlockSize: p.Rounds,
		Parallelism: 1, Salt: s, Sum: sum, Key: key, SaltSeparator: sep,
		SaltEncoding: BytesBase64, SumEncoding: BytesBase64}, nil
}

// ToFirebase returns the passwordHash and salt of a Firebase-scrypt hash as
// Firebase's export file writes them (std base64), with the project
// parameters the import needs. Firebase's import also takes other
// algorithms through CLI flags, but only its own scrypt can be carried in
// a user record; anything else returns ErrUnsupportedByTarget.
func ToFirebase(h Hash) (passwordHash, salt string, p FirebaseParams, err error) {
	if h.Algorithm != FirebaseScrypt || !utf8Password(h) || h.N < 2 || h.N&(h.N-1) != 0 {
		return "", "", FirebaseParams{}, fmt.Errorf("%w: firebase: %s", ErrUnsupportedByTarget, h.Name())
	}
	memCost := 0
	for n := h.N; n > 1; n >>= 1 {
		memCost++
	}
	b64 := base64.StdEncoding.EncodeToString
	return b64(h.Sum), b64(h.Salt), FirebaseParams{
		SignerKey: b64(h.Key), SaltSeparator: b64(h.SaltSeparator), Rounds: h.BlockSize, MemCost: memCost,
	}, nil
}
