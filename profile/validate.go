package profile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of Auth0's import schema that are not configurable (spec §1).
const (
	maxEmailBytes      = 254 // whole address, RFC 5321
	maxEmailLocalBytes = 64  // local part, RFC 5321
	maxDomainLabel     = 63
	maxGivenName       = 150 // given_name and family_name, code points
	maxUserID          = 255 // code points
	maxPasswordBytes   = 72
	maxMFAFactors      = 10
)

// Defaults of ValidateOptions.
const (
	defaultUsernameMin      = 1
	defaultUsernameMax      = 128
	defaultNameMax          = 300
	defaultNicknameMax      = 300
	defaultMaxMetadataBytes = 16 << 20
)

// ValidateOptions tunes Validate. The zero value checks a record against
// Auth0's bulk-import schema for a connection that requires an email.
type ValidateOptions struct {
	// Require names the identifier the target connection requires on every
	// user (Auth0's flexible identifiers): "email" (the default), "username"
	// or "phone_number" (see Identifiers). The other two identifiers are
	// optional, but checked when present. ValidateOptions.Validate refuses
	// any other value; Validate, which cannot fail, takes it as "email".
	Require string

	// UsernameMin and UsernameMax bound the length of username (default
	// 1 and 128, the Management API's limits; a database connection's own
	// default is 1–15, so set them to match the target connection).
	UsernameMin, UsernameMax int

	// NameMax and NicknameMax bound name and nickname, in code points.
	// Auth0's prose docs say 150 and 350, its OpenAPI schema 300 and 300
	// (spec §10). The default is the OpenAPI's 300 for both, because that is
	// the contract the Management API enforces; set NameMax to 150 to be
	// safe under both readings.
	NameMax, NicknameMax int

	// MaxMetadataBytes bounds the JSON text of app_metadata plus
	// user_metadata together (default 16 MiB, the total an older Auth0 doc
	// gives). A negative value disables the check.
	MaxMetadataBytes int

	// CheckPassword checks a plaintext password of legacy input against
	// Auth0's rules for passwords: 1–72 bytes of printable ASCII (33–126).
	CheckPassword bool

	// Strict reports every attribute outside Auth0's import schema
	// (User.Extra) as ADDITIONAL_PROPERTY, as the schema's
	// additionalProperties:false does; a name holding '@' (an address used
	// as a key) is given as {N}, N its index in Extra. Without Strict they
	// are allowed, and writers keep them where they can. The read-only
	// export attributes (created_at, logins_count, identities, …) are
	// User fields, not Extra, and are not reported: writers of Auth0 import
	// files drop them.
	Strict bool
}

// ErrOptions is returned for ValidateOptions that cannot work.
var ErrOptions = errors.New("invalid validation options")

// Identifiers returns the identifiers ValidateOptions.Require accepts, the
// default first.
func Identifiers() []string { return []string{"email", "username", "phone_number"} }

// Validate reports options that cannot work: a Require that is not one of
// Identifiers (the empty string is the default, "email").
func (o ValidateOptions) Validate() error {
	if o.Require == "" || slices.Contains(Identifiers(), o.Require) {
		return nil
	}
	return fmt.Errorf("%w: require must be email, username or phone_number, not %q", ErrOptions, o.Require)
}

func (o ValidateOptions) withDefaults() ValidateOptions {
	switch o.Require {
	case "username", "phone_number":
	default:
		o.Require = "email"
	}
	if o.UsernameMin <= 0 {
		o.UsernameMin = defaultUsernameMin
	}
	if o.UsernameMax <= 0 {
		o.UsernameMax = defaultUsernameMax
	}
	if o.NameMax <= 0 {
		o.NameMax = defaultNameMax
	}
	if o.NicknameMax <= 0 {
		o.NicknameMax = defaultNicknameMax
	}
	if o.MaxMetadataBytes == 0 {
		o.MaxMetadataBytes = defaultMaxMetadataBytes
	}
	return o
}

