package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferry-dev/ferry/pipeline"
)

// ferry runs the command in-process and returns its exit code and output.
func ferry(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func mustFerry(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := ferry(t, "", args...)
	if code != exitOK {
		t.Fatalf("ferry %s: exit %d\n%s", strings.Join(args, " "), code, errs)
	}
	return out
}

func readReport(t *testing.T, path string) report {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("report: %v", err)
	}
	return r
}

func generate(t *testing.T, dir string, n int, rate string, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	mustFerry(t, "fixtures", "generate", "--users", strconv.Itoa(n), "--error-rate", rate, "--seed", "3", "--out", p, "-q")
	return p
}

func TestImport_SampleBalancesAndSecondRunRejectsDuplicates(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "ferry.db")
	rep := filepath.Join(dir, "report.json")
	code, _, stderr := ferry(t, "", "import", "../../fixtures/sample/users.json", "--to", db, "--report", rep)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "balance   ok") {
		t.Errorf("summary lacks the balance line:\n%s", stderr)
	}
	r := readReport(t, rep)
	c := r.Summary.Counts
	if c.Read != 1000 || !c.Balanced() || c.Written == 0 || c.Rejected == 0 {
		t.Fatalf("counts %+v: want 1000 read, some written, some rejected, balanced", c)
	}
	if c.Stats.Inserted != c.Written {
		t.Errorf("inserted %d, written %d: a fresh store inserts every written user", c.Stats.Inserted, c.Written)
	}

	// Importing the same file again is harmless: identical users are
	// unchanged, not duplicated and not rejected.
	code, _, stderr = ferry(t, "", "import", "../../fixtures/sample/users.json", "--to", db, "--report", rep)
	if code != exitOK {
		t.Fatalf("second import: exit %d\n%s", code, stderr)
	}
	c2 := readReport(t, rep).Summary.Counts
	if c2.Stats.Unchanged != c.Written || c2.Stats.Inserted != 0 || c2.Rejected != c.Rejected {
		t.Errorf("second import: %+v; want %d unchanged and the same %d rejected", c2, c.Written, c.Rejected)
	}

	// Auth0 semantics: a different user with a taken email is a conflict.
	conflict := filepath.Join(dir, "conflict.ndjson")
	if err := os.WriteFile(conflict, []byte(firstEmailAsNewUser(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	mustFerry(t, "import", conflict, "--to", db, "--report", rep, "-q")
	if c := readReport(t, rep).Summary.Counts; c.ByCode["CONFLICT_EMAIL"] != 1 || c.Written != 0 {
		t.Errorf("a new user with a taken email: %+v, want one CONFLICT_EMAIL", c)
	}

	// With --upsert the same users are matched by email and unchanged.
	mustFerry(t, "import", "../../fixtures/sample/users.json", "--to", db, "--upsert", "--report", rep, "-q")
	c3 := readReport(t, rep).Summary.Counts
	if c3.Stats.Unchanged != c.Written || c3.Stats.Inserted != 0 {
		t.Errorf("upsert of identical users: %+v, want %d unchanged", c3.Stats, c.Written)
	}
}

func TestValidate_ExitsThreeAndRejectsCarryNoPII(t *testing.T) {
	dir := t.TempDir()
	in := generate(t, dir, 3000, "0.05", "users.ndjson")
	rejects := filepath.Join(dir, "rejects.ndjson")
	rep := filepath.Join(dir, "report.json")
	code, _, stderr := ferry(t, "", "validate", in, "--rejects", rejects, "--report", rep)
	if code != exitRejects {
		t.Fatalf("exit %d, want %d\n%s", code, exitRejects, stderr)
	}
	c := readReport(t, rep).Summary.Counts
	if c.Read != 3000 || !c.Balanced() || c.Rejected < 100 {
		t.Fatalf("counts %+v: want 3000 read, about 5%% rejected", c)
	}
	data, err := os.ReadFile(rejects)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if int64(len(lines)) != c.Rejected {
		t.Errorf("%d reject lines, %d rejected", len(lines), c.Rejected)
	}
	for _, l := range lines {
		var x struct {
			Line   int64
			Record int64
			Issues []struct{ Code, Path string }
			User   json.RawMessage
		}
		if err := json.Unmarshal([]byte(l), &x); err != nil {
			t.Fatalf("reject line is not JSON: %v", err)
		}
		if x.Line == 0 || len(x.Issues) == 0 || x.Issues[0].Code == "" || x.User != nil {
			t.Fatalf("reject line lacks position or code, or carries the user: %s", l)
		}
		if emailLike.MatchString(l) {
			t.Fatalf("reject line carries what looks like an email: %s", l)
		}
	}
	// --dedupe also finds the duplicate emails the generator planted.
	if code, _, _ := ferry(t, "", "validate", in, "--dedupe", "--report", rep, "-q"); code != exitRejects {
		t.Fatalf("validate --dedupe: exit %d", code)
	}
	if d := readReport(t, rep).Summary.Counts; d.ByCode["CONFLICT_EMAIL"] == 0 || d.Rejected <= c.Rejected {
		t.Errorf("validate --dedupe: %+v, want CONFLICT_EMAIL rejects on top of %d", d, c.Rejected)
	}
	// Under the limit, validate passes.
	if code, _, stderr := ferry(t, "", "validate", in, "--max-rejects", "100000", "-q"); code != exitOK {
		t.Errorf("exit %d with a high --max-rejects\n%s", code, stderr)
	}
}

var emailLike = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)

// firstEmailAsNewUser returns an NDJSON line of a new user (another
// user_id) with the email of the sample's first user.
func firstEmailAsNewUser(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../fixtures/sample/users.json")
	if err != nil {
		t.Fatal(err)
	}
	var users []struct {
		Email string `json:"email"`
	}
	if err := json.Unmarshal(data, &users); err != nil {
		t.Fatal(err)
	}
	return `{"user_id":"auth0|someone-else","email":"` + users[0].Email + `"}` + "\n"
}

func TestConvert_RoundTripThroughEveryFormatKeepsUsers(t *testing.T) {
	dir := t.TempDir()
	src := generate(t, dir, 500, "0", "users.ndjson")
	want, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	steps := []string{"users.json", "users.csv.gz", "users.json.zst", "users.tsv", "users.ndjson.gz", "back.ndjson"}
	prev := src
	for _, s := range steps {
		next := filepath.Join(dir, s)
		mustFerry(t, "convert", prev, next, "--no-normalize", "-q")
		prev = next
	}
	got, err := os.ReadFile(prev)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range min(len(g), len(w)) {
			if g[i] != w[i] {
				t.Fatalf("round trip changed line %d:\n got %s\nwant %s", i+1, g[i], w[i])
			}
		}
		t.Fatalf("round trip changed the number of lines: %d, want %d", len(g), len(w))
	}
}

