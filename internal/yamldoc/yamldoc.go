// Package yamldoc reads the small YAML files ferry takes (mapping files):
// one document whose root is a mapping, with the lines of its nodes kept
// for messages.
package yamldoc

import (
	"errors"
	"fmt"
	"io"

	"gopkg.in/yaml.v3"
)

// Mapping reads one YAML document from r and returns its root mapping
// node, or nil for an empty or null document. A syntax error, a second
// document, or a root that is not a mapping is an error; want says, for
// the last, what the mapping should hold ("key, columns and ignore").
func Mapping(r io.Reader, want string) (*yaml.Node, error) {
	dec := yaml.NewDecoder(r)
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("more than one yaml document")
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if IsNull(root) {
		return nil, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: want a mapping with %s", root.Line, want)
	}
	return root, nil
}

// IsNull reports whether n is absent or null.
func IsNull(n *yaml.Node) bool {
	return n.Kind == 0 || n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}