// Validate checks u against Auth0's bulk-import schema and rules (spec §1
// and §2) and returns every issue it finds, in the order of RootFields; nil
// means the record is valid. Each issue carries an Auth0-style code and the
// JSON path of the offending attribute; its message names the rule, never
// the value.
//
// Lengths are counted in Unicode code points, as JSON Schema counts them,
// except where Auth0 or the RFCs speak of bytes: the email address
// (RFC 5321 octets) and the plaintext password (72 bytes, bcrypt's input
// limit).
//
// Choices where the schema is silent:
//   - password_hash and custom_password_hash together are a CONFLICT
//     (reported at custom_password_hash), the code Auth0 uses for a clash
//     between values; NOT_PASSED would name the schema mechanism, not the
//     problem.
//   - password_hash takes bcrypt $2a$ and $2b$ only, as the schema says;
//     a $2y$ hash (the same algorithm) belongs in custom_password_hash.
//   - Inside custom_password_hash an unknown key, or a salt where the
//     algorithm embeds its own, is ADDITIONAL_PROPERTY even outside strict
//     mode, because Auth0 rejects the hash; a scrypt cost that is not a
//     power of 2 is ENUM_MISMATCH (the set of powers of 2 is an enum).
//   - A metadata key holding '.' or '$' is reported by position, as
//     `user_metadata.prefs{2}` (the third key of prefs), because such keys
//     are often data (emails, domains); plain keys are named as they are.
//
// A User cannot tell an empty string from an absent one, so decoders report
// present-but-empty values themselves, with EmptyValue.
func Validate(u *User, opts ValidateOptions) Issues {
	if u == nil {
		u = new(User)
	}
	o := opts.withDefaults()
	var is Issues

	if u.UserID != "" {
		switch {
		case runesOver(u.UserID, maxUserID):
			is.Add(CodeMaxLength, "user_id", "longer than 255 characters")
		case hasJSSpace(u.UserID):
			is.Add(CodePattern, "user_id", "contains whitespace")
		}
	}

	if u.Email != "" {
		if code, msg := emailIssue(u.Email); code != "" {
			is.Add(code, "email", msg)
		}
	} else if o.Require == "email" {
		is.Add(CodeRequired, "email", "missing")
	}

	if u.PhoneNumber != "" {
		if !isE164(u.PhoneNumber) {
			is.Add(CodePattern, "phone_number", "not in E.164 format (+ and 1 to 15 digits)")
		}
	} else if o.Require == "phone_number" {
		is.Add(CodeRequired, "phone_number", "missing")
	}

	if u.Username != "" {
		if code, msg := usernameIssue(u.Username, o.UsernameMin, o.UsernameMax); code != "" {
			is.Add(code, "username", msg)
		}
	} else if o.Require == "username" {
		is.Add(CodeRequired, "username", "missing")
	}

	if runesOver(u.GivenName, maxGivenName) {
		is.Add(CodeMaxLength, "given_name", "longer than 150 characters")
	}
	if runesOver(u.FamilyName, maxGivenName) {
		is.Add(CodeMaxLength, "family_name", "longer than 150 characters")
	}
	if runesOver(u.Name, o.NameMax) {
		is.Add(CodeMaxLength, "name", longerThan(o.NameMax, "characters"))
	}
	if runesOver(u.Nickname, o.NicknameMax) {
		is.Add(CodeMaxLength, "nickname", longerThan(o.NicknameMax, "characters"))
	}
	if u.Picture != "" {
		if msg := urlIssue(u.Picture); msg != "" {
			is.Add(CodeFormat, "picture", msg)
		}
	}

	for i := range u.Identities {
		id := &u.Identities[i]
		if id.Connection == "" {
			is.Add(CodeRequired, indexPath("identities", i, ".connection"), "missing")
		}
		if id.Provider == "" {
			is.Add(CodeRequired, indexPath("identities", i, ".provider"), "missing")
		}
		if id.UserID == "" {
			is.Add(CodeRequired, indexPath("identities", i, ".user_id"), "missing")
		}
	}

	if u.AppMetadata != nil {
		checkMetadata(u.AppMetadata, "app_metadata", true, &is)
	}
	if u.UserMetadata != nil {
		checkMetadata(u.UserMetadata, "user_metadata", false, &is)
	}
	if total := len(u.AppMetadata) + len(u.UserMetadata); o.MaxMetadataBytes > 0 && total > o.MaxMetadataBytes {
		path := "user_metadata"
		if len(u.AppMetadata) > len(u.UserMetadata) {
			path = "app_metadata"
		}
		is.Add(CodeMaximum, path, "metadata larger than "+strconv.Itoa(o.MaxMetadataBytes)+" bytes in total")
	}

	if u.PasswordHash != "" {
		if msg := bcryptIssue(u.PasswordHash, false); msg != "" {
			is.Add(CodePattern, "password_hash", msg)
		}
	}
	if u.CustomPasswordHash != nil {
		if u.PasswordHash != "" {
			is.Add(CodeConflict, "custom_password_hash", "password_hash and custom_password_hash are mutually exclusive")
		}
		checkCustomHash(u.CustomPasswordHash, &is)
	}

	if u.MFAFactors != nil {
		checkMFA(u.MFAFactors, &is)
	}

	if o.CheckPassword && u.Password != "" {
		if len(u.Password) > maxPasswordBytes {
			is.Add(CodeMaxLength, "password", "longer than 72 bytes")
		}
		for i := 0; i < len(u.Password); i++ {
			if c := u.Password[i]; c < 33 || c > 126 {
				is.Add(CodePattern, "password", "has a character outside printable ascii (33–126)")
				break
			}
		}
	}

	if o.Strict {
		for i, a := range u.Extra {
			path := a.Key
			if path == "" || strings.IndexByte(path, '@') >= 0 {
				path = "{" + strconv.Itoa(i) + "}"
			}
			is.Add(CodeAdditionalProperty, path, "not in the import schema")
		}
	}
	return is
}

// EmptyValue returns the issue for a root attribute that was present in the
// input with an empty string value, and false when an empty value is fine
// there. A User cannot tell empty from absent, so decoders that can (JSON
// has "given_name": "", a CSV cell does not) call it and keep the issue
// with the record.
func EmptyValue(path string) (Issue, bool) {
	switch path {
	case "email":
		return Issue{Code: CodeFormat, Path: path, Message: "empty"}, true
	case "phone_number":
		return Issue{Code: CodePattern, Path: path, Message: "empty"}, true
	case "username", "given_name", "family_name", "name", "nickname", "password":
		return Issue{Code: CodeMinLength, Path: path, Message: "empty"}, true
	case "picture":
		return Issue{Code: CodeFormat, Path: path, Message: "empty"}, true
	case "password_hash":
		return Issue{Code: CodePattern, Path: path, Message: "empty"}, true
	}
	return Issue{}, false
}

// longerThan formats a length message; only called on the error path.
func longerThan(n int, unit string) string {
	return "longer than " + strconv.Itoa(n) + " " + unit
}

// indexPath formats base[i]suffix; only called on the error path.
func indexPath(base string, i int, suffix string) string {
	return base + "[" + strconv.Itoa(i) + "]" + suffix
}

// runesOver reports whether s has more than max code points. It counts
// only when the byte length could exceed max, so short strings cost nothing.
func runesOver(s string, max int) bool {
	if len(s) <= max {
		return false
	}
	return utf8.RuneCountInString(s) > max
}

// hasJSSpace reports whether s holds a character that ECMAScript's \s
// matches, as in the OpenAPI pattern ^\S*$ for user_id.
func hasJSSpace(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case ' ', '\t', '\n', '\v', '\f', '\r':
				return true
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == 0xFEFF || r == 0x2028 || r == 0x2029 || unicode.Is(unicode.Zs, r) {
			return true
		}
		i += n
	}
	return false
}

