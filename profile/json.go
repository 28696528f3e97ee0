package profile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unsafe"
)

// The JSON codec of User: one Auth0 user object (spec §1, §5), decoded and
// encoded by hand, without reflection. Its rules:
//
//   - Known attributes fill the typed fields. Metadata objects,
//     custom_password_hash, identities[].profileData, unknown attributes and
//     MFA factors of an unknown shape are kept as raw JSON text: key order,
//     number text and string escapes exactly as in the input, but compacted
//     (insignificant whitespace removed). Raw values and strings are
//     copies; they never alias the input buffer. A record's copies share
//     one allocation (up to 2 KiB at a time), so that decoding costs a few
//     allocations per record rather than one per attribute; a string kept
//     alone keeps that allocation alive.
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

// field identifies a known attribute: a root attribute of User, or an
// attribute of Identity. It lets a compiled Path reach its attribute with a
// switch on an integer instead of on a name.
type field uint8

// The root attributes of a User, in the order of ref.
const (
	fieldNone field = iota
	fieldUserID
	fieldEmail
	fieldEmailVerified
	fieldPhoneNumber
	fieldPhoneVerified
	fieldUsername
	fieldGivenName
	fieldFamilyName
	fieldName
	fieldNickname
	fieldPicture
	fieldBlocked
	fieldCreatedAt
	fieldUpdatedAt
	fieldLastLogin
	fieldLastPasswordReset
	fieldLastIP
	fieldLoginsCount
	fieldIdentities
	fieldAppMetadata
	fieldUserMetadata
	fieldPasswordHash
	fieldCustomPasswordHash
	fieldPassword
	fieldMFAFactors
)

// The attributes of an Identity.
const (
	fieldConnection field = iota + 1
	fieldProvider
	fieldIdentityUserID
	fieldIsSocial
	fieldAccessToken
	fieldAccessTokenSecret
	fieldRefreshToken
	fieldProfileData
)

// rootField returns the root attribute named name, or fieldNone. It
// switches on the length first: each name is then one comparison.
func rootField(name string) field {
	switch len(name) {
	case 4:
		if name == "name" {
			return fieldName
		}
	case 5:
		if name == "email" {
			return fieldEmail
		}
	case 7:
		switch name {
		case "user_id":
			return fieldUserID
		case "picture":
			return fieldPicture
		case "blocked":
			return fieldBlocked
		case "last_ip":
			return fieldLastIP
		}
	case 8:
		switch name {
		case "username":
			return fieldUsername
		case "nickname":
			return fieldNickname
		case "password":
			return fieldPassword
		}
	case 10:
		switch name {
		case "given_name":
			return fieldGivenName
		case "created_at":
			return fieldCreatedAt
		case "updated_at":
			return fieldUpdatedAt
		case "last_login":
			return fieldLastLogin
		case "identities":
			return fieldIdentities
		}
	case 11:
		switch name {
		case "family_name":
			return fieldFamilyName
		case "mfa_factors":
			return fieldMFAFactors
		}
	case 12:
		switch name {
		case "phone_number":
			return fieldPhoneNumber
		case "logins_count":
			return fieldLoginsCount
		case "app_metadata":
			return fieldAppMetadata
		}
	case 13:
		switch name {
		case "user_metadata":
			return fieldUserMetadata
		case "password_hash":
			return fieldPasswordHash
		}
	case 14:
		switch name {
		case "email_verified":
			return fieldEmailVerified
		case "phone_verified":
			return fieldPhoneVerified
		}
	case 19:
		if name == "last_password_reset" {
			return fieldLastPasswordReset
		}
	case 20:
		if name == "custom_password_hash" {
			return fieldCustomPasswordHash
		}
	}
	return fieldNone
}

// identityAttr returns the identity attribute named name, or fieldNone.
func identityAttr(name string) field {
	switch len(name) {
	case 7:
		if name == "user_id" {
			return fieldIdentityUserID
		}
	case 8:
		switch name {
		case "provider":
			return fieldProvider
		case "isSocial":
			return fieldIsSocial
		}
	case 10:
		if name == "connection" {
			return fieldConnection
		}
	case 11:
		if name == "profileData" {
			return fieldProfileData
		}
	case 12:
		if name == "access_token" {
			return fieldAccessToken
		}
	case 13:
		if name == "refresh_token" {
			return fieldRefreshToken
		}
	case 19:
		if name == "access_token_secret" {
			return fieldAccessTokenSecret
		}
	}
	return fieldNone
}

// ref returns the attribute named name, or a ref of kindNone.
func (u *User) ref(name string) fieldRef { return u.refOf(rootField(name)) }

