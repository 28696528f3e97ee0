package query

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ferry-dev/ferry/profile"
)

// Match reports whether u satisfies the query. It reads u without changing
// it and does not allocate, except to decode a JSON string that holds
// escapes.
func (q *Query) Match(u *profile.User) bool { return q.root.match(u) }

func (n *node) match(u *profile.User) bool {
	switch n.op {
	case opAll:
		return true
	case opNone:
		return false
	case opNot:
		return !n.kids[0].match(u)
	case opAnd:
		for _, k := range n.kids {
			if !k.match(u) {
				return false
			}
		}
		return true
	case opOr:
		for _, k := range n.kids {
			if k.match(u) {
				return true
			}
		}
		return false
	case opTerm:
		return n.t.match(u)
	}
	return false
}

func (t *term) match(u *profile.User) bool {
	a := t.field.attr
	switch a.kind() {
	case kindText:
		if a == attrNone {
			for _, d := range defaultAttrs() {
				if t.matchText(textOf(u, d), d.folds()) {
					return true
				}
			}
			return false
		}
		return t.matchText(textOf(u, a), a.folds())
	case kindBool:
		b := boolOf(u, a)
		if !b.IsSet() {
			return false
		}
		return t.kind == termExists || b.Value() == t.boolean
	case kindInt:
		if !u.LoginsCount.Valid {
			return false
		}
		return t.matchInt(u.LoginsCount.V)
	case kindTime:
		v := timeOf(u, a)
		if v.IsZero() {
			return false
		}
		return t.matchTime(v)
	case kindJSON:
		return t.matchJSON(u)
	}
	return false
}

// matchText tests a text attribute; "" is an absent one.
func (t *term) matchText(s string, fold bool) bool {
	if s == "" {
		return false
	}
	switch t.kind {
	case termExists:
		return true
	case termEq:
		if fold {
			return equalLower(s, t.lower)
		}
		return s == t.text
	case termWildcard:
		if fold {
			return globLower(s, t.lowerChunks)
		}
		return glob(s, t.chunks)
	case termRange:
		cmp := func(b bound) int {
			if fold {
				return compareLower(s, b.lower)
			}
			return strings.Compare(s, b.text)
		}
		return t.inRange(cmp)
	}
	return false
}

// inRange checks a value against the bounds with cmp, which compares the
// value with a bound.
func (t *term) inRange(cmp func(bound) int) bool {
	if !t.lo.open {
		if c := cmp(t.lo); c < 0 || c == 0 && !t.lo.incl {
			return false
		}
	}
	if !t.hi.open {
		if c := cmp(t.hi); c > 0 || c == 0 && !t.hi.incl {
			return false
		}
	}
	return true
}

func (t *term) matchInt(v int64) bool {
	switch t.kind {
	case termExists:
		return true
	case termEq:
		return v == t.integer
	case termRange:
		return t.inRange(func(b bound) int {
			switch {
			case v < b.integer:
				return -1
			case v > b.integer:
				return 1
			}
			return 0
		})
	}
	return false
}

func (t *term) matchTime(v time.Time) bool {
	switch t.kind {
	case termExists:
		return true
	case termEq:
		return !v.Before(t.from) && v.Before(t.to)
	case termRange:
		return (t.lo.open || !v.Before(t.lo.at)) && (t.hi.open || v.Before(t.hi.at))
	}
	return false
}

// matchJSON tests a path inside app_metadata, user_metadata or identities.
func (t *term) matchJSON(u *profile.User) bool {
	switch t.field.attr {
	case attrAppMetadata:
		return t.matchRaw(u.AppMetadata)
	case attrUserMetadata:
		return t.matchRaw(u.UserMetadata)
	}
	for i := range u.Identities {
		if t.matchIdentity(&u.Identities[i]) {
			return true
		}
	}
	return false
}

func (t *term) matchRaw(raw []byte) bool {
	if len(raw) == 0 {
		return false
	}
	return visit(rootValue(raw), t.field.path, t.leaf)
}

// matchIdentity follows the path into one identity, whose attributes the
// profile holds as Go fields; profileData and unknown attributes are raw
// JSON.
func (t *term) matchIdentity(id *profile.Identity) bool {
	path := t.field.path
	if len(path) == 0 {
		return t.kind == termExists && identityIndexed(id)
	}
	v := identityAttr(id, path[0])
	if v.k == jBad {
		return false
	}
	return spread(v, path[1:], t.leaf)
}

