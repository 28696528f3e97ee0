package arrow

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// arrow-go trusts the flatbuffers of IPC metadata: it allocates as many
// fields, children and metadata entries as a vector's length claims and
// walks shared tables as often as they are referenced, so that a damaged
// or hostile header can exhaust memory (a fatal error, not a panic) or
// time. The decoders check every metadata flatbuffer before arrow-go reads
// it: each vector must fit in the buffer and the tables visited stay
// within a budget of the buffer's size.

var errMeta = errors.New("damaged message metadata")

// fbuf is a flatbuffer being checked.
type fbuf struct {
	b      []byte
	budget int // tables that may still be visited
}

func (f *fbuf) u32(at int) (int, bool) {
	if at < 0 || at+4 > len(f.b) {
		return 0, false
	}
	return int(binary.LittleEndian.Uint32(f.b[at:])), true
}

func (f *fbuf) u16(at int) (int, bool) {
	if at < 0 || at+2 > len(f.b) {
		return 0, false
	}
	return int(binary.LittleEndian.Uint16(f.b[at:])), true
}

// table is a flatbuffer table: its position and its vtable's.
type table struct {
	pos, vt, vtLen int
}

// tableAt follows the offset at position at to a table.
func (f *fbuf) tableAt(at int) (table, error) {
	f.budget--
	if f.budget < 0 {
		return table{}, fmt.Errorf("%w: too many tables", errMeta)
	}
	off, ok := f.u32(at)
	if !ok {
		return table{}, errMeta
	}
	pos := at + off
	soff, ok := f.u32(pos)
	if !ok {
		return table{}, errMeta
	}
	vt := pos - int(int32(soff))
	vtLen, ok := f.u16(vt)
	if !ok || vtLen < 4 || vt+vtLen > len(f.b) {
		return table{}, errMeta
	}
	return table{pos: pos, vt: vt, vtLen: vtLen}, nil
}

// field returns the position of field i of t, or 0 when it is absent.
func (f *fbuf) field(t table, i int) (int, error) {
	slot := 4 + 2*i
	if slot+2 > t.vtLen {
		return 0, nil
	}
	off, _ := f.u16(t.vt + slot)
	if off == 0 {
		return 0, nil
	}
	if t.pos+off >= len(f.b) {
		return 0, errMeta
	}
	return t.pos + off, nil
}

// vector returns the start and length of the vector field i of t, of
// elements of size bytes, checking that it fits in the buffer.
func (f *fbuf) vector(t table, i, size int) (start, n int, err error) {
	at, err := f.field(t, i)
	if err != nil || at == 0 {
		return 0, 0, err
	}
	off, ok := f.u32(at)
	if !ok {
		return 0, 0, errMeta
	}
	n, ok = f.u32(at + off)
	if !ok || n > (len(f.b)-at-off-4)/size {
		return 0, 0, fmt.Errorf("%w: a vector longer than its buffer", errMeta)
	}
	return at + off + 4, n, nil
}

