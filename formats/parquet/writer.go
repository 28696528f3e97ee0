package parquet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/ferry-dev/ferry/formats/internal/columnar"
	"github.com/ferry-dev/ferry/pipeline"
)

// ErrFragment is returned by WriteBatch for encoded batches it cannot
// read: b.Out was not written by the Writer's Encoder.
var ErrFragment = errors.New("malformed encoded batch")

var magic = []byte("PAR1")

// CreatedBy is the created_by of the files ferry writes.
const CreatedBy = "ferry"

// Writer assembles the pages an Encoder made on the workers into a Parquet
// file, on the writer goroutine: it buffers the pages of the current row
// group (compressed), writes the row group column by column once it holds
// Options.RowGroupRows rows, and on Close writes the page index (every
// column index, then every offset index, as parquet-mr places them and
// readers expect) and the footer. The page index is held serialized until
// then, some tens of bytes per page and column: in memory up to 4 MiB,
// beyond that in an unnamed temporary file, so that memory stays flat
// however large the file grows.
//
// A Writer is a pipeline.ResumableWriter: between row groups its output
// can be continued by ResumeWriter, from a journal of what the footer will
// need (each row group's metadata and page index), which Mark hands out
// row group by row group.
type Writer struct {
	w       io.Writer
	enc     *Encoder
	pos     int64
	cols    []chunk
	rows    int64 // rows in the current row group
	meta    format.FileMetaData
	buf     bytes.Buffer
	te      *thrift.Encoder
	colIdx  spillBuf // serialized column indexes
	offIdx  spillBuf // serialized offset indexes
	indexes []indexRef
	header  []byte // the journal's start: magic and schema
	marked  int    // row groups a Mark has handed out
	err     error
}

// indexRef locates the page index of one column chunk in colIdx and
// offIdx; ci is -1 for a column without a column index.
type indexRef struct {
	ci, oi       int64
	ciLen, oiLen int32
}

// chunk is one column of the row group being gathered.
type chunk struct {
	data         [][]byte // the pages, header and body, each a copy
	size         int64    // of data
	pages        []pageInfo
	values       int64
	nulls        int64
	uncompressed int64
	has          bool // a page has min and max
	exact        bool // and all such pages' are whole
}

type pageInfo struct {
	offset   int64 // in chunk.data
	size     int32
	firstRow int64
	nulls    int64
	values   int64
	min, max []byte // possibly truncated; nil for a page of nulls
}

// NewWriter returns a Writer of a Parquet file to w for pages that enc (a
// *Encoder) makes.
func NewWriter(w io.Writer, enc pipeline.Encoder) (*Writer, error) {
	e, ok := enc.(*Encoder)
	if !ok {
		return nil, fmt.Errorf("parquet: writer needs a parquet encoder, not %T", enc)
	}
	if e.err != nil {
		return nil, e.err
	}
	wr := &Writer{w: w, enc: e, cols: make([]chunk, len(e.leaves))}
	wr.meta = format.FileMetaData{Version: 1, Schema: schemaElements(e.schema), CreatedBy: CreatedBy}
	for range e.leaves {
		wr.meta.ColumnOrders = append(wr.meta.ColumnOrders, format.ColumnOrder{Value: &format.TypeDefinedOrder{}})
	}
	wr.te = thrift.NewEncoder(e.protocol.NewWriter(&wr.buf))
	// The journal starts with the schema, which a resumed writer must share.
	hdr, err := wr.appendThrift(append([]byte{}, journalMagic...), &format.FileMetaData{Schema: wr.meta.Schema})
	if err != nil {
		return nil, fmt.Errorf("parquet: schema: %w", err)
	}
	wr.header = hdr
	return wr, nil
}

// journalMagic starts the journal of a Writer's marks; a version of ferry
// that changes its layout changes the magic, and refuses older journals.
var journalMagic = []byte("ferry parquet journal 1\n")

// Mark implements pipeline.ResumableWriter: between row groups it returns
// the journal of the row groups written since the last mark (the first
// mark starts with the schema). The journal is built from what the footer
// needs anyway, so a Writer nobody marks holds nothing more.
func (wr *Writer) Mark() ([]byte, bool, error) {
	if wr.err != nil {
		return nil, false, wr.err
	}
	if wr.rows > 0 {
		return nil, false, nil
	}
	j := wr.header
	wr.header = nil
	for ; wr.marked < len(wr.meta.RowGroups); wr.marked++ {
		var err error
		if j, err = wr.journalRow(j, wr.marked); err != nil {
			return nil, false, fmt.Errorf("parquet: journal: %w", err)
		}
	}
	return j, true, nil
}