func TestConvert_QueryFiltersAndCountsFiltered(t *testing.T) {
	dir := t.TempDir()
	src := generate(t, dir, 400, "0", "users.ndjson")
	out := filepath.Join(dir, "blocked.ndjson")
	rep := filepath.Join(dir, "report.json")
	mustFerry(t, "convert", src, out, "--query", "blocked:true", "--report", rep, "-q")
	c := readReport(t, rep).Summary.Counts
	if c.Filtered == 0 || c.Written+c.Filtered+c.Rejected != 400 {
		t.Fatalf("counts %+v: want some filtered, balanced", c)
	}
	data, _ := os.ReadFile(out)
	if n := int64(bytes.Count(data, []byte("\n"))); n != c.Written {
		t.Errorf("output has %d users, summary says %d", n, c.Written)
	}
	if c.Written > 0 && !bytes.Contains(data, []byte(`"blocked":true`)) {
		t.Errorf("output holds users that are not blocked")
	}
}

func TestExport_QueryOnStoreAndSecretsStripped(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "ferry.db")
	src := generate(t, dir, 300, "0", "users.ndjson")
	mustFerry(t, "import", src, "--to", db, "-q")
	out := filepath.Join(dir, "out.ndjson")
	mustFerry(t, "export", "--from", db, "--to", out, "-q")
	data, _ := os.ReadFile(out)
	if n := bytes.Count(data, []byte("\n")); n != 300 {
		t.Errorf("export wrote %d users, want 300", n)
	}
	if bytes.Contains(data, []byte("password_hash")) || bytes.Contains(data, []byte("mfa_factors")) {
		t.Errorf("export carries secrets without --include-secrets")
	}
	mustFerry(t, "export", "--from", db, "--to", out, "--include-secrets", "-q")
	data, _ = os.ReadFile(out)
	if !bytes.Contains(data, []byte("password_hash")) {
		t.Errorf("export with --include-secrets lacks password hashes")
	}
	mustFerry(t, "export", "--from", db, "--to", out, "--query", "blocked:true", "-q")
	data, _ = os.ReadFile(out)
	blocked := bytes.Count(data, []byte("\n"))
	if blocked == 0 || blocked >= 300 || bytes.Count(data, []byte(`"blocked":true`)) != blocked {
		t.Errorf("query blocked:true exported %d users, not all blocked", blocked)
	}
	// --fields projects each user, as Auth0's JSON export does (a hash
	// named there without --include-secrets is a usage error).
	mustFerry(t, "export", "--from", db, "--to", out, "--fields", "user_id=Id,email", "-q")
	data, _ = os.ReadFile(out)
	for i, line := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil || len(m) != 2 || m["Id"] == nil || m["email"] == nil {
			t.Fatalf("user %d with --fields user_id=Id,email: %s", i, line)
		}
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	const (
		sample = "../../fixtures/sample/users.json"
		store  = "sqlite://{dir}/ferry.db"
	)
	tests := []struct {
		name string
		args []string
		want string // in the message: the flag and what to do
	}{
		{"unknown command", []string{"frobnicate"}, ""},
		{"unknown flag", []string{"validate", "--nope", "x.csv"}, ""},
		{"missing argument", []string{"convert", "a.csv"}, ""},
		{"unknown extension", []string{"validate", "../../go.mod"}, "--format"},
		{"bad query", []string{"convert", sample, "{dir}/out.ndjson", "--query", "email:"}, ""},
		{"fields of a columnar output", []string{"convert", sample, "{dir}/users.parquet", "--fields", "email"}, "--fields"},

		// --require takes the identifiers it names, spelled exactly.
		{"require unknown", []string{"validate", sample, "--require", "fax"}, "email, username or phone_number"},
		{"require misspelled", []string{"convert", sample, "{dir}/out.ndjson", "--require", "phone"}, "--require"},
		{"inspect require unknown", []string{"inspect", sample, "--require", "Email"}, "--require"},

		// inspect and validate take only what they honour.
		{"inspect max-rejects", []string{"inspect", sample, "--max-rejects", "3"}, "--max-rejects"},
		{"inspect resume", []string{"inspect", sample, "--resume"}, "--resume"},
		{"inspect quiet", []string{"inspect", sample, "-q"}, "-q"},
		{"validate resume", []string{"validate", sample, "--resume"}, "--resume"},
		{"validate job", []string{"validate", sample, "--job", "x"}, "--job"},

		// export applies no normalization or validation.
		{"export strict", []string{"export", "--from", store, "--to", "{dir}/o.ndjson", "--strict"}, "--strict"},
		{"export require", []string{"export", "--from", store, "--to", "{dir}/o.ndjson", "--require", "email"}, "--require"},
		{"export dedupe", []string{"export", "--from", store, "--to", "{dir}/o.ndjson", "--dedupe"}, "--dedupe"},
		{"export max-rejects", []string{"export", "--from", store, "--to", "{dir}/o.ndjson", "--max-rejects", "0"}, "--max-rejects"},
		{"export map", []string{"export", "--from", store, "--to", "{dir}/o.ndjson", "--map", "m.yaml"}, "--map"},
		{"export no-normalize", []string{"export", "--from", store, "--to", "{dir}/o.ndjson", "--no-normalize"}, "--no-normalize"},
		{"export hash-target without secrets", []string{"export", "--from", store, "--to", "{dir}/o.ndjson", "--hash-target", "auth0"}, "--include-secrets"},
		{"convert hash-target without secrets", []string{"convert", sample, "{dir}/o.ndjson", "--hash-target", "auth0", "--include-secrets=false"}, "--include-secrets"},

		// Secrets named in --fields of an output that leaves them out.
		{"export fields password_hash", []string{"export", "--from", store, "--to", "{dir}/o.csv", "--fields", "email,password_hash"}, "--include-secrets"},
		{"export fields custom_password_hash path", []string{"export", "--from", store, "--to", "{dir}/o.ndjson", "--fields", "custom_password_hash.algorithm=alg"}, "custom_password_hash"},
		{"export fields mfa_factors", []string{"export", "--from", store, "--to", "-", "--fields", "mfa_factors"}, "mfa_factors"},
		{"convert fields without secrets", []string{"convert", sample, "{dir}/o.csv", "--include-secrets=false", "--fields", "email,password_hash"}, "--include-secrets"},

		// s3:// output flags with a file destination.
		{"compress a file", []string{"convert", sample, "{dir}/o.ndjson", "--compress", "gz"}, ".gz or .zst"},
		{"sse on a file", []string{"convert", sample, "{dir}/o.ndjson", "--sse", "AES256"}, "--sse applies to s3://"},
		{"sse-kms-key-id on a file", []string{"export", "--from", store, "--to", "{dir}/o.ndjson", "--sse-kms-key-id", "k"}, "--sse-kms-key-id"},
		{"storage-class on a file", []string{"convert", sample, "{dir}/o.ndjson", "--storage-class", "STANDARD_IA"}, "--storage-class"},
		{"part-size on a file", []string{"convert", sample, "{dir}/o.ndjson", "--part-size", "1000"}, "--part-size"},
		{"part-records on stdout", []string{"convert", sample, "-", "--part-records", "10"}, "--part-records"},
		{"partition-by on a file", []string{"fixtures", "generate", "--out", "{dir}/o.ndjson", "--partition-by", "connection"}, "--partition-by"},
		{"overwrite on a file", []string{"convert", sample, "{dir}/o.ndjson", "--overwrite"}, "--overwrite"},
		{"uploads on a file", []string{"convert", sample, "{dir}/o.ndjson", "--uploads", "2"}, "--uploads"},
		{"region without s3", []string{"validate", sample, "--region", "eu-west-1"}, "--region"},
		{"s3-endpoint without s3", []string{"convert", sample, "{dir}/o.ndjson", "--s3-endpoint", "http://127.0.0.1:1"}, "--s3-endpoint"},

		// --delimiter is CSV's.
		{"delimiter without csv", []string{"convert", sample, "{dir}/o.ndjson", "--delimiter", ";"}, "--delimiter"},
		{"delimiter of tsv", []string{"convert", sample, "{dir}/o.tsv", "--delimiter", ";"}, "TSV stays"},
		{"delimiter of validate json", []string{"validate", sample, "--delimiter", ";"}, "--delimiter"},

		// Parquet and Arrow options with another output format.
		{"compression of csv", []string{"convert", sample, "{dir}/o.csv", "--compression", "snappy"}, "--compression applies to Parquet"},
		{"row-group-rows of arrow", []string{"convert", sample, "{dir}/o.arrow", "--row-group-rows", "100"}, "--row-group-rows applies to Parquet"},
		{"flatten of ndjson", []string{"export", "--from", store, "--to", "{dir}/o.ndjson", "--flatten", "user_metadata.plan"}, "--flatten"},
		{"row-group-rows zero", []string{"convert", sample, "{dir}/o.parquet", "--row-group-rows", "0"}, "at least one batch"},
		{"row-group-rows negative", []string{"convert", sample, "{dir}/o.parquet", "--row-group-rows", "-5"}, "--row-group-rows"},

		// import's store options apply to one store each.
		{"sessions of sqlite", []string{"import", sample, "--to", store, "--sessions", "4"}, "postgres://"},
		{"sessions zero", []string{"import", sample, "--to", "postgres://u:pw@127.0.0.1:1/x", "--sessions", "0"}, "--sessions"},
		{"commit-users of postgres", []string{"import", sample, "--to", "postgres://u:secret@127.0.0.1:1/x", "--commit-users", "5"}, "SQLite store"},
		{"commit-users negative", []string{"import", sample, "--to", store, "--commit-users", "-1"}, "--commit-users"},
		{"format of a table", []string{"import", "postgres://u:pw@127.0.0.1:1/x", "--query", "SELECT 1", "--format", "csv"}, "--format"},

		// Values that cannot work.
		{"progress unknown", []string{"validate", sample, "--progress", "sometimes"}, "auto, always or never"},
		{"workers negative", []string{"validate", sample, "--workers", "-1"}, "--workers"},
		{"batch-size negative", []string{"convert", sample, "{dir}/o.ndjson", "--batch-size", "-1"}, "--batch-size"},
		{"checkpoint-every negative", []string{"convert", sample, "{dir}/o.ndjson", "--checkpoint-every", "-1s"}, "--checkpoint-every"},

		// Contradictions.
		{"no-validate strict", []string{"convert", sample, "{dir}/o.ndjson", "--no-validate", "--strict"}, "--strict"},
		{"no-validate require", []string{"convert", sample, "{dir}/o.ndjson", "--no-validate", "--require", "email"}, "--require"},
		{"no-validate dedupe", []string{"convert", sample, "{dir}/o.ndjson", "--no-validate", "--dedupe"}, "--dedupe"},
		{"no-normalize keep-email-case", []string{"validate", sample, "--no-normalize", "--keep-email-case"}, "--keep-email-case"},

		// fixtures generate takes output flags only.
		{"fixtures strict", []string{"fixtures", "generate", "--strict"}, "--strict"},
		{"fixtures require", []string{"fixtures", "generate", "--require", "email"}, "--require"},
		{"fixtures rejects", []string{"fixtures", "generate", "--rejects", "{dir}/r.ndjson"}, "--rejects"},
		{"fixtures max-rejects", []string{"fixtures", "generate", "--max-rejects", "1"}, "--max-rejects"},
		{"fixtures breached-index", []string{"fixtures", "generate", "--breached-index", "{dir}/x.bix"}, "--breached-index"},
		{"fixtures map", []string{"fixtures", "generate", "--map", "m.yaml"}, "--map"},

		// Screening options without a corpus to screen against.
		{"audit-top without index", []string{"validate", sample, "--audit-top", "5"}, "--breached-index"},
		{"audit-budget without index", []string{"convert", sample, "{dir}/o.ndjson", "--audit-budget", "1s"}, "--audit-budget"},
		{"breached-flag-field without index", []string{"import", sample, "--to", store, "--breached-flag-field", "pwned"}, "--breached-flag-field"},
		{"audit-list without index", []string{"validate", sample, "--audit-list", "list.txt"}, "--audit-list"},
		{"breached flag without index", []string{"export", "--from", store, "--to", "{dir}/o.ndjson", "--breached", "flag"}, "--breached"},
		{"breached-flag-field with reject", []string{"validate", sample, "--breached-index", "{dir}/x.bix", "--breached", "reject", "--breached-flag-field", "pwned"}, "--breached-flag-field"},
		{"audit-top without audit-list", []string{"validate", sample, "--breached-index", "{dir}/x.bix", "--audit-top", "5"}, "--audit-list"},
		{"rejects-include-pii without rejects", []string{"validate", sample, "--rejects-include-pii"}, "--rejects"},

		// The rest of the review.
		{"users sample without dry-run", []string{"users", "block", "--query", "blocked:true", "--store", store, "--sample", "2"}, "--dry-run"},
		{"format and to-format disagree", []string{"export", "--from", store, "--to", "{dir}/o.ndjson", "--format", "csv", "--to-format", "ndjson"}, "--to-format"},
		{"fixtures format and to-format disagree", []string{"fixtures", "generate", "--format", "csv", "--to-format", "json"}, "--format"},
		{"resume into stdout", []string{"convert", sample, "-", "--resume"}, "--resume"},
		{"export resume into stdout", []string{"export", "--from", store, "--to", "-", "--resume"}, "standard output"},
		{"fixtures resume into stdout", []string{"fixtures", "generate", "--resume"}, "--resume"},
		{"checkpoint-every of stdout", []string{"convert", sample, "-", "--checkpoint-every", "5s"}, "--checkpoint-every"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			args := make([]string, len(tt.args))
			for i, a := range tt.args {
				args[i] = strings.ReplaceAll(a, "{dir}", dir)
			}
			code, stdout, stderr := ferry(t, "", args...)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d\n%s", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("message does not say %q:\n%s", tt.want, stderr)
			}
			if stdout != "" {
				t.Errorf("a refused run wrote to standard output:\n%s", stdout)
			}
			if entries, _ := os.ReadDir(dir); len(entries) > 0 {
				t.Errorf("a refused run left %s in its directory", entries[0].Name())
			}
		})
	}
}

