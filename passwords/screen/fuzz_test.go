package screen

import (
	"testing"

	"github.com/ferry-dev/ferry/passwords"
	"github.com/ferry-dev/ferry/profile"
)

// FuzzUserLabel feeds arbitrary custom_password_hash text to the census
// label: it must never panic, and whenever the object parses, the label
// must be the parser's (a key given twice counts by its last occurrence
// for both).
func FuzzUserLabel(f *testing.F) {
	for _, s := range []string{
		sha1Custom("x"), ntlmCustom("x"), saltedSHA256Custom("x"), hmacCustom("x"), sshaCustom("x"), pbkdf2Custom,
		`{"algorithm":"argon2","hash":{"value":"$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"}}`,
		`{"algorithm":"md4","hash":{"value":"8846f7eaee8fb117ad06bdd830b7586c","encoding":"hex"},"password":{"encoding":"ucs2"}}`,
		`{ "algorithm" : "sha1" , "hash" : { "value" : "zz" } }`, `{"a\"lgorithm":1}`, `{"algorithm":`, `[`, `{`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		u := profile.User{CustomPasswordHash: raw}
		got := UserLabel(&u)
		if got == "" {
			t.Fatal("empty label")
		}
		if len(raw) == 0 {
			return
		}
		h, err := passwords.FromAuth0Custom(raw)
		if err != nil {
			return
		}
		if got != h.Name() {
			t.Fatalf("label %q, Hash.Name %q", got, h.Name())
		}
	})
}
