package profile

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// The JSON codec of User: one Auth0 user object (spec §1, §5), decoded and
// encoded by hand, without reflection. Its rules:
//
//   - Known attributes fill the typed fields. Metadata objects,
//     custom_password_hash, identities[].profileData, unknown attributes and
//     MFA factors of an unknown shape are kept as raw JSON text: key order,
//     number text and string escapes exactly as in the input, but compacted
//     (insignificant whitespace removed). Raw values are copies; they never
//     alias the input buffer.
//   - null, like an absent key, leaves an attribute absent.
//   - A duplicate key: the last one wins, as in encoding/json. An unknown
//     attribute given twice keeps the position of its first occurrence.
//   - A value of the wrong type is not an error: DecodeJSON records an
//     Issue (CodeInvalidType, or CodeFormat for a time it cannot read) at the
//     attribute's path and leaves the attribute unset.
//   - Quirks of real exports (spec §5 GO1) are accepted: the booleans
//     email_verified, phone_verified, blocked and identities[].isSocial as the
//     strings "true"/"false"; identities[].user_id as a JSON number (kept as
//     its text); times as RFC 3339 / ISO 8601 strings or as epoch
//     milliseconds, given as a number or a string of digits (Firebase).
//     Epoch counts before 1973 (under 12 digits) are refused: they are
//     almost surely seconds.

// DecodeJSON parses one JSON object into u, which should be zero (present
// attributes overwrite its fields and unknown ones are added to u.Extra).
// It returns the type issues it found, with the record filled as far as
// possible, and an error wrapping ErrSyntax only when data is not one
// well-formed JSON object (RFC 8259, UTF-8, nesting at most 10000 deep);
// u may then be partly filled. Neither issues nor errors quote any value.
func DecodeJSON(data []byte, u *User) (Issues, error) {
	d := decoder{scanner: scanner{data: data}}
	d.skipWS()
	if d.peek() != '{' {
		if _, _, err := readValue(data); err != nil {
			return nil, err
		}
		return nil, d.errorf("expected a JSON object")
	}
	if err := d.user(u); err != nil {
		return d.issues, err
	}
	d.skipWS()
	if d.pos != len(data) {
		return d.issues, d.errorf("unexpected data after the object")
	}
	return d.issues, nil
}

// UnmarshalJSON decodes data with DecodeJSON into a zeroed u. Type issues
// are returned as an error wrapping ErrInvalid that lists their paths and
// codes; u is filled as far as possible all the same.
func (u *User) UnmarshalJSON(data []byte) error {
	*u = User{}
	is, err := DecodeJSON(data, u)
	if err != nil {
		return err
	}
	if len(is) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalid, is)
	}
	return nil
}

// MarshalJSON returns the text AppendJSON writes. Its receiver is a value,
// so that encoding/json uses it for a User anywhere (a field of a struct
// passed by value too), as time.Time does.
func (u User) MarshalJSON() ([]byte, error) {
	return AppendJSON(make([]byte, 0, 512), &u), nil
}

// loc names the place of a value, for issue paths.
type loc struct {
	key   string // root attribute
	index int    // index in identities, or -1
	sub   string // identity attribute, when index >= 0
}

func rootLoc(key string) loc { return loc{key: key, index: -1} }

func (l loc) path() string {
	if l.index < 0 {
		return l.key
	}
	p := l.key + "[" + strconv.Itoa(l.index) + "]"
	if l.sub != "" {
		p += "." + l.sub
	}
	return p
}

// kind is the shape of a known attribute.
type kind uint8

const (
	kindNone       kind = iota
	kindString          // a JSON string
	kindBool            // a boolean, or "true"/"false"
	kindTime            // a time string or epoch milliseconds
	kindInt             // an integer
	kindObject          // a JSON object, kept raw
	kindUserID          // identities[].user_id: a string or an integer
	kindIdentities      // identities
	kindMFA             // mfa_factors
)

// fieldRef points at one known attribute of a User or an Identity.
type fieldRef struct {
	kind kind
	name string
	s    *string
	b    *Bool
	t    *time.Time
	i    *Int
	r    *json.RawMessage
	ids  *[]Identity
	mfa  *[]MFAFactor
}