func TestConvert_JSONMembersGoThroughTheMapAndTheAliases(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "firebase.json")
	os.WriteFile(in, []byte(`{"users":[
{"localId":"abc","email":"ana@example.com","displayName":"Ana Lima","emailVerified":true,"disabled":false,"Plan":"pro","notes":"x"}
]}`), 0o600)
	m := filepath.Join(dir, "map.yaml")
	os.WriteFile(m, []byte("columns:\n  Plan: user_metadata.plan\nignore: [notes]\n"), 0o600)
	out := filepath.Join(dir, "auth0.ndjson")
	mustFerry(t, "convert", in, out, "--map", m, "--no-default-picture", "-q")
	var got map[string]any
	data, _ := os.ReadFile(out)
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("%v: %s", err, data)
	}
	want := map[string]any{"user_id": "abc", "email": "ana@example.com", "name": "Ana Lima", "nickname": "ana",
		"email_verified": true, "blocked": false, "user_metadata": map[string]any{"plan": "pro"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("converted user (-want +got):\n%s", d)
	}
}

func TestInspect_ShowsCountsAndMasksRows(t *testing.T) {
	out := mustFerry(t, "inspect", "../../fixtures/sample/users.json", "--rows", "2")
	for _, want := range []string{"format:     json", "records:    1000", "email", "first 2 rows (masked)"} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "@example") || strings.Contains(out, "$2b$") {
		t.Errorf("inspect shows unmasked data:\n%s", out)
	}
}

