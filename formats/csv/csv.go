package csv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/ferry-dev/ferry/formats/internal/input"
	"github.com/ferry-dev/ferry/formats/internal/jsonobject"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

// Options configure the decoder and the encoder. The zero value works.
type Options struct {
	// Delimiter separates fields; default ','. It must be an ASCII
	// character other than '"', '\r' and '\n' (';' and '\t' are common).
	Delimiter rune
	// LiteralQuotes reads a quote inside an unquoted field as the
	// character it is, as tab-separated dumps (PostgreSQL's and MySQL's
	// text format, IANA TSV) write it, instead of rejecting the row as
	// RFC 4180 would. A field that starts with a quote is still a quoted
	// field.
	LiteralQuotes bool

	// Header names the columns of input that has no header row. When nil,
	// the first row of the input is the header.
	Header []string
	// Mapping resolves column names to profile paths, before the alias
	// table (profile.Canonical); a name neither knows is an Extra
	// attribute. Its Ignore list drops columns.
	Mapping profile.Mapping

	// Fields are the profile paths the encoder writes, one column each, in
	// order: root attributes ("email"), whole objects as JSON
	// ("app_metadata", "identities") or leaves ("user_metadata.plan",
	// "identities[0].connection"). Default: DefaultFields.
	Fields []string
	// IncludeSecrets adds password_hash, custom_password_hash and
	// mfa_factors to the default Fields.
	IncludeSecrets bool
	// ExportAs renames columns: path → header name, as the export_as of
	// Auth0's export jobs. The decoder maps those names back.
	ExportAs map[string]string
	// CRLF ends rows with "\r\n" instead of "\n".
	CRLF bool
	// Escape guards against formula injection (OWASP "CSV injection"): a
	// cell starting with = + - @ tab or carriage return is written quoted
	// and prefixed with a single quote. Off by default, because it changes
	// values (phone numbers start with +) and the decoder does not undo it.
	Escape bool

	// MaxRecordBytes is the longest row the decoder buffers; a longer one
	// (an unterminated quote, typically) stops the stream with
	// ErrRecordTooLarge after the rows before it. Default
	// DefaultMaxRecordBytes.
	MaxRecordBytes int
}

// Secrets are the paths left out of the default Fields unless
// Options.IncludeSecrets is set: password hashes and MFA factors (which hold
// TOTP secrets).
var Secrets = []string{"password_hash", "custom_password_hash", "mfa_factors"}

// DefaultFields returns the columns the encoder writes by default:
// profile.RootFields, without Secrets unless includeSecrets. With secrets,
// a last "password" column carries plaintext passwords of legacy input, so
// a conversion never drops them.
func DefaultFields(includeSecrets bool) []string {
	var fs []string
	for _, f := range profile.RootFields {
		if includeSecrets || !slices.Contains(Secrets, f) {
			fs = append(fs, f)
		}
	}
	fs = append(fs, ExtraColumn)
	if includeSecrets {
		fs = append(fs, "password")
	}
	return fs
}

// ExtraColumn is the column that carries a user's unknown attributes
// (profile.User.Extra) as one JSON object, so that no attribute is lost on
// the way through CSV. The decoder spreads an object in that column back
// into unknown attributes; a cell that is not a JSON object is kept as an
// unknown attribute named "extra".
const ExtraColumn = "extra"

// ErrOptions is returned for options that cannot work.
var ErrOptions = errors.New("invalid csv options")

// Validate reports options that cannot work: a bad delimiter, an empty
// field list entry, duplicate header names.
func (o Options) Validate() error {
	if d := o.Delimiter; d != 0 && (d >= utf8.RuneSelf || d == '"' || d == '\r' || d == '\n') {
		return fmt.Errorf("%w: delimiter must be an ASCII character other than quote and line ends", ErrOptions)
	}
	for i, f := range o.Fields {
		if strings.TrimSpace(f) == "" {
			return fmt.Errorf("%w: field %d is empty", ErrOptions, i+1)
		}
	}
	return nil
}

