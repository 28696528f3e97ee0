package csv

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"slices"
	"strings"
)

// splitter finds where a record ends: at the first newline that is not
// inside a quoted field. A line with an even number of quotes that starts
// outside a quoted field ends the record (bytes.Count, vectorised); only a
// line with an odd count, or one that starts inside a quoted field, is
// walked field by field, so that a stray quote in an unquoted field (which
// the field parser rejects) does not swallow the lines after it. It is
// resumable: at is the length of the complete lines already looked at.
type splitter struct {
	at      int
	inQuote bool
	lines   int // lines of the record being read, before at
	// last is the number of lines (newlines) of the record next returned.
	last int
}

// next returns the length of the record at the start of data, its newline
// included, or -1 when data holds no complete record.
func (s *splitter) next(data []byte, delim byte) int {
	for {
		i := bytes.IndexByte(data[s.at:], '\n')
		if i < 0 {
			return -1
		}
		line := data[s.at : s.at+i]
		if s.inQuote || bytes.Count(line, quote)&1 == 1 {
			s.inQuote = quoteOpen(line, s.inQuote, delim)
		}
		s.at += i + 1
		s.lines++
		if !s.inQuote {
			n := s.at
			s.at, s.last, s.lines = 0, s.lines, 0
			return n
		}
	}
}

var quote = []byte{'"'}

// quoteOpen reports whether line ends inside a quoted field, given whether
// it starts inside one. A quote that does not open a field is literal here.
func quoteOpen(line []byte, in bool, delim byte) bool {
	i := 0
	for {
		if !in { // at the start of a field
			if i < len(line) && line[i] == '"' {
				in = true
				i++
				continue
			}
			d := bytes.IndexByte(line[i:], delim)
			if d < 0 {
				return false
			}
			i += d + 1
			continue
		}
		q := bytes.IndexByte(line[i:], '"')
		if q < 0 {
			return true
		}
		i += q + 1
		if i < len(line) && line[i] == '"' {
			i++
			continue
		}
		in = false
		d := bytes.IndexByte(line[i:], delim)
		if d < 0 {
			return false
		}
		i += d + 1
	}
}

// blankRecord reports whether a record is an empty line.
func blankRecord(rec []byte) bool {
	return len(rec) == 0 || string(rec) == "\n" || string(rec) == "\r\n" || string(rec) == "\r"
}

// trimEOL cuts the line end of a record.
func trimEOL(rec string) string {
	rec = strings.TrimSuffix(rec, "\n")
	return strings.TrimSuffix(rec, "\r")
}

// cell locates one field: s[a:b] of the chunk's text, or, when a < 0,
// esc[-a-1:b] of the unescaped text of quoted fields holding "".
type cell struct{ a, b int }

// parser splits records into fields. It is one worker's scratch space,
// reused from chunk to chunk.
type parser struct {
	cells []cell
	esc   []byte
	rows  []row
	// escHint sizes the next chunk's esc: the records of a chunk keep
	// their esc, so it is not reused.
	escHint int
}

// Messages for malformed quoting, used as reject messages.
const (
	msgUnterminated = "unterminated quoted field"
	msgBareQuote    = "quote in an unquoted field"
	msgAfterQuote   = "character after the closing quote of a field"
)

// fields appends the cells of rec, which starts at byte base of the text,
// to p.cells. It returns a message when the quoting is malformed; with
// literal, a quote inside an unquoted field is not (Options.LiteralQuotes).
func (p *parser) fields(rec string, base int, delim byte, literal bool) string {
	// Work on local copies of the slices: storing them in p at every
	// append would cost a write barrier each while the GC runs.
	var msg string
	p.cells, p.esc, msg = splitFields(rec, base, delim, literal, p.cells, p.esc)
	return msg
}