// ref returns the attribute named name, or a ref of kindNone.
func (u *User) ref(name string) fieldRef {
	switch name {
	case "user_id":
		return fieldRef{kind: kindString, name: "user_id", s: &u.UserID}
	case "email":
		return fieldRef{kind: kindString, name: "email", s: &u.Email}
	case "email_verified":
		return fieldRef{kind: kindBool, name: "email_verified", b: &u.EmailVerified}
	case "phone_number":
		return fieldRef{kind: kindString, name: "phone_number", s: &u.PhoneNumber}
	case "phone_verified":
		return fieldRef{kind: kindBool, name: "phone_verified", b: &u.PhoneVerified}
	case "username":
		return fieldRef{kind: kindString, name: "username", s: &u.Username}
	case "given_name":
		return fieldRef{kind: kindString, name: "given_name", s: &u.GivenName}
	case "family_name":
		return fieldRef{kind: kindString, name: "family_name", s: &u.FamilyName}
	case "name":
		return fieldRef{kind: kindString, name: "name", s: &u.Name}
	case "nickname":
		return fieldRef{kind: kindString, name: "nickname", s: &u.Nickname}
	case "picture":
		return fieldRef{kind: kindString, name: "picture", s: &u.Picture}
	case "blocked":
		return fieldRef{kind: kindBool, name: "blocked", b: &u.Blocked}
	case "created_at":
		return fieldRef{kind: kindTime, name: "created_at", t: &u.CreatedAt}
	case "updated_at":
		return fieldRef{kind: kindTime, name: "updated_at", t: &u.UpdatedAt}
	case "last_login":
		return fieldRef{kind: kindTime, name: "last_login", t: &u.LastLogin}
	case "last_password_reset":
		return fieldRef{kind: kindTime, name: "last_password_reset", t: &u.LastPasswordReset}
	case "last_ip":
		return fieldRef{kind: kindString, name: "last_ip", s: &u.LastIP}
	case "logins_count":
		return fieldRef{kind: kindInt, name: "logins_count", i: &u.LoginsCount}
	case "identities":
		return fieldRef{kind: kindIdentities, name: "identities", ids: &u.Identities}
	case "app_metadata":
		return fieldRef{kind: kindObject, name: "app_metadata", r: &u.AppMetadata}
	case "user_metadata":
		return fieldRef{kind: kindObject, name: "user_metadata", r: &u.UserMetadata}
	case "password_hash":
		return fieldRef{kind: kindString, name: "password_hash", s: &u.PasswordHash}
	case "custom_password_hash":
		return fieldRef{kind: kindObject, name: "custom_password_hash", r: &u.CustomPasswordHash}
	case "password":
		return fieldRef{kind: kindString, name: "password", s: &u.Password}
	case "mfa_factors":
		return fieldRef{kind: kindMFA, name: "mfa_factors", mfa: &u.MFAFactors}
	}
	return fieldRef{}
}

// ref returns the identity attribute named name, or a ref of kindNone.
func (id *Identity) ref(name string) fieldRef {
	switch name {
	case "connection":
		return fieldRef{kind: kindString, name: "connection", s: &id.Connection}
	case "provider":
		return fieldRef{kind: kindString, name: "provider", s: &id.Provider}
	case "user_id":
		return fieldRef{kind: kindUserID, name: "user_id", s: &id.UserID}
	case "isSocial":
		return fieldRef{kind: kindBool, name: "isSocial", b: &id.IsSocial}
	case "access_token":
		return fieldRef{kind: kindString, name: "access_token", s: &id.AccessToken}
	case "access_token_secret":
		return fieldRef{kind: kindString, name: "access_token_secret", s: &id.AccessTokenSecret}
	case "refresh_token":
		return fieldRef{kind: kindString, name: "refresh_token", s: &id.RefreshToken}
	case "profileData":
		return fieldRef{kind: kindObject, name: "profileData", r: &id.ProfileData}
	}
	return fieldRef{}
}

