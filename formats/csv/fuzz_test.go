package csv_test

import (
	"os"
	"testing"

	"github.com/ferry-dev/ferry/fixtures/formattest"
	"github.com/ferry-dev/ferry/formats/csv"
)

// FuzzDecode checks that no input panics the decoder and that every row is
// accounted for, identically for any chunk size and read size.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"testdata/users-secrets.golden.csv", "testdata/users-escaped.golden.csv"} {
		if golden, err := os.ReadFile(name); err == nil {
			f.Add(golden)
		}
	}
	for _, s := range []string{
		"", "email\n", "email,name\na@b.c,A\n", "\xef\xbb\xbfemail\r\na\r\n", "email,name\n\"a\nb\",c\n",
		"email,name\na,\"unterminated\n", "email,name\na,O\"Brien\n", "email,name\na,\"A\"B\n",
		"email,name\na,\xff\n", "email,name\na\n", "email,Email\n", "email,identities\na,\"[{\"\"user_id\"\":1}]\"\n",
		"email,name\n\n\na,\"\"\"\"\n", "\"email\nname\"\n",
	} {
		f.Add([]byte(s))
	}
	format := format(csv.Options{MaxRecordBytes: 256})
	f.Fuzz(func(t *testing.T, data []byte) {
		formattest.CheckInput(t, format, data)
	})
}
