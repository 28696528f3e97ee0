package json

import "bytes"

// maxDepth is the deepest nesting of arrays and objects the scanner follows.
const maxDepth = 10000

// structural marks the bytes the scanner acts on outside strings.
var structural = [256]bool{'"': true, '{': true, '}': true, '[': true, ']': true}

// valueScan finds the end of one JSON value without parsing it: it follows
// strings (and their escapes) and the nesting of brackets. It is resumable,
// so the reader can feed it a value that arrives in pieces; n is the length
// of the value scanned so far.
type valueScan struct {
	stack   []byte // open brackets
	n       int
	started bool
	inStr   bool
	esc     bool // the byte at n is escaped
	scalar  bool // a number or literal, which ends at a delimiter
}

func (s *valueScan) reset() {
	*s = valueScan{stack: s.stack[:0]}
}

// scanError is a structural error at byte at of the value.
type scanError struct {
	at  int
	msg string
}

// scan continues over data, the bytes of the value from its first one on.
// It reports whether the value ended (its length is then s.n); eof says
// that no byte follows data. A bracket that closes the wrong kind, or too
// deep a nesting, is an error.
func (s *valueScan) scan(data []byte, eof bool) (bool, *scanError) {
	i := s.n
	if !s.started {
		if i >= len(data) {
			return false, nil
		}
		s.started = true
		switch c := data[i]; c {
		case '{', '[':
			s.stack = append(s.stack, c)
			i++
		case '"':
			s.inStr = true
			i++
		case '}', ']', ',', ':':
			return false, &scanError{at: i, msg: "expected a value"}
		default:
			s.scalar = true
		}
	}
	if s.scalar {
		for i < len(data) && !isDelim(data[i]) {
			i++
		}
		s.n = i
		return i < len(data) || eof, nil
	}
	for i < len(data) {
		if s.esc {
			s.esc = false
			i++
			continue
		}
		if s.inStr {
			rest := data[i:]
			q := bytes.IndexByte(rest, '"')
			if q >= 0 {
				rest = rest[:q]
			}
			if b := bytes.IndexByte(rest, '\\'); b >= 0 {
				i += b + 1
				s.esc = true
				continue
			}
			if q < 0 {
				i = len(data)
				break
			}
			i += q + 1
			s.inStr = false
			if len(s.stack) == 0 { // the value is a string
				s.n = i
				return true, nil
			}
			continue
		}
		c := data[i]
		if !structural[c] {
			i++
			continue
		}
		switch c {
		case '"':
			s.inStr = true
		case '{', '[':
			if len(s.stack) >= maxDepth {
				return false, &scanError{at: i, msg: "nesting too deep"}
			}
			s.stack = append(s.stack, c)
		case '}', ']':
			open := byte('{')
			if c == ']' {
				open = '['
			}
			if s.stack[len(s.stack)-1] != open {
				if c == '}' {
					return false, &scanError{at: i, msg: "'}' closes an array"}
				}
				return false, &scanError{at: i, msg: "']' closes an object"}
			}
			s.stack = s.stack[:len(s.stack)-1]
			if len(s.stack) == 0 {
				s.n = i + 1
				return true, nil
			}
		}
		i++
	}
	s.n = i
	return false, nil
}

// isDelim reports whether c ends a number or literal.
func isDelim(c byte) bool {
	switch c {
	case ',', ']', '}', ' ', '\t', '\r', '\n', '"', '[', '{', ':':
		return true
	}
	return false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
