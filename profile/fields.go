package profile

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// RootFields lists the root attributes in canonical order (the order of
// Auth0's import schema, then the read-only export attributes). Writers with
// a fixed column set (CSV, Parquet) use it as their default.
var RootFields = []string{
	"user_id", "email", "email_verified", "phone_number", "phone_verified",
	"username", "given_name", "family_name", "name", "nickname", "picture",
	"blocked", "created_at", "updated_at", "last_login", "last_password_reset",
	"last_ip", "logins_count", "identities", "app_metadata", "user_metadata",
	"password_hash", "custom_password_hash", "mfa_factors",
}

// ErrBadValue is returned by SetText and SetJSON for a value that cannot be
// stored at its path: "maybe" for a boolean, an unreadable time, a JSON cell
// that is malformed or of the wrong type. Its messages name the path and the
// rule, never the value.
var ErrBadValue = errors.New("bad field value")

// maxIdentityIndex bounds the index of identities[N] paths that grow the
// slice, so that a stray column name cannot allocate without limit.
const maxIdentityIndex = 999

func unknownPath(path string) error {
	return fmt.Errorf("%w: %s", ErrUnknownPath, path)
}

func badValue(path, why string) error {
	return fmt.Errorf("%w: %s: %s", ErrBadValue, path, why)
}

// indexSep returns the index of the first '.' or '[' in s, or -1.
func indexSep(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' || s[i] == '[' {
			return i
		}
	}
	return -1
}

// splitRoot cuts path before its first '.' or '['.
func splitRoot(path string) (root, rest string) {
	if i := indexSep(path); i >= 0 {
		return path[:i], path[i:]
	}
	return path, ""
}

// parseIndex reads a leading "[N]" of rest.
func parseIndex(rest string) (i int, after string, ok bool) {
	if len(rest) < 3 || rest[0] != '[' {
		return 0, "", false
	}
	end := strings.IndexByte(rest, ']')
	if end < 2 || end > 10 || (rest[1] == '0' && end > 2) {
		return 0, "", false
	}
	for _, c := range []byte(rest[1:end]) {
		if !isDigit(c) {
			return 0, "", false
		}
		i = i*10 + int(c-'0')
	}
	return i, rest[end+1:], true
}

// nextKey reads a leading ".key" of rest.
func nextKey(rest string) (key, after string, ok bool) {
	if len(rest) < 2 || rest[0] != '.' {
		return "", "", false
	}
	rest = rest[1:]
	if i := indexSep(rest); i >= 0 {
		key, after = rest[:i], rest[i:]
	} else {
		key = rest
	}
	return key, after, key != ""
}

// leafKeys checks that rest is ".a.b…" (keys only, none empty) and returns
// it without the leading dot.
func leafKeys(rest string) (string, bool) {
	if len(rest) < 2 || rest[0] != '.' || strings.IndexByte(rest, '[') >= 0 {
		return "", false
	}
	keys := rest[1:]
	for k := range strings.SplitSeq(keys, ".") {
		if k == "" {
			return "", false
		}
	}
	return keys, true
}

// RawAt returns the text of the value at path (".key" and "[N]" steps, such
// as ".hash.value") inside the JSON value raw, as written (a sub-slice of
// raw), and whether it is there. raw is trusted to be well-formed, as the
// values ferry decoded are: on other text RawAt returns false or a stray
// span, never panics, and reads no further than the value it seeks. A key
// given twice in an object resolves to its last occurrence, as in
// DecodeJSON.
func RawAt(raw []byte, path string) (json.RawMessage, bool) { return walk(raw, path) }

