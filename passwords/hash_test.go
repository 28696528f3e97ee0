package passwords

import (
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ferry-dev/ferry/profile"
)

func TestVerify_RejectsOutOfBoundsParamsBeforeRunning(t *testing.T) {
	salt, sum := "c29tZXNhbHQ", "RdescudvJCsgt3ub+b+dWRWJTmaaJObG"
	tests := []struct {
		name string
		in   string
		lim  Limits
	}{
		{"pbkdf2 4e9 iterations", "$pbkdf2-sha256$i=4000000000,l=24$" + salt + "$" + sum, Limits{}},
		{"argon2 4 GiB", "$argon2id$v=19$m=4194304,t=1,p=1$" + salt + "$" + sum, Limits{}},
		{"argon2 t=1000", "$argon2id$v=19$m=64,t=1000,p=1$" + salt + "$" + sum, Limits{}},
		{"argon2 p=64", "$argon2id$v=19$m=65536,t=1,p=64$" + salt + "$" + sum, Limits{}},
		{"scrypt 2^30", "$scrypt$ln=30,r=8,p=1$" + salt + "$" + sum, Limits{}},
		{"scrypt r=64", "$scrypt$ln=10,r=64,p=1$" + salt + "$" + sum, Limits{}},
		{"scrypt memory", "$scrypt$ln=20,r=32,p=1$" + salt + "$" + sum, Limits{}},
		{"sha512-crypt 999999999 rounds", "$6$rounds=999999999$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1", Limits{}},
		{"bcrypt cost over configured limit", "$2a$12$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6", Limits{BcryptCost: 11}},
		{"firebase mem cost 20", "$firescrypt$ln=20,r=8,p=1$sPtDhWcd1MfdAw==$xbSo$Bw==$YE0d", Limits{}},
		{"firebase rounds 9", "$firescrypt$ln=14,r=9,p=1$sPtDhWcd1MfdAw==$xbSo$Bw==$YE0d", Limits{}},
		{"pbkdf2 huge key", "$pbkdf2-sha1$i=1$" + salt + "$" + strings.Repeat("A", 2000), Limits{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := Identify(tt.in)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			start := time.Now()
			ok, err := h.VerifyWithin([]byte("password"), tt.lim)
			if !errors.Is(err, ErrParamsOutOfBounds) || ok {
				t.Fatalf("VerifyWithin = %v, %v; want ErrParamsOutOfBounds", ok, err)
			}
			if d := time.Since(start); d > 50*time.Millisecond {
				t.Fatalf("rejection took %v: the KDF ran", d)
			}
		})
	}
}

func TestVerify_LimitsAreConfigurable(t *testing.T) {
	enc, err := bcrypt.GenerateFromPassword([]byte("test"), 5)
	if err != nil {
		t.Fatal(err)
	}
	h, err := Identify(string(enc))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.VerifyWithin([]byte("test"), Limits{BcryptCost: 4}); !errors.Is(err, ErrParamsOutOfBounds) {
		t.Fatalf("limit 4: err = %v", err)
	}
	if ok, err := h.VerifyWithin([]byte("test"), Limits{BcryptCost: 5}); err != nil || !ok {
		t.Fatalf("limit 5: %v, %v", ok, err)
	}
}

