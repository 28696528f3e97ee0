package columnar

import (
	"errors"
	"fmt"

	"github.com/ferry-dev/ferry/profile"
)

// ErrSchema marks an input whose columns cannot be mapped onto profiles.
var ErrSchema = errors.New("unusable columns")

// Root returns the schema field of a root attribute path ("email",
// "identities"), which readers set directly, or false.
func Root(path string) (*Field, bool) {
	for i := range rootFields {
		if rootFields[i].Name == path {
			return &rootFields[i], true
		}
	}
	return nil, false
}

// Binding says what a reader does with one top-level column of an input.
type Binding struct {
	// Path is the profile path the column holds.
	Path string
	// Field is the root attribute's field when Path names one, the Extra
	// field for a column of unknown attributes, else nil.
	Field *Field
	// Whole is set when Path is not a path the profile can parse (a
	// column named "a[b"): the column is kept as the unknown attribute of
	// that exact name.
	Whole bool
	// Ignore drops the column: the mapping ignores it, or it is a
	// flattened copy of a path inside another column's attribute.
	Ignore bool
}

var extraField = Field{Name: ExtraName, Kind: JSON, Attr: Extra}

// Bind resolves the top-level columns of an input: through m, then the
// alias table (profile.Canonical), else the name stands for an unknown
// attribute. A column named extra holding JSON text (isJSON) is the object
// of unknown attributes that ferry writes. A column whose path lies inside
// the attribute of another column (user_metadata.plan next to
// user_metadata) is a flattened copy and is ignored. Two columns holding
// one path are an error wrapping ErrSchema.
func Bind(names []string, isJSON func(i int) bool, m profile.Mapping) ([]Binding, error) {
	bs := make([]Binding, len(names))
	seen := make(map[string]int, len(names))
	for i, name := range names {
		b := &bs[i]
		if name == ExtraName && isJSON(i) {
			b.Path, b.Field = ExtraName, &extraField
			continue
		}
		path, ignore := m.Resolve(name)
		if ignore || path == "" {
			b.Ignore = true
			continue
		}
		b.Path = path
		if f, ok := Root(path); ok {
			b.Field = f
		} else {
			var probe profile.User
			if err := probe.SetText(path, ""); err != nil {
				b.Path, b.Whole = name, true
			}
		}
		if j, dup := seen[b.Path]; dup {
			return nil, fmt.Errorf("%w: columns %d (%s) and %d (%s) both hold %s", ErrSchema, j+1, names[j], i+1, name, b.Path)
		}
		seen[b.Path] = i
	}
	for i := range bs {
		b := &bs[i]
		if b.Ignore || b.Field != nil || b.Whole {
			continue
		}
		if root, rest := splitRoot(b.Path); rest != "" {
			if _, ok := seen[root]; ok {
				b.Ignore = true
			}
		}
	}
	return bs, nil
}

// SetText sets the attribute a binding names from a scalar of a foreign
// column. text is the value's text and js its JSON form, nil when the
// value is a string (then text is the string). Root and identity
// attributes take the text (SetText parses booleans, times, counts and
// JSON cells); paths into metadata and unknown attributes keep the JSON
// type.
func (b *Binding) SetText(u *profile.User, text string, js []byte) error {
	if b.Whole {
		if js == nil {
			js = profile.AppendString(nil, text)
		}
		if text == "" && js == nil {
			return nil
		}
		u.Extra = append(u.Extra, profile.Attr{Key: b.Path, Value: compact(js)})
		return nil
	}
	root, rest := splitRoot(b.Path)
	if js == nil || rest == "" && b.Field != nil && b.Field.Kind != JSON && b.Field.Kind != List || root == "identities" && rest != "" {
		return u.SetText(b.Path, text)
	}
	if b.Field != nil && b.Field.Kind == JSON && js[0] == '"' {
		return u.SetText(b.Path, text)
	}
	return u.SetJSON(b.Path, js)
}