// tables checks the vector of tables in field i of t, calling check on
// each.
func (f *fbuf) tables(t table, i int, check func(table) error) error {
	start, n, err := f.vector(t, i, 4)
	if err != nil {
		return err
	}
	for k := range n {
		e, err := f.tableAt(start + 4*k)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// Field indexes of the IPC tables (Message.fbs, Schema.fbs, File.fbs).
const (
	messageHeaderType    = 1
	messageHeader        = 2
	messageBodyLength    = 3
	messageCustomMeta    = 4
	schemaFields         = 1
	schemaCustomMeta     = 2
	fieldChildren        = 5
	fieldCustomMeta      = 6
	footerSchema         = 1
	headerSchema         = 1 // MessageHeader.Schema
	headerRecordBatch    = 3 // MessageHeader.RecordBatch
	headerDictionary     = 2 // MessageHeader.DictionaryBatch
	batchNodes           = 1
	batchBuffers         = 2
	batchCompression     = 3
	dictionaryData       = 1
	bufferStructSize     = 16
	maxSchemaDepth       = 64
	tablesPerBufferBytes = 8
)

func newFbuf(b []byte) *fbuf { return &fbuf{b: b, budget: len(b)/tablesPerBufferBytes + 8} }

func (f *fbuf) schema(t table) error {
	if err := f.tables(t, schemaCustomMeta, nil); err != nil {
		return err
	}
	return f.tables(t, schemaFields, func(e table) error { return f.fieldTable(e, 1) })
}

func (f *fbuf) fieldTable(t table, depth int) error {
	if depth > maxSchemaDepth {
		return fmt.Errorf("%w: fields nest too deep", errMeta)
	}
	if err := f.tables(t, fieldCustomMeta, nil); err != nil {
		return err
	}
	return f.tables(t, fieldChildren, func(e table) error { return f.fieldTable(e, depth+1) })
}

// errCompressed refuses record batches with compressed buffers: arrow-go
// inflates them to sizes the input states, without bound.
var errCompressed = errors.New("compressed record batches are not supported (write them uncompressed)")

// checkMessage checks the metadata flatbuffer of one IPC message and
// returns the length of its body.
func checkMessage(meta []byte) (int64, error) {
	f := newFbuf(meta)
	root, err := f.tableAt(0)
	if err != nil {
		return 0, err
	}
	if err := f.tables(root, messageCustomMeta, nil); err != nil {
		return 0, err
	}
	var body int64
	if at, err := f.field(root, messageBodyLength); err != nil {
		return 0, err
	} else if at != 0 {
		if at+8 > len(meta) {
			return 0, errMeta
		}
		body = int64(binary.LittleEndian.Uint64(meta[at:]))
	}
	at, err := f.field(root, messageHeaderType)
	if err != nil || at == 0 {
		return body, err
	}
	kind := meta[at]
	if kind != headerSchema && kind != headerRecordBatch && kind != headerDictionary {
		return body, nil
	}
	hat, err := f.field(root, messageHeader)
	if err != nil || hat == 0 {
		return 0, errMeta
	}
	h, err := f.tableAt(hat)
	if err != nil {
		return 0, err
	}
	switch kind {
	case headerSchema:
		return body, f.schema(h)
	case headerDictionary:
		dat, err := f.field(h, dictionaryData)
		if err != nil || dat == 0 {
			return 0, errMeta
		}
		if h, err = f.tableAt(dat); err != nil {
			return 0, err
		}
	}
	// A record batch: its vectors must fit, its buffers be stored as they
	// are.
	if _, _, err := f.vector(h, batchNodes, 16); err != nil {
		return 0, err
	}
	if _, _, err := f.vector(h, batchBuffers, bufferStructSize); err != nil {
		return 0, err
	}
	if cat, err := f.field(h, batchCompression); err != nil || cat != 0 {
		return 0, cmp.Or(err, errCompressed)
	}
	return body, nil
}

// checkFooter checks the footer flatbuffer of an IPC file: its schema.
func checkFooter(footer []byte) error {
	f := newFbuf(footer)
	root, err := f.tableAt(0)
	if err != nil {
		return err
	}
	at, err := f.field(root, footerSchema)
	if err != nil || at == 0 {
		return errMeta
	}
	s, err := f.tableAt(at)
	if err != nil {
		return err
	}
	return f.schema(s)
}

// msgReader reads IPC messages for arrow-go's reader, checking each one's
// metadata first and bounding its sizes.
type msgReader struct {
	r       io.Reader
	maxBody int64
	refs    atomic.Int64
	msg     *ipc.Message
}

var _ ipc.MessageReader = (*msgReader)(nil)

func newMsgReader(r io.Reader, maxBody int64) *msgReader {
	m := &msgReader{r: r, maxBody: maxBody}
	m.refs.Store(1)
	return m
}

func (m *msgReader) Retain() { m.refs.Add(1) }

func (m *msgReader) Release() {
	if m.refs.Add(-1) == 0 && m.msg != nil {
		m.msg.Release()
		m.msg = nil
	}
}

// Message returns the next message, or io.EOF at the end-of-stream marker
// or the end of the input.
func (m *msgReader) Message() (*ipc.Message, error) {
	var head [4]byte
	if _, err := io.ReadFull(m.r, head[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("read message: %w", err)
	}
	n := binary.LittleEndian.Uint32(head[:])
	if n == 0xffffffff {
		if _, err := io.ReadFull(m.r, head[:]); err != nil {
			return nil, fmt.Errorf("read message length: %w", err)
		}
		n = binary.LittleEndian.Uint32(head[:])
	}
	switch {
	case n == 0:
		return nil, io.EOF
	case n < 8 || n > maxMetadata:
		return nil, fmt.Errorf("%w: metadata of %d bytes", errMeta, n)
	}
	meta := make([]byte, n)
	if _, err := io.ReadFull(m.r, meta); err != nil {
		return nil, fmt.Errorf("read message metadata: %w", err)
	}
	bodyLen, err := checkMessage(meta)
	if err != nil {
		return nil, err
	}
	if bodyLen < 0 || bodyLen > m.maxBody {
		return nil, fmt.Errorf("%w: a body of %d bytes (limit %d)", errMeta, bodyLen, m.maxBody)
	}
	body := make([]byte, bodyLen)
	if _, err := io.ReadFull(m.r, body); err != nil {
		return nil, fmt.Errorf("read message body: %w", err)
	}
	if m.msg != nil {
		m.msg.Release()
	}
	m.msg = ipc.NewMessage(memory.NewBufferBytes(meta), memory.NewBufferBytes(body))
	return m.msg, nil
}

// fileBlocks reads and checks the footer of the IPC file r of size bytes
// and returns its record batch blocks.
func fileBlocks(r io.ReaderAt, size int64) ([]block, error) {
	const trailer = 4 + 6 // footer length, magic
	if size < int64(len(magic))+2+trailer {
		return nil, fmt.Errorf("%w: %d bytes", ErrNotArrow, size)
	}
	var t [trailer]byte
	if _, err := r.ReadAt(t[:], size-trailer); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: %w", ErrNotArrow, err)
	}
	n := int64(binary.LittleEndian.Uint32(t[:4]))
	if string(t[4:]) != string(magic) || n <= 0 || n > size-trailer-8 || n > maxMetadata {
		return nil, fmt.Errorf("%w: no footer", ErrNotArrow)
	}
	footer := make([]byte, n)
	if _, err := r.ReadAt(footer, size-trailer-n); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: %w", ErrNotArrow, err)
	}
	if err := checkFooter(footer); err != nil {
		return nil, fmt.Errorf("%w: footer: %w", ErrNotArrow, err)
	}
	f := newFbuf(footer)
	root, err := f.tableAt(0)
	if err != nil {
		return nil, fmt.Errorf("%w: footer: %w", ErrNotArrow, err)
	}
	start, count, err := f.vector(root, footerRecordBatches, blockSize)
	if err != nil {
		return nil, fmt.Errorf("%w: footer: %w", ErrNotArrow, err)
	}
	blocks := make([]block, count)
	for i := range blocks {
		at := start + i*blockSize
		blocks[i] = block{
			offset: int64(binary.LittleEndian.Uint64(footer[at:])),
			meta:   int32(binary.LittleEndian.Uint32(footer[at+8:])),
			body:   int64(binary.LittleEndian.Uint64(footer[at+16:])),
		}
	}
	return blocks, nil
}

// checkBlock checks the metadata of the record batch message at b.
func checkBlock(r io.ReaderAt, size int64, b block, maxBody int64) error {
	if b.offset < 0 || b.meta < 8 || b.meta > maxMetadata || b.offset > size-int64(b.meta) || b.body < 0 || b.body > maxBody {
		return fmt.Errorf("%w: a record batch out of the file", ErrNotArrow)
	}
	meta := make([]byte, b.meta)
	if _, err := r.ReadAt(meta, b.offset); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: %w", ErrNotArrow, err)
	}
	skip := 4
	if binary.LittleEndian.Uint32(meta) == 0xffffffff {
		skip = 8
	}
	if _, err := checkMessage(meta[skip:]); err != nil {
		return fmt.Errorf("%w: record batch: %w", ErrNotArrow, err)
	}
	return nil
}
