package sqlstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

// Encoding is the wire form of a Row's values.
type Encoding uint8

// The encodings of the stores.
const (
	// Binary is PostgreSQL's binary format, as COPY … (FORMAT binary) and
	// binary results carry it: text and json as their UTF-8 bytes, boolean
	// as one byte, bigint as 8 bytes big-endian, timestamptz as the
	// big-endian microseconds since 2000-01-01 UTC.
	Binary Encoding = iota + 1
	// Text is MySQL's text form: text and JSON as their UTF-8 bytes,
	// booleans as "0" or "1", integers in decimal, times in TimeLayout.
	Text
)

// TimeLayout is how the Text encoding writes times: UTC, fixed width, so
// that the order of the text is the order of the times.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// pgEpoch is PostgreSQL's epoch, 2000-01-01 UTC, in Unix microseconds.
const pgEpoch = 946684800_000000

// Row holds one user's column values in a store's encoding; nil is NULL.
// The values of encoded rows point into the Encoder's buffer and stay valid
// until its next Reset.
type Row [NumCols][]byte

// Equal reports whether two rows hold the same values.
func (r *Row) Equal(o *Row) bool {
	for i := range r {
		if (r[i] == nil) != (o[i] == nil) || !bytes.Equal(r[i], o[i]) {
			return false
		}
	}
	return true
}

// Clone returns a copy of r that shares no memory with it.
func (r *Row) Clone() Row {
	var c Row
	n := 0
	for _, v := range r {
		n += len(v)
	}
	buf := make([]byte, 0, n)
	for i, v := range r {
		if v != nil {
			start := len(buf)
			buf = append(buf, v...)
			c[i] = buf[start:len(buf):len(buf)]
		}
	}
	return c
}

// Encoder turns profiles into rows. It is not safe for concurrent use.
type Encoder struct {
	// Connection is the store's connection, written in every row and used
	// to derive missing user_ids.
	Connection string
	Encoding   Encoding
	// RejectNUL refuses text holding a NUL character, and JSON holding the
	// escape \u0000 (PostgreSQL can keep neither in text or jsonb).
	RejectNUL bool

	arena []byte
	tmp   []byte
}

// Reset lets the encoder reuse its buffer: rows encoded before are invalid
// afterwards.
func (e *Encoder) Reset() { e.arena = e.arena[:0] }

// put appends v to the arena and returns its stable slice.
func (e *Encoder) put(v []byte) []byte {
	start := len(e.arena)
	e.arena = append(e.arena, v...)
	return e.arena[start:len(e.arena):len(e.arena)]
}

func (e *Encoder) putString(s string) []byte {
	if s == "" {
		return nil
	}
	start := len(e.arena)
	e.arena = append(e.arena, s...)
	return e.arena[start:len(e.arena):len(e.arena)]
}