// walk follows rest (".key" and "[N]" steps) into the JSON value raw, which
// is trusted to be well-formed (see rawIter). A key given twice in an object
// resolves to its last occurrence, as in DecodeJSON.
func walk(raw []byte, rest string) (json.RawMessage, bool) {
	if len(raw) == 0 {
		return nil, false
	}
	for rest != "" {
		var it rawIter
		var found []byte
		if rest[0] == '[' {
			i, after, ok := parseIndex(rest)
			if !ok || !it.init(raw, '[') {
				return nil, false
			}
			for n := 0; n <= i; n++ {
				if found, ok = it.nextElem(); !ok {
					return nil, false
				}
			}
			raw, rest = found, after
			continue
		}
		key, after, ok := nextKey(rest)
		if !ok || !it.init(raw, '{') {
			return nil, false
		}
		for {
			k, esc, v, more := it.nextMember()
			if !more {
				break
			}
			if keyIs(k, esc, key) {
				found = v
			}
		}
		if found == nil || it.bad {
			return nil, false
		}
		raw, rest = found, after
	}
	return raw, true
}

func findAttr(attrs []Attr, key string) (json.RawMessage, bool) {
	for i := len(attrs) - 1; i >= 0; i-- {
		if attrs[i].Key == key && len(attrs[i].Value) > 0 {
			return attrs[i].Value, true
		}
	}
	return nil, false
}

// setAttr sets key to v in attrs, in place when it is there; a nil v
// removes it.
func setAttr(attrs *[]Attr, key string, v json.RawMessage) {
	for i := range *attrs {
		if (*attrs)[i].Key != key {
			continue
		}
		if v != nil {
			(*attrs)[i].Value = v
			return
		}
		*attrs = slices.Delete(*attrs, i, i+1)
		if len(*attrs) == 0 {
			*attrs = nil
		}
		return
	}
	if v != nil {
		*attrs = append(*attrs, Attr{Key: key, Value: v})
	}
}

// GetJSON returns the JSON value at path, and false when it is absent.
// Paths use the notation of Auth0's export fields and search (spec §4, §8):
//
//	email, created_at, …             a root attribute (RootFields, and password)
//	identities                       all identities, as an array
//	identities[1]                    one identity, as an object
//	identities[0].connection         an attribute of one identity (other
//	                                 names are found in Identity.Extra)
//	identities[0].profileData.email  a path inside profileData
//	identities.connection            that attribute of every identity that
//	                                 has it, as an array (Get only)
//	mfa_factors, mfa_factors[0].totp.secret
//	user_metadata.a.b, app_metadata.plan, custom_password_hash.hash.value
//	                                 a path inside a raw object; "[N]" steps
//	                                 into arrays (Get only)
//	anything else                    an unknown attribute in Extra, found by
//	                                 its whole name first, else by its first
//	                                 segment and a path inside its value
//
// A key given twice in a raw object resolves to its last occurrence, as in
// DecodeJSON. Values from raw objects and Extra are the user's own text,
// not copies: callers must not modify them.
func (u *User) GetJSON(path string) (json.RawMessage, bool) {
	root, rest := splitRoot(path)
	r := u.ref(root)
	if r.kind == kindNone {
		if v, ok := findAttr(u.Extra, path); ok {
			return v, true
		}
		if rest == "" {
			return nil, false
		}
		v, ok := findAttr(u.Extra, root)
		if !ok {
			return nil, false
		}
		return walk(v, rest)
	}
	return getRef(r, rest)
}

func getRef(r fieldRef, rest string) (json.RawMessage, bool) {
	switch r.kind {
	case kindObject:
		return walk(*r.r, rest)
	case kindIdentities:
		return getIdentities(*r.ids, rest)
	case kindMFA:
		fs := *r.mfa
		if fs == nil {
			return nil, false
		}
		if rest == "" {
			return appendFactors(nil, fs), true
		}
		i, after, ok := parseIndex(rest)
		if !ok || i >= len(fs) {
			return nil, false
		}
		return walk(appendFactor(nil, &fs[i]), after)
	}
	if rest != "" {
		return nil, false
	}
	switch r.kind {
	case kindString, kindUserID:
		if *r.s != "" {
			return AppendString(nil, *r.s), true
		}
	case kindBool:
		switch *r.b {
		case True:
			return json.RawMessage("true"), true
		case False:
			return json.RawMessage("false"), true
		}
	case kindTime:
		if !r.t.IsZero() {
			return appendTime(nil, `"`, *r.t)[1:], true
		}
	case kindInt:
		if r.i.Valid {
			return strconv.AppendInt(nil, r.i.V, 10), true
		}
	}
	return nil, false
}

