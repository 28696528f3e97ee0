package passwords

import (
	"encoding/base64"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// ParsePHC parses a PHC string: argon2 ($argon2id$v=19$m=…,t=…,p=…$salt$hash),
// PBKDF2 ($pbkdf2-sha256$i=…,l=…$salt$hash — also Auth0's and Kratos' form)
// and scrypt ($scrypt$ln=…,r=…,p=…$salt$hash). passlib's variants of these
// ids ($pbkdf2-sha256$<rounds>$<ab64>…) are read too.
func ParsePHC(s string) (Hash, error) {
	switch id := phcID(s); {
	case id == "argon2id" || id == "argon2i" || id == "argon2d":
		return parseArgon2(s)
	case id == "pbkdf2" || strings.HasPrefix(id, "pbkdf2-"):
		return parsePBKDF2PHC(s, false)
	case id == "scrypt":
		return parseScryptPHC(s)
	}
	return Hash{}, ErrUnknownFormat
}

// phcID returns the id of a "$id$…" string.
func phcID(s string) string {
	if !strings.HasPrefix(s, "$") {
		return ""
	}
	s = s[1:]
	if i := strings.IndexByte(s, '$'); i >= 0 {
		return s[:i]
	}
	return s
}

// phcParams splits "a=1,b=2" into a map, rejecting duplicates and empty
// names.
func phcParams(seg string) (map[string]string, bool) {
	out := make(map[string]string, 4)
	for _, kv := range strings.Split(seg, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, false
		}
		if _, dup := out[k]; dup {
			return nil, false
		}
		out[k] = v
	}
	return out, true
}

// phcB64 decodes a PHC B64 field; padding is tolerated on read.
func phcB64(s string) ([]byte, ByteEncoding, bool) {
	if s == "" {
		return []byte{}, BytesRawBase64, true
	}
	if strings.ContainsAny(s, "-_") {
		return nil, "", false
	}
	return decodeB64(s)
}

func parseArgon2(s string) (Hash, error) {
	parts := strings.Split(s, "$")
	alg := Algorithm(parts[1])
	name := string(alg)
	h := Hash{Algorithm: alg, Format: FormatPHC, Version: 0x10}
	rest := parts[2:]
	if len(rest) > 0 && strings.HasPrefix(rest[0], "v=") {
		v, ok := atoi(rest[0][2:])
		if !ok {
			return Hash{}, malformed(name, "version")
		}
		h.Version = v
		rest = rest[1:]
	}
	if len(rest) != 3 {
		return Hash{}, malformed(name, "layout")
	}
	params, ok := phcParams(rest[0])
	if !ok {
		return Hash{}, malformed(name, "parameters")
	}
	for k, v := range params {
		switch k {
		case "m":
			n, ok := atoi(v)
			if !ok || n > 1<<32-1 {
				return Hash{}, malformed(name, "m")
			}
			h.Memory = uint32(n)
		case "t":
			n, ok := atoi(v)
			if !ok {
				return Hash{}, malformed(name, "t")
			}
			h.Iterations = n
		case "p":
			n, ok := atoi(v)
			if !ok {
				return Hash{}, malformed(name, "p")
			}
			h.Parallelism = n
		case "keyid", "data":
			return Hash{}, fmt.Errorf("%w: %s: keyid and data are not implemented", ErrUnsupported, name)
		default:
			return Hash{}, malformed(name, "unknown parameter")
		}
	}
	if _, ok := params["m"]; !ok {
		return Hash{}, malformed(name, "missing m")
	}
	if _, ok := params["t"]; !ok {
		return Hash{}, malformed(name, "missing t")
	}
	if _, ok := params["p"]; !ok {
		return Hash{}, malformed(name, "missing p")
	}
	var ok1, ok2 bool
	h.Salt, h.SaltEncoding, ok1 = phcB64(rest[1])
	h.Sum, h.SumEncoding, ok2 = phcB64(rest[2])
	if !ok1 {
		return Hash{}, malformed(name, "salt")
	}
	if !ok2 || len(h.Sum) == 0 {
		return Hash{}, malformed(name, "hash")
	}
	return h, nil
}

