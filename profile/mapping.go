package profile

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/ferry-dev/ferry/internal/yamldoc"
)

// ErrMapping marks a mapping file or Mapping that cannot be used.
var ErrMapping = errors.New("invalid mapping")

// Mapping tells a decoder what the columns (or attributes) of an input mean,
// before the alias table does. Its zero value maps nothing, so Resolve falls
// back to the aliases. A mapping file reads:
//
//	columns:
//	  Mail Address: email
//	  Plan: user_metadata.plan
//	  legacy_id: app_metadata.legacy_id
//	ignore: [internal_notes]
type Mapping struct {
	// Columns maps a column name, exactly as the input spells it, to a
	// profile path: a root attribute (email, password, …, or an alias target
	// such as upn), identities[N].<field>, or a path into user_metadata or
	// app_metadata.
	Columns map[string]string
	// Ignore lists columns to drop.
	Ignore []string
}

// LoadMapping reads a mapping file (YAML, the shape Mapping shows) and
// checks it: only the keys columns and ignore, every target a valid path,
// no column both mapped and ignored, no two columns onto one path. Errors
// wrap ErrMapping and name the column and its line. An empty file is an
// empty Mapping.
func LoadMapping(r io.Reader) (Mapping, error) {
	root, err := yamldoc.Mapping(r, "columns and ignore")
	if err != nil {
		return Mapping{}, fmt.Errorf("%w: %w", ErrMapping, err)
	}
	if root == nil {
		return Mapping{}, nil
	}
	var m Mapping
	lines := map[string]int{} // column -> line, for messages
	targets := map[string]string{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "columns":
			if yamldoc.IsNull(v) {
				continue
			}
			if v.Kind != yaml.MappingNode {
				return Mapping{}, fmt.Errorf("%w: line %d: columns: want a mapping of column names to paths", ErrMapping, v.Line)
			}
			if m.Columns == nil {
				m.Columns = make(map[string]string, len(v.Content)/2)
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				ck, cv := v.Content[j], v.Content[j+1]
				col := ck.Value
				if ck.Kind != yaml.ScalarNode || col == "" {
					return Mapping{}, fmt.Errorf("%w: line %d: columns: want a column name", ErrMapping, ck.Line)
				}
				if prev, dup := lines[col]; dup {
					return Mapping{}, fmt.Errorf("%w: line %d: column %q: mapped twice (first at line %d)", ErrMapping, ck.Line, col, prev)
				}
				if cv.Kind != yaml.ScalarNode || yamldoc.IsNull(cv) {
					return Mapping{}, fmt.Errorf("%w: line %d: column %q: want a profile path", ErrMapping, cv.Line, col)
				}
				if err := checkTarget(cv.Value); err != nil {
					return Mapping{}, fmt.Errorf("%w: line %d: column %q: %w", ErrMapping, cv.Line, col, err)
				}
				if other, dup := targets[cv.Value]; dup {
					return Mapping{}, fmt.Errorf("%w: line %d: column %q: path %q is already the target of column %q (line %d)",
						ErrMapping, cv.Line, col, cv.Value, other, lines[other])
				}
				lines[col] = ck.Line
				targets[cv.Value] = col
				m.Columns[col] = cv.Value
			}
		case "ignore":
			if yamldoc.IsNull(v) {
				continue
			}
			items := []*yaml.Node{v}
			if v.Kind == yaml.SequenceNode {
				items = v.Content
			}
			for _, it := range items {
				if it.Kind != yaml.ScalarNode || it.Value == "" {
					return Mapping{}, fmt.Errorf("%w: line %d: ignore: want column names", ErrMapping, it.Line)
				}
				m.Ignore = append(m.Ignore, it.Value)
			}
		default:
			return Mapping{}, fmt.Errorf("%w: line %d: unknown key %q (want columns or ignore)", ErrMapping, k.Line, k.Value)
		}
	}
	for _, col := range m.Ignore {
		if line, mapped := lines[col]; mapped {
			return Mapping{}, fmt.Errorf("%w: line %d: column %q: both mapped and ignored", ErrMapping, line, col)
		}
	}
	return m, nil
}

