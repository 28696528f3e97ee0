package breach

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// digests returns n distinct pseudo-random digests of the given size,
// sorted, from a fixed seed.
func digests(n, size int, seed uint64) [][]byte {
	r := rand.New(rand.NewPCG(seed, 7))
	seen := make(map[string]bool, n)
	out := make([][]byte, 0, n)
	for len(out) < n {
		d := make([]byte, size)
		for i := range d {
			d[i] = byte(r.Uint32())
		}
		if !seen[string(d)] {
			seen[string(d)] = true
			out = append(out, d)
		}
	}
	slices.SortFunc(out, bytes.Compare)
	return out
}

// writeHIBP writes HEX:COUNT lines with CRLF endings, as the downloader does.
func writeHIBP(t *testing.T, ds [][]byte, counts func(i int) int) string {
	t.Helper()
	var b strings.Builder
	for i, d := range ds {
		fmt.Fprintf(&b, "%s:%d\r\n", strings.ToUpper(hex.EncodeToString(d)), counts(i))
	}
	path := filepath.Join(t.TempDir(), "pwned.txt")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func buildOpen(t *testing.T, src string, opts BuildOptions) (*Index, BuildStats) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "index.bix")
	st, err := Build(t.Context(), src, out, opts)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	ix, err := Open(out)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix, st
}

func one(int) int { return 1 }

// falsePositives counts digests of absent the index claims.
func falsePositives(ix *Index, absent [][]byte) int {
	fp := 0
	for _, d := range absent {
		if ix.Contains(d) {
			fp++
		}
	}
	return fp
}

func TestBuild_HIBPFileContainsEveryHashAndFewOthers(t *testing.T) {
	ds := digests(20000, 20, 1)
	src := writeHIBP(t, ds, one)
	absent := digests(50000, 20, 99) // distinct from ds with overwhelming probability
	tests := []struct {
		name   string
		opts   BuildOptions
		maxFPs int // of 50,000 absent digests
	}{
		{"fuse8", BuildOptions{}, 500},                   // expected ≈ 195
		{"fuse16", BuildOptions{FingerprintBits: 16}, 6}, // expected ≈ 0.8
		{"fuse8 exact", BuildOptions{Exact: true}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix, st := buildOpen(t, src, tt.opts)
			if st.Keys != uint64(len(ds)) || ix.Len() != uint64(len(ds)) || !st.Sorted {
				t.Fatalf("stats = %+v, Len = %d", st, ix.Len())
			}
			for _, d := range ds {
				if !ix.Contains(d) {
					t.Fatalf("a built digest is missing")
				}
			}
			if fp := falsePositives(ix, absent); fp > tt.maxFPs {
				t.Fatalf("%d false positives in %d, want ≤ %d", fp, len(absent), tt.maxFPs)
			}
			if ix.Contains(ds[0][:16]) {
				t.Fatalf("a digest of the wrong length matched")
			}
		})
	}
}

func TestBuild_ShardsBoundEachBuild(t *testing.T) {
	ds := digests(5000, 20, 2)
	src := writeHIBP(t, ds, one)
	ix, st := buildOpen(t, src, BuildOptions{MaxShardKeys: 500, Exact: true})
	if st.Shards < 8 {
		t.Fatalf("shards = %d, want ≥ 8 for 5000 keys at 500 a shard", st.Shards)
	}
	for _, e := range ix.entries {
		if e.keys > 1500 {
			t.Fatalf("a shard holds %d keys", e.keys)
		}
	}
	for _, d := range ds {
		if !ix.Contains(d) {
			t.Fatal("missing digest")
		}
	}
}

func TestBuild_UnsortedInputFallsBackToScatter(t *testing.T) {
	ds := digests(3000, 20, 3)
	shuffled := slices.Clone(ds)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	src := writeHIBP(t, shuffled, one)
	ix, st := buildOpen(t, src, BuildOptions{ShardBits: 3, Exact: true})
	if st.Sorted || st.Keys != 3000 {
		t.Fatalf("stats = %+v, want unsorted with 3000 keys", st)
	}
	for _, d := range ds {
		if !ix.Contains(d) {
			t.Fatal("missing digest")
		}
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(src), "ferry-breach-*")); len(left) > 0 {
		t.Fatalf("scatter files left behind: %v", left)
	}
}

