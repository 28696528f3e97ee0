package parquet

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

	"github.com/ferry-dev/ferry/fixtures/formattest"
	"github.com/ferry-dev/ferry/formats/internal/columnar"
	"github.com/ferry-dev/ferry/formats/internal/columnartest"
)

var (
	update       = flag.Bool("update", false, "rewrite golden files")
	updateDuckDB = flag.Bool("update-duckdb", false, "rewrite the Parquet files DuckDB writes into testdata (needs node)")
)

func TestDuckDB_ReadsEveryValueFerryWrites(t *testing.T) {
	duckdbDir(t)
	users := columnartest.InteropUsers(400)
	opts := Options{IncludeSecrets: true, RowGroupRows: 150, Flatten: []string{"user_metadata.bio", "app_metadata.plan"}}
	path := columnartest.WriteTemp(t, "ferry.parquet", encodeFile(t, opts, users, 64))
	src := "read_parquet(" + sqlString(path) + ")"
	out := duckdb(t,
		`SELECT to_json(t)::VARCHAR, app_metadata::VARCHAR, user_metadata::VARCHAR, custom_password_hash::VARCHAR, extra::VARCHAR FROM
		  (SELECT * REPLACE (epoch_us(created_at) AS created_at, epoch_us(updated_at) AS updated_at,
		    epoch_us(last_login) AS last_login, epoch_us(last_password_reset) AS last_password_reset) FROM `+src+`) t`,
		`SELECT DISTINCT compression FROM parquet_metadata(`+sqlString(path)+`)`,
		`SELECT count(*) FROM parquet_metadata(`+sqlString(path)+`) WHERE path_in_schema = 'email' AND stats_min_value IS NOT NULL`,
		`SELECT count(DISTINCT row_group_id) FROM parquet_metadata(`+sqlString(path)+`)`,
	)
	rows := out[0]
	if len(rows) != len(users) {
		t.Fatalf("DuckDB read %d rows, ferry wrote %d", len(rows), len(users))
	}
	s, err := columnar.NewSchema(opts.columnar())
	if err != nil {
		t.Fatal(err)
	}
	for i := range users {
		u := &users[i]
		var got any
		if err := json.Unmarshal([]byte(rows[i][0].(string)), &got); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		if d := cmp.Diff(columnartest.Decode(t, columnartest.ExpectedRow(s, u, false), false), got); d != "" {
			t.Errorf("row %d differs (-ferry +DuckDB):\n%s", i, d)
		}
		for k, raw := range []json.RawMessage{u.AppMetadata, u.UserMetadata, u.CustomPasswordHash} {
			want := any(nil)
			if len(raw) > 0 {
				want = string(raw)
			}
			if got := rows[i][k+1]; got != want {
				t.Errorf("row %d: JSON column %d is %v in DuckDB, want the text ferry wrote", i, k+1, got)
			}
		}
	}
	if got := fmt.Sprint(out[1]); got != "[[ZSTD]]" {
		t.Errorf("compression %s, want ZSTD", got)
	}
	groups := fmt.Sprintf("[[%d]]", rowGroupsOf(len(users), 64, 150))
	if got := fmt.Sprint(out[3]); got != groups {
		t.Errorf("DuckDB sees %s row groups, want %s", got, groups)
	}
	if got := fmt.Sprint(out[2]); got != groups {
		t.Errorf("%s row groups have statistics for email, want all %s", got, groups)
	}
}

// rowGroupsOf is the number of row groups a file of n rows written in
// batches of per with at least rows rows per group has.
func rowGroupsOf(n, per, rows int) int {
	groups, in := 0, 0
	for i := 0; i < n; i += per {
		in += min(per, n-i)
		if in >= rows {
			groups, in = groups+1, 0
		}
	}
	if in > 0 {
		groups++
	}
	return groups
}

func TestFerry_ReadsWhatDuckDBRewrites(t *testing.T) {
	duckdbDir(t)
	users := columnartest.InteropUsers(2100) // more than DuckDB's 2048-row groups: two row groups without page index
	opts := Options{IncludeSecrets: true}
	in := columnartest.WriteTemp(t, "ferry.parquet", encodeFile(t, opts, users, 1000))
	out := filepath.Join(filepath.Dir(in), "duck.parquet")
	duckdb(t, `COPY (SELECT * FROM read_parquet(`+sqlString(in)+`)) TO `+sqlString(out)+
		` (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1024)`)
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	res := decodeAll(t, data, opts, 1000)
	columnartest.CheckRoundTrip(t, res, users)
}

func decodeAll(t *testing.T, data []byte, opts Options, n int) formattest.Result {
	t.Helper()
	dec, err := NewDecoder(bytes.NewReader(data), int64(len(data)), "in.parquet", opts)
	if err != nil {
		t.Fatalf("new decoder: %v", err)
	}
	res := formattest.DecodeAll(t.Context(), t, dec, n)
	if res.Err != nil {
		t.Fatalf("decode: %v", res.Err)
	}
	return res
}

// The Parquet files in testdata are written by DuckDB from the statements
// of the .sql file of the same name (rewritten with -update-duckdb); the
// users ferry reads from them are in the .golden.ndjson file (rewritten
// with -update).
func TestDecoder_ReadsDuckDBFiles(t *testing.T) {
	sqls, err := filepath.Glob("testdata/duckdb-*.sql")
	if err != nil || len(sqls) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, sqlPath := range sqls {
		name := strings.TrimSuffix(filepath.Base(sqlPath), ".sql")
		t.Run(name, func(t *testing.T) {
			pq := "testdata/" + name + ".parquet"
			if *updateDuckDB {
				sql, err := os.ReadFile(sqlPath)
				if err != nil {
					t.Fatal(err)
				}
				abs, _ := filepath.Abs(pq)
				duckdb(t, strings.ReplaceAll(string(sql), "$OUT", sqlString(abs)))
			}
			data, err := os.ReadFile(pq)
			if err != nil {
				t.Fatal(err)
			}
			res := decodeAll(t, data, Options{}, 2)
			formattest.Golden(t, "testdata/"+name+".golden.ndjson", columnartest.GoldenLines(res, false), *update)
		})
	}
}
