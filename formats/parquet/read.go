package parquet

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"

	pq "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/ferry-dev/ferry/formats/internal/columnar"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

// Errors of the decoder. Values a profile cannot take are issues of their
// record, and rows that cannot be read at all are rejects; these end the
// input.
var (
	// ErrNotParquet: the input is not a Parquet file (or is truncated).
	ErrNotParquet = errors.New("not a parquet file")
	// ErrSchema: the file's columns cannot be mapped onto profiles.
	ErrSchema = columnar.ErrSchema
	// ErrCheckpoint: a checkpoint does not fall within the file, or names
	// a byte offset (Parquet input resumes by record index).
	ErrCheckpoint = errors.New("checkpoint does not match input")
)

var _ pipeline.Decoder = (*Decoder)(nil)

// Decoder cuts a Parquet file into runs of rows within its row groups, on
// the reader goroutine, without reading them; the workers decode the runs
// concurrently, each reading its rows' pages by position. It is used by
// one reader goroutine.
type Decoder struct {
	p     *plan
	rg    int   // row group of the next run
	row   int64 // next row within it
	index int64 // index of the next record in the file
}

// plan is what every run of a file shares: the file and what to do with
// each of its columns. It is immutable once built, but for the row groups
// pre holds in memory (safe for concurrent use).
type plan struct {
	file    *pq.File
	source  string
	groups  []pq.RowGroup
	spans   []span // of each row group's column chunks
	pre     *prefetcher
	starts  []int64 // index of the first row of each row group, and the total
	indexed []bool  // the row group has an offset index: runs seek by page
	leaves  int
	cols    []colPlan
	states  sync.Pool // *state
}

// how a top-level column is read.
type how uint8

const (
	hIgnore  how = iota
	hStr         // a root string attribute from text
	hBool        // a root boolean from BOOLEAN
	hTime        // a root time from a timestamp
	hInt         // logins_count from an integer
	hJSON        // metadata, custom_password_hash or extra from JSON text
	hList        // identities or mfa_factors laid out as ferry writes them
	hGeneric     // anything else: text or JSON, through the profile's Set methods
)

type colPlan struct {
	name    string
	b       columnar.Binding
	n       *node
	how     how
	members []member // of an hList column
}

// member is one struct member of an hList column.
type member struct {
	f    *columnar.Field
	leaf *node
}

// NewDecoder opens the Parquet file r of size bytes; source names it in
// record origins. It reads the footer only. Column names resolve through
// opts.Mapping, the alias table, or stand for unknown attributes.
func NewDecoder(r io.ReaderAt, size int64, source string, opts Options) (dec pipeline.Decoder, err error) {
	defer func() {
		if v := recover(); v != nil {
			dec, err = nil, fmt.Errorf("%w: malformed footer", ErrNotParquet)
		}
	}()
	f, err := open(r, size)
	if err != nil {
		return nil, err
	}
	p, err := newPlan(f, source, opts.Mapping)
	if err != nil {
		return nil, err
	}
	p.pre = &prefetcher{r: r, max: maxPrefetch}
	return &Decoder{p: p}, nil
}

// open checks the file's frame before parquet-go reads the footer, so that
// a damaged length cannot make it allocate without bound.
func open(r io.ReaderAt, size int64) (*pq.File, error) {
	const frame = 4 + 4 + 4 // magic, footer length, magic
	if size < frame {
		return nil, fmt.Errorf("%w: %d bytes", ErrNotParquet, size)
	}
	var head, tail [8]byte
	if _, err := r.ReadAt(head[:4], 0); err != nil {
		return nil, fmt.Errorf("%w: read header: %w", ErrNotParquet, err)
	}
	if _, err := r.ReadAt(tail[:], size-8); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: read footer: %w", ErrNotParquet, err)
	}
	switch {
	case string(tail[4:]) == "PARE":
		return nil, fmt.Errorf("%w: encrypted files are not supported", ErrNotParquet)
	case string(head[:4]) != "PAR1" || string(tail[4:]) != "PAR1":
		return nil, fmt.Errorf("%w: no PAR1 magic", ErrNotParquet)
	case int64(binary.LittleEndian.Uint32(tail[:4])) > size-frame:
		return nil, fmt.Errorf("%w: footer length beyond the file", ErrNotParquet)
	}
	md, err := readFooter(r, size)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotParquet, err)
	}
	// A damaged page index is read as none: runs then start at row
	// group boundaries.
	skipIndex := !pageIndexOK(r, size, md)
	f, err := pq.OpenFile(r, size, pq.SkipBloomFilters(true), pq.SkipPageIndex(skipIndex))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotParquet, err)
	}
	return f, nil
}