func splitFields(rec string, base int, delim byte, literal bool, cells []cell, esc []byte) ([]cell, []byte, string) {
	if strings.IndexByte(rec, '"') < 0 {
		i := 0
		for {
			d := strings.IndexByte(rec[i:], delim)
			if d < 0 {
				cells = append(cells, cell{base + i, base + len(rec)})
				return cells, esc, ""
			}
			cells = append(cells, cell{base + i, base + i + d})
			i += d + 1
		}
	}
	i := 0
	for {
		if i < len(rec) && rec[i] == '"' {
			// A quoted field: its text runs to the first quote not doubled.
			start := i + 1
			j := indexQuote(rec, start)
			if j < 0 {
				return cells, esc, msgUnterminated
			}
			if j+1 < len(rec) && rec[j+1] == '"' {
				// Doubled quotes: the text goes, unescaped, to esc.
				at := len(esc)
				var ok bool
				if esc, j, ok = unquoteInto(esc, rec, start, j); !ok {
					return cells, esc, msgUnterminated
				}
				cells = append(cells, cell{-at - 1, len(esc)})
			} else {
				cells = append(cells, cell{base + start, base + j})
			}
			i = j + 1
			if i == len(rec) {
				return cells, esc, ""
			}
			if rec[i] != delim {
				return cells, esc, msgAfterQuote
			}
			i++
			if i == len(rec) { // a trailing empty field
				cells = append(cells, cell{base + i, base + i})
				return cells, esc, ""
			}
			continue
		}
		end := indexDelimOrQuote(rec, i, delim)
		if end < len(rec) && rec[end] == '"' {
			if !literal {
				return cells, esc, msgBareQuote
			}
			if d := strings.IndexByte(rec[end:], delim); d < 0 {
				end = len(rec)
			} else {
				end += d
			}
		}
		cells = append(cells, cell{base + i, base + end})
		if end == len(rec) {
			return cells, esc, ""
		}
		i = end + 1
	}
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// load64 reads 8 bytes of s at i, little-endian (one load).
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// zeroBytes flags (with their top bit) the zero bytes of v. A byte above a
// flagged one may be flagged wrongly; the lowest flag is always right.
func zeroBytes(v uint64) uint64 { return (v - lsb) & ^v & msb }

// quoteBytes flags (with their top bit) exactly the '"' bytes of v.
func quoteBytes(v uint64) uint64 {
	const low7 = 0x7f7f7f7f7f7f7f7f
	x := v ^ (lsb * '"')
	return ^((x&low7 + low7) | x | low7)
}

// indexQuote returns the index of the first '"' in s from i on, or -1.
func indexQuote(s string, i int) int {
	for ; i+8 <= len(s); i += 8 {
		if m := zeroBytes(load64(s, i) ^ (lsb * '"')); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	if j := strings.IndexByte(s[i:], '"'); j >= 0 {
		return i + j
	}
	return -1
}

// indexDelimOrQuote returns the index of the first delim or '"' in s from
// i on, or len(s). Fields are short: a word at a time beats two calls to
// strings.IndexByte.
func indexDelimOrQuote(s string, i int, delim byte) int {
	for ; i+8 <= len(s); i += 8 {
		v := load64(s, i)
		if m := zeroBytes(v^(lsb*'"')) | zeroBytes(v^(lsb*uint64(delim))); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(s); i++ {
		if s[i] == '"' || s[i] == delim {
			return i
		}
	}
	return i
}

// unquoteInto appends the text of the quoted field whose content starts at
// rec[start] to esc, each doubled quote as one. j is the index of the
// field's first quote, which is doubled. It returns the index of the
// closing quote, or false when there is none. It copies a word at a time,
// writing up to 8 bytes past what it keeps, so it first makes room.
func unquoteInto(esc []byte, rec string, start, j int) ([]byte, int, bool) {
	esc = append(esc, rec[start:j+1]...)
	j += 2
	// The text left is at most len(rec)-j bytes; 8 more for the last word.
	esc = slices.Grow(esc, len(rec)-j+8)
	buf := esc[:cap(esc)]
	w := len(esc)
	for {
		if j+8 <= len(rec) {
			v := load64(rec, j)
			binary.LittleEndian.PutUint64(buf[w:], v)
			m := quoteBytes(v)
			if m == 0 {
				j, w = j+8, w+8
				continue
			}
			k := bits.TrailingZeros64(m) >> 3
			if k < 7 {
				// The flags are exact, so the next byte's tells a doubled
				// quote from the closing one without another load.
				if m>>(8*k+15)&1 != 0 {
					j, w = j+k+2, w+k+1
					continue
				}
				return buf[:w+k], j + k, true
			}
			j, w = j+k, w+k
		} else {
			for j < len(rec) && rec[j] != '"' {
				buf[w] = rec[j]
				j, w = j+1, w+1
			}
			if j == len(rec) {
				return buf[:w], j, false
			}
		}
		// rec[j] is a quote.
		if j+1 < len(rec) && rec[j+1] == '"' {
			buf[w] = '"'
			j, w = j+2, w+1
			continue
		}
		return buf[:w], j, true
	}
}