// DefaultMaxRecordBytes is the default of Options.MaxRecordBytes.
const DefaultMaxRecordBytes = 64 << 20

func (o Options) withDefaults() Options {
	if o.Delimiter == 0 {
		o.Delimiter = ','
	}
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = DefaultMaxRecordBytes
	}
	if len(o.Fields) == 0 {
		o.Fields = DefaultFields(o.IncludeSecrets)
	}
	return o
}

// Errors of the decoder. A malformed row is a reject, not an error; these
// end the stream, after the rows before the fault.
var (
	// ErrHeader: the header row is malformed or ambiguous.
	ErrHeader = errors.New("bad csv header")
	// ErrRecordTooLarge: a row is longer than Options.MaxRecordBytes.
	ErrRecordTooLarge = errors.New("record too large")
	// ErrCheckpoint: a checkpoint does not fall on a row boundary of the
	// input or disagrees with it, so the run cannot resume from it.
	ErrCheckpoint = errors.New("checkpoint does not match input")
)

var (
	_ pipeline.Decoder      = (*Decoder)(nil)
	_ pipeline.ChunkDecoder = (*layout)(nil)
	_ pipeline.Encoder      = (*Encoder)(nil)
)

// Decoder cuts a CSV stream into chunks of whole rows, quote-aware. It
// reads the header on the first call. It is used by one reader goroutine;
// the chunks it returns are decoded concurrently.
type Decoder struct {
	in      input.Buffer
	source  string
	opts    Options
	delim   byte
	index   int64 // index of the next row
	layout  *layout
	sp      splitter
	started bool
	err     error // sticky: the stream is broken from here
}

// NewDecoder returns a decoder of the CSV stream r, already decompressed.
// source names the input in record origins. Options that do not validate
// make the first Next or Skip fail.
func NewDecoder(r io.Reader, source string, opts Options) pipeline.Decoder {
	d := &Decoder{in: input.New(r), source: source, err: opts.Validate()}
	d.opts = opts.withDefaults()
	d.delim = byte(d.opts.Delimiter)
	return d
}

// begin drops a byte order mark and reads the header row, if the input
// has one. The layout stays nil for input without any row.
func (d *Decoder) begin() error {
	if d.started {
		return d.err
	}
	d.started = true
	if d.err != nil {
		return d.err
	}
	d.in.SkipBOM()
	if d.opts.Header != nil {
		d.layout, d.err = newLayout(d.opts.Header, d.opts, d.delim)
		return d.err
	}
	for {
		n, err := d.scanRecord(0)
		if err != nil || n == 0 {
			d.err = err
			return err
		}
		rec := d.in.Pending()[:n]
		if blankRecord(rec) {
			d.in.Drop(n)
			continue
		}
		if !utf8.Valid(rec) {
			d.err = fmt.Errorf("%w: line %d: invalid UTF-8", ErrHeader, d.in.Line)
			return d.err
		}
		var p parser
		text := trimEOL(string(rec))
		if msg := p.fields(text, 0, d.delim, d.opts.LiteralQuotes); msg != "" {
			d.err = fmt.Errorf("%w: line %d: %s", ErrHeader, d.in.Line, msg)
			return d.err
		}
		names := make([]string, len(p.cells))
		for i, c := range p.cells {
			names[i] = cellText(text, string(p.esc), c)
		}
		d.layout, d.err = newLayout(names, d.opts, d.delim)
		if d.err != nil {
			d.err = fmt.Errorf("line %d: %w", d.in.Line, d.err)
			return d.err
		}
		d.in.Drop(n)
		return nil
	}
}

