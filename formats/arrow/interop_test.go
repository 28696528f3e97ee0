package arrow

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferry-dev/ferry/fixtures"
	"github.com/ferry-dev/ferry/fixtures/formattest"
	"github.com/ferry-dev/ferry/formats/internal/columnar"
	"github.com/ferry-dev/ferry/formats/internal/columnartest"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

var (
	update        = flag.Bool("update", false, "rewrite golden files")
	updateArrowJS = flag.Bool("update-arrowjs", false, "rewrite the Arrow files Arrow JS writes into testdata (needs node)")
)

// Apache Arrow's JavaScript implementation is the third-party reader and
// writer of the interoperability tests, installed once into
// $FERRY_ARROWJS_DIR (default ~/.cache/ferry-arrowjs).
var arrowJS = columnartest.NodePackage{Spec: "apache-arrow@21.2.0", DirEnv: "FERRY_ARROWJS_DIR", Dir: "ferry-arrowjs"}

// readScript prints each row of the Arrow file or stream named by its
// argument as one JSON line: timestamps as their raw 64-bit values and
// 64-bit integers as numbers, exactly.
const readScript = `
const arrow = require(require.resolve('apache-arrow', { paths: [process.env.NODE_PACKAGE_DIR] }));
const fs = require('fs');
const t = arrow.tableFromIPC(fs.readFileSync(process.argv[2]));
const raw = (vec, i) => {
  for (const d of vec.data) {
    if (i < d.length) return d.getValid(i) ? d.values[d.offset + i] : null;
    i -= d.length;
  }
};
const fields = t.schema.fields;
const out = [];
for (let i = 0; i < t.numRows; i++) {
  const row = {};
  for (const f of fields) {
    const col = t.getChild(f.name);
    row[f.name] = arrow.DataType.isTimestamp(f.type) ? raw(col, i) : col.get(i);
  }
  out.push(JSON.stringify(row, (k, v) => typeof v === 'bigint' ? '@@' + v.toString() + '@@' : v)
    .replace(/"@@(-?[0-9]+)@@"/g, '$1'));
}
process.stdout.write(out.join('\n'));
`

// rewriteScript reads the Arrow input named by its first argument and
// writes it again as a file and as a stream, to its second and third.
const rewriteScript = `
const arrow = require(require.resolve('apache-arrow', { paths: [process.env.NODE_PACKAGE_DIR] }));
const fs = require('fs');
const t = arrow.tableFromIPC(fs.readFileSync(process.argv[2]));
fs.writeFileSync(process.argv[3], arrow.tableToIPC(t, 'file'));
fs.writeFileSync(process.argv[4], arrow.tableToIPC(t, 'stream'));
`

func interopUsers(n int) []profile.User {
	users := formattest.Users()
	g := fixtures.New(fixtures.Options{Seed: 7})
	for i := range n {
		var u profile.User
		g.User(int64(i), &u)
		users = append(users, u)
	}
	return users
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestArrowJS_ReadsEveryValueFerryWrites(t *testing.T) {
	dir := arrowJS.Install(t)
	users := interopUsers(300)
	opts := Options{IncludeSecrets: true, Flatten: []string{"app_metadata.plan"}}
	s, err := columnar.NewSchema(opts.columnar())
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]columnartest.Format{"ferry.arrow": fileFormat(opts), "ferry.arrows": streamFormat(opts)} {
		t.Run(name, func(t *testing.T) {
			path := writeTemp(t, name, columnartest.Write(t, f, users, 64, 2))
			lines := bytes.Split(columnartest.RunNode(t, dir, readScript, path), []byte{'\n'})
			if len(lines) != len(users) {
				t.Fatalf("Arrow JS read %d rows, ferry wrote %d", len(lines), len(users))
			}
			for i := range users {
				want := columnartest.Decode(t, columnartest.ExpectedRow(s, &users[i], true), true)
				if d := cmp.Diff(want, columnartest.Decode(t, lines[i], true)); d != "" {
					t.Errorf("row %d differs (-ferry +Arrow JS):\n%s", i, d)
				}
			}
		})
	}
}

