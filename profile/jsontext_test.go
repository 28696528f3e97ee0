package profile

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestAppendString_Escapes(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"plain ascii longer than eight bytes", `"plain ascii longer than eight bytes"`},
		{`a"b\c/d`, `"a\"b\\c/d"`},
		{"\n\r\t\b\f", `"\n\r\t\b\f"`},
		{"\x00\x01\x1f\x7f", `"\u0000\u0001\u001f` + "\x7f" + `"`},
		{"<a href='x'>&amp;</a>", `"<a href='x'>&amp;</a>"`},
		{"line\u2028para\u2029end", `"line\u2028para\u2029end"`},
		{"é€😀字", `"é€😀字"`},
		{"bad\xffutf8\xc3", `"bad\ufffdutf8\ufffd"`},
		{"0123456789abcdef\"", `"0123456789abcdef\""`},
	}
	for _, tt := range tests {
		if got := string(AppendString([]byte("x"), tt.in)); got != "x"+tt.want {
			t.Errorf("AppendString(%q) = %s, want %s", tt.in, got[1:], tt.want)
		}
	}
}

func TestAppendString_ReadsBackWithEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 5000 {
		s := genString(r) + genString(r) + genString(r)
		q := AppendString(nil, s)
		var back string
		if err := json.Unmarshal(q, &back); err != nil || back != s {
			t.Fatalf("AppendString(%q) = %s, read back %q, %v", s, q, back, err)
		}
		if u, err := Unquote(q); err != nil || u != s {
			t.Fatalf("Unquote(AppendString(%q)) = %q, %v", s, u, err)
		}
	}
}

func TestUnquote(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{`"abc"`, "abc", nil},
		{` "abc" `, "abc", nil},
		{`"\"\\\/\b\f\n\r\t"`, "\"\\/\b\f\n\r\t", nil},
		{`"\u00e9\u20AC"`, "é€", nil},
		{`"\ud83d\ude00"`, "😀", nil},
		{`"\ud800"`, "\ufffd", nil},
		{`"\udc00"`, "\ufffd", nil},
		{`"\ud800\u0041"`, "\ufffdA", nil},
		{`"\udc00\ud83d\ude00"`, "\ufffd😀", nil},
		{`"\ud800\ud800\udc00"`, "\ufffd𐀀", nil},
		{`5`, "", ErrJSONKind},
		{`{"a":1}`, "", ErrJSONKind},
		{`"a" "b"`, "", ErrSyntax},
		{`"\x"`, "", ErrSyntax},
		{"\"\xff\"", "", ErrSyntax},
		{`"abc`, "", ErrSyntax},
	}
	for _, tt := range tests {
		got, err := Unquote([]byte(tt.in))
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Errorf("Unquote(%s) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
		if tt.err == nil {
			var std string
			if err := json.Unmarshal([]byte(tt.in), &std); err != nil || std != got {
				t.Errorf("encoding/json reads %s as %q, %v; Unquote as %q", tt.in, std, err, got)
			}
		}
	}
}

func TestCompact_MatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	inputs := [][]byte{[]byte(" { \"a\" : [ 1 , 2 ] ,\n\t\"b\" : \" keep  this \" } "), []byte(`"\u2028"`), []byte(" 1 ")}
	for range 2000 {
		v := genValue(r, 4)
		// Sprinkle whitespace between tokens.
		var b []byte
		inStr := false
		for i := 0; i < len(v); i++ {
			c := v[i]
			b = append(b, c)
			switch {
			case inStr && c == '\\':
				i++
				b = append(b, v[i])
			case c == '"':
				inStr = !inStr
			case !inStr && strings.IndexByte("{[,:", c) >= 0 && r.IntN(2) == 0:
				b = append(b, " \n\t\r"[r.IntN(4)])
			}
		}
		inputs = append(inputs, b)
	}
	for _, in := range inputs {
		var want bytes.Buffer
		if err := json.Compact(&want, in); err != nil {
			t.Fatalf("encoding/json cannot compact %q: %v", in, err)
		}
		got, err := Compact([]byte("pre"), in)
		if err != nil || string(got) != "pre"+want.String() {
			t.Fatalf("Compact(%q) = %q, %v; want %q", in, got, err, want.String())
		}
	}
	if got, err := Compact([]byte("pre"), []byte(`{"a":}`)); !errors.Is(err, ErrSyntax) || string(got) != "pre" {
		t.Errorf("malformed: got %q, %v; want dst unchanged and ErrSyntax", got, err)
	}
}