// buildFerry compiles the binary once per test that needs a real process.
func buildFerry(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ferry")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("build: %v", err)
	}
	return bin
}

// killAfterCommits starts ferry and SIGKILLs it once it has logged n
// written batches.
func killAfterCommits(t *testing.T, bin string, n int, args ...string) {
	t.Helper()
	signalAfterCommits(t, bin, n, syscall.SIGKILL, append(args, "-q")...)
}

// signalAfterCommits starts ferry, sends sig once it has logged n written
// batches, and returns its exit code and the rest of its stderr.
func signalAfterCommits(t *testing.T, bin string, n int, sig syscall.Signal, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, append(args, "--log-level", "debug", "--log-format", "json")...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	commits := 0
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"batch written"`) {
			commits++
			if commits == n {
				_ = cmd.Process.Signal(sig)
				break
			}
		}
	}
	var rest strings.Builder
	for sc.Scan() {
		rest.WriteString(sc.Text() + "\n")
	}
	_ = cmd.Wait()
	if commits < n {
		t.Fatalf("ferry finished after %d commits, before it could be signalled", commits)
	}
	return cmd.ProcessState.ExitCode(), rest.String()
}

func TestImport_SIGINTCommitsPrintsSummaryAndExits130(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and signals a process")
	}
	bin := buildFerry(t)
	dir := t.TempDir()
	in := generate(t, dir, 20000, "0", "users.ndjson")
	db := "sqlite://" + filepath.Join(dir, "ferry.db")
	rep := filepath.Join(dir, "report.json")
	code, stderr := signalAfterCommits(t, bin, 3, syscall.SIGINT, "import", in, "--to", db, "--batch-size", "200", "--report", rep)
	if code != exitInterrupted {
		t.Fatalf("exit %d, want %d\n%s", code, exitInterrupted, stderr)
	}
	if !strings.Contains(stderr, "balance   ok") || !strings.Contains(stderr, "--resume") {
		t.Errorf("interrupted run did not print a balanced summary and the resume hint:\n%s", stderr)
	}
	r := readReport(t, rep)
	if r.Status != "interrupted" || r.Summary.Counts.Read == 0 || r.Summary.Counts.Read == 20000 {
		t.Fatalf("report %+v: want an interrupted, partial run", r)
	}
	mustFerry(t, "import", in, "--to", db, "--batch-size", "200", "--resume", "--report", rep, "-q")
	c := readReport(t, rep).Summary.Counts
	if c.Read != 20000 || c.Written != 20000 || c.Stats.Inserted+c.Stats.Unchanged != 20000 {
		t.Errorf("after resume: %+v, want all 20000 users once", c)
	}
}

func TestConvert_SIGINTIntoParquetSaysWhereResumeContinues(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and signals a process")
	}
	bin := buildFerry(t)
	dir := t.TempDir()
	in := generate(t, dir, 20000, "0", "users.ndjson")
	out := filepath.Join(dir, "users.parquet")
	rep := filepath.Join(dir, "report.json")
	// Row groups of 1000 rows are 5 batches: the file commits after
	// batches 4, 9, 14, ...
	args := []string{"convert", in, out, "--batch-size", "200", "--row-group-rows", "1000", "--checkpoint-every", "1ns", "--report", rep}
	code, stderr := signalAfterCommits(t, bin, 12, syscall.SIGINT, args...)
	if code != exitInterrupted {
		t.Fatalf("exit %d, want %d\n%s", code, exitInterrupted, stderr)
	}
	r := readReport(t, rep)
	cp := r.Summary.Committed
	if cp == nil || (cp.Seq+1)%5 != 0 || cp.Counts.Read != int64(cp.Seq+1)*200 || cp.Counts.Read > r.Summary.Counts.Read {
		t.Fatalf("committed %+v of a run that read %d: want the end of a row group", cp, r.Summary.Counts.Read)
	}
	if want := fmt.Sprintf("committed through batch %d (%d records read)", cp.Seq, cp.Counts.Read); !strings.Contains(stderr, want) {
		t.Errorf("the summary does not say %q:\n%s", want, stderr)
	}
	mustFerry(t, append(args, "--resume", "-q")...)
	if got := readReport(t, rep).Summary.ResumedFrom; got == nil || got.Seq != cp.Seq {
		t.Errorf("resumed from %+v, want after batch %d", got, cp.Seq)
	}
	ref := filepath.Join(dir, "ref.parquet")
	mustFerry(t, "convert", in, ref, "--batch-size", "200", "--row-group-rows", "1000", "-q")
	a, _ := os.ReadFile(out)
	b, _ := os.ReadFile(ref)
	if !bytes.Equal(a, b) {
		t.Errorf("the resumed file differs from an uninterrupted one (%d vs %d bytes)", len(a), len(b))
	}
}

func TestImport_KilledRunResumesWithEveryUserOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a process")
	}
	bin := buildFerry(t)
	dir := t.TempDir()
	in := generate(t, dir, 20000, "0.01", "users.ndjson")
	db := "sqlite://" + filepath.Join(dir, "ferry.db")
	killAfterCommits(t, bin, 5, "import", in, "--to", db, "--batch-size", "200", "--commit-users", "1", "--workers", "2")

	rep := filepath.Join(dir, "report.json")
	mustFerry(t, "import", in, "--to", db, "--batch-size", "200", "--resume", "--report", rep, "-q")
	r := readReport(t, rep)
	c := r.Summary.Counts
	if r.Summary.ResumedFrom == nil {
		t.Fatal("second run did not resume")
	}
	if c.Read != 20000 || !c.Balanced() {
		t.Fatalf("counts %+v: want 20000 read over both runs, balanced", c)
	}
	// A fresh import of the same file into another store is the reference.
	ref := filepath.Join(dir, "ref.json")
	mustFerry(t, "import", in, "--to", "sqlite://"+filepath.Join(dir, "ref.db"), "--report", ref, "-q")
	rc := readReport(t, ref).Summary.Counts
	if c.Written != rc.Written || c.Rejected != rc.Rejected || c.Stats.Inserted+c.Stats.Unchanged != rc.Stats.Inserted {
		t.Errorf("resumed import: %+v\nuninterrupted: %+v", c, rc)
	}
	out1, out2 := filepath.Join(dir, "a.ndjson"), filepath.Join(dir, "b.ndjson")
	mustFerry(t, "export", "--from", db, "--to", out1, "--include-secrets", "-q")
	mustFerry(t, "export", "--from", "sqlite://"+filepath.Join(dir, "ref.db"), "--to", out2, "--include-secrets", "-q")
	a, _ := os.ReadFile(out1)
	b, _ := os.ReadFile(out2)
	if !bytes.Equal(a, b) {
		t.Errorf("the resumed store differs from an uninterrupted import (%d vs %d bytes)", len(a), len(b))
	}
}

func TestConvert_KilledRunResumesToTheSameOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a process")
	}
	bin := buildFerry(t)
	dir := t.TempDir()
	in := generate(t, dir, 20000, "0.01", "users.csv")
	for _, tc := range []struct {
		out  string
		args []string
	}{
		{out: "out.ndjson"},
		{out: "out.json.gz"},
		// Columnar files resume at their last mark: a Parquet row group's
		// end, any batch of an Arrow file.
		{out: "out.parquet", args: []string{"--row-group-rows", "500"}},
		{out: "out.arrow"},
	} {
		out := tc.out
		t.Run(out, func(t *testing.T) {
			dst := filepath.Join(dir, out)
			rejects := filepath.Join(dir, out+".rejects")
			args := append([]string{"convert", in, dst, "--batch-size", "200", "--checkpoint-every", "1ns", "--rejects", rejects}, tc.args...)
			killAfterCommits(t, bin, 12, args...)
			if _, err := os.Stat(dst); err == nil {
				t.Fatal("a killed run left a final output")
			}
			rep := filepath.Join(dir, "report.json")
			mustFerry(t, append(args, "--resume", "--report", rep, "-q")...)
			r := readReport(t, rep)
			if r.Summary.ResumedFrom == nil || !r.Summary.Counts.Balanced() || r.Summary.Counts.Read != 20000 {
				t.Fatalf("summary %+v", r.Summary)
			}
			refOut := filepath.Join(dir, "ref-"+out)
			refRejects := filepath.Join(dir, "ref-"+out+".rejects")
			mustFerry(t, append([]string{"convert", in, refOut, "--batch-size", "200", "--rejects", refRejects, "-q"}, tc.args...)...)
			for _, pair := range [][2]string{{dst, refOut}, {rejects, refRejects}} {
				got := readMaybeCompressed(t, pair[0])
				want := readMaybeCompressed(t, pair[1])
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from an uninterrupted run (%d vs %d bytes)", filepath.Base(pair[0]), len(got), len(want))
				}
			}
		})
	}
}

// readMaybeCompressed reads a file through ferry's own reader when it is
// compressed, so the comparison is of content, not of compression frames.
func readMaybeCompressed(t *testing.T, path string) []byte {
	t.Helper()
	if c, _ := pipeline.Compression(path); c == "" {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	plain := path + ".plain.ndjson"
	mustFerry(t, "convert", path, plain, "--no-normalize", "--no-validate", "-q")
	data, err := os.ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestConvert_ColumnarRoundTripAndInspect(t *testing.T) {
	dir := t.TempDir()
	src := generate(t, dir, 700, "0", "users.ndjson")
	want, _ := os.ReadFile(src)
	for _, tc := range []struct {
		ext  string
		args []string
	}{
		{".parquet", []string{"--row-group-rows", "300"}},
		{".arrow", nil},
		{".arrows", nil},
	} {
		ext := tc.ext
		t.Run(ext, func(t *testing.T) {
			mid := filepath.Join(dir, "users"+ext)
			back := filepath.Join(dir, "back"+ext+".ndjson")
			mustFerry(t, append([]string{"convert", src, mid, "--no-normalize", "-q"}, tc.args...)...)
			mustFerry(t, "convert", mid, back, "--no-normalize", "-q")
			got, _ := os.ReadFile(back)
			if !bytes.Equal(got, want) {
				t.Errorf("%s round trip changed the users (%d vs %d bytes)", ext, len(got), len(want))
			}
		})
	}
	out := mustFerry(t, "inspect", filepath.Join(dir, "users.parquet"))
	for _, w := range []string{"parquet:    700 rows in ", "email", "ZSTD"} {
		if !strings.Contains(out, w) {
			t.Errorf("inspect of parquet lacks %q:\n%s", w, out)
		}
	}
}

func TestConvert_HashTargetAuth0ConvertsOrRejectsEachHash(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "legacy.ndjson")
	lines := `{"user_id":"auth0|1","email":"a@example.com","password_hash":"pbkdf2_sha256$260000$AqjEu5xbV2SD$SU0bQf1Z6xCYzjcNMH+8Xs6gqUXu8m3W0Q6CGnBcn1M="}
{"user_id":"auth0|2","email":"b@example.com","password_hash":"$1$saltsalt$2vnaRpHa6Jxjz5n83ok8Z0"}
{"user_id":"auth0|3","email":"c@example.com","password_hash":"$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K"}
`
	if err := os.WriteFile(in, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "auth0.json")
	rejects := filepath.Join(dir, "rejects.ndjson")
	rep := filepath.Join(dir, "report.json")
	mustFerry(t, "convert", in, out, "--hash-target", "auth0", "--rejects", rejects, "--report", rep, "-q")
	c := readReport(t, rep).Summary.Counts
	if c.Written != 2 || c.ByCode["HASH_UNSUPPORTED_BY_TARGET"] != 1 {
		t.Fatalf("counts %+v: want 2 written and one HASH_UNSUPPORTED_BY_TARGET", c)
	}
	data, _ := os.ReadFile(out)
	if !bytes.Contains(data, []byte(`"custom_password_hash":{"algorithm":"pbkdf2"`)) {
		t.Errorf("the Django hash did not become Auth0's custom_password_hash:\n%s", data)
	}
	rj, _ := os.ReadFile(rejects)
	if bytes.Contains(rj, []byte("saltsalt")) || !bytes.Contains(rj, []byte(`"record":1`)) {
		t.Errorf("rejects file leaks the hash or misses the record:\n%s", rj)
	}
	if code, _, _ := ferry(t, "", "convert", in, out, "--hash-target", "okta"); code != exitUsage {
		t.Errorf("--hash-target okta: exit %d, want %d", code, exitUsage)
	}
}

func TestInspect_CountsAgreeWithValidate(t *testing.T) {
	dir := t.TempDir()
	in := generate(t, dir, 2000, "0.05", "users.ndjson")
	rep := filepath.Join(dir, "report.json")
	for _, flags := range [][]string{
		nil,
		{"--require", "username"},
		{"--strict", "--dedupe"},
		{"--no-normalize"},
		{"--hash-target", "auth0", "--require", "phone_number"},
	} {
		t.Run(strings.Join(flags, " "), func(t *testing.T) {
			mustFerry(t, append([]string{"validate", in, "--max-rejects", "-1", "--report", rep, "-q"}, flags...)...)
			want := readReport(t, rep).Summary.Counts
			out := mustFerry(t, append([]string{"inspect", in}, flags...)...)
			var read, valid, invalid int64
			i := strings.Index(out, "records:")
			if i < 0 {
				t.Fatalf("inspect printed no record count:\n%s", out)
			}
			if _, err := fmt.Sscanf(out[i:], "records: %d (%d valid, %d invalid)", &read, &valid, &invalid); err != nil {
				t.Fatalf("inspect's record count: %v\n%s", err, out)
			}
			if read != want.Read || valid != want.Written || invalid != want.Rejected {
				t.Errorf("inspect: %d read, %d valid, %d invalid; validate: %d read, %d written, %d rejected",
					read, valid, invalid, want.Read, want.Written, want.Rejected)
			}
		})
	}
}

func TestExport_HashTargetRewritesHashesAsConvertDoes(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "users.ndjson")
	// A bcrypt hash Auth0 takes as password_hash, kept in
	// custom_password_hash, and an NT hash that stays custom.
	lines := `{"user_id":"auth0|b1","email":"b1@example.com","custom_password_hash":{"algorithm":"bcrypt","hash":{"value":"$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K"}}}
{"user_id":"auth0|n1","email":"n1@example.com","custom_password_hash":{"algorithm":"md4","hash":{"value":"2d20d252a479f485cdf5e171d93985bf","encoding":"hex"},"password":{"encoding":"utf16le"}}}
`
	if err := os.WriteFile(in, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	db := "sqlite://" + filepath.Join(dir, "ferry.db")
	mustFerry(t, "import", in, "--to", db, "-q")
	got := filepath.Join(dir, "auth0.ndjson")
	mustFerry(t, "export", "--from", db, "--to", got, "--include-secrets", "--hash-target", "auth0", "-q")
	plain := filepath.Join(dir, "plain.ndjson")
	mustFerry(t, "export", "--from", db, "--to", plain, "--include-secrets", "-q")
	want := filepath.Join(dir, "converted.ndjson")
	mustFerry(t, "convert", plain, want, "--hash-target", "auth0", "--no-normalize", "-q")

	g, _ := os.ReadFile(got)
	w, _ := os.ReadFile(want)
	if !bytes.Equal(g, w) {
		t.Errorf("export --hash-target auth0 differs from convert --hash-target auth0 of the export:\n%s\nwant\n%s", g, w)
	}
	if !bytes.Contains(g, []byte(`"password_hash":"$2b$10$`)) {
		t.Errorf("export --hash-target auth0 did not move the bcrypt hash to password_hash:\n%s", g)
	}
}