// isE164 matches ^\+[0-9]{1,15}$.
func isE164(s string) bool {
	if len(s) < 2 || len(s) > 16 || s[0] != '+' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isBase32Upper matches ^[A-Z2-7]+$ (a TOTP secret).
func isBase32Upper(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// Character sets as bitmaps: bit c of lo for c < 64, bit c-64 of hi for
// 64 <= c < 128. Constants, so the checks need no tables in memory.
const (
	setDigits = (1<<10 - 1) << '0'
	setUpper  = (1<<26 - 1) << ('A' - 64)
	setLower  = (1<<26 - 1) << ('a' - 64)

	// RFC 5322 atext.
	atextLo uint64 = setDigits | 1<<'!' | 1<<'#' | 1<<'$' | 1<<'%' | 1<<'&' | 1<<'\'' |
		1<<'*' | 1<<'+' | 1<<'-' | 1<<'/' | 1<<'=' | 1<<'?'
	atextHi uint64 = setUpper | setLower | 1<<('^'-64) | 1<<('_'-64) | 1<<('`'-64) |
		1<<('{'-64) | 1<<('|'-64) | 1<<('}'-64) | 1<<('~'-64)

	// Auth0 usernames: unaccented letters, digits and @ ` ^ $ ! - # . + ' ~ _.
	userLo uint64 = setDigits | 1<<'!' | 1<<'#' | 1<<'$' | 1<<'\'' | 1<<'+' | 1<<'-' | 1<<'.'
	userHi uint64 = setUpper | setLower | 1<<('@'-64) | 1<<('^'-64) | 1<<('_'-64) |
		1<<('`'-64) | 1<<('~'-64)

	// RFC 3986 unreserved, reserved and '%'.
	uriLo uint64 = setDigits | 1<<'!' | 1<<'#' | 1<<'$' | 1<<'%' | 1<<'&' | 1<<'\'' |
		1<<'(' | 1<<')' | 1<<'*' | 1<<'+' | 1<<',' | 1<<'-' | 1<<'.' | 1<<'/' |
		1<<':' | 1<<';' | 1<<'=' | 1<<'?'
	uriHi uint64 = setUpper | setLower | 1<<('@'-64) | 1<<('['-64) | 1<<(']'-64) |
		1<<('_'-64) | 1<<('~'-64)

	// RFC 3986 reg-name: unreserved, sub-delims and '%'.
	hostLo uint64 = setDigits | 1<<'!' | 1<<'$' | 1<<'%' | 1<<'&' | 1<<'\'' |
		1<<'(' | 1<<')' | 1<<'*' | 1<<'+' | 1<<',' | 1<<'-' | 1<<'.' | 1<<';' | 1<<'='
	hostHi uint64 = setUpper | setLower | 1<<('_'-64) | 1<<('~'-64)
)

// uriPlain marks with 'x' the ASCII bytes a URL may hold as they are
// (RFC 3986 unreserved and reserved characters; '%' is handled apart).
// Rows of 32 from 0x00. TestURIPlainMatchesSets checks it against the
// bitmaps above.
const uriPlain = "" +
	"................................" + // 0x00 controls
	".x.xx.xxxxxxxxxxxxxxxxxxxxxx.x.x" + // 0x20 space !"#$%&'()*+,-./0-9:;<=>?
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxx.x.x" + // 0x40 @A-Z[\]^_
	".xxxxxxxxxxxxxxxxxxxxxxxxxx...x." //   0x60 `a-z{|}~ DEL

// inByteSet reports whether the ASCII byte c is in the set (lo, hi).
func inByteSet(c byte, lo, hi uint64) bool {
	m := lo
	if c >= 64 {
		m = hi
	}
	return c < 128 && m&(1<<(c&63)) != 0
}

// emailIssue checks an address the way Auth0's "format: email" and
// RFC 5321 do: local@domain with a dot-atom local part of at most 64 bytes
// (UTF-8 allowed, RFC 6531), a domain of two or more labels of letters,
// digits and inner hyphens (IDN labels as UTF-8 letters, digits and marks)
// whose top-level label is not numeric, and at most 254 bytes in all.
// Quoted local parts and address literals ([192.0.2.1]) are refused: they
// are legal in RFC 5321 but no identity provider accepts them. The code is
// "" when the address is fine.
func emailIssue(s string) (Code, string) {
	if len(s) > maxEmailBytes {
		return CodeMaxLength, "longer than 254 bytes"
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return CodeFormat, "not an email address: no @"
	}
	if msg := localPartIssue(s[:at]); msg != "" {
		return CodeFormat, msg
	}
	if msg := domainIssue(s[at+1:]); msg != "" {
		return CodeFormat, msg
	}
	return "", ""
}

func localPartIssue(s string) string {
	switch {
	case s == "":
		return "empty local part"
	case len(s) > maxEmailLocalBytes:
		return "local part longer than 64 bytes"
	case s[0] == '.' || s[len(s)-1] == '.':
		return "local part starts or ends with a dot"
	}
	prevDot := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '.':
				if prevDot {
					return "local part has consecutive dots"
				}
				prevDot = true
			case inByteSet(c, atextLo, atextHi):
				prevDot = false
			default:
				return "local part has a space or a character outside the allowed set"
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || !unicode.IsGraphic(r) || unicode.IsSpace(r) {
			return "local part has a space or a character outside the allowed set"
		}
		prevDot = false
		i += n
	}
	return ""
}

func domainIssue(s string) string {
	if s == "" {
		return "empty domain"
	}
	labels := 0
	for {
		dot := strings.IndexByte(s, '.')
		label := s
		if dot >= 0 {
			label = s[:dot]
		}
		if msg := labelIssue(label); msg != "" {
			return msg
		}
		labels++
		if dot < 0 {
			break
		}
		s = s[dot+1:]
	}
	if labels < 2 {
		return "domain has no dot"
	}
	// s is the top-level label now.
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return ""
		}
	}
	return "top-level domain is numeric"
}

func labelIssue(l string) string {
	if l == "" {
		return "domain has an empty label"
	}
	if l[0] == '-' || l[len(l)-1] == '-' {
		return "domain label starts or ends with a hyphen"
	}
	ascii := true
	for i := 0; i < len(l); {
		c := l[i]
		if c < utf8.RuneSelf {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return "domain has a character outside letters, digits and hyphens"
			}
			i++
			continue
		}
		ascii = false
		r, n := utf8.DecodeRuneInString(l[i:])
		if r == utf8.RuneError && n == 1 || !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)) {
			return "domain has a character outside letters, digits and hyphens"
		}
		i += n
	}
	// An internationalized label is limited after Punycode encoding; its
	// code point count is a close, conservative-enough stand-in.
	if ascii && len(l) > maxDomainLabel || !ascii && utf8.RuneCountInString(l) > maxDomainLabel {
		return "domain label longer than 63 characters"
	}
	return ""
}

// usernameIssue checks length, charset and "not an email address".
func usernameIssue(s string, min, max int) (Code, string) {
	if runesOver(s, max) {
		return CodeMaxLength, longerThan(max, "characters")
	}
	if min > 1 && utf8.RuneCountInString(s) < min {
		return CodeMinLength, "shorter than " + strconv.Itoa(min) + " characters"
	}
	for i := 0; i < len(s); i++ {
		if !inByteSet(s[i], userLo, userHi) {
			return CodePattern, "has a character outside unaccented letters, digits and @`^$!-#.+'~_"
		}
	}
	if strings.IndexByte(s, '@') >= 0 {
		if code, _ := emailIssue(s); code == "" {
			return CodeFormat, "must not be an email address"
		}
	}
	return "", ""
}