func TestObjectEach_PassesMembersInOrder(t *testing.T) {
	raw := []byte(` { "b" : 1 , "a\u00e9" : {"x": [1, 2]}, "b": "dup", "": null } `)
	var got []string
	err := ObjectEach(raw, func(k string, v []byte) error {
		got = append(got, k+"="+string(v))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`b=1`, `aé={"x": [1, 2]}`, `b="dup"`, `=null`}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestObjectEach_Errors(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	if err := ObjectEach([]byte(`{"a":1,"b":2}`), func(string, []byte) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("fn error: got %v after %d calls, want stop after 1", err, n)
	}
	tests := []struct {
		in   string
		want error
	}{
		{`{}`, nil},
		{`[]`, ErrJSONKind},
		{`"x"`, ErrJSONKind},
		{`{"a":1,}`, ErrSyntax},
		{`{"a":1} {}`, ErrSyntax},
		{`{"a" 1}`, ErrSyntax},
		{`{"a":1`, ErrSyntax},
		{`[`, ErrSyntax},
		{``, ErrSyntax},
	}
	for _, tt := range tests {
		if err := ObjectEach([]byte(tt.in), func(string, []byte) error { return nil }); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("ObjectEach(%s) = %v, want %v", tt.in, err, tt.want)
		}
	}
}

func TestArrayEach(t *testing.T) {
	var got []string
	if err := ArrayEach([]byte(` [ 1, "two" , {"3": [ ]}, null ] `), func(i int, v []byte) error {
		got = append(got, strconv.Itoa(i)+":"+string(v))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{`0:1`, `1:"two"`, `2:{"3": [ ]}`, `3:null`}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	for in, want := range map[string]error{`[]`: nil, `{}`: ErrJSONKind, `[1,]`: ErrSyntax, `[1 2]`: ErrSyntax, `[1]]`: ErrSyntax} {
		if err := ArrayEach([]byte(in), func(int, []byte) error { return nil }); !errors.Is(err, want) || (want == nil) != (err == nil) {
			t.Errorf("ArrayEach(%s) = %v, want %v", in, err, want)
		}
	}
}

func TestValid_Table(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{`0`, true}, {`-0.0e+0`, true}, {` "x" `, true}, {`[]`, true}, {`{"a":[{}]}`, true}, {`null`, true},
		{``, false}, {` `, false}, {`01`, false}, {`1.`, false}, {`.1`, false}, {`+1`, false}, {`1e`, false},
		{`-`, false}, {`"a`, false}, {`'a'`, false}, {`[1,]`, false}, {`{"a":1,}`, false}, {`nul`, false},
		{`true false`, false}, {`NaN`, false}, {`Infinity`, false}, {"\"\t\"", false}, {"\"\xff\"", false},
		{"\"\xed\xa0\x80\"", false}, {`"\ud800"`, true}, {"\"\u2028\"", true}, {"\ufeff1", false},
	}
	for _, tt := range tests {
		if got := Valid([]byte(tt.in)); got != tt.want {
			t.Errorf("Valid(%q) = %v, want %v", tt.in, got, tt.want)
		}
		if got := wantValid([]byte(tt.in)); got != tt.want {
			t.Errorf("reference disagrees on %q: %v", tt.in, got)
		}
	}
}

func TestValid_DepthLimitLikeEncodingJSON(t *testing.T) {
	for _, n := range []int{maxDepth, maxDepth + 1} {
		in := []byte(strings.Repeat("[", n) + strings.Repeat("]", n))
		if got, want := Valid(in), json.Valid(in); got != want || got != (n <= maxDepth) {
			t.Errorf("depth %d: Valid %v, encoding/json %v", n, got, want)
		}
	}
}

// FuzzJSONText checks Valid, Compact and Unquote against encoding/json.
func FuzzJSONText(f *testing.F) {
	for _, s := range jsonSeeds(f) {
		f.Add(s)
	}
	f.Add([]byte(`"\ud83d\ude00\u0000\/"`))
	f.Fuzz(func(t *testing.T, in []byte) {
		checkRawIter(t, in)
		ok := Valid(in)
		if want := wantValid(in); ok != want {
			t.Fatalf("Valid = %v, reference %v", ok, want)
		}
		got, err := Compact(nil, in)
		if (err == nil) != ok {
			t.Fatalf("Compact err %v, Valid %v", err, ok)
		}
		if !ok {
			return
		}
		var want bytes.Buffer
		if err := json.Compact(&want, in); err != nil || !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("Compact = %q, encoding/json %q (%v)", got, want.Bytes(), err)
		}
		if s, err := Unquote(in); err == nil {
			var std string
			if err := json.Unmarshal(in, &std); err != nil || std != s {
				t.Fatalf("Unquote = %q, encoding/json %q (%v)", s, std, err)
			}
			if !utf8.ValidString(s) {
				t.Fatalf("Unquote returned invalid UTF-8")
			}
		}
	})
}

func TestValid_AgreesWithEncodingJSONOnMutations(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	seeds := jsonSeeds(t)
	for i := range 20000 {
		in := mutate(r, seeds[i%len(seeds)])
		if got, want := Valid(in), wantValid(in); got != want {
			t.Fatalf("Valid(%q) = %v, reference %v", in, got, want)
		}
		if Valid(in) {
			c, err := Compact(nil, in)
			var want bytes.Buffer
			if json.Compact(&want, in) != nil || err != nil || !slices.Equal(c, want.Bytes()) {
				t.Fatalf("Compact(%q) = %q, %v; want %q", in, c, err, want.Bytes())
			}
		}
	}
}

func BenchmarkAppendString(b *testing.B) {
	s := "https://s.gravatar.com/avatar/0f1e2d3c4b5a69788796a5b4c3d2e1f0?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com"
	buf := make([]byte, 0, 256)
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendString(buf[:0], s)
	}
}

