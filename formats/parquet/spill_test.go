package parquet

import (
	"bytes"
	"os"
	"testing"

	"github.com/ferry-dev/ferry/fixtures/formattest"
	"github.com/ferry-dev/ferry/formats/internal/columnartest"
)

// withSpillAt sets spillAt for the test.
func withSpillAt(t *testing.T, n int) {
	old := spillAt
	spillAt = n
	t.Cleanup(func() { spillAt = old })
}

func TestSpillBuf_KeepsEveryByteAcrossTheMoveToDisk(t *testing.T) {
	withSpillAt(t, 10)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var b spillBuf
	defer b.Close()
	var want []byte
	for i, p := range []string{"abcd", "efgh", "ij", "klmnopqrstu", "", "vwxyz"} {
		if err := b.Append([]byte(p)); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		want = append(want, p...)
	}
	if b.f == nil {
		t.Fatal("34 bytes past a 10-byte threshold stayed in memory")
	}
	if entries, _ := os.ReadDir(tmp); len(entries) > 0 {
		t.Errorf("the spilled index has a name in %s: %s", tmp, entries[0].Name())
	}
	if b.Len() != int64(len(want)) {
		t.Errorf("Len = %d, want %d", b.Len(), len(want))
	}
	for _, r := range [][2]int64{{0, 4}, {3, 12}, {8, 26}, {26, 26}, {0, int64(len(want))}} {
		got, err := b.AppendRange([]byte("x"), r[0], r[1])
		if err != nil || string(got) != "x"+string(want[r[0]:r[1]]) {
			t.Errorf("AppendRange(%d, %d) = %q, %v", r[0], r[1], got, err)
		}
	}
	var all bytes.Buffer
	if _, err := b.WriteTo(&all); err != nil || !bytes.Equal(all.Bytes(), want) {
		t.Errorf("WriteTo = %q, %v; want %q", all.Bytes(), err, want)
	}
}

func TestWriter_SpilledPageIndexWritesTheSameFile(t *testing.T) {
	users := formattest.Generate(200)
	opts := Options{IncludeSecrets: true, RowGroupRows: 40}
	inMemory := encodeFile(t, opts, users, 9)
	withSpillAt(t, 0)
	if spilled := encodeFile(t, opts, users, 9); !bytes.Equal(spilled, inMemory) {
		t.Errorf("a page index spilled to disk gives another file (%d vs %d bytes)", len(spilled), len(inMemory))
	}
}

func TestConformance_PageIndexOnDisk(t *testing.T) {
	withSpillAt(t, 0)
	columnartest.Run(t, conformanceFormat(Options{IncludeSecrets: true, Compression: "none", RowGroupRows: 3}))
}
