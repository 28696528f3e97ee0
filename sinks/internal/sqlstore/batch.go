package sqlstore

import (
	"encoding/binary"
	"errors"
	"sync"

	"github.com/ferry-dev/ferry/pipeline"
)

// BatchEncoder encodes whole batches into rows on the pipeline's workers:
// a store returns it from its Encoder method (pipeline.Encoding), and its
// one writer then only slices the rows out of the batch (Plan.Encode) instead
// of encoding every record itself while the database waits. It is safe for
// concurrent use.
type BatchEncoder struct {
	// The settings of the store's Encoder.
	Connection string
	Encoding   Encoding
	RejectNUL  bool

	pool sync.Pool // *Encoder
}

var _ pipeline.Encoder = (*BatchEncoder)(nil)

// Batches returns a BatchEncoder with e's settings.
func (e *Encoder) Batches() *BatchEncoder {
	return &BatchEncoder{Connection: e.Connection, Encoding: e.Encoding, RejectNUL: e.RejectNUL}
}

// Header, Separator and Footer are empty: a store writes no byte stream.
func (*BatchEncoder) Header() []byte    { return nil }
func (*BatchEncoder) Separator() []byte { return nil }
func (*BatchEncoder) Footer() []byte    { return nil }

// null is the length that stands for NULL.
const null = 0xffffffff

// Encode appends the rows of b's records to dst: the number of records
// (4 bytes), then for each record a byte saying whether the store can hold
// it and its NumCols values, each a 4-byte big-endian length (null for
// NULL) followed by the bytes. Plan.Encode reads them back.
func (e *BatchEncoder) Encode(dst []byte, b *pipeline.Batch) ([]byte, error) {
	enc, _ := e.pool.Get().(*Encoder)
	if enc == nil {
		enc = &Encoder{Connection: e.Connection, Encoding: e.Encoding, RejectNUL: e.RejectNUL}
	}
	defer e.pool.Put(enc)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(b.Records)))
	var r Row
	for i := range b.Records {
		enc.Reset()
		is, err := enc.Encode(&b.Records[i].User, &r)
		if err != nil {
			return dst, err
		}
		if len(is) > 0 {
			dst = append(dst, 1)
			continue // Load encodes it again for its issues
		}
		dst = append(dst, 0)
		for _, v := range r {
			if v == nil {
				dst = binary.BigEndian.AppendUint32(dst, null)
				continue
			}
			dst = binary.BigEndian.AppendUint32(dst, uint32(len(v)))
			dst = append(dst, v...)
		}
	}
	return dst, nil
}

// load is Encode for a batch whose rows a BatchEncoder with enc's settings
// wrote to b.Out: the rows point into b.Out (valid while the store's Write
// runs), and only records the store cannot hold are encoded again, for
// their issues. It reports false, having changed nothing, when b.Out does
// not hold the rows of b's records (no encoder ran, or the store has since
// moved rejects out of b): Encode encodes them then.
func (p *Plan) load(enc *Encoder, b *pipeline.Batch) (bool, error) {
	data := b.Out
	if len(data) < 4 || int(binary.BigEndian.Uint32(data)) != len(b.Records) {
		return false, nil
	}
	enc.Reset()
	p.Reset(len(b.Records))
	data = data[4:]
	for i := range b.Records {
		if len(data) < 1 {
			return false, errShortRows
		}
		refused := data[0] == 1
		data = data[1:]
		if refused {
			is, err := enc.Encode(&b.Records[i].User, &p.Rows[i])
			if err != nil {
				return false, err
			}
			if len(is) == 0 {
				return false, errDisagree
			}
			p.Outcomes[i], p.Issues[i] = Rejected, is
			continue
		}
		r := &p.Rows[i]
		for c := range r {
			if len(data) < 4 {
				return false, errShortRows
			}
			n := binary.BigEndian.Uint32(data)
			data = data[4:]
			if n == null {
				continue
			}
			if uint64(n) > uint64(len(data)) {
				return false, errShortRows
			}
			r[c] = data[:n:n]
			data = data[n:]
		}
	}
	return true, nil
}

// Errors of Load: a bug, not bad input.
var (
	errShortRows = errors.New("sqlstore: encoded rows are cut short")
	errDisagree  = errors.New("sqlstore: the encoder refused a record on a worker and accepts it now")
)