// urlIssue checks for an absolute http or https URL: scheme, a non-empty
// host, a numeric port if any, well-formed percent-escapes and no spaces,
// controls or characters RFC 3986 excludes (non-ASCII letters are allowed,
// as in an IRI). It returns "" when the URL is fine.
func urlIssue(s string) string {
	var rest string
	switch {
	case len(s) >= 7 && strings.EqualFold(s[:7], "http://"):
		rest = s[7:]
	case len(s) >= 8 && strings.EqualFold(s[:8], "https://"):
		rest = s[8:]
	default:
		return "not an absolute http or https url"
	}
	end := len(rest)
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; c == '/' || c == '?' || c == '#' {
			end = i
			break
		}
	}
	host := rest[:end]
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		host = host[at+1:]
	}
	port := ""
	if strings.HasPrefix(host, "[") {
		cl := strings.IndexByte(host, ']')
		if cl < 0 {
			return "malformed ip literal host"
		}
		for i := 1; i < cl; i++ {
			if c := host[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.') {
				return "malformed ip literal host"
			}
		}
		if cl == 1 {
			return "url has no host"
		}
		port, host = host[cl+1:], host[1:cl]
		if port != "" {
			if port[0] != ':' {
				return "malformed port"
			}
			port = port[1:]
		}
	} else {
		if c := strings.LastIndexByte(host, ':'); c >= 0 {
			host, port = host[:c], host[c+1:]
		}
		if host == "" {
			return "url has no host"
		}
		for i := 0; i < len(host); i++ {
			if c := host[i]; c < utf8.RuneSelf && !inByteSet(c, hostLo, hostHi) {
				return "host has a character not allowed in a url"
			}
		}
	}
	for i := 0; i < len(port); i++ {
		if port[i] < '0' || port[i] > '9' {
			return "malformed port"
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf && uriPlain[c] == 'x' {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 || !unicode.IsGraphic(r) || unicode.IsSpace(r) {
				return "has a space or a character not allowed in a url"
			}
			i += n
			continue
		}
		if c == '%' {
			if i+2 >= len(s) || hexDigitVal(s[i+1]) < 0 || hexDigitVal(s[i+2]) < 0 {
				return "malformed percent-escape"
			}
			i += 3
			continue
		}
		return "has a space or a character not allowed in a url"
	}
	return ""
}

// hexNibble returns the value of a hex digit, or -1.
func hexDigitVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// bcryptIssue checks a modular-crypt bcrypt string: $2a$ or $2b$ ($2y$ too
// when allowY), a two-digit cost 04–31 and 53 characters of bcrypt's
// radix-64 (22 of salt, 31 of hash), 60 in all. It returns "" when fine.
func bcryptIssue(s string, allowY bool) string {
	if len(s) < 4 || s[0] != '$' || s[1] != '2' || s[3] != '$' {
		return "not a bcrypt hash"
	}
	switch s[2] {
	case 'a', 'b':
	case 'y':
		if !allowY {
			return "bcrypt $2y$ is only accepted in custom_password_hash"
		}
	default:
		if allowY {
			return "bcrypt version is not $2a$, $2b$ or $2y$"
		}
		return "bcrypt version is not $2a$ or $2b$"
	}
	if len(s) != 60 {
		return "not a 60-character bcrypt hash"
	}
	if s[6] != '$' || s[4] < '0' || s[4] > '9' || s[5] < '0' || s[5] > '9' {
		return "malformed bcrypt cost"
	}
	if cost := int(s[4]-'0')*10 + int(s[5]-'0'); cost < 4 || cost > 31 {
		return "bcrypt cost outside 4–31"
	}
	for i := 7; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '/') {
			return "bcrypt salt or hash has a character outside its alphabet"
		}
	}
	return ""
}

// checkMFA checks mfa_factors: 1–10 items, each exactly one of totp, phone
// or email with a well-formed value.
func checkMFA(fs []MFAFactor, is *Issues) {
	if len(fs) == 0 {
		is.Add(CodeArrayLengthShort, "mfa_factors", "fewer than 1 item")
	}
	if len(fs) > maxMFAFactors {
		is.Add(CodeArrayLengthLong, "mfa_factors", "more than 10 items")
	}
	for i := range fs {
		f := &fs[i]
		switch f.Kind() {
		case "totp":
			if !isBase32Upper(f.TOTPSecret) {
				is.Add(CodePattern, indexPath("mfa_factors", i, ".totp.secret"), "not upper-case base32 (A–Z, 2–7)")
			}
		case "phone":
			if !isE164(f.Phone) {
				is.Add(CodePattern, indexPath("mfa_factors", i, ".phone.value"), "not in E.164 format (+ and 1 to 15 digits)")
			}
		case "email":
			if code, msg := emailIssue(f.Email); code != "" {
				is.Add(code, indexPath("mfa_factors", i, ".email.value"), msg)
			}
		default:
			is.Add(CodeMFAFactorsFailed, indexPath("mfa_factors", i, ""), "not exactly one of totp, phone or email")
		}
	}
}

// ---- metadata ----

// maxJSONDepth bounds nesting in metadata, as encoding/json does.
const maxJSONDepth = 10000

// reservedAppKey reports whether name is one of the app_metadata keys
// Auth0 forbids at the top level (spec §1).
func reservedAppKey(name string) bool {
	switch name {
	case "__tenant", "_id", "blocked", "clientID", "created_at", "email_verified",
		"email", "globalClientID", "global_client_id", "identities", "lastIP",
		"lastLogin", "loginsCount", "metadata", "multifactor_last_modified",
		"multifactor", "updated_at", "user_id":
		return true
	}
	return false
}

// checkMetadata checks one metadata attribute: a well-formed JSON object,
// no key holding '.' or '$' at any depth and, for app_metadata, no reserved
// top-level key. The first pass allocates nothing; only when it finds a
// problem does a second pass build the issue paths.
func checkMetadata(raw []byte, root string, app bool, is *Issues) {
	s := metaScan{data: raw, app: app}
	switch s.document() {
	case docNotObject:
		is.Add(CodeInvalidType, root, "must be a json object")
		return
	case docMalformed:
		is.Add(CodeInvalidType, root, "not a well-formed json object")
		return
	}
	if !s.bad {
		return
	}
	r := metaScan{data: raw, app: app, report: true, path: append(make([]byte, 0, 64), root...)}
	r.document()
	*is = append(*is, r.issues...)
}

// Results of metaScan.document.
const (
	docOK = iota
	docNotObject
	docMalformed
)

// metaScan is a validating JSON scanner specialised for metadata: it checks
// the grammar and the keys in one pass and allocates nothing unless report
// is set.
type metaScan struct {
	data   []byte
	pos    int
	app    bool // app_metadata: reserved top-level keys apply
	bad    bool // a forbidden key was seen
	report bool // record issues with their paths
	path   []byte
	issues Issues
}

func (s *metaScan) document() int {
	s.ws()
	if s.pos >= len(s.data) || s.data[s.pos] != '{' {
		if s.value(0) {
			s.ws()
			if s.pos == len(s.data) {
				return docNotObject
			}
		}
		return docMalformed
	}
	if !s.object(1) {
		return docMalformed
	}
	s.ws()
	if s.pos != len(s.data) {
		return docMalformed
	}
	return docOK
}

func (s *metaScan) ws() {
	d, i := s.data, s.pos
	for i < len(d) && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r') {
		i++
	}
	s.pos = i
}

func (s *metaScan) value(depth int) bool {
	s.ws()
	if s.pos >= len(s.data) {
		return false
	}
	switch s.data[s.pos] {
	case '{':
		return s.object(depth + 1)
	case '[':
		return s.array(depth + 1)
	case '"':
		_, _, ok := s.str()
		return ok
	case 't':
		return s.lit("true")
	case 'f':
		return s.lit("false")
	case 'n':
		return s.lit("null")
	}
	return s.number()
}