// parsePBKDF2PHC reads "$pbkdf2-<digest>$i=N,l=N$salt$hash" and passlib's
// "$pbkdf2[-<digest>]$<rounds>$<ab64 salt>$<ab64 hash>". kratos reads the
// sha224/sha384 tags as SHA-3, as Ory Kratos does.
func parsePBKDF2PHC(s string, kratos bool) (Hash, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 5 {
		return Hash{}, malformed("pbkdf2", "layout")
	}
	h := Hash{Algorithm: PBKDF2, Format: FormatPHC, Digest: DigestSHA1}
	if tag, ok := strings.CutPrefix(parts[1], "pbkdf2-"); ok {
		d, ok := parseDigest(tag)
		if !ok {
			return Hash{}, fmt.Errorf("%w: pbkdf2: digest", ErrUnsupported)
		}
		h.Digest = d
		if kratos {
			switch d {
			case DigestSHA224:
				h.Digest = DigestSHA3_224
			case DigestSHA384:
				h.Digest = DigestSHA3_384
			}
			h.Format = FormatKratos
		}
	} else if parts[1] != "pbkdf2" {
		return Hash{}, malformed("pbkdf2", "id")
	}
	var ok1, ok2 bool
	if n, ok := atoi(parts[2]); ok {
		// passlib: rounds, ab64 salt and key (std b64 with '+' is read too).
		h.Format = FormatPasslib
		h.Iterations = n
		h.Salt, ok1 = decodeAB64(parts[3])
		h.Sum, ok2 = decodeAB64(parts[4])
		h.SaltEncoding, h.SumEncoding = BytesRawBase64, BytesRawBase64
	} else {
		params, ok := phcParams(parts[2])
		if !ok {
			return Hash{}, malformed("pbkdf2", "parameters")
		}
		for k, v := range params {
			n, ok := atoi(v)
			if !ok {
				return Hash{}, malformed("pbkdf2", "parameter "+k)
			}
			switch k {
			case "i":
				h.Iterations = n
			case "l":
				h.KeyLen = n
			default:
				return Hash{}, malformed("pbkdf2", "unknown parameter")
			}
		}
		if _, ok := params["i"]; !ok {
			return Hash{}, malformed("pbkdf2", "missing i")
		}
		h.Salt, h.SaltEncoding, ok1 = phcB64(parts[3])
		h.Sum, h.SumEncoding, ok2 = phcB64(parts[4])
	}
	if !ok1 {
		return Hash{}, malformed("pbkdf2", "salt")
	}
	if !ok2 || len(h.Sum) == 0 {
		return Hash{}, malformed("pbkdf2", "hash")
	}
	if h.KeyLen == len(h.Sum) {
		h.KeyLen = 0
	} else if h.KeyLen != 0 {
		return Hash{}, malformed("pbkdf2", "l differs from hash length")
	}
	return h, nil
}

// parseScryptPHC reads passlib's "$scrypt$ln=<log2 N>,r=,p=$salt$hash" (raw
// B64) and Kratos' "$scrypt$ln=<N>,r=,p=$salt$hash" (padded std-b64). An ln
// above 63 can only be N itself.
func parseScryptPHC(s string) (Hash, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 5 {
		return Hash{}, malformed("scrypt", "layout")
	}
	params, ok := phcParams(parts[2])
	if !ok {
		return Hash{}, malformed("scrypt", "parameters")
	}
	h := Hash{Algorithm: Scrypt, Format: FormatPHC}
	for _, k := range []string{"ln", "r", "p"} {
		v, ok := atoi(params[k])
		if !ok {
			return Hash{}, malformed("scrypt", "parameter "+k)
		}
		switch k {
		case "ln":
			if v > 63 {
				h.N = v
				h.Format = FormatKratos
			} else if v > 0 {
				h.N = 1 << v
			}
		case "r":
			h.BlockSize = v
		case "p":
			h.Parallelism = v
		}
	}
	if len(params) != 3 {
		return Hash{}, malformed("scrypt", "unknown parameter")
	}
	var ok1, ok2 bool
	h.Salt, h.SaltEncoding, ok1 = phcB64(parts[3])
	h.Sum, h.SumEncoding, ok2 = phcB64(parts[4])
	if !ok1 {
		return Hash{}, malformed("scrypt", "salt")
	}
	if !ok2 || len(h.Sum) == 0 {
		return Hash{}, malformed("scrypt", "hash")
	}
	if h.SumEncoding == BytesBase64 && strings.HasSuffix(parts[4], "=") {
		h.Format = FormatKratos
	}
	return h, nil
}

