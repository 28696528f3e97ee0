package main

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/bcrypt"

	"github.com/ferry-dev/ferry/passwords/breach"
	sqlitesink "github.com/ferry-dev/ferry/sinks/sqlite"
)

// blocklist holds the breached plaintext passwords the fixtures generator
// gives some users.
var blocklist = []string{"password", "123456", "qwerty", "Paaf213XXYYZZ"}

// crafted are users whose hashes screening can check, each made from a
// listed password, with what each corpus makes of them.
func crafted() (lines []string, secrets []string) {
	s1 := sha1.Sum([]byte("123456"))
	nt := breach.NTLM.Sum([]byte("qwerty"))
	salted := sha256.Sum256([]byte("s4lt" + "Paaf213XXYYZZ"))
	lines = []string{
		// unsalted SHA-1: breached by the SHA-1 index
		fmt.Sprintf(`{"user_id":"auth0|crafted-sha1","email":"crafted-sha1@example.com","custom_password_hash":{"algorithm":"sha1","hash":{"value":"%x","encoding":"hex"}}}`, s1),
		// NT hash: breached by the NTLM index
		fmt.Sprintf(`{"user_id":"auth0|crafted-ntlm","email":"crafted-ntlm@example.com","custom_password_hash":{"algorithm":"md4","hash":{"value":"%x","encoding":"hex"},"password":{"encoding":"utf16le"}}}`, nt),
		// salted SHA-256: breached only when audited
		fmt.Sprintf(`{"user_id":"auth0|crafted-salted","email":"crafted-salted@example.com","app_metadata":{"plan":"gold"},"custom_password_hash":{"algorithm":"sha256","hash":{"value":"%x","encoding":"hex"},"salt":{"value":"s4lt","encoding":"utf8","position":"prefix"}}}`, salted),
	}
	secrets = []string{hex.EncodeToString(s1[:]), hex.EncodeToString(nt), hex.EncodeToString(salted[:])}
	return lines, secrets
}

