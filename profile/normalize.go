package profile

import (
	"crypto/md5"
	"encoding/hex"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxDerivedName bounds a derived name or nickname, in code points: the
// strictest limit Auth0 documents for name (spec §10), so a derived value
// never makes a record invalid. A longer one is not derived.
const maxDerivedName = 150

// NormalizeOptions tunes Normalize. The zero value does what Auth0 does
// when it stores a profile.
type NormalizeOptions struct {
	// KeepEmailCase keeps the case of email, as Auth0 does for a custom
	// database without import mode. By default email is lowercased.
	KeepEmailCase bool
	// KeepUsernameCase keeps the case of username. By default it is
	// lowercased, as Auth0 stores it.
	KeepUsernameCase bool
	// KeepPhoneFormat keeps phone_number as it is. By default a number that
	// starts with + and holds only digits and the separators space, '-',
	// '.', '(' and ')' loses the separators, so "+1 (212) 555-0001" becomes
	// E.164 "+12125550001". Numbers without + are never guessed at.
	KeepPhoneFormat bool
	// NoDerivedNames leaves name and nickname absent when the input has
	// none, instead of deriving them as Auth0 does.
	NoDerivedNames bool
	// NoDefaultPicture leaves picture absent when the input has none,
	// instead of Auth0's Gravatar default.
	NoDefaultPicture bool
	// PictureFallback is Gravatar's d= parameter of a default picture: the
	// image shown when the address has no Gravatar. Empty means Auth0's own,
	// an avatar of the user's initials on cdn.auth0.com; otherwise a Gravatar
	// keyword (mp, identicon, retro, 404, …) or an absolute image URL.
	PictureFallback string
}

// Normalize brings u into the shape Auth0 stores, in place:
//   - every root string loses leading and trailing white space, except the
//     plaintext password, where spaces are part of the secret;
//   - email, username, given_name, family_name, name and nickname are put in
//     Unicode NFC (ASCII is skipped at once); user_id is left byte for byte;
//   - email and username are lowercased (see KeepEmailCase,
//     KeepUsernameCase);
//   - a formatted international phone number is reduced to E.164 (see
//     KeepPhoneFormat);
//   - an absent name becomes "given family" (either alone if the other is
//     absent), else the email, else the username, else the phone number; an
//     absent nickname becomes the email's local part, else the username,
//     else the phone number (see NoDerivedNames);
//   - an absent picture of a user with an email becomes Auth0's default:
//     https://s.gravatar.com/avatar/<md5 of the lowercased, trimmed
//     email>?s=480&r=pg&d=<fallback> (see NoDefaultPicture,
//     PictureFallback).
//
// Normalize is idempotent and allocates nothing when nothing changes.
// Identity user_ids that were JSON numbers are already strings, from the
// decoder. Validation should run after it.
func Normalize(u *User, opts NormalizeOptions) {
	if u == nil {
		return
	}
	u.UserID = strings.TrimSpace(u.UserID)
	u.Email = toNFC(strings.TrimSpace(u.Email))
	if !opts.KeepEmailCase {
		u.Email = strings.ToLower(u.Email)
	}
	u.PhoneNumber = strings.TrimSpace(u.PhoneNumber)
	if !opts.KeepPhoneFormat {
		u.PhoneNumber = compactPhone(u.PhoneNumber)
	}
	u.Username = toNFC(strings.TrimSpace(u.Username))
	if !opts.KeepUsernameCase {
		u.Username = strings.ToLower(u.Username)
	}
	u.GivenName = toNFC(strings.TrimSpace(u.GivenName))
	u.FamilyName = toNFC(strings.TrimSpace(u.FamilyName))
	u.Name = toNFC(strings.TrimSpace(u.Name))
	u.Nickname = toNFC(strings.TrimSpace(u.Nickname))
	u.Picture = strings.TrimSpace(u.Picture)
	u.LastIP = strings.TrimSpace(u.LastIP)
	u.PasswordHash = strings.TrimSpace(u.PasswordHash)

	if !opts.NoDerivedNames {
		if u.Name == "" {
			if name := derivedName(u); !runesOver(name, maxDerivedName) {
				u.Name = name
			}
		}
		if u.Nickname == "" {
			if nick := derivedNickname(u); !runesOver(nick, maxDerivedName) {
				u.Nickname = nick
			}
		}
	}
	if !opts.NoDefaultPicture && u.Picture == "" && u.Email != "" {
		name := u.Name
		if name == "" {
			name = u.Email
		}
		u.Picture = defaultPicture(u.Email, name, "", opts.PictureFallback)
	}
}

// toNFC returns s in Unicode normalization form C, s itself when it already
// is (ASCII always is).
func toNFC(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return norm.NFC.String(s)
		}
	}
	return s
}