func (s *metaScan) lit(w string) bool {
	if len(s.data)-s.pos < len(w) || string(s.data[s.pos:s.pos+len(w)]) != w {
		return false
	}
	s.pos += len(w)
	return true
}

func (s *metaScan) number() bool {
	d, i := s.data, s.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i >= len(d):
		return false
	case d[i] == '0':
		i++
	case d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(d) && d[i] == '.' {
		i++
		start := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		start := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	s.pos = i
	return true
}

// str scans a string at s.pos (on its opening quote) and returns its raw
// content and whether it holds escapes.
func (s *metaScan) str() (raw []byte, escaped, ok bool) {
	d := s.data
	start := s.pos + 1
	for i := start; i < len(d); {
		if i+8 <= len(d) {
			m := strSpecial8(binary.LittleEndian.Uint64(d[i:]))
			if m == 0 {
				i += 8
				continue
			}
			// The lowest flagged byte is a real one; skip to it.
			i += bits.TrailingZeros64(m) >> 3
		}
		c := d[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		switch {
		case c == '"':
			s.pos = i + 1
			return d[start:i], escaped, true
		case c == '\\':
			escaped = true
			if i+1 >= len(d) {
				return nil, false, false
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) || metaHex4(d[i+2:i+6]) < 0 {
					return nil, false, false
				}
				i += 6
			default:
				return nil, false, false
			}
		default:
			return nil, false, false
		}
	}
	return nil, false, false
}

// strSpecial8 flags (high bit set, as a non-zero word) the bytes of v
// that are a control character, '"' or '\\', the bytes a string scan must
// stop at, with the classic "has a byte less than n / equal to c" word
// tricks. Bytes above the lowest flagged one may be flagged wrongly.
func strSpecial8(v uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	ctl := (v - ones*0x20) &^ v
	q := v ^ (ones * '"')
	q = (q - ones) &^ q
	b := v ^ (ones * '\\')
	b = (b - ones) &^ b
	return (ctl | q | b) & highs
}

func metaHex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		n := hexDigitVal(c)
		if n < 0 {
			return -1
		}
		r = r<<4 | rune(n)
	}
	return r
}

func (s *metaScan) array(depth int) bool {
	if depth > maxJSONDepth {
		return false
	}
	s.pos++
	s.ws()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		return true
	}
	for i := 0; ; i++ {
		mark := len(s.path)
		if s.report {
			s.path = append(s.path, '[')
			s.path = strconv.AppendInt(s.path, int64(i), 10)
			s.path = append(s.path, ']')
		}
		if !s.value(depth) {
			return false
		}
		s.path = s.path[:mark]
		s.ws()
		if s.pos >= len(s.data) {
			return false
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return true
		default:
			return false
		}
	}
}

func (s *metaScan) object(depth int) bool {
	if depth > maxJSONDepth {
		return false
	}
	s.pos++
	s.ws()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		return true
	}
	for n := 0; ; n++ {
		s.ws()
		if s.pos >= len(s.data) || s.data[s.pos] != '"' {
			return false
		}
		key, esc, ok := s.str()
		if !ok {
			return false
		}
		s.ws()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return false
		}
		s.pos++
		mark := len(s.path)
		s.key(key, esc, depth, n)
		if !s.value(depth) {
			return false
		}
		s.path = s.path[:mark]
		s.ws()
		if s.pos >= len(s.data) {
			return false
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return true
		default:
			return false
		}
	}
}

// key checks one object key (raw JSON string content) and, in report
// mode, pushes its path segment.
func (s *metaScan) key(raw []byte, esc bool, depth, n int) {
	bad := forbiddenKeyChar(raw)
	reserved := false
	if s.app && depth == 1 {
		if esc {
			reserved = reservedAppKey(unescapeKey(raw))
		} else {
			reserved = reservedAppKey(string(raw))
		}
	}
	if !s.report {
		if bad != 0 || reserved {
			s.bad = true
		}
		return
	}
	parent := len(s.path)
	if bad == 0 && !esc && plainKey(raw) {
		s.path = append(s.path, '.')
		s.path = append(s.path, raw...)
	} else {
		s.path = append(s.path, '{')
		s.path = strconv.AppendInt(s.path, int64(n), 10)
		s.path = append(s.path, '}')
	}
	switch {
	case reserved:
		// The name is one of a fixed list, so it is safe to print.
		s.issues.Add(CodeForbiddenKey, string(s.path[:parent])+"."+unescapeKey(raw), "reserved key in app_metadata")
	case bad != 0:
		s.issues.Add(CodeForbiddenKey, string(s.path), "key contains '"+string(rune(bad))+"'")
	}
}

// forbiddenKeyChar returns '.' or '$' when the key holds one (also as a
// \u escape), else 0. raw has been checked by str.
func forbiddenKeyChar(raw []byte) byte {
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; c {
		case '.', '$':
			return c
		case '\\':
			if raw[i+1] == 'u' {
				if r := metaHex4(raw[i+2:]); r == '.' || r == '$' {
					return byte(r)
				}
				i += 5
			} else {
				i++
			}
		}
	}
	return 0
}