func getIdentities(ids []Identity, rest string) (json.RawMessage, bool) {
	if rest == "" {
		if ids == nil {
			return nil, false
		}
		return appendIdentities(nil, ids), true
	}
	if rest[0] == '[' {
		i, after, ok := parseIndex(rest)
		if !ok || i >= len(ids) {
			return nil, false
		}
		return getIdentity(&ids[i], after)
	}
	// identities.key: the values of every identity that has one.
	var out []byte
	for i := range ids {
		v, ok := getIdentity(&ids[i], rest)
		if !ok {
			continue
		}
		if out == nil {
			out = append(out, '[')
		} else {
			out = append(out, ',')
		}
		out = append(out, v...)
	}
	if out == nil {
		return nil, false
	}
	return append(out, ']'), true
}

func getIdentity(id *Identity, rest string) (json.RawMessage, bool) {
	if rest == "" {
		return appendIdentity(nil, id), true
	}
	key, after, ok := nextKey(rest)
	if !ok {
		return nil, false
	}
	r := id.ref(key)
	if r.kind == kindNone {
		v, ok := findAttr(id.Extra, key)
		if !ok {
			return nil, false
		}
		return walk(v, after)
	}
	return getRef(r, after)
}

// GetText returns the value at path in the form of a text cell (CSV, SQL
// column): strings as they are, booleans "true"/"false", times RFC 3339,
// logins_count in decimal, JSON strings inside raw values unquoted, and
// other objects, arrays and numbers as compact JSON. It is the inverse of
// SetText: SetText(path, t) then GetText(path) gives t back for the
// canonical forms it returns. Root and identity attributes are read without
// allocating, apart from times and counts.
func (u *User) GetText(path string) (string, bool) {
	root, rest := splitRoot(path)
	r := u.ref(root)
	if r.kind == kindIdentities && rest != "" && rest[0] == '[' {
		// A fast path for identities[N].attr.
		i, after, ok := parseIndex(rest)
		key, after2, ok2 := nextKey(after)
		if ok && ok2 && after2 == "" && i < len(*r.ids) {
			if ir := (&(*r.ids)[i]).ref(key); ir.kind != kindNone && ir.kind != kindObject {
				return scalarText(ir)
			}
		}
	}
	if rest == "" && r.kind != kindNone && r.kind != kindObject && r.kind != kindIdentities && r.kind != kindMFA {
		return scalarText(r)
	}
	v, ok := u.GetJSON(path)
	if !ok {
		return "", false
	}
	return cellText(v), true
}

func scalarText(r fieldRef) (string, bool) {
	switch r.kind {
	case kindString, kindUserID:
		return *r.s, *r.s != ""
	case kindBool:
		switch *r.b {
		case True:
			return "true", true
		case False:
			return "false", true
		}
	case kindTime:
		if !r.t.IsZero() {
			return r.t.Format(time.RFC3339Nano), true
		}
	case kindInt:
		if r.i.Valid {
			return strconv.FormatInt(r.i.V, 10), true
		}
	}
	return "", false
}

// cellText returns a JSON string's text, or any other value compacted.
func cellText(v []byte) string {
	if v[0] == '"' {
		if s, err := Unquote(v); err == nil {
			return s
		}
	}
	if c, err := Compact(nil, v); err == nil {
		return string(c)
	}
	return string(v)
}

