// Package passwords is ferry's password-hash catalogue: it parses the stored
// password values of every common identity system into one Hash value,
// verifies a password against it in constant time with bounded cost, and
// converts it between provider representations. The breached-password
// corpus index and the range-API client live in the subpackage breach.
//
// # Parsing
//
// Identify reads any string form: bcrypt ($2a$ $2b$ $2y$), crypt(3)
// ($1$ $5$ $6$), PHC (argon2id/argon2i/argon2d, $pbkdf2-<digest>$i=,l=,
// $scrypt$ln=), passlib ($pbkdf2-sha256$<rounds>$<ab64>…, $scrypt$ln=<log2>),
// Django (pbkdf2_sha256$, argon2$, bcrypt$, bcrypt_sha256$, scrypt$, sha1$,
// md5$, bare hex MD5), RFC 2307 LDAP ({SHA} {SSHA} {SSHA256} {SSHA384}
// {SSHA512} {MD5} {SMD5} {CRYPT}), Ory Kratos' own prefixes ($md5-crypt$,
// $sha256-crypt$, $sha1$pf=, $md5$, $hmac-<fn>$, $firescrypt$), bare hex
// digests, and the JSON objects of Auth0, Okta and Keycloak, which it tells
// apart by their keys. The format-specific entry points are:
//
//	FromAuth0Custom(raw)          Auth0 custom_password_hash object
//	FromOkta(raw)                 Okta PasswordCredentialHash
//	FromKeycloak(raw)             Keycloak CredentialRepresentation (secretData and
//	                              credentialData double-encoded, or legacy fields)
//	FromFirebase(hash, salt, p)   Firebase export hash + salt + project FirebaseParams
//	FromClerk(hasher, digest)     Clerk password_digest + password_hasher
//	ParsePHC, ParseDjango, ParseLDAP
//	ParseKratos                   like Identify, but $pbkdf2-sha224/384$ mean SHA-3
//
// FromUser reads a profile.User's custom_password_hash or password_hash,
// and SetAuth0 writes a Hash back in Auth0's shape. Label names a stored
// string's algorithm from its prefix alone, without allocating, for
// per-algorithm counts on hot paths.
//
// A Hash holds the algorithm, cost parameters, raw salt, key and digest,
// the password encoding (Auth0's utf8|utf16le|ucs2|latin1|binary|ascii) and
// the source's byte encodings, so conversions can write values back alike.
//
// # Verifying
//
// Hash.Verify(password) checks a UTF-8 password, transcoded to the hash's
// password encoding, and compares with crypto/subtle. Before any KDF runs,
// the parameters are checked against Limits (zero value = defaults: argon2
// m ≤ 1 GiB, t ≤ 10, p ≤ 16; PBKDF2 ≤ 10,000,000 iterations; bcrypt cost ≤
// 31; scrypt N ≤ 2^20, r ≤ 32, p ≤ 16 and ≤ 1 GiB; Firebase mem_cost ≤ 14,
// rounds ≤ 8; SHA-crypt ≤ 10^7 rounds); a hash beyond them returns
// ErrParamsOutOfBounds in microseconds. Use VerifyWithin for other limits.
// KDFs come from golang.org/x/crypto (bcrypt, argon2, scrypt, md4) and the
// standard library (crypto/pbkdf2); md5-crypt and SHA-crypt are implemented
// here. argon2d and argon2 v1.0 parse but return ErrUnsupported on Verify.
//
// # Screening
//
// Classify sorts a hash into FastUnsalted (unsalted digests: NTLM and SHA-1
// can be looked up in a breach corpus directly, via Hash.BreachKey),
// FastSalted (salted digests, HMAC, LDAP SSHA: Audit tries the top-N common
// passwords within a time budget; an Auditor shares candidate digests across
// records) and Slow (bcrypt, argon2, scrypt, PBKDF2, crypt: unverifiable).
// Hash.Name gives the label for per-algorithm summaries ("pbkdf2-sha256",
// "ntlm", …).
//
// # Converting
//
//	ToAuth0(h)      → password_hash (bcrypt $2a$/$2b$ cost 10) or custom_password_hash JSON
//	ToPHC(h)        → $argon2…, $pbkdf2-<digest>$i=,l=…, $scrypt$ln=<log2 N>…
//	ToMCF(h)        → crypt(3)/bcrypt strings, and PHC for argon2/PBKDF2/scrypt
//	ToKeycloak(h)   → CredentialRepresentation JSON (PBKDF2 SHA-1/256/512, argon2)
//	ToOkta(h)       → PasswordCredentialHash JSON (bcrypt, salted SHA/MD5, PBKDF2 ≥ 4096)
//	ToKratos(h), ToDjango(h), ToLDAP(h), ToFirebase(h)
//
// A target that cannot hold a hash returns an error wrapping
// ErrUnsupportedByTarget; Code maps it to profile.CodeHashUnsupportedByTarget
// (and any other error of this package to profile.CodeFormat), so the
// pipeline reports the record and never empties the hash silently.
//
// # Privacy
//
// No error, result or log line of this package contains a password, a salt
// or a hash value: errors name the format and the part that failed.
package passwords
