package passwords

import (
	"errors"
	"fmt"

	"github.com/ferry-dev/ferry/profile"
)

// Sentinel errors. Callers test them with errors.Is; messages built on them
// name the operation and the position of the problem, never a hash or a
// password.
var (
	// ErrUnknownFormat: the text is not a hash format this package knows.
	ErrUnknownFormat = errors.New("unknown hash format")
	// ErrMalformed: the format was recognised but a part of it is invalid.
	ErrMalformed = errors.New("malformed hash")
	// ErrUnsupported: the hash is well formed but cannot be verified here
	// (argon2d, argon2 v1.0, DES crypt, a digest this package lacks).
	ErrUnsupported = errors.New("unsupported hash")
	// ErrParamsOutOfBounds: a cost parameter exceeds Limits, so the KDF is
	// not run.
	ErrParamsOutOfBounds = errors.New("hash parameters out of bounds")
	// ErrUnsupportedByTarget: the target representation cannot hold the
	// hash. The pipeline reports it as HASH_UNSUPPORTED_BY_TARGET.
	ErrUnsupportedByTarget = errors.New("hash unsupported by target")
	// ErrUnusable: the stored value marks an account without a usable
	// password (Django's "!…").
	ErrUnusable = errors.New("unusable password marker")
	// ErrNotAuditable: Audit was asked to try candidates against a slow hash.
	ErrNotAuditable = errors.New("hash not auditable")
)

// Algorithm names the function that derived a hash. The names are
// stable: summaries and reports group by them.
type Algorithm string

// Algorithms this package parses. Plain and salted digests use the digest's
// name as the algorithm (Auth0's convention); NTLM is MD4 over UTF-16LE.
const (
	Bcrypt         Algorithm = "bcrypt"
	Argon2id       Algorithm = "argon2id"
	Argon2i        Algorithm = "argon2i"
	Argon2d        Algorithm = "argon2d"
	PBKDF2         Algorithm = "pbkdf2"
	Scrypt         Algorithm = "scrypt"
	FirebaseScrypt Algorithm = "firebase-scrypt"
	HMAC           Algorithm = "hmac"
	MD5Crypt       Algorithm = "md5-crypt"
	SHA256Crypt    Algorithm = "sha256-crypt"
	SHA512Crypt    Algorithm = "sha512-crypt"
	MD4            Algorithm = "md4"
	MD5            Algorithm = "md5"
	SHA1           Algorithm = "sha1"
	SHA224         Algorithm = "sha224"
	SHA256         Algorithm = "sha256"
	SHA384         Algorithm = "sha384"
	SHA512         Algorithm = "sha512"
)

// Format names the representation a Hash was parsed from.
type Format string

// Formats this package reads.
const (
	FormatPHC      Format = "phc"      // $argon2id$…, $pbkdf2-sha256$i=…, $scrypt$ln=…
	FormatMCF      Format = "mcf"      // crypt(3): $1$ $5$ $6$ and bcrypt $2?$
	FormatPasslib  Format = "passlib"  // $pbkdf2-sha256$<rounds>$<ab64>…
	FormatDjango   Format = "django"   // pbkdf2_sha256$…, sha1$salt$hex, argon2$…
	FormatLDAP     Format = "ldap"     // RFC 2307 {SSHA}…
	FormatKratos   Format = "kratos"   // Ory Kratos' own prefixes ($firescrypt$, $sha1$pf=…)
	FormatAuth0    Format = "auth0"    // custom_password_hash object
	FormatOkta     Format = "okta"     // PasswordCredentialHash object
	FormatKeycloak Format = "keycloak" // CredentialRepresentation
	FormatFirebase Format = "firebase" // export hash + salt + project parameters
	FormatClerk    Format = "clerk"    // password_digest + password_hasher
	FormatHex      Format = "hex"      // a bare hex digest
)

// Digest names the hash function under PBKDF2, HMAC or a prehash.
type Digest string