// ResumeWriter returns a Writer that continues the first size bytes of a
// Parquet output a Writer for the same schema started, from the journal
// of its marks (concatenated). The output must hold exactly what the marks
// covered: the caller truncates it to size.
func ResumeWriter(w io.Writer, enc pipeline.Encoder, size int64, journal []byte) (*Writer, error) {
	wr, err := NewWriter(w, enc)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(journal, wr.header) {
		return nil, fmt.Errorf("%w: parquet: the output was started with other columns or by another version of ferry", pipeline.ErrCannotResume)
	}
	rest := journal[len(wr.header):]
	wr.header = nil
	for len(rest) > 0 {
		if rest, err = wr.replay(rest); err != nil {
			return nil, fmt.Errorf("%w: parquet: journal: row group %d: %w", pipeline.ErrCannotResume, len(wr.meta.RowGroups)+1, err)
		}
	}
	end := int64(0)
	if n := len(wr.meta.RowGroups); n > 0 {
		end = int64(len(magic))
		for _, c := range wr.meta.RowGroups[n-1].Columns {
			end = max(end, c.FileOffset+c.MetaData.TotalCompressedSize)
		}
	}
	if end != size {
		return nil, fmt.Errorf("%w: parquet: the journal covers %d bytes, the output holds %d", pipeline.ErrCannotResume, end, size)
	}
	wr.pos = size
	wr.marked = len(wr.meta.RowGroups)
	return wr, nil
}

// journalRow appends to j the journal record of row group i: its
// metadata, then per column the lengths of its column index (-1 for none)
// and offset index, then those indexes' bytes (each row group's are
// contiguous in colIdx and offIdx).
func (wr *Writer) journalRow(j []byte, i int) ([]byte, error) {
	meta, err := wr.appendThrift(nil, &wr.meta.RowGroups[i])
	if err != nil {
		return nil, err
	}
	j = binary.AppendUvarint(j, uint64(len(meta)))
	j = append(j, meta...)
	refs := wr.indexes[i*len(wr.cols) : (i+1)*len(wr.cols)]
	j = binary.AppendUvarint(j, uint64(len(refs)))
	if len(refs) == 0 {
		return j, nil
	}
	ciFrom, ciTo := int64(-1), int64(0)
	for _, r := range refs {
		if r.ci < 0 {
			j = binary.AppendVarint(j, -1)
		} else {
			j = binary.AppendVarint(j, int64(r.ciLen))
			if ciFrom < 0 {
				ciFrom = r.ci
			}
			ciTo = r.ci + int64(r.ciLen)
		}
		j = binary.AppendVarint(j, int64(r.oiLen))
	}
	if ciFrom >= 0 {
		if j, err = wr.colIdx.AppendRange(j, ciFrom, ciTo); err != nil {
			return nil, err
		}
	}
	last := refs[len(refs)-1]
	return wr.offIdx.AppendRange(j, refs[0].oi, last.oi+int64(last.oiLen))
}

var errJournal = errors.New("damaged")

// replay reads one record journalRow wrote and restores the row group it
// describes.
func (wr *Writer) replay(p []byte) ([]byte, error) {
	n, k := binary.Uvarint(p)
	if k <= 0 || n > uint64(len(p)-k) {
		return nil, errJournal
	}
	var rg format.RowGroup
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), p[k:k+int(n)], &rg); err != nil {
		return nil, err
	}
	p = p[k+int(n):]
	cols, k := binary.Uvarint(p)
	if k <= 0 || cols != uint64(len(wr.cols)) || len(rg.Columns) != len(wr.cols) || rg.NumRows < 0 {
		return nil, errJournal
	}
	p = p[k:]
	refs := make([]indexRef, cols)
	var ciTotal, oiTotal int64
	for i := range refs {
		ci, k1 := binary.Varint(p)
		if k1 <= 0 {
			return nil, errJournal
		}
		oi, k2 := binary.Varint(p[k1:])
		if k2 <= 0 || ci < -1 || ci > math.MaxInt32 || oi < 0 || oi > math.MaxInt32 {
			return nil, errJournal
		}
		p = p[k1+k2:]
		refs[i] = indexRef{ci: -1, oi: wr.offIdx.Len() + oiTotal, oiLen: int32(oi)}
		if ci >= 0 {
			refs[i].ci, refs[i].ciLen = wr.colIdx.Len()+ciTotal, int32(ci)
			ciTotal += ci
		}
		oiTotal += oi
	}
	if ciTotal+oiTotal > int64(len(p)) {
		return nil, errJournal
	}
	if err := wr.colIdx.Append(p[:ciTotal]); err != nil {
		return nil, err
	}
	if err := wr.offIdx.Append(p[ciTotal : ciTotal+oiTotal]); err != nil {
		return nil, err
	}
	wr.indexes = append(wr.indexes, refs...)
	wr.meta.RowGroups = append(wr.meta.RowGroups, rg)
	wr.meta.NumRows += rg.NumRows
	return p[ciTotal+oiTotal:], nil
}

