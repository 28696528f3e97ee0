package breach

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"
	"unsafe"

	"github.com/FastFilter/xorfilter"
)

// InputFormat names what Build reads.
type InputFormat int

// Input formats. InputAuto looks at the source: a directory is read as the
// HIBP downloader's per-prefix files; a file whose first line is
// HASH:COUNT as its single-file output; anything else as a plain list of
// passwords, one a line.
const (
	InputAuto InputFormat = iota
	InputHIBP
	InputPlain
)

// BuildOptions tune Build. The zero value builds an 8-bit SHA-1 filter
// without the exact tier, sharded so that no shard exceeds 2^24 keys.
type BuildOptions struct {
	Kind            Kind        // SHA1 (default) or NTLM
	Input           InputFormat // default InputAuto
	FingerprintBits int         // 8 (default, ~0.4 % false positives) or 16 (~0.0015 %)
	// Exact adds a sorted array of the keys (8 bytes each) that confirms
	// every filter hit.
	Exact bool
	// MinCount skips HIBP entries seen fewer times (0 keeps all).
	MinCount int
	// MaxShardKeys bounds the keys built at once, and so the build memory
	// (about 33 bytes a key, ~560 MB at the default 2^24). Shards are
	// chosen from the input size so that each stays under it.
	MaxShardKeys int
	// ShardBits forces 2^ShardBits shards (0 chooses; at most 8).
	ShardBits int
	// TempDir holds the scatter files of an input not in hash order
	// (8 bytes a key). Default: the output's directory.
	TempDir string
}

const maxBuildShardBits = 8

func (o BuildOptions) withDefaults(out string) (BuildOptions, error) {
	if o.Kind == 0 {
		o.Kind = SHA1
	}
	if o.Kind.Size() == 0 {
		return o, fmt.Errorf("%w: %d", ErrKind, o.Kind)
	}
	if o.FingerprintBits == 0 {
		o.FingerprintBits = 8
	}
	if o.FingerprintBits != 8 && o.FingerprintBits != 16 {
		return o, fmt.Errorf("breach: build: fingerprint bits %d, want 8 or 16", o.FingerprintBits)
	}
	if o.MaxShardKeys <= 0 {
		o.MaxShardKeys = 1 << 24
	}
	if o.ShardBits < 0 || o.ShardBits > maxBuildShardBits {
		return o, fmt.Errorf("breach: build: shard bits %d, want 0..%d", o.ShardBits, maxBuildShardBits)
	}
	if o.TempDir == "" {
		o.TempDir = filepath.Dir(out)
	}
	return o, nil
}

// BuildStats describes a finished build.
type BuildStats struct {
	Lines   int64 // input lines read
	Skipped int64 // blank lines and HIBP entries under MinCount
	Keys    uint64
	Shards  int
	Bytes   int64 // index file size
	// Sorted reports that the input arrived in hash order, so no scatter
	// files were written.
	Sorted  bool
	Elapsed time.Duration
}

// Build writes a breach index of the corpus at src to out: the HIBP
// downloader's output (one file of HASH:COUNT lines, or a directory of
// per-prefix files of SUFFIX:COUNT lines) or a plain list of passwords.
// The index is written to a temporary file beside out and renamed into
// place when complete. Memory stays bounded by opts.MaxShardKeys whatever
// the corpus size: input in hash order (the downloader's) is built shard by
// shard as it streams; other input is first scattered into per-shard
// temporary files.
func Build(ctx context.Context, src, out string, opts BuildOptions) (BuildStats, error) {
	start := time.Now()
	opts, err := opts.withDefaults(out)
	if err != nil {
		return BuildStats{}, err
	}
	in, err := openInput(src, opts)
	if err != nil {
		return BuildStats{}, err
	}
	st, err := build(ctx, in, out, opts)
	st.Elapsed = time.Since(start)
	return st, err
}

// input is a source of keys.
type input struct {
	// stream calls emit with every key, in input order.
	stream func(ctx context.Context, st *BuildStats, emit func(uint64) error) error
	// estimate is an upper estimate of the number of keys.
	estimate int64
	// ordered means the keys are expected in hash order.
	ordered bool
}

