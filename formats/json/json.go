package json

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
	// Key is the member of a top-level object that holds the users array
	// ({"users":[…]} in Firebase and Keycloak exports). Default "users".
	Key string
	// Wrap makes the encoder write {"<Key>":[…]} instead of a bare array.
	Wrap bool
	// Fields and ExportAs make the encoder write only these profile paths
	// of each user, as ndjson.Options' do.
	Fields   []string
	ExportAs map[string]string
	// Mapping tells the decoder what members the profile does not know
	// mean, as ndjson.Options' does.
	Mapping profile.Mapping
	// MaxRecordBytes is the largest array element the decoder buffers; a
	// larger one stops the stream with ErrRecordTooLarge after the records
	// before it. Default DefaultMaxRecordBytes.
	MaxRecordBytes int
}

// DefaultMaxRecordBytes is the default of Options.MaxRecordBytes.
const DefaultMaxRecordBytes = 64 << 20

func (o Options) withDefaults() Options {
	if o.Key == "" {
		o.Key = "users"
	}
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = DefaultMaxRecordBytes
	}
	return o
}

// Errors of the decoder. A malformed element is a reject, not an error;
// these end the stream, after the records before the fault.
var (
	// ErrSyntax: the array or its wrapper object is malformed (unterminated,
	// garbage between elements, no users array). Errors wrapping it are
	// *SyntaxError values.
	ErrSyntax = errors.New("malformed JSON array")
	// ErrRecordTooLarge: an element is longer than Options.MaxRecordBytes.
	ErrRecordTooLarge = errors.New("record too large")
	// ErrCheckpoint: a checkpoint does not fall on an element boundary of
	// the input or disagrees with it, so the run cannot resume from it.
	ErrCheckpoint = errors.New("checkpoint does not match input")
)

// SyntaxError is a structural fault of the input at a position. Its message
// names the position and the rule broken, never input text.
type SyntaxError struct {
	// Line is the 1-based line of the offending byte.
	Line int64
	// Offset is its byte offset in the (decompressed) stream.
	Offset int64
	// Msg says what was wrong.
	Msg string
}

// Error returns "malformed JSON array: line L (byte B): what was wrong".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%v: line %d (byte %d): %s", ErrSyntax, e.Line, e.Offset, e.Msg)
}

// Unwrap returns ErrSyntax.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

var (
	_ pipeline.Decoder      = (*Decoder)(nil)
	_ pipeline.ChunkDecoder = chunkDecoder{}
	_ pipeline.Encoder      = Encoder{}
)

// state is where the reader is in the top-level structure.
type state uint8

const (
	stStart     state = iota // before the first byte
	stWrapKey                // in the wrapper object: a key, or '}' if first
	stWrapColon              // after a key
	stWrapValue              // after the colon
	stWrapNext               // after a member: ',' or '}'
	stFirstElem              // after '[': an element or ']'
	stElem                   // after ',': an element
	stAfterElem              // after an element: ',' or ']'
	stEnd                    // after the top-level value: only whitespace
)

// Decoder cuts a JSON array of users into chunks of whole elements. It
// scans bytes (strings, escapes, bracket nesting) and parses nothing. It is
// used by one reader goroutine; the chunks it returns are decoded
// concurrently.
type Decoder struct {
	in        input.Buffer
	source    string
	opts      Options
	names     *jsonobject.Names // resolves members the profile does not know
	index     int64             // index of the next element
	state     state
	wrapped   bool // the array is a member of a wrapper object
	wrapFirst bool // no member of the wrapper read yet
	isUsers   bool // the member being read is the users array
	sawUsers  bool
	vs        valueScan
	err       error // sticky: the stream is broken from here
}

// NewDecoder returns a decoder of r, already decompressed, holding a JSON
// array of user objects or an object with that array under Options.Key.
// source names the input in record origins.
func NewDecoder(r io.Reader, source string, opts Options) pipeline.Decoder {
	d := &Decoder{in: input.New(r), source: source, opts: opts.withDefaults()}
	d.names = jsonobject.NewNames(&d.opts.Mapping)
	return d
}

var nl = []byte{'\n'}

// syntax returns a *SyntaxError at pending byte p.
func (d *Decoder) syntax(p int, msg string) error {
	return &SyntaxError{Line: d.in.LineAt(p), Offset: d.in.Off + int64(p), Msg: msg}
}