// plainKey reports whether a key may appear in a path as it is: letters,
// digits, '_' and '-' (any non-ASCII letter too), nothing that could be
// part of an email address or break the path syntax.
func plainKey(raw []byte) bool {
	if len(raw) == 0 {
		return false
	}
	for _, c := range raw {
		if c < utf8.RuneSelf && !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// unescapeKey decodes the raw content of a JSON string (slow path, only
// for keys that hold escapes).
func unescapeKey(raw []byte) string {
	quoted := make([]byte, 0, len(raw)+2)
	quoted = append(append(append(quoted, '"'), raw...), '"')
	if k, err := Unquote(quoted); err == nil {
		return k
	}
	return string(raw) // invalid UTF-8: compare the raw text
}

// ---- custom_password_hash (spec §2) ----
//
// Most users have no custom hash, so this path favours clarity over speed:
// it walks the object with ObjectEach and decodes strings with Unquote.

// customAlgo describes one algorithm of custom_password_hash.
type customAlgo struct {
	utf8Only      bool // hash.encoding must be utf8 (else hex or base64)
	saltForbidden bool // the salt lives inside the hash value
	digestSize    int  // bytes of a plain digest, 0 when not fixed
}

func lookupCustomAlgo(name string) (customAlgo, bool) {
	switch name {
	case "argon2", "ldap", "pbkdf2":
		return customAlgo{utf8Only: true, saltForbidden: true}, true
	case "bcrypt":
		return customAlgo{utf8Only: true}, true
	case "hmac", "scrypt":
		return customAlgo{}, true
	case "md4", "md5":
		return customAlgo{digestSize: 16}, true
	case "sha1":
		return customAlgo{digestSize: 20}, true
	case "sha256":
		return customAlgo{digestSize: 32}, true
	case "sha512":
		return customAlgo{digestSize: 64}, true
	}
	return customAlgo{}, false
}

// hmacDigestSize returns the output size of an hmac digest of the schema's
// enum, 0 for a name outside it.
func hmacDigestSize(name string) int {
	switch name {
	case "md4", "md5":
		return 16
	case "ripemd160", "sha1":
		return 20
	case "sha224":
		return 28
	case "sha256":
		return 32
	case "sha384":
		return 48
	case "sha512", "whirlpool":
		return 64
	}
	return 0
}

// pbkdf2Digest reports whether name is one of the OpenSSL digest names
// Auth0 accepts in $pbkdf2-<digest>$ (spec §2).
func pbkdf2Digest(name string) bool {
	switch name {
	case "md4", "md5", "mdc2", "ripemd", "ripemd160", "rmd160", "sha1", "sha224",
		"sha256", "sha384", "sha512", "whirlpool", "ssl3-md5", "ssl3-sha1",
		"RSA-MD4", "RSA-MD5", "RSA-MDC2", "RSA-RIPEMD160", "RSA-SHA1", "RSA-SHA1-2",
		"RSA-SHA224", "RSA-SHA256", "RSA-SHA384", "RSA-SHA512",
		"md4WithRSAEncryption", "md5WithRSAEncryption", "mdc2WithRSA", "ripemd160WithRSA",
		"sha1WithRSAEncryption", "sha224WithRSAEncryption", "sha256WithRSAEncryption",
		"sha384WithRSAEncryption", "sha512WithRSAEncryption":
		return true
	}
	return false
}

// jsonMember is one member of a JSON object, key decoded.
type jsonMember struct {
	key string
	val []byte
}

// objectMembers returns the members of the JSON object raw in input order,
// and false when raw is not one well-formed object.
func objectMembers(raw []byte) ([]jsonMember, bool) {
	var ms []jsonMember
	err := ObjectEach(raw, func(k string, v []byte) error {
		ms = append(ms, jsonMember{k, v})
		return nil
	})
	return ms, err == nil
}

// childPath names member i, key k, of the object at parent: parent.k for
// a plain key, parent{i} otherwise (see plainKey).
func childPath(parent, k string, i int) string {
	if plainKey([]byte(k)) {
		return parent + "." + k
	}
	return parent + "{" + strconv.Itoa(i) + "}"
}

// jsonText returns the text of a JSON string value.
func jsonText(v []byte) (string, bool) {
	if len(v) == 0 || v[0] != '"' {
		return "", false
	}
	s, err := Unquote(v)
	return s, err == nil
}

// jsonInteger returns the value of a JSON number with no fractional part
// (32 and 32.0 are both integers in JSON Schema).
func jsonInteger(v []byte) (int64, bool) {
	if len(v) == 0 || !(v[0] == '-' || v[0] >= '0' && v[0] <= '9') {
		return 0, false
	}
	if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || f != float64(int64(f)) {
		return 0, false
	}
	return int64(f), true
}

// customHash holds the raw members of a custom_password_hash object.
type customHash struct {
	algorithm, hash, salt, password       []byte
	keylen, cost, blockSize, parallelized []byte
}

func checkCustomHash(raw []byte, is *Issues) {
	const root = "custom_password_hash"
	members, ok := objectMembers(raw)
	if !ok {
		is.Add(CodeInvalidType, root, "must be a json object")
		return
	}
	var c customHash
	for i, m := range members {
		switch m.key {
		case "algorithm":
			c.algorithm = m.val
		case "hash":
			c.hash = m.val
		case "salt":
			c.salt = m.val
		case "password":
			c.password = m.val
		case "keylen":
			c.keylen = m.val
		case "cost":
			c.cost = m.val
		case "blockSize":
			c.blockSize = m.val
		case "parallelization":
			c.parallelized = m.val
		default:
			is.Add(CodeAdditionalProperty, childPath(root, m.key, i), "not allowed in custom_password_hash")
		}
	}

	algo, known := "", false
	var info customAlgo
	switch name, isStr := jsonText(c.algorithm); {
	case c.algorithm == nil:
		is.Add(CodeRequired, root+".algorithm", "missing")
	case !isStr:
		is.Add(CodeInvalidType, root+".algorithm", "must be a string")
	default:
		if info, known = lookupCustomAlgo(name); known {
			algo = name
		} else {
			is.Add(CodeEnumMismatch, root+".algorithm", "not one of argon2, bcrypt, hmac, ldap, md4, md5, sha1, sha256, sha512, pbkdf2, scrypt")
		}
	}

	keylen, keylenOK := checkIntMember(c.keylen, root+".keylen", is)
	cost, costOK := checkIntMember(c.cost, root+".cost", is)
	blockSize, blockOK := checkIntMember(c.blockSize, root+".blockSize", is)
	par, parOK := checkIntMember(c.parallelized, root+".parallelization", is)
	if algo == "scrypt" {
		switch {
		case c.keylen == nil:
			is.Add(CodeRequired, root+".keylen", "missing (required for scrypt)")
		case keylenOK && keylen <= 0:
			is.Add(CodeMinimum, root+".keylen", "must be greater than 0")
		}
		switch {
		case costOK && cost <= 1:
			is.Add(CodeMinimum, root+".cost", "must be greater than 1")
		case costOK && cost&(cost-1) != 0:
			is.Add(CodeEnumMismatch, root+".cost", "must be a power of 2")
		}
		if blockOK && blockSize < 1 {
			is.Add(CodeMinimum, root+".blockSize", "must be at least 1")
		}
		if parOK && par < 1 {
			is.Add(CodeMinimum, root+".parallelization", "must be at least 1")
		}
	}
	if !keylenOK || algo != "scrypt" {
		keylen = 0
	}

	checkHashMember(c.hash, root+".hash", algo, known, info, keylen, is)

	if c.salt != nil {
		switch {
		case known && info.saltForbidden:
			is.Add(CodeAdditionalProperty, root+".salt", "not allowed for "+algo+": the salt is inside the hash")
		default:
			n, ok := checkEncodedMember(c.salt, root+".salt", true, is)
			if ok && algo == "bcrypt" && n >= maxPasswordBytes {
				is.Add(CodeMaxLength, root+".salt.value", "leaves no room for the password in bcrypt's 72 bytes")
			}
		}
	}

	if c.password != nil {
		checkPasswordMember(c.password, root+".password", is)
	}
}

// checkIntMember checks an optional integer member.
func checkIntMember(v []byte, path string, is *Issues) (int64, bool) {
	if v == nil {
		return 0, false
	}
	n, ok := jsonInteger(v)
	if !ok {
		is.Add(CodeInvalidType, path, "must be an integer")
	}
	return n, ok
}

// checkHashMember checks custom_password_hash.hash.
func checkHashMember(raw []byte, path, algo string, known bool, info customAlgo, keylen int64, is *Issues) {
	if raw == nil {
		is.Add(CodeRequired, path, "missing")
		return
	}
	members, ok := objectMembers(raw)
	if !ok {
		is.Add(CodeInvalidType, path, "must be a json object")
		return
	}
	var value, encoding, digest, key []byte
	for i, m := range members {
		switch m.key {
		case "value":
			value = m.val
		case "encoding":
			encoding = m.val
		case "digest":
			digest = m.val
		case "key":
			key = m.val
		default:
			is.Add(CodeAdditionalProperty, childPath(path, m.key, i), "not allowed in custom_password_hash.hash")
		}
	}

	enc := ""
	if encoding != nil {
		e, isStr := jsonText(encoding)
		switch {
		case !isStr:
			is.Add(CodeInvalidType, path+".encoding", "must be a string")
		case e != "base64" && e != "hex" && e != "utf8":
			is.Add(CodeEnumMismatch, path+".encoding", "not one of base64, hex or utf8")
		case known && info.utf8Only && e != "utf8":
			is.Add(CodeEnumMismatch, path+".encoding", "must be utf8 for "+algo)
		case known && !info.utf8Only && e == "utf8":
			is.Add(CodeEnumMismatch, path+".encoding", "must be hex or base64 for "+algo)
		default:
			enc = e
		}
	} else if known {
		if info.utf8Only {
			enc = "utf8"
		} else {
			is.Add(CodeRequired, path+".encoding", "missing (hex or base64 for "+algo+")")
		}
	}

	digestName := ""
	if digest != nil {
		d, isStr := jsonText(digest)
		switch {
		case !isStr:
			is.Add(CodeInvalidType, path+".digest", "must be a string")
		case hmacDigestSize(d) == 0:
			is.Add(CodeEnumMismatch, path+".digest", "not one of md4, md5, ripemd160, sha1, sha224, sha256, sha384, sha512, whirlpool")
		default:
			digestName = d
		}
	} else if algo == "hmac" {
		is.Add(CodeRequired, path+".digest", "missing (required for hmac)")
	}

	if key != nil {
		checkEncodedMember(key, path+".key", false, is)
	} else if algo == "hmac" {
		is.Add(CodeRequired, path+".key", "missing (required for hmac)")
	}

	switch v, isStr := jsonText(value); {
	case value == nil:
		is.Add(CodeRequired, path+".value", "missing")
	case !isStr:
		is.Add(CodeInvalidType, path+".value", "must be a string")
	case v == "":
		is.Add(CodeMinLength, path+".value", "empty")
	case known && enc != "":
		if msg := hashValueIssue(algo, info, enc, v, digestName, keylen); msg != "" {
			is.Add(CodeFormat, path+".value", msg)
		}
	}
}

// checkEncodedMember checks a {value, encoding[, position]} object (salt or
// hash.key) and returns the decoded length of its value.
func checkEncodedMember(raw []byte, path string, withPosition bool, is *Issues) (int, bool) {
	members, ok := objectMembers(raw)
	if !ok {
		is.Add(CodeInvalidType, path, "must be a json object")
		return 0, false
	}
	var value, encoding, position []byte
	for i, m := range members {
		switch {
		case m.key == "value":
			value = m.val
		case m.key == "encoding":
			encoding = m.val
		case m.key == "position" && withPosition:
			position = m.val
		default:
			is.Add(CodeAdditionalProperty, childPath(path, m.key, i), "not allowed here")
		}
	}
	enc, encOK := "utf8", true
	if encoding != nil {
		e, isStr := jsonText(encoding)
		switch {
		case !isStr:
			is.Add(CodeInvalidType, path+".encoding", "must be a string")
			encOK = false
		case e != "base64" && e != "hex" && e != "utf8":
			is.Add(CodeEnumMismatch, path+".encoding", "not one of base64, hex or utf8")
			encOK = false
		default:
			enc = e
		}
	}
	if position != nil {
		p, isStr := jsonText(position)
		switch {
		case !isStr:
			is.Add(CodeInvalidType, path+".position", "must be a string")
		case p != "prefix" && p != "suffix":
			is.Add(CodeEnumMismatch, path+".position", "not one of prefix or suffix")
		}
	}
	v, isStr := jsonText(value)
	switch {
	case value == nil:
		is.Add(CodeRequired, path+".value", "missing")
		return 0, false
	case !isStr:
		is.Add(CodeInvalidType, path+".value", "must be a string")
		return 0, false
	case !encOK:
		return 0, false
	}
	n, ok := decodedLen(enc, v)
	if !ok {
		is.Add(CodeFormat, path+".value", "not valid "+enc)
	}
	return n, ok
}

// checkPasswordMember checks custom_password_hash.password.
func checkPasswordMember(raw []byte, path string, is *Issues) {
	members, ok := objectMembers(raw)
	if !ok {
		is.Add(CodeInvalidType, path, "must be a json object")
		return
	}
	for i, m := range members {
		if m.key != "encoding" {
			is.Add(CodeAdditionalProperty, childPath(path, m.key, i), "not allowed here")
			continue
		}
		e, isStr := jsonText(m.val)
		switch {
		case !isStr:
			is.Add(CodeInvalidType, path+".encoding", "must be a string")
		case e != "ascii" && e != "utf8" && e != "utf16le" && e != "ucs2" && e != "latin1" && e != "binary":
			is.Add(CodeEnumMismatch, path+".encoding", "not one of ascii, utf8, utf16le, ucs2, latin1, binary")
		}
	}
}

// decodedLen returns the byte length of s in the given encoding.
func decodedLen(enc, s string) (int, bool) {
	switch enc {
	case "hex":
		return hexLen(s)
	case "base64":
		return b64Len(s)
	}
	return len(s), true
}

// hexLen returns the decoded length of hex text (either case).
func hexLen(s string) (int, bool) {
	if len(s)%2 != 0 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if hexDigitVal(s[i]) < 0 {
			return 0, false
		}
	}
	return len(s) / 2, true
}

// b64Len returns the decoded length of base64 text in the standard or the
// URL-safe alphabet, padded or not, as Node's decoder (Auth0's) accepts it.
func b64Len(s string) (int, bool) {
	body := strings.TrimRight(s, "=")
	if pad := len(s) - len(body); pad > 2 || pad > 0 && len(s)%4 != 0 {
		return 0, false
	}
	for i := 0; i < len(body); i++ {
		if c := body[i]; !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '-' || c == '_') {
			return 0, false
		}
	}
	if len(body)%4 == 1 {
		return 0, false
	}
	return len(body) * 3 / 4, true
}