// scanRecord returns the length of the row at pending byte pos, reading
// as needed: the last row may lack its newline, and 0 means the input has
// no more rows.
func (d *Decoder) scanRecord(pos int) (int, error) {
	for {
		data := d.in.Pending()[pos:]
		n := d.sp.next(data, d.delim)
		if n < 0 && len(data) <= d.opts.MaxRecordBytes {
			if d.in.Fill() {
				continue
			}
			d.sp = splitter{}
			if d.in.Err != nil {
				return 0, d.in.Err
			}
			n = len(data)
		}
		if n < 0 || n > d.opts.MaxRecordBytes {
			d.sp = splitter{}
			return 0, fmt.Errorf("%w: row at line %d (byte %d) is longer than %d bytes (an unterminated quote?)",
				ErrRecordTooLarge, d.in.LineAt(pos), d.in.Off+int64(pos), d.opts.MaxRecordBytes)
		}
		return n, nil
	}
}

// Next returns a chunk of the next n rows (and the blank lines among
// them), or io.EOF after the last one.
func (d *Decoder) Next(ctx context.Context, n int) (*pipeline.Chunk, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := d.begin(); err != nil {
		return nil, err
	}
	if d.layout == nil {
		return nil, io.EOF
	}
	n = max(n, 1)
	pos, count := 0, 0
	for count < n {
		m, err := d.scanRecord(pos)
		if err != nil {
			d.err = err
			break
		}
		if m == 0 {
			break
		}
		if !blankRecord(d.in.Pending()[pos : pos+m]) {
			count++
		}
		pos += m
	}
	if count == 0 {
		if d.err != nil {
			return nil, d.err
		}
		d.in.Drop(pos)
		return nil, io.EOF
	}
	c := &pipeline.Chunk{Source: d.source, Line: d.in.Line, Index: d.index, Offset: d.in.Off, Decoder: d.layout}
	c.Data = d.in.Take(pos)
	d.index += int64(count)
	return c, nil
}

// Skip reads the header, then advances past the rows before cp: to byte
// cp.Offset when it is set (seeking when the input can), else past cp.Index
// rows. Reading forward, it checks that the offset falls on a row boundary
// and that cp.Index rows precede it.
func (d *Decoder) Skip(ctx context.Context, cp pipeline.Checkpoint) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := d.begin(); err != nil {
		return err
	}
	if cp.Offset <= 0 && cp.Index <= 0 {
		return nil
	}
	if cp.Offset > 0 && cp.Offset < d.in.Off {
		return fmt.Errorf("%w: byte %d is before the first row", ErrCheckpoint, cp.Offset)
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
		m, err := d.scanRecord(0)
		if err != nil {
			return err
		}
		if m == 0 || d.layout == nil {
			return fmt.Errorf("%w: input ends at byte %d, row %d", ErrCheckpoint, d.in.Off, d.index)
		}
		if cp.Offset > 0 && d.in.Off+int64(m) > cp.Offset {
			return fmt.Errorf("%w: byte %d is inside the row at line %d", ErrCheckpoint, cp.Offset, d.in.Line)
		}
		if !blankRecord(d.in.Pending()[:m]) {
			d.index++
		}
		d.in.Drop(m)
	}
	if cp.Offset > 0 && cp.Index > 0 && d.index != cp.Index {
		return fmt.Errorf("%w: %d rows precede byte %d, the checkpoint says %d", ErrCheckpoint,
			d.index, cp.Offset, cp.Index)
	}
	return nil
}

// column is where one column's cells go: a profile path, or "" for a
// column that is dropped.
type column struct {
	path  string
	p     profile.Path // path, resolved once
	code  profile.Code // the issue code of a cell the profile refuses
	extra bool         // the ExtraColumn: a JSON object of unknown attributes
	// unnamed: the header names no column here; a value in it is an
	// issue of its row, not dropped.
	unnamed bool
	// parent is the index of the column holding an object this column's
	// path lies in (user_metadata for user_metadata.plan), -1 for none:
	// the cell is read after the parent's, and must agree with it.
	parent int
}

