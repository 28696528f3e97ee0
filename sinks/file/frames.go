package file

import (
	"fmt"
	"sync"

	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/sinks/internal/frames"
)

// frameEncoder runs a format's encoder and compresses each batch into a
// frame of its own, on the worker. The batch's leading separator is left
// out of the frame: the sink writes it, as a frame of its own, only before
// a batch that does not start the output.
type frameEncoder struct {
	enc     pipeline.Encoder
	frames  frames.Compressor
	scratch sync.Pool // *[]byte, the uncompressed batch
}

func (e *frameEncoder) Header() []byte    { return e.enc.Header() }
func (e *frameEncoder) Separator() []byte { return e.enc.Separator() }
func (e *frameEncoder) Footer() []byte    { return e.enc.Footer() }

// Encode appends to dst one frame holding b's encoded records without the
// first separator; nothing for a batch without records.
func (e *frameEncoder) Encode(dst []byte, b *pipeline.Batch) ([]byte, error) {
	if len(b.Records) == 0 {
		return dst, nil
	}
	buf, _ := e.scratch.Get().(*[]byte)
	if buf == nil {
		buf = new([]byte)
	}
	defer e.scratch.Put(buf)
	raw, err := e.enc.Encode((*buf)[:0], b)
	if err != nil {
		return dst, err
	}
	*buf = raw
	records, err := frames.StripSeparator(raw, e.enc.Separator())
	if err != nil {
		return dst, fmt.Errorf("batch %d: %w", b.Seq, err)
	}
	return e.frames.Frame(dst, records)
}
