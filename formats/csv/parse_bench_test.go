package csv

import (
	"testing"

	"github.com/ferry-dev/ferry/fixtures/formattest"
)

// BenchmarkParseFields splits the rows of 10k generated users and parses
// their fields, without setting profile fields: the parser's own cost, to
// compare with encoding/csv (BenchmarkFieldsStdlib).
func BenchmarkParseFields(b *testing.B) {
	data := formattest.Encode(b, NewEncoder(Options{IncludeSecrets: true}), formattest.Generate(10_000))
	text := string(data)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var p parser
	for b.Loop() {
		var sp splitter
		for pos := 0; pos < len(data); {
			n := sp.next(data[pos:], ',')
			if n < 0 {
				n = len(data) - pos
			}
			p.cells, p.esc = p.cells[:0], p.esc[:0]
			if msg := p.fields(trimEOL(text[pos:pos+n]), pos, ',', false); msg != "" {
				b.Fatal(msg)
			}
			pos += n
		}
	}
}
