package passwords

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"strconv"
	"strings"
)

// crypt(3) schemes: md5-crypt ($1$, Poul-Henning Kamp) and SHA-crypt
// ($5$/$6$, Ulrich Drepper's specification). Neither is in
// golang.org/x/crypto, so they are implemented here and tested against the
// published glibc and FreeBSD vectors.

const (
	shaCryptDefaultRounds = 5000
	shaCryptMinRounds     = 1000
	shaCryptMaxRounds     = 999999999
	md5CryptRounds        = 1000
)

// parseCrypt parses "$1$salt$sum", "$5$[rounds=N$]salt$sum" and
// "$6$[rounds=N$]salt$sum".
func parseCrypt(s string) (Hash, error) {
	var h Hash
	h.Format = FormatMCF
	var rest string
	var sumLen int
	switch {
	case strings.HasPrefix(s, "$1$"):
		h.Algorithm, rest, sumLen = MD5Crypt, s[3:], 22
	case strings.HasPrefix(s, "$5$"):
		h.Algorithm, rest, sumLen = SHA256Crypt, s[3:], 43
	case strings.HasPrefix(s, "$6$"):
		h.Algorithm, rest, sumLen = SHA512Crypt, s[3:], 86
	default:
		return Hash{}, ErrUnknownFormat
	}
	name := string(h.Algorithm)
	if h.Algorithm != MD5Crypt && strings.HasPrefix(rest, "rounds=") {
		end := strings.IndexByte(rest, '$')
		if end < 0 {
			return Hash{}, malformed(name, "rounds")
		}
		n, ok := atoi(rest[len("rounds="):end])
		if !ok {
			return Hash{}, malformed(name, "rounds")
		}
		h.Iterations = n
		if h.Iterations == 0 {
			h.Iterations = shaCryptMinRounds // glibc clamps 0 up, as any value under the minimum
		}
		rest = rest[end+1:]
	}
	i := strings.LastIndexByte(rest, '$')
	if i < 0 {
		return Hash{}, malformed(name, "missing checksum")
	}
	salt, sum := rest[:i], rest[i+1:]
	maxSalt := 16
	if h.Algorithm == MD5Crypt {
		maxSalt = 8
	}
	if len(salt) > maxSalt || strings.IndexByte(salt, '$') >= 0 || strings.ContainsAny(salt, ":\n") {
		return Hash{}, malformed(name, "salt")
	}
	if len(sum) != sumLen || !inAlphabet(sum, cryptAlphabet) {
		return Hash{}, malformed(name, "checksum")
	}
	h.Salt = []byte(salt)
	h.Sum = []byte(sum)
	h.SaltEncoding = BytesText
	return h, nil
}

// formatCrypt writes the crypt(3) string of h.
func formatCrypt(h Hash) string {
	var b strings.Builder
	switch h.Algorithm {
	case MD5Crypt:
		b.WriteString("$1$")
	case SHA256Crypt:
		b.WriteString("$5$")
	case SHA512Crypt:
		b.WriteString("$6$")
	}
	if h.Algorithm != MD5Crypt && h.Iterations != 0 {
		b.WriteString("rounds=")
		b.WriteString(strconv.Itoa(h.Iterations))
		b.WriteByte('$')
	}
	b.Write(h.Salt)
	b.WriteByte('$')
	b.Write(h.Sum)
	return b.String()
}

// cryptSum computes the radix-64 checksum of pw under h's scheme, salt and
// rounds. The caller has checked the rounds against Limits.
func cryptSum(h Hash, pw []byte) []byte {
	switch h.Algorithm {
	case MD5Crypt:
		return md5Crypt(pw, h.Salt)
	case SHA256Crypt:
		return shaCrypt(sha256.New, sha256Perm[:], pw, h.Salt, h.Iterations)
	case SHA512Crypt:
		return shaCrypt(sha512.New, sha512Perm[:], pw, h.Salt, h.Iterations)
	}
	return nil
}

// md5Crypt is FreeBSD's md5-crypt.
func md5Crypt(pw, salt []byte) []byte {
	if len(salt) > 8 {
		salt = salt[:8]
	}
	alt := md5.New()
	alt.Write(pw)
	alt.Write(salt)
	alt.Write(pw)
	altSum := alt.Sum(nil)

	ctx := md5.New()
	ctx.Write(pw)
	ctx.Write([]byte("$1$"))
	ctx.Write(salt)
	for n := len(pw); n > 0; n -= 16 {
		ctx.Write(altSum[:min(n, 16)])
	}
	for i := len(pw); i != 0; i >>= 1 {
		if i&1 != 0 {
			ctx.Write([]byte{0})
		} else {
			ctx.Write(pw[:1])
		}
	}
	final := ctx.Sum(nil)

	h := md5.New()
	for i := 0; i < md5CryptRounds; i++ {
		h.Reset()
		if i&1 != 0 {
			h.Write(pw)
		} else {
			h.Write(final)
		}
		if i%3 != 0 {
			h.Write(salt)
		}
		if i%7 != 0 {
			h.Write(pw)
		}
		if i&1 != 0 {
			h.Write(final)
		} else {
			h.Write(pw)
		}
		final = h.Sum(final[:0])
	}
	out := make([]byte, 0, 22)
	for _, g := range md5Perm {
		out = b64From24(out, final[g[0]], final[g[1]], final[g[2]], 4)
	}
	return b64From24(out, 0, 0, final[11], 2)
}

