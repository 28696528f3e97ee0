package parquet

import (
	"encoding/base64"
	"encoding/hex"
	"math"
	"math/big"
	"strconv"
	"time"
	"unicode/utf8"

	pq "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"

	"github.com/ferry-dev/ferry/profile"
)

// vtype is how a reader turns the values of a leaf column into profile
// text or JSON.
type vtype uint8

const (
	vString    vtype = iota + 1 // UTF-8 text (STRING, ENUM, UTF8)
	vJSON                       // JSON text
	vBytes                      // other bytes: text when valid UTF-8, else base64
	vBool                       // BOOLEAN
	vInt                        // a signed integer
	vUint                       // an unsigned integer
	vFloat                      // FLOAT or DOUBLE
	vTimestamp                  // TIMESTAMP in unit
	vDate                       // DATE: days since the epoch
	vTime                       // TIME of day in unit
	vDecimal                    // DECIMAL with scale
	vInt96                      // legacy INT96 timestamp
	vUUID                       // UUID, 16 bytes
)

// vinfo describes a leaf column's values.
type vinfo struct {
	t     vtype
	kind  pq.Kind
	unit  time.Duration // of vTimestamp and vTime
	scale int           // of vDecimal
}

// infoOf classifies a leaf column of a file by its physical, logical and
// converted type.
func infoOf(t pq.Type) vinfo {
	vi := vinfo{kind: t.Kind()}
	if lt := t.LogicalType(); lt != nil && lt.Value != nil {
		switch v := lt.Value.(type) {
		case *format.StringType, *format.EnumType:
			vi.t = vString
		case *format.JsonType:
			vi.t = vJSON
		case *format.TimestampType:
			vi.t, vi.unit = vTimestamp, v.Unit.Value.Duration()
		case *format.DateType:
			vi.t = vDate
		case *format.TimeType:
			vi.t, vi.unit = vTime, v.Unit.Value.Duration()
		case *format.DecimalType:
			vi.t, vi.scale = vDecimal, int(v.Scale)
		case *format.IntType:
			vi.t = vInt
			if !v.IsSigned {
				vi.t = vUint
			}
		case *format.UUIDType:
			vi.t = vUUID
		}
		if vi.t != 0 && vi.t.fits(vi.kind) {
			return vi
		}
		vi.t = 0
	}
	if ct := t.ConvertedType(); ct != nil {
		switch *ct {
		case deprecated.UTF8, deprecated.Enum:
			vi.t = vString
		case deprecated.Json:
			vi.t = vJSON
		case deprecated.TimestampMillis:
			vi.t, vi.unit = vTimestamp, time.Millisecond
		case deprecated.TimestampMicros:
			vi.t, vi.unit = vTimestamp, time.Microsecond
		case deprecated.Date:
			vi.t = vDate
		case deprecated.TimeMillis:
			vi.t, vi.unit = vTime, time.Millisecond
		case deprecated.TimeMicros:
			vi.t, vi.unit = vTime, time.Microsecond
		case deprecated.Uint8, deprecated.Uint16, deprecated.Uint32, deprecated.Uint64:
			vi.t = vUint
		}
		if vi.t != 0 && vi.t.fits(vi.kind) {
			return vi
		}
		vi.t = 0
	}
	switch vi.kind {
	case pq.Boolean:
		vi.t = vBool
	case pq.Int32, pq.Int64:
		vi.t = vInt
	case pq.Float, pq.Double:
		vi.t = vFloat
	case pq.Int96:
		vi.t = vInt96
	default:
		vi.t = vBytes
	}
	return vi
}

// fits reports whether a column of physical kind k can hold values of t
// (a file may carry a logical type that does not match).
func (t vtype) fits(k pq.Kind) bool {
	switch t {
	case vString, vJSON:
		return k == pq.ByteArray
	case vTimestamp, vTime:
		return k == pq.Int64 || k == pq.Int32
	case vDate:
		return k == pq.Int32
	case vInt, vUint:
		return k == pq.Int32 || k == pq.Int64
	case vDecimal:
		return k == pq.Int32 || k == pq.Int64 || k == pq.ByteArray || k == pq.FixedLenByteArray
	case vUUID:
		return k == pq.FixedLenByteArray
	}
	return true
}

// integer returns an integer value of column kind k.
func integer(v pq.Value, k pq.Kind) int64 {
	if k == pq.Int32 {
		return int64(v.Int32())
	}
	return v.Int64()
}