// Next returns a chunk of the next n elements, or io.EOF after the last
// one. A structural fault is returned after the elements before it.
func (d *Decoder) Next(ctx context.Context, n int) (*pipeline.Chunk, error) {
	return d.next(ctx, max(n, 1))
}

// next scans up to n elements into a chunk. With n == 0 it stops before
// the first element, having read what precedes it.
func (d *Decoder) next(ctx context.Context, n int) (*pipeline.Chunk, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if d.err != nil {
		return nil, d.err
	}
	var c *pipeline.Chunk
	count, pos, last := 0, 0, 0 // elements, scan position and end of the last element, in pending bytes
	// done hands out the chunk (dropping the bytes scanned after it) and
	// keeps err, if any, for the next call.
	done := func(err error) (*pipeline.Chunk, error) {
		if err != nil {
			d.err = err
		}
		if count == 0 {
			if err == nil {
				err = io.EOF
			}
			return nil, err
		}
		c.Data = d.in.Take(last)
		d.in.Drop(pos - last)
		d.index += int64(count)
		return c, nil
	}
	for {
		data := d.in.Pending()
		for !d.vs.started && pos < len(data) && isSpace(data[pos]) { // between values
			pos++
		}
		if count == 0 && pos > 0 {
			d.in.Drop(pos)
			pos, data = 0, d.in.Pending()
		}
		if pos >= len(data) {
			if d.in.Fill() {
				continue
			}
			if d.in.Err != nil {
				return done(d.in.Err)
			}
			switch d.state {
			case stStart, stEnd:
				return done(nil)
			case stWrapKey, stWrapColon, stWrapValue, stWrapNext:
				return done(d.syntax(pos, "input ends inside the top-level object"))
			}
			return done(d.syntax(pos, "input ends inside the array"))
		}
		switch ch := data[pos]; d.state {
		case stStart:
			if d.in.Off == 0 && pos == 0 && data[0] == 0xef && d.in.SkipBOM() { // 0xef: a byte order mark may begin
				continue
			}
			switch ch {
			case '[':
				d.state = stFirstElem
			case '{':
				d.state, d.wrapped, d.wrapFirst = stWrapKey, true, true
			default:
				return done(d.syntax(pos, "input is neither an array nor an object"))
			}
			pos++
		case stWrapKey:
			if ch == '}' && d.wrapFirst {
				return done(d.syntax(pos, fmt.Sprintf("object has no %q array", d.opts.Key)))
			}
			if ch != '"' {
				return done(d.syntax(pos, "expected a member name"))
			}
			ok, err := d.skipValue(pos, false)
			if err != nil || !ok {
				if err == nil {
					continue
				}
				return done(err)
			}
			key := d.in.Pending()[pos+1 : pos+d.vs.n-1]
			d.isUsers = string(key) == d.opts.Key
			pos += d.vs.n
			d.vs.reset()
			d.state = stWrapColon
		case stWrapColon:
			if ch != ':' {
				return done(d.syntax(pos, "expected ':' after a member name"))
			}
			pos++
			d.state = stWrapValue
		case stWrapValue:
			if d.isUsers {
				if ch != '[' {
					return done(d.syntax(pos, fmt.Sprintf("%q is not an array", d.opts.Key)))
				}
				if d.sawUsers {
					return done(d.syntax(pos, fmt.Sprintf("second %q array", d.opts.Key)))
				}
				d.sawUsers = true
				d.state = stFirstElem
				pos++
				continue
			}
			ok, err := d.skipValue(pos, count == 0)
			if err != nil {
				return done(err)
			}
			if !ok {
				if count == 0 { // skipValue dropped what it scanned
					pos = 0
				}
				continue
			}
			if count == 0 {
				d.in.Drop(d.vs.n)
				pos = 0
			} else {
				pos += d.vs.n
			}
			d.vs.reset()
			d.state = stWrapNext
		case stWrapNext:
			switch ch {
			case ',':
				d.state, d.wrapFirst = stWrapKey, false
			case '}':
				if !d.sawUsers {
					return done(d.syntax(pos, fmt.Sprintf("object has no %q array", d.opts.Key)))
				}
				d.state = stEnd
			default:
				return done(d.syntax(pos, "expected ',' or '}' after a member"))
			}
			pos++
		case stFirstElem, stElem:
			if ch == ']' {
				if d.state == stElem {
					return done(d.syntax(pos, "expected an element after ','"))
				}
				d.closeArray()
				pos++
				continue
			}
			if n == 0 {
				return nil, nil
			}
			if count == 0 {
				c = &pipeline.Chunk{Source: d.source, Line: d.in.Line, Index: d.index, Offset: d.in.Off, Decoder: chunkDecoder{mapping: d.names}}
			}
			if ch == ',' || ch == ':' || ch == '}' {
				return done(d.syntax(pos, "expected an element"))
			}
			// The scan sees at most MaxRecordBytes+1 bytes, so that an
			// element too long is reported as such however it arrives.
			lim := min(len(data), pos+d.opts.MaxRecordBytes+1)
			ok, serr := d.vs.scan(data[pos:lim], d.in.EOF && lim == len(data))
			if serr != nil {
				return done(d.syntax(pos+serr.at, serr.msg))
			}
			if d.vs.n > d.opts.MaxRecordBytes {
				return done(fmt.Errorf("%w: element at line %d (byte %d) is longer than %d bytes",
					ErrRecordTooLarge, d.in.LineAt(pos), d.in.Off+int64(pos), d.opts.MaxRecordBytes))
			}
			if !ok {
				if d.in.Fill() {
					continue
				}
				if d.in.Err != nil {
					return done(d.in.Err)
				}
				return done(d.syntax(pos, "input ends inside an element"))
			}
			pos += d.vs.n
			d.vs.reset()
			count++
			last = pos
			d.state = stAfterElem
			if count == n {
				return done(nil)
			}
		case stAfterElem:
			switch ch {
			case ',':
				d.state = stElem
				pos++
			case ']':
				d.closeArray()
				pos++
				if count > 0 {
					return done(nil)
				}
			default:
				return done(d.syntax(pos, "expected ',' or ']' after an element"))
			}
		case stEnd:
			return done(d.syntax(pos, "data after the end of the input's value"))
		}
	}
}