// Digests this package can compute. SHA3_224 and SHA3_384 exist because
// Kratos reads "$pbkdf2-sha224$" and "$pbkdf2-sha384$" as SHA-3.
const (
	DigestMD4       Digest = "md4"
	DigestMD5       Digest = "md5"
	DigestSHA1      Digest = "sha1"
	DigestSHA224    Digest = "sha224"
	DigestSHA256    Digest = "sha256"
	DigestSHA384    Digest = "sha384"
	DigestSHA512    Digest = "sha512"
	DigestSHA3_224  Digest = "sha3-224"
	DigestSHA3_256  Digest = "sha3-256"
	DigestSHA3_384  Digest = "sha3-384"
	DigestSHA3_512  Digest = "sha3-512"
	DigestRIPEMD160 Digest = "ripemd160"
)

// SaltPosition says where a salted digest puts the salt.
type SaltPosition string

// Salt positions. Prefix means H(salt‖password), Auth0's default.
const (
	SaltPrefix SaltPosition = "prefix"
	SaltSuffix SaltPosition = "suffix"
)

// PasswordEncoding is the byte encoding the password had when it was
// hashed (Auth0's password.encoding). The typed password, given as UTF-8,
// is transcoded to it before hashing.
type PasswordEncoding string

// Password encodings of Auth0's schema. The zero value means UTF-8. Latin1,
// Binary and ASCII keep the low byte of each UTF-16 code unit, as Node.js
// does.
const (
	EncodingUTF8    PasswordEncoding = "utf8"
	EncodingUTF16LE PasswordEncoding = "utf16le"
	EncodingUCS2    PasswordEncoding = "ucs2"
	EncodingLatin1  PasswordEncoding = "latin1"
	EncodingBinary  PasswordEncoding = "binary"
	EncodingASCII   PasswordEncoding = "ascii"
)

// ByteEncoding names how a source wrote a binary value as text. It is kept
// as a hint so that conversions can write values back the same way.
type ByteEncoding string

// Byte encodings met in hash representations.
const (
	BytesHex       ByteEncoding = "hex"
	BytesBase64    ByteEncoding = "base64"     // std alphabet, padded
	BytesRawBase64 ByteEncoding = "raw-base64" // std alphabet, no padding (PHC B64)
	BytesText      ByteEncoding = "utf8"       // the bytes are the text itself
)

// Hash is one parsed password hash: its algorithm, cost parameters, salt and
// expected digest, and enough of its source encoding to write it back.
//
// Salt, Key, SaltSeparator and Sum hold raw bytes, except for bcrypt and the
// crypt(3) schemes: there Salt holds the salt text and Sum the radix-64
// checksum text, because those schemes consume and emit them as text.
type Hash struct {
	Algorithm Algorithm
	Format    Format
	// Digest is the PRF of PBKDF2, the hash of HMAC, or the prehash applied
	// before bcrypt (Django's bcrypt_sha256).
	Digest Digest
	// Variant is bcrypt's minor version ("2a", "2b", "2y") and empty
	// elsewhere.
	Variant string

	Cost        int    // bcrypt log2 rounds
	Iterations  int    // PBKDF2 iterations, argon2 t, crypt rounds (0: scheme default)
	Memory      uint32 // argon2 memory in KiB
	Parallelism int    // argon2 p, scrypt p
	Version     int    // argon2 version (19 = 0x13; 16 when absent)
	N           int    // scrypt CPU/memory cost; Firebase: 2^mem_cost
	BlockSize   int    // scrypt r; Firebase: rounds
	KeyLen      int    // derived key length; 0 means len(Sum)

	Salt         []byte
	SaltPosition SaltPosition
	// Template is Kratos' salting format ("{SALT}{PASSWORD}"), kept when
	// it is neither a plain prefix nor a plain suffix.
	Template string
	// Key is the HMAC key or Firebase's signer key.
	Key []byte
	// SaltSeparator is Firebase's project salt separator.
	SaltSeparator []byte
	Sum           []byte

	PasswordEncoding PasswordEncoding
	// SumEncoding and SaltEncoding record how the source wrote Sum and
	// Salt, so a conversion back can match.
	SumEncoding  ByteEncoding
	SaltEncoding ByteEncoding
}

