package parquet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/ferry-dev/ferry/formats/internal/columnar"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

// Options configure the encoder, the writer and the decoder. The zero
// value works.
type Options struct {
	// Compression of the data pages: "zstd" (default), "snappy" or "none".
	Compression string
	// RowGroupRows is the number of rows a row group holds at least: a row
	// group ends with the batch that reaches it (and with the input).
	// Default DefaultRowGroupRows.
	RowGroupRows int
	// Flatten lists profile paths written as string columns of their own
	// besides the object that holds them, e.g. "user_metadata.plan".
	Flatten []string
	// IncludeSecrets writes password_hash, custom_password_hash,
	// mfa_factors and password, which are left out by default.
	IncludeSecrets bool

	// Mapping resolves the column names of input written by other tools
	// before the alias table does (profile.Mapping.Resolve).
	Mapping profile.Mapping
}

// DefaultRowGroupRows is the default of Options.RowGroupRows, DuckDB's row
// group size.
const DefaultRowGroupRows = 122880

// maxPageRows bounds the rows of one data page: a batch larger than that
// is written as several pages per column.
const maxPageRows = 16384

// ErrOptions is returned for options that cannot work.
var ErrOptions = errors.New("invalid parquet options")

// Validate reports options that cannot work.
func (o Options) Validate() error {
	switch o.Compression {
	case "", "zstd", "snappy", "none":
	default:
		return fmt.Errorf("%w: unknown compression %q (want zstd, snappy or none)", ErrOptions, o.Compression)
	}
	if _, err := columnar.NewSchema(o.columnar()); err != nil {
		return fmt.Errorf("%w: %w", ErrOptions, err)
	}
	return nil
}

func (o Options) columnar() columnar.Options {
	return columnar.Options{Flatten: o.Flatten, IncludeSecrets: o.IncludeSecrets}
}

func (o Options) withDefaults() Options {
	if o.Compression == "" {
		o.Compression = "zstd"
	}
	if o.RowGroupRows <= 0 {
		o.RowGroupRows = DefaultRowGroupRows
	}
	return o
}

// leaf is one leaf column of the written schema: a top-level scalar, or a
// member of the struct of a list.
type leaf struct {
	top    *columnar.Field
	member *columnar.Field // nil for a top-level scalar
	kind   columnar.Kind
	path   []string
	maxDef uint8
	maxRep uint8
}

func (l *leaf) physical() format.Type {
	switch l.kind {
	case columnar.Bool:
		return format.Boolean
	case columnar.Int64, columnar.Time:
		return format.Int64
	}
	return format.ByteArray
}

func (l *leaf) stats() bool { return l.kind != columnar.JSON }

// Definition levels of the leaves of a list: identities (optional) / list
// (repeated) / element (optional) / member (optional).
const (
	defListNull   = 0
	defListEmpty  = 1
	defMemberNull = 3
	defMember     = 4
)

func leavesOf(s *columnar.Schema) []leaf {
	var ls []leaf
	for i := range s.Fields {
		f := &s.Fields[i]
		if f.Kind != columnar.List {
			ls = append(ls, leaf{top: f, kind: f.Kind, path: []string{f.Name}, maxDef: 1})
			continue
		}
		for j := range f.Fields {
			m := &f.Fields[j]
			ls = append(ls, leaf{top: f, member: m, kind: m.Kind,
				path: []string{f.Name, "list", "element", m.Name}, maxDef: defMember, maxRep: 1})
		}
	}
	return ls
}

var (
	_ pipeline.Encoder     = (*Encoder)(nil)
	_ pipeline.BatchWriter = (*Writer)(nil)
)

// Encoder turns a batch into compressed data pages, one per column (or
// more for batches of over 16384 records), on the workers. It is safe for
// concurrent use. The pages only become a file through a Writer, which
// gathers them into row groups; Header, Separator and Footer are nil.
type Encoder struct {
	opts     Options
	schema   *columnar.Schema
	leaves   []leaf
	codec    format.CompressionCodec
	zstd     *zstd.Encoder
	scratch  sync.Pool // *scratch
	err      error
	protocol thrift.CompactProtocol
}