// rawB64Len is b64Len for text that must not be padded (PHC strings).
func rawB64Len(s string) (int, bool) {
	if strings.IndexByte(s, '=') >= 0 {
		return 0, false
	}
	return b64Len(s)
}

// hashValueIssue checks hash.value for the algorithm; "" when fine.
func hashValueIssue(algo string, info customAlgo, enc, v, digest string, keylen int64) string {
	n, ok := decodedLen(enc, v)
	if !ok {
		return "not valid " + enc
	}
	switch algo {
	case "argon2":
		return argon2Issue(v)
	case "bcrypt":
		return bcryptIssue(v, true)
	case "ldap":
		return ldapIssue(v)
	case "pbkdf2":
		return pbkdf2Issue(v)
	case "hmac":
		if want := hmacDigestSize(digest); want > 0 && n != want {
			return "decodes to " + strconv.Itoa(n) + " bytes; an hmac-" + digest + " is " + strconv.Itoa(want)
		}
	case "scrypt":
		if keylen > 0 && int64(n) != keylen {
			return "decodes to " + strconv.Itoa(n) + " bytes; keylen says " + strconv.FormatInt(keylen, 10)
		}
	default:
		if n != info.digestSize {
			return "decodes to " + strconv.Itoa(n) + " bytes; a " + algo + " digest is " + strconv.Itoa(info.digestSize)
		}
	}
	return ""
}