// identityAttr returns an identity's attribute as a JSON value, jBad when
// absent.
func identityAttr(id *profile.Identity, key string) jval {
	str := func(s string) jval {
		if s == "" {
			return jval{}
		}
		return jval{k: jString, s: s, plain: true}
	}
	switch key {
	case "connection":
		return str(id.Connection)
	case "provider":
		return str(id.Provider)
	case "user_id":
		return str(id.UserID)
	case "access_token":
		return str(id.AccessToken)
	case "access_token_secret":
		return str(id.AccessTokenSecret)
	case "refresh_token":
		return str(id.RefreshToken)
	case "isSocial":
		switch id.IsSocial {
		case profile.True:
			return jval{k: jTrue, s: "true"}
		case profile.False:
			return jval{k: jFalse, s: "false"}
		}
		return jval{}
	case "profileData":
		if len(id.ProfileData) == 0 {
			return jval{}
		}
		return rootValue(id.ProfileData)
	}
	for i := len(id.Extra) - 1; i >= 0; i-- {
		if id.Extra[i].Key == key && len(id.Extra[i].Value) > 0 {
			return rootValue(id.Extra[i].Value)
		}
	}
	return jval{}
}

// identityIndexed reports whether an identity holds any indexed value.
func identityIndexed(id *profile.Identity) bool {
	if id.Connection != "" || id.Provider != "" || id.UserID != "" || id.IsSocial.IsSet() ||
		id.AccessToken != "" || id.AccessTokenSecret != "" || id.RefreshToken != "" {
		return true
	}
	if len(id.ProfileData) > 0 && hasScalar(rootValue(id.ProfileData)) {
		return true
	}
	for _, a := range id.Extra {
		if len(a.Value) > 0 && hasScalar(rootValue(a.Value)) {
			return true
		}
	}
	return false
}

// leaf tests one value found at the term's path. JSON values are always
// compared case-sensitively.
func (t *term) leaf(v jval) bool {
	switch t.kind {
	case termExists:
		return hasScalar(v)
	case termEq:
		switch v.k {
		case jString:
			if v.plain {
				return v.s == t.text
			}
			if inner := v.s[1 : len(v.s)-1]; strings.IndexByte(inner, '\\') < 0 {
				return inner == t.text
			}
			return v.text() == t.text
		case jNumber:
			return t.isNum && v.number() == t.num
		case jTrue:
			return t.isBool && t.boolean
		case jFalse:
			return t.isBool && !t.boolean
		}
	case termWildcard:
		return v.k == jString && glob(v.text(), t.chunks)
	case termRange:
		if t.numeric {
			if v.k != jNumber {
				return false
			}
			f := v.number()
			return t.inRange(func(b bound) int {
				switch {
				case f < b.num:
					return -1
				case f > b.num:
					return 1
				}
				return 0
			})
		}
		if v.k != jString {
			return false
		}
		s := v.text()
		return t.inRange(func(b bound) int { return strings.Compare(s, b.text) })
	}
	return false
}

// glob matches s against the literal runs of a '*' pattern: the first is
// a prefix, the last a suffix, the others found in order between them.
func glob(s string, chunks []string) bool {
	last := len(chunks) - 1
	if len(s) < len(chunks[0])+len(chunks[last]) || !strings.HasPrefix(s, chunks[0]) || !strings.HasSuffix(s, chunks[last]) {
		return false
	}
	s = s[len(chunks[0]) : len(s)-len(chunks[last])]
	for _, c := range chunks[1:last] {
		i := strings.Index(s, c)
		if i < 0 {
			return false
		}
		s = s[i+len(c):]
	}
	return true
}

// globLower is glob with s lower-cased rune by rune; chunks are lower case.
func globLower(s string, chunks []string) bool {
	rest, ok := hasPrefixLower(s, chunks[0])
	if !ok {
		return false
	}
	s = rest
	last := len(chunks) - 1
	for _, c := range chunks[1:last] {
		i, end := indexLower(s, c)
		if i < 0 {
			return false
		}
		s = s[end:]
	}
	// The suffix must match at the end of what is left.
	for i := 0; i <= len(s); {
		if rest, ok := hasPrefixLower(s[i:], chunks[last]); ok && rest == "" {
			return true
		}
		if i == len(s) {
			break
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		i += n
	}
	return false
}

// indexLower finds lower (lower case) in s lower-cased, and returns the
// byte offsets in s of the match's start and end, or -1.
func indexLower(s, lower string) (int, int) {
	for i := 0; i <= len(s); {
		if rest, ok := hasPrefixLower(s[i:], lower); ok {
			return i, len(s) - len(rest)
		}
		if i == len(s) {
			break
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		i += n
	}
	return -1, -1
}