// decoder reads a user object. Its readers take depth, the nesting depth of
// the container whose member they read, and a loc for issues.
type decoder struct {
	scanner
	scratch []byte // unescaped keys and strings
	arena   []byte // raw values; they are capped sub-slices of it
	issues  Issues
}

func (d *decoder) issue(code Code, l loc, msg string) {
	d.issues.Add(code, l.path(), msg)
}

// wrong reads a value of an unexpected type and records the issue.
func (d *decoder) wrong(depth int, l loc, what string) error {
	if err := d.value(depth); err != nil {
		return err
	}
	d.issue(CodeInvalidType, l, "expected "+what)
	return nil
}

// textBytes returns a string's decoded content: a slice of the input, or of
// the scratch buffer (valid until the next call) when it has escapes.
func (d *decoder) textBytes(start, end int, esc bool) []byte {
	if !esc {
		return d.data[start:end]
	}
	d.scratch = unescape(d.scratch[:0], d.data[start:end])
	return d.scratch
}

// raw returns a compacted copy of data[start:end], taken from the arena.
func (d *decoder) raw(start, end int, ws bool) json.RawMessage {
	n := end - start
	if cap(d.arena)-len(d.arena) < n {
		// Every raw value still to come lies in data[start:], so a
		// buffer of that size holds them all; past 2 KiB (long strings
		// may follow) take chunks instead, so that the raw values do not
		// keep much more memory alive than they use.
		size := len(d.data) - start
		if size > 2048 {
			size = max(n, 2048)
		}
		d.arena = make([]byte, 0, size)
	}
	off := len(d.arena)
	if ws {
		d.arena = appendCompact(d.arena, d.data[start:end])
	} else {
		d.arena = append(d.arena, d.data[start:end]...)
	}
	return d.arena[off:len(d.arena):len(d.arena)]
}

// key reads an object key and the colon after it. The result is valid
// until the next string is read.
func (d *decoder) key() ([]byte, error) {
	if d.peek() != '"' {
		return nil, d.errorf("expected a string key")
	}
	start, end, esc, err := d.str()
	if err != nil {
		return nil, err
	}
	k := d.textBytes(start, end, esc)
	return k, d.colon()
}

// more reads the separator after a member or element: it reports whether
// another one follows, and fails on anything but ',' or the closing byte.
func (d *decoder) more(closing byte) (bool, error) {
	d.skipWS()
	switch d.peek() {
	case ',':
		d.pos++
		d.skipWS()
		return true, nil
	case closing:
		d.pos++
		return false, nil
	}
	if closing == '}' {
		return false, d.errorf("expected ',' or '}' after an object member")
	}
	return false, d.errorf("expected ',' or ']' after an array element")
}

// open reads the opening byte of a container and reports whether it is
// empty.
func (d *decoder) open(closing byte) bool {
	d.pos++
	d.skipWS()
	if d.peek() == closing {
		d.pos++
		return true
	}
	return false
}

func (d *decoder) user(u *User) error {
	if d.open('}') {
		return nil
	}
	var extra attrSet
	defer extra.finish(&u.Extra)
	for {
		k, err := d.key()
		if err != nil {
			return err
		}
		if r := u.ref(string(k)); r.kind != kindNone {
			err = d.field(r, 1, rootLoc(r.name))
		} else {
			err = d.extra(&u.Extra, &extra, string(k), 1)
		}
		if err != nil {
			return err
		}
		if more, err := d.more('}'); !more {
			return err
		}
	}
}

func (d *decoder) identity(id *Identity, depth, index int) error {
	if d.open('}') {
		return nil
	}
	var extra attrSet
	defer extra.finish(&id.Extra)
	for {
		k, err := d.key()
		if err != nil {
			return err
		}
		if r := id.ref(string(k)); r.kind != kindNone {
			err = d.field(r, depth, loc{key: "identities", index: index, sub: r.name})
		} else {
			err = d.extra(&id.Extra, &extra, string(k), depth)
		}
		if err != nil {
			return err
		}
		if more, err := d.more('}'); !more {
			return err
		}
	}
}