func TestImport_DedupeRejectsRepeatsWithinTheInput(t *testing.T) {
	dir := t.TempDir()
	in := generate(t, dir, 50, "0", "users.ndjson")
	data, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := bytes.Cut(data, []byte("\n"))
	// The first user again, in a later batch: the store finds it identical.
	if err := os.WriteFile(in, append(data, append(first, '\n')...), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		args          []string
		written       int64
		duplicateUser int64
	}{
		{"without dedupe the store counts the repeat unchanged", nil, 51, 0},
		{"dedupe rejects the repeat", []string{"--dedupe"}, 50, 1},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := "sqlite://" + filepath.Join(dir, fmt.Sprintf("ferry%d.db", i))
			rep := filepath.Join(dir, "report.json")
			mustFerry(t, append([]string{"import", in, "--to", db, "--batch-size", "10", "--report", rep, "-q"}, tt.args...)...)
			c := readReport(t, rep).Summary.Counts
			if c.Written != tt.written || c.ByCode["DUPLICATED_USER"] != tt.duplicateUser || !c.Balanced() {
				t.Errorf("counts %+v: want %d written, %d DUPLICATED_USER", c, tt.written, tt.duplicateUser)
			}
		})
	}
}

func TestIncludeSecrets_ExplicitFalseLeavesSecretsOut(t *testing.T) {
	dir := t.TempDir()
	in := generate(t, dir, 100, "0", "users.ndjson")
	tests := []struct {
		name        string
		args        []string
		wantSecrets bool
	}{
		{"convert keeps secrets by default", []string{"convert", in, "{out}"}, true},
		{"convert --include-secrets=false", []string{"convert", in, "{out}", "--include-secrets=false"}, false},
		{"convert --include-secrets=false to csv", []string{"convert", in, "{out}.csv", "--include-secrets=false"}, false},
		{"fixtures keep secrets by default", []string{"fixtures", "generate", "--users", "100", "--out", "{out}"}, true},
		{"fixtures --include-secrets=false", []string{"fixtures", "generate", "--users", "100", "--out", "{out}", "--include-secrets=false"}, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, fmt.Sprintf("out%d.ndjson", i))
			var args []string
			for _, a := range tt.args {
				args = append(args, strings.ReplaceAll(a, "{out}", out))
			}
			mustFerry(t, append(args, "-q")...)
			path := args[slices.IndexFunc(args, func(a string) bool { return strings.HasPrefix(a, out) })]
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, secret := range []string{"password_hash", "mfa_factors"} {
				if got := bytes.Contains(data, []byte(secret)); got != tt.wantSecrets {
					t.Errorf("output holds %s: %v, want %v", secret, got, tt.wantSecrets)
				}
			}
		})
	}
}

