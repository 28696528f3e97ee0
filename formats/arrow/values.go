package arrow

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/ferry-dev/ferry/profile"
)

// forms returns the text of a non-null value and, unless it is a string,
// its JSON.
func forms(arr arrow.Array, i int, scratch []byte) (text string, js []byte) {
	if s, ok := stringAt(arr, i); ok {
		if isJSONArray(arr) && profile.Valid([]byte(s)) {
			return s, []byte(s)
		}
		return s, nil
	}
	switch a := arr.(type) {
	case *array.Timestamp:
		return timestampAt(a, i).Format(time.RFC3339Nano), nil
	case *array.Date32:
		return a.Value(i).ToTime().Format(time.DateOnly), nil
	case *array.Date64:
		return a.Value(i).ToTime().Format(time.DateOnly), nil
	case *array.Time32, *array.Time64, *array.Duration, *array.Binary, *array.LargeBinary, *array.BinaryView, *array.FixedSizeBinary:
		text, _ := scalarText(arr, i)
		return text, nil
	case *array.Float16, *array.Float32, *array.Float64:
		if f := floatAt(arr, i); math.IsNaN(f) || math.IsInf(f, 0) {
			return strconv.FormatFloat(f, 'g', -1, 64), nil
		}
	}
	js = appendValue(scratch[:0], arr, i)
	return string(js), js
}

// isJSONArray reports whether arr is a string array marked as JSON text.
// Field metadata is not on the array, so only extension types are seen
// here; the plan handles marked top-level fields.
func isJSONArray(arr arrow.Array) bool {
	e, ok := arr.DataType().(arrow.ExtensionType)
	return ok && e.ExtensionName() == jsonExtension
}

// stringAt returns the value of a string-like array.
func stringAt(arr arrow.Array, i int) (string, bool) {
	switch a := arr.(type) {
	case *array.String:
		return a.Value(i), true
	case *array.LargeString:
		return a.Value(i), true
	case *array.StringView:
		return a.Value(i), true
	case *array.Dictionary:
		j := a.GetValueIndex(i)
		if d := a.Dictionary(); j >= 0 && j < d.Len() && !d.IsNull(j) {
			return stringAt(d, j)
		}
	case array.ExtensionArray:
		return stringAt(a.Storage(), i)
	}
	return "", false
}

func floatAt(arr arrow.Array, i int) float64 {
	switch a := arr.(type) {
	case *array.Float16:
		return float64(a.Value(i).Float32())
	case *array.Float32:
		return float64(a.Value(i))
	case *array.Float64:
		return a.Value(i)
	}
	return 0
}

// intAt returns the value of an integer array.
func intAt(arr arrow.Array, i int) (int64, bool) {
	switch a := arr.(type) {
	case *array.Int8:
		return int64(a.Value(i)), true
	case *array.Int16:
		return int64(a.Value(i)), true
	case *array.Int32:
		return int64(a.Value(i)), true
	case *array.Int64:
		return a.Value(i), true
	case *array.Uint8:
		return int64(a.Value(i)), true
	case *array.Uint16:
		return int64(a.Value(i)), true
	case *array.Uint32:
		return int64(a.Value(i)), true
	case *array.Uint64:
		if v := a.Value(i); v <= math.MaxInt64 {
			return int64(v), true
		}
	}
	return 0, false
}

func timestampAt(a *array.Timestamp, i int) time.Time {
	unit := a.DataType().(*arrow.TimestampType).Unit
	return a.Value(i).ToTime(unit).UTC()
}

// scalarText is the text of scalars JSON has no type for.
func scalarText(arr arrow.Array, i int) (string, bool) {
	switch a := arr.(type) {
	case *array.Binary:
		return bytesText(a.Value(i)), true
	case *array.LargeBinary:
		return bytesText(a.Value(i)), true
	case *array.BinaryView:
		return bytesText(a.Value(i)), true
	case *array.FixedSizeBinary:
		return bytesText(a.Value(i)), true
	case *array.Time32, *array.Time64, *array.Duration:
		return arr.ValueStr(i), true
	}
	return "", false
}

