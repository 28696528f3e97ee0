package ndjson

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/ferry-dev/ferry/formats/internal/input"
	"github.com/ferry-dev/ferry/formats/internal/jsonobject"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

// Options configure the decoder and the encoder. The zero value works.
type Options struct {
	// MaxRecordBytes is the longest line the decoder buffers; a longer
	// one stops the stream with ErrRecordTooLarge after the records before
	// it. Default DefaultMaxRecordBytes.
	MaxRecordBytes int
	// Fields, when set, makes the encoder write only these profile paths
	// of each user, as Auth0's JSON export does with an export job's
	// fields: one member per path with a value, named by the path or by
	// its name in ExportAs (path → name).
	Fields   []string
	ExportAs map[string]string
	// Mapping tells the decoder what members the profile does not know
	// mean, before the alias table does, as it tells the CSV decoder what
	// its columns mean.
	Mapping profile.Mapping
}

// DefaultMaxRecordBytes is the default of Options.MaxRecordBytes.
const DefaultMaxRecordBytes = 64 << 20

func (o Options) withDefaults() Options {
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = DefaultMaxRecordBytes
	}
	return o
}

// Errors of the decoder. Per-record problems are rejects, not errors.
var (
	// ErrRecordTooLarge: a line is longer than Options.MaxRecordBytes.
	ErrRecordTooLarge = errors.New("record too large")
	// ErrCheckpoint: a checkpoint does not fall on a record boundary of
	// the input or disagrees with it, so the run cannot resume from it.
	ErrCheckpoint = errors.New("checkpoint does not match input")
)

var (
	_ pipeline.Decoder      = (*Decoder)(nil)
	_ pipeline.ChunkDecoder = chunkDecoder{}
	_ pipeline.Encoder      = Encoder{}
)

// Decoder cuts an NDJSON stream into chunks of whole lines. It is used by
// one reader goroutine; the chunks it returns are decoded concurrently.
type Decoder struct {
	in      input.Buffer
	source  string
	opts    Options
	names   *jsonobject.Names // resolves members the profile does not know
	index   int64             // index of the next record
	scanned int               // bytes after the chunk's complete lines known to hold no newline
	started bool
}

// NewDecoder returns a decoder of the NDJSON stream r, already
// decompressed. source names the input in record origins.
func NewDecoder(r io.Reader, source string, opts Options) pipeline.Decoder {
	d := &Decoder{in: input.New(r), source: source, opts: opts.withDefaults()}
	d.names = jsonobject.NewNames(&d.opts.Mapping)
	return d
}

// begin drops a byte order mark at the start of the stream.
func (d *Decoder) begin() {
	if d.started {
		return
	}
	d.started = true
	d.in.SkipBOM()
}

var nl = []byte{'\n'}

// Next returns a chunk of the next n records (non-blank lines) and the
// blank lines among them, or io.EOF after the last one.
func (d *Decoder) Next(ctx context.Context, n int) (*pipeline.Chunk, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d.begin()
	n = max(n, 1)
	pos, count := 0, 0 // end of the complete lines taken, records among them
	for count < n {
		data := d.in.Pending()
		i := bytes.IndexByte(data[pos+d.scanned:], '\n')
		if i < 0 {
			d.scanned = len(data) - pos
			if d.scanned > d.opts.MaxRecordBytes {
				d.in.Err = d.tooLarge(pos)
				break
			}
			if d.in.Fill() {
				continue
			}
			if d.in.Err == nil && pos < len(data) { // last line, without a newline
				if !blank(data[pos:]) {
					count++
				}
				pos = len(data)
				d.scanned = 0
			}
			break
		}
		end := pos + d.scanned + i
		if end-pos > d.opts.MaxRecordBytes {
			d.in.Err = d.tooLarge(pos)
			break
		}
		if !blank(data[pos:end]) {
			count++
		}
		pos, d.scanned = end+1, 0
	}
	if count == 0 {
		if d.in.Err != nil {
			return nil, d.in.Err
		}
		d.in.Drop(pos)
		return nil, io.EOF
	}
	c := &pipeline.Chunk{Source: d.source, Line: d.in.Line, Index: d.index, Offset: d.in.Off, Decoder: chunkDecoder{mapping: d.names}}
	c.Data = d.in.Take(pos)
	d.index += int64(count)
	return c, nil
}

// tooLarge is the error for the line at pending byte pos.
func (d *Decoder) tooLarge(pos int) error {
	return fmt.Errorf("%w: line %d (byte %d) is longer than %d bytes", ErrRecordTooLarge,
		d.in.LineAt(pos), d.in.Off+int64(pos), d.opts.MaxRecordBytes)
}