func newPlan(f *pq.File, source string, m profile.Mapping) (*plan, error) {
	p := &plan{file: f, source: source, groups: f.RowGroups()}
	md := f.Metadata()
	if len(p.groups) != len(md.RowGroups) {
		return nil, fmt.Errorf("%w: row groups do not match the footer", ErrNotParquet)
	}
	p.starts = make([]int64, len(p.groups)+1)
	p.indexed = make([]bool, len(p.groups))
	p.spans = make([]span, len(p.groups))
	for i, g := range p.groups {
		n := g.NumRows()
		if n < 0 {
			return nil, fmt.Errorf("%w: row group %d has %d rows", ErrNotParquet, i, n)
		}
		p.starts[i+1] = p.starts[i] + n
		p.indexed[i] = len(md.RowGroups[i].Columns) > 0 && !slices.ContainsFunc(md.RowGroups[i].Columns,
			func(c format.ColumnChunk) bool { return c.OffsetIndexOffset == 0 }) && len(f.OffsetIndexes()) > 0
		p.spans[i] = groupSpan(&md.RowGroups[i], f.Size())
	}
	root := f.Root()
	if root == nil {
		return nil, fmt.Errorf("%w: no schema", ErrNotParquet)
	}
	cols := root.Columns()
	names := make([]string, len(cols))
	nodes := make([]*node, len(cols))
	for i, c := range cols {
		n, ok := newNode(c, 0, 0, 1)
		if !ok {
			return nil, fmt.Errorf("%w: column %s nests too deep or holds nothing", ErrSchema, c.Name())
		}
		names[i], nodes[i] = c.Name(), n
		p.leaves += len(n.leaves)
	}
	bs, err := columnar.Bind(names, func(i int) bool { return nodes[i].leaf >= 0 && nodes[i].vi.t == vJSON }, m)
	if err != nil {
		return nil, err
	}
	for i, n := range nodes {
		for _, l := range n.leaves {
			if l < 0 || l >= p.leaves {
				return nil, fmt.Errorf("%w: leaf columns out of order", ErrNotParquet)
			}
		}
		p.cols = append(p.cols, planColumn(names[i], bs[i], n))
	}
	p.states.New = func() any { return &state{vals: make([][]pq.Value, p.leaves)} }
	return p, nil
}

// planColumn decides how a column is read: directly into the profile when
// its type is what ferry writes for the attribute, else through text or
// JSON.
func planColumn(name string, b columnar.Binding, n *node) colPlan {
	c := colPlan{name: name, b: b, n: n, how: hGeneric}
	f := b.Field
	switch {
	case b.Ignore:
		c.how = hIgnore
	case f == nil:
	case n.leaf < 0:
		if f.Kind == columnar.List {
			if ms, ok := ownList(n, f); ok {
				c.how, c.members = hList, ms
			}
		}
	case f.Kind == columnar.String && n.vi.t == vString && !n.repeated:
		c.how = hStr
	case f.Kind == columnar.Bool && n.vi.t == vBool && !n.repeated:
		c.how = hBool
	case f.Kind == columnar.Time && (n.vi.t == vTimestamp || n.vi.t == vInt96) && !n.repeated:
		c.how = hTime
	case f.Kind == columnar.Int64 && n.vi.t == vInt && !n.repeated:
		c.how = hInt
	case f.Kind == columnar.JSON && (n.vi.t == vJSON || n.vi.t == vString) && !n.repeated:
		c.how = hJSON
	}
	return c
}

