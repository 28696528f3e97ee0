package profile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/bits"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds the JSON text primitives the profile codec is built on,
// exported for the formats, validation and query evaluation: quoting,
// compaction, validation and iteration over raw objects and arrays. They follow RFC 8259 strictly, with two choices stated here once:
//
//   - Text must be valid UTF-8 (RFC 8259 §8.1). encoding/json accepts
//     invalid UTF-8 inside strings and replaces it; these functions report it
//     as malformed.
//   - Arrays and objects may nest at most 10000 deep, as in encoding/json;
//     deeper text is malformed (and never overflows the stack).
//
// An escaped lone surrogate ("\ud800") is well-formed, as the grammar allows;
// Unquote turns it into U+FFFD, as encoding/json does.

// maxDepth is the deepest nesting of arrays and objects accepted.
const maxDepth = 10000

// ErrSyntax marks malformed JSON text. Errors from the functions of this
// package that parse JSON wrap it (through *SyntaxError).
var ErrSyntax = errors.New("malformed json")

// ErrJSONKind is returned when a JSON value is well-formed but not of the
// kind asked for: ObjectEach given an array, Unquote given a number.
var ErrJSONKind = errors.New("unexpected json kind")

// SyntaxError is malformed JSON at a byte offset. It wraps ErrSyntax. Its
// message names the offset and the rule broken, never the text itself, so it
// is safe to log.
type SyntaxError struct {
	// Offset is the byte offset of the error in the text parsed.
	Offset int64
	msg    string
}

// Error returns "json: offset N: what was wrong".
func (e *SyntaxError) Error() string {
	return "json: offset " + strconv.FormatInt(e.Offset, 10) + ": " + e.msg
}

// Unwrap returns ErrSyntax.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// scanner validates JSON text in data from pos on. Its methods leave pos
// after what they read; they never read past len(data) and never panic.
type scanner struct {
	data []byte
	pos  int
	// ws records that insignificant whitespace was skipped since it was
	// last cleared, so callers copying a value know whether to compact it.
	ws bool
}

func (s *scanner) errorf(msg string) error {
	return &SyntaxError{Offset: int64(s.pos), msg: msg}
}

func (s *scanner) peek() byte {
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

func (s *scanner) skipWS() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\n', '\r', '\t':
			s.pos++
			s.ws = true
		default:
			return
		}
	}
}

// value reads one value; depth is the nesting depth of its container (0 at
// the top level).
func (s *scanner) value(depth int) error {
	if s.pos >= len(s.data) {
		return s.errorf("unexpected end of input, expected a value")
	}
	switch c := s.data[s.pos]; c {
	case '{':
		return s.object(depth + 1)
	case '[':
		return s.array(depth + 1)
	case '"':
		_, _, _, err := s.str()
		return err
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		if c == '-' || c >= '0' && c <= '9' {
			return s.number()
		}
		return s.errorf("invalid character, expected a value")
	}
}

func (s *scanner) object(depth int) error {
	if depth > maxDepth {
		return s.errorf("nesting deeper than 10000")
	}
	s.pos++
	s.skipWS()
	if s.peek() == '}' {
		s.pos++
		return nil
	}
	for {
		if s.peek() != '"' {
			return s.errorf("expected a string key")
		}
		if _, _, _, err := s.str(); err != nil {
			return err
		}
		if err := s.colon(); err != nil {
			return err
		}
		if err := s.value(depth); err != nil {
			return err
		}
		s.skipWS()
		switch s.peek() {
		case ',':
			s.pos++
			s.skipWS()
		case '}':
			s.pos++
			return nil
		default:
			return s.errorf("expected ',' or '}' after an object member")
		}
	}
}

// colon reads the ':' after a key with the whitespace around it.
func (s *scanner) colon() error {
	s.skipWS()
	if s.peek() != ':' {
		return s.errorf("expected ':' after an object key")
	}
	s.pos++
	s.skipWS()
	return nil
}

func (s *scanner) array(depth int) error {
	if depth > maxDepth {
		return s.errorf("nesting deeper than 10000")
	}
	s.pos++
	s.skipWS()
	if s.peek() == ']' {
		s.pos++
		return nil
	}
	for {
		if err := s.value(depth); err != nil {
			return err
		}
		s.skipWS()
		switch s.peek() {
		case ',':
			s.pos++
			s.skipWS()
		case ']':
			s.pos++
			return nil
		default:
			return s.errorf("expected ',' or ']' after an array element")
		}
	}
}