// bytesText is the text of bytes: as they are when UTF-8, else base64.
func bytesText(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// appendValue appends the JSON of a non-null value: structs as objects
// without their null members, lists as arrays, maps as objects.
func appendValue(dst []byte, arr arrow.Array, i int) []byte {
	if s, ok := stringAt(arr, i); ok {
		if isJSONArray(arr) && profile.Valid([]byte(s)) {
			return append(dst, s...)
		}
		return profile.AppendString(dst, s)
	}
	if s, ok := scalarText(arr, i); ok {
		return profile.AppendString(dst, s)
	}
	if v, ok := intAt(arr, i); ok {
		return strconv.AppendInt(dst, v, 10)
	}
	switch a := arr.(type) {
	case *array.Boolean:
		return strconv.AppendBool(dst, a.Value(i))
	case *array.Uint64:
		return strconv.AppendUint(dst, a.Value(i), 10)
	case *array.Float16, *array.Float32, *array.Float64:
		f := floatAt(arr, i)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return profile.AppendString(dst, strconv.FormatFloat(f, 'g', -1, 64))
		}
		bits := 64
		if _, ok := arr.(*array.Float64); !ok {
			bits = 32
		}
		return strconv.AppendFloat(dst, f, 'g', -1, bits)
	case *array.Decimal128:
		return append(dst, a.ValueStr(i)...)
	case *array.Decimal256:
		return append(dst, a.ValueStr(i)...)
	case *array.Timestamp:
		return profile.AppendString(dst, timestampAt(a, i).Format(time.RFC3339Nano))
	case *array.Date32:
		return profile.AppendString(dst, a.Value(i).ToTime().Format(time.DateOnly))
	case *array.Date64:
		return profile.AppendString(dst, a.Value(i).ToTime().Format(time.DateOnly))
	case *array.Map:
		start, end, ok := listRange(a, i)
		if !ok {
			panic(errDamaged)
		}
		dst = append(dst, '{')
		for j := start; j < end; j++ {
			if j > start {
				dst = append(dst, ',')
			}
			k := int(j)
			if s, ok := stringAt(a.Keys(), k); ok {
				dst = profile.AppendString(dst, s)
			} else {
				dst = profile.AppendString(dst, string(appendValue(nil, a.Keys(), k)))
			}
			dst = append(dst, ':')
			dst = appendOrNull(dst, a.Items(), k)
		}
		return append(dst, '}')
	case array.ListLike:
		start, end, ok := listRange(a, i)
		if !ok {
			panic(errDamaged)
		}
		dst = append(dst, '[')
		for j := start; j < end; j++ {
			if j > start {
				dst = append(dst, ',')
			}
			dst = appendOrNull(dst, a.ListValues(), int(j))
		}
		return append(dst, ']')
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		dst = append(dst, '{')
		n := 0
		for k := range a.NumField() {
			f := a.Field(k)
			if f.IsNull(i) {
				continue
			}
			if n > 0 {
				dst = append(dst, ',')
			}
			n++
			dst = profile.AppendString(dst, st.Field(k).Name)
			dst = append(dst, ':')
			dst = appendValue(dst, f, i)
		}
		return append(dst, '}')
	case *array.Dictionary:
		return appendOrNull(dst, a.Dictionary(), a.GetValueIndex(i))
	case array.ExtensionArray:
		return appendValue(dst, a.Storage(), i)
	}
	b, err := json.Marshal(arr.GetOneForMarshal(i))
	if err != nil {
		return profile.AppendString(dst, arr.ValueStr(i))
	}
	return append(dst, b...)
}

func appendOrNull(dst []byte, arr arrow.Array, i int) []byte {
	if i < 0 || i >= arr.Len() || arr.IsNull(i) {
		return append(dst, "null"...)
	}
	return appendValue(dst, arr, i)
}

// errDamaged is panicked with on arrays whose offsets point out of their
// children; DecodeChunk recovers it as a reject, as it recovers the
// panics of arrow-go's accessors on damaged buffers.
var errDamaged = errors.New("damaged arrow array")

// listRange returns the range of list i's values within its child array,
// and false when the offsets are out of it.
func listRange(a array.ListLike, i int) (start, end int64, ok bool) {
	start, end = a.ValueOffsets(i)
	return start, end, start >= 0 && start <= end && end <= int64(a.ListValues().Len())
}
