package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/ferry-dev/ferry/fixtures/sinktest"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile/query/querytest"
	mysqlsink "github.com/ferry-dev/ferry/sinks/mysql"
	"github.com/ferry-dev/ferry/sinks/mysql/mysqltest"
	pgsink "github.com/ferry-dev/ferry/sinks/postgres"
	"github.com/ferry-dev/ferry/sinks/postgres/pgtest"
	sqlitesink "github.com/ferry-dev/ferry/sinks/sqlite"
)

// runCmd runs one of this file's commands on its own, outside the root
// command.
func runCmd(t *testing.T, mk func(a *app) *cobra.Command, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb}
	c := mk(a)
	c.SetArgs(args)
	c.SetOut(&out)
	c.SetErr(&errb)
	c.SilenceUsage, c.SilenceErrors = true, true
	err = c.ExecuteContext(t.Context())
	return out.String(), errb.String(), err
}

// stores returns one new store of each kind, loaded with the querytest
// users; the database stores skip when their server is unreachable.
func stores(t *testing.T) map[string]func(t *testing.T) string {
	load := func(t *testing.T, s pipeline.Sink) {
		b := sinktest.Batch("load", 0, 0, querytest.Users())
		sinktest.Write(t, s, b)
		sinktest.NoRejects(t, b)
		if err := s.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	return map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string {
			loc := "sqlite://" + filepath.Join(t.TempDir(), "ferry.db")
			s, err := sqlitesink.Open(t.Context(), loc, sqlitesink.Options{})
			if err != nil {
				t.Fatal(err)
			}
			load(t, s)
			return loc
		},
		"postgres": func(t *testing.T) string {
			loc := pgtest.URL(t)
			s, err := pgsink.Open(t.Context(), loc, pgsink.Options{})
			if err != nil {
				t.Fatal(err)
			}
			load(t, s)
			return loc
		},
		"mysql": func(t *testing.T) string {
			loc := mysqltest.URL(t)
			s, err := mysqlsink.Open(t.Context(), loc, mysqlsink.Options{})
			if err != nil {
				t.Fatal(err)
			}
			load(t, s)
			return loc
		},
	}
}

func TestUsers_BlockDryRunCountAndAudit(t *testing.T) {
	users := (*app).usersCommand
	for name, mk := range stores(t) {
		t.Run(name, func(t *testing.T) {
			loc := mk(t)
			const q = "email.domain:exampleco.com AND logins_count:[100 TO *]"
			out, _, err := runCmd(t, users, "block", "--store", loc, "--query", q, "--dry-run", "--sample", "2")
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 3 || !strings.Contains(lines[0], "would select 5 users") {
				t.Fatalf("dry run printed:\n%s", out)
			}
			if strings.Contains(out, "jane@exampleco.com") || !strings.Contains(lines[1], `"user_id"`) {
				t.Errorf("dry-run sample is not masked:\n%s", out)
			}
			if out, _, _ := runCmd(t, users, "count", "--store", loc, "--query", "blocked:true"); strings.TrimSpace(out) != "2" {
				t.Errorf("after a dry run, count of blocked = %q, want 2", out)
			}

			out, errOut, err := runCmd(t, users, "block", "--store", loc, "-Q", q)
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(out) != "blocked 5 users" {
				t.Errorf("block printed %q", out)
			}
			for _, want := range []string{"ferry audit: at=", " op=block ", `query="email.domain:? AND logins_count:[? TO *]"`, " count=5", " actor="} {
				if !strings.Contains(errOut, want) {
					t.Errorf("audit line %q lacks %q", errOut, want)
				}
			}
			if strings.Contains(errOut, "exampleco") {
				t.Errorf("audit line %q holds a value of the query", errOut)
			}
			if out, _, _ := runCmd(t, users, "count", "--store", loc, "--query", "blocked:true"); strings.TrimSpace(out) != "7" {
				t.Errorf("count of blocked = %q, want 7", out)
			}
			if out, _, _ := runCmd(t, users, "delete", "--store", loc, "--query", "user_id:sms*"); strings.TrimSpace(out) != "deleted 2 users" {
				t.Errorf("delete printed %q", out)
			}
			if out, _, _ := runCmd(t, users, "count", "--store", loc); strings.TrimSpace(out) != "28" {
				t.Errorf("count of every user = %q, want 28", out)
			}
		})
	}
}