// field reads the value of the known attribute r.
func (d *decoder) field(r fieldRef, depth int, l loc) error {
	var err error
	var ok bool
	switch r.kind {
	case kindString:
		var v string
		if v, ok, err = d.readString(depth, l); ok {
			*r.s = v
		}
	case kindUserID:
		var v string
		if v, ok, err = d.readUserID(depth, l); ok {
			*r.s = v
		}
	case kindBool:
		var v Bool
		if v, ok, err = d.readBool(depth, l); ok {
			*r.b = v
		}
	case kindTime:
		var v time.Time
		if v, ok, err = d.readTime(depth, l); ok {
			*r.t = v
		}
	case kindInt:
		var v Int
		if v, ok, err = d.readInt(depth, l); ok {
			*r.i = v
		}
	case kindObject:
		var v json.RawMessage
		if v, ok, err = d.readObject(depth, l); ok {
			*r.r = v
		}
	case kindIdentities:
		err = d.identities(r.ids, depth, l)
	case kindMFA:
		err = d.mfaFactors(r.mfa, depth, l)
	}
	return err
}

// The read* methods return the value, whether to store it (true for null,
// which stores the zero value), and a syntax error.

func (d *decoder) readString(depth int, l loc) (string, bool, error) {
	switch d.peek() {
	case '"':
		start, end, esc, err := d.str()
		if err != nil {
			return "", false, err
		}
		return string(d.textBytes(start, end, esc)), true, nil
	case 'n':
		return "", true, d.literal("null")
	}
	return "", false, d.wrong(depth, l, "a string")
}

func (d *decoder) readUserID(depth int, l loc) (string, bool, error) {
	c := d.peek()
	if c != '-' && !isDigit(c) {
		return d.readString(depth, l)
	}
	start := d.pos
	if err := d.number(); err != nil {
		return "", false, err
	}
	num := d.data[start:d.pos]
	if !isIntText(num) {
		d.issue(CodeInvalidType, l, "expected a string or an integer")
		return "", false, nil
	}
	return string(num), true, nil
}

func (d *decoder) readBool(depth int, l loc) (Bool, bool, error) {
	switch d.peek() {
	case 't':
		return True, true, d.literal("true")
	case 'f':
		return False, true, d.literal("false")
	case 'n':
		return Unset, true, d.literal("null")
	case '"':
		start, end, esc, err := d.str()
		if err != nil {
			return Unset, false, err
		}
		switch string(d.textBytes(start, end, esc)) {
		case "true":
			return True, true, nil
		case "false":
			return False, true, nil
		}
		d.issue(CodeInvalidType, l, "expected a boolean")
		return Unset, false, nil
	}
	return Unset, false, d.wrong(depth, l, "a boolean")
}

const timeMessage = "expected an ISO 8601 time or epoch milliseconds"

func (d *decoder) readTime(depth int, l loc) (time.Time, bool, error) {
	var t time.Time
	var ok bool
	switch c := d.peek(); {
	case c == '"':
		start, end, esc, err := d.str()
		if err != nil {
			return t, false, err
		}
		t, ok = parseTime(d.textBytes(start, end, esc))
	case c == '-' || isDigit(c):
		start := d.pos
		if err := d.number(); err != nil {
			return t, false, err
		}
		t, ok = parseTime(d.data[start:d.pos])
	case c == 'n':
		return t, true, d.literal("null")
	default:
		return t, false, d.wrong(depth, l, "a time")
	}
	if !ok {
		d.issue(CodeFormat, l, timeMessage)
	}
	return t, ok, nil
}

func (d *decoder) readInt(depth int, l loc) (Int, bool, error) {
	switch c := d.peek(); {
	case c == '-' || isDigit(c):
		start := d.pos
		if err := d.number(); err != nil {
			return Int{}, false, err
		}
		v, ok := parseInt(d.data[start:d.pos])
		if !ok {
			d.issue(CodeInvalidType, l, "expected an integer")
			return Int{}, false, nil
		}
		return IntOf(v), true, nil
	case c == 'n':
		return Int{}, true, d.literal("null")
	}
	return Int{}, false, d.wrong(depth, l, "an integer")
}