// screeningFixture writes generated users plus the crafted ones, the
// blocklist, and SHA-1 and NTLM indexes built from it by the CLI. It
// returns the input, the two indexes, the audit list, the number of
// generated users whose plaintext is listed, and the secrets that must
// never be printed.
func screeningFixture(t *testing.T, dir string) (in, sha1Index, ntlmIndex, list string, plainBreached int, secrets []string) {
	t.Helper()
	in = generate(t, dir, 2000, "0", "users.ndjson")
	data, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, p := range blocklist {
		listed[p] = true
	}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var u struct {
			Password string `json:"password"`
		}
		if err := json.Unmarshal(sc.Bytes(), &u); err != nil {
			t.Fatal(err)
		}
		if listed[u.Password] {
			plainBreached++
		}
	}
	if plainBreached == 0 {
		t.Fatal("the generator gave no user a listed plaintext password")
	}
	lines, secrets := crafted()
	if err := os.WriteFile(in, append(data, []byte(strings.Join(lines, "\n")+"\n")...), 0o600); err != nil {
		t.Fatal(err)
	}
	list = filepath.Join(dir, "blocklist.txt")
	if err := os.WriteFile(list, []byte(strings.Join(blocklist, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sha1Index = filepath.Join(dir, "sha1.bix")
	ntlmIndex = filepath.Join(dir, "ntlm.bix")
	out := mustFerry(t, "passwords", "index", "build", list, "--out", sha1Index, "--exact")
	if !strings.Contains(out, "4 keys (sha1, 8-bit, exact)") {
		t.Errorf("index build printed %q", out)
	}
	mustFerry(t, "passwords", "index", "build", list, "--out", ntlmIndex, "--kind", "ntlm", "--bits", "16")
	return in, sha1Index, ntlmIndex, list, plainBreached, append(secrets, blocklist[1:]...)
}

// exportUsers exports a store with secrets and returns its users by id.
func exportUsers(t *testing.T, db string) map[string]map[string]any {
	t.Helper()
	out := mustFerry(t, "export", "--from", db, "--to", "-", "--include-secrets", "-q")
	users := map[string]map[string]any{}
	for line := range strings.Lines(out) {
		var u map[string]any
		if err := json.Unmarshal([]byte(line), &u); err != nil {
			t.Fatal(err)
		}
		users[u["user_id"].(string)] = u
	}
	return users
}

func flagged(u map[string]any, field string) bool {
	m, _ := u["app_metadata"].(map[string]any)
	return m[field] == true
}

func TestImport_ScreensBreachedPasswordsWithEachPolicy(t *testing.T) {
	dir := t.TempDir()
	in, sha1Ix, ntlmIx, list, plain, secrets := screeningFixture(t, dir)
	tests := []struct {
		policy string
		audit  bool
	}{
		{"flag", false},
		{"reject", true},
		{"reset", true},
	}
	for _, tt := range tests {
		t.Run(tt.policy, func(t *testing.T) {
			sub := filepath.Join(dir, tt.policy)
			if err := os.Mkdir(sub, 0o700); err != nil {
				t.Fatal(err)
			}
			db := "sqlite://" + filepath.Join(sub, "ferry.db")
			rep := filepath.Join(sub, "report.json")
			rejects := filepath.Join(sub, "rejects.ndjson")
			args := []string{"import", in, "--to", db, "--report", rep, "--rejects", rejects,
				"--breached-index", sha1Ix, "--breached-index", ntlmIx, "--breached", tt.policy}
			if tt.policy != "reject" { // reject flags nothing
				args = append(args, "--breached-flag-field", "pwned")
			}
			// The crafted SHA-1 and NT hashes are always found; the salted
			// one only when audited.
			want := int64(plain + 2)
			if tt.audit {
				args = append(args, "--audit-list", list, "--audit-top", "10")
				want++
			}
			code, stdout, stderr := ferry(t, "", args...)
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			r := readReport(t, rep)
			if r.Passwords == nil || r.Passwords.Screening == nil {
				t.Fatalf("report lacks the screening: %+v", r.Passwords)
			}
			s := r.Passwords.Screening
			if s.Breached != want || s.Policy != tt.policy {
				t.Errorf("screening %+v, want %d breached under %s", s, want, tt.policy)
			}
			if tt.audit && (s.Audited == 0 || s.ByAlgorithm["sha256"].Breached != 1) {
				t.Errorf("audit found nothing: %+v", s)
			}
			if s.Unverifiable == 0 || s.ByAlgorithm["bcrypt"].Unverifiable == 0 {
				t.Errorf("bcrypt users should be unverifiable: %+v", s)
			}
			if !strings.Contains(stderr, fmt.Sprintf("breached  %10d", want)) {
				t.Errorf("summary lacks the breached line:\n%s", stderr)
			}
			c := r.Summary.Counts
			users := exportUsers(t, db)
			switch tt.policy {
			case "flag":
				n := 0
				for _, u := range users {
					if flagged(u, "pwned") {
						n++
					}
				}
				if int64(n) != want || c.Rejected != 0 || s.Flagged != want {
					t.Errorf("%d users flagged, %d rejected; want %d flagged", n, c.Rejected, want)
				}
				if _, ok := users["auth0|crafted-sha1"]["custom_password_hash"]; !ok {
					t.Error("flag removed a hash")
				}
			case "reject":
				if c.ByCode["PASSWORD_BREACHED"] != want || c.Rejected != want || c.Written != c.Read-want {
					t.Errorf("counts %+v, want %d PASSWORD_BREACHED rejects", c, want)
				}
				for _, id := range []string{"auth0|crafted-sha1", "auth0|crafted-ntlm", "auth0|crafted-salted"} {
					if _, ok := users[id]; ok {
						t.Errorf("%s was written, but its password is breached", id)
					}
				}
				data, err := os.ReadFile(rejects)
				if err != nil {
					t.Fatal(err)
				}
				paths := map[string]int{}
				for line := range strings.Lines(string(data)) {
					var x struct{ Issues []struct{ Code, Path string } }
					if err := json.Unmarshal([]byte(line), &x); err != nil {
						t.Fatal(err)
					}
					if len(x.Issues) != 1 || x.Issues[0].Code != "PASSWORD_BREACHED" {
						t.Fatalf("reject %s", line)
					}
					paths[x.Issues[0].Path]++
				}
				if paths["password"] != plain || paths["custom_password_hash"] != 3 {
					t.Errorf("reject paths %v, want %d at password and 3 at custom_password_hash", paths, plain)
				}
				for _, sec := range secrets {
					if strings.Contains(string(data), sec) {
						t.Errorf("the rejects file holds a password or hash")
					}
				}
			case "reset":
				n := 0
				for id, u := range users {
					if !flagged(u, "pwned") {
						continue
					}
					n++
					if _, ok := u["custom_password_hash"]; ok {
						t.Errorf("%s: flagged but its hash was kept", id)
					}
					if _, ok := u["password_hash"]; ok {
						t.Errorf("%s: flagged but its hash was kept", id)
					}
				}
				if int64(n) != want || s.Reset != want || c.Rejected != 0 {
					t.Errorf("%d users reset and flagged (report %d), want %d", n, s.Reset, want)
				}
				if m, _ := users["auth0|crafted-salted"]["app_metadata"].(map[string]any); m["plan"] != "gold" {
					t.Errorf("reset lost app_metadata: %v", m)
				}
			}
			for _, sec := range secrets {
				if strings.Contains(stdout+stderr, sec) {
					t.Errorf("output holds a password or hash:\n%s%s", stdout, stderr)
				}
			}
		})
	}
}

func TestRun_ReportCountsUsersByPasswordAlgorithm(t *testing.T) {
	dir := t.TempDir()
	rep := filepath.Join(dir, "report.json")
	code, _, stderr := ferry(t, "", "validate", "../../fixtures/sample/users.json", "--report", rep, "--max-rejects", "-1")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	r := readReport(t, rep)
	if r.Passwords == nil || r.Passwords.Screening != nil {
		t.Fatalf("passwords %+v: want the census and no screening", r.Passwords)
	}
	var total int64
	for _, n := range r.Passwords.Algorithms {
		total += n
	}
	a := r.Passwords.Algorithms
	if total == 0 || total > r.Summary.Counts.Read || a["bcrypt"] == 0 || a["none"] == 0 {
		t.Errorf("algorithms %v (read %d): want bcrypt and none among at most every record", a, r.Summary.Counts.Read)
	}
	if !strings.Contains(stderr, fmt.Sprintf("passwords %10d   bcrypt %d", total, a["bcrypt"])) {
		t.Errorf("summary lacks the passwords line:\n%s", stderr)
	}
}

// rangeAPI serves the Pwned Passwords range API for the blocklist, with
// padding.
func rangeAPI(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		prefix, ok := strings.CutPrefix(r.URL.Path, "/range/")
		if !ok || len(prefix) != 5 {
			http.NotFound(w, r)
			return
		}
		kind := breach.SHA1
		if r.URL.Query().Get("mode") == "ntlm" {
			kind = breach.NTLM
		}
		for _, p := range blocklist {
			d := strings.ToUpper(hex.EncodeToString(kind.Sum([]byte(p))))
			if strings.HasPrefix(d, strings.ToUpper(prefix)) {
				fmt.Fprintf(w, "%s:%d\r\n", d[5:], 1000)
			}
		}
		if r.Header.Get("Add-Padding") == "true" {
			for i := range 10 {
				fmt.Fprintf(w, "%0*X:0\r\n", 2*kind.Size()-5, i)
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &requests
}

func TestImport_ScreensAgainstRangeAPI(t *testing.T) {
	dir := t.TempDir()
	in, _, _, _, plain, secrets := screeningFixture(t, dir)
	srv, requests := rangeAPI(t)
	rep := filepath.Join(dir, "report.json")
	code, stdout, stderr := ferry(t, "", "import", in, "--to", "sqlite://"+filepath.Join(dir, "f.db"),
		"--breached-api", srv.URL, "--breached", "reject", "--report", rep)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	r := readReport(t, rep)
	want := int64(plain + 2) // plaintexts, the SHA-1 and the NT hash
	if s := r.Passwords.Screening; s.Breached != want || r.Summary.Counts.ByCode["PASSWORD_BREACHED"] != want {
		t.Errorf("screening %+v, codes %v; want %d breached and rejected", s, r.Summary.Counts.ByCode, want)
	}
	if requests.Load() == 0 {
		t.Error("the range API was never asked")
	}
	for _, sec := range secrets {
		if strings.Contains(stdout+stderr, sec) {
			t.Errorf("output holds a password or hash")
		}
	}
}

func TestPasswords_IdentifyNamesAlgorithmAndHidesTheHash(t *testing.T) {
	const salt, sum = "ZmVycnlzYWx0LXAyLTAwMg", "5XkPRsh8v68EjWrJ4HceKbBmEXu5YeeHJW8AfHXFxUI"
	phc := "$pbkdf2-sha256$i=310000,l=32$" + salt + "$" + sum
	tests := []struct {
		name, stdin string
		args        []string
		want        []string
	}{
		{"pbkdf2 argument", "", []string{phc}, []string{"algorithm  pbkdf2-sha256", "iterations=310000", "class      slow", "auth0"}},
		{"auth0 object from stdin", `{"algorithm":"pbkdf2","hash":{"value":"` + phc + `"}}` + "\n", []string{"-"}, []string{"algorithm  pbkdf2-sha256", "format     auth0"}},
		{"unsalted sha1", "", []string{"{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="}, []string{"algorithm  sha1", "looked up directly"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := ferry(t, tt.stdin, append([]string{"passwords", "identify"}, tt.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, errs)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, sec := range []string{salt, sum, "W6ph5Mm5Pz8GgiULbPgzG37mj9g"} {
				if strings.Contains(out+errs, sec) {
					t.Errorf("identify echoed the salt or digest:\n%s", out)
				}
			}
		})
	}
	if code, _, errs := ferry(t, "", "passwords", "identify", "not-a-hash-at-all"); code != exitFailed || !strings.Contains(errs, "unknown hash format") || strings.Contains(errs, "not-a-hash") {
		t.Errorf("unknown hash: exit %d, %q; want 1 and a message without the value", code, errs)
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func TestPasswords_VerifyReadsStdinAndExitsOnMatch(t *testing.T) {
	const bcryptHello = "$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K"
	ssha := "{SSHA}" // salted SHA-1 of "qwerty" with salt "NaCl"
	{
		s := sha1.Sum([]byte("qwertyNaCl"))
		ssha += b64(append(s[:], "NaCl"...))
	}
	tests := []struct {
		name, hash, stdin string
		want              int
		msg               string
	}{
		{"bcrypt match", bcryptHello, "hello\n", exitOK, "ok: the password matches (bcrypt)"},
		{"bcrypt match without newline", bcryptHello, "hello", exitOK, "matches"},
		{"bcrypt mismatch", bcryptHello, "hellO\n", exitFailed, "password does not match the hash (bcrypt)"},
		{"crlf is not part of the password", ssha, "qwerty\r\n", exitOK, "matches (sha1)"},
		{"ssha mismatch", ssha, "qwerty2\n", exitFailed, "does not match"},
		{"empty stdin", bcryptHello, "", exitUsage, "nothing on standard input"},
		{"out-of-bounds cost fails fast", "$pbkdf2-sha256$i=2000000000,l=32$c2FsdA$5XkPRsh8v68EjWrJ4HceKbBmEXu5YeeHJW8AfHXFxUI", "x\n", exitFailed, "out of bounds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := ferry(t, tt.stdin, "passwords", "verify", "--hash", tt.hash)
			if code != tt.want || !strings.Contains(out+errs, tt.msg) {
				t.Fatalf("exit %d, output %q %q; want %d and %q", code, out, errs, tt.want, tt.msg)
			}
			if pw := strings.TrimSpace(tt.stdin); pw != "" && strings.Contains(out+errs, pw) {
				t.Errorf("verify printed the password")
			}
		})
	}
	if code, _, _ := ferry(t, "hello", "passwords", "verify"); code != exitUsage {
		t.Errorf("verify without --hash: exit %d, want 2", code)
	}
	if code, _, _ := ferry(t, "hello", "passwords", "verify", "--hash", bcryptHello, "hello"); code != exitUsage {
		t.Errorf("verify with the password as an argument: exit %d, want 2", code)
	}
}

func TestPasswords_CheckPrintsLineNumbersNotPasswords(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "list.txt")
	if err := os.WriteFile(list, []byte(strings.Join(blocklist, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	ix := filepath.Join(dir, "sha1.bix")
	mustFerry(t, "passwords", "index", "build", list, "--out", ix, "--exact")
	srv, _ := rangeAPI(t)
	in := "a strong passphrase here\nqwerty\n\nPaaf213XXYYZZ\r\nanother fine one\n"
	for _, via := range [][]string{{"--index", ix}, {"--api", srv.URL}} {
		code, out, errs := ferry(t, in, append([]string{"passwords", "check"}, via...)...)
		if code != exitRejects {
			t.Fatalf("%v: exit %d, want 3\n%s", via, code, errs)
		}
		if !strings.Contains(out, "line 2: breached") || !strings.Contains(out, "line 4: breached") || strings.Count(out, "\n") != 2 {
			t.Errorf("%v: output %q, want lines 2 and 4", via, out)
		}
		if !strings.Contains(errs, "checked 4 passwords, 2 breached") {
			t.Errorf("%v: stderr %q", via, errs)
		}
		for _, pw := range []string{"qwerty", "Paaf213XXYYZZ", "strong", "fine"} {
			if strings.Contains(out+errs, pw) {
				t.Errorf("%v: check printed a password", via)
			}
		}
	}
	if code, _, errs := ferry(t, "fine\n", "passwords", "check", "--index", ix); code != exitOK {
		t.Errorf("no breached password: exit %d\n%s", code, errs)
	}
}

func TestScreeningUsageErrorsExitTwo(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "list.txt")
	if err := os.WriteFile(list, []byte("password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ix := filepath.Join(dir, "sha1.bix")
	mustFerry(t, "passwords", "index", "build", list, "--out", ix)
	in := generate(t, dir, 10, "0", "users.ndjson")
	for _, args := range [][]string{
		{"--audit-list", list},
		{"--breached", "reject"},
		{"--breached-index", ix, "--breached", "block"},
		{"--breached-index", filepath.Join(dir, "missing.bix")},
		{"--breached-index", list},
		{"--breached-index", ix, "--breached-index", ix},
		{"--breached-index", ix, "--breached-flag-field", "blocked"},
		{"--breached-api", "ftp://example.com"},
		{"--breached-index", ix, "--audit-list", filepath.Join(dir, "missing.txt")},
	} {
		code, _, errs := ferry(t, "", append([]string{"validate", in}, args...)...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, errs)
		}
	}
	for _, args := range [][]string{
		{"passwords", "index", "build", list, "--out", filepath.Join(dir, "x.bix"), "--bits", "12"},
		{"passwords", "index", "build", list, "--out", filepath.Join(dir, "x.bix"), "--kind", "md5"},
		{"passwords", "index", "build", list},
		{"passwords", "check"},
	} {
		if code, _, errs := ferry(t, "", args...); code != exitUsage {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, errs)
		}
	}
}

func TestExport_ScreensPasswordsWhetherOrNotSecretsAreWritten(t *testing.T) {
	dir := t.TempDir()
	lines, secrets := crafted()
	in := filepath.Join(dir, "users.ndjson")
	if err := os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := "sqlite://" + filepath.Join(dir, "ferry.db")
	mustFerry(t, "import", in, "--to", db, "-q")
	list := filepath.Join(dir, "blocklist.txt")
	if err := os.WriteFile(list, []byte(strings.Join(blocklist, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ix := filepath.Join(dir, "sha1.bix")
	mustFerry(t, "passwords", "index", "build", list, "--out", ix, "--exact")

	// Only the crafted unsalted SHA-1 hash is in the SHA-1 index.
	const breached = "auth0|crafted-sha1"
	tests := []struct {
		name        string
		args        []string
		wantSecrets bool
		wantReject  bool
	}{
		{"flag, secrets left out", nil, false, false},
		{"flag, secrets written", []string{"--include-secrets"}, true, false},
		{"reject, secrets left out", []string{"--breached", "reject"}, false, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, fmt.Sprintf("out%d.ndjson", i))
			rep := filepath.Join(dir, fmt.Sprintf("report%d.json", i))
			mustFerry(t, append([]string{"export", "--from", db, "--to", out, "--breached-index", ix, "--report", rep, "-q"}, tt.args...)...)
			r := readReport(t, rep)
			if r.Passwords == nil || r.Passwords.Screening == nil || r.Passwords.Screening.Breached != 1 {
				t.Fatalf("screening %+v, want the one breached SHA-1 hash found", r.Passwords)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			users := map[string]map[string]any{}
			for line := range strings.Lines(string(data)) {
				var u map[string]any
				if err := json.Unmarshal([]byte(line), &u); err != nil {
					t.Fatal(err)
				}
				users[u["user_id"].(string)] = u
			}
			u, written := users[breached]
			switch {
			case tt.wantReject && (written || r.Summary.Counts.ByCode["PASSWORD_BREACHED"] != 1):
				t.Errorf("--breached reject: %s written %v, counts %+v", breached, written, r.Summary.Counts)
			case !tt.wantReject && !flagged(u, "breached_password"):
				t.Errorf("%s is not flagged: %v", breached, u)
			}
			if got := strings.Contains(string(data), "custom_password_hash"); got != tt.wantSecrets {
				t.Errorf("output holds hashes: %v, want %v", got, tt.wantSecrets)
			}
			if !tt.wantSecrets {
				for _, s := range secrets {
					if strings.Contains(string(data), s) {
						t.Errorf("output without --include-secrets holds a hash")
					}
				}
			}
		})
	}
}

func TestRun_PasswordCensusCountsWhatTheSummaryRead(t *testing.T) {
	dir := t.TempDir()
	in := generate(t, dir, 3000, "0.05", "users.ndjson")
	small := []string{"--batch-size", "10", "--workers", "4", "-q"}
	census := func(r report) (total int64) {
		for _, n := range r.Passwords.Algorithms {
			total += n
		}
		return total
	}
	refRep := filepath.Join(dir, "ref.json")
	mustFerry(t, "validate", in, "--max-rejects", "-1", "--report", refRep, "-q")
	ref := readReport(t, refRep).Passwords.Algorithms

	type step struct {
		args []string
		exit int
	}
	tests := []struct {
		name string
		runs func(db, out, rep string) []step
		// whole: the last run covers the whole input, so its census is
		// that of an uninterrupted run.
		whole bool
	}{
		{"stopped by --max-rejects", func(db, out, rep string) []step {
			return []step{{append([]string{"convert", in, out, "--max-rejects", "5", "--report", rep}, small...), exitRejects}}
		}, false},
		{"resumed after --max-rejects", func(db, out, rep string) []step {
			return []step{
				{append([]string{"import", in, "--to", db, "--max-rejects", "5", "--commit-users", "1", "--report", rep}, small...), exitRejects},
				{append([]string{"import", in, "--to", db, "--resume", "--report", rep}, small...), exitOK},
			}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := t.TempDir()
			rep := filepath.Join(d, "report.json")
			for _, s := range tt.runs("sqlite://"+filepath.Join(d, "ferry.db"), filepath.Join(d, "out.ndjson"), rep) {
				if code, _, stderr := ferry(t, "", s.args...); code != s.exit {
					t.Fatalf("ferry %s: exit %d, want %d\n%s", strings.Join(s.args, " "), code, s.exit, stderr)
				}
			}
			r := readReport(t, rep)
			c := r.Summary.Counts
			// The census counts the decoded records: all read but parse errors.
			if got, want := census(r), c.Read-c.ByCode["PARSE_ERROR"]; got != want || c.Read == 0 {
				t.Errorf("census counts %d users (%v), summary read %d (%d unparsable): want them to agree",
					got, r.Passwords.Algorithms, c.Read, c.ByCode["PARSE_ERROR"])
			}
			if tt.whole {
				if r.Summary.ResumedFrom == nil || c.Read != 3000 {
					t.Fatalf("resumed from %+v, read %d: want a resumed run over the whole input", r.Summary.ResumedFrom, c.Read)
				}
				if d := cmp.Diff(ref, r.Passwords.Algorithms); d != "" {
					t.Errorf("census of the resumed job differs from an uninterrupted run's (-want +got):\n%s", d)
				}
			}
		})
	}
}

func TestPlaintextPasswords_HashedForAuth0OrCountedAsNotStored(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "legacy.ndjson")
	os.WriteFile(in, []byte(`{"email":"a@example.com","password":"correct-horse-9"}`+"\n"+`{"email":"b@example.com"}`+"\n"), 0o600)

	// --hash-target auth0 hashes the plaintext with bcrypt.
	out := filepath.Join(dir, "auth0.ndjson")
	mustFerry(t, "convert", in, out, "--hash-target", "auth0", "-q")
	data, _ := os.ReadFile(out)
	var first struct {
		PasswordHash string `json:"password_hash"`
		Password     string `json:"password"`
	}
	if err := json.Unmarshal(bytes.SplitN(data, []byte("\n"), 2)[0], &first); err != nil {
		t.Fatal(err)
	}
	if first.Password != "" || bcrypt.CompareHashAndPassword([]byte(first.PasswordHash), []byte("correct-horse-9")) != nil {
		t.Errorf("converted user: password_hash %q, plaintext left %v; want a bcrypt of the password and no plaintext", first.PasswordHash, first.Password != "")
	}

	// A store keeps no plaintext: the user is written, and the summary says
	// the password was not.
	rep := filepath.Join(dir, "report.json")
	_, _, stderr := ferry(t, "", "import", in, "--to", "sqlite://"+filepath.Join(dir, "ferry.db"), "--report", rep)
	if n := readReport(t, rep).Summary.Counts.Tally[sqlitesink.PlaintextNotStored]; n != 1 {
		t.Errorf("report counts %d users without their plaintext password, want 1", n)
	}
	if !strings.Contains(stderr, "without their plaintext password") {
		t.Errorf("the summary does not say a password was not stored:\n%s", stderr)
	}
}

func TestScreening_CountsOfAResumedJobAreThoseOfOneRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and signals a process")
	}
	bin := buildFerry(t)
	dir := t.TempDir()
	in, sha1Ix, ntlmIx, _, _, _ := screeningFixture(t, dir)
	args := func(db, rep string) []string {
		return []string{"import", in, "--to", "sqlite://" + filepath.Join(dir, db), "--breached-index", sha1Ix,
			"--breached-index", ntlmIx, "--batch-size", "100", "--commit-users", "1", "--report", rep}
	}
	refRep := filepath.Join(dir, "ref.json")
	mustFerry(t, append(args("ref.db", refRep), "-q")...)
	ref := readReport(t, refRep).Passwords.Screening

	rep := filepath.Join(dir, "report.json")
	if code, _ := signalAfterCommits(t, bin, 5, syscall.SIGINT, args("run.db", rep)...); code != exitInterrupted {
		t.Fatalf("exit %d, want %d", code, exitInterrupted)
	}
	mustFerry(t, append(args("run.db", rep), "--resume", "-q")...)
	r := readReport(t, rep)
	if r.Summary.ResumedFrom == nil {
		t.Fatal("the second run did not resume")
	}
	got := r.Passwords.Screening
	if ref == nil || got == nil || ref.Checked == 0 || ref.Breached == 0 {
		t.Fatalf("screening: reference %+v, resumed %+v", ref, got)
	}
	ref.AuditSeconds, got.AuditSeconds = 0, 0
	if d := cmp.Diff(ref, got); d != "" {
		t.Errorf("screening of the resumed job differs from one run's (-want +got):\n%s", d)
	}
}