// timeOf returns the instant of a vTimestamp or vInt96 value.
func (vi *vinfo) timeOf(v pq.Value) time.Time {
	if vi.t == vInt96 {
		i := v.Int96()
		nanos := int64(uint64(i[1])<<32 | uint64(i[0]))
		days := int64(i[2]) - 2440588 // the Julian day of 1970-01-01
		return time.Unix(days*86400, nanos).UTC()
	}
	n := integer(v, vi.kind)
	switch vi.unit {
	case time.Millisecond:
		return time.UnixMilli(n).UTC()
	case time.Nanosecond:
		return time.Unix(0, n).UTC()
	}
	return time.UnixMicro(n).UTC()
}

// forms returns a non-null value's text and, unless it is a string, its
// JSON; scratch is reused for both.
func (vi *vinfo) forms(v pq.Value, scratch []byte) (text string, js []byte) {
	switch vi.t {
	case vString:
		return string(v.ByteArray()), nil
	case vJSON:
		b := v.ByteArray()
		if profile.Valid(b) {
			return string(b), b
		}
		return string(b), nil
	case vBytes:
		b := v.ByteArray()
		if utf8.Valid(b) {
			return string(b), nil
		}
		return base64.StdEncoding.EncodeToString(b), nil
	case vBool:
		if v.Boolean() {
			return "true", append(scratch[:0], "true"...)
		}
		return "false", append(scratch[:0], "false"...)
	case vInt:
		js = strconv.AppendInt(scratch[:0], integer(v, vi.kind), 10)
		return string(js), js
	case vUint:
		u := uint64(v.Int64())
		if vi.kind == pq.Int32 {
			u = uint64(uint32(v.Int32()))
		}
		js = strconv.AppendUint(scratch[:0], u, 10)
		return string(js), js
	case vFloat:
		f := v.Double()
		if vi.kind == pq.Float {
			f = float64(v.Float())
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return strconv.FormatFloat(f, 'g', -1, 64), nil
		}
		bits := 64
		if vi.kind == pq.Float {
			bits = 32
		}
		js = strconv.AppendFloat(scratch[:0], f, 'g', -1, bits)
		return string(js), js
	case vTimestamp, vInt96:
		return vi.timeOf(v).Format(time.RFC3339Nano), nil
	case vDate:
		return time.Unix(int64(v.Int32())*86400, 0).UTC().Format(time.DateOnly), nil
	case vTime:
		d := time.Duration(integer(v, vi.kind)) * vi.unit
		return time.Unix(0, int64(d)).UTC().Format("15:04:05.999999999"), nil
	case vDecimal:
		var n big.Int
		switch vi.kind {
		case pq.Int32, pq.Int64:
			n.SetInt64(integer(v, vi.kind))
		default:
			b := v.ByteArray()
			n.SetBytes(b)
			if len(b) > 0 && b[0]&0x80 != 0 { // two's complement
				n.Sub(&n, new(big.Int).Lsh(big.NewInt(1), uint(len(b))*8))
			}
		}
		js = appendDecimal(scratch[:0], &n, vi.scale)
		return string(js), js
	case vUUID:
		b := v.ByteArray()
		if len(b) != 16 {
			return hex.EncodeToString(b), nil
		}
		var s [36]byte
		hex.Encode(s[0:8], b[0:4])
		hex.Encode(s[9:13], b[4:6])
		hex.Encode(s[14:18], b[6:8])
		hex.Encode(s[19:23], b[8:10])
		hex.Encode(s[24:], b[10:])
		s[8], s[13], s[18], s[23] = '-', '-', '-', '-'
		return string(s[:]), nil
	}
	return "", nil
}

// appendDecimal appends n / 10^scale as a JSON number.
func appendDecimal(dst []byte, n *big.Int, scale int) []byte {
	s := n.String()
	if scale <= 0 {
		dst = append(dst, s...)
		for range -scale {
			dst = append(dst, '0')
		}
		return dst
	}
	neg := s[0] == '-'
	if neg {
		dst = append(dst, '-')
		s = s[1:]
	}
	for len(s) <= scale {
		s = "0" + s
	}
	dst = append(dst, s[:len(s)-scale]...)
	dst = append(dst, '.')
	return append(dst, s[len(s)-scale:]...)
}

// appendJSONValue appends a non-null value as JSON.
func (vi *vinfo) appendJSONValue(dst []byte, v pq.Value, scratch []byte) []byte {
	text, js := vi.forms(v, scratch)
	if js != nil {
		return append(dst, js...)
	}
	return profile.AppendString(dst, text)
}