// SetText sets the attribute at path from a text cell (CSV, SQL column).
// An empty text means absent: nothing is set (the path is still checked).
//
//   - Strings are stored as they are.
//   - Booleans: true/false, 1/0, yes/no, in any case.
//   - Times: RFC 3339, "2006-01-02 15:04:05" with an optional fraction and
//     offset, a date alone, or epoch milliseconds as digits (from 1973 on);
//     without an offset a time is UTC.
//   - logins_count: a decimal integer.
//   - identities, mfa_factors, app_metadata, user_metadata,
//     custom_password_hash, identities[N] and identities[N].profileData: a
//     JSON cell, decoded as by DecodeJSON, except that strings without
//     escapes are substrings of text rather than copies (as a string
//     attribute is text itself).
//   - user_metadata.a.b (and the same inside the other raw objects): the
//     leaf is set to the text as a JSON string; objects on the way are
//     created, other keys keep their order, an existing leaf is replaced in
//     place.
//   - identities[N].attr grows identities as needed (N ≤ 999); unknown
//     identity attributes go to Identity.Extra as JSON strings.
//   - Any other path names an unknown attribute (the whole path, dots and
//     all), set in Extra as a JSON string, in place if it is there already.
//
// Errors wrap ErrUnknownPath (a malformed path, or one into an attribute
// that has no parts) or ErrBadValue; they never include the text. On an
// error u is unchanged.
func (u *User) SetText(path, text string) error {
	if path == "" {
		return unknownPath(path)
	}
	root, rest := splitRoot(path)
	r := u.ref(root)
	switch r.kind {
	case kindNone:
		if text != "" {
			setAttr(&u.Extra, path, AppendString(nil, text))
		}
		return nil
	case kindIdentities:
		if rest != "" {
			return setIdentityPath(r.ids, path, rest, func(id *Identity, index int, rest string) error {
				return setIdentityText(id, index, path, rest, text)
			}, text == "")
		}
	}
	return setRefText(r, path, rest, text)
}

func setRefText(r fieldRef, path, rest, text string) error {
	if rest != "" {
		if r.kind != kindObject {
			return unknownPath(path)
		}
		keys, ok := leafKeys(rest)
		if !ok {
			return unknownPath(path)
		}
		if text == "" {
			return nil
		}
		var buf [128]byte
		return setLeafRef(r, path, keys, AppendString(buf[:0], text))
	}
	if text == "" {
		return nil
	}
	switch r.kind {
	case kindString, kindUserID:
		*r.s = text
	case kindBool:
		b, ok := parseBoolText(text)
		if !ok {
			return badValue(path, "expected true, false, 1, 0, yes or no")
		}
		*r.b = b
	case kindTime:
		t, ok := parseTime(strings.TrimSpace(text))
		if !ok {
			return badValue(path, timeMessage)
		}
		*r.t = t
	case kindInt:
		v, ok := parseInt(strings.TrimSpace(text))
		if !ok {
			return badValue(path, "expected an integer")
		}
		*r.i = IntOf(v)
	default: // JSON cells
		return setRefJSONText(r, path, text)
	}
	return nil
}

func parseBoolText(s string) (Bool, bool) {
	s = strings.TrimSpace(s)
	for _, t := range [...]string{"true", "1", "yes"} {
		if strings.EqualFold(s, t) {
			return True, true
		}
	}
	for _, f := range [...]string{"false", "0", "no"} {
		if strings.EqualFold(s, f) {
			return False, true
		}
	}
	return Unset, false
}

// setLeafRef sets a leaf inside the raw object of r to val (JSON text).
func setLeafRef(r fieldRef, path, keys string, val []byte) error {
	v, err := setLeaf(*r.r, keys, val)
	if err != nil {
		return badValue(path, "a value on the way to the leaf is not an object")
	}
	*r.r = v
	return nil
}

// setLeaf returns a copy of the JSON object raw (nil: an empty one) with the
// leaf at keys ("a.b.c") set to val, creating the objects on the way.
// Members keep their order; every occurrence of a duplicate key is
// replaced. It fails if raw, or a value on the way, is not an object.
func setLeaf(raw []byte, keys string, val []byte) (json.RawMessage, error) {
	dst := make([]byte, 0, len(raw)+len(keys)+len(val)+8)
	if len(raw) == 0 {
		return appendNested(dst, keys, val), nil
	}
	return setLeafInto(dst, raw, keys, val)
}