func TestBuild_DirectoryOfPrefixFiles(t *testing.T) {
	dir := t.TempDir()
	ds := digests(300, 16, 4)
	files := map[string]*strings.Builder{}
	for _, d := range ds {
		h := strings.ToUpper(hex.EncodeToString(d))
		b := files[h[:5]]
		if b == nil {
			b = &strings.Builder{}
			files[h[:5]] = b
		}
		fmt.Fprintf(b, "%s:3\r\n", h[5:])
	}
	for p, b := range files {
		if err := os.WriteFile(filepath.Join(dir, p+".txt"), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("not a prefix file"), 0o644)
	ix, st := buildOpen(t, dir, BuildOptions{Kind: NTLM, Exact: true})
	if st.Keys != 300 || ix.Kind() != NTLM || !st.Sorted {
		t.Fatalf("stats = %+v", st)
	}
	for _, d := range ds {
		if !ix.Contains(d) {
			t.Fatal("missing digest")
		}
	}
}

func TestBuild_PlainListIsHashedByKind(t *testing.T) {
	src := filepath.Join(t.TempDir(), "top.txt")
	os.WriteFile(src, []byte("123456\npassword\r\nqwerty\n\nletmein"), 0o644)
	for _, kind := range []Kind{SHA1, NTLM} {
		ix, st := buildOpen(t, src, BuildOptions{Kind: kind, Exact: true})
		if st.Keys != 4 || st.Skipped != 1 {
			t.Fatalf("%s: stats = %+v", kind, st)
		}
		for _, pw := range []string{"123456", "password", "qwerty", "letmein"} {
			if !ix.ContainsPassword([]byte(pw)) {
				t.Fatalf("%s: a listed password is missing", kind)
			}
		}
		if ix.ContainsPassword([]byte("correct horse battery staple")) {
			t.Fatalf("%s: an unlisted password matched", kind)
		}
	}
}

func TestKind_SumMatchesPublishedDigests(t *testing.T) {
	// SHA-1 of "password" as in the Pwned Passwords API docs (range 5BAA6);
	// its NT hash as commonly published.
	if got := strings.ToUpper(hex.EncodeToString(SHA1.Sum([]byte("password")))); got != "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8" {
		t.Errorf("sha1 = %s", got)
	}
	if got := strings.ToUpper(hex.EncodeToString(NTLM.Sum([]byte("password")))); got != "8846F7EAEE8FB117AD06BDD830B7586C" {
		t.Errorf("ntlm = %s", got)
	}
}

func TestBuild_MinCountSkipsRareEntries(t *testing.T) {
	ds := digests(100, 20, 5)
	src := writeHIBP(t, ds, func(i int) int { return i })
	ix, st := buildOpen(t, src, BuildOptions{MinCount: 50, Exact: true})
	if st.Keys != 50 || st.Skipped != 50 {
		t.Fatalf("stats = %+v", st)
	}
	if ix.Contains(ds[10]) || !ix.Contains(ds[60]) {
		t.Fatal("MinCount not applied")
	}
}

func TestBuild_RejectsKindMismatchAndBadLines(t *testing.T) {
	src := writeHIBP(t, digests(10, 20, 6), one)
	if _, err := Build(t.Context(), src, filepath.Join(t.TempDir(), "x"), BuildOptions{Kind: NTLM}); !errors.Is(err, ErrKind) {
		t.Fatalf("kind mismatch: err = %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.txt")
	os.WriteFile(bad, []byte("5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8:1\n5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD9:2\nSECRETLINE:3\n"), 0o644)
	out := filepath.Join(t.TempDir(), "x")
	_, err := Build(t.Context(), bad, out, BuildOptions{})
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "line 3") || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("bad line: err = %v", err)
	}
	if _, statErr := os.Stat(out); !os.IsNotExist(statErr) {
		t.Fatalf("a failed build left its output")
	}
	if left, _ := filepath.Glob(out + ".tmp-*"); len(left) > 0 {
		t.Fatalf("a failed build left %v", left)
	}
}

