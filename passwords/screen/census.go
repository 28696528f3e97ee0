package screen

import (
	"context"
	"strings"

	"github.com/ferry-dev/ferry/passwords"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

// Labels UserLabel returns besides the algorithm names of passwords.Label
// and Hash.Name.
const (
	// LabelNone: the user holds no password, hash or plaintext.
	LabelNone = "none"
	// LabelPlaintext: the user holds a plaintext password of legacy input.
	LabelPlaintext = "plaintext"
	// LabelUnknown: the stored value is in no format the passwords package
	// reads.
	LabelUnknown = "unknown"
)

// UserLabel names the password u holds, for per-algorithm summaries: the
// algorithm of its custom_password_hash, else of its password_hash (as
// Hash.Name names them: "bcrypt", "pbkdf2-sha256", "ntlm", …), else
// LabelPlaintext for a plaintext password, else LabelNone. It reads the
// common forms from their prefix or a few JSON members without allocating,
// and parses the rest.
func UserLabel(u *profile.User) string {
	switch {
	case len(u.CustomPasswordHash) > 0:
		return customLabel(u)
	case u.PasswordHash != "":
		if l := passwords.Label(u.PasswordHash); l != "" {
			return l
		}
		h, err := passwords.Identify(u.PasswordHash)
		if err != nil {
			return LabelUnknown
		}
		return h.Name()
	case u.Password != "":
		return LabelPlaintext
	}
	return LabelNone
}

// customLabel names the algorithm of u's custom_password_hash from its
// algorithm member and, where that is not enough, from hash.value's prefix
// or hash.digest, as Hash.Name would; other objects are parsed. A label,
// not a verdict: screening parses custom hashes itself.
func customLabel(u *profile.User) string {
	raw := []byte(u.CustomPasswordHash)
	member := func(path string) []byte {
		v, _ := profile.RawAt(raw, path)
		return v
	}
	switch string(member(".algorithm")) {
	case `"md5"`:
		return string(passwords.MD5)
	case `"sha1"`:
		return string(passwords.SHA1)
	case `"sha256"`:
		return string(passwords.SHA256)
	case `"sha512"`:
		return string(passwords.SHA512)
	case `"bcrypt"`:
		return string(passwords.Bcrypt)
	case `"scrypt"`:
		return string(passwords.Scrypt)
	case `"md4"`:
		if member(".salt") != nil {
			return string(passwords.MD4)
		}
		switch string(member(".password.encoding")) {
		case `"utf16le"`, `"ucs2"`:
			return "ntlm"
		}
		return string(passwords.MD4)
	case `"hmac"`:
		switch string(member(".hash.digest")) {
		case `"md5"`:
			return "hmac-md5"
		case `"sha1"`:
			return "hmac-sha1"
		case `"sha256"`:
			return "hmac-sha256"
		case `"sha512"`:
			return "hmac-sha512"
		}
	case `"argon2"`, `"pbkdf2"`, `"ldap"`:
		if l := valueLabel(member(".hash.value")); l != "" {
			return l
		}
	}
	h, err := passwords.FromAuth0Custom(raw)
	if err != nil {
		return LabelUnknown
	}
	return h.Name()
}

// valueLabel names the algorithm of the JSON string v (a PHC or LDAP
// value) from its prefix, or returns "".
func valueLabel(v []byte) string {
	if len(v) < 2 || v[0] != '"' {
		return ""
	}
	s := v[1:]
	switch {
	case hasPrefix(s, "$argon2id$"):
		return string(passwords.Argon2id)
	case hasPrefix(s, "$argon2i$"):
		return string(passwords.Argon2i)
	case hasPrefix(s, "$argon2d$"):
		return string(passwords.Argon2d)
	case hasPrefix(s, "$pbkdf2-sha256$"):
		return "pbkdf2-sha256"
	case hasPrefix(s, "$pbkdf2-sha512$"):
		return "pbkdf2-sha512"
	case hasPrefix(s, "$pbkdf2-sha1$"):
		return "pbkdf2-sha1"
	case hasPrefix(s, "{SSHA}"), hasPrefix(s, "{SHA}"):
		return string(passwords.SHA1)
	case hasPrefix(s, "{SSHA256}"), hasPrefix(s, "{SHA256}"):
		return string(passwords.SHA256)
	case hasPrefix(s, "{SSHA512}"), hasPrefix(s, "{SHA512}"):
		return string(passwords.SHA512)
	case hasPrefix(s, "{SMD5}"), hasPrefix(s, "{MD5}"):
		return string(passwords.MD5)
	}
	return ""
}

func hasPrefix(b []byte, p string) bool {
	return len(b) >= len(p) && string(b[:len(p)]) == p
}

// CensusPrefix starts the names under which Count tallies a batch
// (Batch.Tally): "passwords.bcrypt", "passwords.none", ….
const CensusPrefix = "passwords."

// Count returns the stage that counts every record of a batch by the
// algorithm of its password (UserLabel) into b.Tally, under CensusPrefix.
// The runner adds a batch's tally to the run's counts once the batch is
// written, and checkpoints carry it: the census covers the committed
// batches of the whole job, as the run's read does (CensusFromTally reads
// it back). It changes no record. Place it first to count what the input
// holds.
func Count() pipeline.Stage {
	return func(ctx context.Context, b *pipeline.Batch) error {
		var t tally
		for i := range b.Records {
			t.add(UserLabel(&b.Records[i].User), 1)
		}
		if len(t.labels) == 0 {
			return nil
		}
		if b.Tally == nil {
			b.Tally = make(map[string]int64, len(t.labels))
		}
		for i, l := range t.labels {
			b.Tally[CensusPrefix+l] += t.counts[i]
		}
		return nil
	}
}

// CensusFromTally returns the census in a run's tally (Counts.Tally), by
// label.
func CensusFromTally(t map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for name, n := range t {
		if label, ok := strings.CutPrefix(name, CensusPrefix); ok {
			out[label] = n
		}
	}
	return out
}

// tally counts by label within one batch: a handful of labels, so a
// linear search beats a map and allocates only when a label is new.
type tally struct {
	labels []string
	counts []int64
}

func (t *tally) add(label string, n int64) {
	for i, l := range t.labels {
		if l == label {
			t.counts[i] += n
			return
		}
	}
	t.labels = append(t.labels, label)
	t.counts = append(t.counts, n)
}