func setLeafInto(dst, raw []byte, keys string, val []byte) ([]byte, error) {
	key, more, _ := strings.Cut(keys, ".")
	var it rawIter
	if !it.init(raw, '{') {
		return nil, ErrJSONKind
	}
	dst = append(dst, '{')
	found := false
	for {
		k, esc, v, ok := it.nextMember()
		if !ok {
			break
		}
		if it.n > 1 {
			dst = append(dst, ',')
		}
		dst = append(append(append(dst, '"'), k...), '"', ':')
		if !keyIs(k, esc, key) {
			dst = appendCompact(dst, v)
			continue
		}
		found = true
		if more == "" {
			dst = append(dst, val...)
			continue
		}
		var err error
		if dst, err = setLeafInto(dst, v, more, val); err != nil {
			return nil, err
		}
	}
	if it.bad {
		return nil, ErrSyntax
	}
	if !found {
		if it.n > 0 {
			dst = append(dst, ',')
		}
		dst = append(AppendString(dst, key), ':')
		dst = appendNested(dst, more, val)
	}
	return append(dst, '}'), nil
}

// appendNested writes {"a":{"b":val}} for keys "a.b", or val for "".
func appendNested(dst []byte, keys string, val []byte) []byte {
	if keys == "" {
		return append(dst, val...)
	}
	key, more, _ := strings.Cut(keys, ".")
	dst = append(AppendString(append(dst, '{'), key), ':')
	return append(appendNested(dst, more, val), '}')
}

// setIdentityPath resolves "identities" + rest for a setter: rest is
// "[N]…". When noop is set (an empty text), the path is checked against a
// scratch identity and nothing grows.
func setIdentityPath(ids *[]Identity, path, rest string, set func(id *Identity, index int, rest string) error, noop bool) error {
	i, after, ok := parseIndex(rest)
	if !ok || i > maxIdentityIndex {
		return unknownPath(path)
	}
	if noop {
		var scratch Identity
		return set(&scratch, i, after)
	}
	list := *ids
	if i < len(list) {
		return set(&list[i], i, after)
	}
	var id Identity
	if err := set(&id, i, after); err != nil {
		return err
	}
	list = append(list, make([]Identity, i+1-len(list))...)
	list[i] = id
	*ids = list
	return nil
}

func setIdentityText(id *Identity, index int, path, rest, text string) error {
	if rest == "" {
		if text == "" {
			return nil
		}
		return setIdentityJSON(id, index, path, rest, bytesOf(text), text)
	}
	key, after, ok := nextKey(rest)
	if !ok {
		return unknownPath(path)
	}
	r := id.ref(key)
	if r.kind == kindNone {
		if after != "" {
			return unknownPath(path)
		}
		if text != "" {
			setAttr(&id.Extra, key, AppendString(nil, text))
		}
		return nil
	}
	return setRefText(r, path, after, text)
}

// SetJSON sets the attribute at path (as for SetText) from the JSON value
// v, which is decoded as by DecodeJSON: the same quirks are accepted and a
// wrong type is an error. null makes an attribute absent (it removes an
// unknown attribute); inside a raw object it is stored as it is. Errors
// wrap ErrUnknownPath or ErrBadValue (and ErrSyntax for malformed v); they
// never include the value. On an error u is unchanged.
func (u *User) SetJSON(path string, v []byte) error {
	if path == "" {
		return unknownPath(path)
	}
	if _, _, err := readValue(v); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrBadValue, path, err)
	}
	root, rest := splitRoot(path)
	r := u.ref(root)
	switch r.kind {
	case kindNone:
		setAttr(&u.Extra, path, compactCopy(v))
		return nil
	case kindIdentities:
		if rest != "" {
			return setIdentityPath(r.ids, path, rest, func(id *Identity, index int, rest string) error {
				return setIdentityJSON(id, index, path, rest, v, "")
			}, false)
		}
	}
	if rest != "" {
		if r.kind != kindObject {
			return unknownPath(path)
		}
		keys, ok := leafKeys(rest)
		if !ok {
			return unknownPath(path)
		}
		c, _ := Compact(nil, v)
		return setLeafRef(r, path, keys, c)
	}
	return setRefJSON(r, path, v)
}

// compactCopy returns v compacted, in a new buffer; nil for null.
func compactCopy(v []byte) json.RawMessage {
	c, _ := Compact(nil, v)
	if string(c) == "null" {
		return nil
	}
	return c
}

