package query

import (
	"strconv"
	"strings"
	"unsafe"

	"github.com/ferry-dev/ferry/profile"
)

// This file walks the raw JSON of metadata and identities without
// allocating. The profile package guarantees that raw values are
// well-formed JSON; on text that is not, these functions give some answer
// but never read out of bounds or panic.

// jkind is the kind of a JSON value.
type jkind uint8

const (
	jBad jkind = iota
	jNull
	jFalse
	jTrue
	jNumber
	jString
	jArray
	jObject
)

// jval is one JSON value: its kind and text. A string's text is its JSON
// literal, quotes included, unless plain says it is already decoded text
// (an identity attribute held by the profile as a Go string).
type jval struct {
	k     jkind
	s     string
	plain bool
}

// view returns b as a string without copying. The string must not outlive
// b's current contents; here it never outlives one Match call, during which
// the user is not modified.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// text returns the decoded text of a string value. It allocates only for a
// JSON string holding escapes.
func (v jval) text() string {
	if v.plain {
		return v.s
	}
	inner := v.s[1 : len(v.s)-1]
	if strings.IndexByte(inner, '\\') < 0 {
		return inner
	}
	s, err := profile.Unquote([]byte(v.s))
	if err != nil {
		return inner
	}
	return s
}

// number returns a number value as a float64 (±Inf beyond its range).
func (v jval) number() float64 {
	f, _ := strconv.ParseFloat(v.s, 64)
	return f
}

func skipWS(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// strEnd returns the offset after the string starting at s[i] ('"'), or -1.
func strEnd(s string, i int) int {
	for j := i + 1; j < len(s); {
		k := strings.IndexAny(s[j:], `"\\`)
		if k < 0 {
			return -1
		}
		j += k
		if s[j] == '"' {
			return j + 1
		}
		j += 2 // a backslash and the character it escapes
	}
	return -1
}

// valueAt reads the value starting at s[i] (not white space).
func valueAt(s string, i int) (jval, int) {
	if i >= len(s) {
		return jval{}, len(s)
	}
	switch c := s[i]; {
	case c == '"':
		e := strEnd(s, i)
		if e < 0 {
			return jval{}, len(s)
		}
		return jval{k: jString, s: s[i:e]}, e
	case c == '{' || c == '[':
		depth := 0
		for j := i; j < len(s); j++ {
			k := strings.IndexAny(s[j:], `"{}[]`)
			if k < 0 {
				break
			}
			j += k
			switch s[j] {
			case '"':
				e := strEnd(s, j)
				if e < 0 {
					return jval{}, len(s)
				}
				j = e - 1
			case '{', '[':
				depth++
			default:
				depth--
				if depth == 0 {
					k := jObject
					if c == '[' {
						k = jArray
					}
					return jval{k: k, s: s[i : j+1]}, j + 1
				}
			}
		}
		return jval{}, len(s)
	case c == 't':
		return literal(s, i, "true", jTrue)
	case c == 'f':
		return literal(s, i, "false", jFalse)
	case c == 'n':
		return literal(s, i, "null", jNull)
	case c == '-' || c >= '0' && c <= '9':
		j := i + 1
		for j < len(s) && strings.IndexByte("0123456789+-.eE", s[j]) >= 0 {
			j++
		}
		return jval{k: jNumber, s: s[i:j]}, j
	}
	return jval{}, len(s)
}

func literal(s string, i int, w string, k jkind) (jval, int) {
	if strings.HasPrefix(s[i:], w) {
		return jval{k: k, s: s[i : i+len(w)]}, i + len(w)
	}
	return jval{}, len(s)
}

// rootValue reads the single value of raw text. An object or array is
// not scanned to its end: its text runs to the end of raw, which the
// walkers, stopping at its closing bracket, never read past.
func rootValue(raw []byte) jval {
	s := view(raw)
	i := skipWS(s, 0)
	if i < len(s) {
		switch s[i] {
		case '{':
			return jval{k: jObject, s: s[i:]}
		case '[':
			return jval{k: jArray, s: s[i:]}
		}
	}
	v, _ := valueAt(s, i)
	return v
}

// member returns the value of key in the object obj; for a key given
// twice, the last one, as the profile package resolves it.
func member(obj jval, key string) (jval, bool) {
	if obj.k != jObject {
		return jval{}, false
	}
	s := obj.s
	var found jval
	ok := false
	i := skipWS(s, 1)
	for i < len(s) && s[i] == '"' {
		ke := strEnd(s, i)
		if ke < 0 {
			break
		}
		rawKey := s[i+1 : ke-1]
		i = skipWS(s, ke)
		if i >= len(s) || s[i] != ':' {
			break
		}
		v, end := valueAt(s, skipWS(s, i+1))
		if v.k == jBad {
			break
		}
		if keyIs(rawKey, key) {
			found, ok = v, true
		}
		i = skipWS(s, end)
		if i >= len(s) || s[i] != ',' {
			break
		}
		i = skipWS(s, i+1)
	}
	return found, ok
}

// keyIs reports whether the raw content of a JSON key decodes to key.
func keyIs(raw, key string) bool {
	if strings.IndexByte(raw, '\\') < 0 {
		return raw == key
	}
	s, err := profile.Unquote([]byte(`"` + raw + `"`))
	return err == nil && s == key
}

// elements calls fn for each element of the array arr until fn returns
// true, and reports whether it did.
func elements(arr jval, fn func(jval) bool) bool {
	s := arr.s
	i := skipWS(s, 1)
	for i < len(s) && s[i] != ']' {
		v, end := valueAt(s, i)
		if v.k == jBad {
			return false
		}
		if fn(v) {
			return true
		}
		i = skipWS(s, end)
		if i >= len(s) || s[i] != ',' {
			return false
		}
		i = skipWS(s, i+1)
	}
	return false
}

// visit follows path from v, Auth0's way: an array met at any step stands
// for each of its elements (one level deep). It calls leaf for each value
// reached until leaf returns true, and reports whether it did.
func visit(v jval, path []string, leaf func(jval) bool) bool {
	if len(path) == 0 {
		return leaf(v)
	}
	m, ok := member(v, path[0])
	if !ok {
		return false
	}
	return spread(m, path[1:], leaf)
}

// spread goes on along path from the value of a key, standing an array for
// its elements.
func spread(m jval, path []string, leaf func(jval) bool) bool {
	if m.k == jArray {
		return elements(m, func(e jval) bool { return visit(e, path, leaf) })
	}
	return visit(m, path, leaf)
}

// hasScalar reports whether v is indexed in Auth0's sense: a string,
// number or boolean, or an object or array holding one at any depth. Null
// and empty objects and arrays are not.
func hasScalar(v jval) bool {
	switch v.k {
	case jString, jNumber, jTrue, jFalse:
		return true
	case jObject, jArray:
	default:
		return false
	}
	s := v.s
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			e := strEnd(s, i)
			if e < 0 {
				return false
			}
			if j := skipWS(s, e); j < len(s) && s[j] == ':' {
				i = j // a key, not a value
				continue
			}
			return true
		case c == 't' || c == 'f' || c == '-' || c >= '0' && c <= '9':
			return true // outside strings, only true, false and numbers hold these
		}
	}
	return false
}