func TestDelimiter_AppliesToCSVAndLeavesTSVTabbed(t *testing.T) {
	dir := t.TempDir()
	in := generate(t, dir, 20, "0", "users.ndjson")
	semi := filepath.Join(dir, "semi.csv")
	mustFerry(t, "convert", in, semi, "--delimiter", ";", "-q")
	tests := []struct {
		name, from, to string
		wantSep        string
	}{
		{"csv output", in, "out.csv", ";"},
		{"csv input to tsv", semi, "out.tsv", "\t"},
		{"csv input to ndjson", semi, "out.ndjson", `"email":`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, tt.to)
			mustFerry(t, "convert", tt.from, out, "--delimiter", ";", "-q")
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			header, _, _ := strings.Cut(string(data), "\n")
			if !strings.Contains(header, tt.wantSep) {
				t.Errorf("first line lacks %q: %.120s", tt.wantSep, header)
			}
			if lines := strings.Count(string(data), "\n"); lines < 20 {
				t.Errorf("%d lines, want the 20 users", lines)
			}
		})
	}
}

// rejectLine is one line of a --rejects file.
type rejectLine struct {
	Line   int64
	Record int64
	Issues []struct{ Code, Path string }
}

func readRejects(t *testing.T, path string) []rejectLine {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []rejectLine
	for l := range strings.Lines(string(data)) {
		var r rejectLine
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("reject line %q: %v", l, err)
		}
		out = append(out, r)
	}
	return out
}