func (s *scanner) literal(w string) error {
	if len(s.data)-s.pos < len(w) || string(s.data[s.pos:s.pos+len(w)]) != w {
		return s.errorf("invalid literal")
	}
	s.pos += len(w)
	return nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number reads a number per RFC 8259 §6.
func (s *scanner) number() error {
	d, i := s.data, s.pos
	if d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i++; i < len(d) && isDigit(d[i]); i++ {
		}
	default:
		s.pos = i
		return s.errorf("invalid number, expected a digit")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || !isDigit(d[i]) {
			s.pos = i
			return s.errorf("invalid number, expected a digit after '.'")
		}
		for i++; i < len(d) && isDigit(d[i]); i++ {
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || !isDigit(d[i]) {
			s.pos = i
			return s.errorf("invalid number, expected a digit in the exponent")
		}
		for i++; i < len(d) && isDigit(d[i]); i++ {
		}
	}
	s.pos = i
	return nil
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// load64 reads 8 bytes of s at i, little-endian (one load).
func load64(s string, i int) uint64 {
	w := s[i : i+8]
	return uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
		uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
}

// special reports (as a non-zero word) whether any of the 8 bytes in v is
// a control character, '"', '\\' or not ASCII: the bytes a string scanner or
// quoter must look at. It may flag a few bytes more, never fewer.
func special(v uint64) uint64 {
	ctl := (v - lsb*0x20) & ^v
	q := v ^ (lsb * '"')
	q = (q - lsb) & ^q
	b := v ^ (lsb * '\\')
	b = (b - lsb) & ^b
	return (ctl | q | b | v) & msb
}

// str reads a string at pos (which holds '"'), checking escapes, control
// characters and UTF-8. It returns the span of the content between the
// quotes and whether it holds escapes.
func (s *scanner) str() (start, end int, esc bool, err error) {
	d := s.data
	i := s.pos + 1
	start = i
	for {
		if i+8 <= len(d) {
			m := special(binary.LittleEndian.Uint64(d[i:]))
			if m == 0 {
				i += 8
				continue
			}
			// The lowest flagged byte is a real one: skip to it.
			i += bits.TrailingZeros64(m) >> 3
		}
		if i >= len(d) {
			break
		}
		c := d[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && size == 1 {
				s.pos = i
				return 0, 0, false, s.errorf("invalid UTF-8 in string")
			}
			i += size
			continue
		}
		switch {
		case c == '"':
			s.pos = i + 1
			return start, i, esc, nil
		case c == '\\':
			esc = true
			if i+1 >= len(d) {
				i++
				break
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) || !isHex4(d[i+2:i+6]) {
					s.pos = i
					return 0, 0, false, s.errorf("invalid \\u escape in string")
				}
				i += 6
			default:
				s.pos = i
				return 0, 0, false, s.errorf("invalid escape in string")
			}
		case c < 0x20:
			s.pos = i
			return 0, 0, false, s.errorf("control character in string")
		default:
			i++
		}
	}
	s.pos = len(d)
	return 0, 0, false, s.errorf("unterminated string")
}

func isHex4(b []byte) bool {
	for _, c := range b[:4] {
		if !isHex(c) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) rune {
	switch {
	case c <= '9':
		return rune(c - '0')
	case c >= 'a':
		return rune(c - 'a' + 10)
	default:
		return rune(c - 'A' + 10)
	}
}

func hex4(b []byte) rune {
	return hexVal(b[0])<<12 | hexVal(b[1])<<8 | hexVal(b[2])<<4 | hexVal(b[3])
}

// unescape appends the decoded content of a string that str has validated
// (src is the text between the quotes). A lone surrogate becomes U+FFFD.
func unescape(dst, src []byte) []byte {
	for i := 0; i < len(src); {
		c := src[i]
		if c != '\\' {
			j := i + 1
			for j < len(src) && src[j] != '\\' {
				j++
			}
			dst = append(dst, src[i:j]...)
			i = j
			continue
		}
		switch src[i+1] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(src[i+2:])
			i += 6
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if i+6 <= len(src) && src[i] == '\\' && src[i+1] == 'u' {
					r2 = utf16.DecodeRune(r, hex4(src[i+2:]))
				}
				if r2 != utf8.RuneError {
					i += 6
				}
				r = r2
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default: // '"', '\\', '/'
			dst = append(dst, src[i+1])
		}
		i += 2
	}
	return dst
}

// appendCompact appends src, a well-formed JSON value, without its
// insignificant whitespace.
func appendCompact(dst, src []byte) []byte {
	last := 0
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '"':
			// Bounds are checked so that a value a caller built badly
			// cannot make this panic.
			for i++; i < len(src) && src[i] != '"'; i++ {
				if src[i] == '\\' {
					i++
				}
			}
		case ' ', '\n', '\r', '\t':
			dst = append(dst, src[last:i]...)
			last = i + 1
		}
	}
	return append(dst, src[last:]...)
}

