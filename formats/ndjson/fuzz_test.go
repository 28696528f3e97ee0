package ndjson_test

import (
	"os"
	"testing"

	"github.com/ferry-dev/ferry/fixtures/formattest"
	"github.com/ferry-dev/ferry/formats/ndjson"
)

// FuzzDecode checks that no input panics the decoder and that every record
// is accounted for, identically for any chunk size and read size.
func FuzzDecode(f *testing.F) {
	if golden, err := os.ReadFile("testdata/users.golden.ndjson"); err == nil {
		f.Add(golden)
	}
	for _, s := range []string{
		"", "\n\n", "{}\r\n{}", "\xef\xbb\xbf{}\n", "[{}]\n{\"a\":1}\n", "{\"email\":}\n",
		"{\"name\":\"\xff\"}\n", "{} {}\n", "{\"identities\":[{\"user_id\":12}]}\n",
		"{\"name\":\"" + string(make([]byte, 300)) + "\"}\n{}\n",
	} {
		f.Add([]byte(s))
	}
	format := format(ndjson.Options{MaxRecordBytes: 256})
	f.Fuzz(func(t *testing.T, data []byte) {
		formattest.CheckInput(t, format, data)
	})
}