// Encode fills r from u. Issues are problems of this record alone (the
// store cannot hold it); an error means the encoder itself failed.
func (e *Encoder) Encode(u *profile.User, r *Row) (profile.Issues, error) {
	var issues profile.Issues
	*r = Row{}
	id := u.UserID
	if id == "" {
		if id = DeriveUserID(e.Connection, u); id == "" {
			issues.Add(profile.CodeRequired, "user_id", "user without user_id needs an email, username or phone_number to derive one")
		}
	}
	CheckKeys(&issues, id, u)
	r[ColUserID] = e.putString(id)
	r[ColConnection] = e.putString(e.Connection)
	r[ColEmail] = e.putString(u.Email)
	r[ColEmailVerified] = e.boolean(u.EmailVerified)
	r[ColPhoneNumber] = e.putString(u.PhoneNumber)
	r[ColPhoneVerified] = e.boolean(u.PhoneVerified)
	r[ColUsername] = e.putString(u.Username)
	r[ColGivenName] = e.putString(u.GivenName)
	r[ColFamilyName] = e.putString(u.FamilyName)
	r[ColName] = e.putString(u.Name)
	r[ColNickname] = e.putString(u.Nickname)
	r[ColPicture] = e.putString(u.Picture)
	r[ColBlocked] = e.boolean(u.Blocked)
	r[ColCreatedAt] = e.time(u.CreatedAt, ColCreatedAt, &issues)
	r[ColUpdatedAt] = e.time(u.UpdatedAt, ColUpdatedAt, &issues)
	r[ColLastLogin] = e.time(u.LastLogin, ColLastLogin, &issues)
	r[ColLastPasswordReset] = e.time(u.LastPasswordReset, ColLastPasswordReset, &issues)
	r[ColLastIP] = e.putString(u.LastIP)
	if u.LoginsCount.Valid {
		r[ColLoginsCount] = e.integer(u.LoginsCount.V)
	}
	if len(u.Identities) > 0 {
		v, err := e.member(&profile.User{Identities: u.Identities}, "identities")
		if err != nil {
			return nil, err
		}
		r[ColIdentities] = v
	}
	r[ColAppMetadata] = e.raw(u.AppMetadata)
	r[ColUserMetadata] = e.raw(u.UserMetadata)
	if len(u.MFAFactors) > 0 {
		v, err := e.member(&profile.User{MFAFactors: u.MFAFactors}, "mfa_factors")
		if err != nil {
			return nil, err
		}
		r[ColMFAFactors] = v
	}
	r[ColPasswordHash] = e.putString(u.PasswordHash)
	r[ColCustomPasswordHash] = e.raw(u.CustomPasswordHash)
	if len(u.Extra) > 0 {
		e.tmp = profile.AppendJSON(e.tmp[:0], &profile.User{Extra: u.Extra})
		if len(e.tmp) < 2 || e.tmp[0] != '{' || e.tmp[len(e.tmp)-1] != '}' {
			return nil, errors.New("encode extra: profile codec returned no object")
		}
		r[ColExtra] = e.put(e.tmp)
	}
	e.check(r, &issues)
	return issues, nil
}

// CheckKeys adds MAX_LENGTH for a user_id (id, the one the store will
// hold), email or username longer than the store's key columns hold.
func CheckKeys(issues *profile.Issues, id string, u *profile.User) {
	limit(issues, "user_id", id, MaxUserID)
	limit(issues, "email", u.Email, MaxEmail)
	limit(issues, "username", u.Username, MaxUsername)
}

// NotUTF8 adds FORMAT for column col, whose text is not valid UTF-8: the
// stores keep text, and read back what they keep.
func NotUTF8(issues *profile.Issues, col int) {
	issues.Add(profile.CodeFormat, columnNames[col], "not valid UTF-8")
}

// limit adds MAX_LENGTH when s has more than max characters.
func limit(issues *profile.Issues, path, s string, max int) {
	if len(s) > max && utf8.RuneCountInString(s) > max {
		issues.Add(profile.CodeMaxLength, path, fmt.Sprintf("longer than the store's %d characters", max))
	}
}

// check refuses text the store cannot keep: invalid UTF-8 and, with
// RejectNUL, NUL characters.
func (e *Encoder) check(r *Row, issues *profile.Issues) {
	for c, v := range r {
		k := columnKinds[c]
		if v == nil || (k != KindText && k != KindJSON) {
			continue
		}
		if !utf8.Valid(v) {
			NotUTF8(issues, c)
			continue
		}
		if !e.RejectNUL {
			continue
		}
		if k == KindText && bytes.IndexByte(v, 0) >= 0 {
			issues.Add(profile.CodeFormat, columnNames[c], "holds a NUL character, which the store cannot keep")
		}
		if k == KindJSON && hasNULEscape(v) {
			issues.Add(profile.CodeFormat, columnNames[c], `holds the escape \u0000, which the store cannot search`)
		}
	}
}

// hasNULEscape reports whether JSON text holds the escape \u0000 (not an
// escaped backslash followed by "u0000").
func hasNULEscape(v []byte) bool {
	for {
		i := bytes.Index(v, []byte(`\u0000`))
		if i < 0 {
			return false
		}
		n := 0
		for j := i - 1; j >= 0 && v[j] == '\\'; j-- {
			n++
		}
		if n%2 == 0 {
			return true
		}
		v = v[i+1:]
	}
}

func (e *Encoder) boolean(b profile.Bool) []byte {
	if !b.IsSet() {
		return nil
	}
	var v byte
	if b == profile.True {
		v = 1
	}
	if e.Encoding == Text {
		v += '0'
	}
	return e.put([]byte{v})
}