// readValue reads one value at the top level of raw, with optional
// whitespace around it, and returns its span.
func readValue(raw []byte) (s scanner, start int, err error) {
	s = scanner{data: raw}
	s.skipWS()
	start = s.pos
	s.ws = false
	if err = s.value(0); err != nil {
		return s, 0, err
	}
	end := s.pos
	ws := s.ws
	s.skipWS()
	if s.pos != len(raw) {
		return s, 0, s.errorf("unexpected data after the value")
	}
	s.pos, s.ws = end, ws
	return s, start, nil
}

// Valid reports whether raw is exactly one well-formed JSON value, with
// optional whitespace around it (RFC 8259, UTF-8 required, nesting at most
// 10000 deep).
func Valid(raw []byte) bool {
	_, _, err := readValue(raw)
	return err == nil
}

// Compact appends to dst the JSON value raw without insignificant
// whitespace, and returns the extended buffer. Everything else (key order,
// number text, string escapes) stays as it is. If raw is not one
// well-formed value it returns dst unchanged and an error wrapping ErrSyntax.
func Compact(dst, src []byte) ([]byte, error) {
	s, start, err := readValue(src)
	if err != nil {
		return dst, err
	}
	if !s.ws {
		return append(dst, src[start:s.pos]...), nil
	}
	return appendCompact(dst, src[start:s.pos]), nil
}

// Unquote returns the text of the JSON string raw (quotes included,
// optional whitespace around it), with every escape decoded. It returns an
// error wrapping ErrSyntax if raw is malformed, and ErrJSONKind if raw is
// another kind of value.
func Unquote(raw []byte) (string, error) {
	s, start, err := readValue(raw)
	if err != nil {
		return "", err
	}
	if raw[start] != '"' {
		return "", kindError(start, "a string")
	}
	content := raw[start+1 : s.pos-1]
	for _, c := range content {
		if c == '\\' {
			return string(unescape(make([]byte, 0, len(content)), content)), nil
		}
	}
	return string(content), nil
}

func kindError(off int, want string) error {
	return &kindErr{off: off, want: want}
}

type kindErr struct {
	off  int
	want string
}

func (e *kindErr) Error() string {
	return "json: offset " + strconv.Itoa(e.off) + ": expected " + e.want
}

func (e *kindErr) Unwrap() error { return ErrJSONKind }

// AppendString appends s to dst as a quoted JSON string and returns the
// extended buffer. It escapes '"', '\\', control characters (as \n, \t, …
// where JSON has a short form, else \u00XX) and U+2028/U+2029 (which break
// JavaScript); '<', '>' and '&' are kept as they are. Invalid UTF-8 becomes
// U+FFFD, as in encoding/json.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) {
			m := special(load64(s, i))
			if m == 0 {
				i += 8
				continue
			}
			// The lowest flagged byte is a real one: skip to it.
			i += bits.TrailingZeros64(m) >> 3
		} else if len(s) >= 8 {
			// The tail: the last word of s, without the bytes before i
			// (looked at already). A byte they flag wrongly (a borrow)
			// only costs a look below; a special byte is never missed.
			m := special(load64(s, len(s)-8)) >> (8 * (i - (len(s) - 8)))
			if m == 0 {
				break
			}
			i += bits.TrailingZeros64(m) >> 3
		}
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				dst = append(dst, s[start:i]...)
				dst = append(dst, `\ufffd`...)
			case r == '\u2028' || r == '\u2029':
				dst = append(dst, s[start:i]...)
				dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			default:
				i += size
				continue
			}
			i += size
			start = i
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// objIter walks the members of a JSON object. Its zero value is not usable;
// start it with init.
type objIter struct {
	s     scanner
	depth int
	n     int
	done  bool
}

// init starts iterating over raw, which must hold one object. depth is the
// object's own nesting depth.
func (it *objIter) init(raw []byte, depth int) error {
	*it = objIter{s: scanner{data: raw}, depth: depth}
	it.s.skipWS()
	if it.s.peek() != '{' {
		if _, _, err := readValue(raw); err != nil {
			return err
		}
		return kindError(it.s.pos, "an object")
	}
	if depth > maxDepth {
		return it.s.errorf("nesting deeper than 10000")
	}
	return nil
}