// layout is a file's header resolved to profile paths. It decodes the
// file's chunks and is immutable once built, so workers share it.
type layout struct {
	cols    []column
	delim   byte
	mapping *jsonobject.Names // for the attributes of the extra column
	nested  bool              // a column's path lies in another's (column.parent)
	// literalQuotes: Options.LiteralQuotes.
	literalQuotes bool
	scratch       sync.Pool // *parser
}

// newLayout resolves column names, once per file: through the inverse of
// Options.ExportAs, then Options.Mapping (which falls back to the alias
// table, then to the name itself, an Extra attribute). A column the
// mapping ignores is dropped; one with an empty name must stay empty.
func newLayout(names []string, opts Options, delim byte) (*layout, error) {
	l := &layout{cols: make([]column, len(names)), delim: delim, mapping: jsonobject.NewNames(&opts.Mapping), literalQuotes: opts.LiteralQuotes}
	l.scratch.New = func() any { return new(parser) }
	byName := make(map[string]string, len(opts.ExportAs))
	for path, name := range opts.ExportAs {
		byName[name] = path
	}
	seen := make(map[string]int, len(names))
	for i, name := range names {
		name = strings.Trim(name, " \t")
		if name == "" {
			l.cols[i] = column{unnamed: true, parent: -1}
			continue
		}
		path, ok := byName[name]
		if !ok {
			var ignore bool
			if path, ignore = opts.Mapping.Resolve(name); ignore {
				continue
			}
		}
		var probe profile.User
		if err := probe.SetText(path, ""); err != nil { // checks the path, sets nothing
			return nil, fmt.Errorf("%w: column %d: %w", ErrHeader, i+1, err)
		}
		if j, dup := seen[path]; dup {
			if _, known := profile.Canonical(path); known {
				return nil, fmt.Errorf("%w: columns %d and %d both hold %s", ErrHeader, j+1, i+1, path)
			}
			// Not an attribute name: maybe data in a file without a
			// header, which a message must not quote.
			return nil, fmt.Errorf("%w: columns %d and %d have the same name (is the first row a header?)", ErrHeader, j+1, i+1)
		}
		seen[path] = i
		l.cols[i] = column{path: path, p: profile.CompilePath(path), code: cellCode(path), extra: path == ExtraColumn, parent: -1}
	}
	for i := range l.cols {
		for j := range l.cols {
			if c, p := l.cols[i].path, l.cols[j].path; i != j && c != "" && p != "" && len(c) > len(p) &&
				strings.HasPrefix(c, p) && (c[len(p)] == '.' || c[len(p)] == '[') {
				if k := l.cols[i].parent; k < 0 || len(p) > len(l.cols[k].path) {
					l.cols[i].parent = j
				}
			}
		}
		if l.cols[i].parent >= 0 {
			l.nested = true
		}
	}
	return l, nil
}

// row is one record of a chunk after the first pass.
type row struct {
	line  int64
	cells int // index of its first cell in parser.cells
	n     int // number of cells
	msg   string
}