// compactPhone drops the separators of a number written with a leading +,
// when what is left is E.164.
func compactPhone(s string) string {
	if len(s) < 2 || s[0] != '+' || isE164(s) {
		return s
	}
	var buf [32]byte
	out := append(buf[:0], '+')
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			out = append(out, c)
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return s
		}
	}
	if !isE164(string(out)) {
		return s
	}
	return string(out)
}

func derivedName(u *User) string {
	switch {
	case u.GivenName != "" && u.FamilyName != "":
		return u.GivenName + " " + u.FamilyName
	case u.GivenName != "":
		return u.GivenName
	case u.FamilyName != "":
		return u.FamilyName
	case u.Email != "":
		return u.Email
	case u.Username != "":
		return u.Username
	}
	return u.PhoneNumber
}

func derivedNickname(u *User) string {
	if at := strings.LastIndexByte(u.Email, '@'); at > 0 {
		return u.Email[:at]
	}
	if u.Username != "" {
		return u.Username
	}
	return u.PhoneNumber
}

// DefaultPicture returns the picture Auth0 gives a user with no picture of
// its own: the Gravatar of email (MD5 of the trimmed, lowercased address,
// size 480, rating pg) with fallback as the image Gravatar shows when the
// address has none. An empty fallback means Auth0's avatar of the user's
// initials, https://cdn.auth0.com/avatars/<initials>.png (Gravatar's 404
// when initials is empty); otherwise it is a Gravatar keyword (mp,
// identicon, …) or an image URL. The fallback is query-escaped.
func DefaultPicture(email, initials, fallback string) string {
	return defaultPicture(email, "", initials, fallback)
}

// defaultPicture builds the URL in one allocation. Auth0's fallback shows
// the initials given, or else those of name (see appendInitials).
func defaultPicture(email, name, initials, fallback string) string {
	const (
		prefix   = "https://s.gravatar.com/avatar/"
		query    = "?s=480&r=pg&d="
		cdn      = "https%3A%2F%2Fcdn.auth0.com%2Favatars%2F"
		cdnLen   = len(cdn) + len(".png") + 2*3*4 // two runes of up to 4 bytes, escaped
		hexBytes = 2 * md5.Size
	)
	email = strings.TrimSpace(email)
	var sum [md5.Size]byte
	if lower := strings.ToLower(email); len(lower) <= 64 {
		var buf [64]byte
		sum = md5.Sum(append(buf[:0], lower...))
	} else {
		sum = md5.Sum([]byte(lower))
	}
	var b strings.Builder
	b.Grow(len(prefix) + hexBytes + len(query) + max(cdnLen, 3*len(fallback)))
	b.WriteString(prefix)
	var hx [hexBytes]byte
	hex.Encode(hx[:], sum[:])
	b.Write(hx[:])
	b.WriteString(query)
	switch {
	case fallback != "":
		appendQueryEscape(&b, fallback)
	default:
		var in [2]rune
		rs := in[:0]
		if initials != "" {
			for _, r := range initials {
				rs = append(rs, r)
				if len(rs) == 2 {
					break
				}
			}
		} else {
			rs = appendInitials(rs, name)
		}
		if len(rs) == 0 {
			b.WriteString("404")
			break
		}
		b.WriteString(cdn)
		var enc [utf8.UTFMax]byte
		for _, r := range rs {
			n := utf8.EncodeRune(enc[:], unicode.ToLower(r))
			appendQueryEscape(&b, string(enc[:n]))
		}
		b.WriteString(".png")
	}
	return b.String()
}

// appendInitials appends the initials Auth0's default avatar shows: the
// first letter or digit of each of the first two words of name, or the
// first two letters or digits of a one-word name (an email, typically, up
// to its @). Words are separated by white space.
func appendInitials(dst []rune, name string) []rune {
	var first, single [2]rune
	nFirst, nSingle := 0, 0
	words, inWord, hasInitial, atSeen := 0, false, false, false
	for _, r := range name {
		if unicode.IsSpace(r) {
			inWord = false
			continue
		}
		if !inWord {
			inWord, hasInitial = true, false
			words++
			if words > 2 {
				break
			}
		}
		alnum := unicode.IsLetter(r) || unicode.IsDigit(r)
		if words == 1 && !atSeen {
			if r == '@' {
				atSeen = true
			} else if alnum && nSingle < 2 {
				single[nSingle] = r
				nSingle++
			}
		}
		if alnum && !hasInitial {
			hasInitial = true
			first[nFirst] = r
			nFirst++
		}
	}
	if words >= 2 {
		return append(dst, first[:nFirst]...)
	}
	return append(dst, single[:nSingle]...)
}

// appendQueryEscape writes s escaped as url.QueryEscape does.
func appendQueryEscape(b *strings.Builder, s string) {
	const upperHex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(upperHex[c>>4])
			b.WriteByte(upperHex[c&15])
		}
	}
}