// NewEncoder returns a Parquet encoder. Options that do not validate make
// Encode and NewWriter fail.
func NewEncoder(opts Options) *Encoder {
	e := &Encoder{err: opts.Validate()}
	e.opts = opts.withDefaults()
	if e.err != nil {
		return e
	}
	e.schema, _ = columnar.NewSchema(e.opts.columnar())
	e.leaves = leavesOf(e.schema)
	switch e.opts.Compression {
	case "zstd":
		e.codec = format.Zstd
		e.zstd, e.err = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest),
			zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)), zstd.WithEncoderCRC(false),
			zstd.WithWindowSize(1<<20))
	case "snappy":
		e.codec = format.Snappy
	default:
		e.codec = format.Uncompressed
	}
	e.scratch.New = func() any { return new(scratch) }
	return e
}

// Header returns nil: the Writer writes the file's magic.
func (e *Encoder) Header() []byte { return nil }

// Separator returns nil.
func (e *Encoder) Separator() []byte { return nil }

// Footer returns nil: the Writer writes the footer.
func (e *Encoder) Footer() []byte { return nil }

// scratch holds the buffers of one page being built.
type scratch struct {
	col  column
	page []byte
	comp []byte
	js   []byte
	hdr  bytes.Buffer
	enc  *thrift.Encoder
}

// column gathers one page of one leaf: levels, PLAIN values and
// statistics.
type column struct {
	l          *leaf
	defs, reps []byte
	vals       []byte
	n, nulls   int
	has        bool  // min and max are set
	minI, maxI int64 // Int64, Time, Bool
	minA, minB int   // byte array min: vals[minA:minB]
	maxA, maxB int
}

func (c *column) reset(l *leaf) {
	*c = column{l: l, defs: c.defs[:0], reps: c.reps[:0], vals: c.vals[:0]}
}

func (c *column) level(def, rep byte) {
	c.defs = append(c.defs, def)
	if c.l.maxRep > 0 {
		c.reps = append(c.reps, rep)
	}
	c.n++
	if def < c.l.maxDef {
		c.nulls++
	}
}

func (c *column) str(s string, rep byte) {
	if s == "" {
		c.level(c.l.maxDef-1, rep)
		return
	}
	c.level(c.l.maxDef, rep)
	c.vals = binary.LittleEndian.AppendUint32(c.vals, uint32(len(s)))
	a := len(c.vals)
	c.vals = append(c.vals, s...)
	c.byteStats(a)
}

// byteStats updates min and max with the byte array at vals[a:].
func (c *column) byteStats(a int) {
	b := len(c.vals)
	v := c.vals[a:b]
	if !c.has {
		c.has = true
		c.minA, c.minB, c.maxA, c.maxB = a, b, a, b
		return
	}
	if bytes.Compare(v, c.vals[c.minA:c.minB]) < 0 {
		c.minA, c.minB = a, b
	} else if bytes.Compare(v, c.vals[c.maxA:c.maxB]) > 0 {
		c.maxA, c.maxB = a, b
	}
}

// json appends the JSON value fn writes, or a null when it writes none.
func (c *column) json(rep byte, fn func(dst []byte) ([]byte, bool)) {
	at := len(c.vals)
	vals, ok := fn(binary.LittleEndian.AppendUint32(c.vals, 0))
	if !ok {
		c.vals = vals[:at]
		c.level(c.l.maxDef-1, rep)
		return
	}
	binary.LittleEndian.PutUint32(vals[at:], uint32(len(vals)-at-4))
	c.vals = vals
	c.level(c.l.maxDef, rep)
}

func (c *column) int(v int64, ok bool, rep byte) {
	if !ok {
		c.level(c.l.maxDef-1, rep)
		return
	}
	c.level(c.l.maxDef, rep)
	c.vals = binary.LittleEndian.AppendUint64(c.vals, uint64(v))
	c.intStats(v)
}

func (c *column) intStats(v int64) {
	if !c.has {
		c.has, c.minI, c.maxI = true, v, v
		return
	}
	c.minI = min(c.minI, v)
	c.maxI = max(c.maxI, v)
}

