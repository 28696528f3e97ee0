package jsonobject

import (
	"fmt"

	"github.com/ferry-dev/ferry/profile"
)

// resolve reads the members of a decoded object that the profile does not
// know (u.Extra) the way the CSV decoder reads its columns; see Resolve.
func resolve(u *profile.User, m *profile.Mapping, is *profile.Issues) {
	if len(u.Extra) == 0 {
		return
	}
	extra := u.Extra
	// u.Extra is rebuilt in input order: what stays unknown, and what an
	// alias sets among the unknown attributes Auth0 keeps (job_title).
	u.Extra = nil
	Resolve(u, extra, m, is)
}

// Resolve adds attrs, attributes read by name (members of an object, the
// "extra" cell of a CSV row), to u as a CSV column is read: an attribute
// the mapping names, or the alias table knows ("lastName", "localId",
// "emailVerified"), or a profile attribute itself ("email"), sets its
// profile path; one the mapping ignores is dropped; any other is appended
// to u.Extra, an unknown attribute. An attribute whose path u already
// holds (under the attribute's own name or another alias) is a CONFLICT
// issue, and a value the path cannot take an INVALID_TYPE one: the
// attribute is then kept in u.Extra as it came, nothing is lost. Issues
// name attributes and paths, never values.
func Resolve(u *profile.User, attrs []profile.Attr, m *profile.Mapping, is *profile.Issues) {
	for _, a := range attrs {
		path, ignore := m.Resolve(a.Key)
		switch {
		case ignore:
			continue
		case path == a.Key && !isAttribute(path):
			u.Extra = append(u.Extra, a)
			continue
		}
		if _, taken := u.GetJSON(path); taken {
			is.Add(profile.CodeConflict, path, fmt.Sprintf("member %q holds %s a second time", a.Key, path))
			u.Extra = append(u.Extra, a)
			continue
		}
		err := u.SetJSON(path, a.Value)
		if err != nil && isNumber(a.Value) {
			// A numeric id where the profile keeps text, as a CSV cell
			// would give it.
			err = u.SetText(path, string(a.Value))
		}
		if err != nil {
			is.Add(profile.CodeInvalidType, path, fmt.Sprintf("member %q: %v", a.Key, err))
			u.Extra = append(u.Extra, a)
		}
	}
}

// isAttribute reports whether name is an attribute of the profile itself
// (email, user_metadata, password), which decoders of objects read
// directly: one met among attributes read by name is set, not kept as
// unknown.
func isAttribute(name string) bool {
	p, ok := profile.Canonical(name)
	return ok && p == name
}

func isNumber(v []byte) bool {
	return len(v) > 0 && (v[0] == '-' || v[0] >= '0' && v[0] <= '9')
}
