package jsonobject

import (
	"fmt"

	"github.com/ferry-dev/ferry/profile"
)

// resolve reads the members of a decoded object that the profile does not
// know (u.Extra) the way the CSV decoder reads its columns: a member the
// mapping names, or the alias table knows ("lastName", "localId",
// "emailVerified"), sets its profile path; one the mapping ignores is
// dropped; any other stays an unknown attribute. A member whose path the
// object also sets (under the attribute's own name or another alias) is a
// CONFLICT issue of the record, and a value the path cannot take an
// INVALID_TYPE one: the member is then kept as it came, nothing is lost.
// Issues name members and paths, never values.
func resolve(u *profile.User, m *profile.Mapping, is *profile.Issues) {
	if len(u.Extra) == 0 {
		return
	}
	extra := u.Extra
	// u.Extra is rebuilt in input order: what stays unknown, and what an
	// alias sets among the unknown attributes Auth0 keeps (job_title).
	u.Extra = nil
	for _, a := range extra {
		path, ignore := m.Resolve(a.Key)
		switch {
		case ignore:
			continue
		case path == a.Key:
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

func isNumber(v []byte) bool {
	return len(v) > 0 && (v[0] == '-' || v[0] >= '0' && v[0] <= '9')
}