// openInput detects the input format and prepares its stream.
func openInput(src string, opts BuildOptions) (input, error) {
	fi, err := os.Stat(src)
	if err != nil {
		return input{}, fmt.Errorf("breach: build: %w", err)
	}
	hexLen := 2 * opts.Kind.Size()
	if fi.IsDir() {
		if opts.Input == InputPlain {
			return input{}, fmt.Errorf("%w: a plain list must be a file", ErrFormat)
		}
		return openHIBPDir(src, opts)
	}
	format := opts.Input
	if format == InputAuto {
		format, err = sniff(src, opts.Kind)
		if err != nil {
			return input{}, err
		}
	}
	if format == InputHIBP {
		return input{ordered: true, estimate: fi.Size()/int64(hexLen+3) + 1,
			stream: func(ctx context.Context, st *BuildStats, emit func(uint64) error) error {
				return readLines(ctx, src, st, bufio.NewReaderSize(nil, 1<<20), func(line []byte, n int64) error {
					k, ok, err := parseHIBPLine(line, nil, hexLen, opts.MinCount)
					if err != nil {
						return fmt.Errorf("%w: line %d", err, n)
					}
					if !ok {
						st.Skipped++
						return nil
					}
					return emit(k)
				})
			}}, nil
	}
	kind := opts.Kind
	return input{estimate: fi.Size()/4 + 1,
		stream: func(ctx context.Context, st *BuildStats, emit func(uint64) error) error {
			return readLines(ctx, src, st, bufio.NewReaderSize(nil, 1<<20), func(line []byte, _ int64) error {
				if len(line) == 0 {
					st.Skipped++
					return nil
				}
				return emit(binary.BigEndian.Uint64(kind.Sum(line)))
			})
		}}, nil
}

// sniff reads the first non-blank line of a file to tell HIBP output from a
// password list.
func sniff(path string, kind Kind) (InputFormat, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("breach: build: %w", err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadSlice('\n')
		line = bytes.TrimRight(line, "\r\n")
		if len(line) > 0 {
			h, _, ok := bytes.Cut(line, []byte{':'})
			if ok && (len(h) == 40 || len(h) == 32) && isHexBytes(h) {
				if len(h) != 2*kind.Size() {
					return 0, fmt.Errorf("%w: input holds %d-hex-digit hashes, kind %s needs %d", ErrKind, len(h), kind, 2*kind.Size())
				}
				return InputHIBP, nil
			}
			return InputPlain, nil
		}
		if err != nil {
			return InputPlain, nil
		}
	}
}

// openHIBPDir reads the downloader's per-prefix directory: files named by a
// 5-hex-digit prefix (any extension) of SUFFIX:COUNT lines, in name order.
func openHIBPDir(dir string, opts BuildOptions) (input, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return input{}, fmt.Errorf("breach: build: %w", err)
	}
	type pf struct {
		path   string
		prefix uint64
	}
	var files []pf
	var size int64
	for _, e := range ents {
		name := e.Name()
		base := name
		if i := bytes.IndexByte([]byte(name), '.'); i >= 0 {
			base = name[:i]
		}
		if e.IsDir() || len(base) != 5 || !isHexBytes([]byte(base)) {
			continue
		}
		p, _ := parseHex([]byte(base))
		files = append(files, pf{filepath.Join(dir, name), p})
		if fi, err := e.Info(); err == nil {
			size += fi.Size()
		}
	}
	if len(files) == 0 {
		return input{}, fmt.Errorf("%w: no prefix files in directory", ErrFormat)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].prefix < files[j].prefix })
	suffixLen := 2*opts.Kind.Size() - 5
	return input{ordered: true, estimate: size/int64(suffixLen+3) + 1,
		stream: func(ctx context.Context, st *BuildStats, emit func(uint64) error) error {
			var pre [5]byte
			r := bufio.NewReaderSize(nil, 64<<10)
			for _, f := range files {
				copy(pre[:], fmt.Sprintf("%05X", f.prefix))
				err := readLines(ctx, f.path, st, r, func(line []byte, n int64) error {
					k, ok, err := parseHIBPLine(line, pre[:], suffixLen, opts.MinCount)
					if err != nil {
						return fmt.Errorf("%w: file %s line %d", err, filepath.Base(f.path), n)
					}
					if !ok {
						st.Skipped++
						return nil
					}
					return emit(k)
				})
				if err != nil {
					return err
				}
			}
			return nil
		}}, nil
}

