package jsonobject

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/ferry-dev/ferry/profile"
)

// Names resolves attribute names through a mapping and the alias table
// (profile.Mapping.Resolve), remembering the answers: an input repeats its
// names on every object, and the alias table is searched with case and
// separators folded. It remembers at most maxNames names, so input whose
// every object names new members cannot grow it. It is safe for
// concurrent use by the workers.
type Names struct {
	m     *profile.Mapping
	known sync.Map // name → resolved
	n     atomic.Int32
}

// resolved is what a name means: its path, whether the mapping drops it,
// and whether it sets a profile path (else it is an unknown attribute).
type resolved struct {
	path   string
	ignore bool
	set    bool
}

// maxNames bounds what a Names remembers.
const maxNames = 4096

// NewNames returns the resolver of names through m.
func NewNames(m *profile.Mapping) *Names { return &Names{m: m} }

// lookup resolves name: m.Resolve(name), and whether the name sets a
// profile path.
func (ns *Names) lookup(name string) resolved {
	if v, ok := ns.known.Load(name); ok {
		return v.(resolved)
	}
	var r resolved
	r.path, r.ignore = ns.m.Resolve(name)
	r.set = !r.ignore && (r.path != name || isAttribute(name))
	if ns.n.Load() < maxNames {
		if _, loaded := ns.known.LoadOrStore(name, r); !loaded {
			ns.n.Add(1)
		}
	}
	return r
}

// resolve reads the members of a decoded object that the profile does not
// know (u.Extra) the way the CSV decoder reads its columns; see Resolve.
func resolve(u *profile.User, m *Names, is *profile.Issues) {
	if !slices.ContainsFunc(u.Extra, func(a profile.Attr) bool { r := m.lookup(a.Key); return r.ignore || r.set }) {
		return // every member stays an unknown attribute, as decoded
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
func Resolve(u *profile.User, attrs []profile.Attr, m *Names, is *profile.Issues) {
	for _, a := range attrs {
		r := m.lookup(a.Key)
		path := r.path
		switch {
		case r.ignore:
			continue
		case !r.set:
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