// writerFunc is an io.Writer of a func.
type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// writeAll is write as an io.Writer's Write.
func (wr *Writer) writeAll(p []byte) (int, error) {
	if err := wr.write(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// write writes p, after the magic that starts the file.
func (wr *Writer) write(p []byte) error {
	if wr.err != nil {
		return wr.err
	}
	if wr.pos == 0 {
		if _, err := wr.w.Write(magic); err != nil {
			wr.err = err
			return err
		}
		wr.pos = int64(len(magic))
	}
	n, err := wr.w.Write(p)
	wr.pos += int64(n)
	if err != nil {
		wr.err = err
	}
	return err
}

// WriteBatch adds the pages of b (b.Out, as Encode wrote them) to the row
// group, and writes the row group once it holds enough rows.
func (wr *Writer) WriteBatch(b *pipeline.Batch) error {
	if wr.err != nil {
		return wr.err
	}
	out := b.Out
	for len(out) > 0 {
		if len(out) < 4 {
			return fmt.Errorf("%w: batch %d", ErrFragment, b.Seq)
		}
		rows := int64(binary.LittleEndian.Uint32(out))
		out = out[4:]
		for i := range wr.cols {
			var err error
			if out, err = wr.cols[i].add(out, wr.rows); err != nil {
				return fmt.Errorf("%w: batch %d, column %d: %w", ErrFragment, b.Seq, i+1, err)
			}
		}
		wr.rows += rows
	}
	if wr.rows >= int64(wr.enc.opts.RowGroupRows) {
		return wr.flush()
	}
	return nil
}

var errShort = errors.New("too short")

// add reads one page of a fragment from p and appends it to the chunk.
func (c *chunk) add(p []byte, firstRow int64) ([]byte, error) {
	if len(p) < 17 {
		return nil, errShort
	}
	pi := pageInfo{firstRow: firstRow, offset: c.size}
	pi.values = int64(binary.LittleEndian.Uint32(p))
	pi.nulls = int64(binary.LittleEndian.Uint32(p[4:]))
	uncompressed := int64(binary.LittleEndian.Uint32(p[8:]))
	pi.size = int32(binary.LittleEndian.Uint32(p[12:]))
	flags := p[16]
	p = p[17:]
	if flags&pageHasMinMax != 0 {
		var ok bool
		if pi.min, p, ok = cut16(p); !ok {
			return nil, errShort
		}
		if pi.max, p, ok = cut16(p); !ok {
			return nil, errShort
		}
		pi.min, pi.max = clone(pi.min), clone(pi.max)
	}
	if int64(len(p)) < int64(pi.size) || pi.size < 0 {
		return nil, errShort
	}
	c.data = append(c.data, bytes.Clone(p[:pi.size]))
	c.size += int64(pi.size)
	c.pages = append(c.pages, pi)
	c.values += pi.values
	c.nulls += pi.nulls
	c.uncompressed += uncompressed
	if flags&pageHasMinMax != 0 {
		exact := flags&pageExact != 0
		c.exact = exact && (c.exact || !c.has)
		c.has = true
	}
	return p[pi.size:], nil
}

func cut16(p []byte) (v, rest []byte, ok bool) {
	if len(p) < 2 {
		return nil, nil, false
	}
	n := int(binary.LittleEndian.Uint16(p))
	if len(p) < 2+n {
		return nil, nil, false
	}
	return p[2 : 2+n], p[2+n:], true
}

func clone(b []byte) []byte { return append([]byte{}, b...) }

// flush writes the gathered row group, then its page index.
func (wr *Writer) flush() error {
	if wr.rows == 0 {
		return nil
	}
	rg := format.RowGroup{NumRows: wr.rows, Ordinal: int16(len(wr.meta.RowGroups))}
	rg.Columns = make([]format.ColumnChunk, len(wr.cols))
	for i := range wr.cols {
		c := &wr.cols[i]
		l := &wr.enc.leaves[i]
		start := max(wr.pos, int64(len(magic)))
		if i == 0 {
			rg.FileOffset = start
		}
		for _, page := range c.data {
			if err := wr.write(page); err != nil {
				return fmt.Errorf("parquet: write row group %d: %w", rg.Ordinal, err)
			}
		}
		cm := format.ColumnMetaData{
			Type:                  l.physical(),
			Encoding:              []format.Encoding{format.Plain, format.RLE},
			PathInSchema:          l.path,
			Codec:                 wr.enc.codec,
			NumValues:             c.values,
			TotalUncompressedSize: c.uncompressed,
			TotalCompressedSize:   c.size,
			DataPageOffset:        start,
			Statistics:            format.Statistics{NullCount: c.nulls},
			EncodingStats:         []format.PageEncodingStats{{PageType: format.DataPage, Encoding: format.Plain, Count: int32(len(c.pages))}},
		}
		if lo, hi, ok := c.bounds(l); ok {
			cm.Statistics.MinValue, cm.Statistics.MaxValue = lo, hi
		}
		rg.Columns[i] = format.ColumnChunk{FileOffset: start, MetaData: cm}
		rg.TotalByteSize += c.uncompressed
		rg.TotalCompressedSize += c.size
		for j := range c.pages {
			c.pages[j].offset += start
		}
	}
	// The page index, written by Close.
	for i := range wr.cols {
		c := &wr.cols[i]
		l := &wr.enc.leaves[i]
		ref := indexRef{ci: -1}
		if l.stats() {
			ci := format.ColumnIndex{BoundaryOrder: boundaryOrder(c.pages, l)}
			for _, p := range c.pages {
				ci.NullPages = append(ci.NullPages, p.min == nil)
				ci.MinValues = append(ci.MinValues, p.min)
				ci.MaxValues = append(ci.MaxValues, p.max)
				ci.NullCounts = append(ci.NullCounts, p.nulls)
			}
			var err error
			ref.ci = wr.colIdx.Len()
			if err = wr.appendIndex(&wr.colIdx, &ci); err != nil {
				return fmt.Errorf("parquet: column index: %w", err)
			}
			ref.ciLen = int32(wr.colIdx.Len() - ref.ci)
		}
		var oi format.OffsetIndex
		for _, p := range c.pages {
			oi.PageLocations = append(oi.PageLocations, format.PageLocation{Offset: p.offset, CompressedPageSize: p.size, FirstRowIndex: p.firstRow})
		}
		var err error
		ref.oi = wr.offIdx.Len()
		if err = wr.appendIndex(&wr.offIdx, &oi); err != nil {
			return fmt.Errorf("parquet: offset index: %w", err)
		}
		ref.oiLen = int32(wr.offIdx.Len() - ref.oi)
		wr.indexes = append(wr.indexes, ref)
		clear(c.data)
		wr.cols[i] = chunk{data: c.data[:0], pages: c.pages[:0]}
	}
	wr.meta.RowGroups = append(wr.meta.RowGroups, rg)
	wr.meta.NumRows += wr.rows
	wr.rows = 0
	return nil
}

// appendIndex appends the thrift encoding of v to b.
func (wr *Writer) appendIndex(b *spillBuf, v any) error {
	wr.buf.Reset()
	if err := wr.te.Encode(v); err != nil {
		return err
	}
	return b.Append(wr.buf.Bytes())
}

func (wr *Writer) appendThrift(dst []byte, v any) ([]byte, error) {
	wr.buf.Reset()
	if err := wr.te.Encode(v); err != nil {
		return dst, err
	}
	return append(dst, wr.buf.Bytes()...), nil
}

// bounds returns the chunk's min and max over its pages, when every page
// had exact ones.
func (c *chunk) bounds(l *leaf) (lo, hi []byte, ok bool) {
	if !c.has || !c.exact || !l.stats() {
		return nil, nil, false
	}
	for _, p := range c.pages {
		if p.min == nil {
			continue
		}
		if lo == nil || compare(l, p.min, lo) < 0 {
			lo = p.min
		}
		if hi == nil || compare(l, p.max, hi) > 0 {
			hi = p.max
		}
	}
	return lo, hi, lo != nil
}

// compare orders two PLAIN-encoded statistics values of l.
func compare(l *leaf, a, b []byte) int {
	switch l.kind {
	case columnar.Int64, columnar.Time:
		x, y := int64(binary.LittleEndian.Uint64(a)), int64(binary.LittleEndian.Uint64(b))
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	return bytes.Compare(a, b)
}

// boundaryOrder tells whether the non-null pages' mins and maxes ascend or
// descend.
func boundaryOrder(pages []pageInfo, l *leaf) format.BoundaryOrder {
	asc, desc := true, true
	var prev *pageInfo
	for i := range pages {
		p := &pages[i]
		if p.min == nil {
			continue
		}
		if prev != nil {
			if compare(l, p.min, prev.min) < 0 || compare(l, p.max, prev.max) < 0 {
				asc = false
			}
			if compare(l, p.min, prev.min) > 0 || compare(l, p.max, prev.max) > 0 {
				desc = false
			}
		}
		prev = p
	}
	switch {
	case prev == nil:
		return format.Unordered
	case asc:
		return format.Ascending
	case desc:
		return format.Descending
	}
	return format.Unordered
}

// Close writes the last row group and the footer. It does not close the
// underlying writer. A file without rows is a valid Parquet file with the
// schema and no row group.
func (wr *Writer) Close() error {
	defer wr.colIdx.Close()
	defer wr.offIdx.Close()
	if err := wr.flush(); err != nil {
		return err
	}
	if len(wr.indexes) > 0 {
		ciAt := wr.pos
		if _, err := wr.colIdx.WriteTo(writerFunc(wr.writeAll)); err != nil {
			return fmt.Errorf("parquet: write page index: %w", err)
		}
		oiAt := wr.pos
		if _, err := wr.offIdx.WriteTo(writerFunc(wr.writeAll)); err != nil {
			return fmt.Errorf("parquet: write page index: %w", err)
		}
		k := 0
		for i := range wr.meta.RowGroups {
			for j := range wr.meta.RowGroups[i].Columns {
				c, ref := &wr.meta.RowGroups[i].Columns[j], wr.indexes[k]
				k++
				if ref.ci >= 0 {
					c.ColumnIndexOffset, c.ColumnIndexLength = ciAt+ref.ci, ref.ciLen
				}
				c.OffsetIndexOffset, c.OffsetIndexLength = oiAt+ref.oi, ref.oiLen
			}
		}
	}
	wr.buf.Reset()
	if err := wr.te.Encode(&wr.meta); err != nil {
		return fmt.Errorf("parquet: write footer: %w", err)
	}
	footer := binary.LittleEndian.AppendUint32(wr.buf.Bytes(), uint32(wr.buf.Len()))
	footer = append(footer, magic...)
	if err := wr.write(footer); err != nil {
		return fmt.Errorf("parquet: write footer: %w", err)
	}
	return nil
}

// schemaElements flattens the schema depth first, as the footer holds it.
func schemaElements(s *columnar.Schema) []format.SchemaElement {
	els := []format.SchemaElement{{Name: "schema", NumChildren: thrift.New(int32(len(s.Fields)))}}
	for i := range s.Fields {
		f := &s.Fields[i]
		if f.Kind != columnar.List {
			els = append(els, scalarElement(f))
			continue
		}
		els = append(els,
			format.SchemaElement{Name: f.Name, RepetitionType: thrift.New(format.Optional), NumChildren: thrift.New(int32(1)),
				ConvertedType: thrift.New(deprecated.List), LogicalType: format.LogicalType{Value: &format.ListType{}}},
			format.SchemaElement{Name: "list", RepetitionType: thrift.New(format.Repeated), NumChildren: thrift.New(int32(1))},
			format.SchemaElement{Name: "element", RepetitionType: thrift.New(format.Optional), NumChildren: thrift.New(int32(len(f.Fields)))},
		)
		for j := range f.Fields {
			els = append(els, scalarElement(&f.Fields[j]))
		}
	}
	return els
}

func scalarElement(f *columnar.Field) format.SchemaElement {
	el := format.SchemaElement{Name: f.Name, RepetitionType: thrift.New(format.Optional)}
	switch f.Kind {
	case columnar.String:
		el.Type = thrift.New(format.ByteArray)
		el.ConvertedType = thrift.New(deprecated.UTF8)
		el.LogicalType.Value = &format.StringType{}
	case columnar.JSON:
		el.Type = thrift.New(format.ByteArray)
		el.ConvertedType = thrift.New(deprecated.Json)
		el.LogicalType.Value = &format.JsonType{}
	case columnar.Bool:
		el.Type = thrift.New(format.Boolean)
	case columnar.Int64:
		el.Type = thrift.New(format.Int64)
		el.ConvertedType = thrift.New(deprecated.Int64)
		el.LogicalType.Value = &format.IntType{BitWidth: 64, IsSigned: true}
	case columnar.Time:
		el.Type = thrift.New(format.Int64)
		el.ConvertedType = thrift.New(deprecated.TimestampMicros)
		el.LogicalType.Value = &format.TimestampType{IsAdjustedToUTC: true, Unit: format.TimeUnit{Value: &format.MicroSeconds{}}}
	}
	return el
}
