package screen

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/fixtures"
	"github.com/ferry-dev/ferry/passwords"
	"github.com/ferry-dev/ferry/passwords/breach"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

// blocklist is the corpus of the tests: the breached passwords the
// fixtures generator hands out.
var blocklist = []string{"password", "123456", "qwerty", "Paaf213XXYYZZ"}

// buildIndex builds an index of kind k from a plain list of passwords.
func buildIndex(t testing.TB, k breach.Kind, pws []string) *breach.Index {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "list.txt")
	if err := os.WriteFile(src, []byte(strings.Join(pws, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, k.String()+".bix")
	if _, err := breach.Build(t.Context(), src, out, breach.BuildOptions{Kind: k, Input: breach.InputPlain, Exact: true}); err != nil {
		t.Fatalf("build %s index: %v", k, err)
	}
	ix, err := breach.Open(out)
	if err != nil {
		t.Fatalf("open %s index: %v", k, err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

// Custom hashes of Auth0's custom_password_hash, built from a password.

func sha1Custom(pw string) string {
	s := sha1.Sum([]byte(pw))
	return fmt.Sprintf(`{"algorithm":"sha1","hash":{"value":"%x","encoding":"hex"}}`, s)
}

func ntlmCustom(pw string) string {
	return fmt.Sprintf(`{"algorithm":"md4","hash":{"value":"%x","encoding":"hex"},"password":{"encoding":"utf16le"}}`, breach.NTLM.Sum([]byte(pw)))
}

func saltedSHA256Custom(pw string) string {
	s := sha256.Sum256([]byte("s4lt" + pw))
	return fmt.Sprintf(`{"algorithm":"sha256","hash":{"value":"%x","encoding":"hex"},"salt":{"value":"s4lt","encoding":"utf8","position":"prefix"}}`, s)
}

func hmacCustom(pw string) string {
	m := hmac.New(sha256.New, []byte("k3y"))
	m.Write([]byte(pw))
	return fmt.Sprintf(`{"algorithm":"hmac","hash":{"value":"%x","encoding":"hex","digest":"sha256","key":{"value":"k3y","encoding":"utf8"}}}`, m.Sum(nil))
}

func sshaCustom(pw string) string {
	salt := []byte("NaCl")
	s := sha1.Sum(append([]byte(pw), salt...))
	v := "{SSHA}" + base64.StdEncoding.EncodeToString(append(s[:], salt...))
	return `{"algorithm":"ldap","hash":{"value":"` + v + `"}}`
}

// dupAlgorithm is an unsalted SHA-1 whose object first claims bcrypt.
func dupAlgorithm(pw string) string {
	s := sha1.Sum([]byte(pw))
	return fmt.Sprintf(`{"algorithm":"bcrypt","hash":{"value":"%x","encoding":"hex"},"algorithm":"sha1"}`, s)
}

// bcryptHello is the bcrypt hash of "hello" from Auth0's documentation.
const bcryptHello = "$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K"

const pbkdf2Custom = `{"algorithm":"pbkdf2","hash":{"value":"$pbkdf2-sha256$i=310000,l=32$ZmVycnlzYWx0LXAyLTAwMg$5XkPRsh8v68EjWrJ4HceKbBmEXu5YeeHJW8AfHXFxUI"}}`

type user struct {
	password string // plaintext
	hash     string // password_hash
	custom   string // custom_password_hash
	appMeta  string
}

func (u user) profile() profile.User {
	p := profile.User{Email: "someone@example.com", Password: u.password, PasswordHash: u.hash}
	if u.custom != "" {
		p.CustomPasswordHash = []byte(u.custom)
	}
	if u.appMeta != "" {
		p.AppMetadata = []byte(u.appMeta)
	}
	return p
}

func batchOf(us ...user) *pipeline.Batch {
	b := &pipeline.Batch{Read: len(us)}
	for i, u := range us {
		b.Records = append(b.Records, pipeline.Record{User: u.profile(), Origin: pipeline.Position{Source: "t", Index: int64(i)}})
	}
	return b
}

// corpus names which corpora a case screens with.
type corpus int

const (
	sha1Index corpus = 1 << iota
	ntlmIndex
	auditList
)

func (c corpus) options(t *testing.T) Options { return c.optionsTB(t) }

func (c corpus) optionsTB(t testing.TB) Options {
	var o Options
	if c&sha1Index != 0 {
		o.Indexes = append(o.Indexes, buildIndex(t, breach.SHA1, blocklist))
	}
	if c&ntlmIndex != 0 {
		o.Indexes = append(o.Indexes, buildIndex(t, breach.NTLM, blocklist))
	}
	if c&auditList != 0 {
		o.Candidates = candidates(blocklist...)
	}
	return o
}

func candidates(pws ...string) [][]byte {
	out := make([][]byte, len(pws))
	for i, p := range pws {
		out[i] = []byte(p)
	}
	return out
}

func TestStage_ScreensEachKindOfPassword(t *testing.T) {
	tests := []struct {
		name   string
		corpus corpus
		user   user
		want   outcome
		label  string
		path   string
		// audited: the record was tried against the candidate list
		audited bool
	}{
		{"breached plaintext, sha1 index", sha1Index, user{password: "qwerty"}, outBreached, LabelPlaintext, "password", false},
		{"breached plaintext, ntlm index", ntlmIndex, user{password: "123456"}, outBreached, LabelPlaintext, "password", false},
		{"strong plaintext", sha1Index | ntlmIndex, user{password: "correct horse battery staple"}, outClean, LabelPlaintext, "password", false},
		{"unsalted sha1 of a breached password", sha1Index, user{custom: sha1Custom("123456")}, outBreached, "sha1", "custom_password_hash", false},
		{"unsalted sha1 of a strong password", sha1Index, user{custom: sha1Custom("Tr0ub4dor&3")}, outClean, "sha1", "custom_password_hash", false},
		{"nt hash of a breached password", ntlmIndex, user{custom: ntlmCustom("qwerty")}, outBreached, "ntlm", "custom_password_hash", false},
		{"nt hash, only a sha1 index", sha1Index, user{custom: ntlmCustom("qwerty")}, outUnverifiable, "ntlm", "custom_password_hash", false},
		{"nt hash, sha1 index and audit list", sha1Index | auditList, user{custom: ntlmCustom("qwerty")}, outBreached, "ntlm", "custom_password_hash", true},
		{"salted sha256 without audit list", sha1Index, user{custom: saltedSHA256Custom("Paaf213XXYYZZ")}, outUnverifiable, "sha256", "custom_password_hash", false},
		{"salted sha256 audited, breached", sha1Index | auditList, user{custom: saltedSHA256Custom("Paaf213XXYYZZ")}, outBreached, "sha256", "custom_password_hash", true},
		{"salted sha256 audited, strong", sha1Index | auditList, user{custom: saltedSHA256Custom("Sommer2019-x")}, outClean, "sha256", "custom_password_hash", true},
		{"hmac audited", sha1Index | auditList, user{custom: hmacCustom("password")}, outBreached, "hmac-sha256", "custom_password_hash", true},
		{"ldap ssha audited", sha1Index | auditList, user{custom: sshaCustom("123456")}, outBreached, "sha1", "custom_password_hash", true},
		{"bcrypt is unverifiable", sha1Index | auditList, user{hash: bcryptHello}, outUnverifiable, "bcrypt", "password_hash", false},
		{"pbkdf2 is unverifiable", sha1Index | auditList, user{custom: pbkdf2Custom}, outUnverifiable, "pbkdf2-sha256", "custom_password_hash", false},
		{"unreadable hash is unverifiable", sha1Index, user{custom: `{"algorithm":"sha1","hash":{"value":"zz"}}`}, outUnverifiable, LabelUnknown, "custom_password_hash", false},
		{"duplicate algorithm key: the parser's reading counts", sha1Index, user{custom: dupAlgorithm("123456")}, outBreached, "sha1", "custom_password_hash", false},
		{"no password", sha1Index, user{}, outNone, LabelNone, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.corpus.options(t)
			opts.Policy = Reject
			stage, stats, err := Stage(opts)
			if err != nil {
				t.Fatal(err)
			}
			b := batchOf(tt.user)
			if err := stage(t.Context(), b); err != nil {
				t.Fatal(err)
			}
			s := snapshot(stats, b)
			got := map[outcome]int64{outClean: s.Checked - s.Breached, outBreached: s.Breached, outUnverifiable: s.Unverifiable}
			for o, n := range got {
				if want := int64(0); o == tt.want {
					if n != 1 {
						t.Errorf("outcome %d counted %d times, want once; summary %+v", o, n, s)
					}
				} else if n != want {
					t.Errorf("outcome %d counted %d times, want 0 (want outcome %d); summary %+v", o, n, tt.want, s)
				}
			}
			if (s.Audited == 1) != tt.audited {
				t.Errorf("audited = %d, want %v", s.Audited, tt.audited)
			}
			if tt.want == outNone {
				if len(s.ByAlgorithm) != 0 {
					t.Errorf("a user without password is in by_algorithm: %+v", s.ByAlgorithm)
				}
			} else if a := s.ByAlgorithm[tt.label]; a.Users != 1 {
				t.Errorf("by_algorithm = %+v, want one user under %q", s.ByAlgorithm, tt.label)
			}
			if tt.want == outBreached {
				if len(b.Rejects) != 1 || len(b.Records) != 0 {
					t.Fatalf("%d rejects, %d records; want the record rejected", len(b.Rejects), len(b.Records))
				}
				is := b.Rejects[0].Issues
				if len(is) != 1 || is[0].Code != profile.CodePasswordBreached || is[0].Path != tt.path {
					t.Errorf("issues %+v, want PASSWORD_BREACHED at %s", is, tt.path)
				}
				if s.Rejected != 1 {
					t.Errorf("rejected = %d, want 1", s.Rejected)
				}
			} else if len(b.Rejects) != 0 {
				t.Errorf("record rejected: %+v", b.Rejects[0].Issues)
			}
		})
	}
}

func TestStage_FlagSetsAppMetadataKeepingKeyOrder(t *testing.T) {
	opts := sha1Index.options(t)
	stage, stats, err := Stage(opts)
	if err != nil {
		t.Fatal(err)
	}
	b := batchOf(
		user{password: "password", appMeta: `{"plan":"gold","breached_password":false,"n":1}`},
		user{password: "123456"},
		user{password: "a strong one, not breached", appMeta: `{"plan":"free"}`},
		user{custom: sha1Custom("qwerty"), appMeta: `{"z":[1,2]}`},
	)
	if err := stage(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"plan":"gold","breached_password":true,"n":1}`,
		`{"breached_password":true}`,
		`{"plan":"free"}`,
		`{"z":[1,2],"breached_password":true}`,
	}
	if len(b.Records) != 4 || len(b.Rejects) != 0 {
		t.Fatalf("%d records, %d rejects; flag keeps every record", len(b.Records), len(b.Rejects))
	}
	for i, w := range want {
		if got := string(b.Records[i].User.AppMetadata); got != w {
			t.Errorf("record %d: app_metadata %s, want %s", i, got, w)
		}
		if b.Records[i].User.Password == "" && i < 3 {
			t.Errorf("record %d: flag removed the password", i)
		}
	}
	if s := snapshot(stats, b); s.Flagged != 3 || s.Breached != 3 || s.Checked != 4 || s.Policy != "flag" {
		t.Errorf("summary %+v, want 3 flagged of 4 checked", s)
	}
}

func TestStage_FlagFieldNests(t *testing.T) {
	opts := sha1Index.options(t)
	opts.FlagField = "security.breached"
	stage, _, err := Stage(opts)
	if err != nil {
		t.Fatal(err)
	}
	b := batchOf(user{password: "password", appMeta: `{"security":{"mfa":true}}`})
	if err := stage(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	if got := string(b.Records[0].User.AppMetadata); got != `{"security":{"mfa":true,"breached":true}}` {
		t.Errorf("app_metadata %s", got)
	}
}

func TestStage_ResetRemovesPasswordAndHashesAndFlags(t *testing.T) {
	opts := (sha1Index | auditList).options(t)
	opts.Policy = Reset
	opts.FlagField = "must_reset"
	stage, stats, err := Stage(opts)
	if err != nil {
		t.Fatal(err)
	}
	b := batchOf(
		user{password: "password"},
		user{custom: saltedSHA256Custom("qwerty")},
		user{hash: bcryptHello},
		user{password: "fine and long passphrase"},
	)
	if err := stage(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		u := b.Records[i].User
		if u.Password != "" || u.PasswordHash != "" || u.CustomPasswordHash != nil {
			t.Errorf("record %d still holds a password or hash", i)
		}
		if string(u.AppMetadata) != `{"must_reset":true}` {
			t.Errorf("record %d: app_metadata %s", i, u.AppMetadata)
		}
	}
	if b.Records[2].User.PasswordHash != bcryptHello || b.Records[3].User.Password == "" {
		t.Error("reset touched a record that is not breached")
	}
	if b.Records[2].User.AppMetadata != nil || b.Records[3].User.AppMetadata != nil {
		t.Error("reset flagged a record that is not breached")
	}
	if s := snapshot(stats, b); s.Reset != 2 || s.Breached != 2 || s.Unverifiable != 1 || s.Policy != "reset" {
		t.Errorf("summary %+v, want 2 reset, 1 unverifiable", s)
	}
}

func TestStage_FlagOnMalformedAppMetadataRejects(t *testing.T) {
	stage, _, err := Stage(sha1Index.options(t))
	if err != nil {
		t.Fatal(err)
	}
	b := batchOf(user{password: "password", appMeta: `[1]`})
	if err := stage(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	if len(b.Rejects) != 1 || b.Rejects[0].Issues[0].Path != "app_metadata" {
		t.Fatalf("a flag that cannot be set must reject the record, got %d rejects", len(b.Rejects))
	}
}

func TestStage_AuditBudgetBoundsAuditing(t *testing.T) {
	opts := sha1Index.options(t)
	// A long list whose only match is last: the first audit runs out of
	// its budget, and then nothing is left for the others.
	var list []string
	for i := range 5000 {
		list = append(list, fmt.Sprintf("filler-%d", i))
	}
	opts.Candidates = candidates(append(list, "qwerty")...)
	opts.AuditBudget = time.Microsecond
	stage, stats, err := Stage(opts)
	if err != nil {
		t.Fatal(err)
	}
	b := batchOf(user{custom: saltedSHA256Custom("qwerty")}, user{custom: hmacCustom("qwerty")}, user{custom: sshaCustom("qwerty")})
	if err := stage(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	s := snapshot(stats, b)
	if s.AuditIncomplete != 3 || s.Unverifiable != 3 || s.Breached != 0 {
		t.Errorf("summary %+v, want 3 audits cut short by the budget", s)
	}
	if s.Audited > 1 {
		t.Errorf("audited %d: after the budget is spent no audit should start", s.Audited)
	}
}

func TestStage_RejectsBadOptions(t *testing.T) {
	sha1ix := buildIndex(t, breach.SHA1, blocklist)
	tests := []struct {
		name string
		opts Options
	}{
		{"no corpus", Options{}},
		{"two sha1 indexes", Options{Indexes: []*breach.Index{sha1ix, sha1ix}}},
		{"reserved app_metadata key", Options{Indexes: []*breach.Index{sha1ix}, FlagField: "blocked"}},
		{"dollar in key", Options{Indexes: []*breach.Index{sha1ix}, FlagField: "$breached"}},
		{"empty nested key", Options{Indexes: []*breach.Index{sha1ix}, FlagField: "a..b"}},
		{"unknown policy", Options{Indexes: []*breach.Index{sha1ix}, Policy: Policy(7)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := Stage(tt.opts); !errors.Is(err, ErrOptions) {
				t.Fatalf("err = %v, want ErrOptions", err)
			}
		})
	}
}

func TestParsePolicy_RoundTrips(t *testing.T) {
	for _, p := range []Policy{Flag, Reject, Reset} {
		got, err := ParsePolicy(p.String())
		if err != nil || got != p {
			t.Errorf("ParsePolicy(%q) = %v, %v", p, got, err)
		}
	}
	if _, err := ParsePolicy("block"); !errors.Is(err, ErrOptions) {
		t.Errorf("ParsePolicy(block): %v, want ErrOptions", err)
	}
}

// TestStage_FindsTheBreachedPlaintextsOfGeneratedUsers screens a generated
// population: exactly the users whose plaintext password is on the list
// are flagged.
func TestStage_FindsTheBreachedPlaintextsOfGeneratedUsers(t *testing.T) {
	const n = 4000
	g := fixtures.New(fixtures.Options{Seed: 11})
	b := &pipeline.Batch{}
	want := 0
	onList := map[string]bool{}
	for _, p := range blocklist {
		onList[p] = true
	}
	for i := range int64(n) {
		var u profile.User
		if codes := g.User(i, &u); codes != nil {
			continue
		}
		if u.Password != "" && onList[u.Password] {
			want++
		}
		b.Records = append(b.Records, pipeline.Record{User: u})
	}
	b.Read = len(b.Records)
	stage, stats, err := Stage(sha1Index.options(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := stage(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	s := snapshot(stats, b)
	if want == 0 || s.Breached != int64(want) || s.Flagged != int64(want) {
		t.Fatalf("breached %d, flagged %d; want %d (of the plaintext passwords on the list)", s.Breached, s.Flagged, want)
	}
	flagged := 0
	for _, r := range b.Records {
		if v, ok := r.User.GetJSON("app_metadata.breached_password"); ok && string(v) == "true" {
			flagged++
			if !onList[r.User.Password] {
				t.Errorf("record %d flagged but its password is not on the list", r.Origin.Index)
			}
		}
	}
	if flagged != want {
		t.Errorf("%d records carry the flag, want %d", flagged, want)
	}
	if s.Unverifiable == 0 || s.ByAlgorithm["bcrypt"].Unverifiable == 0 {
		t.Errorf("bcrypt users should count as unverifiable: %+v", s)
	}
}

// TestUserLabel_MatchesHashName checks the allocation-free labels of
// custom hashes against the full parse, over every algorithm the generator
// writes.
func TestUserLabel_MatchesHashName(t *testing.T) {
	g := fixtures.New(fixtures.Options{Seed: 5})
	seen := map[string]int{}
	for i := range int64(3000) {
		var u profile.User
		if g.User(i, &u) != nil {
			continue
		}
		got := UserLabel(&u)
		seen[got]++
		h, ok, err := passwords.FromUser(&u)
		switch {
		case err != nil:
			t.Fatalf("user %d: FromUser: %v", i, err)
		case !ok && u.Password != "":
			if got != LabelPlaintext {
				t.Errorf("user %d: label %q, want plaintext", i, got)
			}
		case !ok:
			if got != LabelNone {
				t.Errorf("user %d: label %q, want none", i, got)
			}
		case got != h.Name():
			t.Errorf("user %d: label %q, Hash.Name %q", i, got, h.Name())
		}
	}
	for _, l := range []string{"bcrypt", "md5", "sha1", "sha256", "sha512", "hmac-sha256", "argon2id", "scrypt", "plaintext", "none"} {
		if seen[l] == 0 {
			t.Errorf("no user labelled %q; labels seen: %v", l, seen)
		}
	}
}

func TestUserLabel(t *testing.T) {
	tests := []struct {
		name string
		user user
		want string
	}{
		{"none", user{}, LabelNone},
		{"plaintext", user{password: "x"}, LabelPlaintext},
		{"bcrypt", user{hash: bcryptHello}, "bcrypt"},
		{"bare hex md5 is parsed", user{hash: "5f4dcc3b5aa765d61d8327deb882cf99"}, "md5"},
		{"unknown", user{hash: "not a hash"}, LabelUnknown},
		{"custom sha1", user{custom: sha1Custom("x")}, "sha1"},
		{"custom ntlm", user{custom: ntlmCustom("x")}, "ntlm"},
		{"custom hmac", user{custom: hmacCustom("x")}, "hmac-sha256"},
		{"custom ldap", user{custom: sshaCustom("x")}, "sha1"},
		{"custom pbkdf2", user{custom: pbkdf2Custom}, "pbkdf2-sha256"},
		{"custom malformed", user{custom: `{"algorithm":"nope"}`}, LabelUnknown},
		{"hash wins over plaintext", user{hash: bcryptHello, password: "x"}, "bcrypt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.user.profile()
			if got := UserLabel(&u); got != tt.want {
				t.Errorf("UserLabel = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCount_TalliesEveryRecordAndChangesNone(t *testing.T) {
	stage := Count()
	b := batchOf(user{hash: bcryptHello}, user{hash: bcryptHello}, user{}, user{password: "p"}, user{custom: pbkdf2Custom})
	before := fmt.Sprint(b.Records)
	for range 3 {
		if err := stage(t.Context(), b); err != nil {
			t.Fatal(err)
		}
	}
	got := CensusFromTally(b.Tally)
	want := map[string]int64{"bcrypt": 6, LabelNone: 3, LabelPlaintext: 3, "pbkdf2-sha256": 3}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("counts %v, want %v", got, want)
	}
	if fmt.Sprint(b.Records) != before {
		t.Error("Count changed a record")
	}
}

func TestSummary_HoldsNoPasswordOrHash(t *testing.T) {
	opts := (sha1Index | auditList).options(t)
	opts.Policy = Reject
	stage, stats, err := Stage(opts)
	if err != nil {
		t.Fatal(err)
	}
	pws := []string{"qwerty", "Paaf213XXYYZZ", "correct horse battery staple"}
	b := batchOf(user{password: pws[0]}, user{custom: saltedSHA256Custom(pws[1])}, user{password: pws[2]})
	if err := stage(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	text := fmt.Sprintf("%+v", snapshot(stats, b))
	for _, r := range b.Rejects {
		text += fmt.Sprintf("%+v", r.Issues)
	}
	for _, secret := range append(pws, hex.EncodeToString([]byte("s4lt"))) {
		if strings.Contains(text, secret) {
			t.Errorf("summary or issues contain a password or salt: %s", text)
		}
	}
}

// snapshot is the Summary of what the stage that shares stats counted in
// batches (their tallies added, as a run adds them).
func snapshot(stats *Stats, batches ...*pipeline.Batch) Summary {
	t := map[string]int64{}
	for _, b := range batches {
		for k, n := range b.Tally {
			t[k] += n
		}
	}
	return FromTally(stats.policy, t)
}
