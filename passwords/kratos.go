package passwords

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/bits"
	"strings"
)

// ParseKratos parses a hashed_password as Ory Kratos reads it (spec §3.2).
// It differs from Identify in one place: Kratos reads "$pbkdf2-sha224$" and
// "$pbkdf2-sha384$" as HMAC-SHA3-224/384, so those tags are taken as SHA-3
// here. Every other form is read as Identify reads it.
func ParseKratos(s string) (Hash, error) {
	s = strings.TrimSpace(s)
	if id := phcID(s); strings.HasPrefix(id, "pbkdf2-") {
		return parsePBKDF2PHC(s, true)
	}
	return Identify(s)
}

// parseKratosOwn parses the prefixes only Kratos uses. It returns
// ErrUnknownFormat for anything else.
func parseKratosOwn(s string) (Hash, error) {
	id := phcID(s)
	switch id {
	case "md5-crypt", "sha256-crypt", "sha512-crypt":
		short := map[string]string{"md5-crypt": "$1", "sha256-crypt": "$5", "sha512-crypt": "$6"}[id]
		h, err := parseCrypt(short + s[len(id)+1:])
		if err != nil {
			return Hash{}, err
		}
		h.Format = FormatKratos
		return h, nil
	case "sha1", "sha256", "sha512":
		return parseKratosSHA(s, Algorithm(id))
	case "md5":
		parts := strings.Split(s, "$")
		if len(parts) == 3 {
			sum, err := base64.StdEncoding.DecodeString(parts[2])
			if err != nil || len(sum) != 16 {
				return Hash{}, malformed("kratos md5", "hash")
			}
			return Hash{Algorithm: MD5, Format: FormatKratos, Sum: sum, SumEncoding: BytesBase64}, nil
		}
		return parseKratosSHA(s, MD5)
	case "firescrypt":
		return parseFirescrypt(s)
	}
	if fn, ok := strings.CutPrefix(id, "hmac-"); ok {
		return parseKratosHMAC(s, fn)
	}
	return Hash{}, ErrUnknownFormat
}

// parseKratosSHA reads "$<alg>$pf=<b64 template>$<b64 salt>$<b64 digest>".
func parseKratosSHA(s string, alg Algorithm) (Hash, error) {
	name := "kratos " + string(alg)
	parts := strings.Split(s, "$")
	if len(parts) != 5 || !strings.HasPrefix(parts[2], "pf=") {
		return Hash{}, malformed(name, "layout")
	}
	tpl, err := base64.StdEncoding.DecodeString(parts[2][3:])
	if err != nil || len(tpl) == 0 {
		return Hash{}, malformed(name, "pf")
	}
	salt, err := base64.StdEncoding.DecodeString(parts[3])
	if err != nil {
		return Hash{}, malformed(name, "salt")
	}
	sum, err := base64.StdEncoding.DecodeString(parts[4])
	d, _ := digestOf(alg)
	if err != nil || len(sum) != d.Size() {
		return Hash{}, malformed(name, "hash")
	}
	h := Hash{Algorithm: alg, Format: FormatKratos, Salt: salt, Sum: sum,
		SaltEncoding: BytesBase64, SumEncoding: BytesBase64}
	switch string(tpl) {
	case "{SALT}{PASSWORD}":
		h.SaltPosition = SaltPrefix
	case "{PASSWORD}{SALT}":
		h.SaltPosition = SaltSuffix
	case "{PASSWORD}":
		h.Salt = nil // the template does not use the salt
	default:
		if !strings.Contains(string(tpl), "{PASSWORD}") {
			return Hash{}, malformed(name, "pf without {PASSWORD}")
		}
		h.Template = string(tpl)
	}
	return h, nil
}

// parseKratosHMAC reads "$hmac-<fn>$<b64 of the hex MAC>$<b64 key>".
func parseKratosHMAC(s, fn string) (Hash, error) {
	d, ok := parseDigest(fn)
	if !ok || (d != DigestMD4 && d != DigestMD5 && d != DigestSHA1 && d != DigestSHA224 &&
		d != DigestSHA256 && d != DigestSHA384 && d != DigestSHA512) {
		return Hash{}, fmt.Errorf("%w: kratos hmac: function", ErrUnsupported)
	}
	parts := strings.Split(s, "$")
	if len(parts) != 4 {
		return Hash{}, malformed("kratos hmac", "layout")
	}
	hexMAC, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil {
		return Hash{}, malformed("kratos hmac", "hash")
	}
	sum, ok := decodeHex(string(hexMAC))
	if !ok || len(sum) != d.Size() {
		return Hash{}, malformed("kratos hmac", "hash")
	}
	key, err := base64.StdEncoding.DecodeString(parts[3])
	if err != nil || len(key) == 0 {
		return Hash{}, malformed("kratos hmac", "key")
	}
	return Hash{Algorithm: HMAC, Format: FormatKratos, Digest: d, Key: key, Sum: sum, SumEncoding: BytesHex}, nil
}

