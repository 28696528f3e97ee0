package arrow

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/ferry-dev/ferry/pipeline"
)

var _ pipeline.ResumableWriter = (*FileWriter)(nil)

// ErrFragment is returned by WriteBatch for encoded batches it cannot
// read: b.Out was not written by the FileWriter's Encoder.
var ErrFragment = errors.New("malformed encoded batch")

// magic starts and ends an Arrow IPC file; the start is padded to 8 bytes.
var magic = []byte("ARROW1")

// FileWriter assembles the record batch messages an Encoder made on the
// workers into an Arrow IPC file (.arrow), on the writer goroutine: the
// magic and the schema, the messages as they come, and on Close the
// end-of-stream marker and the footer that indexes the record batches.
//
// A FileWriter is a pipeline.ResumableWriter: after any batch its output
// can be continued by ResumeFileWriter, from a journal of the schema and
// the blocks the footer will index, which Mark hands out.
type FileWriter struct {
	w      io.Writer
	enc    *Encoder
	pos    int64
	blocks []block
	marked int  // blocks a Mark has handed out
	begun  bool // a Mark has handed out the journal's start
	err    error
}

// block locates one record batch message in the file.
type block struct {
	offset int64
	meta   int32
	body   int64
}

// NewFileWriter returns a FileWriter of an Arrow IPC file to w for the
// messages enc (an *Encoder) makes.
func NewFileWriter(w io.Writer, enc pipeline.Encoder) (*FileWriter, error) {
	e, ok := enc.(*Encoder)
	if !ok {
		return nil, fmt.Errorf("arrow: file writer needs an arrow encoder, not %T", enc)
	}
	if e.err != nil {
		return nil, e.err
	}
	return &FileWriter{w: w, enc: e}, nil
}

// journalMagic starts the journal of a FileWriter's marks; a version of
// ferry that changes its layout changes the magic, and refuses older
// journals.
var journalMagic = []byte("ferry arrow journal 1\n")

// journalHeader is the start of the journal: the magic and the schema
// message, which a resumed writer must share.
func (fw *FileWriter) journalHeader() []byte {
	j := append([]byte{}, journalMagic...)
	j = binary.AppendUvarint(j, uint64(len(fw.enc.header)))
	return append(j, fw.enc.header...)
}

// Mark implements pipeline.ResumableWriter: every batch is written as it
// comes, so a mark is always possible; it returns the blocks written since
// the last mark, 20 bytes each (the first mark starts with the schema).
func (fw *FileWriter) Mark() ([]byte, bool, error) {
	if fw.err != nil {
		return nil, false, fw.err
	}
	var j []byte
	if !fw.begun {
		j, fw.begun = fw.journalHeader(), true
	}
	for _, b := range fw.blocks[fw.marked:] {
		j = binary.LittleEndian.AppendUint64(j, uint64(b.offset))
		j = binary.LittleEndian.AppendUint32(j, uint32(b.meta))
		j = binary.LittleEndian.AppendUint64(j, uint64(b.body))
	}
	fw.marked = len(fw.blocks)
	return j, true, nil
}

// ResumeFileWriter returns a FileWriter that continues the first size
// bytes of an Arrow IPC file a FileWriter for the same schema started,
// from the journal of its marks (concatenated). The output must hold
// exactly what the marks covered: the caller truncates it to size.
func ResumeFileWriter(w io.Writer, enc pipeline.Encoder, size int64, journal []byte) (*FileWriter, error) {
	fw, err := NewFileWriter(w, enc)
	if err != nil {
		return nil, err
	}
	hdr := fw.journalHeader()
	if !bytes.HasPrefix(journal, hdr) {
		return nil, fmt.Errorf("%w: arrow: the output was started with other columns or by another version of ferry", pipeline.ErrCannotResume)
	}
	rest := journal[len(hdr):]
	if len(rest)%20 != 0 {
		return nil, fmt.Errorf("%w: arrow: the journal is damaged", pipeline.ErrCannotResume)
	}
	end := int64(0)
	for ; len(rest) > 0; rest = rest[20:] {
		b := block{
			offset: int64(binary.LittleEndian.Uint64(rest)),
			meta:   int32(binary.LittleEndian.Uint32(rest[8:])),
			body:   int64(binary.LittleEndian.Uint64(rest[12:])),
		}
		if b.offset < end || b.meta < 0 || b.body < 0 {
			return nil, fmt.Errorf("%w: arrow: the journal is damaged", pipeline.ErrCannotResume)
		}
		fw.blocks = append(fw.blocks, b)
		end = b.offset + int64(b.meta) + b.body
	}
	if end != size {
		return nil, fmt.Errorf("%w: arrow: the journal covers %d bytes, the output holds %d", pipeline.ErrCannotResume, end, size)
	}
	fw.pos, fw.marked, fw.begun = size, len(fw.blocks), true
	return fw, nil
}