// setRefJSON decodes the JSON value v into r, leaving r unchanged when v is
// malformed or has issues.
func setRefJSON(r fieldRef, path string, v []byte) error {
	d := decoder{scanner: scanner{data: v}}
	return d.set(r, path)
}

// setRefJSONText is setRefJSON for a text cell: strings without escapes
// are substrings of text, and text is read in place.
func setRefJSONText(r fieldRef, path, text string) error {
	d := decoder{scanner: scanner{data: bytesOf(text)}, src: text}
	return d.set(r, path)
}

// bytesOf returns the bytes of s without copying them. They must not be
// written: the decoder only reads its data.
func bytesOf(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// set decodes the whole of d.data, one JSON value, into r. The value is
// decoded aside and stored only when it is well-formed, ends the text and
// has no issue, so that r is otherwise left as it was; the text is read
// once.
func (d *decoder) set(r fieldRef, path string) error {
	var (
		s   string
		b   Bool
		t   time.Time
		i   Int
		raw json.RawMessage
		ids []Identity
		mfa []MFAFactor
	)
	tmp := fieldRef{kind: r.kind, name: r.name, s: &s, b: &b, t: &t, i: &i, r: &raw, ids: &ids, mfa: &mfa}
	d.skipWS()
	if err := d.field(tmp, 0, loc{key: path, index: -1}); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrBadValue, path, err)
	}
	d.skipWS()
	if d.pos != len(d.data) {
		return fmt.Errorf("%w: %s: %w", ErrBadValue, path, d.errorf("unexpected data after the value"))
	}
	if len(d.issues) > 0 {
		return issueError(d.issues[0])
	}
	switch r.kind {
	case kindString, kindUserID:
		*r.s = s
	case kindBool:
		*r.b = b
	case kindTime:
		*r.t = t
	case kindInt:
		*r.i = i
	case kindObject:
		*r.r = raw
	case kindIdentities:
		*r.ids = ids
	case kindMFA:
		*r.mfa = mfa
	}
	return nil
}

func issueError(is Issue) error {
	return fmt.Errorf("%w: %s: %s (%s)", ErrBadValue, is.Path, is.Code, is.Message)
}

// setIdentityJSON sets identities[index] + rest from the JSON value v;
// src is v as a string when it comes from a text cell, else "".
func setIdentityJSON(id *Identity, index int, path, rest string, v []byte, src string) error {
	if rest == "" {
		d := decoder{scanner: scanner{data: v}, src: src}
		d.skipWS()
		if d.peek() != '{' {
			return badValue(path, "expected an object")
		}
		var tmp Identity
		if err := d.identity(&tmp, 1, index); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrBadValue, path, err)
		}
		d.skipWS()
		if d.pos != len(v) {
			return badValue(path, "unexpected data after the value")
		}
		if len(d.issues) > 0 {
			return issueError(d.issues[0])
		}
		*id = tmp
		return nil
	}
	key, after, ok := nextKey(rest)
	if !ok {
		return unknownPath(path)
	}
	r := id.ref(key)
	if r.kind == kindNone {
		if after != "" {
			return unknownPath(path)
		}
		if _, _, err := readValue(v); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrBadValue, path, err)
		}
		setAttr(&id.Extra, key, compactCopy(v))
		return nil
	}
	if after != "" {
		if r.kind != kindObject {
			return unknownPath(path)
		}
		keys, ok := leafKeys(after)
		if !ok {
			return unknownPath(path)
		}
		c, err := Compact(nil, v)
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrBadValue, path, err)
		}
		return setLeafRef(r, path, keys, c)
	}
	return setRefJSON(r, path, v)
}

// Path is an attribute path (the notation of GetJSON) resolved once, so
// that reading or setting the attribute through it parses nothing: a
// reader resolves each column's path when it reads the header, then sets
// every cell of the column by it. The zero Path is the empty path, which
// names nothing.
//
// A Path behaves exactly as its text does with the string methods:
// SetTextPath(p, t) is SetText(p.String(), t), GetTextPath(p) is
// GetText(p.String()). Root attributes, leaves of the raw objects
// (user_metadata.plan), identities[N].attr and unknown root attributes are
// resolved to a switch on an integer; other paths are parsed at each use.
type Path struct {
	s    string
	kind pathKind
	str  bool   // pathRoot: the attribute is a string, set as it is
	root field  // pathRoot, pathLeaf: the root attribute
	sub  field  // pathIdentity: the identity attribute, or fieldNone for Extra
	idx  int    // pathIdentity: the index in identities
	keys string // pathLeaf: "a.b" inside the raw object; pathIdentity: the Extra key
}

