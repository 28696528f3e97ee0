package arrow

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/ferry-dev/ferry/formats/internal/columnar"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

// Errors of the decoders. Values a profile cannot take are issues of their
// record, and rows that cannot be read are rejects; these end the input.
var (
	// ErrNotArrow: the input is not an Arrow IPC stream or file, or is
	// damaged.
	ErrNotArrow = errors.New("not an arrow ipc input")
	// ErrSchema: the input's columns cannot be mapped onto profiles.
	ErrSchema = columnar.ErrSchema
	// ErrCheckpoint: a checkpoint does not fall within the input, or
	// names a byte offset (Arrow input resumes by record index).
	ErrCheckpoint = errors.New("checkpoint does not match input")
)

// maxMetadata bounds the metadata of one IPC message of untrusted input.
const maxMetadata = 16 << 20

var _ pipeline.Decoder = (*Decoder)(nil)

// Decoder reads Arrow record batches on the reader goroutine (an IPC
// message at a time) and cuts them into zero-copy slices of up to n rows;
// the workers turn the slices into users concurrently.
type Decoder struct {
	p     *plan
	next  func() (arrow.RecordBatch, error) // the next record batch, io.EOF at the end
	rec   arrow.RecordBatch                 // current, owned
	row   int64                             // next row in rec
	index int64                             // index of the next record
	err   error
}

// NewStreamDecoder reads an Arrow IPC stream (.arrows) from r; source
// names it in record origins. It reads the schema message at once. An
// Arrow IPC file read as a stream (from standard input, say) is read too:
// a file is its magic, a stream and a footer, which the stream's
// end-of-stream marker leaves unread.
func NewStreamDecoder(r io.Reader, source string, opts Options) (pipeline.Decoder, error) {
	br := bufio.NewReader(r)
	if head, _ := br.Peek(len(magic)); bytes.Equal(head, magic) {
		if _, err := br.Discard(8); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNotArrow, err)
		}
	}
	rd, err := ipc.NewReaderFromMessageReader(newMsgReader(br, opts.maxBody()))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotArrow, err)
	}
	p, err := newPlan(rd.Schema(), source, opts.Mapping)
	if err != nil {
		return nil, err
	}
	return &Decoder{p: p, next: func() (arrow.RecordBatch, error) {
		if !rd.Next() {
			if err := rd.Err(); err != nil {
				return nil, fmt.Errorf("%w: %w", ErrNotArrow, err)
			}
			return nil, io.EOF
		}
		rec := rd.RecordBatch()
		rec.Retain()
		return rec, nil
	}}, nil
}

// NewFileDecoder reads the Arrow IPC file (.arrow) r of size bytes; it
// reads the footer at once and the record batches in order.
func NewFileDecoder(r io.ReaderAt, size int64, source string, opts Options) (dec pipeline.Decoder, err error) {
	defer func() {
		if v := recover(); v != nil {
			dec, err = nil, fmt.Errorf("%w: malformed footer", ErrNotArrow)
		}
	}()
	blocks, err := fileBlocks(r, size)
	if err != nil {
		return nil, err
	}
	fr, err := ipc.NewFileReader(io.NewSectionReader(r, 0, size),
		ipc.WithMetadataSizeLimit(maxMetadata), ipc.WithBodySizeLimit(opts.maxBody()))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotArrow, err)
	}
	if fr.NumRecords() != len(blocks) {
		return nil, fmt.Errorf("%w: footer disagrees with itself", ErrNotArrow)
	}
	p, err := newPlan(fr.Schema(), source, opts.Mapping)
	if err != nil {
		return nil, err
	}
	i := 0
	return &Decoder{p: p, next: func() (arrow.RecordBatch, error) {
		if i >= len(blocks) {
			return nil, io.EOF
		}
		if err := checkBlock(r, size, blocks[i], opts.maxBody()); err != nil {
			return nil, err
		}
		rec, err := fr.RecordBatchAt(i)
		i++
		if err != nil {
			return nil, fmt.Errorf("%w: record batch %d: %w", ErrNotArrow, i-1, err)
		}
		return rec, nil
	}}, nil
}