// phcDigestName is the PBKDF2 tag of d in PHC strings.
func phcDigestName(d Digest) (string, bool) {
	switch d {
	case DigestMD4, DigestMD5, DigestSHA1, DigestSHA224, DigestSHA256, DigestSHA384, DigestSHA512, DigestRIPEMD160:
		return string(d), true
	}
	return "", false
}

// ToPHC writes h as a PHC string: argon2, PBKDF2 (the i=,l= form Auth0 and
// Kratos read) and scrypt (ln = log2 N, as passlib and the PHC reference
// write it). Other algorithms return ErrUnsupportedByTarget.
func ToPHC(h Hash) (string, error) {
	b64 := base64.RawStdEncoding.EncodeToString
	switch h.Algorithm {
	case Argon2id, Argon2i, Argon2d:
		if h.Template != "" || len(h.Key) > 0 {
			break
		}
		v := ""
		if h.Version != 0x10 && h.Version != 0 {
			v = "$v=" + strconv.Itoa(h.Version)
		}
		return fmt.Sprintf("$%s%s$m=%d,t=%d,p=%d$%s$%s", h.Algorithm, v, h.Memory, h.Iterations, h.Parallelism,
			b64(h.Salt), b64(h.Sum)), nil
	case PBKDF2:
		tag, ok := phcDigestName(h.Digest)
		if !ok || !utf8Password(h) {
			break
		}
		return fmt.Sprintf("$pbkdf2-%s$i=%d,l=%d$%s$%s", tag, h.Iterations, len(h.Sum), b64(h.Salt), b64(h.Sum)), nil
	case Scrypt:
		if h.N < 2 || bits.OnesCount(uint(h.N)) != 1 || !utf8Password(h) {
			break
		}
		return fmt.Sprintf("$scrypt$ln=%d,r=%d,p=%d$%s$%s", bits.TrailingZeros(uint(h.N)), h.BlockSize, h.Parallelism,
			b64(h.Salt), b64(h.Sum)), nil
	}
	return "", fmt.Errorf("%w: phc: %s", ErrUnsupportedByTarget, h.Name())
}

// ToMCF writes h as a modular-crypt string: the crypt(3) string for bcrypt,
// md5-crypt and SHA-crypt, and the PHC string (itself MCF) for argon2,
// PBKDF2 and scrypt. Other algorithms return ErrUnsupportedByTarget.
func ToMCF(h Hash) (string, error) {
	switch h.Algorithm {
	case Bcrypt:
		if h.Digest == "" && validBcryptParts(h.Salt, h.Sum) && h.Cost >= 4 && h.Cost <= 31 {
			return formatBcrypt(h), nil
		}
	case MD5Crypt, SHA256Crypt, SHA512Crypt:
		if validCryptSalt(h) {
			return formatCrypt(h), nil
		}
	default:
		return ToPHC(h)
	}
	return "", fmt.Errorf("%w: mcf: %s", ErrUnsupportedByTarget, h.Name())
}

// validCryptSalt reports whether h's salt can be written into a crypt(3)
// string.
func validCryptSalt(h Hash) bool {
	maxSalt := 16
	if h.Algorithm == MD5Crypt {
		maxSalt = 8
	}
	return len(h.Salt) <= maxSalt && !strings.ContainsAny(string(h.Salt), "$:\n") && utf8Password(h)
}

// utf8Password reports whether h hashes the password as UTF-8, the only
// encoding string formats can express.
func utf8Password(h Hash) bool {
	return h.PasswordEncoding == "" || h.PasswordEncoding == EncodingUTF8
}
