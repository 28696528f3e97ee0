package arrow

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferry-dev/ferry/fixtures/formattest"
	"github.com/ferry-dev/ferry/formats/internal/columnar"
	"github.com/ferry-dev/ferry/formats/internal/columnartest"
	"github.com/ferry-dev/ferry/pipeline"
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

func TestArrowJS_ReadsEveryValueFerryWrites(t *testing.T) {
	dir := arrowJS.Install(t)
	users := columnartest.InteropUsers(300)
	opts := Options{IncludeSecrets: true, Flatten: []string{"app_metadata.plan"}}
	s, err := columnar.NewSchema(opts.columnar())
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]columnartest.Format{"ferry.arrow": fileFormat(opts), "ferry.arrows": streamFormat(opts)} {
		t.Run(name, func(t *testing.T) {
			path := columnartest.WriteTemp(t, name, columnartest.Write(t, f, users, 64, 2))
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
	users := columnartest.InteropUsers(700)
	opts := Options{IncludeSecrets: true}
	in := columnartest.WriteTemp(t, "ferry.arrows", columnartest.Write(t, streamFormat(opts), users, 500, 2))
	file, stream := filepath.Join(filepath.Dir(in), "js.arrow"), filepath.Join(filepath.Dir(in), "js.arrows")
	columnartest.RunNode(t, dir, rewriteScript, in, file, stream)
	for _, tc := range []struct {
		path string
		f    columnartest.Format
	}{{file, fileFormat(opts)}, {stream, streamFormat(opts)}} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			data, err := os.ReadFile(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			dec, err := tc.f.NewDecoder(data, "js")
			if err != nil {
				t.Fatalf("new decoder: %v", err)
			}
			res := formattest.DecodeAll(t.Context(), t, dec, 333)
			if res.Err != nil {
				t.Fatalf("decode: %v", res.Err)
			}
			columnartest.CheckRoundTrip(t, res, users)
		})
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
				got = append(got, columnartest.GoldenLines(res, true)...)
			}
			formattest.Golden(t, base+".golden.ndjson", got, *update)
		})
	}
}
