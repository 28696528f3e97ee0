package sqlstore

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-dev/ferry/profile"
)

// ErrCorrupt is returned when a stored row cannot be read back into a
// profile.
var ErrCorrupt = errors.New("corrupt store row")

var errType = errors.New("unexpected value")

// Decoder reads rows of the users table back into profiles: it is made for
// the columns a query selects, in their order. A Decoder keeps a scratch
// buffer; it is not safe for concurrent use.
type Decoder struct {
	enc  Encoding
	cols []int
	buf  []byte
}

// NewDecoder returns a Decoder for the named columns in the given encoding.
// Every name must be one of Columns.
func NewDecoder(enc Encoding, columns []string) (*Decoder, error) {
	d := &Decoder{enc: enc, cols: make([]int, len(columns))}
	for i, name := range columns {
		c := ColumnIndex(name)
		if c < 0 {
			return nil, fmt.Errorf("no column %q in users", name)
		}
		d.cols[i] = c
	}
	return d, nil
}

// UserID returns the user_id among vals (one value per column of the
// decoder), or "" when it was not selected.
func (d *Decoder) UserID(vals [][]byte) string {
	for i, c := range d.cols {
		if c == ColUserID && i < len(vals) {
			return string(vals[i])
		}
	}
	return ""
}

// User fills u from vals, one value per decoder column (nil for NULL). The
// connection column is the store's, not the profile's, and is ignored. An
// error wraps ErrCorrupt and names the column, never its value.
func (d *Decoder) User(vals [][]byte, u *profile.User) error {
	if len(vals) != len(d.cols) {
		return fmt.Errorf("%w: %d values for %d columns", ErrCorrupt, len(vals), len(d.cols))
	}
	var identities, mfa, extra []byte
	for i, c := range d.cols {
		v := vals[i]
		if v == nil {
			continue
		}
		var err error
		switch columnKinds[c] {
		case KindBool:
			var b profile.Bool
			b, err = d.boolean(v)
			switch c {
			case ColEmailVerified:
				u.EmailVerified = b
			case ColPhoneVerified:
				u.PhoneVerified = b
			case ColBlocked:
				u.Blocked = b
			}
		case KindTime:
			var t time.Time
			t, err = d.time(v)
			switch c {
			case ColCreatedAt:
				u.CreatedAt = t
			case ColUpdatedAt:
				u.UpdatedAt = t
			case ColLastLogin:
				u.LastLogin = t
			case ColLastPasswordReset:
				u.LastPasswordReset = t
			}
		case KindInt:
			var n int64
			n, err = d.integer(v)
			u.LoginsCount = profile.IntOf(n)
		case KindJSON:
			switch c {
			case ColIdentities:
				identities = v
			case ColMFAFactors:
				mfa = v
			case ColExtra:
				extra = v
			case ColAppMetadata:
				u.AppMetadata = json.RawMessage(string(v))
			case ColUserMetadata:
				u.UserMetadata = json.RawMessage(string(v))
			case ColCustomPasswordHash:
				u.CustomPasswordHash = json.RawMessage(string(v))
			}
		case KindText:
			s := string(v)
			switch c {
			case ColUserID:
				u.UserID = s
			case ColEmail:
				u.Email = s
			case ColPhoneNumber:
				u.PhoneNumber = s
			case ColUsername:
				u.Username = s
			case ColGivenName:
				u.GivenName = s
			case ColFamilyName:
				u.FamilyName = s
			case ColName:
				u.Name = s
			case ColNickname:
				u.Nickname = s
			case ColPicture:
				u.Picture = s
			case ColLastIP:
				u.LastIP = s
			case ColPasswordHash:
				u.PasswordHash = s
			}
		}
		if err != nil {
			return fmt.Errorf("%w: column %s: %w", ErrCorrupt, columnNames[c], err)
		}
	}
	var err error
	d.buf, err = DecodeNested(d.buf, u, identities, mfa, extra, isNotNull)
	return err
}

// isNotNull reports whether a JSON column holds a value: any but NULL.
func isNotNull(v []byte) bool { return v != nil }

func (d *Decoder) boolean(v []byte) (profile.Bool, error) {
	if len(v) != 1 {
		return profile.Unset, errType
	}
	switch v[0] {
	case 0, '0':
		return profile.False, nil
	case 1, '1':
		return profile.True, nil
	}
	return profile.Unset, errType
}

func (d *Decoder) integer(v []byte) (int64, error) {
	if d.enc == Binary {
		if len(v) != 8 {
			return 0, errType
		}
		return int64(binary.BigEndian.Uint64(v)), nil
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return 0, errType
	}
	return n, nil
}

func (d *Decoder) time(v []byte) (time.Time, error) {
	if d.enc == Binary {
		if len(v) != 8 {
			return time.Time{}, errType
		}
		return time.UnixMicro(int64(binary.BigEndian.Uint64(v)) + pgEpoch).UTC(), nil
	}
	return ParseTime(string(v))
}

// ParseTime reads a time written in TimeLayout. Its error never quotes s.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(TimeLayout, s)
	if err != nil {
		return time.Time{}, errors.New("not a timestamp of the form " + TimeLayout)
	}
	return t, nil
}

// DecodeNested decodes the JSON columns that hold profile structures
// (identities, mfa_factors, extra) into u with the profile codec, in one
// document that it builds in buf, and returns buf for reuse. A column is
// left out unless present reports that it holds a value: the stores differ
// there, SQLite's taking an empty text for none. Extra must be a JSON
// object. An error wraps ErrCorrupt and never quotes the values.
func DecodeNested[T string | []byte](buf []byte, u *profile.User, identities, mfa, extra T, present func(T) bool) ([]byte, error) {
	hasIdentities, hasMFA, hasExtra := present(identities), present(mfa), present(extra)
	if !hasIdentities && !hasMFA && !hasExtra {
		return buf, nil
	}
	b := append(buf[:0], '{')
	if hasIdentities {
		b = append(b, `"identities":`...)
		b = append(b, identities...)
	}
	if hasMFA {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, `"mfa_factors":`...)
		b = append(b, mfa...)
	}
	if hasExtra {
		inner := strings.TrimSpace(string(extra))
		if len(inner) < 2 || inner[0] != '{' || inner[len(inner)-1] != '}' {
			return b, fmt.Errorf("%w: column extra: not a JSON object", ErrCorrupt)
		}
		inner = strings.TrimSpace(inner[1 : len(inner)-1])
		if inner != "" {
			if len(b) > 1 {
				b = append(b, ',')
			}
			b = append(b, inner...)
		}
	}
	b = append(b, '}')
	var tmp profile.User
	issues, err := profile.DecodeJSON(b, &tmp)
	if err != nil {
		return b, fmt.Errorf("%w: columns identities, mfa_factors, extra: %w", ErrCorrupt, err)
	}
	if len(issues) > 0 {
		return b, fmt.Errorf("%w: %w: %s", ErrCorrupt, profile.ErrInvalid, issues.Error())
	}
	u.Identities = tmp.Identities
	u.MFAFactors = tmp.MFAFactors
	u.Extra = tmp.Extra
	return b, nil
}