// parseFirescrypt reads
// "$firescrypt$ln=<mem_cost>,r=<rounds>,p=<p>$<salt>$<hash>$<separator>$<signer key>".
func parseFirescrypt(s string) (Hash, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 7 {
		return Hash{}, malformed("firescrypt", "layout")
	}
	params, ok := phcParams(parts[2])
	if !ok || len(params) != 3 {
		return Hash{}, malformed("firescrypt", "parameters")
	}
	ln, ok1 := atoi(params["ln"])
	r, ok2 := atoi(params["r"])
	p, ok3 := atoi(params["p"])
	if !ok1 || !ok2 || !ok3 || ln < 1 || ln > 62 {
		return Hash{}, malformed("firescrypt", "parameters")
	}
	var fields [4][]byte
	for i := range fields {
		b, err := base64.StdEncoding.DecodeString(parts[3+i])
		if err != nil {
			return Hash{}, malformed("firescrypt", []string{"salt", "hash", "salt separator", "signer key"}[i])
		}
		fields[i] = b
	}
	if len(fields[1]) == 0 || len(fields[3]) == 0 {
		return Hash{}, malformed("firescrypt", "hash or signer key")
	}
	return Hash{Algorithm: FirebaseScrypt, Format: FormatKratos, N: 1 << ln, BlockSize: r, Parallelism: p,
		Salt: fields[0], Sum: fields[1], SaltSeparator: fields[2], Key: fields[3],
		SaltEncoding: BytesBase64, SumEncoding: BytesBase64}, nil
}

// Kratos' parameter ceilings (hash_limits.go and hash_comparator.go): a
// hash above them imports but never verifies there.
const (
	kratosBcryptCost   = 15
	kratosScryptN      = 1 << 17
	kratosScryptR      = 8
	kratosScryptP      = 10
	kratosArgon2Memory = 1 << 20
	kratosArgon2Time   = 10
	kratosArgon2P      = 16
	kratosPBKDF2Iter   = 10_000_000
	kratosFireLN       = 17
)

// ToKratos writes h as a Kratos hashed_password. It returns
// ErrUnsupportedByTarget when Kratos cannot read the hash or would refuse
// its parameters.
func ToKratos(h Hash) (string, error) {
	unsupported := fmt.Errorf("%w: kratos: %s", ErrUnsupportedByTarget, h.Name())
	if !utf8Password(h) {
		return "", unsupported
	}
	b64 := base64.StdEncoding.EncodeToString
	raw := base64.RawStdEncoding.EncodeToString
	switch h.Algorithm {
	case Bcrypt:
		if h.Digest != "" || h.Cost > kratosBcryptCost {
			return "", unsupported
		}
		return ToMCF(h)
	case Argon2id, Argon2i:
		if h.Version != 0x13 || h.Memory > kratosArgon2Memory || h.Iterations > kratosArgon2Time || h.Parallelism > kratosArgon2P {
			return "", unsupported
		}
		return ToPHC(h)
	case PBKDF2:
		var tag string
		switch h.Digest {
		case DigestSHA1, DigestSHA256, DigestSHA512:
			tag = string(h.Digest)
		case DigestSHA3_224:
			tag = "sha224"
		case DigestSHA3_384:
			tag = "sha384"
		default:
			return "", unsupported
		}
		if h.Iterations > kratosPBKDF2Iter {
			return "", unsupported
		}
		return fmt.Sprintf("$pbkdf2-%s$i=%d,l=%d$%s$%s", tag, h.Iterations, len(h.Sum), raw(h.Salt), raw(h.Sum)), nil
	case Scrypt:
		if h.N > kratosScryptN || h.BlockSize > kratosScryptR || h.Parallelism > kratosScryptP || h.N < 2 {
			return "", unsupported
		}
		return fmt.Sprintf("$scrypt$ln=%d,r=%d,p=%d$%s$%s", h.N, h.BlockSize, h.Parallelism, b64(h.Salt), b64(h.Sum)), nil
	case FirebaseScrypt:
		ln := bits.TrailingZeros(uint(h.N))
		if h.N < 2 || bits.OnesCount(uint(h.N)) != 1 || ln > kratosFireLN {
			return "", unsupported
		}
		p := max(h.Parallelism, 1)
		return fmt.Sprintf("$firescrypt$ln=%d,r=%d,p=%d$%s$%s$%s$%s", ln, h.BlockSize, p,
			b64(h.Salt), b64(h.Sum), b64(h.SaltSeparator), b64(h.Key)), nil
	case MD5Crypt, SHA256Crypt, SHA512Crypt:
		if !validCryptSalt(h) {
			return "", unsupported
		}
		if h.Algorithm == MD5Crypt {
			return fmt.Sprintf("$md5-crypt$%s$%s", h.Salt, h.Sum), nil
		}
		rounds := h.Iterations
		if rounds == 0 {
			rounds = shaCryptDefaultRounds
		}
		return fmt.Sprintf("$%s$rounds=%d$%s$%s", h.Algorithm, rounds, h.Salt, h.Sum), nil
	case MD5, SHA1, SHA256, SHA512:
		if h.Algorithm == MD5 && len(h.Salt) == 0 && h.Template == "" {
			return "$md5$" + b64(h.Sum), nil
		}
		tpl := h.Template
		switch {
		case tpl != "":
		case h.SaltPosition == SaltSuffix:
			tpl = "{PASSWORD}{SALT}"
		case len(h.Salt) == 0:
			tpl = "{PASSWORD}"
		default:
			tpl = "{SALT}{PASSWORD}"
		}
		return fmt.Sprintf("$%s$pf=%s$%s$%s", h.Algorithm, b64([]byte(tpl)), b64(h.Salt), b64(h.Sum)), nil
	case HMAC:
		switch h.Digest {
		case DigestMD4, DigestMD5, DigestSHA1, DigestSHA224, DigestSHA256, DigestSHA384, DigestSHA512:
		default:
			return "", unsupported
		}
		if len(h.Salt) > 0 || len(h.Key) == 0 {
			return "", unsupported
		}
		return fmt.Sprintf("$hmac-%s$%s$%s", h.Digest, b64([]byte(hex.EncodeToString(h.Sum))), b64(h.Key)), nil
	}
	return "", unsupported
}