func (fw *FileWriter) write(p []byte) error {
	if fw.err != nil {
		return fw.err
	}
	if fw.pos == 0 {
		head := append(append([]byte{}, magic...), 0, 0)
		head = append(head, fw.enc.header...)
		n, err := fw.w.Write(head)
		fw.pos += int64(n)
		if err != nil {
			fw.err = err
			return err
		}
	}
	n, err := fw.w.Write(p)
	fw.pos += int64(n)
	if err != nil {
		fw.err = err
	}
	return err
}

// WriteBatch appends b's record batch message (b.Out) and notes where it
// is for the footer.
func (fw *FileWriter) WriteBatch(b *pipeline.Batch) error {
	if len(b.Out) == 0 {
		return fw.err
	}
	meta, body, ok := messageLengths(b.Out)
	if !ok {
		return fmt.Errorf("%w: batch %d", ErrFragment, b.Seq)
	}
	if err := fw.write(nil); err != nil { // the header, so that pos is the message's offset
		return err
	}
	blk := block{offset: fw.pos, meta: meta, body: body}
	if err := fw.write(b.Out); err != nil {
		return fmt.Errorf("arrow: write batch %d: %w", b.Seq, err)
	}
	fw.blocks = append(fw.blocks, blk)
	return nil
}

// Close writes the end-of-stream marker and the footer. It does not close
// the underlying writer.
func (fw *FileWriter) Close() error {
	footer, err := fw.footer()
	if err != nil {
		return err
	}
	footer = binary.LittleEndian.AppendUint32(footer, uint32(len(footer)))
	footer = append(footer, magic...)
	if err := fw.write(append(append([]byte{}, eos...), footer...)); err != nil {
		return fmt.Errorf("arrow: write footer: %w", err)
	}
	return nil
}

// footer returns the file footer: a flatbuffer holding the schema and one
// block per record batch. arrow-go builds footers only for the batches its
// own FileWriter writes, so footer lets it write a file of as many empty
// batches with the same schema and then sets the blocks of its footer to
// the real ones (Block is a fixed-size struct in the footer's
// recordBatches vector).
func (fw *FileWriter) footer() ([]byte, error) {
	var buf bytes.Buffer
	w, err := ipc.NewFileWriter(&buf, ipc.WithSchema(fw.enc.arrow))
	if err != nil {
		return nil, fmt.Errorf("arrow: footer: %w", err)
	}
	rb := array.NewRecordBuilder(memory.DefaultAllocator, fw.enc.arrow)
	defer rb.Release()
	empty := rb.NewRecordBatch()
	defer empty.Release()
	for range fw.blocks {
		if err := w.Write(empty); err != nil {
			return nil, fmt.Errorf("arrow: footer: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("arrow: footer: %w", err)
	}
	data := buf.Bytes()
	if len(data) < 10 {
		return nil, errFooter
	}
	n := int(binary.LittleEndian.Uint32(data[len(data)-10:]))
	if n > len(data)-10 {
		return nil, errFooter
	}
	footer := bytes.Clone(data[len(data)-10-n : len(data)-10])
	if err := setBlocks(footer, fw.blocks); err != nil {
		return nil, err
	}
	return footer, nil
}

var errFooter = errors.New("arrow: unexpected footer layout")

// The footer table's recordBatches field (the fourth: version, schema,
// dictionaries, recordBatches) and the size of a Block struct (offset
// int64, metaDataLength int32, padding, bodyLength int64).
const (
	footerRecordBatches = 3
	blockSize           = 24
)

// setBlocks overwrites the Block structs of the footer's recordBatches
// vector with blocks; the vector must hold exactly as many.
func setBlocks(fb []byte, blocks []block) error {
	u32 := func(at int) (int, bool) {
		if at < 0 || at+4 > len(fb) {
			return 0, false
		}
		return int(binary.LittleEndian.Uint32(fb[at:])), true
	}
	table, ok := u32(0)
	if !ok {
		return errFooter
	}
	soff, ok := u32(table)
	if !ok {
		return errFooter
	}
	vtable := table - int(int32(soff))
	if vtable < 0 || vtable+4 > len(fb) {
		return errFooter
	}
	vtLen := int(binary.LittleEndian.Uint16(fb[vtable:]))
	slot := 4 + 2*footerRecordBatches
	if slot+2 > vtLen || vtable+slot+2 > len(fb) {
		return errFooter
	}
	field := table + int(binary.LittleEndian.Uint16(fb[vtable+slot:]))
	rel, ok := u32(field)
	if !ok {
		return errFooter
	}
	vec := field + rel
	count, ok := u32(vec)
	if !ok || count != len(blocks) || vec+4+count*blockSize > len(fb) {
		return errFooter
	}
	for i, b := range blocks {
		at := vec + 4 + i*blockSize
		binary.LittleEndian.PutUint64(fb[at:], uint64(b.offset))
		binary.LittleEndian.PutUint32(fb[at+8:], uint32(b.meta))
		binary.LittleEndian.PutUint64(fb[at+16:], uint64(b.body))
	}
	return nil
}