func (d *Decoder) closeArray() {
	if d.wrapped {
		d.state = stWrapNext
	} else {
		d.state = stEnd
	}
}

// skipValue scans the value at pending byte pos with d.vs, filling the
// buffer as needed. When drop is set (pos must then be 0), it drops what it
// has scanned, so a large member of a wrapper object is never held whole. It reports whether the value ended; false with a nil error means
// call again (more input was read).
func (d *Decoder) skipValue(pos int, drop bool) (bool, error) {
	ok, serr := d.vs.scan(d.in.Pending()[pos:], d.in.EOF)
	if serr != nil {
		return false, d.syntax(pos+serr.at, serr.msg)
	}
	if ok {
		return true, nil
	}
	if drop {
		d.in.Drop(d.vs.n)
		d.vs.n = 0
	}
	if d.in.Fill() {
		return false, nil
	}
	if d.in.Err != nil {
		return false, d.in.Err
	}
	return false, d.syntax(pos+d.vs.n, "input ends inside the top-level object")
}

// Skip advances past the elements before cp: to byte cp.Offset when it is
// set (seeking when the input can), else past cp.Index elements. Reading
// forward, it checks that the offset falls on an element boundary and that
// cp.Index elements precede it.
func (d *Decoder) Skip(ctx context.Context, cp pipeline.Checkpoint) error {
	if cp.Offset <= 0 && cp.Index <= 0 {
		return ctx.Err()
	}
	if _, err := d.next(ctx, 0); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if cp.Offset > 0 && cp.Offset < d.in.Off {
		return fmt.Errorf("%w: byte %d is before the first element", ErrCheckpoint, cp.Offset)
	}
	if cp.Offset > 0 && d.state == stFirstElem && d.in.SeekTo(cp.Offset, '}') {
		d.in.Line, d.index, d.state = cp.Line+1, cp.Index, stAfterElem
		return nil
	}
	if d.in.Err != nil {
		return d.in.Err
	}
	for (cp.Offset > 0 && d.in.Off < cp.Offset) || (cp.Offset <= 0 && d.index < cp.Index) {
		n := 1
		if cp.Offset <= 0 {
			n = int(min(cp.Index-d.index, 1000))
		}
		c, err := d.Next(ctx, n)
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: input ends at byte %d, element %d", ErrCheckpoint, d.in.Off, d.index)
		}
		if err != nil {
			return err
		}
		if end := c.Offset + int64(len(c.Data)); cp.Offset > 0 && end != cp.Offset {
			if end > cp.Offset {
				return fmt.Errorf("%w: byte %d is inside element %d", ErrCheckpoint, cp.Offset, c.Index)
			}
			continue
		}
		break
	}
	if cp.Offset > 0 && cp.Index > 0 && d.index != cp.Index {
		return fmt.Errorf("%w: %d elements precede byte %d, the checkpoint says %d", ErrCheckpoint,
			d.index, cp.Offset, cp.Index)
	}
	return nil
}