func TestIdentify_ErrorKinds(t *testing.T) {
	tests := []struct {
		name, in string
		want     error
	}{
		{"empty", "", ErrUnknownFormat},
		{"plain word", "hunter2", ErrUnknownFormat},
		{"odd hex length", "abcdef0", ErrUnknownFormat},
		{"unknown mcf id", "$unknown$12$abc", ErrUnknownFormat},
		{"short bcrypt", "$2b$10$short", ErrMalformed},
		{"bcrypt bad cost", "$2b$1x$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K", ErrMalformed},
		{"argon2 missing t", "$argon2id$v=19$m=64,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub", ErrMalformed},
		{"argon2 keyid", "$argon2id$v=19$m=64,t=1,p=1,keyid=YQ$c29tZXNhbHQ$RdescudvJCsgt3ub", ErrUnsupported},
		{"pbkdf2 uppercase param", "$pbkdf2-sha512$I=100000,l=32$bdHBpn7OWOivJMVJypy2UqR0UnaD5prQXRZevj/05YU$+wArTfv1a+bNGO1iZrmEdVjhA+lL11wF4/IxpgYfPwc", ErrMalformed},
		{"pbkdf2 unknown digest", "$pbkdf2-whirlpool$i=1,l=4$c2FsdA$AAAAAA", ErrUnsupported},
		{"scrypt missing params", "$scrypt$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=", ErrMalformed},
		{"django unusable", "!QnPHDwZ8ZrPDxNMMamYYFP6vN0ljp8LXvOdSB09M", ErrUnusable},
		{"django des crypt", "crypt$$ab1Hv2Lg7ltQo", ErrUnsupported},
		{"django unknown", "lolcat$salt$hash", ErrUnknownFormat},
		{"ldap unknown scheme", "{FOO}bar", ErrUnsupported},
		{"ldap short ssha", "{SSHA}tooshort", ErrMalformed},
		{"ldap bad base64", "{SMD5}LnuZPJhiaY95/4lmV=pg548xBsD4P4cw", ErrMalformed},
		{"md5-crypt salt missing", "$md5-crypt$whuMjZj.HMFoaTaZRRtkO0", ErrMalformed},
		{"kratos sha1 no pf", "$sha1$$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=", ErrMalformed},
		{"kratos hmac missing key", "$hmac-md5$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=", ErrMalformed},
		{"auth0 unknown key", `{"algorithm":"md5","hash":{"value":"00"},"extra":1}`, ErrMalformed},
		{"auth0 hmac without key", `{"algorithm":"hmac","hash":{"value":"cg7f42jH39/2EaAU4wNd4s2lKIk=","encoding":"base64","digest":"sha1"}}`, ErrMalformed},
		{"auth0 scrypt without keylen", `{"algorithm":"scrypt","hash":{"value":"00ff","encoding":"hex"}}`, ErrMalformed},
		{"auth0 ldap crypt", `{"algorithm":"ldap","hash":{"value":"{CRYPT}$1$deadbeef$0Huu6KHrKLVWfqa4WljDE0"}}`, ErrUnsupported},
		{"auth0 bcrypt 2x", `{"algorithm":"bcrypt","hash":{"value":"$2x$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K"}}`, ErrMalformed},
		{"okta unknown algorithm", `{"algorithm":"SHA-3","value":"AA=="}`, ErrUnknownFormat},
		{"keycloak otp", `{"type":"otp","secretData":"{}","credentialData":"{}"}`, ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Identify(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerify_UnsupportedVariantsSayWhy(t *testing.T) {
	for _, in := range []string{
		"$argon2d$v=19$m=64,t=1,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub",
		"argon2$argon2i$m=8,t=1,p=1$c29tZXNhbHQ$gwQOXSNhxiOxPOA0+PY10P9QFO4NAYysnqRt1GSQLE55m+2GYDt9FEjPMHhP2Cuf0nOEXXMocVrsJAtNSsKyfg",
	} {
		h, err := Identify(in)
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		if _, err := h.Verify([]byte("secret")); !errors.Is(err, ErrUnsupported) {
			t.Fatalf("%s: err = %v, want ErrUnsupported", h.Name(), err)
		}
	}
}

// TestErrors_NeverContainTheValue feeds malformed values carrying a marker
// and checks that no error repeats it.
func TestErrors_NeverContainTheValue(t *testing.T) {
	const m = "SECRETMARKER"
	for _, in := range []string{
		"$2b$10$" + m, "$argon2id$v=19$m=" + m + ",t=1,p=1$a$b", "$pbkdf2-sha256$i=1,l=2$" + m + "!$x",
		"$scrypt$ln=" + m + ",r=1,p=1$a$b", "pbkdf2_sha256$1$" + m + "$!!", "{SSHA}" + m + "!",
		"$sha1$pf=" + m + "$a$b", "$firescrypt$ln=1,r=1,p=1$" + m + "!$a$b$c", m + "$" + m,
		`{"algorithm":"md5","hash":{"value":"` + m + `"}}`, `{"algorithm":"SHA-1","value":"` + m + `!"}`,
		`{"secretData":"{\"value\":\"` + m + `!\"}","credentialData":"{\"algorithm\":\"pbkdf2\"}"}`,
		"$6$rounds=" + m + "$salt$x", "$md5$" + m,
	} {
		_, err := Identify(in)
		if err == nil {
			t.Fatalf("no error for malformed input")
		}
		if strings.Contains(err.Error(), m) {
			t.Fatalf("error leaks the value: %v", err)
		}
	}
	h, _ := Identify("$2a$12$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6")
	if _, err := h.VerifyWithin([]byte(m), Limits{BcryptCost: 4}); err == nil || strings.Contains(err.Error(), "o6hx") || strings.Contains(err.Error(), m) {
		t.Fatalf("limit error leaks: %v", err)
	}
}

func TestClassify_SortsByScreeningTreatment(t *testing.T) {
	tests := []struct {
		in   string
		want Class
	}{
		{"a9993e364706816aba3e25717850c26c9cd0d89d", FastUnsalted},
		{"88a434c88cca4e900f7874cd98123f43", FastUnsalted},
		{`{"algorithm":"md4","hash":{"value":"8846F7EAEE8FB117AD06BDD830B7586C","encoding":"hex"},"password":{"encoding":"utf16le"}}`, FastUnsalted},
		{"sha1$seasalt$cff36ea83f5706ce9aa7454e63e431fc726b2dc8", FastSalted},
		{"{SSHA}0c0blFTXXNuAMHECS4uxrj3ZieMoWImr", FastSalted},
		{"$hmac-md5$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$MTIzNDU=", FastSalted},
		{"$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K", Slow},
		{"$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw", Slow},
		{"$scrypt$ln=8,r=8,p=1$WKs1xljLudd6z9kbY0wpJQ$yCR4iDZYDKv+iEJj6yHY0lv/epnfB6f/w1EbXrsJOuQ", Slow},
		{"pbkdf2_sha256$10000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=", Slow},
		{"$1$deadbeef$0Huu6KHrKLVWfqa4WljDE0", Slow},
	}
	for _, tt := range tests {
		h, err := Identify(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := Classify(h); got != tt.want {
			t.Errorf("%s: Classify = %s, want %s", h.Name(), got, tt.want)
		}
	}
}

func TestBreachKey_OnlyUnsaltedSHA1AndNTLM(t *testing.T) {
	tests := []struct {
		in       string
		wantKind string
	}{
		{"a9993e364706816aba3e25717850c26c9cd0d89d", "sha1"},
		{"sha1$$6d138ca3ae545631b3abd71a4f076ce759c5700b", "sha1"},
		{"{SHA}at+xg6SiyUovktq1redipHiJpaE=", "sha1"},
		{`{"algorithm":"md4","hash":{"value":"8846F7EAEE8FB117AD06BDD830B7586C","encoding":"hex"},"password":{"encoding":"utf16le"}}`, "ntlm"},
		{"sha1$seasalt$cff36ea83f5706ce9aa7454e63e431fc726b2dc8", ""},
		{"88a434c88cca4e900f7874cd98123f43", ""},
		{`{"algorithm":"sha1","hash":{"value":"a9993e364706816aba3e25717850c26c9cd0d89d","encoding":"hex"},"password":{"encoding":"latin1"}}`, ""},
	}
	for _, tt := range tests {
		h, err := Identify(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		kind, sum, ok := h.BreachKey()
		if kind != tt.wantKind || ok != (tt.wantKind != "") {
			t.Errorf("%s: BreachKey = %q, %v; want %q", h.Name(), kind, ok, tt.wantKind)
		}
		if ok && len(sum) == 0 {
			t.Errorf("%s: empty sum", h.Name())
		}
	}
}

func TestTranscode_MatchesNodeEncodings(t *testing.T) {
	pw := []byte("pä€😀")
	if got := transcode(pw, EncodingUTF16LE); string(got) != "p\x00\xe4\x00\xac\x20\x3d\xd8\x00\xde" {
		t.Errorf("utf16le = %q", got)
	}
	if got := transcode(pw, EncodingLatin1); string(got) != "p\xe4\xac\x3d\x00" {
		t.Errorf("latin1 = %q", got)
	}
	if got := transcode(pw, EncodingUTF8); &got[0] != &pw[0] {
		t.Errorf("utf8 copied the password")
	}
}

func TestAudit_FindsCommonPasswordInSaltedHash(t *testing.T) {
	cands := [][]byte{[]byte("123456"), []byte("password"), []byte("lètmein"), []byte("qwerty")}
	h, err := Identify("sha1$seasalt$cff36ea83f5706ce9aa7454e63e431fc726b2dc8")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Audit(h, cands, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Found || res.Index != 2 || res.Tried != 3 || res.Exhausted {
		t.Fatalf("Audit = %+v", res)
	}
}

func TestAudit_StopsAtBudget(t *testing.T) {
	cands := make([][]byte, 1_000_000)
	for i := range cands {
		cands[i] = []byte("candidate-that-never-matches")
	}
	h, err := Identify("{SSHA512}xPUl/px+1cG55rUH4rzcwxdOIPSB2TingLpiJJumN2xyDWN4Ix1WQG3ihnvHaWUE8MYNkvMi5rf0C9NYixHsE6Yh59M=")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Audit(h, cands, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if res.Found || !res.Exhausted || res.Tried >= len(cands) {
		t.Fatalf("Audit = %+v, want exhausted before the end", res)
	}
}

func TestAudit_RefusesSlowHashes(t *testing.T) {
	h, _ := Identify("$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K")
	if _, err := Audit(h, [][]byte{[]byte("hello")}, time.Second); !errors.Is(err, ErrNotAuditable) {
		t.Fatalf("err = %v, want ErrNotAuditable", err)
	}
}

func TestAuditor_LooksUpUnsaltedDigests(t *testing.T) {
	a := NewAuditor([][]byte{[]byte("x"), []byte("abc"), []byte("lètmein")})
	for _, tt := range []struct {
		in   string
		want int
	}{
		{"a9993e364706816aba3e25717850c26c9cd0d89d", 1},
		{"88a434c88cca4e900f7874cd98123f43", 2},
		{"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ae", -1},
	} {
		h, err := Identify(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		res, err := a.Audit(h, 0)
		if err != nil {
			t.Fatal(err)
		}
		if res.Index != tt.want || res.Found != (tt.want >= 0) {
			t.Errorf("%s: Audit = %+v, want index %d", h.Name(), res, tt.want)
		}
	}
}

// TestLabel_AgreesWithIdentify checks the prefix-only label against the
// full parse for every string-form vector.
func TestLabel_AgreesWithIdentify(t *testing.T) {
	n := 0
	for _, v := range vectors {
		h, err := v.parse()
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range targets {
			s, err := tg.to(h)
			if err != nil || strings.HasPrefix(s, "{\"") || strings.Contains(s, "_hash ") {
				continue
			}
			got := Label(s)
			if got == "" {
				continue
			}
			n++
			parsed, err := Identify(s)
			if err != nil {
				continue // e.g. Firebase's $-joined layout, which Identify does not read
			}
			if want := parsed.Name(); got != want {
				t.Errorf("Label(%s form of %s) = %q, Identify().Name() = %q", tg.name, v.name, got, want)
			}
		}
	}
	if n < 50 {
		t.Fatalf("only %d labelled forms checked", n)
	}
	if Label(`{"algorithm":"md5"}`) != "" || Label("88a434c88cca4e900f7874cd98123f43") != "" {
		t.Fatal("Label guessed where the prefix does not tell")
	}
}

func TestFromUserAndSetAuth0_RoundTrip(t *testing.T) {
	u := &profile.User{PasswordHash: "sha1$seasalt$cff36ea83f5706ce9aa7454e63e431fc726b2dc8"}
	h, ok, err := FromUser(u)
	if err != nil || !ok {
		t.Fatalf("FromUser = %v, %v", ok, err)
	}
	if err := SetAuth0(u, h); err != nil {
		t.Fatal(err)
	}
	if u.PasswordHash != "" || len(u.CustomPasswordHash) == 0 {
		t.Fatalf("user = %+v", u)
	}
	back, ok, err := FromUser(u)
	if err != nil || !ok {
		t.Fatal(err)
	}
	if good, err := back.Verify([]byte("lètmein")); err != nil || !good {
		t.Fatalf("Verify = %v, %v", good, err)
	}
	crypt, _ := Identify("$1$deadbeef$0Huu6KHrKLVWfqa4WljDE0")
	if err := SetAuth0(u, crypt); !errors.Is(err, ErrUnsupportedByTarget) || Code(err) != profile.CodeHashUnsupportedByTarget {
		t.Fatalf("SetAuth0(md5-crypt) = %v", err)
	}
	if len(u.CustomPasswordHash) == 0 {
		t.Fatal("a failed SetAuth0 changed the user")
	}
	if _, ok, _ := FromUser(&profile.User{}); ok {
		t.Fatal("FromUser found a hash on an empty user")
	}
}
