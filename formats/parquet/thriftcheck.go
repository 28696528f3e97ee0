package parquet

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// parquet-go's thrift decoder trusts the sizes it reads: a list of 2^31
// row groups in a damaged footer makes it allocate without bound (a fatal
// error, not a panic). Before parquet-go reads the footer and the page
// index, checkThrift walks them in the compact protocol and checks that
// every list, map and string fits in the bytes that remain.

var errThrift = errors.New("malformed thrift")

// maxThriftDepth bounds the nesting of thrift structs.
const maxThriftDepth = 32

type thriftCheck struct {
	b   []byte
	pos int
}

func (c *thriftCheck) byte() (byte, error) {
	if c.pos >= len(c.b) {
		return 0, errThrift
	}
	c.pos++
	return c.b[c.pos-1], nil
}

func (c *thriftCheck) uvarint() (uint64, error) {
	v, n := binary.Uvarint(c.b[c.pos:])
	if n <= 0 {
		return 0, errThrift
	}
	c.pos += n
	return v, nil
}

func (c *thriftCheck) skip(n uint64) error {
	if n > uint64(len(c.b)-c.pos) {
		return errThrift
	}
	c.pos += int(n)
	return nil
}

// value checks one value of compact type t.
func (c *thriftCheck) value(t byte, depth int) error {
	switch t {
	case 1, 2: // boolean, held in the type of a field; a byte in a list
		return nil
	case 3: // byte
		return c.skip(1)
	case 4, 5, 6: // i16, i32, i64
		_, err := c.uvarint()
		return err
	case 7: // double
		return c.skip(8)
	case 8: // binary
		n, err := c.uvarint()
		if err != nil {
			return err
		}
		return c.skip(n)
	case 9, 10: // list, set
		h, err := c.byte()
		if err != nil {
			return err
		}
		n, et := uint64(h>>4), h&0x0f
		if n == 15 {
			if n, err = c.uvarint(); err != nil {
				return err
			}
		}
		if n > uint64(len(c.b)-c.pos) {
			return errThrift
		}
		for range n {
			if et == 1 || et == 2 {
				if err := c.skip(1); err != nil {
					return err
				}
				continue
			}
			if err := c.value(et, depth); err != nil {
				return err
			}
		}
		return nil
	case 11: // map
		n, err := c.uvarint()
		if err != nil || n == 0 {
			return err
		}
		kv, err := c.byte()
		if err != nil {
			return err
		}
		if n > uint64(len(c.b)-c.pos)/2 {
			return errThrift
		}
		for range n {
			if err := c.value(kv>>4, depth); err != nil {
				return err
			}
			if err := c.value(kv&0x0f, depth); err != nil {
				return err
			}
		}
		return nil
	case 12: // struct
		return c.structure(depth + 1)
	case 13: // uuid
		return c.skip(16)
	}
	return errThrift
}

func (c *thriftCheck) structure(depth int) error {
	if depth > maxThriftDepth {
		return errThrift
	}
	for {
		h, err := c.byte()
		if err != nil {
			return err
		}
		if h == 0 {
			return nil
		}
		if h>>4 == 0 { // a field id of its own, zigzag i16
			if _, err := c.uvarint(); err != nil {
				return err
			}
		}
		if err := c.value(h&0x0f, depth); err != nil {
			return err
		}
	}
}

// checkThrift checks that b holds one well-formed thrift struct whose
// sizes all fit in b.
func checkThrift(b []byte) error {
	c := thriftCheck{b: b}
	return c.structure(0)
}

// readFooter reads and checks the footer of the file r of size bytes.
func readFooter(r io.ReaderAt, size int64) (*format.FileMetaData, error) {
	var tail [8]byte
	if _, err := r.ReadAt(tail[:], size-8); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	footer := make([]byte, n)
	if _, err := r.ReadAt(footer, size-8-n); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if err := checkThrift(footer); err != nil {
		return nil, fmt.Errorf("footer: %w", err)
	}
	var md format.FileMetaData
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), footer, &md); err != nil {
		return nil, fmt.Errorf("footer: %w", err)
	}
	return &md, nil
}

// pageIndexOK reports whether the page index of every column chunk in md
// is well-formed, so that parquet-go may read it. Writers put the page
// index in one region before the footer: when it spans at most
// maxPrefetch bytes it is read at once (one request on object storage,
// instead of two per column chunk).
func pageIndexOK(r io.ReaderAt, size int64, md *format.FileMetaData) bool {
	type entry struct {
		off int64
		n   int32
	}
	var entries []entry
	lo, hi := size, int64(0)
	for _, rg := range md.RowGroups {
		for _, c := range rg.Columns {
			for _, e := range [...]entry{{c.ColumnIndexOffset, c.ColumnIndexLength}, {c.OffsetIndexOffset, c.OffsetIndexLength}} {
				if e.off == 0 && e.n == 0 {
					continue
				}
				if e.off < 0 || e.n < 0 || e.off > size-int64(e.n) {
					return false
				}
				entries = append(entries, e)
				lo, hi = min(lo, e.off), max(hi, e.off+int64(e.n))
			}
		}
	}
	if len(entries) == 0 {
		return true
	}
	src := r
	if hi-lo <= maxPrefetch {
		buf := make([]byte, hi-lo)
		if n, _ := r.ReadAt(buf, lo); n == len(buf) {
			src = &spanReader{r: r, off: lo, data: buf}
		}
	}
	for _, e := range entries {
		b := make([]byte, e.n)
		if _, err := src.ReadAt(b, e.off); err != nil && !errors.Is(err, io.EOF) {
			return false
		}
		if checkThrift(b) != nil {
			return false
		}
	}
	return true
}
