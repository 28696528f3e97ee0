package parquet

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ferry-dev/ferry/formats/internal/columnartest"
)

// DuckDB is the third-party reader and writer of the interoperability
// tests, from the npm package @duckdb/node-api, installed once into
// $FERRY_DUCKDB_DIR (default ~/.cache/ferry-duckdb, where
// ../shared/bench/duckdb installs it too).
var duckDB = columnartest.NodePackage{Spec: "@duckdb/node-api@1.5.6-r.1", DirEnv: "FERRY_DUCKDB_DIR", Dir: "ferry-duckdb"}

// duckScript runs each argument as one statement and prints the rows of
// each as JSON: [[row, …], …], a row being an array of values.
const duckScript = `
const { DuckDBInstance } = require(require.resolve('@duckdb/node-api', { paths: [process.env.NODE_PACKAGE_DIR] }));
(async () => {
  const inst = await DuckDBInstance.create(':memory:', { threads: '1' });
  const con = await inst.connect();
  const out = [];
  for (const sql of process.argv.slice(2)) {
    const r = await con.runAndReadAll(sql);
    out.push(r.getRowsJson());
  }
  process.stdout.write(JSON.stringify(out, (k, v) => typeof v === 'bigint' ? v.toString() : v));
})().catch((e) => { process.stderr.write(String(e && e.message || e)); process.exit(1); });
`

func duckdbDir(t *testing.T) string {
	t.Helper()
	return duckDB.Install(t)
}

// duckdb runs the statements in one DuckDB session and returns the rows of
// each.
func duckdb(t *testing.T, stmts ...string) [][][]any {
	t.Helper()
	out := columnartest.RunNode(t, duckdbDir(t), duckScript, stmts...)
	var rows [][][]any
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&rows); err != nil {
		t.Fatalf("duckdb output: %v", err)
	}
	return rows
}

// sqlString quotes s as a SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