func TestUsers_UsageErrors(t *testing.T) {
	users := (*app).usersCommand
	loc := stores(t)["sqlite"](t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"block", "--store", loc}, "needs --query"},
		{[]string{"delete", "--store", loc, "--query", "name:(jane"}, "column"},
		{[]string{"count", "--store", "users.csv"}, "not a store"},
		{[]string{"count", "--store", "sqlite://" + filepath.Join(t.TempDir(), "missing.db")}, "no such file"},
	}
	for _, tt := range tests {
		_, _, err := runCmd(t, users, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("users %v = %v, want an error mentioning %q", tt.args, err, tt.want)
		}
	}
}

func TestStore_InitTwice(t *testing.T) {
	store := (*app).storeCommand
	locs := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "new.db") },
		"postgres": func(t *testing.T) string { return pgtest.URL(t) },
		"mysql":    func(t *testing.T) string { return mysqltest.URL(t) },
	}
	for name, mk := range locs {
		t.Run(name, func(t *testing.T) {
			loc := mk(t)
			out, _, err := runCmd(t, store, "init", loc)
			if err != nil || !strings.Contains(out, "created, schema version") {
				t.Fatalf("first init: %q, %v", out, err)
			}
			out, _, err = runCmd(t, store, "init", loc)
			if err != nil || !strings.Contains(out, "up to date") {
				t.Fatalf("second init: %q, %v", out, err)
			}
			out, _, err = runCmd(t, store, "migrate", loc)
			if err != nil || !strings.Contains(out, "up to date") {
				t.Fatalf("migrate: %q, %v", out, err)
			}
		})
	}
	if _, _, err := runCmd(t, store, "init", "users.csv"); err == nil {
		t.Error("store init of a file succeeded")
	}
}

func TestConvertAndValidate_ReadEveryKindOfStore(t *testing.T) {
	for name, mk := range stores(t) {
		t.Run(name, func(t *testing.T) {
			loc := mk(t)
			out := filepath.Join(t.TempDir(), "users.ndjson")
			mustFerry(t, "convert", loc, out, "--no-normalize", "--no-validate", "-q")
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if n := bytes.Count(data, []byte("\n")); n != len(querytest.Users()) {
				t.Fatalf("convert from the %s store: %d users, want %d", name, n, len(querytest.Users()))
			}
			rep := filepath.Join(t.TempDir(), "report.json")
			ferry(t, "", "validate", loc, "--report", rep, "-q")
			if c := readReport(t, rep).Summary.Counts; c.Read != int64(len(querytest.Users())) || !c.Balanced() {
				t.Errorf("validate the %s store: %+v, want every user read", name, c)
			}
		})
	}
}

func TestRun_DatabasePasswordStaysOutOfSummaryLogsAndReport(t *testing.T) {
	// The test server trusts local connections, so any password is taken.
	loc := strings.Replace(pgtest.URL(t), "postgres://postgres@", "postgres://postgres:hunter2-secret@", 1)
	if !strings.Contains(loc, "hunter2-secret") {
		t.Fatalf("test location has no password: %s", loc)
	}
	rep := filepath.Join(t.TempDir(), "report.json")
	_, _, stderr := ferry(t, "", "import", "../../fixtures/sample/users.json", "--to", loc, "--report", rep,
		"--log-level", "debug", "--log-format", "json")
	report, err := os.ReadFile(rep)
	if err != nil {
		t.Fatalf("no report: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "postgres://postgres:xxxxx@") {
		t.Errorf("the summary does not name the store (redacted):\n%s", stderr)
	}
	for what, text := range map[string]string{"stderr": stderr, "report": string(report)} {
		if strings.Contains(text, "hunter2") {
			t.Errorf("%s holds the database password:\n%s", what, text)
		}
	}
}