// positiveDecimal matches a PHC decimal: digits, no leading zero, > 0, and
// small enough for a uint32.
func positiveDecimal(s string) bool {
	if s == "" || len(s) > 10 || s[0] == '0' {
		return false
	}
	n, err := strconv.ParseUint(s, 10, 32)
	return err == nil && n > 0
}

// argon2Issue checks a PHC argon2 string as libsodium's verifier (Auth0's)
// parses it: $argon2id$ or $argon2i$, v=19, m=,t=,p= in that order, and
// unpadded base64 salt (≥ 8 bytes) and hash (≥ 16 bytes).
func argon2Issue(v string) string {
	const shape = "not a PHC argon2 string ($argon2id$v=19$m=…,t=…,p=…$salt$hash)"
	parts := strings.Split(v, "$")
	if len(parts) != 6 || parts[0] != "" {
		return shape
	}
	switch parts[1] {
	case "argon2id", "argon2i":
	case "argon2d":
		return "argon2d is not supported (argon2id or argon2i only)"
	default:
		return shape
	}
	if parts[2] != "v=19" {
		return "argon2 version is not v=19"
	}
	params := strings.Split(parts[3], ",")
	if len(params) != 3 ||
		!strings.HasPrefix(params[0], "m=") || !positiveDecimal(params[0][2:]) ||
		!strings.HasPrefix(params[1], "t=") || !positiveDecimal(params[1][2:]) ||
		!strings.HasPrefix(params[2], "p=") || !positiveDecimal(params[2][2:]) {
		return "argon2 parameters are not m=…,t=…,p=…"
	}
	if n, ok := rawB64Len(parts[4]); !ok {
		return "argon2 salt is not unpadded base64"
	} else if n < 8 {
		return "argon2 salt shorter than 8 bytes"
	}
	if n, ok := rawB64Len(parts[5]); !ok {
		return "argon2 hash is not unpadded base64"
	} else if n < 16 {
		return "argon2 hash shorter than 16 bytes"
	}
	return ""
}

// ldapIssue checks an RFC 2307 {SCHEME}base64 value: a digest scheme
// Auth0 supports and a digest of the scheme's size (followed by a salt for
// the salted S* schemes).
func ldapIssue(v string) string {
	cl := strings.IndexByte(v, '}')
	if !strings.HasPrefix(v, "{") || cl < 0 {
		return "not an rfc 2307 {SCHEME}base64 string"
	}
	scheme := strings.ToUpper(v[1:cl])
	size, salted := 0, false
	switch scheme {
	case "MD5":
		size = 16
	case "SMD5":
		size, salted = 16, true
	case "SHA", "SHA1":
		size = 20
	case "SSHA", "SSHA1":
		size, salted = 20, true
	case "SHA256":
		size = 32
	case "SSHA256":
		size, salted = 32, true
	case "SHA384":
		size = 48
	case "SSHA384":
		size, salted = 48, true
	case "SHA512":
		size = 64
	case "SSHA512":
		size, salted = 64, true
	case "CRYPT":
		return "ldap {CRYPT} is not supported"
	default:
		return "unknown ldap scheme (md5, smd5, sha*, ssha* only)"
	}
	n, ok := b64Len(v[cl+1:])
	switch {
	case !ok || n == 0:
		return "not valid base64 after the ldap scheme"
	case !salted && n != size:
		return "decodes to " + strconv.Itoa(n) + " bytes; {" + scheme + "} is " + strconv.Itoa(size)
	case salted && n <= size:
		return "no salt after the {" + scheme + "} digest"
	}
	return ""
}

// pbkdf2Issue checks $pbkdf2-<digest>[$i=N,l=N]$<salt>$<hash>: an OpenSSL
// digest name, optional i and l (defaults 100000 and 64), unpadded base64
// salt and a base64 hash of l bytes.
func pbkdf2Issue(v string) string {
	const shape = "not a $pbkdf2-<digest>$i=…,l=…$salt$hash string"
	if !strings.HasPrefix(v, "$pbkdf2-") {
		return shape
	}
	parts := strings.Split(v[1:], "$")
	if !pbkdf2Digest(parts[0][len("pbkdf2-"):]) {
		return "unknown pbkdf2 digest"
	}
	keyLen := 64
	var salt, hash string
	switch len(parts) {
	case 4:
		seen := 0
		for _, p := range strings.Split(parts[1], ",") {
			k, val, ok := strings.Cut(p, "=")
			bit := 0
			switch k {
			case "i":
				bit = 1
			case "l":
				bit = 2
			}
			if !ok || bit == 0 || seen&bit != 0 || !positiveDecimal(val) {
				return "pbkdf2 parameters are not i=…,l=…"
			}
			seen |= bit
			if k == "l" {
				keyLen, _ = strconv.Atoi(val)
			}
		}
		salt, hash = parts[2], parts[3]
	case 3:
		if strings.IndexByte(parts[1], '=') >= 0 {
			return shape
		}
		salt, hash = parts[1], parts[2]
	default:
		return shape
	}
	if n, ok := rawB64Len(salt); !ok || n == 0 {
		return "pbkdf2 salt is not unpadded base64"
	}
	n, ok := b64Len(hash)
	if !ok || n == 0 {
		return "pbkdf2 hash is not base64"
	}
	if n != keyLen {
		return "pbkdf2 hash is " + strconv.Itoa(n) + " bytes; l is " + strconv.Itoa(keyLen)
	}
	return ""
}