func (d *decoder) readObject(depth int, l loc) (json.RawMessage, bool, error) {
	switch d.peek() {
	case '{':
		start := d.pos
		d.ws = false
		if err := d.value(depth); err != nil {
			return nil, false, err
		}
		return d.raw(start, d.pos, d.ws), true, nil
	case 'n':
		return nil, true, d.literal("null")
	}
	return nil, false, d.wrong(depth, l, "an object")
}

func (d *decoder) identities(dst *[]Identity, depth int, l loc) error {
	switch d.peek() {
	case '[':
	case 'n':
		*dst = nil
		return d.literal("null")
	default:
		return d.wrong(depth, l, "an array")
	}
	ids := []Identity{}
	defer func() { *dst = ids }()
	if d.open(']') {
		return nil
	}
	for i := 0; ; i++ {
		ids = append(ids, Identity{})
		var err error
		if d.peek() == '{' {
			err = d.identity(&ids[i], depth+2, i)
		} else {
			err = d.wrong(depth+1, loc{key: l.key, index: i}, "an object")
		}
		if err != nil {
			return err
		}
		if more, err := d.more(']'); !more {
			return err
		}
	}
}

func (d *decoder) mfaFactors(dst *[]MFAFactor, depth int, l loc) error {
	switch d.peek() {
	case '[':
	case 'n':
		*dst = nil
		return d.literal("null")
	default:
		return d.wrong(depth, l, "an array")
	}
	fs := []MFAFactor{}
	defer func() { *dst = fs }()
	if d.open(']') {
		return nil
	}
	for {
		start := d.pos
		d.ws = false
		if err := d.value(depth + 1); err != nil {
			return err
		}
		f, ok := parseFactor(d.data[start:d.pos])
		if !ok {
			f = MFAFactor{Raw: d.raw(start, d.pos, d.ws)}
		}
		fs = append(fs, f)
		if more, err := d.more(']'); !more {
			return err
		}
	}
}

// extra reads the value of an unknown attribute into list.
func (d *decoder) extra(list *[]Attr, set *attrSet, key string, depth int) error {
	start := d.pos
	d.ws = false
	if err := d.value(depth); err != nil {
		return err
	}
	var v json.RawMessage
	if d.data[start] != 'n' { // not null
		v = d.raw(start, d.pos, d.ws)
	}
	set.put(list, key, v)
	return nil
}

// parseFactor recognises the three shapes of an MFA factor:
// {"totp":{"secret":S}}, {"phone":{"value":S}} and {"email":{"value":S}},
// S a non-empty string. item must be well-formed.
func parseFactor(item []byte) (MFAFactor, bool) {
	var f MFAFactor
	var it rawIter
	if !it.init(item, '{') {
		return f, false
	}
	k, kesc, v, ok := it.nextMember()
	if !ok {
		return f, false
	}
	if _, _, _, more := it.nextMember(); more || it.bad {
		return f, false
	}
	var dst *string
	inner := "value"
	switch {
	case keyIs(k, kesc, "totp"):
		dst, inner = &f.TOTPSecret, "secret"
	case keyIs(k, kesc, "phone"):
		dst = &f.Phone
	case keyIs(k, kesc, "email"):
		dst = &f.Email
	default:
		return f, false
	}
	if !it.init(v, '{') {
		return f, false
	}
	k, kesc, v, ok = it.nextMember()
	if !ok || !keyIs(k, kesc, inner) || v[0] != '"' {
		return f, false
	}
	if _, _, _, more := it.nextMember(); more || it.bad {
		return f, false
	}
	s, err := Unquote(v)
	if err != nil || s == "" {
		return f, false
	}
	*dst = s
	return f, true
}

// attrSet adds attributes to a list with the rule "last one wins, at the
// position of the first". A nil value (JSON null) removes the attribute;
// removed entries are dropped by finish. Past a few entries it indexes the
// list, so a record with many keys costs linear time.
type attrSet struct {
	idx  map[string]int
	dead bool
}

