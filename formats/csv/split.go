package csv

import (
	"bytes"
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
		if !s.inQuote {
			n := s.at
			s.at = 0
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
}

// Messages for malformed quoting, used as reject messages.
const (
	msgUnterminated = "unterminated quoted field"
	msgBareQuote    = "quote in an unquoted field"
	msgAfterQuote   = "character after the closing quote of a field"
)

// fields appends the cells of rec, which starts at byte base of the text,
// to p.cells. It returns a message when the quoting is malformed.
func (p *parser) fields(rec string, base int, delim byte) string {
	if strings.IndexByte(rec, '"') < 0 {
		i := 0
		for {
			d := strings.IndexByte(rec[i:], delim)
			if d < 0 {
				p.cells = append(p.cells, cell{base + i, base + len(rec)})
				return ""
			}
			p.cells = append(p.cells, cell{base + i, base + i + d})
			i += d + 1
		}
	}
	i := 0
	for {
		if i < len(rec) && rec[i] == '"' {
			// A quoted field: its text runs to the first quote not doubled.
			// Doubled quotes send the text, unescaped, to p.esc.
			start := i + 1
			j, seg, escAt := start, start, -1
			for {
				q := strings.IndexByte(rec[j:], '"')
				if q < 0 {
					return msgUnterminated
				}
				j += q
				if j+1 < len(rec) && rec[j+1] == '"' {
					if escAt < 0 {
						escAt = len(p.esc)
					}
					p.esc = append(p.esc, rec[seg:j+1]...)
					j += 2
					seg = j
					continue
				}
				break
			}
			if escAt >= 0 {
				p.esc = append(p.esc, rec[seg:j]...)
				p.cells = append(p.cells, cell{-escAt - 1, len(p.esc)})
			} else {
				p.cells = append(p.cells, cell{base + start, base + j})
			}
			i = j + 1
			if i == len(rec) {
				return ""
			}
			if rec[i] != delim {
				return msgAfterQuote
			}
			i++
			if i == len(rec) { // a trailing empty field
				p.cells = append(p.cells, cell{base + i, base + i})
				return ""
			}
			continue
		}
		d := strings.IndexByte(rec[i:], delim)
		end := len(rec)
		if d >= 0 {
			end = i + d
		}
		if strings.IndexByte(rec[i:end], '"') >= 0 {
			return msgBareQuote
		}
		p.cells = append(p.cells, cell{base + i, base + end})
		if d < 0 {
			return ""
		}
		i = end + 1
	}
}