// DecodeChunk parses the rows of c into b.Records. A row with malformed
// quoting, invalid UTF-8 or a field count unlike the header's becomes a
// reject with CodeParse; a cell the profile cannot take is an issue of the
// record.
//
// Cells hold substrings of c.Data itself, not of a copy: Decoder.Next hands
// out bytes that it never writes again (see input.Buffer.Take), so they can be
// read as a string. A chunk decoded here must come from Decoder.Next, and
// nothing may write to its Data while its records live. Quoted cells with
// doubled quotes are unescaped into one buffer per chunk, held the same way.
func (l *layout) DecodeChunk(c *pipeline.Chunk, b *pipeline.Batch) {
	p := l.scratch.Get().(*parser)
	defer l.scratch.Put(p)
	p.cells, p.rows = p.cells[:0], p.rows[:0]
	// The unescaped text goes to a fresh buffer, sized after the last
	// chunk's: the records keep it.
	p.esc = make([]byte, 0, p.escHint)
	text := unsafe.String(unsafe.SliceData(c.Data), len(c.Data))
	checkUTF8 := !utf8.ValidString(text)

	// First pass: split rows and fields.
	line := c.Line
	var sp splitter
	for pos := 0; pos < len(text); {
		n := sp.next(c.Data[pos:], l.delim)
		rec := text[pos:]
		at := line
		if n < 0 { // the last row, without a line end
			n = len(rec)
			sp = splitter{}
			line += int64(strings.Count(rec, "\n"))
		} else {
			rec = rec[:n]
			line += int64(sp.last)
		}
		base := pos
		pos += n
		if blankRecord(c.Data[base:pos]) {
			continue
		}
		r := row{line: at, cells: len(p.cells)}
		switch {
		case checkUTF8 && !utf8.ValidString(rec):
			r.msg = "invalid UTF-8"
		default:
			r.msg = p.fields(trimEOL(rec), base, l.delim, l.literalQuotes)
		}
		r.n = len(p.cells) - r.cells
		if r.msg == msgUnterminated {
			// The open quote took every line after it into this row: say
			// how many, as they are not counted as rows of their own.
			if n := strings.Count(strings.TrimRight(rec, "\r\n"), "\n"); n > 0 {
				r.msg = fmt.Sprintf("%s: it takes in the %d lines after it, to line %d (the end of the input)", msgUnterminated, n, at+int64(n))
			}
		}
		if r.msg == "" && r.n != len(l.cols) {
			r.msg = fmt.Sprintf("row has %d fields, the header %d", r.n, len(l.cols))
		}
		p.rows = append(p.rows, r)
	}

	// Second pass: fill the users.
	esc := unsafe.String(unsafe.SliceData(p.esc), len(p.esc))
	p.escHint = len(p.esc) + len(p.esc)/8
	p.esc = nil
	b.Records = zeroRoom(b.Records, len(p.rows))
	index := c.Index
	for _, r := range p.rows {
		at := pipeline.Position{Source: c.Source, Line: r.line, Index: index}
		index++
		if r.msg != "" {
			b.Rejects = append(b.Rejects, pipeline.Reject{Origin: at,
				Issues: profile.Issues{{Code: profile.CodeParse, Message: r.msg}}})
			continue
		}
		// The room past len is zero (zeroRoom): no need to write a zero
		// Record over it.
		b.Records = b.Records[:len(b.Records)+1]
		rec := &b.Records[len(b.Records)-1]
		rec.Origin = at
		cells := p.cells[r.cells : r.cells+r.n]
		for j, cl := range cells {
			col := &l.cols[j]
			if cl.a == cl.b || col.parent >= 0 {
				continue
			}
			cell := cellText(text, esc, cl)
			if col.path == "" {
				if col.unnamed && strings.TrimSpace(cell) != "" {
					rec.Issues.Add(profile.CodeParse, "", fmt.Sprintf("column %d holds a value but the header gives it no name", j+1))
				}
				continue
			}
			if col.extra && spreadExtra(&rec.User, cell, l.mapping, &rec.Issues) {
				continue
			}
			if err := rec.User.SetTextPath(col.p, cell); err != nil {
				rec.Issues.Add(col.code, col.path, fmt.Sprintf("column %d: %v", j+1, err))
			}
		}
		if l.nested {
			l.nestedCells(rec, cells, text, esc)
		}
	}
	b.Read += len(p.rows)
}

