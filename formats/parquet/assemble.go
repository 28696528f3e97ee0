package parquet

import (
	pq "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"

	"github.com/ferry-dev/ferry/profile"
)

// node is a field of a file's schema, as the assembler walks it.
type node struct {
	name     string
	leaf     int // leaf column index, -1 for a group
	vi       vinfo
	optional bool
	repeated bool
	def, rep int // the levels at which the node is present
	children []*node
	first    int   // the first leaf under the node
	leaves   []int // every leaf under the node
	list     bool  // a group annotated LIST
	mapping  bool  // a group annotated MAP
}

// maxDepth bounds the nesting of the schemas the reader accepts.
const maxDepth = 32

func newNode(c *pq.Column, def, rep, depth int) (*node, bool) {
	n := &node{name: c.Name(), leaf: -1, optional: c.Optional(), repeated: c.Repeated(), def: def, rep: rep}
	if n.optional || n.repeated {
		n.def++
	}
	if n.repeated {
		n.rep++
	}
	if depth > maxDepth {
		return nil, false
	}
	if c.Leaf() {
		n.leaf = c.Index()
		n.vi = infoOf(c.Type())
		n.first, n.leaves = n.leaf, []int{n.leaf}
		return n, true
	}
	if lt := c.Type().LogicalType(); lt != nil {
		switch lt.Value.(type) {
		case *format.ListType:
			n.list = true
		case *format.MapType:
			n.mapping = true
		}
	}
	if ct := c.Type().ConvertedType(); ct != nil {
		switch *ct {
		case deprecated.List:
			n.list = true
		case deprecated.Map, deprecated.MapKeyValue:
			n.mapping = true
		}
	}
	for _, cc := range c.Columns() {
		ch, ok := newNode(cc, n.def, n.rep, depth+1)
		if !ok {
			return nil, false
		}
		n.children = append(n.children, ch)
		n.leaves = append(n.leaves, ch.leaves...)
	}
	if len(n.leaves) == 0 {
		return nil, false
	}
	n.first = n.leaves[0]
	// A list or map is a group with one repeated child; anything else is
	// read as a plain struct.
	if (n.list || n.mapping) && (len(n.children) != 1 || !n.children[0].repeated) {
		n.list, n.mapping = false, false
	}
	if n.mapping && (n.children[0].leaf >= 0 || len(n.children[0].children) != 2) {
		n.mapping = false
	}
	return n, true
}

// item returns the node that is one item of a LIST group n: the repeated
// child itself when it is a leaf, a struct of several fields or named as
// legacy writers name it, else its only child.
func (n *node) item() *node {
	r := n.children[0]
	if r.leaf >= 0 || len(r.children) != 1 || r.name == "array" || r.name == n.name+"_tuple" {
		return r
	}
	return r.children[0]
}

// asm assembles the values of one row into JSON, following the levels.
type asm struct {
	vals    [][]pq.Value // per leaf, the row's values
	pos     []int        // per leaf, the next value
	scratch []byte
}

func (a *asm) peek(leaf int) (pq.Value, bool) {
	if a.pos[leaf] >= len(a.vals[leaf]) {
		return pq.Value{}, false
	}
	return a.vals[leaf][a.pos[leaf]], true
}

// skip consumes the one entry each leaf under n has for an absent n.
func (a *asm) skip(n *node) {
	for _, l := range n.leaves {
		a.pos[l]++
	}
}

// present reports whether the next instance of n is there (its parent
// being present): the next entry's definition level reaches n's.
func (a *asm) present(n *node) bool {
	v, ok := a.peek(n.first)
	return ok && v.DefinitionLevel() >= n.def
}

// more reports whether another instance of the repeated n follows.
func (a *asm) more(n *node) bool {
	v, ok := a.peek(n.first)
	return ok && v.RepetitionLevel() == n.rep
}

// field appends the JSON of n within one instance of its parent and
// reports whether n is there: an absent optional field or a repeated field
// without instances is not (its entries are consumed).
func (a *asm) field(dst []byte, n *node) ([]byte, bool) {
	if !a.present(n) {
		a.skip(n)
		return dst, false
	}
	if !n.repeated {
		return a.instance(dst, n), true
	}
	dst = append(dst, '[')
	for i := 0; ; i++ {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = a.instance(dst, n)
		if !a.more(n) {
			break
		}
	}
	return append(dst, ']'), true
}

// instance appends the JSON of one present instance of n.
func (a *asm) instance(dst []byte, n *node) []byte {
	switch {
	case n.leaf >= 0:
		v, ok := a.peek(n.leaf)
		a.pos[n.leaf]++
		if !ok || v.IsNull() {
			return append(dst, "null"...)
		}
		return n.vi.appendJSONValue(dst, v, a.scratch)
	case n.list:
		return a.list(dst, n)
	case n.mapping:
		return a.object(dst, n)
	}
	dst = append(dst, '{')
	start := len(dst)
	for _, c := range n.children {
		mark := len(dst)
		if len(dst) > start {
			dst = append(dst, ',')
		}
		dst = profile.AppendString(dst, c.name)
		dst = append(dst, ':')
		var ok bool
		if dst, ok = a.field(dst, c); !ok {
			dst = dst[:mark]
		}
	}
	return append(dst, '}')
}

// list appends a LIST group's items as an array; an absent item is null.
func (a *asm) list(dst []byte, n *node) []byte {
	r, it := n.children[0], n.item()
	dst = append(dst, '[')
	if !a.present(r) {
		a.skip(r)
		return append(dst, ']')
	}
	for i := 0; ; i++ {
		if i > 0 {
			dst = append(dst, ',')
		}
		if it == r {
			dst = a.instance(dst, r)
		} else {
			var ok bool
			if dst, ok = a.field(dst, it); !ok {
				dst = append(dst, "null"...)
			}
		}
		if !a.more(r) {
			break
		}
	}
	return append(dst, ']')
}

// object appends a MAP group's entries as an object; keys that are not
// strings are written as their JSON text.
func (a *asm) object(dst []byte, n *node) []byte {
	r := n.children[0]
	key, val := r.children[0], r.children[1]
	dst = append(dst, '{')
	if !a.present(r) {
		a.skip(r)
		return append(dst, '}')
	}
	for i := 0; ; i++ {
		if i > 0 {
			dst = append(dst, ',')
		}
		k, ok := a.field(nil, key)
		switch {
		case !ok:
			dst = append(dst, `""`...)
		case k[0] == '"':
			dst = append(dst, k...)
		default:
			dst = profile.AppendString(dst, string(k))
		}
		dst = append(dst, ':')
		if dst, ok = a.field(dst, val); !ok {
			dst = append(dst, "null"...)
		}
		if !a.more(r) {
			break
		}
	}
	return append(dst, '}')
}