// chunkDecoder parses the elements of a chunk. It holds no state, so it is
// safe for concurrent use.
// chunkDecoder decodes a chunk's objects, resolving unknown members
// through mapping (Options.Mapping) and the alias table.
type chunkDecoder struct {
	mapping *jsonobject.Names
}

// DecodeChunk parses every element of c into b.Records; an element that is
// not a JSON object, not valid UTF-8 or malformed becomes a reject with
// CodeParse.
func (d chunkDecoder) DecodeChunk(c *pipeline.Chunk, b *pipeline.Batch) {
	data := c.Data
	line, index := c.Line, c.Index
	var vs valueScan
	for pos := 0; pos < len(data); {
		for ; pos < len(data); pos++ {
			ch := data[pos]
			if ch == '\n' {
				line++
			} else if ch != ' ' && ch != '\t' && ch != '\r' && ch != ',' {
				break
			}
		}
		if pos >= len(data) {
			break
		}
		vs.reset()
		n := len(data) - pos
		if ok, err := vs.scan(data[pos:], true); ok && err == nil {
			n = vs.n
		}
		elem := data[pos : pos+n]
		pos += n
		at := pipeline.Position{Source: c.Source, Line: line, Index: index}
		line += int64(bytes.Count(elem, nl))
		index++
		jsonobject.Decode(b, at, elem, "array element is not a JSON object", d.mapping)
	}
	b.Read += int(index - c.Index)
}

// Encoder writes a JSON array, one compact object per line: "[" then the
// objects joined by ",\n", then "\n]\n" (Auth0's import shape). With
// Options.Wrap the array is the Key member of an object. It holds no
// state, so it is safe for concurrent use.
type Encoder struct {
	header, footer []byte
	project        *jsonobject.Projection
}

// NewEncoder returns a JSON array encoder.
func NewEncoder(opts Options) pipeline.Encoder {
	opts = opts.withDefaults()
	e := Encoder{header: []byte("["), footer: []byte("\n]\n")}
	if opts.Wrap {
		e.header = append(profile.AppendString([]byte("{"), opts.Key), ":["...)
		e.footer = []byte("\n]}\n")
	}
	if len(opts.Fields) > 0 {
		p := jsonobject.Project(opts.Fields, opts.ExportAs)
		e.project = &p
	}
	return e
}

// Header returns "[" (or `{"users":[` when wrapped).
func (e Encoder) Header() []byte { return e.header }

// Separator returns ",\n".
func (Encoder) Separator() []byte { return []byte(",\n") }

// Footer returns "\n]\n" (or "\n]}\n" when wrapped).
func (e Encoder) Footer() []byte { return e.footer }

// Encode appends each record of b as ",\n" and one compact JSON object.
// It sizes dst once, from the first record, rather than let it grow by
// doubling.
func (e Encoder) Encode(dst []byte, b *pipeline.Batch) ([]byte, error) {
	for i := range b.Records {
		start := len(dst)
		dst = append(dst, ",\n"...)
		if e.project != nil {
			dst = e.project.Append(dst, &b.Records[i].User)
		} else {
			dst = profile.AppendJSON(dst, &b.Records[i].User)
		}
		if i == 0 {
			if n, size := len(b.Records)-1, len(dst)-start; cap(dst)-len(dst) < n*(size+size/16) {
				dst = slices.Grow(dst, n*(size+size/16))
			}
		}
	}
	return dst, nil
}