// refOf returns the root attribute f, or a ref of kindNone.
func (u *User) refOf(f field) fieldRef {
	switch f {
	case fieldUserID:
		return fieldRef{kind: kindString, name: "user_id", s: &u.UserID}
	case fieldEmail:
		return fieldRef{kind: kindString, name: "email", s: &u.Email}
	case fieldEmailVerified:
		return fieldRef{kind: kindBool, name: "email_verified", b: &u.EmailVerified}
	case fieldPhoneNumber:
		return fieldRef{kind: kindString, name: "phone_number", s: &u.PhoneNumber}
	case fieldPhoneVerified:
		return fieldRef{kind: kindBool, name: "phone_verified", b: &u.PhoneVerified}
	case fieldUsername:
		return fieldRef{kind: kindString, name: "username", s: &u.Username}
	case fieldGivenName:
		return fieldRef{kind: kindString, name: "given_name", s: &u.GivenName}
	case fieldFamilyName:
		return fieldRef{kind: kindString, name: "family_name", s: &u.FamilyName}
	case fieldName:
		return fieldRef{kind: kindString, name: "name", s: &u.Name}
	case fieldNickname:
		return fieldRef{kind: kindString, name: "nickname", s: &u.Nickname}
	case fieldPicture:
		return fieldRef{kind: kindString, name: "picture", s: &u.Picture}
	case fieldBlocked:
		return fieldRef{kind: kindBool, name: "blocked", b: &u.Blocked}
	case fieldCreatedAt:
		return fieldRef{kind: kindTime, name: "created_at", t: &u.CreatedAt}
	case fieldUpdatedAt:
		return fieldRef{kind: kindTime, name: "updated_at", t: &u.UpdatedAt}
	case fieldLastLogin:
		return fieldRef{kind: kindTime, name: "last_login", t: &u.LastLogin}
	case fieldLastPasswordReset:
		return fieldRef{kind: kindTime, name: "last_password_reset", t: &u.LastPasswordReset}
	case fieldLastIP:
		return fieldRef{kind: kindString, name: "last_ip", s: &u.LastIP}
	case fieldLoginsCount:
		return fieldRef{kind: kindInt, name: "logins_count", i: &u.LoginsCount}
	case fieldIdentities:
		return fieldRef{kind: kindIdentities, name: "identities", ids: &u.Identities}
	case fieldAppMetadata:
		return fieldRef{kind: kindObject, name: "app_metadata", r: &u.AppMetadata}
	case fieldUserMetadata:
		return fieldRef{kind: kindObject, name: "user_metadata", r: &u.UserMetadata}
	case fieldPasswordHash:
		return fieldRef{kind: kindString, name: "password_hash", s: &u.PasswordHash}
	case fieldCustomPasswordHash:
		return fieldRef{kind: kindObject, name: "custom_password_hash", r: &u.CustomPasswordHash}
	case fieldPassword:
		return fieldRef{kind: kindString, name: "password", s: &u.Password}
	case fieldMFAFactors:
		return fieldRef{kind: kindMFA, name: "mfa_factors", mfa: &u.MFAFactors}
	}
	return fieldRef{}
}

// ref returns the identity attribute named name, or a ref of kindNone.
func (id *Identity) ref(name string) fieldRef { return id.refOf(identityAttr(name)) }

// refOf returns the identity attribute f, or a ref of kindNone.
func (id *Identity) refOf(f field) fieldRef {
	switch f {
	case fieldConnection:
		return fieldRef{kind: kindString, name: "connection", s: &id.Connection}
	case fieldProvider:
		return fieldRef{kind: kindString, name: "provider", s: &id.Provider}
	case fieldIdentityUserID:
		return fieldRef{kind: kindUserID, name: "user_id", s: &id.UserID}
	case fieldIsSocial:
		return fieldRef{kind: kindBool, name: "isSocial", b: &id.IsSocial}
	case fieldAccessToken:
		return fieldRef{kind: kindString, name: "access_token", s: &id.AccessToken}
	case fieldAccessTokenSecret:
		return fieldRef{kind: kindString, name: "access_token_secret", s: &id.AccessTokenSecret}
	case fieldRefreshToken:
		return fieldRef{kind: kindString, name: "refresh_token", s: &id.RefreshToken}
	case fieldProfileData:
		return fieldRef{kind: kindObject, name: "profileData", r: &id.ProfileData}
	}
	return fieldRef{}
}