func (a *attrSet) find(list []Attr, key string) int {
	if a.idx == nil {
		if len(list) < 16 {
			for i := range list {
				if list[i].Key == key {
					return i
				}
			}
			return -1
		}
		a.idx = make(map[string]int, 2*len(list))
		for i := range list {
			if _, ok := a.idx[list[i].Key]; !ok {
				a.idx[list[i].Key] = i
			}
		}
	}
	if i, ok := a.idx[key]; ok {
		return i
	}
	return -1
}

func (a *attrSet) put(list *[]Attr, key string, v json.RawMessage) {
	if i := a.find(*list, key); i >= 0 {
		(*list)[i].Value = v
		if v == nil {
			a.dead = true
		}
		return
	}
	if v == nil {
		return
	}
	*list = append(*list, Attr{Key: key, Value: v})
	if a.idx != nil {
		a.idx[key] = len(*list) - 1
	}
}

func (a *attrSet) finish(list *[]Attr) {
	if !a.dead {
		return
	}
	n := 0
	for _, x := range *list {
		if x.Value != nil {
			(*list)[n] = x
			n++
		}
	}
	clear((*list)[n:])
	if n == 0 {
		*list = nil
		return
	}
	*list = (*list)[:n]
}

// parseInt parses an optional '-' and decimal digits into an int64.
func parseInt[T string | []byte](s T) (int64, bool) {
	neg := len(s) > 0 && s[0] == '-'
	i := 0
	if neg {
		i = 1
	}
	if i == len(s) || len(s)-i > 19 {
		return 0, false
	}
	var v uint64
	for ; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > 1<<63-1 {
		return 0, false
	}
	return int64(v), true
}

