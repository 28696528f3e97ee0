package passwords

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// target is one representation a Hash converts to and parses back from.
type target struct {
	name  string
	to    func(Hash) (string, error)
	parse func(string) (Hash, error)
}

var targets = []target{
	{"auth0", func(h Hash) (string, error) {
		ph, custom, err := ToAuth0(h)
		if ph != "" {
			return "password_hash " + ph, err
		}
		return "custom_password_hash " + string(custom), err
	}, func(s string) (Hash, error) {
		if v, ok := strings.CutPrefix(s, "password_hash "); ok {
			return Identify(v)
		}
		return FromAuth0Custom([]byte(strings.TrimPrefix(s, "custom_password_hash ")))
	}},
	{"phc", ToPHC, Identify},
	{"mcf", ToMCF, Identify},
	{"keycloak", func(h Hash) (string, error) { b, err := ToKeycloak(h); return string(b), err },
		func(s string) (Hash, error) { return FromKeycloak([]byte(s)) }},
	{"okta", func(h Hash) (string, error) { b, err := ToOkta(h); return string(b), err },
		func(s string) (Hash, error) { return FromOkta([]byte(s)) }},
	{"kratos", ToKratos, ParseKratos},
	{"django", ToDjango, Identify},
	{"ldap", ToLDAP, Identify},
	{"firebase", func(h Hash) (string, error) {
		ph, salt, p, err := ToFirebase(h)
		return strings.Join([]string{ph, salt, p.SignerKey, p.SaltSeparator, fmt.Sprint(p.Rounds), fmt.Sprint(p.MemCost)}, "$"), err
	}, func(s string) (Hash, error) { return FromClerk("scrypt_firebase", s) }},
}