func TestConvert_NoValidateStillRejectsValuesThatCouldNotBeRead(t *testing.T) {
	tests := []struct {
		name, file, in string
		wantWritten    int64
		wantIssues     []string // code@path of the one reject, in order
	}{
		{"ndjson values of the wrong type", "in.ndjson",
			`{"email":"a@x.com","logins_count":1.5,"created_at":"yesterday","email_verified":"yes","user_metadata":[1,2],"app_metadata":"str"}` + "\n",
			0, []string{"INVALID_TYPE@logins_count", "FORMAT@created_at", "INVALID_TYPE@email_verified",
				"INVALID_TYPE@user_metadata", "INVALID_TYPE@app_metadata"}},
		{"csv cell that is not an object", "in.csv", "email,user_metadata\nb@x.com,hello\n",
			0, []string{"INVALID_TYPE@user_metadata"}},
		{"schema rules are still skipped", "in.ndjson", `{"email":"not an email","logins_count":2}` + "\n",
			1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, tt.file)
			if err := os.WriteFile(in, []byte(tt.in), 0o600); err != nil {
				t.Fatal(err)
			}
			out, rejects, rep := filepath.Join(dir, "out.ndjson"), filepath.Join(dir, "rejects.ndjson"), filepath.Join(dir, "report.json")
			mustFerry(t, "convert", in, out, "--no-validate", "--rejects", rejects, "--report", rep, "-q")
			c := readReport(t, rep).Summary.Counts
			if c.Read != 1 || c.Written != tt.wantWritten || c.Rejected != 1-tt.wantWritten || !c.Balanced() {
				t.Fatalf("counts %+v: want 1 read, %d written, the rest rejected", c, tt.wantWritten)
			}
			var got []string
			for _, r := range readRejects(t, rejects) {
				for _, is := range r.Issues {
					got = append(got, is.Code+"@"+is.Path)
				}
			}
			if d := cmp.Diff(tt.wantIssues, got); d != "" {
				t.Errorf("reject issues (-want +got):\n%s", d)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if n := int64(bytes.Count(data, []byte("\n"))); n != tt.wantWritten {
				t.Errorf("output holds %d users, want %d:\n%s", n, tt.wantWritten, data)
			}
		})
	}
}