// readLines calls fn with each line of path (without its line ending) and
// its 1-based number, checking ctx every 2^20 lines. r is reset to read
// the file, so one buffer serves a million prefix files.
func readLines(ctx context.Context, path string, st *BuildStats, r *bufio.Reader, fn func([]byte, int64) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("breach: build: %w", err)
	}
	defer f.Close()
	r.Reset(f)
	var n int64
	for {
		line, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return fmt.Errorf("%w: line %d longer than 1 MiB", ErrFormat, n+1)
		}
		if len(line) > 0 {
			n++
			st.Lines++
			if n&(1<<20-1) == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			line = bytes.TrimSuffix(line, []byte{'\n'})
			line = bytes.TrimSuffix(line, []byte{'\r'})
			if err := fn(line, n); err != nil {
				return err
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("breach: build: read: %w", err)
		}
	}
}

// parseHIBPLine reads "HEX:COUNT" (prefix nil, hexLen digits) or, in a
// prefix file, "SUFFIX:COUNT" after the 5-digit prefix. ok is false for a
// blank line or a count under min. The error never quotes the line.
func parseHIBPLine(line, prefix []byte, hexLen, min int) (uint64, bool, error) {
	if len(line) == 0 {
		return 0, false, nil
	}
	h, count, ok := bytes.Cut(line, []byte{':'})
	if !ok || len(h) != hexLen || !isHexBytes(h) || !isDigitBytes(count) {
		return 0, false, fmt.Errorf("%w: want HASH:COUNT", ErrFormat)
	}
	if min > 0 && countBelow(count, min) {
		return 0, false, nil
	}
	if prefix == nil {
		k, _ := parseHex(h[:16])
		return k, true, nil
	}
	p, _ := parseHex(prefix)
	s, _ := parseHex(h[:11])
	return p<<44 | s, true, nil
}

// countBelow reports whether the decimal count is under min without
// overflowing on long counts.
func countBelow(count []byte, min int) bool {
	if len(count) > 10 {
		return false
	}
	n := 0
	for _, c := range count {
		n = n*10 + int(c-'0')
	}
	return n < min
}

var hexVal = func() (t [256]uint8) {
	for i := range t {
		t[i] = 0xff
	}
	for i := 0; i < 10; i++ {
		t['0'+i] = uint8(i)
	}
	for i := 0; i < 6; i++ {
		t['a'+i], t['A'+i] = uint8(10+i), uint8(10+i)
	}
	return t
}()

// parseHex reads up to 16 hex digits.
func parseHex(b []byte) (uint64, bool) {
	var v uint64
	for _, c := range b {
		d := hexVal[c]
		if d == 0xff {
			return 0, false
		}
		v = v<<4 | uint64(d)
	}
	return v, true
}

func isHexBytes(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if hexVal[c] == 0xff {
			return false
		}
	}
	return true
}

