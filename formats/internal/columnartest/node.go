package columnartest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Interoperability tests run third-party readers and writers in Node from
// npm packages (DuckDB's @duckdb/node-api, Apache Arrow's apache-arrow),
// each installed once into a cache directory. Without node they skip,
// unless FERRY_REQUIRE_SERVICES=1, as in CI, where they fail; with -short
// they skip.

// NodePackage is an npm package a test runs.
type NodePackage struct {
	// Spec is what npm installs, e.g. "@duckdb/node-api@1.5.6-r.1".
	Spec string
	// DirEnv names the variable that overrides the install directory.
	DirEnv string
	// Dir is the default install directory, under the user's cache.
	Dir string
}

var installs sync.Map // spec → *install

type install struct {
	once sync.Once
	dir  string
	err  error
}

// SkipOrFail skips t, or fails it when FERRY_REQUIRE_SERVICES=1.
func SkipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("FERRY_REQUIRE_SERVICES") == "1" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// Install returns the directory holding pkg's node_modules, installing it
// with npm the first time.
func (pkg NodePackage) Install(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("interoperability with " + pkg.Spec + ": skipped with -short")
	}
	if _, err := exec.LookPath("node"); err != nil {
		SkipOrFail(t, "interoperability with %s needs node: %v", pkg.Spec, err)
	}
	v, _ := installs.LoadOrStore(pkg.Spec, new(install))
	in := v.(*install)
	in.once.Do(func() {
		dir := os.Getenv(pkg.DirEnv)
		if dir == "" {
			cache, err := os.UserCacheDir()
			if err != nil {
				in.err = err
				return
			}
			dir = filepath.Join(cache, pkg.Dir)
		}
		in.dir = dir
		name := pkg.Spec[:strings.LastIndex(pkg.Spec, "@")]
		if _, err := os.Stat(filepath.Join(dir, "node_modules", name, "package.json")); err == nil {
			return
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			in.err = err
			return
		}
		for _, args := range [][]string{{"init", "-y"}, {"install", pkg.Spec}} {
			cmd := exec.Command("npm", args...)
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				in.err = errors.New("npm " + strings.Join(args, " ") + ": " + err.Error() + ": " + lastLine(out))
				return
			}
		}
	})
	if in.err != nil {
		SkipOrFail(t, "installing %s: %v", pkg.Spec, in.err)
	}
	return in.dir
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// RunNode runs the CommonJS script with args, the environment variable
// NODE_PACKAGE_DIR set to dir (the script requires its package from there:
// require(require.resolve(name, {paths: [process.env.NODE_PACKAGE_DIR]}))),
// and returns its standard output. A failure fails t.
func RunNode(t *testing.T, dir, script string, args ...string) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "script.cjs")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), "node", append([]string{path}, args...)...)
	cmd.Env = append(os.Environ(), "NODE_PACKAGE_DIR="+dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node: %v: %s", err, stderr.String())
	}
	return stdout.Bytes()
}