// Class is how screening treats a hash.
type Class int

// Classes of hashes, from cheapest to verify to costliest.
const (
	// FastUnsalted hashes (unsalted SHA-1, NTLM, MD5, …) can be looked up in
	// a breach corpus directly, when the corpus holds that digest.
	FastUnsalted Class = iota + 1
	// FastSalted hashes (salted digests, HMAC, LDAP SSHA) can be audited
	// against a list of common passwords within a CPU budget.
	FastSalted
	// Slow hashes (bcrypt, argon2, scrypt, PBKDF2, crypt(3)) are counted as
	// unverifiable.
	Slow
)

// String returns "fast-unsalted", "fast-salted" or "slow".
func (c Class) String() string {
	switch c {
	case FastUnsalted:
		return "fast-unsalted"
	case FastSalted:
		return "fast-salted"
	case Slow:
		return "slow"
	}
	return "unknown"
}

// Classify sorts h into FastUnsalted, FastSalted or Slow.
func Classify(h Hash) Class {
	switch h.Algorithm {
	case MD4, MD5, SHA1, SHA224, SHA256, SHA384, SHA512:
		if len(h.Salt) == 0 && h.Template == "" {
			return FastUnsalted
		}
		return FastSalted
	case HMAC:
		return FastSalted
	}
	return Slow
}

// IsNTLM reports whether h is an NT hash: unsalted MD4 over UTF-16LE.
func (h Hash) IsNTLM() bool {
	return h.Algorithm == MD4 && len(h.Salt) == 0 && h.Template == "" &&
		(h.PasswordEncoding == EncodingUTF16LE || h.PasswordEncoding == EncodingUCS2)
}

// BreachKey returns the digest a breach corpus can be searched with
// directly: kind "sha1" for unsalted SHA-1 over UTF-8, "ntlm" for NT
// hashes. ok is false for every other hash.
func (h Hash) BreachKey() (kind string, sum []byte, ok bool) {
	switch {
	case h.IsNTLM() && len(h.Sum) == 16:
		return "ntlm", h.Sum, true
	case h.Algorithm == SHA1 && len(h.Salt) == 0 && h.Template == "" && len(h.Sum) == 20 &&
		(h.PasswordEncoding == "" || h.PasswordEncoding == EncodingUTF8):
		return "sha1", h.Sum, true
	}
	return "", nil, false
}

// Name is a label for summaries: the algorithm, refined by its digest
// ("pbkdf2-sha256", "hmac-sha1", "ntlm", "bcrypt-sha256").
func (h Hash) Name() string {
	switch {
	case h.IsNTLM():
		return "ntlm"
	case h.Algorithm == PBKDF2 || h.Algorithm == HMAC:
		return string(h.Algorithm) + "-" + string(h.Digest)
	case h.Algorithm == Bcrypt && h.Digest != "":
		return "bcrypt-" + string(h.Digest)
	}
	return string(h.Algorithm)
}

// keyLen is the derived key length the hash expects.
func (h Hash) keyLen() int {
	if h.KeyLen > 0 {
		return h.KeyLen
	}
	return len(h.Sum)
}

// malformed builds an ErrMalformed error naming the format and the part.
func malformed(format, part string) error {
	return fmt.Errorf("%w: %s: %s", ErrMalformed, format, part)
}

// Code maps an error of this package to the issue code a pipeline reports
// for the record: HASH_UNSUPPORTED_BY_TARGET for ErrUnsupportedByTarget,
// FORMAT for any other error, "" for nil.
func Code(err error) profile.Code {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrUnsupportedByTarget):
		return profile.CodeHashUnsupportedByTarget
	}
	return profile.CodeFormat
}
