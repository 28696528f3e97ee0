package json_test

import (
	"os"
	"testing"

	"github.com/ferry-dev/ferry/fixtures/formattest"
	"github.com/ferry-dev/ferry/formats/json"
)

// FuzzDecode checks that no input panics the decoder and that every element
// is accounted for, identically for any chunk size and read size.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"testdata/users.golden.json", "testdata/users-wrapped.golden.json"} {
		if golden, err := os.ReadFile(name); err == nil {
			f.Add(golden)
		}
	}
	for _, s := range []string{
		"", "[]", "[{},{}]", "[\n {\n }\n]", "\xef\xbb\xbf[{}]", `{"realm":"r","users":[{}],"x":[1]}`,
		`[1,"x",null,[{}],{}]`, `[{"email":}]`, `[{"name":"\xff"}]`, `[{},`, `[{} x]`, `[{},]`,
		`[{"a":[}]`, `{"users":{}}`, `[{"name":"a]}\"{["}]`, "{\"a\":1}\n{}",
	} {
		f.Add([]byte(s))
	}
	format := format(json.Options{MaxRecordBytes: 256})
	f.Fuzz(func(t *testing.T, data []byte) {
		formattest.CheckInput(t, format, data)
	})
}