func isDigitBytes(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// errUnsorted stops a streaming build when the input leaves hash order.
var errUnsorted = errors.New("input not in hash order")

// build runs the streaming or scatter build of in into out.
func build(ctx context.Context, in input, out string, opts BuildOptions) (BuildStats, error) {
	if !littleEndian() {
		return BuildStats{}, fmt.Errorf("%w: index files are little-endian; this host is not", ErrFormat)
	}
	bits := opts.ShardBits
	if bits == 0 {
		for bits < maxBuildShardBits && in.estimate > int64(opts.MaxShardKeys)<<bits {
			bits++
		}
	}
	w, err := newIndexWriter(out, opts, uint8(bits))
	if err != nil {
		return BuildStats{}, err
	}
	defer w.abort()
	var st BuildStats
	if in.ordered {
		err = streamBuild(ctx, in, w, &st)
		if errors.Is(err, errUnsorted) {
			if err = w.reset(); err == nil {
				st = BuildStats{}
				err = scatterBuild(ctx, in, w, opts, &st)
			}
		} else if err == nil {
			st.Sorted = true
		}
	} else {
		err = scatterBuild(ctx, in, w, opts, &st)
	}
	if err != nil {
		return st, err
	}
	size, err := w.finish()
	if err != nil {
		return st, err
	}
	st.Keys, st.Shards, st.Bytes = w.hdr.keys, len(w.entries), size
	return st, nil
}

// streamBuild builds each shard as soon as the input moves past it.
func streamBuild(ctx context.Context, in input, w *indexWriter, st *BuildStats) error {
	cur := 0
	var buf []uint64
	err := in.stream(ctx, st, func(k uint64) error {
		s := int(k >> w.shift)
		if s < cur {
			return errUnsorted
		}
		for cur < s {
			if err := w.writeShard(cur, buf); err != nil {
				return err
			}
			buf, cur = buf[:0], cur+1
		}
		buf = append(buf, k)
		return nil
	})
	if err != nil {
		return err
	}
	for ; cur < len(w.entries); cur++ {
		if err := w.writeShard(cur, buf); err != nil {
			return err
		}
		buf = buf[:0]
	}
	return ctx.Err()
}

// scatterBuild writes every key to its shard's temporary file, then builds
// the shards one by one.
func scatterBuild(ctx context.Context, in input, w *indexWriter, opts BuildOptions, st *BuildStats) error {
	dir, err := os.MkdirTemp(opts.TempDir, "ferry-breach-")
	if err != nil {
		return fmt.Errorf("breach: build: scatter dir: %w", err)
	}
	defer os.RemoveAll(dir)
	n := len(w.entries)
	files := make([]*os.File, n)
	writers := make([]*bufio.Writer, n)
	bufSize := min(max((256<<20)/n, 4<<10), 4<<20)
	defer func() {
		for _, f := range files {
			if f != nil {
				f.Close()
			}
		}
	}()
	for i := range files {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%03x", i)))
		if err != nil {
			return fmt.Errorf("breach: build: scatter file: %w", err)
		}
		files[i], writers[i] = f, bufio.NewWriterSize(f, bufSize)
	}
	var tmp [8]byte
	err = in.stream(ctx, st, func(k uint64) error {
		binary.LittleEndian.PutUint64(tmp[:], k)
		_, err := writers[k>>w.shift].Write(tmp[:])
		return err
	})
	if err != nil {
		return err
	}
	var keys []uint64
	for i, f := range files {
		if err := writers[i].Flush(); err != nil {
			return fmt.Errorf("breach: build: scatter flush: %w", err)
		}
		size, err := f.Seek(0, io.SeekEnd)
		if err != nil {
			return fmt.Errorf("breach: build: scatter: %w", err)
		}
		keys = slices.Grow(keys[:0], int(size/8))[:size/8]
		if _, err := f.ReadAt(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(keys))), size), 0); err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("breach: build: scatter read: %w", err)
		}
		f.Close()
		files[i] = nil
		os.Remove(f.Name())
		if err := w.writeShard(i, keys); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// indexWriter lays out an index file: header and table are reserved at the
// start and written last.
type indexWriter struct {
	path, tmp string
	f         *os.File
	bw        *bufio.Writer
	off       uint64
	hdr       header
	entries   []entry
	shift     uint
	builder   xorfilter.BinaryFuseBuilder
	done      bool
}

func newIndexWriter(out string, opts BuildOptions, bits uint8) (*indexWriter, error) {
	f, err := os.CreateTemp(filepath.Dir(out), filepath.Base(out)+".tmp-")
	if err != nil {
		return nil, fmt.Errorf("breach: build: create index: %w", err)
	}
	w := &indexWriter{path: out, tmp: f.Name(), f: f, shift: 64 - uint(bits),
		hdr:     header{kind: opts.Kind, fpBits: uint8(opts.FingerprintBits), shardBits: bits, shards: 1 << bits},
		entries: make([]entry, 1<<bits)}
	if opts.Exact {
		w.hdr.flags |= flagExact
	}
	return w, w.reset()
}

// reset discards what was written and starts the data after the table.
func (w *indexWriter) reset() error {
	if err := w.f.Truncate(0); err != nil {
		return fmt.Errorf("breach: build: truncate: %w", err)
	}
	if _, err := w.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("breach: build: seek: %w", err)
	}
	w.bw = bufio.NewWriterSize(w.f, 1<<20)
	w.off = 0
	w.hdr.keys = 0
	clear(w.entries)
	return w.pad(headerSize + uint64(len(w.entries))*entrySize)
}