// isIntText reports whether s is an optional '-' and decimal digits.
func isIntText(s []byte) bool {
	i := 0
	if len(s) > 0 && s[0] == '-' {
		i = 1
	}
	if i == len(s) {
		return false
	}
	for ; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func digits2[T string | []byte](s T, i int) (int, bool) {
	if i+2 > len(s) || !isDigit(s[i]) || !isDigit(s[i+1]) {
		return 0, false
	}
	return int(s[i]-'0')*10 + int(s[i+1]-'0'), true
}

// The range of epoch milliseconds parseTime accepts: from 1973-03-03 (12
// digits; a shorter count is far more likely seconds, and is refused rather
// than misread as a time in 1970) to the end of year 9999.
const (
	minEpochMillis = 100_000_000_000
	maxEpochMillis = 253_402_300_799_999
)

// parseTime reads the times ferry accepts: epoch milliseconds (digits, see
// minEpochMillis), and ISO 8601 / RFC 3339 text
// "YYYY-MM-DD[(T|t| )hh:mm[:ss[(.|,)fraction]][Z|z|±hh[:mm]|±hhmm]]".
// Text without a zone is UTC; an offset is kept as a fixed zone. Years
// outside 0000–9999 are refused, so every time read can be written back
// as RFC 3339.
func parseTime[T string | []byte](s T) (time.Time, bool) {
	if ms, ok := parseInt(s); ok {
		if ms < minEpochMillis || ms > maxEpochMillis {
			return time.Time{}, false
		}
		return time.UnixMilli(ms).UTC(), true
	}
	n := len(s)
	if n < 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	y1, ok1 := digits2(s, 0)
	y2, ok2 := digits2(s, 2)
	mo, ok3 := digits2(s, 5)
	day, ok4 := digits2(s, 8)
	if !ok1 || !ok2 || !ok3 || !ok4 || mo < 1 || mo > 12 || day < 1 {
		return time.Time{}, false
	}
	year := y1*100 + y2
	if day > daysIn(time.Month(mo), year) {
		return time.Time{}, false
	}
	if n == 10 {
		return time.Date(year, time.Month(mo), day, 0, 0, 0, 0, time.UTC), true
	}
	if c := s[10]; c != 'T' && c != 't' && c != ' ' {
		return time.Time{}, false
	}
	hh, ok1 := digits2(s, 11)
	mm, ok2 := digits2(s, 14)
	if !ok1 || !ok2 || s[13] != ':' || hh > 23 || mm > 59 {
		return time.Time{}, false
	}
	i, ss, ns := 16, 0, 0
	if i < n && s[i] == ':' {
		var ok bool
		if ss, ok = digits2(s, 17); !ok || ss > 59 {
			return time.Time{}, false
		}
		i = 19
		if i < n && (s[i] == '.' || s[i] == ',') {
			i++
			j := i
			for ; j < n && isDigit(s[j]); j++ {
				ns = ns*10 + int(s[j]-'0')
			}
			if j == i || j-i > 9 {
				return time.Time{}, false
			}
			for k := j - i; k < 9; k++ {
				ns *= 10
			}
			i = j
		}
	}
	zone := time.UTC
	if i < n {
		switch s[i] {
		case 'Z', 'z':
			i++
		case '+', '-':
			sign := 1
			if s[i] == '-' {
				sign = -1
			}
			oh, ok := digits2(s, i+1)
			if !ok || oh > 23 {
				return time.Time{}, false
			}
			i += 3
			om := 0
			if i < n {
				if s[i] == ':' {
					i++
				}
				if om, ok = digits2(s, i); !ok || om > 59 {
					return time.Time{}, false
				}
				i += 2
			}
			if off := sign * (oh*3600 + om*60); off != 0 {
				zone = time.FixedZone("", off)
			}
		default:
			return time.Time{}, false
		}
	}
	if i != n {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(mo), day, hh, mm, ss, ns, zone), true
}

func daysIn(m time.Month, year int) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// AppendJSON appends u as one compact JSON object and returns the extended
// buffer. Attributes come in RootFields order, with password (when set)
// after custom_password_hash; absent ones (zero strings and times, Unset
// booleans, invalid Ints, nil slices, empty raw values) are omitted, and
// u.Extra follows last, in order. Times are RFC 3339 with as many fraction
// digits as needed, in their own offset. Raw values are written as they are:
// they must be well-formed JSON, as DecodeJSON and the Set methods leave
// them, and Extra must not repeat a known attribute.
func AppendJSON(dst []byte, u *User) []byte {
	start := len(dst)
	dst = appendStr(dst, `,"user_id":`, u.UserID)
	dst = appendStr(dst, `,"email":`, u.Email)
	dst = appendBool(dst, `,"email_verified":`, u.EmailVerified)
	dst = appendStr(dst, `,"phone_number":`, u.PhoneNumber)
	dst = appendBool(dst, `,"phone_verified":`, u.PhoneVerified)
	dst = appendStr(dst, `,"username":`, u.Username)
	dst = appendStr(dst, `,"given_name":`, u.GivenName)
	dst = appendStr(dst, `,"family_name":`, u.FamilyName)
	dst = appendStr(dst, `,"name":`, u.Name)
	dst = appendStr(dst, `,"nickname":`, u.Nickname)
	dst = appendStr(dst, `,"picture":`, u.Picture)
	dst = appendBool(dst, `,"blocked":`, u.Blocked)
	dst = appendTime(dst, `,"created_at":`, u.CreatedAt)
	dst = appendTime(dst, `,"updated_at":`, u.UpdatedAt)
	dst = appendTime(dst, `,"last_login":`, u.LastLogin)
	dst = appendTime(dst, `,"last_password_reset":`, u.LastPasswordReset)
	dst = appendStr(dst, `,"last_ip":`, u.LastIP)
	if u.LoginsCount.Valid {
		dst = append(dst, `,"logins_count":`...)
		dst = strconv.AppendInt(dst, u.LoginsCount.V, 10)
	}
	if u.Identities != nil {
		dst = append(dst, `,"identities":`...)
		dst = appendIdentities(dst, u.Identities)
	}
	dst = appendRaw(dst, `,"app_metadata":`, u.AppMetadata)
	dst = appendRaw(dst, `,"user_metadata":`, u.UserMetadata)
	dst = appendStr(dst, `,"password_hash":`, u.PasswordHash)
	dst = appendRaw(dst, `,"custom_password_hash":`, u.CustomPasswordHash)
	dst = appendStr(dst, `,"password":`, u.Password)
	if u.MFAFactors != nil {
		dst = append(dst, `,"mfa_factors":`...)
		dst = appendFactors(dst, u.MFAFactors)
	}
	dst = appendAttrs(dst, u.Extra)
	return closeObject(dst, start)
}

// closeObject turns the members written from start on, each led by a comma,
// into an object.
func closeObject(dst []byte, start int) []byte {
	if len(dst) == start {
		return append(dst, '{', '}')
	}
	dst[start] = '{'
	return append(dst, '}')
}

func appendStr(dst []byte, key, v string) []byte {
	if v == "" {
		return dst
	}
	return AppendString(append(dst, key...), v)
}

func appendBool(dst []byte, key string, b Bool) []byte {
	switch b {
	case True:
		return append(append(dst, key...), "true"...)
	case False:
		return append(append(dst, key...), "false"...)
	}
	return dst
}

func appendTime(dst []byte, key string, t time.Time) []byte {
	if t.IsZero() {
		return dst
	}
	if t.Location() != time.UTC {
		// RFC 3339 offsets have no seconds: write such a zone's times
		// (historical local mean times) in UTC rather than shift them.
		if _, off := t.Zone(); off%60 != 0 {
			t = t.UTC()
		}
	}
	dst = append(append(dst, key...), '"')
	return append(t.AppendFormat(dst, time.RFC3339Nano), '"')
}

func appendRaw(dst []byte, key string, v json.RawMessage) []byte {
	if len(v) == 0 {
		return dst
	}
	return append(append(dst, key...), v...)
}

func appendAttrs(dst []byte, attrs []Attr) []byte {
	for _, a := range attrs {
		if len(a.Value) == 0 {
			continue
		}
		dst = AppendString(append(dst, ','), a.Key)
		dst = append(append(dst, ':'), a.Value...)
	}
	return dst
}

func appendIdentities(dst []byte, ids []Identity) []byte {
	dst = append(dst, '[')
	for i := range ids {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendIdentity(dst, &ids[i])
	}
	return append(dst, ']')
}

// appendIdentity writes an identity's attributes in the order of the
// spec's table (connection, provider, user_id, isSocial, the tokens,
// profileData), then its Extra.
func appendIdentity(dst []byte, id *Identity) []byte {
	start := len(dst)
	dst = appendStr(dst, `,"connection":`, id.Connection)
	dst = appendStr(dst, `,"provider":`, id.Provider)
	dst = appendStr(dst, `,"user_id":`, id.UserID)
	dst = appendBool(dst, `,"isSocial":`, id.IsSocial)
	dst = appendStr(dst, `,"access_token":`, id.AccessToken)
	dst = appendStr(dst, `,"access_token_secret":`, id.AccessTokenSecret)
	dst = appendStr(dst, `,"refresh_token":`, id.RefreshToken)
	dst = appendRaw(dst, `,"profileData":`, id.ProfileData)
	dst = appendAttrs(dst, id.Extra)
	return closeObject(dst, start)
}

func appendFactors(dst []byte, fs []MFAFactor) []byte {
	dst = append(dst, '[')
	for i := range fs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendFactor(dst, &fs[i])
	}
	return append(dst, ']')
}

// appendFactor writes Raw when it is set, else each field that is set in
// its own shape (one, in a valid factor).
func appendFactor(dst []byte, f *MFAFactor) []byte {
	if len(f.Raw) > 0 {
		return append(dst, f.Raw...)
	}
	start := len(dst)
	if f.TOTPSecret != "" {
		dst = AppendString(append(dst, `,"totp":{"secret":`...), f.TOTPSecret)
		dst = append(dst, '}')
	}
	if f.Phone != "" {
		dst = AppendString(append(dst, `,"phone":{"value":`...), f.Phone)
		dst = append(dst, '}')
	}
	if f.Email != "" {
		dst = AppendString(append(dst, `,"email":{"value":`...), f.Email)
		dst = append(dst, '}')
	}
	return closeObject(dst, start)
}