// bool appends b; values are kept one per byte and packed when the page
// is built.
func (c *column) bool(b profile.Bool, rep byte) {
	if !b.IsSet() {
		c.level(c.l.maxDef-1, rep)
		return
	}
	c.level(c.l.maxDef, rep)
	v := int64(0)
	if b.Value() {
		v = 1
	}
	c.vals = append(c.vals, byte(v))
	c.intStats(v)
}

// fill gathers the values of c.l for recs.
func (c *column) fill(recs []pipeline.Record) {
	l := c.l
	f := l.top
	if l.member != nil {
		c.fillList(recs)
		return
	}
	for i := range recs {
		u := &recs[i].User
		switch l.kind {
		case columnar.String:
			c.str(f.Str(u), 0)
		case columnar.Bool:
			c.bool(f.Bool(u), 0)
		case columnar.Time:
			t := f.Time(u)
			c.int(columnar.Micros(t), !t.IsZero(), 0)
		case columnar.Int64:
			v := f.Int(u)
			c.int(v.V, v.Valid, 0)
		case columnar.JSON:
			c.json(0, func(dst []byte) ([]byte, bool) { return f.AppendJSON(dst, u) })
		}
	}
}

// fillList gathers one member of the structs of a list column.
func (c *column) fillList(recs []pipeline.Record) {
	m := c.l.member
	for i := range recs {
		u := &recs[i].User
		var n int
		var null bool
		if c.l.top.Attr == columnar.Identities {
			n, null = len(u.Identities), u.Identities == nil
		} else {
			n, null = len(u.MFAFactors), u.MFAFactors == nil
		}
		switch {
		case null:
			c.level(defListNull, 0)
			continue
		case n == 0:
			c.level(defListEmpty, 0)
			continue
		}
		for j := range n {
			rep := byte(min(j, 1))
			if c.l.top.Attr == columnar.Identities {
				id := &u.Identities[j]
				switch m.Kind {
				case columnar.String:
					c.str(m.IdentityStr(id), rep)
				case columnar.Bool:
					c.bool(m.IdentityBool(id), rep)
				case columnar.JSON:
					c.json(rep, func(dst []byte) ([]byte, bool) { return m.IdentityJSON(dst, id) })
				}
				continue
			}
			mf := &u.MFAFactors[j]
			switch m.Kind {
			case columnar.String:
				c.str(m.FactorStr(mf), rep)
			case columnar.JSON:
				c.json(rep, func(dst []byte) ([]byte, bool) { return m.FactorJSON(dst, mf) })
			}
		}
	}
}

// Encode appends the pages of b's records to dst as a fragment the Writer
// reads: for each run of at most 16384 records, the number of records,
// then for each column its page with what the footer needs to know of it.
func (e *Encoder) Encode(dst []byte, b *pipeline.Batch) ([]byte, error) {
	if e.err != nil {
		return dst, e.err
	}
	sc := e.scratch.Get().(*scratch)
	defer e.scratch.Put(sc)
	recs := b.Records
	for start := 0; start < len(recs); start += maxPageRows {
		part := recs[start:min(len(recs), start+maxPageRows)]
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(part)))
		for i := range e.leaves {
			var err error
			if dst, err = e.page(dst, &e.leaves[i], part, sc); err != nil {
				return dst, fmt.Errorf("parquet: column %s: %w", e.leaves[i].name(), err)
			}
		}
	}
	return dst, nil
}

func (l *leaf) name() string {
	if l.member != nil {
		return l.top.Name + "." + l.member.Name
	}
	return l.top.Name
}

// maxStatBytes bounds the byte array min and max a page or column chunk
// reports exactly; longer ones are truncated for the column index only.
const maxStatBytes = 64

// Flags of a page in a fragment.
const (
	pageHasMinMax = 1 << iota // the page has non-null values and statistics
	pageExact                 // min and max are whole, not truncated
)

