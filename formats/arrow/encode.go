package arrow

import (
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/ferry-dev/ferry/formats/internal/columnar"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

var _ pipeline.Encoder = (*Encoder)(nil)

// Encoder turns each batch into one Arrow record batch, serialized as an
// IPC message, on the workers; it is safe for concurrent use. Its Header
// (the schema message), the messages and its Footer (the end-of-stream
// marker) make an IPC stream (.arrows), so file sinks write streams as
// they write any byte format, resumable; an IPC file (.arrow) goes through
// a FileWriter. A batch without records adds no message.
type Encoder struct {
	schema   *columnar.Schema
	arrow    *arrow.Schema
	header   []byte
	builders sync.Pool // *array.RecordBuilder
	err      error
}

// eos ends an IPC stream: a continuation marker and a zero length.
var eos = []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}

// NewEncoder returns an Arrow IPC encoder. Options that do not validate
// make Encode and NewFileWriter fail.
func NewEncoder(opts Options) *Encoder {
	e := &Encoder{err: opts.Validate()}
	if e.err != nil {
		return e
	}
	e.schema, _ = columnar.NewSchema(opts.columnar())
	e.arrow = schemaOf(e.schema)
	p := ipc.GetSchemaPayload(e.arrow, memory.DefaultAllocator)
	defer p.Release()
	var w appender
	if _, err := p.WritePayload(&w); err != nil {
		e.err = fmt.Errorf("arrow: schema message: %w", err)
	}
	e.header = w.b
	e.builders.New = func() any { return array.NewRecordBuilder(memory.DefaultAllocator, e.arrow) }
	return e
}

// Header returns the schema message that starts an IPC stream.
func (e *Encoder) Header() []byte { return e.header }

// Separator returns nil.
func (e *Encoder) Separator() []byte { return nil }

// Footer returns the end-of-stream marker.
func (e *Encoder) Footer() []byte { return eos }

// appender is an io.Writer appending to b.
type appender struct{ b []byte }

func (a *appender) Write(p []byte) (int, error) {
	a.b = append(a.b, p...)
	return len(p), nil
}

// Encode appends b's records as one record batch message.
func (e *Encoder) Encode(dst []byte, b *pipeline.Batch) ([]byte, error) {
	if e.err != nil {
		return dst, e.err
	}
	if len(b.Records) == 0 {
		return dst, nil
	}
	rb := e.builders.Get().(*array.RecordBuilder)
	defer e.builders.Put(rb)
	rb.Reserve(len(b.Records))
	var js []byte
	for i := range e.schema.Fields {
		js = fill(rb.Field(i), &e.schema.Fields[i], b.Records, js)
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()
	p, err := ipc.GetRecordBatchPayload(rec)
	if err != nil {
		return dst, fmt.Errorf("arrow: encode batch %d: %w", b.Seq, err)
	}
	defer p.Release()
	w := appender{b: dst}
	if _, err := p.WritePayload(&w); err != nil {
		return dst, fmt.Errorf("arrow: encode batch %d: %w", b.Seq, err)
	}
	return w.b, nil
}

// fill appends the values of f for recs to its builder; js is scratch.
func fill(bld array.Builder, f *columnar.Field, recs []pipeline.Record, js []byte) []byte {
	switch f.Kind {
	case columnar.String:
		sb := bld.(*array.StringBuilder)
		for i := range recs {
			appendStr(sb, f.Str(&recs[i].User))
		}
	case columnar.JSON:
		sb := bld.(*array.StringBuilder)
		for i := range recs {
			var ok bool
			if js, ok = f.AppendJSON(js[:0], &recs[i].User); ok {
				sb.BinaryBuilder.Append(js)
			} else {
				sb.AppendNull()
			}
		}
	case columnar.Bool:
		bb := bld.(*array.BooleanBuilder)
		for i := range recs {
			appendBool(bb, f.Bool(&recs[i].User))
		}
	case columnar.Int64:
		ib := bld.(*array.Int64Builder)
		for i := range recs {
			if v := f.Int(&recs[i].User); v.Valid {
				ib.Append(v.V)
			} else {
				ib.AppendNull()
			}
		}
	case columnar.Time:
		tb := bld.(*array.TimestampBuilder)
		for i := range recs {
			if t := f.Time(&recs[i].User); !t.IsZero() {
				tb.Append(arrow.Timestamp(columnar.Micros(t)))
			} else {
				tb.AppendNull()
			}
		}
	case columnar.List:
		js = fillList(bld.(*array.ListBuilder), f, recs, js)
	}
	return js
}

func appendStr(sb *array.StringBuilder, s string) {
	if s == "" {
		sb.AppendNull()
		return
	}
	sb.Append(s)
}

func appendBool(bb *array.BooleanBuilder, v profile.Bool) {
	if !v.IsSet() {
		bb.AppendNull()
		return
	}
	bb.Append(v.Value())
}

// fillList appends identities or MFA factors: null for nil, an empty list
// for an empty slice, else one struct per element.
func fillList(lb *array.ListBuilder, f *columnar.Field, recs []pipeline.Record, js []byte) []byte {
	sb := lb.ValueBuilder().(*array.StructBuilder)
	for i := range recs {
		u := &recs[i].User
		n, null := len(u.Identities), u.Identities == nil
		if f.Attr == columnar.MFAFactors {
			n, null = len(u.MFAFactors), u.MFAFactors == nil
		}
		if null {
			lb.AppendNull()
			continue
		}
		lb.Append(true)
		for j := range n {
			sb.Append(true)
			for k := range f.Fields {
				m := &f.Fields[k]
				fb := sb.FieldBuilder(k)
				var ok bool
				if f.Attr == columnar.Identities {
					id := &u.Identities[j]
					switch m.Kind {
					case columnar.String:
						appendStr(fb.(*array.StringBuilder), m.IdentityStr(id))
					case columnar.Bool:
						appendBool(fb.(*array.BooleanBuilder), m.IdentityBool(id))
					case columnar.JSON:
						js, ok = m.IdentityJSON(js[:0], id)
						appendJSON(fb.(*array.StringBuilder), js, ok)
					}
					continue
				}
				mf := &u.MFAFactors[j]
				switch m.Kind {
				case columnar.String:
					appendStr(fb.(*array.StringBuilder), m.FactorStr(mf))
				case columnar.JSON:
					js, ok = m.FactorJSON(js[:0], mf)
					appendJSON(fb.(*array.StringBuilder), js, ok)
				}
			}
		}
	}
	return js
}

func appendJSON(sb *array.StringBuilder, js []byte, ok bool) {
	if !ok {
		sb.AppendNull()
		return
	}
	sb.BinaryBuilder.Append(js)
}

// messageLengths returns the lengths of the metadata (with its prefix and
// padding) and of the body of the one IPC message msg holds.
func messageLengths(msg []byte) (meta int32, body int64, ok bool) {
	if len(msg) < 8 || binary.LittleEndian.Uint32(msg) != 0xffffffff {
		return 0, 0, false
	}
	n := int64(binary.LittleEndian.Uint32(msg[4:]))
	if 8+n > int64(len(msg)) {
		return 0, 0, false
	}
	return int32(8 + n), int64(len(msg)) - 8 - n, true
}