// next returns the next member: the key's raw content (between the quotes,
// escapes still in it), whether it has escapes, and the value's text. ok is
// false after the last member. The object's closing brace and what follows
// it are checked on the last call.
func (it *objIter) next() (key []byte, esc bool, val []byte, ok bool, err error) {
	s := &it.s
	if it.done {
		return nil, false, nil, false, nil
	}
	if it.n == 0 {
		s.pos++
		s.skipWS()
		if s.peek() == '}' {
			return nil, false, nil, false, it.finish()
		}
	} else {
		s.skipWS()
		switch s.peek() {
		case ',':
			s.pos++
			s.skipWS()
		case '}':
			return nil, false, nil, false, it.finish()
		default:
			return nil, false, nil, false, s.errorf("expected ',' or '}' after an object member")
		}
	}
	if s.peek() != '"' {
		return nil, false, nil, false, s.errorf("expected a string key")
	}
	ks, ke, esc, err := s.str()
	if err != nil {
		return nil, false, nil, false, err
	}
	if err := s.colon(); err != nil {
		return nil, false, nil, false, err
	}
	vs := s.pos
	if err := s.value(it.depth); err != nil {
		return nil, false, nil, false, err
	}
	it.n++
	return s.data[ks:ke], esc, s.data[vs:s.pos], true, nil
}

func (it *objIter) finish() error {
	it.done = true
	it.s.pos++
	it.s.skipWS()
	if it.s.pos != len(it.s.data) {
		return it.s.errorf("unexpected data after the object")
	}
	return nil
}

// arrIter walks the elements of a JSON array, like objIter.
type arrIter struct {
	s     scanner
	depth int
	n     int
	done  bool
}

func (it *arrIter) init(raw []byte, depth int) error {
	*it = arrIter{s: scanner{data: raw}, depth: depth}
	it.s.skipWS()
	if it.s.peek() != '[' {
		if _, _, err := readValue(raw); err != nil {
			return err
		}
		return kindError(it.s.pos, "an array")
	}
	if depth > maxDepth {
		return it.s.errorf("nesting deeper than 10000")
	}
	return nil
}

func (it *arrIter) next() (val []byte, ok bool, err error) {
	s := &it.s
	if it.done {
		return nil, false, nil
	}
	if it.n == 0 {
		s.pos++
		s.skipWS()
		if s.peek() == ']' {
			return nil, false, it.finish()
		}
	} else {
		s.skipWS()
		switch s.peek() {
		case ',':
			s.pos++
			s.skipWS()
		case ']':
			return nil, false, it.finish()
		default:
			return nil, false, s.errorf("expected ',' or ']' after an array element")
		}
	}
	vs := s.pos
	if err := s.value(it.depth); err != nil {
		return nil, false, err
	}
	it.n++
	return s.data[vs:s.pos], true, nil
}

func (it *arrIter) finish() error {
	it.done = true
	it.s.pos++
	it.s.skipWS()
	if it.s.pos != len(it.s.data) {
		return it.s.errorf("unexpected data after the array")
	}
	return nil
}

// keyString returns the decoded text of a raw key.
func keyString(key []byte, esc bool) string {
	if !esc {
		return string(key)
	}
	return string(unescape(make([]byte, 0, len(key)), key))
}

// keyIs reports whether the raw key (as objIter returns it) decodes to want,
// without allocating when it has no escapes.
func keyIs(key []byte, esc bool, want string) bool {
	if !esc {
		return string(key) == want
	}
	if len(key) < len(want) {
		return false // escapes only ever lengthen the text
	}
	var buf [64]byte
	return string(unescape(buf[:0], key)) == want
}

// ObjectEach calls fn for each member of the JSON object raw, in order,
// with the decoded key and the member's value text (a sub-slice of raw, not
// a copy: fn must not modify it). Duplicate keys are passed as they come.
// It stops at the first error fn returns and returns it. If raw is not one
// well-formed object it returns an error wrapping ErrSyntax or ErrJSONKind;
// fn may have been called for the members before a syntax error.
func ObjectEach(raw []byte, fn func(key string, value []byte) error) error {
	var it objIter
	if err := it.init(raw, 1); err != nil {
		return err
	}
	for {
		k, esc, v, ok, err := it.next()
		if err != nil || !ok {
			return err
		}
		if err := fn(keyString(k, esc), v); err != nil {
			return err
		}
	}
}