// nestedCells reads the cells of columns whose path lies in another
// column's object (user_metadata.plan beside user_metadata, as ferry's own
// CSV holds them with --fields naming both), after that object was set.
// Where the object cell is empty the cell sets its path; where it is not,
// the cell is a copy and must agree with the object's value there, else
// the record gets a CONFLICT issue (the object's value stands, typed as it
// was: a copy's "5" does not turn a number into text).
func (l *layout) nestedCells(rec *pipeline.Record, cells []cell, text, esc string) {
	for j, cl := range cells {
		col := &l.cols[j]
		if cl.a == cl.b || col.parent < 0 {
			continue
		}
		cell := cellText(text, esc, cl)
		if pc := cells[col.parent]; pc.a != pc.b {
			if got, ok := rec.User.GetText(col.path); !ok || got != cell {
				rec.Issues.Add(profile.CodeConflict, col.path, fmt.Sprintf("column %d disagrees with column %d, which holds %s", j+1, col.parent+1, l.cols[col.parent].path))
			}
			continue
		}
		if err := rec.User.SetTextPath(col.p, cell); err != nil {
			rec.Issues.Add(col.code, col.path, fmt.Sprintf("column %d: %v", j+1, err))
		}
	}
}

// spreadExtra reads the attributes of the JSON object cell as the members
// of a JSON input are read (jsonobject.Resolve: unknown ones to u.Extra,
// profile attributes and aliases set, a repeated one a CONFLICT issue) and
// reports whether cell was such an object.
func spreadExtra(u *profile.User, cell string, m *jsonobject.Names, is *profile.Issues) bool {
	if len(cell) < 2 || cell[0] != '{' {
		return false
	}
	var attrs []profile.Attr
	err := profile.ObjectEach([]byte(cell), func(key string, value []byte) error {
		v, err := profile.Compact(nil, value)
		if err != nil {
			return err
		}
		attrs = append(attrs, profile.Attr{Key: key, Value: v})
		return nil
	})
	if err != nil {
		return false
	}
	jsonobject.Resolve(u, attrs, m, is)
	return true
}

// zeroRoom returns recs with room for n more records, all zero. A new
// array is zero already; room in the old one is cleared.
func zeroRoom(recs []pipeline.Record, n int) []pipeline.Record {
	if cap(recs)-len(recs) >= n {
		clear(recs[len(recs) : len(recs)+n])
		return recs
	}
	grown := make([]pipeline.Record, len(recs), len(recs)+n)
	copy(grown, recs)
	return grown
}

// cellCode is the issue code of a cell the profile refused: CodeFormat
// for a time it cannot read (as DecodeJSON reports it), else
// CodeInvalidType.
func cellCode(path string) profile.Code {
	switch path {
	case "created_at", "updated_at", "last_login", "last_password_reset":
		return profile.CodeFormat
	}
	return profile.CodeInvalidType
}

// cellText returns the text of cl.
func cellText(text, esc string, cl cell) string {
	if cl.a < 0 {
		return esc[-cl.a-1 : cl.b]
	}
	return text[cl.a:cl.b]
}

// Encoder writes one row per record, the columns of Options.Fields, after
// a header row. Cells are quoted only when they hold the delimiter, a quote
// or a line end (RFC 4180). It is safe for concurrent use.
type Encoder struct {
	fields []string
	paths  []profile.Path // fields, resolved once
	// object marks the fields that are root attributes holding a JSON
	// object (jsonRoots but identities and mfa_factors): they are written
	// as compact JSON even when they hold a JSON string.
	object []bool
	extra  []bool // the ExtraColumn
	header []byte
	delim  byte
	eol    string
	escape bool
	err    error
}

// NewEncoder returns a CSV encoder. Options that do not validate make
// Encode fail.
func NewEncoder(opts Options) pipeline.Encoder {
	e := &Encoder{err: opts.Validate()}
	opts = opts.withDefaults()
	e.fields, e.delim, e.escape, e.eol = opts.Fields, byte(opts.Delimiter), opts.Escape, "\n"
	if opts.CRLF {
		e.eol = "\r\n"
	}
	e.object = make([]bool, len(e.fields))
	e.extra = make([]bool, len(e.fields))
	e.paths = make([]profile.Path, len(e.fields))
	for i, f := range e.fields {
		e.extra[i] = f == ExtraColumn
		e.object[i] = slices.Contains(jsonRoots, f) && f != "identities" && f != "mfa_factors"
		e.paths[i] = profile.CompilePath(f)
		if i > 0 {
			e.header = append(e.header, e.delim)
		}
		name := f
		if as, ok := opts.ExportAs[f]; ok && as != "" {
			name = as
		}
		e.header = appendCell(e.header, e, name)
	}
	e.header = append(e.header, e.eol...)
	return e
}