// ownList matches the layout ferry (and DuckDB) write for a list of
// structs: a LIST group, a repeated group of one struct, whose members are
// scalars f knows, of the kinds it writes.
func ownList(n *node, f *columnar.Field) ([]member, bool) {
	if !n.list || n.repeated {
		return nil, false
	}
	r := n.children[0]
	if r.leaf >= 0 || len(r.children) != 1 {
		return nil, false
	}
	e := r.children[0]
	if e.leaf >= 0 || e.repeated {
		return nil, false
	}
	var ms []member
	for _, c := range e.children {
		mf, ok := f.Member(c.name)
		if !ok || c.leaf < 0 || c.repeated {
			return nil, false
		}
		switch {
		case mf.Kind == columnar.String && c.vi.t == vString:
		case mf.Kind == columnar.Bool && c.vi.t == vBool:
		case mf.Kind == columnar.JSON && (c.vi.t == vJSON || c.vi.t == vString):
		default:
			return nil, false
		}
		ms = append(ms, member{f: mf, leaf: c})
	}
	return ms, len(ms) > 0
}

// Next returns a run of the next n rows of the current row group, or
// io.EOF after the last one. A row group without an offset index (written
// by a tool that writes none) cannot be entered in the middle cheaply, so
// its runs are at least a quarter of it.
func (d *Decoder) Next(ctx context.Context, n int) (*pipeline.Chunk, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := d.p
	for d.rg < len(p.groups) && d.row >= p.groups[d.rg].NumRows() {
		d.rg, d.row = d.rg+1, 0
	}
	if d.rg >= len(p.groups) {
		return nil, io.EOF
	}
	rows := p.groups[d.rg].NumRows()
	size := int64(max(n, 1))
	if !p.indexed[d.rg] {
		size = max(size, (rows+3)/4)
	}
	k := min(size, rows-d.row)
	p.pre.add(d.rg, p.spans[d.rg], d.row+k == rows)
	c := &pipeline.Chunk{Source: p.source, Line: d.index + 1, Index: d.index,
		Decoder: &run{p: p, rg: d.rg, start: d.row, n: int(k)}}
	d.row += k
	d.index += k
	return c, nil
}

// Skip positions the decoder after the first cp.Index records. Parquet
// input has no byte offsets: a checkpoint naming one, or more records than
// the file holds, is refused with ErrCheckpoint.
func (d *Decoder) Skip(ctx context.Context, cp pipeline.Checkpoint) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p := d.p
	total := p.starts[len(p.starts)-1]
	switch {
	case cp.Offset != 0:
		return fmt.Errorf("%w: a byte offset (%d) for parquet input, which resumes by record", ErrCheckpoint, cp.Offset)
	case cp.Index < 0 || cp.Index > total:
		return fmt.Errorf("%w: record %d of a file of %d", ErrCheckpoint, cp.Index, total)
	}
	i, _ := slices.BinarySearch(p.starts, cp.Index+1)
	d.rg = max(i-1, 0)
	d.row = cp.Index - p.starts[d.rg]
	d.index = cp.Index
	return nil
}

// NewStreamDecoder reads Parquet from a stream (standard input, a
// decompressed file): Parquet is read by position, so it first copies the
// stream to a temporary file, removed at once (the open file keeps its
// data until it is closed). A stream that can seek and read at positions
// (an *os.File) is read in place.
func NewStreamDecoder(r io.Reader, source string, opts Options) (pipeline.Decoder, error) {
	if ra, ok := r.(interface {
		io.ReaderAt
		io.Seeker
	}); ok {
		if size, err := ra.Seek(0, io.SeekEnd); err == nil {
			return NewDecoder(ra, size, source, opts)
		}
	}
	f, err := os.CreateTemp("", "ferry-*.parquet")
	if err != nil {
		return nil, fmt.Errorf("parquet: spool stream: %w", err)
	}
	os.Remove(f.Name())
	n, err := io.Copy(f, r)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("parquet: spool stream: %w", err)
	}
	dec, err := NewDecoder(f, n, source, opts)
	if err != nil {
		f.Close()
	}
	return dec, err
}