// ArrayEach calls fn for each element of the JSON array raw, in order, with
// its index and text (a sub-slice of raw). It stops at the first error fn
// returns and returns it. If raw is not one well-formed array it returns an
// error wrapping ErrSyntax or ErrJSONKind; fn may have been called for the
// elements before a syntax error.
func ArrayEach(raw []byte, fn func(i int, value []byte) error) error {
	var it arrIter
	if err := it.init(raw, 1); err != nil {
		return err
	}
	for i := 0; ; i++ {
		v, ok, err := it.next()
		if err != nil || !ok {
			return err
		}
		if err := fn(i, v); err != nil {
			return err
		}
	}
}

// rawIter walks the members of an object, or the elements of an array,
// that is trusted to be well-formed: a value DecodeJSON or a setter stored.
// It checks structure only as far as needed to stay in bounds and to stop,
// so it is several times faster than objIter; on text that is not
// well-formed it stops early (bad) and may return odd spans, never panics.
type rawIter struct {
	d   []byte
	i   int
	n   int
	end byte // '}' or ']'
	bad bool
}

func skipWSAt(d []byte, i int) int {
	for i < len(d) && (d[i] == ' ' || d[i] == '\n' || d[i] == '\r' || d[i] == '\t') {
		i++
	}
	return i
}

// skipStringAt returns the index after the string whose content starts at
// i (after the opening quote), or -1.
func skipStringAt(d []byte, i int) int {
	for i <= len(d) {
		j := bytes.IndexByte(d[i:], '"')
		if j < 0 {
			return -1
		}
		k := i + j
		n := 0
		for p := k - 1; p >= i && d[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return k + 1
		}
		i = k + 1
	}
	return -1
}

// skipValueAt returns the index after the value that starts at i, or -1.
// It nests without recursion.
func skipValueAt(d []byte, i int) int {
	depth := 0
	for i < len(d) {
		switch c := d[i]; c {
		case '"':
			if i = skipStringAt(d, i+1); i < 0 || depth == 0 {
				return i
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i // the end of a scalar
			}
			if depth--; depth == 0 {
				return i + 1
			}
		case ',', ':', ' ', '\n', '\r', '\t':
			if depth == 0 {
				return i
			}
		}
		i++
	}
	if depth == 0 {
		return i
	}
	return -1
}

func (it *rawIter) init(raw []byte, open byte) bool {
	*it = rawIter{d: raw, end: open + 2} // '{'+2 == '}', '['+2 == ']'
	it.i = skipWSAt(raw, 0)
	if it.i >= len(raw) || raw[it.i] != open {
		it.bad = true
		return false
	}
	it.i++
	return true
}

// sep reads what comes before the next member or element and reports
// whether there is one.
func (it *rawIter) sep() bool {
	if it.bad {
		return false
	}
	d := it.d
	i := skipWSAt(d, it.i)
	if it.n > 0 {
		if i < len(d) && d[i] == ',' {
			i = skipWSAt(d, i+1)
		} else {
			it.bad = i >= len(d) || d[i] != it.end
			return false
		}
	} else if i < len(d) && d[i] == it.end {
		return false
	}
	it.i = i
	return true
}

func (it *rawIter) value() ([]byte, bool) {
	start := it.i
	end := skipValueAt(it.d, start)
	if end <= start {
		it.bad = true
		return nil, false
	}
	it.i = end
	it.n++
	return it.d[start:end], true
}

func (it *rawIter) nextMember() (key []byte, esc bool, val []byte, ok bool) {
	if !it.sep() {
		return nil, false, nil, false
	}
	d, i := it.d, it.i
	if i >= len(d) || d[i] != '"' {
		it.bad = true
		return nil, false, nil, false
	}
	ke := skipStringAt(d, i+1)
	if ke < 0 {
		it.bad = true
		return nil, false, nil, false
	}
	key = d[i+1 : ke-1]
	if esc = bytes.IndexByte(key, '\\') >= 0; esc {
		// Escapes are decoded later: check them first.
		if s := (scanner{data: d, pos: i}); s.strOK() != ke {
			it.bad = true
			return nil, false, nil, false
		}
	}
	i = skipWSAt(d, ke)
	if i >= len(d) || d[i] != ':' {
		it.bad = true
		return nil, false, nil, false
	}
	it.i = skipWSAt(d, i+1)
	val, ok = it.value()
	return key, esc, val, ok
}

func (it *rawIter) nextElem() ([]byte, bool) {
	if !it.sep() {
		return nil, false
	}
	return it.value()
}

// strOK validates the string at pos and returns the index after it, or -1.
func (s *scanner) strOK() int {
	if _, _, _, err := s.str(); err != nil {
		return -1
	}
	return s.pos
}