func TestBuild_StopsOnCanceledContext(t *testing.T) {
	src := writeHIBP(t, digests(10, 20, 6), one)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Build(ctx, src, filepath.Join(t.TempDir(), "x"), BuildOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestBuild_IsDeterministic(t *testing.T) {
	src := writeHIBP(t, digests(3000, 20, 8), one)
	dir := t.TempDir()
	var files [2][]byte
	for i := range files {
		out := filepath.Join(dir, fmt.Sprint(i))
		if _, err := Build(t.Context(), src, out, BuildOptions{Exact: true, ShardBits: 2}); err != nil {
			t.Fatal(err)
		}
		files[i], _ = os.ReadFile(out)
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Fatal("two builds of one input differ")
	}
}

func TestBuild_EmptyInputGivesEmptyIndex(t *testing.T) {
	src := filepath.Join(t.TempDir(), "empty.txt")
	os.WriteFile(src, nil, 0o644)
	ix, st := buildOpen(t, src, BuildOptions{Exact: true})
	if st.Keys != 0 || ix.ContainsPassword([]byte("password")) {
		t.Fatalf("stats = %+v", st)
	}
}

func TestOpen_DetectsCorruption(t *testing.T) {
	src := writeHIBP(t, digests(2000, 20, 9), one)
	good := filepath.Join(t.TempDir(), "good.bix")
	if _, err := Build(t.Context(), src, good, BuildOptions{Exact: true, ShardBits: 1}); err != nil {
		t.Fatal(err)
	}
	orig, _ := os.ReadFile(good)
	corrupt := func(name string, mutate func([]byte) []byte) string {
		p := filepath.Join(t.TempDir(), name)
		os.WriteFile(p, mutate(slices.Clone(orig)), 0o644)
		return p
	}
	tests := []struct {
		name   string
		mutate func([]byte) []byte
		open   error // from Open
		verify error // from Verify, when Open succeeds
	}{
		{"magic", func(b []byte) []byte { b[0] ^= 1; return b }, ErrFormat, nil},
		{"header byte", func(b []byte) []byte { b[16] ^= 1; return b }, ErrChecksum, nil},
		{"table byte", func(b []byte) []byte { b[headerSize+3] ^= 1; return b }, ErrChecksum, nil},
		{"truncated", func(b []byte) []byte { return b[:headerSize+10] }, ErrFormat, nil},
		{"short", func(b []byte) []byte { return b[:10] }, ErrFormat, nil},
		{"data byte", func(b []byte) []byte { b[len(b)-100] ^= 1; return b }, nil, ErrChecksum},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix, err := Open(corrupt(tt.name, tt.mutate))
			if !errors.Is(err, tt.open) || (tt.open == nil) != (err == nil) {
				t.Fatalf("Open err = %v, want %v", err, tt.open)
			}
			if ix == nil {
				return
			}
			defer ix.Close()
			if err := ix.Verify(); !errors.Is(err, tt.verify) {
				t.Fatalf("Verify err = %v, want %v", err, tt.verify)
			}
		})
	}
	ix, err := Open(good)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if err := ix.Verify(); err != nil {
		t.Fatalf("Verify(good) = %v", err)
	}
}

// FuzzNewIndex checks that no file content panics Open's decoding or a
// lookup.
func FuzzNewIndex(f *testing.F) {
	dir := f.TempDir()
	src := filepath.Join(dir, "l.txt")
	os.WriteFile(src, []byte("a\nb\nc\n"), 0o644)
	for i, opts := range []BuildOptions{{}, {Exact: true, FingerprintBits: 16, ShardBits: 2}} {
		out := filepath.Join(dir, fmt.Sprint(i))
		if _, err := Build(context.Background(), src, out, opts); err != nil {
			f.Fatal(err)
		}
		b, _ := os.ReadFile(out)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		data := make([]byte, len(b)+64)
		copy(data, b)
		data = data[:len(b)]
		ix, err := newIndex(data, func([]byte) error { return nil })
		if err != nil {
			return
		}
		ix.ContainsPassword([]byte("a"))
		ix.Contains(make([]byte, 20))
		ix.Contains(bytes.Repeat([]byte{0xff}, 20))
		_ = ix.Verify()
	})
}

func TestSearchUniform_AgreesWithBinarySearch(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 2, 3, 17, 1000, 100000} {
		e := make([]uint64, n)
		for i := range e {
			e[i] = r.Uint64()
			if i%7 == 0 && i > 0 {
				e[i] = e[i-1] // duplicates and clusters must not confuse it
			}
		}
		slices.Sort(e)
		probe := func(k uint64) {
			_, want := slices.BinarySearch(e, k)
			if got := searchUniform(e, k); got != want {
				t.Fatalf("n=%d: searchUniform(%d) = %v, want %v", n, k, got, want)
			}
		}
		for _, k := range e {
			probe(k)
			probe(k + 1)
			probe(k - 1)
		}
		for range 1000 {
			probe(r.Uint64())
		}
		probe(0)
		probe(^uint64(0))
	}
}