// pathKind says how much of a Path was resolved.
type pathKind uint8

const (
	pathOther    pathKind = iota // parsed at each use
	pathRoot                     // a root attribute
	pathLeaf                     // a leaf inside a root raw object
	pathIdentity                 // identities[N].attr, attr a known one or an Extra key
	pathExtra                    // an unknown root attribute, named by the whole path
)

// CompilePath resolves path. It accepts every path: one that no setter
// takes (a malformed index, a step into a string) makes SetTextPath fail
// as SetText does, and readers find nothing at it. To check a path for
// setting, call SetText(path, "") on a scratch User once.
func CompilePath(path string) Path {
	p := Path{s: path}
	if path == "" {
		return p
	}
	root, rest := splitRoot(path)
	f := rootField(root)
	if f == fieldNone {
		if rest == "" {
			p.kind = pathExtra
		}
		return p
	}
	p.root = f
	if rest == "" {
		p.kind = pathRoot
		p.str = (&User{}).stringField(f) != nil
		return p
	}
	switch f {
	case fieldAppMetadata, fieldUserMetadata, fieldCustomPasswordHash:
		if keys, ok := leafKeys(rest); ok {
			p.kind, p.keys = pathLeaf, keys
		}
	case fieldIdentities:
		i, after, ok := parseIndex(rest)
		if !ok || i > maxIdentityIndex {
			return p
		}
		key, after, ok := nextKey(after)
		if !ok || after != "" {
			return p
		}
		p.kind, p.idx = pathIdentity, i
		if p.sub = identityAttr(key); p.sub == fieldNone {
			p.keys = key
		}
	}
	return p
}

// String returns the path's text.
func (p Path) String() string { return p.s }

// SetTextPath is SetText(p.String(), text), without parsing the path.
func (u *User) SetTextPath(p Path, text string) error {
	switch p.kind {
	case pathRoot:
		if text == "" {
			return nil
		}
		if p.str {
			*u.stringField(p.root) = text
			return nil
		}
		return setRefText(u.refOf(p.root), p.s, "", text)
	case pathLeaf:
		if text == "" {
			return nil
		}
		var buf [128]byte
		return setLeafRef(u.refOf(p.root), p.s, p.keys, AppendString(buf[:0], text))
	case pathExtra:
		if text != "" {
			setAttr(&u.Extra, p.s, AppendString(nil, text))
		}
		return nil
	case pathIdentity:
		if text == "" {
			return nil
		}
		if p.idx < len(u.Identities) {
			return setIdentityAttr(&u.Identities[p.idx], p, text)
		}
		var id Identity
		if err := setIdentityAttr(&id, p, text); err != nil {
			return err
		}
		u.Identities = append(u.Identities, make([]Identity, p.idx+1-len(u.Identities))...)
		u.Identities[p.idx] = id
		return nil
	}
	return u.SetText(p.s, text)
}

// stringField returns the root string attribute f, or nil when f is not
// one: the fast way to a column of text.
func (u *User) stringField(f field) *string {
	switch f {
	case fieldUserID:
		return &u.UserID
	case fieldEmail:
		return &u.Email
	case fieldPhoneNumber:
		return &u.PhoneNumber
	case fieldUsername:
		return &u.Username
	case fieldGivenName:
		return &u.GivenName
	case fieldFamilyName:
		return &u.FamilyName
	case fieldName:
		return &u.Name
	case fieldNickname:
		return &u.Nickname
	case fieldPicture:
		return &u.Picture
	case fieldLastIP:
		return &u.LastIP
	case fieldPasswordHash:
		return &u.PasswordHash
	case fieldPassword:
		return &u.Password
	}
	return nil
}