// pad writes zeros up to offset to.
func (w *indexWriter) pad(to uint64) error {
	var zeros [alignment]byte
	for w.off < to {
		n := min(to-w.off, alignment)
		if _, err := w.bw.Write(zeros[:n]); err != nil {
			return fmt.Errorf("breach: build: write: %w", err)
		}
		w.off += n
	}
	return nil
}

func (w *indexWriter) align() error {
	return w.pad((w.off + alignment - 1) / alignment * alignment)
}

func (w *indexWriter) write(b []byte) error {
	if _, err := w.bw.Write(b); err != nil {
		return fmt.Errorf("breach: build: write: %w", err)
	}
	w.off += uint64(len(b))
	return nil
}

// writeShard sorts and deduplicates keys (in place), builds the shard's
// filter and appends its data.
func (w *indexWriter) writeShard(i int, keys []uint64) error {
	slices.Sort(keys)
	keys = slices.Compact(keys)
	e := entry{keys: uint64(len(keys))}
	var crc uint32
	if err := w.align(); err != nil {
		return err
	}
	e.fpOff = w.off
	if len(keys) > 0 {
		var fp []byte
		if w.hdr.fpBits == 8 {
			f, err := xorfilter.BuildBinaryFuse[uint8](&w.builder, keys)
			if err != nil {
				return fmt.Errorf("breach: build: shard %d filter: %w", i, err)
			}
			e.seed, e.segLen, e.segLenMask, e.segCount, e.segCountLen = f.Seed, f.SegmentLength, f.SegmentLengthMask, f.SegmentCount, f.SegmentCountLength
			e.fpLen = uint32(len(f.Fingerprints))
			fp = f.Fingerprints
		} else {
			f, err := xorfilter.BuildBinaryFuse[uint16](&w.builder, keys)
			if err != nil {
				return fmt.Errorf("breach: build: shard %d filter: %w", i, err)
			}
			e.seed, e.segLen, e.segLenMask, e.segCount, e.segCountLen = f.Seed, f.SegmentLength, f.SegmentLengthMask, f.SegmentCount, f.SegmentCountLength
			e.fpLen = uint32(len(f.Fingerprints))
			fp = unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(f.Fingerprints))), 2*len(f.Fingerprints))
		}
		crc = crc32.Update(crc, castagnoli, fp)
		if err := w.write(fp); err != nil {
			return err
		}
	}
	if w.hdr.flags&flagExact != 0 {
		if !slices.IsSorted(keys) { // the filter builder may reorder in a future version
			slices.Sort(keys)
		}
		if err := w.align(); err != nil {
			return err
		}
		e.exactOff, e.exactCount = w.off, uint64(len(keys))
		raw := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(keys))), 8*len(keys))
		crc = crc32.Update(crc, castagnoli, raw)
		if err := w.write(raw); err != nil {
			return err
		}
	}
	e.dataCRC = crc
	w.entries[i] = e
	w.hdr.keys += uint64(len(keys))
	return nil
}

// finish writes the table and header, syncs and renames the file into
// place. It returns the file size.
func (w *indexWriter) finish() (int64, error) {
	if err := w.align(); err != nil {
		return 0, err
	}
	if err := w.bw.Flush(); err != nil {
		return 0, fmt.Errorf("breach: build: flush: %w", err)
	}
	table := make([]byte, len(w.entries)*entrySize)
	for i, e := range w.entries {
		e.encode(table[i*entrySize:])
	}
	w.hdr.tableCRC = crc32.Checksum(table, castagnoli)
	if _, err := w.f.WriteAt(w.hdr.encode(), 0); err != nil {
		return 0, fmt.Errorf("breach: build: write header: %w", err)
	}
	if _, err := w.f.WriteAt(table, headerSize); err != nil {
		return 0, fmt.Errorf("breach: build: write table: %w", err)
	}
	if err := w.f.Sync(); err != nil {
		return 0, fmt.Errorf("breach: build: sync: %w", err)
	}
	if err := w.f.Close(); err != nil {
		return 0, fmt.Errorf("breach: build: close: %w", err)
	}
	if err := os.Rename(w.tmp, w.path); err != nil {
		return 0, fmt.Errorf("breach: build: rename: %w", err)
	}
	w.done = true
	return int64(w.off), nil
}

// abort removes the temporary file of an unfinished build.
func (w *indexWriter) abort() {
	if !w.done {
		w.f.Close()
		os.Remove(w.tmp)
	}
}