// decoder reads a user object. Its readers take depth, the nesting depth of
// the container whose member they read, and a loc for issues.
type decoder struct {
	scanner
	// src, when set, is data as a string (a text cell): strings without
	// escapes are then substrings of it, not copies.
	src     string
	scratch []byte // unescaped keys and strings
	// arena holds the raw values and strings the decoder keeps: raw values
	// are capped sub-slices of it, strings read-only views. It is only
	// appended to, never written again, so that both stay valid; one
	// record's values usually share one arena (see reserve).
	arena  []byte
	issues Issues
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

// reserve makes room in the arena for n bytes taken from data[start:].
func (d *decoder) reserve(start, n int) {
	if cap(d.arena)-len(d.arena) >= n {
		return
	}
	// Every value still to come, decoded or compacted, is no longer than
	// its text in data[start:], so a buffer of that size holds them all:
	// one allocation per record. Past 2 KiB (long strings may follow) take
	// chunks instead, so that the values do not keep much more memory
	// alive than they use.
	size := len(d.data) - start
	if size > 2048 {
		size = 2048
	}
	d.arena = make([]byte, 0, max(size, n))
}

// keep returns b as a string that stays valid: a view of the arena. start
// is the offset in data of the text b was read from.
func (d *decoder) keep(start int, b []byte) string {
	if len(b) == 0 {
		return ""
	}
	d.reserve(start, len(b))
	off := len(d.arena)
	d.arena = append(d.arena, b...)
	return unsafe.String(&d.arena[off], len(b))
}

// text returns the decoded content of the string data[start:end] (between
// its quotes): a substring of src, or a string kept in the arena.
func (d *decoder) text(start, end int, esc bool) string {
	if !esc && d.src != "" {
		return d.src[start:end]
	}
	return d.keep(start, d.textBytes(start, end, esc))
}

// raw returns a compacted copy of data[start:end], taken from the arena.
func (d *decoder) raw(start, end int, ws bool) json.RawMessage {
	d.reserve(start, end-start)
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
		ks := d.pos
		k, err := d.key()
		if err != nil {
			return err
		}
		if r := u.ref(view(k)); r.kind != kindNone {
			err = d.field(r, 1, rootLoc(r.name))
		} else {
			err = d.extra(&u.Extra, &extra, d.keep(ks, k), 1)
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
		ks := d.pos
		k, err := d.key()
		if err != nil {
			return err
		}
		if r := id.ref(view(k)); r.kind != kindNone {
			err = d.field(r, depth, loc{key: "identities", index: index, sub: r.name})
		} else {
			err = d.extra(&id.Extra, &extra, d.keep(ks, k), depth)
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
		return d.text(start, end, esc), true, nil
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
	if !isIntText(d.data[start:d.pos]) {
		d.issue(CodeInvalidType, l, "expected a string or an integer")
		return "", false, nil
	}
	return d.text(start, d.pos, false), true, nil
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
	ids, err := d.identityList(depth, l)
	*dst = ids
	return err
}

// identityList reads the elements of an array of identities; the ones
// read are returned even with an error.
func (d *decoder) identityList(depth int, l loc) ([]Identity, error) {
	ids := []Identity{}
	if d.open(']') {
		return ids, nil
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
			return ids, err
		}
		if more, err := d.more(']'); !more {
			return ids, err
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
	fs, err := d.factorList(depth)
	*dst = fs
	return err
}

// factorList reads the elements of an array of MFA factors; the ones read
// are returned even with an error.
func (d *decoder) factorList(depth int) ([]MFAFactor, error) {
	fs := []MFAFactor{}
	if d.open(']') {
		return fs, nil
	}
	for {
		start := d.pos
		d.ws = false
		if err := d.value(depth + 1); err != nil {
			return fs, err
		}
		fs = append(fs, d.factor(start, d.pos, d.ws))
		if more, err := d.more(']'); !more {
			return fs, err
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

// factor reads the well-formed MFA factor data[start:end]: one of the
// three shapes, else a raw value.
func (d *decoder) factor(start, end int, ws bool) MFAFactor {
	item := d.data[start:end]
	if shape, a, b := factorShape(item); shape != factorRaw {
		// a and b delimit the string's content in item.
		if s := d.text(start+a, start+b, bytes.IndexByte(item[a:b], '\\') >= 0); s != "" {
			switch shape {
			case factorTOTP:
				return MFAFactor{TOTPSecret: s}
			case factorPhone:
				return MFAFactor{Phone: s}
			default:
				return MFAFactor{Email: s}
			}
		}
	}
	return MFAFactor{Raw: d.raw(start, end, ws)}
}

// The shapes of an MFA factor factorShape tells apart.
const (
	factorRaw = iota
	factorTOTP
	factorPhone
	factorEmail
)

// factorShape recognises the three shapes of an MFA factor:
// {"totp":{"secret":S}}, {"phone":{"value":S}} and {"email":{"value":S}},
// S a string. It returns the shape (factorRaw for none of them) and the
// span of S's content (between its quotes) in item. item must be
// well-formed.
func factorShape(item []byte) (shape, start, end int) {
	var it rawIter
	if !it.init(item, '{') {
		return factorRaw, 0, 0
	}
	k, kesc, v, ok := it.nextMember()
	if !ok {
		return factorRaw, 0, 0
	}
	if _, _, _, more := it.nextMember(); more || it.bad {
		return factorRaw, 0, 0
	}
	inner := "value"
	switch {
	case keyIs(k, kesc, "totp"):
		shape, inner = factorTOTP, "secret"
	case keyIs(k, kesc, "phone"):
		shape = factorPhone
	case keyIs(k, kesc, "email"):
		shape = factorEmail
	default:
		return factorRaw, 0, 0
	}
	outer := it.i - len(v) // offset of v in item
	if !it.init(v, '{') {
		return factorRaw, 0, 0
	}
	k, kesc, v, ok = it.nextMember()
	if !ok || !keyIs(k, kesc, inner) || v[0] != '"' {
		return factorRaw, 0, 0
	}
	at := outer + it.i - len(v)
	if _, _, _, more := it.nextMember(); more || it.bad {
		return factorRaw, 0, 0
	}
	return shape, at + 1, at + len(v) - 1
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
		return utcTime(daysFromCivil(year, mo, day)*86400, 0), true
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
	if zone == time.UTC {
		return utcTime(daysFromCivil(year, mo, day)*86400+int64(hh*3600+mm*60+ss), ns), true
	}
	return time.Date(year, time.Month(mo), day, hh, mm, ss, ns, zone), true
}

// utcTime is time.Unix(sec, ns).UTC(), the same value time.Date gives for
// UTC.
func utcTime(sec int64, ns int) time.Time { return time.Unix(sec, int64(ns)).UTC() }

// daysFromCivil returns the days from 1970-01-01 to the proleptic
// Gregorian date y-m-d (m 1–12), as in H. Hinnant's "chrono-Compatible
// Low-Level Date Algorithms".
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400 // [0, 399]
	mp := m + 9        // March is month 0
	if m > 2 {
		mp = m - 3
	}
	doy := (153*mp+2)/5 + d - 1            // [0, 365]
	doe := yoe*365 + yoe/4 - yoe/100 + doy // [0, 146096]
	return int64(era)*146097 + int64(doe) - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(days int64) (y, m, d int) {
	z := days + 719468
	era := z
	if era < 0 {
		era -= 146096
	}
	era /= 146097
	doe := int(z - era*146097)                             // [0, 146096]
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // [0, 399]
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // [0, 365]
	mp := (5*doy + 2) / 153                                // [0, 11]
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if mp >= 10 {
		m = mp - 9
	}
	y = yoe + int(era)*400
	if m <= 2 {
		y++
	}
	return y, m, d
}

// The Unix seconds of 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
const (
	minRFC3339Unix = -62167219200
	maxRFC3339Unix = 253402300799
)

// appendRFC3339 appends t formatted with time.RFC3339Nano: directly for
// UTC times of years 0000–9999 (every time parseTime makes in UTC), else
// with AppendFormat.
func appendRFC3339(dst []byte, t time.Time) []byte {
	sec := t.Unix()
	if t.Location() != time.UTC || sec < minRFC3339Unix || sec > maxRFC3339Unix {
		return t.AppendFormat(dst, time.RFC3339Nano)
	}
	days, rem := sec/86400, int(sec%86400)
	if rem < 0 {
		days, rem = days-1, rem+86400
	}
	y, m, d := civilFromDays(days)
	hh, mm, ss := rem/3600, rem/60%60, rem%60
	dst = append(dst, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10), 'T',
		byte('0'+hh/10), byte('0'+hh%10), ':', byte('0'+mm/10), byte('0'+mm%10), ':',
		byte('0'+ss/10), byte('0'+ss%10))
	if ns := t.Nanosecond(); ns != 0 {
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i > 0; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 10
		for frac[n-1] == '0' {
			n--
		}
		dst = append(dst, frac[:n]...)
	}
	return append(dst, 'Z')
}

// view returns b as a string without copying it, for a lookup that does
// not keep the string.
func view(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

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
	return append(appendRFC3339(dst, t), '"')
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