// Check reports the first problem of a Mapping built in code, as
// LoadMapping would (without line numbers), in column order.
func (m Mapping) Check() error {
	cols := make([]string, 0, len(m.Columns))
	for c := range m.Columns {
		cols = append(cols, c)
	}
	slices.Sort(cols)
	targets := make(map[string]string, len(cols))
	for _, col := range cols {
		p := m.Columns[col]
		if err := checkTarget(p); err != nil {
			return fmt.Errorf("%w: column %q: %w", ErrMapping, col, err)
		}
		if other, dup := targets[p]; dup {
			return fmt.Errorf("%w: column %q: path %q is already the target of column %q", ErrMapping, col, p, other)
		}
		targets[p] = col
	}
	for _, col := range m.Ignore {
		if _, mapped := m.Columns[col]; mapped {
			return fmt.Errorf("%w: column %q: both mapped and ignored", ErrMapping, col)
		}
	}
	return nil
}

// Resolve returns the profile path of an input column: the mapping's
// target, else the alias table's (Canonical), else the column name itself,
// which a decoder keeps as an Extra attribute when it is no path it knows.
// ignore is true for a column the mapping drops.
func (m Mapping) Resolve(column string) (path string, ignore bool) {
	if slices.Contains(m.Ignore, column) {
		return "", true
	}
	if p, ok := m.Columns[column]; ok {
		return p, false
	}
	if p, ok := Canonical(column); ok {
		return p, false
	}
	return column, false
}

// identityFields are the attributes of an identities[] entry.
func identityField(name string) bool {
	switch name {
	case "connection", "provider", "user_id", "isSocial", "access_token",
		"access_token_secret", "refresh_token", "profileData":
		return true
	}
	return false
}

// checkTarget checks a mapping target: a root attribute (or an alias
// target such as upn), identities[N].<field> (profileData may go deeper),
// or a path into user_metadata or app_metadata.
func checkTarget(p string) error {
	const want = "is not a root attribute, identities[N].<field> or a user_metadata/app_metadata path"
	if isRootName(p) {
		return nil
	}
	for i := range aliasTable {
		if aliasTable[i].Path == p {
			return nil
		}
	}
	head, rest, deep := strings.Cut(p, ".")
	switch {
	case head == "user_metadata" || head == "app_metadata":
		if !deep {
			break
		}
		if err := checkMetadataPath(rest); err != nil {
			return fmt.Errorf("path %q: %w", p, err)
		}
		first, _, _ := strings.Cut(rest, ".")
		first, _, _ = strings.Cut(first, "[")
		if head == "app_metadata" && reservedAppKey(first) {
			return fmt.Errorf("path %q: %q is a reserved app_metadata key", p, first)
		}
		return nil
	case strings.HasPrefix(head, "identities[") && deep:
		idx, ok := strings.CutSuffix(head[len("identities["):], "]")
		if !ok || !isIndex(idx) {
			return fmt.Errorf("path %q: want identities[N] with N a number", p)
		}
		field, sub, deeper := strings.Cut(rest, ".")
		if !identityField(field) {
			return fmt.Errorf("path %q: %q is not an identity attribute", p, field)
		}
		if deeper {
			if field != "profileData" {
				return fmt.Errorf("path %q: %q has no attributes", p, field)
			}
			if err := checkMetadataPath(sub); err != nil {
				return fmt.Errorf("path %q: %w", p, err)
			}
		}
		return nil
	}
	return fmt.Errorf("path %q %s", p, want)
}

// checkMetadataPath checks the part of a metadata path after the root:
// dot-separated non-empty keys without '$', each optionally followed by
// [N] indexes.
func checkMetadataPath(rest string) error {
	for seg := range strings.SplitSeq(rest, ".") {
		key, idx, _ := strings.Cut(seg, "[")
		if key == "" {
			return errors.New("empty key")
		}
		if strings.ContainsAny(key, "$]") {
			return fmt.Errorf("key %q holds '$' or ']'", key)
		}
		if idx == "" {
			continue
		}
		// idx is "N]" or "N][M]…".
		for idx != "" {
			n, after, ok := strings.Cut(idx, "]")
			if !ok || !isIndex(n) {
				return fmt.Errorf("key %q: malformed index", key)
			}
			if after == "" {
				break
			}
			if after[0] != '[' {
				return fmt.Errorf("key %q: malformed index", key)
			}
			idx = after[1:]
		}
	}
	return nil
}

// isIndex matches a decimal array index: digits, no leading zero, at most 6.
func isIndex(s string) bool {
	if s == "" || len(s) > 6 || len(s) > 1 && s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