func BenchmarkValid(b *testing.B) {
	data := benchUser(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if !Valid(data) {
			b.Fatal("invalid")
		}
	}
}

func BenchmarkObjectEach(b *testing.B) {
	u, _ := decode(b, benchUser(b))
	b.ReportAllocs()
	for b.Loop() {
		_ = ObjectEach(u.AppMetadata, func(string, []byte) error { return nil })
	}
}

// checkRawIter checks that rawIter never panics, whatever the input, and
// that on well-formed input it sees exactly what the validating iterators
// see.
func checkRawIter(t *testing.T, in []byte) {
	t.Helper()
	var got, want []string
	var it rawIter
	if it.init(in, '{') {
		for {
			k, esc, v, ok := it.nextMember()
			if !ok {
				break
			}
			got = append(got, keyString(k, esc)+"="+string(v))
		}
	}
	var ai rawIter
	if ai.init(in, '[') {
		for {
			v, ok := ai.nextElem()
			if !ok {
				break
			}
			got = append(got, string(v))
		}
	}
	walk(in, ".a")
	walk(in, "[1].b")
	setLeaf(in, "a.b", []byte("1"))
	if !Valid(in) {
		return
	}
	switch bytes.TrimLeft(in, " \t\r\n")[0] {
	case '{':
		if it.bad {
			t.Fatalf("rawIter found the well-formed object %q bad", in)
		}
	case '[':
		if ai.bad {
			t.Fatalf("rawIter found the well-formed array %q bad", in)
		}
	}
	_ = ObjectEach(in, func(k string, v []byte) error {
		want = append(want, k+"="+string(v))
		return nil
	})
	_ = ArrayEach(in, func(_ int, v []byte) error {
		want = append(want, string(v))
		return nil
	})
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("rawIter on %q (-objIter +rawIter):\n%s", in, d)
	}
}

func TestRawIter_AgreesWithValidatingIterators(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	seeds := jsonSeeds(t)
	for range 500 {
		seeds = append(seeds, genObject(r, 4), genValue(r, 4))
	}
	for i := range 20000 + len(seeds) {
		in := seeds[i%len(seeds)]
		if i >= len(seeds) {
			in = mutate(r, in)
		}
		checkRawIter(t, in)
	}
}

// refAppendString is AppendString one rune at a time, the reference of
// its word-at-a-time scan.
func refAppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				dst = append(dst, `\ufffd`...)
			case r == '\u2028':
				dst = append(dst, `\u2028`...)
			case r == '\u2029':
				dst = append(dst, `\u2029`...)
			default:
				dst = append(dst, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, `\n`...)
		case c == '\r':
			dst = append(dst, `\r`...)
		case c == '\t':
			dst = append(dst, `\t`...)
		case c == '\b':
			dst = append(dst, `\b`...)
		case c == '\f':
			dst = append(dst, `\f`...)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			dst = append(dst, c)
		}
		i++
	}
	return append(dst, '"')
}

func TestAppendString_AgreesWithPlainQuoter(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	pieces := []string{"a", "b", "é", "—", "\u2028", "\u2029", "\"", "\\", "\n", "\x01", "\x1f", "!", "#", "\xff", "\xe2\x80", "😀", " "}
	for range 50000 {
		var b strings.Builder
		for range r.IntN(30) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := AppendString([]byte("x"), s), refAppendString([]byte("x"), s); !bytes.Equal(got, want) {
			t.Fatalf("AppendString(%q) = %q, want %q", s, got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	f.Add("plain ascii text, longer than eight bytes")
	f.Add("tail\"q")
	f.Add("é\u2028\xff\x00")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := AppendString(nil, s), refAppendString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("AppendString(%q) = %q, want %q", s, got, want)
		}
	})
}
