package jsonobject

import (
	"github.com/ferry-dev/ferry/profile"
)

// Projection writes chosen attributes of a user as one JSON object, as
// Auth0's JSON export does with the fields of an export job: a member per
// path, named by the path or its export name, holding the value at that
// path (whole objects too, such as app_metadata). A path the user has no
// value at is left out. The zero Projection writes nothing; use Project.
type Projection struct {
	paths []string
	keys  [][]byte // `"name":`
}

// Project returns the projection on paths, whose members are named by as
// (path → name) where it names them and by the path elsewhere.
func Project(paths []string, as map[string]string) Projection {
	p := Projection{paths: paths, keys: make([][]byte, len(paths))}
	for i, path := range paths {
		name := path
		if n, ok := as[path]; ok && n != "" {
			name = n
		}
		p.keys[i] = append(profile.AppendString(nil, name), ':')
	}
	return p
}

// Append appends u's object to dst.
func (p Projection) Append(dst []byte, u *profile.User) []byte {
	dst = append(dst, '{')
	first := true
	for i, path := range p.paths {
		v, ok := u.GetJSON(path)
		if !ok || len(v) == 0 {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, p.keys[i]...)
		dst = append(dst, v...)
	}
	return append(dst, '}')
}