// advance makes rec a record batch with rows left, or returns io.EOF.
func (d *Decoder) advance() error {
	if d.err != nil {
		return d.err
	}
	for d.rec == nil || d.row >= d.rec.NumRows() {
		if d.rec != nil {
			d.rec.Release()
			d.rec = nil
		}
		rec, err := d.read()
		if err != nil {
			d.err = err
			return err
		}
		d.rec, d.row = rec, 0
	}
	return nil
}

// read returns the next record batch; a panic of the IPC reader on
// damaged input is an error.
func (d *Decoder) read() (rec arrow.RecordBatch, err error) {
	defer func() {
		if v := recover(); v != nil {
			rec, err = nil, fmt.Errorf("%w: damaged record batch", ErrNotArrow)
		}
	}()
	rec, err = d.next()
	if err != nil {
		return nil, err
	}
	if rec.NumCols() != int64(len(d.p.cols)) {
		rec.Release()
		return nil, fmt.Errorf("%w: a record batch of %d columns, the schema has %d", ErrNotArrow, rec.NumCols(), len(d.p.cols))
	}
	// A row takes at least a bit of a validity bitmap in some column, so
	// a batch claiming far more rows than its buffers hold is damaged
	// (and would otherwise yield rejects without end).
	var held int64
	for _, c := range rec.Columns() {
		held += buffered(c.Data())
	}
	if rec.NumRows() > 8*held+minRowsUnchecked {
		rec.Release()
		return nil, fmt.Errorf("%w: a record batch of %d rows in %d bytes", ErrNotArrow, rec.NumRows(), held)
	}
	return rec, nil
}

// minRowsUnchecked is the number of rows a record batch may hold whatever
// its size (all-null columns of the Null type take no bytes).
const minRowsUnchecked = 1 << 16

// buffered returns the bytes of d's buffers and its children's.
func buffered(d arrow.ArrayData) int64 {
	var n int64
	for _, b := range d.Buffers() {
		if b != nil {
			n += int64(b.Len())
		}
	}
	for _, c := range d.Children() {
		n += buffered(c)
	}
	return n
}

// Next returns a slice of the next n rows (within one record batch), or
// io.EOF after the last one.
func (d *Decoder) Next(ctx context.Context, n int) (*pipeline.Chunk, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := d.advance(); err != nil {
		return nil, err
	}
	k := min(int64(max(n, 1)), d.rec.NumRows()-d.row)
	c := &pipeline.Chunk{Source: d.p.source, Line: d.index + 1, Index: d.index,
		Decoder: &run{p: d.p, rec: d.rec.NewSlice(d.row, d.row+k)}}
	d.row += k
	d.index += k
	return c, nil
}

// Skip positions the decoder after the first cp.Index records, reading
// the record batches before them. A checkpoint naming a byte offset, or
// more records than the input holds, is refused with ErrCheckpoint.
func (d *Decoder) Skip(ctx context.Context, cp pipeline.Checkpoint) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	switch {
	case cp.Offset != 0:
		return fmt.Errorf("%w: a byte offset (%d) for arrow input, which resumes by record", ErrCheckpoint, cp.Offset)
	case cp.Index < d.index:
		return fmt.Errorf("%w: record %d is behind the decoder", ErrCheckpoint, cp.Index)
	}
	for d.index < cp.Index {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := d.advance(); err != nil {
			if errors.Is(err, io.EOF) {
				d.err = nil
				return fmt.Errorf("%w: record %d of an input of %d", ErrCheckpoint, cp.Index, d.index)
			}
			return err
		}
		k := min(d.rec.NumRows()-d.row, cp.Index-d.index)
		d.row += k
		d.index += k
	}
	return nil
}

// plan is what every slice of an input shares: what to do with each of
// its columns. It is immutable once built.
type plan struct {
	source string
	cols   []colPlan
	states sync.Pool // *state
}

type how uint8

const (
	hIgnore  how = iota
	hStr         // a root string attribute from a string array
	hBool        // a root boolean from a boolean array
	hTime        // a root time from a timestamp array
	hInt         // logins_count from an integer array
	hJSON        // metadata, custom_password_hash or extra from JSON text
	hList        // identities or mfa_factors laid out as ferry writes them
	hGeneric     // anything else: text or JSON, through the profile's Set methods
)

