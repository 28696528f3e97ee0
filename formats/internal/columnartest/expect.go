package columnartest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/ferry-dev/ferry/formats/internal/columnar"
	"github.com/ferry-dev/ferry/profile"
)

// ExpectedRow is the row a third-party reader should show for u, as JSON:
// every column of s, null when absent, times in microseconds since the
// epoch, lists of structs as arrays of objects with every member. JSON
// columns are their values, or their text when jsonText.
func ExpectedRow(s *columnar.Schema, u *profile.User, jsonText bool) []byte {
	e := expecter{jsonText: jsonText}
	b := []byte{'{'}
	for i := range s.Fields {
		f := &s.Fields[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = profile.AppendString(b, f.Name)
		b = append(b, ':')
		switch f.Kind {
		case columnar.String:
			b = e.str(b, f.Str(u))
		case columnar.Bool:
			b = e.bool(b, f.Bool(u))
		case columnar.Time:
			v := f.Time(u)
			b = or(b, !v.IsZero(), func(b []byte) []byte { return fmt.Appendf(b, "%d", v.UnixMicro()) })
		case columnar.Int64:
			v := f.Int(u)
			b = or(b, v.Valid, func(b []byte) []byte { return fmt.Appendf(b, "%d", v.V) })
		case columnar.JSON:
			b = e.json(b, func(dst []byte) ([]byte, bool) { return f.AppendJSON(dst, u) })
		case columnar.List:
			b = e.list(b, f, u)
		}
	}
	return append(b, '}')
}

// Decode decodes a JSON row, numbers as json.Number when exact, else as
// float64.
func Decode(t *testing.T, row []byte, exact bool) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(row))
	if exact {
		dec.UseNumber()
	}
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode row: %v: %.200s", err, row)
	}
	return v
}

type expecter struct{ jsonText bool }

func or(b []byte, ok bool, fn func([]byte) []byte) []byte {
	if !ok {
		return append(b, "null"...)
	}
	return fn(b)
}

func (e expecter) str(b []byte, s string) []byte {
	return or(b, s != "", func(b []byte) []byte { return profile.AppendString(b, s) })
}

func (e expecter) bool(b []byte, v profile.Bool) []byte {
	return or(b, v.IsSet(), func(b []byte) []byte { return fmt.Appendf(b, "%t", v.Value()) })
}

func (e expecter) json(b []byte, fn func([]byte) ([]byte, bool)) []byte {
	js, ok := fn(nil)
	if !ok {
		return append(b, "null"...)
	}
	if e.jsonText {
		return profile.AppendString(b, string(js))
	}
	return append(b, js...)
}

func (e expecter) list(b []byte, f *columnar.Field, u *profile.User) []byte {
	n, null := len(u.Identities), u.Identities == nil
	if f.Attr == columnar.MFAFactors {
		n, null = len(u.MFAFactors), u.MFAFactors == nil
	}
	if null {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for j := range n {
		if j > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		for k := range f.Fields {
			m := &f.Fields[k]
			if k > 0 {
				b = append(b, ',')
			}
			b = profile.AppendString(b, m.Name)
			b = append(b, ':')
			if f.Attr == columnar.Identities {
				id := &u.Identities[j]
				switch m.Kind {
				case columnar.String:
					b = e.str(b, m.IdentityStr(id))
				case columnar.Bool:
					b = e.bool(b, m.IdentityBool(id))
				case columnar.JSON:
					b = e.json(b, func(dst []byte) ([]byte, bool) { return m.IdentityJSON(dst, id) })
				}
				continue
			}
			mf := &u.MFAFactors[j]
			switch m.Kind {
			case columnar.String:
				b = e.str(b, m.FactorStr(mf))
			case columnar.JSON:
				b = e.json(b, func(dst []byte) ([]byte, bool) { return m.FactorJSON(dst, mf) })
			}
		}
		b = append(b, '}')
	}
	return append(b, ']')
}