func (e *Encoder) integer(n int64) []byte {
	if e.Encoding == Text {
		var b [20]byte
		return e.put(strconv.AppendInt(b[:0], n, 10))
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(n))
	return e.put(b[:])
}

func (e *Encoder) time(t time.Time, col int, issues *profile.Issues) []byte {
	t, ok := StorableTime(t, col, issues)
	if !ok {
		return nil
	}
	if e.Encoding == Text {
		var b [len(TimeLayout)]byte
		return e.put(AppendTime(b[:0], t))
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(t.UnixMicro()-pgEpoch))
	return e.put(b[:])
}

func (e *Encoder) raw(m []byte) []byte {
	if len(m) == 0 {
		return nil
	}
	return e.put(m)
}

// member encodes u (holding one attribute) with the profile codec and
// returns the JSON value of its only member key.
func (e *Encoder) member(u *profile.User, key string) ([]byte, error) {
	e.tmp = profile.AppendJSON(e.tmp[:0], u)
	b := e.tmp
	// `{"key":` … `}`
	if len(b) < len(key)+5 || b[0] != '{' || b[1] != '"' || string(b[2:2+len(key)]) != key ||
		b[2+len(key)] != '"' || b[3+len(key)] != ':' || b[len(b)-1] != '}' {
		return nil, fmt.Errorf("encode %s: profile codec returned an unexpected shape", key)
	}
	return e.put(b[4+len(key) : len(b)-1]), nil
}

// StorableTime returns t in UTC, and whether a store keeps it: not the zero
// time (stored as NULL), nor a time outside the years 0000-9999 (which
// TimeLayout cannot write), for which it adds an issue on column col.
func StorableTime(t time.Time, col int, issues *profile.Issues) (time.Time, bool) {
	if t.IsZero() {
		return t, false
	}
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		issues.Add(profile.CodeFormat, columnNames[col], "timestamp outside the years 0000-9999")
		return t, false
	}
	return t, true
}

// AppendTime appends t, which must be UTC in the years 0-9999, in
// TimeLayout: what t.AppendFormat(dst, TimeLayout) gives, several times
// faster.
func AppendTime(dst []byte, t time.Time) []byte {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	var b [len(TimeLayout)]byte
	put := func(at, width, v int) {
		for i := at + width - 1; i >= at; i-- {
			b[i] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, 4, y)
	b[4] = '-'
	put(5, 2, int(mo))
	b[7] = '-'
	put(8, 2, d)
	b[10] = 'T'
	put(11, 2, h)
	b[13] = ':'
	put(14, 2, mi)
	b[16] = ':'
	put(17, 2, s)
	b[19] = '.'
	put(20, 6, t.Nanosecond()/1000)
	b[26] = 'Z'
	return append(dst, b[:]...)
}

// DeeperThan reports whether the JSON text v nests arrays and objects more
// than max deep. It scans brackets outside strings; v is well-formed JSON
// (the profile codec's or the input's, already checked).
func DeeperThan(v []byte, max int) bool {
	if len(v) <= 2*max {
		return false // too short to nest that deep
	}
	depth, inString := 0, false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			if depth++; depth > max {
				return true
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return false
}

// PlaintextNotStored names, in Batch.Tally and the run's Counts.Tally, the
// users a store wrote without the plaintext password of legacy input they
// carried: the stores keep no plaintext password (hash it first: the CLI's
// --hash-target auth0 makes it a bcrypt password_hash).
const PlaintextNotStored = "store.plaintext_passwords_not_stored"

// TallyPlaintext counts, into b.Tally, the records of b (those the store
// writes) that carry a plaintext password the store does not keep. Stores
// call it on the settled batch, before PrepareCommit, so that the count
// travels with the checkpoint.
func TallyPlaintext(b *pipeline.Batch) {
	n := int64(0)
	for i := range b.Records {
		if b.Records[i].User.Password != "" {
			n++
		}
	}
	if n == 0 {
		return
	}
	// A copy: the map may be shared with the batch a retry starts from.
	t := maps.Clone(b.Tally)
	if t == nil {
		t = map[string]int64{}
	}
	t[PlaintextNotStored] += n
	b.Tally = t
}