// Header returns the header row.
func (e *Encoder) Header() []byte { return e.header }

// Separator returns nil: every row carries its own line end.
func (e *Encoder) Separator() []byte { return nil }

// Footer returns nil.
func (e *Encoder) Footer() []byte { return nil }

// Encode appends one row per record of b. Attributes outside the Fields
// are not written. Cells are appended to dst directly and quoted
// afterwards when they need it; dst is sized once, from the first row.
func (e *Encoder) Encode(dst []byte, b *pipeline.Batch) ([]byte, error) {
	if e.err != nil {
		return dst, e.err
	}
	var scratch []byte
	for i := range b.Records {
		u := &b.Records[i].User
		start := len(dst)
		for j, f := range e.fields {
			if j > 0 {
				dst = append(dst, e.delim)
			}
			if e.extra[j] {
				if len(u.Extra) > 0 {
					scratch = appendExtra(scratch[:0], u.Extra)
					dst = appendCell(dst, e, scratch)
				}
				continue
			}
			if e.object[j] {
				if v, ok := u.GetJSON(f); ok && len(v) > 0 {
					c, err := profile.Compact(scratch[:0], v)
					if err != nil {
						c = append(scratch[:0], v...)
					}
					scratch = c
					dst = appendCell(dst, e, c)
				}
				continue
			}
			at := len(dst)
			dst, _ = u.AppendTextPath(dst, e.paths[j])
			if v := dst[at:]; len(v) > 0 && e.mustQuote(v) {
				scratch = append(scratch[:0], v...)
				dst = appendCell(dst[:at], e, scratch)
			}
		}
		if len(dst) == start { // one column, empty: not a blank line
			dst = append(dst, `""`...)
		}
		dst = append(dst, e.eol...)
		if i == 0 {
			if n, size := len(b.Records)-1, len(dst)-start; cap(dst)-len(dst) < n*(size+size/16) {
				dst = slices.Grow(dst, n*(size+size/16))
			}
		}
	}
	return dst, nil
}

// mustQuote reports whether appendCell would quote v.
func (e *Encoder) mustQuote(v []byte) bool {
	return (e.escape && strings.IndexByte("=+-@\t\r", v[0]) >= 0) || needsQuotes(v, e.delim)
}

// jsonRoots are the root attributes that hold a JSON object or array.
var jsonRoots = []string{"identities", "app_metadata", "user_metadata", "custom_password_hash", "mfa_factors"}

// appendCell appends v, quoted when needed.
func appendCell[T string | []byte](dst []byte, e *Encoder, v T) []byte {
	formula := e.escape && len(v) > 0 && strings.IndexByte("=+-@\t\r", v[0]) >= 0
	if !formula && !needsQuotes(v, e.delim) {
		return append(dst, v...)
	}
	dst = append(dst, '"')
	if formula {
		dst = append(dst, '\'')
	}
	seg := 0
	for i := 0; i < len(v); i++ {
		if v[i] == '"' {
			dst = append(dst, v[seg:i+1]...)
			dst = append(dst, '"')
			seg = i + 1
		}
	}
	dst = append(dst, v[seg:]...)
	return append(dst, '"')
}

func needsQuotes[T string | []byte](v T, delim byte) bool {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '"', '\n', '\r', delim:
			return true
		}
	}
	return false
}

// appendExtra appends the unknown attributes as one compact JSON object.
func appendExtra(dst []byte, attrs []profile.Attr) []byte {
	dst = append(dst, '{')
	for i, a := range attrs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = profile.AppendString(dst, a.Key)
		dst = append(dst, ':')
		dst = append(dst, a.Value...)
	}
	return append(dst, '}')
}