// Skip advances past the records before cp: to byte cp.Offset when it is
// set (seeking when the input can), else past cp.Index records. Reading
// forward, it checks that the offset falls on a line boundary and that
// cp.Index records precede it.
func (d *Decoder) Skip(ctx context.Context, cp pipeline.Checkpoint) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d.begin()
	if cp.Offset <= 0 && cp.Index <= 0 {
		return nil
	}
	if cp.Offset > 0 && cp.Offset < d.in.Off {
		return fmt.Errorf("%w: byte %d is before the first record", ErrCheckpoint, cp.Offset)
	}
	if cp.Offset > 0 && d.in.SeekTo(cp.Offset, '\n') {
		d.in.Line, d.index = cp.Line+1, cp.Index
		return nil
	}
	if d.in.Err != nil {
		return d.in.Err
	}
	for (cp.Offset > 0 && d.in.Off < cp.Offset) || (cp.Offset <= 0 && d.index < cp.Index) {
		if err := ctx.Err(); err != nil {
			return err
		}
		data := d.in.Pending()
		end, next := 0, 0 // end of the line, start of the next one
		if i := bytes.IndexByte(data[d.scanned:], '\n'); i >= 0 {
			end = d.scanned + i
			next = end + 1
		} else {
			d.scanned = len(data)
			if d.in.Fill() {
				continue
			}
			if d.in.Err != nil {
				return d.in.Err
			}
			if len(data) == 0 || (cp.Offset > 0 && d.in.Off+int64(len(data)) != cp.Offset) {
				return fmt.Errorf("%w: input ends at byte %d, record %d", ErrCheckpoint,
					d.in.Off+int64(len(data)), d.index)
			}
			end, next = len(data), len(data) // the last line, without a newline
		}
		if cp.Offset > 0 && d.in.Off+int64(next) > cp.Offset {
			return fmt.Errorf("%w: byte %d is inside line %d", ErrCheckpoint, cp.Offset, d.in.Line)
		}
		if !blank(data[:end]) {
			d.index++
		}
		d.in.Drop(next)
		d.scanned = 0
	}
	if cp.Offset > 0 && cp.Index > 0 && d.index != cp.Index {
		return fmt.Errorf("%w: %d records precede byte %d, the checkpoint says %d", ErrCheckpoint,
			d.index, cp.Offset, cp.Index)
	}
	return nil
}

// blank reports whether a line holds only spaces, tabs and carriage returns.
func blank(line []byte) bool {
	for _, c := range line {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

// trim cuts spaces, tabs and carriage returns at both ends.
func trim(line []byte) []byte {
	i, j := 0, len(line)
	for i < j && isSpace(line[i]) {
		i++
	}
	for j > i && isSpace(line[j-1]) {
		j--
	}
	return line[i:j]
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

// chunkDecoder parses the lines of a chunk. It holds no state, so it is
// safe for concurrent use.
// chunkDecoder decodes a chunk's objects, resolving unknown members
// through mapping (Options.Mapping) and the alias table.
type chunkDecoder struct {
	mapping *jsonobject.Names
}

// DecodeChunk parses every non-blank line of c into b.Records; a line that
// is not valid UTF-8 or not a JSON object becomes a reject with CodeParse.
func (d chunkDecoder) DecodeChunk(c *pipeline.Chunk, b *pipeline.Batch) {
	data := c.Data
	line, index := c.Line, c.Index
	if len(b.Records) == 0 {
		b.Records = make([]pipeline.Record, 0, bytes.Count(data, nl)+1)
	}
	for len(data) > 0 {
		var l []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			l, data = data[:i], data[i+1:]
		} else {
			l, data = data, nil
		}
		l = trim(l)
		if len(l) == 0 {
			line++
			continue
		}
		pos := pipeline.Position{Source: c.Source, Line: line, Index: index}
		line++
		index++
		jsonobject.Decode(b, pos, l, "line is not a JSON object", d.mapping)
	}
	b.Read += int(index - c.Index)
}

// Encoder writes one compact JSON object per line, each ended by '\n': the
// whole profile, or with Options.Fields the projection on them. It holds
// no state, so it is safe for concurrent use.
type Encoder struct {
	project *jsonobject.Projection
}

// NewEncoder returns an NDJSON encoder.
func NewEncoder(opts Options) pipeline.Encoder {
	if len(opts.Fields) == 0 {
		return Encoder{}
	}
	p := jsonobject.Project(opts.Fields, opts.ExportAs)
	return Encoder{project: &p}
}

// Header returns nil: NDJSON has no header.
func (Encoder) Header() []byte { return nil }

// Separator returns nil: every line carries its own '\n'.
func (Encoder) Separator() []byte { return nil }

// Footer returns nil.
func (Encoder) Footer() []byte { return nil }

// Encode appends one line per record of b. It sizes dst once, from the
// first record, rather than let it grow by doubling.
func (e Encoder) Encode(dst []byte, b *pipeline.Batch) ([]byte, error) {
	if len(b.Records) > 0 && cap(dst)-len(dst) < firstRecordBytes {
		dst = slices.Grow(dst, firstRecordBytes)
	}
	for i := range b.Records {
		start := len(dst)
		if e.project != nil {
			dst = e.project.Append(dst, &b.Records[i].User)
		} else {
			dst = profile.AppendJSON(dst, &b.Records[i].User)
		}
		dst = append(dst, '\n')
		if i == 0 {
			dst = grow(dst, len(dst)-start, len(b.Records)-1)
		}
	}
	return dst, nil
}

// firstRecordBytes is the room Encode makes for the first record, which
// sizes the rest.
const firstRecordBytes = 2048

// grow makes room in dst for n more records of about size bytes each, with
// a small margin for records longer than the first. (A larger margin costs
// more than it saves: the room is cleared when it is allocated.)
func grow(dst []byte, size, n int) []byte {
	want := n * (size + size/16)
	if cap(dst)-len(dst) >= want {
		return dst
	}
	return slices.Grow(dst, want)
}
