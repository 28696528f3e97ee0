package parquet

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/ferry-dev/ferry/fixtures/formattest"
)

func TestInspect_DescribesFerryFile(t *testing.T) {
	users := formattest.Generate(250)
	data := encodeFile(t, Options{RowGroupRows: 100, Flatten: []string{"app_metadata.plan"}}, users, 50)
	info, err := Inspect(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("inspect: %v", err)
	}
	if info.Rows != 250 || info.CreatedBy != CreatedBy || info.Size != int64(len(data)) {
		t.Errorf("rows %d, created by %q, size %d", info.Rows, info.CreatedBy, info.Size)
	}
	if got := len(info.RowGroups); got != 3 {
		t.Errorf("%d row groups, want 3 (100, 100, 50 rows)", got)
	}
	var rows int64
	for i, rg := range info.RowGroups {
		rows += rg.Rows
		if !rg.PageIndex || rg.CompressedBytes <= 0 {
			t.Errorf("row group %d: %+v, want a page index and bytes", i, rg)
		}
	}
	if rows != info.Rows {
		t.Errorf("row groups hold %d rows, the file %d", rows, info.Rows)
	}
	byName := map[string]FieldInfo{}
	for _, f := range info.Fields {
		byName[f.Name] = f
	}
	if f := byName["app_metadata.plan"]; !f.Ignored {
		t.Errorf("flattened column: %+v, want it ignored (app_metadata holds it)", f)
	}
	if f := byName["email"]; f.Path != "email" || f.Unknown || f.Ignored {
		t.Errorf("email: %+v", f)
	}
	found := false
	for _, c := range info.Columns {
		if c.Path == "email" {
			found = true
			if c.Codec != "ZSTD" || c.Logical != "STRING" || c.Values != 250 || c.Physical != "BYTE_ARRAY" {
				t.Errorf("email column: %+v", c)
			}
		}
	}
	if !found {
		t.Errorf("no email column in %+v", info.Columns)
	}
	if !strings.Contains(info.Schema, "optional group identities (LIST)") {
		t.Errorf("schema lacks the identities list:\n%s", info.Schema)
	}
	// Inspect reports no value of the file.
	js, _ := json.Marshal(info)
	for _, u := range users[:20] {
		if bytes.Contains(js, []byte(u.Email)) || bytes.Contains(js, []byte(u.UserID)) {
			t.Fatalf("inspect output holds a user's email or id")
		}
	}
}

func TestInspect_MapsForeignColumns(t *testing.T) {
	data, err := os.ReadFile("testdata/duckdb-aliases.parquet")
	if err != nil {
		t.Fatal(err)
	}
	info, err := Inspect(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("inspect: %v", err)
	}
	want := map[string]FieldInfo{
		"Email":      {Name: "Email", Path: "email"},
		"firstName":  {Name: "firstName", Path: "given_name"},
		"department": {Name: "department", Path: "department", Unknown: true},
	}
	seen := 0
	for _, f := range info.Fields {
		if w, ok := want[f.Name]; ok {
			seen++
			if f != w {
				t.Errorf("field %s: %+v, want %+v", f.Name, f, w)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("found %d of the %d fields", seen, len(want))
	}
	if !strings.HasPrefix(info.CreatedBy, "DuckDB") {
		t.Errorf("created by %q", info.CreatedBy)
	}
	if len(info.RowGroups) != 1 || info.RowGroups[0].PageIndex || info.RowGroups[0].Rows != 3 {
		t.Errorf("row groups %+v, want one of 3 rows without page index", info.RowGroups)
	}
}

func TestInspect_RejectsNonParquet(t *testing.T) {
	for _, in := range []string{"", "PAR1", "not parquet at all, not at all", "PAR1\x00\x00\x00\x00\xff\xff\xff\x7fPAR1"} {
		if _, err := Inspect(strings.NewReader(in), int64(len(in))); !errors.Is(err, ErrNotParquet) {
			t.Errorf("%q: %v, want ErrNotParquet", in, err)
		}
	}
}