// page builds one data page (v1) of l for recs and appends it to dst,
// after its description: value and null counts, sizes, min and max.
func (e *Encoder) page(dst []byte, l *leaf, recs []pipeline.Record, sc *scratch) ([]byte, error) {
	c := &sc.col
	c.reset(l)
	c.fill(recs)

	data := sc.page[:0]
	if l.maxRep > 0 {
		data = appendLevelsV1(data, c.reps, bitWidth(l.maxRep))
	}
	data = appendLevelsV1(data, c.defs, bitWidth(l.maxDef))
	if l.kind == columnar.Bool {
		data = packBits(data, c.vals, len(c.vals), 1)
	} else {
		data = append(data, c.vals...)
	}
	sc.page = data
	body := data
	switch e.codec {
	case format.Zstd:
		body = e.zstd.EncodeAll(data, sc.comp[:0])
		sc.comp = body
	case format.Snappy:
		body = s2.EncodeSnappy(sc.comp[:cap(sc.comp)], data)
		sc.comp = body
	}

	var minV, maxV []byte
	flags := 0
	if c.has && l.stats() {
		flags |= pageHasMinMax
		minV, maxV = c.minMax(sc.js[:0])
		if len(minV) <= maxStatBytes && len(maxV) <= maxStatBytes {
			flags |= pageExact
		}
	}
	h := format.PageHeader{
		Type:                 format.DataPage,
		UncompressedPageSize: int32(len(data)),
		CompressedPageSize:   int32(len(body)),
	}
	dph := format.DataPageHeader{
		NumValues:               int32(c.n),
		Encoding:                format.Plain,
		DefinitionLevelEncoding: format.RLE,
		RepetitionLevelEncoding: format.RLE,
		Statistics:              format.Statistics{NullCount: int64(c.nulls)},
	}
	if flags&pageExact != 0 {
		dph.Statistics.MinValue, dph.Statistics.MaxValue = minV, maxV
	}
	h.DataPageHeader = thrift.New(dph)
	sc.hdr.Reset()
	if sc.enc == nil {
		sc.enc = thrift.NewEncoder(e.protocol.NewWriter(&sc.hdr))
	}
	if err := sc.enc.Encode(&h); err != nil {
		return dst, err
	}
	hdr := sc.hdr.Bytes()

	if flags&pageHasMinMax != 0 && flags&pageExact == 0 {
		minV, maxV = truncateMin(minV), truncateMax(maxV)
	}
	dst = binary.LittleEndian.AppendUint32(dst, uint32(c.n))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(c.nulls))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(hdr)+len(data)))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(hdr)+len(body)))
	dst = append(dst, byte(flags))
	if flags&pageHasMinMax != 0 {
		dst = binary.LittleEndian.AppendUint16(dst, uint16(len(minV)))
		dst = append(dst, minV...)
		dst = binary.LittleEndian.AppendUint16(dst, uint16(len(maxV)))
		dst = append(dst, maxV...)
	}
	dst = append(dst, hdr...)
	return append(dst, body...), nil
}

// minMax returns the page's min and max PLAIN-encoded as statistics hold
// them (byte arrays without their length). Integers are written to buf.
func (c *column) minMax(buf []byte) (lo, hi []byte) {
	switch c.l.kind {
	case columnar.Bool:
		return []byte{byte(c.minI)}, []byte{byte(c.maxI)}
	case columnar.Int64, columnar.Time:
		buf = binary.LittleEndian.AppendUint64(buf, uint64(c.minI))
		buf = binary.LittleEndian.AppendUint64(buf, uint64(c.maxI))
		return buf[:8:8], buf[8:16]
	}
	return c.vals[c.minA:c.minB], c.vals[c.maxA:c.maxB]
}

// truncateMin returns a prefix of v no longer than maxStatBytes: a lower
// bound of v.
func truncateMin(v []byte) []byte {
	if len(v) <= maxStatBytes {
		return v
	}
	return v[:maxStatBytes]
}

// truncateMax returns an upper bound of v no longer than maxStatBytes: a
// prefix with its last byte incremented (dropping trailing 0xff bytes), or
// v itself when no such prefix exists.
func truncateMax(v []byte) []byte {
	if len(v) <= maxStatBytes {
		return v
	}
	p := append([]byte(nil), v[:maxStatBytes]...)
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] < 0xff {
			p[i]++
			return p[:i+1]
		}
	}
	return v
}
