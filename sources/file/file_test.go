package file_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/ferry-dev/ferry/fixtures/sourcetest"
	"github.com/ferry-dev/ferry/formats/csv"
	"github.com/ferry-dev/ferry/formats/ndjson"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/sources/file"
)

func registry() *pipeline.Registry {
	r := pipeline.NewRegistry()
	r.AddFormat(pipeline.Format{
		Name: "ndjson", Exts: []string{".ndjson"},
		NewDecoder: func(rd io.Reader, src string) (pipeline.Decoder, error) {
			return ndjson.NewDecoder(rd, src, ndjson.Options{}), nil
		},
	})
	r.AddFormat(pipeline.Format{
		Name: "csv", Exts: []string{".csv"},
		NewDecoder: func(rd io.Reader, src string) (pipeline.Decoder, error) {
			return csv.NewDecoder(rd, src, csv.Options{}), nil
		},
	})
	return r
}

func ndjsonOf(users []profile.User) []byte {
	var b []byte
	for i := range users {
		b = profile.AppendJSON(b, &users[i])
		b = append(b, '\n')
	}
	return b
}

func gz(data []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(data)
	w.Close()
	return buf.Bytes()
}

func zst(data []byte) []byte {
	var buf bytes.Buffer
	w, _ := zstd.NewWriter(&buf)
	w.Write(data)
	w.Close()
	return buf.Bytes()
}

func TestConformance(t *testing.T) {
	tests := []struct {
		name, file string
		wrap       func([]byte) []byte
	}{
		{"plain", "users.ndjson", func(b []byte) []byte { return b }},
		{"gzip", "users.ndjson.gz", gz},
		{"zstd", "users.ndjson.zst", zst},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dirs := map[*testing.T]string{} // a subtest that opens twice (resume) reads one file
			sourcetest.Run(t, func(t *testing.T, users []profile.User) pipeline.Source {
				dir, ok := dirs[t]
				if !ok {
					dir = t.TempDir()
					dirs[t] = dir
				}
				path := filepath.Join(dir, tt.file)
				if err := os.WriteFile(path, tt.wrap(ndjsonOf(users)), 0o600); err != nil {
					t.Fatal(err)
				}
				src, err := file.Open(path, registry(), file.Options{BatchSize: 10})
				if err != nil {
					t.Fatal(err)
				}
				return src
			})
		})
	}
}

func TestOpen_GlobReadsEveryFileInNameOrder(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b.ndjson", "a.ndjson", "c.ndjson.gz"} {
		u := []profile.User{{Email: name + "@example.com"}}
		data := ndjsonOf(u)
		if filepath.Ext(name) == ".gz" {
			data = gz(data)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	src, err := file.Open(filepath.Join(dir, "*.ndjson*"), registry(), file.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var got []string
	for _, b := range sourcetest.ReadAll(t, src) {
		for _, r := range b.Records {
			got = append(got, r.User.Email)
		}
	}
	want := []string{"a.ndjson@example.com", "b.ndjson@example.com", "c.ndjson.gz@example.com"}
	if len(got) != len(want) {
		t.Fatalf("read %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("user %d is %s, want %s", i, got[i], want[i])
		}
	}
}

func TestOpen_RefusesWhatCannotBeRead(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "users.xyz"), []byte("x"), 0o600)
	tests := []struct {
		name, loc   string
		wantNoInput bool
	}{
		{"missing file", filepath.Join(dir, "nope.ndjson"), false},
		{"glob matching nothing", filepath.Join(dir, "*.csv"), true},
		{"unknown extension", filepath.Join(dir, "users.xyz"), false},
		{"stdin without a format", "-", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := file.Open(tt.loc, registry(), file.Options{})
			if err == nil {
				t.Fatal("Open succeeded")
			}
			if tt.wantNoInput && !errors.Is(err, file.ErrNoInput) {
				t.Errorf("got %v, want ErrNoInput", err)
			}
		})
	}
}

func TestNext_CSVRowsKeepTheirLineNumbers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.csv")
	data := "email,given_name\na@example.com,\"Ann\nMarie\"\nb@example.com,Bob\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := file.Open(path, registry(), file.Options{BatchSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var lines []int64
	for _, b := range sourcetest.ReadAll(t, src) {
		for _, r := range b.Records {
			lines = append(lines, r.Origin.Line)
		}
	}
	if len(lines) != 2 || lines[0] != 2 || lines[1] != 4 {
		t.Errorf("lines %v, want [2 4] (a quoted newline spans line 3)", lines)
	}
}