type colPlan struct {
	name    string
	b       columnar.Binding
	how     how
	json    bool      // the column holds JSON text
	members []*member // of an hList column, by struct field; nil for fields ferry does not know
}

type member struct {
	f    *columnar.Field
	json bool
}

type state struct {
	arena columnar.Arena
	js    []byte
}

func newPlan(s *arrow.Schema, source string, m profile.Mapping) (*plan, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: no schema", ErrNotArrow)
	}
	fields := s.Fields()
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	bs, err := columnar.Bind(names, func(i int) bool { return isJSON(fields[i]) }, m)
	if err != nil {
		return nil, err
	}
	p := &plan{source: source}
	for i, f := range fields {
		p.cols = append(p.cols, planColumn(f, bs[i]))
	}
	p.states.New = func() any { return new(state) }
	return p, nil
}

func isString(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return true
	}
	return false
}

func isInteger(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32:
		return true
	}
	return false
}

func planColumn(af arrow.Field, b columnar.Binding) colPlan {
	c := colPlan{name: af.Name, b: b, how: hGeneric, json: isJSON(af)}
	f := b.Field
	t := af.Type
	switch {
	case b.Ignore:
		c.how = hIgnore
	case f == nil:
	case f.Kind == columnar.String && isString(t) && !c.json:
		c.how = hStr
	case f.Kind == columnar.Bool && t.ID() == arrow.BOOL:
		c.how = hBool
	case f.Kind == columnar.Time && t.ID() == arrow.TIMESTAMP:
		c.how = hTime
	case f.Kind == columnar.Int64 && (isInteger(t) || t.ID() == arrow.UINT64):
		c.how = hInt
	case f.Kind == columnar.JSON && isString(t):
		c.how = hJSON
	case f.Kind == columnar.List:
		if ms, ok := ownList(t, f); ok {
			c.how, c.members = hList, ms
		}
	}
	return c
}

// ownList matches list<struct> whose members are fields f knows, of the
// kinds ferry writes.
func ownList(t arrow.DataType, f *columnar.Field) ([]*member, bool) {
	lt, ok := t.(*arrow.ListType)
	if !ok {
		return nil, false
	}
	st, ok := lt.Elem().(*arrow.StructType)
	if !ok {
		return nil, false
	}
	ms := make([]*member, st.NumFields())
	for i, sf := range st.Fields() {
		mf, ok := f.Member(sf.Name)
		if !ok {
			return nil, false
		}
		switch {
		case mf.Kind == columnar.String && isString(sf.Type):
		case mf.Kind == columnar.Bool && sf.Type.ID() == arrow.BOOL:
		case mf.Kind == columnar.JSON && isString(sf.Type):
		default:
			return nil, false
		}
		ms[i] = &member{f: mf, json: mf.Kind == columnar.JSON}
	}
	return ms, len(ms) > 0
}

// run is a chunk's decoder: a slice of a record batch.
type run struct {
	p   *plan
	rec arrow.RecordBatch
}

// DecodeChunk turns the slice's rows into b.Records. A panic on damaged
// arrays makes the rows from the failing one on rejects with
// profile.CodeParse.
func (r *run) DecodeChunk(c *pipeline.Chunk, b *pipeline.Batch) {
	defer r.rec.Release()
	n := int(r.rec.NumRows())
	st := r.p.states.Get().(*state)
	defer r.p.states.Put(st)
	b.Records = growRecords(b.Records, n)
	read := r.rows(c, b, st)
	st.arena.Finish()
	for i := read; i < n; i++ {
		at := pipeline.Position{Source: c.Source, Line: c.Index + int64(i) + 1, Index: c.Index + int64(i)}
		b.Rejects = append(b.Rejects, pipeline.Reject{Origin: at, Issues: profile.Issues{{Code: profile.CodeParse,
			Message: "the row cannot be read (damaged arrow data)"}}})
	}
	b.Read += n
}

func growRecords(rs []pipeline.Record, n int) []pipeline.Record {
	if cap(rs)-len(rs) >= n {
		return rs
	}
	out := make([]pipeline.Record, len(rs), len(rs)+n)
	copy(out, rs)
	return out
}