func TestConvert_RejectsFileIsInInputOrder(t *testing.T) {
	valid := func(i int) string { return fmt.Sprintf(`{"email":"u%d@example.com"}`, i) }
	lines := []string{valid(1), valid(2),
		`{"email":"not an email"}`, // line 3: invalid, rejected by validation
		valid(4),
		`{"email":`, // line 5: a parse error, rejected by the decoder
		valid(6), valid(7),
		`{"email":"u8@example.com","logins_count":"many"}`, // line 8: a value of the wrong type
		valid(9),
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.ndjson")
	if err := os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{nil, {"--no-validate"}} {
		t.Run(strings.Join(append([]string{"convert"}, args...), " "), func(t *testing.T) {
			rejects := filepath.Join(dir, "rejects.ndjson")
			code, _, stderr := ferry(t, "", append([]string{"convert", in, filepath.Join(dir, "out.ndjson"), "--rejects", rejects, "-q"}, args...)...)
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			var got []int64
			for _, r := range readRejects(t, rejects) {
				got = append(got, r.Line)
			}
			want := []int64{3, 5, 8}
			if args != nil {
				want = []int64{5, 8} // line 3 passes without validation
			}
			if !slices.Equal(got, want) {
				t.Errorf("rejects file lists lines %v, want %v", got, want)
			}
		})
	}
}