// TestConvert_RoundTripKeepsVerifying converts every vector to every
// target that can hold it, parses the result back and verifies the
// published password; a target that cannot hold it must say so with
// ErrUnsupportedByTarget. The outcomes are compared with a golden file.
func TestConvert_RoundTripKeepsVerifying(t *testing.T) {
	var golden strings.Builder
	for _, v := range vectors {
		h, err := v.parse()
		if err != nil {
			t.Fatalf("%s: parse: %v", v.name, err)
		}
		fmt.Fprintf(&golden, "## %s\n", v.name)
		for _, tg := range targets {
			out, err := tg.to(h)
			if err != nil {
				if !errors.Is(err, ErrUnsupportedByTarget) {
					t.Errorf("%s → %s: error %v does not wrap ErrUnsupportedByTarget", v.name, tg.name, err)
				}
				fmt.Fprintf(&golden, "%s: HASH_UNSUPPORTED_BY_TARGET\n", tg.name)
				continue
			}
			fmt.Fprintf(&golden, "%s: %s\n", tg.name, out)
			if v.slow && testing.Short() {
				continue
			}
			back, err := tg.parse(out)
			if err != nil {
				t.Errorf("%s → %s: parse back: %v", v.name, tg.name, err)
				continue
			}
			// A round trip must keep every input of the derivation; when it
			// does, the KDF gives the same answer, so costly hashes are
			// verified once per vector (TestVectors) rather than per target.
			if d := derivationDiff(h, back); d != "" {
				t.Errorf("%s → %s: round trip changed %s", v.name, tg.name, d)
				continue
			}
			if !cheap(back) {
				continue
			}
			ok, err := back.Verify([]byte(v.pw))
			if err != nil || !ok {
				t.Errorf("%s → %s: Verify after round trip = %v, %v", v.name, tg.name, ok, err)
			}
		}
	}
	path := filepath.Join("testdata", "conversions.golden")
	if *update {
		if err := os.WriteFile(path, []byte(golden.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update): %v", err)
	}
	if got := golden.String(); got != string(want) {
		t.Errorf("conversions differ from %s; rerun with -update and review the diff", path)
	}
}

// derivationDiff names the first input of the password derivation that
// differs between a and b, "" when they derive alike. Representation-only
// fields (Format, encodings, bcrypt's minor version) are ignored.
func derivationDiff(a, b Hash) string {
	norm := func(h Hash) Hash {
		if h.PasswordEncoding == EncodingUTF8 {
			h.PasswordEncoding = ""
		}
		if h.PasswordEncoding == EncodingUCS2 {
			h.PasswordEncoding = EncodingUTF16LE
		}
		if h.KeyLen == len(h.Sum) {
			h.KeyLen = 0
		}
		if len(h.Salt) == 0 {
			h.Salt, h.SaltPosition = nil, ""
		} else if h.SaltPosition == "" {
			h.SaltPosition = SaltPrefix
		}
		if (h.Algorithm == SHA256Crypt || h.Algorithm == SHA512Crypt) && h.Iterations == shaCryptDefaultRounds {
			h.Iterations = 0
		}
		if h.Algorithm == Argon2id || h.Algorithm == Argon2i || h.Algorithm == Argon2d {
			h.KeyLen = 0
		}
		if h.Algorithm == FirebaseScrypt && h.Parallelism == 0 {
			h.Parallelism = 1
		}
		return h
	}
	a, b = norm(a), norm(b)
	switch {
	case a.Algorithm != b.Algorithm:
		return "algorithm"
	case a.Digest != b.Digest:
		return "digest"
	case a.Cost != b.Cost || a.Iterations != b.Iterations || a.Memory != b.Memory ||
		a.Parallelism != b.Parallelism || a.N != b.N || a.BlockSize != b.BlockSize || a.KeyLen != b.KeyLen:
		return "cost parameters"
	case a.Version != b.Version && !(a.Version <= 0x10 && b.Version <= 0x10):
		return "version"
	case string(a.Salt) != string(b.Salt) || a.SaltPosition != b.SaltPosition || a.Template != b.Template:
		return "salt"
	case string(a.Key) != string(b.Key) || string(a.SaltSeparator) != string(b.SaltSeparator):
		return "key"
	case string(a.Sum) != string(b.Sum):
		return "hash value"
	case a.PasswordEncoding != b.PasswordEncoding:
		return "password encoding"
	}
	return ""
}

func TestToAuth0_ChoosesPasswordHashOrCustom(t *testing.T) {
	tests := []struct {
		name, in     string
		wantPlain    bool
		wantAlg      string
		wantErr      error
		wantContains string
	}{
		{"bcrypt 2b cost 10", "$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K", true, "", nil, ""},
		{"bcrypt 2y goes custom", "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a", false, "bcrypt", nil, `"$2y$10$`},
		{"bcrypt cost 12 goes custom", "$2a$12$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6", false, "bcrypt", nil, ""},
		{"argon2", "$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw", false, "argon2", nil, `"encoding":"utf8"`},
		{"ldap stays ldap", "{SSHA}0c0blFTXXNuAMHECS4uxrj3ZieMoWImr", false, "ldap", nil, `{SSHA}`},
		{"django salted sha1 keeps text salt", "sha1$seasalt$cff36ea83f5706ce9aa7454e63e431fc726b2dc8", false, "sha1", nil, `"salt":{"value":"seasalt","encoding":"utf8","position":"prefix"}`},
		{"md5-crypt unsupported", "$1$deadbeef$0Huu6KHrKLVWfqa4WljDE0", false, "", ErrUnsupportedByTarget, ""},
		{"sha512-crypt unsupported", "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1", false, "", ErrUnsupportedByTarget, ""},
		{"firebase unsupported", "$firescrypt$ln=14,r=8,p=1$sPtDhWcd1MfdAw==$xbSou7FOl6mChCyzpCPIQ7tku7nsQMTFtyOZSXXd7tjBa4NtimOx7v42Gv2SfzPQu1oxM2/k4SsbOu73wlKe1A==$Bw==$YE0dO4bwD4JnJafh6lZZfkp1MtKzuKAXQcDCJNJNyeCHairWHKENOkbh3dzwaCdizzOspwr/FITUVlnOAwPKyw==", false, "", ErrUnsupportedByTarget, ""},
		{"kratos template unsupported", "$sha1$pf=Pz9zdGF0aWNQcmVmaXg/P3tTQUxUfXtQQVNTV09SRH0=$NW9wbWtnejAzcg==$SAAxMUn7jxckQXkBmsVF0nHwqso=", false, "", ErrUnsupportedByTarget, ""},
		{"django bcrypt_sha256 unsupported", "bcrypt_sha256$$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K", false, "", ErrUnsupportedByTarget, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := Identify(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			plain, custom, err := ToAuth0(h)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil {
				if plain != "" || custom != nil {
					t.Fatalf("got output with an error")
				}
				return
			}
			if (plain != "") != tt.wantPlain {
				t.Fatalf("password_hash = %q, custom = %s", plain, custom)
			}
			if !tt.wantPlain && !strings.Contains(string(custom), `"algorithm":"`+tt.wantAlg+`"`) {
				t.Errorf("custom = %s, want algorithm %s", custom, tt.wantAlg)
			}
			if tt.wantContains != "" && !strings.Contains(string(custom), tt.wantContains) {
				t.Errorf("custom = %s, want it to contain %s", custom, tt.wantContains)
			}
		})
	}
}

func TestToKeycloak_Base64EncodesDjangoTextSalt(t *testing.T) {
	h, err := Identify("pbkdf2_sha256$10000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=")
	if err != nil {
		t.Fatal(err)
	}
	out, err := ToKeycloak(h)
	if err != nil {
		t.Fatal(err)
	}
	// base64("seasalt") = c2Vhc2FsdA==; pasting "seasalt" as-is would fail at login (spec §2.3).
	if !strings.Contains(string(out), `\"salt\":\"c2Vhc2FsdA==\"`) {
		t.Fatalf("credential = %s", out)
	}
}

func TestToKratos_RejectsSHA2DigestsKratosReadsAsSHA3(t *testing.T) {
	h := Hash{Algorithm: PBKDF2, Digest: DigestSHA384, Iterations: 1000, Salt: []byte("s"), Sum: make([]byte, 48)}
	if _, err := ToKratos(h); !errors.Is(err, ErrUnsupportedByTarget) {
		t.Fatalf("err = %v, want ErrUnsupportedByTarget", err)
	}
	kh, err := ParseKratos("$pbkdf2-sha384$i=1000,l=48$cw$" + strings.Repeat("A", 64))
	if err != nil {
		t.Fatal(err)
	}
	if kh.Digest != DigestSHA3_384 {
		t.Fatalf("ParseKratos digest = %s, want sha3-384", kh.Digest)
	}
	ih, err := Identify("$pbkdf2-sha384$i=1000,l=48$cw$" + strings.Repeat("A", 64))
	if err != nil {
		t.Fatal(err)
	}
	if ih.Digest != DigestSHA384 {
		t.Fatalf("Identify digest = %s, want sha384", ih.Digest)
	}
}

func TestToOkta_RejectsPBKDF2BelowOktaMinimum(t *testing.T) {
	h, err := Identify("$pbkdf2-sha256$i=1,l=64$c2FsdA$" + strings.Repeat("A", 86))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ToOkta(h); !errors.Is(err, ErrUnsupportedByTarget) {
		t.Fatalf("err = %v, want ErrUnsupportedByTarget", err)
	}
}