func TestFerry_ReadsWhatArrowJSRewrites(t *testing.T) {
	dir := arrowJS.Install(t)
	users := interopUsers(700)
	opts := Options{IncludeSecrets: true}
	in := writeTemp(t, "ferry.arrows", columnartest.Write(t, streamFormat(opts), users, 500, 2))
	file, stream := filepath.Join(filepath.Dir(in), "js.arrow"), filepath.Join(filepath.Dir(in), "js.arrows")
	columnartest.RunNode(t, dir, rewriteScript, in, file, stream)
	for _, tc := range []struct {
		path string
		f    columnartest.Format
	}{{file, fileFormat(opts)}, {stream, streamFormat(opts)}} {
		data, err := os.ReadFile(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		dec, err := tc.f.NewDecoder(data, "js")
		if err != nil {
			t.Fatalf("%s: new decoder: %v", tc.path, err)
		}
		res := formattest.DecodeAll(t.Context(), t, dec, 333)
		if res.Err != nil {
			t.Fatalf("%s: %v", tc.path, res.Err)
		}
		got := make([]profile.User, len(res.Records))
		for i, r := range res.Records {
			got[i] = r.User
			if len(r.Issues) > 0 {
				t.Errorf("%s: record %d: issues %v", tc.path, i, r.Issues)
			}
		}
		columnartest.CheckUsers(t, users, got)
	}
}

// The Arrow files in testdata are written by Arrow JS with the script of
// the .cjs file of the same name (rewritten with -update-arrowjs); the
// users ferry reads from them are in the .golden.ndjson file (rewritten
// with -update).
func TestDecoder_ReadsArrowJSFiles(t *testing.T) {
	scripts, err := filepath.Glob("testdata/arrowjs-*.cjs")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, script := range scripts {
		name := strings.TrimSuffix(filepath.Base(script), ".cjs")
		t.Run(name, func(t *testing.T) {
			base := "testdata/" + name
			if *updateArrowJS {
				src, err := os.ReadFile(script)
				if err != nil {
					t.Fatal(err)
				}
				abs, _ := filepath.Abs(base)
				columnartest.RunNode(t, arrowJS.Install(t), string(src), abs)
			}
			var got []byte
			for _, ext := range []string{".arrow", ".arrows"} {
				data, err := os.ReadFile(base + ext)
				if err != nil {
					t.Fatal(err)
				}
				var dec pipeline.Decoder
				if ext == ".arrow" {
					dec, err = NewFileDecoder(bytes.NewReader(data), int64(len(data)), name+ext, Options{})
				} else {
					dec, err = NewStreamDecoder(bytes.NewReader(data), name+ext, Options{})
				}
				if err != nil {
					t.Fatalf("%s: new decoder: %v", ext, err)
				}
				res := formattest.DecodeAll(t.Context(), t, dec, 2)
				if res.Err != nil {
					t.Fatalf("%s: %v", ext, res.Err)
				}
				got = append(got, goldenLines(res)...)
			}
			golden := base + ".golden.ndjson"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(string(want), string(got)); d != "" {
				t.Errorf("decoded users differ (-golden +got):\n%s", d)
			}
		})
	}
}

// goldenLines writes each record (and reject) as one line: its source and
// row, the user and its issues.
func goldenLines(res formattest.Result) []byte {
	var b []byte
	for _, r := range res.Records {
		b = fmt.Appendf(b, `{"source":%q,"row":%d,"user":`, r.Origin.Source, r.Origin.Line)
		b = profile.AppendJSON(b, &r.User)
		is, _ := json.Marshal(r.Issues)
		b = fmt.Appendf(b, `,"issues":%s}`+"\n", is)
	}
	for _, r := range res.Rejects {
		is, _ := json.Marshal(r.Issues)
		b = fmt.Appendf(b, `{"source":%q,"row":%d,"rejected":%s}`+"\n", r.Origin.Source, r.Origin.Line, is)
	}
	return b
}