func (r *run) rows(c *pipeline.Chunk, b *pipeline.Batch, st *state) (read int) {
	n0 := len(b.Records)
	defer func() {
		if v := recover(); v != nil {
			b.Records = b.Records[:n0+read]
		}
	}()
	cols := r.rec.Columns()
	n := int(r.rec.NumRows())
	for i := range n {
		idx := c.Index + int64(i)
		b.Records = append(b.Records, pipeline.Record{Origin: pipeline.Position{Source: c.Source, Line: idx + 1, Index: idx}})
		rec := &b.Records[len(b.Records)-1]
		for ci := range r.p.cols {
			cp := &r.p.cols[ci]
			if cp.how == hIgnore || cols[ci].IsNull(i) {
				continue
			}
			if err := cp.set(&rec.User, cols[ci], i, st); err != nil {
				code := profile.CodeInvalidType
				if cp.b.Field != nil {
					code = columnar.IssueCode(cp.b.Field.Kind)
				}
				rec.Issues.Add(code, cp.b.Path, fmt.Sprintf("column %s: %v", cp.name, err))
			}
		}
		read++
	}
	return read
}

// set sets the column's attribute from the non-null value i of arr.
func (cp *colPlan) set(u *profile.User, arr arrow.Array, i int, st *state) error {
	f := cp.b.Field
	switch cp.how {
	case hStr:
		s, _ := stringAt(arr, i)
		st.arena.String(f.StrPtr(u), s)
	case hBool:
		columnar.SetBool(u, f, profile.BoolOf(arr.(*array.Boolean).Value(i)))
	case hTime:
		columnar.SetTime(u, f, timestampAt(arr.(*array.Timestamp), i))
	case hInt:
		v, ok := intAt(arr, i)
		if !ok {
			return fmt.Errorf("%w: %s: out of range", profile.ErrBadValue, cp.b.Path)
		}
		columnar.SetInt(u, f, v)
	case hJSON:
		s, _ := stringAt(arr, i)
		return columnar.SetJSON(u, f, []byte(s))
	case hList:
		return cp.list(u, arr.(*array.List), i, st)
	default:
		text, js := forms(arr, i, st.js[:0])
		if cp.json && js == nil {
			// A string column marked JSON whose text is not JSON.
			return cp.b.SetText(u, text, nil)
		}
		if js != nil {
			st.js = js[:0]
		}
		return cp.b.SetText(u, text, js)
	}
	return nil
}

// list fills identities or mfa_factors from list<struct>.
func (cp *colPlan) list(u *profile.User, l *array.List, i int, st *state) error {
	start, end, ok := listRange(l, i)
	if !ok {
		panic(errDamaged)
	}
	n := int(end - start)
	sa := l.ListValues().(*array.Struct)
	var err error
	keep := func(e error) {
		if e != nil && err == nil {
			err = e
		}
	}
	if cp.b.Field.Attr == columnar.Identities {
		ids := make([]profile.Identity, n)
		u.Identities = ids
		for j := range n {
			row := int(start) + j
			if sa.IsNull(row) {
				continue
			}
			for k, m := range cp.members {
				fa := sa.Field(k)
				if fa.IsNull(row) {
					continue
				}
				switch m.f.Kind {
				case columnar.String:
					s, _ := stringAt(fa, row)
					st.arena.String(m.f.IdentityStrPtr(&ids[j]), s)
				case columnar.Bool:
					columnar.SetIdentityBool(&ids[j], m.f, profile.BoolOf(fa.(*array.Boolean).Value(row)))
				case columnar.JSON:
					s, _ := stringAt(fa, row)
					keep(columnar.SetIdentityJSON(u, j, m.f, []byte(s)))
				}
			}
		}
		return err
	}
	fs := make([]profile.MFAFactor, n)
	u.MFAFactors = fs
	for j := range n {
		row := int(start) + j
		if sa.IsNull(row) {
			continue
		}
		for k, m := range cp.members {
			fa := sa.Field(k)
			if fa.IsNull(row) {
				continue
			}
			s, _ := stringAt(fa, row)
			switch m.f.Kind {
			case columnar.String:
				st.arena.String(m.f.FactorStrPtr(&fs[j]), s)
			case columnar.JSON:
				keep(columnar.SetFactorJSON(&fs[j], j, m.f, []byte(s)))
			}
		}
	}
	return err
}