// Byte orders of the final encodings (glibc's b64_from_24bit calls).
var (
	md5Perm    = [...][3]int{{0, 6, 12}, {1, 7, 13}, {2, 8, 14}, {3, 9, 15}, {4, 10, 5}}
	sha256Perm = [...][3]int{
		{0, 10, 20}, {21, 1, 11}, {12, 22, 2}, {3, 13, 23}, {24, 4, 14},
		{15, 25, 5}, {6, 16, 26}, {27, 7, 17}, {18, 28, 8}, {9, 19, 29},
	}
	sha512Perm = [...][3]int{
		{0, 21, 42}, {22, 43, 1}, {44, 2, 23}, {3, 24, 45}, {25, 46, 4},
		{47, 5, 26}, {6, 27, 48}, {28, 49, 7}, {50, 8, 29}, {9, 30, 51},
		{31, 52, 10}, {53, 11, 32}, {12, 33, 54}, {34, 55, 13}, {56, 14, 35},
		{15, 36, 57}, {37, 58, 16}, {59, 17, 38}, {18, 39, 60}, {40, 61, 19},
		{62, 20, 41},
	}
)

// b64From24 appends n radix-64 characters of the 24-bit group b2‖b1‖b0,
// least significant first.
func b64From24(out []byte, b2, b1, b0 byte, n int) []byte {
	w := uint(b2)<<16 | uint(b1)<<8 | uint(b0)
	for ; n > 0; n-- {
		out = append(out, cryptAlphabet[w&0x3f])
		w >>= 6
	}
	return out
}

// shaCrypt is Drepper's SHA-crypt for SHA-256 ($5$) and SHA-512 ($6$).
// rounds 0 means the default of 5000.
func shaCrypt(newHash func() hash.Hash, perm [][3]int, pw, salt []byte, rounds int) []byte {
	switch {
	case rounds == 0:
		rounds = shaCryptDefaultRounds
	case rounds < shaCryptMinRounds:
		rounds = shaCryptMinRounds
	case rounds > shaCryptMaxRounds:
		rounds = shaCryptMaxRounds
	}
	if len(salt) > 16 {
		salt = salt[:16]
	}
	b := newHash()
	size := b.Size()
	b.Write(pw)
	b.Write(salt)
	b.Write(pw)
	bSum := b.Sum(nil)

	a := newHash()
	a.Write(pw)
	a.Write(salt)
	n := len(pw)
	for ; n > size; n -= size {
		a.Write(bSum)
	}
	a.Write(bSum[:n])
	for n := len(pw); n > 0; n >>= 1 {
		if n&1 != 0 {
			a.Write(bSum)
		} else {
			a.Write(pw)
		}
	}
	aSum := a.Sum(nil)

	dp := newHash()
	for range len(pw) {
		dp.Write(pw)
	}
	p := repeatTo(dp.Sum(nil), len(pw))

	ds := newHash()
	for range 16 + int(aSum[0]) {
		ds.Write(salt)
	}
	s := repeatTo(ds.Sum(nil), len(salt))

	c := aSum
	h := newHash()
	for i := 0; i < rounds; i++ {
		h.Reset()
		if i&1 != 0 {
			h.Write(p)
		} else {
			h.Write(c)
		}
		if i%3 != 0 {
			h.Write(s)
		}
		if i%7 != 0 {
			h.Write(p)
		}
		if i&1 != 0 {
			h.Write(c)
		} else {
			h.Write(p)
		}
		c = h.Sum(c[:0])
	}

	out := make([]byte, 0, 86)
	for _, g := range perm {
		out = b64From24(out, c[g[0]], c[g[1]], c[g[2]], 4)
	}
	if size == 32 {
		return b64From24(out, 0, c[31], c[30], 3)
	}
	return b64From24(out, 0, 0, c[63], 2)
}

// repeatTo returns sum repeated to exactly n bytes.
func repeatTo(sum []byte, n int) []byte {
	out := make([]byte, 0, n)
	for len(out) < n {
		out = append(out, sum[:min(len(sum), n-len(out))]...)
	}
	return out
}