// setIdentityAttr sets the identity attribute of a pathIdentity from a
// non-empty text.
func setIdentityAttr(id *Identity, p Path, text string) error {
	if p.sub == fieldNone {
		setAttr(&id.Extra, p.keys, AppendString(nil, text))
		return nil
	}
	return setRefText(id.refOf(p.sub), p.s, "", text)
}

// GetTextPath is GetText(p.String()), without parsing the path.
func (u *User) GetTextPath(p Path) (string, bool) {
	switch p.kind {
	case pathRoot:
		if r := u.refOf(p.root); isScalar(r.kind) {
			return scalarText(r)
		}
	case pathIdentity:
		if p.idx >= len(u.Identities) {
			return "", false
		}
		if p.sub != fieldNone {
			if r := u.Identities[p.idx].refOf(p.sub); isScalar(r.kind) {
				return scalarText(r)
			}
		}
	}
	return u.GetText(p.s)
}

// AppendTextPath appends the text GetTextPath(p) returns to dst, and
// reports whether the attribute is present; when it is not, dst comes back
// unchanged. Root and identity attributes, times and counts included, are
// appended without allocating; so are whole raw objects and identities,
// which are well-formed and compact when DecodeJSON and the setters made
// them.
func (u *User) AppendTextPath(dst []byte, p Path) ([]byte, bool) {
	switch p.kind {
	case pathRoot:
		r := u.refOf(p.root)
		switch r.kind {
		case kindObject:
			if len(*r.r) == 0 {
				return dst, false
			}
			return appendCellText(dst, *r.r), true
		case kindIdentities:
			if *r.ids == nil {
				return dst, false
			}
			return compactTail(appendIdentities(dst, *r.ids), len(dst)), true
		case kindMFA:
			if *r.mfa == nil {
				return dst, false
			}
			return compactTail(appendFactors(dst, *r.mfa), len(dst)), true
		}
		return appendScalarText(dst, r)
	case pathIdentity:
		if p.idx >= len(u.Identities) {
			return dst, false
		}
		if p.sub != fieldNone {
			if r := u.Identities[p.idx].refOf(p.sub); isScalar(r.kind) {
				return appendScalarText(dst, r)
			}
		}
	}
	v, ok := u.GetJSON(p.s)
	if !ok {
		return dst, false
	}
	return appendCellText(dst, v), true
}

// isScalar reports whether a field of kind k holds a string, boolean,
// time or count.
func isScalar(k kind) bool {
	switch k {
	case kindString, kindUserID, kindBool, kindTime, kindInt:
		return true
	}
	return false
}

// appendScalarText appends what scalarText returns.
func appendScalarText(dst []byte, r fieldRef) ([]byte, bool) {
	switch r.kind {
	case kindString, kindUserID:
		return append(dst, *r.s...), *r.s != ""
	case kindBool:
		switch *r.b {
		case True:
			return append(dst, "true"...), true
		case False:
			return append(dst, "false"...), true
		}
	case kindTime:
		if !r.t.IsZero() {
			return appendRFC3339(dst, *r.t), true
		}
	case kindInt:
		if r.i.Valid {
			return strconv.AppendInt(dst, r.i.V, 10), true
		}
	}
	return dst, false
}

// appendCellText appends what cellText returns for v: a JSON string's
// text, any other value compacted (as it is when it is malformed).
func appendCellText(dst, v []byte) []byte {
	if v[0] == '"' {
		if s, err := Unquote(v); err == nil {
			return append(dst, s...)
		}
	}
	return compactTail(append(dst, v...), len(dst))
}

// compactTail compacts the JSON value dst[start:] in place; a malformed
// one is left as it is, as cellText leaves it.
func compactTail(dst []byte, start int) []byte {
	s, at, err := readValue(dst[start:])
	if err != nil || (!s.ws && at == 0 && s.pos == len(dst)-start) {
		return dst
	}
	// Compaction only drops bytes, so it can write over its own input.
	n := len(appendCompact(dst[start:start], dst[start+at:start+s.pos]))
	return dst[:start+n]
}
