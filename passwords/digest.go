package passwords

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"fmt"
	"hash"
	"strings"

	"golang.org/x/crypto/md4"
	"golang.org/x/crypto/ripemd160" //nolint:staticcheck // legacy hashes need it
)

// New returns the constructor of d's hash function.
func (d Digest) New() (func() hash.Hash, error) {
	switch d {
	case DigestMD4:
		return md4.New, nil
	case DigestMD5:
		return md5.New, nil
	case DigestSHA1:
		return sha1.New, nil
	case DigestSHA224:
		return sha256.New224, nil
	case DigestSHA256:
		return sha256.New, nil
	case DigestSHA384:
		return sha512.New384, nil
	case DigestSHA512:
		return sha512.New, nil
	case DigestSHA3_224:
		return func() hash.Hash { return sha3.New224() }, nil
	case DigestSHA3_256:
		return func() hash.Hash { return sha3.New256() }, nil
	case DigestSHA3_384:
		return func() hash.Hash { return sha3.New384() }, nil
	case DigestSHA3_512:
		return func() hash.Hash { return sha3.New512() }, nil
	case DigestRIPEMD160:
		return ripemd160.New, nil
	}
	return nil, fmt.Errorf("%w: digest %q", ErrUnsupported, string(d))
}

// Size returns the digest's output length in bytes, 0 when unknown.
func (d Digest) Size() int {
	switch d {
	case DigestMD4, DigestMD5:
		return 16
	case DigestSHA1, DigestRIPEMD160:
		return 20
	case DigestSHA224, DigestSHA3_224:
		return 28
	case DigestSHA256, DigestSHA3_256:
		return 32
	case DigestSHA384, DigestSHA3_384:
		return 48
	case DigestSHA512, DigestSHA3_512:
		return 64
	}
	return 0
}

// parseDigest maps the digest names met in hash formats (OpenSSL's names
// included, as Auth0 accepts them) to a Digest.
func parseDigest(name string) (Digest, bool) {
	n := strings.ToLower(name)
	n = strings.TrimPrefix(n, "rsa-")
	n = strings.TrimSuffix(n, "withrsaencryption")
	switch n {
	case "md4":
		return DigestMD4, true
	case "md5", "ssl3-md5":
		return DigestMD5, true
	case "sha1", "sha-1", "ssl3-sha1", "sha1-2":
		return DigestSHA1, true
	case "sha224", "sha-224":
		return DigestSHA224, true
	case "sha256", "sha-256":
		return DigestSHA256, true
	case "sha384", "sha-384":
		return DigestSHA384, true
	case "sha512", "sha-512":
		return DigestSHA512, true
	case "sha3-224":
		return DigestSHA3_224, true
	case "sha3-256":
		return DigestSHA3_256, true
	case "sha3-384":
		return DigestSHA3_384, true
	case "sha3-512":
		return DigestSHA3_512, true
	case "ripemd160", "rmd160", "ripemd", "ripemd160withrsa":
		return DigestRIPEMD160, true
	}
	return "", false
}

// digestOf returns the Digest of a plain-digest algorithm.
func digestOf(a Algorithm) (Digest, bool) {
	switch a {
	case MD4:
		return DigestMD4, true
	case MD5:
		return DigestMD5, true
	case SHA1:
		return DigestSHA1, true
	case SHA224:
		return DigestSHA224, true
	case SHA256:
		return DigestSHA256, true
	case SHA384:
		return DigestSHA384, true
	case SHA512:
		return DigestSHA512, true
	}
	return "", false
}

// algorithmOf returns the plain-digest algorithm of d.
func algorithmOf(d Digest) (Algorithm, bool) {
	switch d {
	case DigestMD4:
		return MD4, true
	case DigestMD5:
		return MD5, true
	case DigestSHA1:
		return SHA1, true
	case DigestSHA224:
		return SHA224, true
	case DigestSHA256:
		return SHA256, true
	case DigestSHA384:
		return SHA384, true
	case DigestSHA512:
		return SHA512, true
	}
	return "", false
}
