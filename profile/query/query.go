package query

import (
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Query is a parsed search query. It is immutable and safe for concurrent
// use: one Query can filter many users from many goroutines.
type Query struct {
	root *node
}

// String returns the query in a canonical form of the syntax: explicit
// operators and parentheses, values quoted. Parsing it gives an equivalent
// query. It holds the query's values: do not log it; see Redacted.
func (q *Query) String() string {
	var b strings.Builder
	q.root.format(&b, false, false)
	return b.String()
}

// Redacted returns the canonical form with every value replaced by '?',
// keeping fields, operators and the kinds of terms. It holds no personal
// data, so audit lines and logs can record the shape of a query.
func (q *Query) Redacted() string {
	var b strings.Builder
	q.root.format(&b, false, true)
	return b.String()
}

type op uint8

const (
	opAll  op = iota + 1 // matches every user
	opNone               // matches no user
	opAnd
	opOr
	opNot
	opTerm
)

type node struct {
	op   op
	kids []*node
	t    *term
}

type termKind uint8

const (
	termEq termKind = iota + 1
	termWildcard
	termRange
	termExists
)

// term is one test on one field (attrNone: on the default fields).
type term struct {
	kind  termKind
	field field

	// text is the value as written (escapes decoded) and lower its lower
	// case, which folding fields compare. chunks and lowerChunks are the
	// literal runs around the '*' of a wildcard.
	text, lower         string
	chunks, lowerChunks []string
	phrase              bool // written as a quoted phrase

	// Typed forms of an equality's value.
	boolean  bool      // kindBool
	integer  int64     // kindInt
	from, to time.Time // kindTime: the period named, [from, to)
	num      float64   // kindJSON: the value as a number, when isNum
	isNum    bool
	isBool   bool // kindJSON: the value is true or false

	// Ranges.
	lo, hi  bound
	numeric bool // kindJSON: compare numbers, not strings
}

// bound is one end of a range.
type bound struct {
	open        bool // '*'
	incl        bool
	text, lower string
	phrase      bool
	integer     int64
	num         float64
	isNum       bool
	// at is the instant of a time bound: the range holds v >= at for a
	// lower bound and v < at for an upper one.
	at time.Time
}

func allNode() *node  { return &node{op: opAll} }
func noneNode() *node { return &node{op: opNone} }

func termNode(t *term) *node { return &node{op: opTerm, t: t} }

func existsNode(f field) *node {
	return termNode(&term{kind: termExists, field: f})
}

func notNode(n *node) *node { return &node{op: opNot, kids: []*node{n}} }

// andNode and orNode flatten nested nodes of their own kind and return a
// single operand as it is.
func andNode(kids []*node) *node { return flat(opAnd, kids) }
func orNode(kids []*node) *node  { return flat(opOr, kids) }

func flat(o op, kids []*node) *node {
	if len(kids) == 1 {
		return kids[0]
	}
	out := make([]*node, 0, len(kids))
	for _, k := range kids {
		if k.op == o {
			out = append(out, k.kids...)
		} else {
			out = append(out, k)
		}
	}
	return &node{op: o, kids: out}
}

func newEq(f field, text string, phrase bool) *term {
	t := &term{kind: termEq, field: f, text: text, lower: text, phrase: phrase}
	if f.attr == attrNone || f.attr.folds() {
		t.lower = strings.ToLower(text)
	}
	if f.attr.kind() == kindJSON {
		if isJSONNumber(text) {
			t.num, _ = strconv.ParseFloat(text, 64)
			t.isNum = true
		}
		if text == "true" || text == "false" {
			t.isBool, t.boolean = true, text == "true"
		}
	}
	return t
}

func newWildcard(f field, tok token) *term {
	t := &term{kind: termWildcard, field: f, chunks: tok.chunks, lowerChunks: tok.chunks}
	if f.attr == attrNone || f.attr.folds() {
		t.lowerChunks = make([]string, len(tok.chunks))
		for i, c := range tok.chunks {
			t.lowerChunks[i] = strings.ToLower(c)
		}
	}
	return t
}

// format writes the node in canonical syntax. sub says the node is an
// operand, which needs parentheses if it is compound.
func (n *node) format(b *strings.Builder, sub, redact bool) {
	switch n.op {
	case opAll:
		b.WriteByte('*')
	case opNone:
		b.WriteString(`NOT *`)
	case opNot:
		b.WriteString("NOT ")
		n.kids[0].format(b, true, redact)
	case opAnd, opOr:
		if sub {
			b.WriteByte('(')
		}
		for i, k := range n.kids {
			if i > 0 {
				if n.op == opAnd {
					b.WriteString(" AND ")
				} else {
					b.WriteString(" OR ")
				}
			}
			k.format(b, true, redact)
		}
		if sub {
			b.WriteByte(')')
		}
	case opTerm:
		n.t.format(b, redact)
	}
}

func (t *term) format(b *strings.Builder, redact bool) {
	if t.kind == termExists {
		b.WriteString("_exists_:")
		b.WriteString(t.field.String())
		return
	}
	if t.field.attr != attrNone {
		b.WriteString(t.field.String())
		b.WriteByte(':')
	}
	switch t.kind {
	case termEq:
		writeValue(b, t.text, redact)
	case termWildcard:
		if redact {
			b.WriteString("?*")
			return
		}
		for i, c := range t.chunks {
			if i > 0 {
				b.WriteByte('*')
			}
			writeEscaped(b, c)
		}
	case termRange:
		if t.lo.incl {
			b.WriteByte('[')
		} else {
			b.WriteByte('{')
		}
		t.lo.format(b, redact)
		b.WriteString(" TO ")
		t.hi.format(b, redact)
		if t.hi.incl {
			b.WriteByte(']')
		} else {
			b.WriteByte('}')
		}
	}
}

func (bd bound) format(b *strings.Builder, redact bool) {
	if bd.open {
		b.WriteByte('*')
		return
	}
	writeValue(b, bd.text, redact)
}

// writeValue writes a value as a quoted phrase, or '?' when redacting.
func writeValue(b *strings.Builder, s string, redact bool) {
	if redact {
		b.WriteByte('?')
		return
	}
	b.WriteByte('"')
	for _, r := range s {
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
}

// writeEscaped writes a literal run of a wildcard term with every
// character the syntax gives a meaning escaped.
func writeEscaped(b *strings.Builder, s string) {
	for _, r := range s {
		switch r {
		case ' ', '\t', '\n', '\r', '(', ')', '"', '[', ']', '{', '}', ':', '\\', '*', '?', '~', '^', '/', '!', '&', '|', '+', '-':
			b.WriteByte('\\')
		default:
			if unicode.IsSpace(r) {
				b.WriteByte('\\')
			}
		}
		b.WriteRune(r)
	}
}
