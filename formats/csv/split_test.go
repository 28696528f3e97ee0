package csv

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// refFields is the plain reference of parser.fields: one byte at a time,
// no word tricks. It returns the cells' texts and the message.
func refFields(rec string, delim byte) ([]string, string) {
	var out []string
	i := 0
	for {
		if i < len(rec) && rec[i] == '"' {
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(rec) {
					return out, msgUnterminated
				}
				if rec[j] == '"' {
					if j+1 < len(rec) && rec[j+1] == '"' {
						b.WriteByte('"')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(rec[j])
				j++
			}
			out = append(out, b.String())
			i = j + 1
			if i == len(rec) {
				return out, ""
			}
			if rec[i] != delim {
				return out, msgAfterQuote
			}
			i++
			if i == len(rec) {
				return append(out, ""), ""
			}
			continue
		}
		j := i
		for j < len(rec) && rec[j] != delim {
			if rec[j] == '"' {
				return out, msgBareQuote
			}
			j++
		}
		out = append(out, rec[i:j])
		if j == len(rec) {
			return out, ""
		}
		i = j + 1
	}
}

// checkFields compares parser.fields on rec, at an offset in a longer
// text, with refFields.
func checkFields(t *testing.T, rec string, delim byte) {
	t.Helper()
	const pad = "pad;"
	text := pad + rec
	var p parser
	p.esc = append(p.esc, "earlier"...)
	msg := p.fields(text[len(pad):], len(pad), delim, false)
	wantCells, wantMsg := refFields(rec, delim)
	if msg != wantMsg {
		t.Fatalf("fields(%q): message %q, want %q", rec, msg, wantMsg)
	}
	if msg != "" {
		return
	}
	got := make([]string, len(p.cells))
	for i, c := range p.cells {
		got[i] = cellText(text, string(p.esc), c)
	}
	if d := cmp.Diff(wantCells, got); d != "" {
		t.Fatalf("fields(%q) (-want +got):\n%s", rec, d)
	}
}

func TestFields_AgreesWithPlainParser(t *testing.T) {
	tests := []string{
		``, `a`, `a,b`, `,`, `a,`, `"a"`, `"a",b`, `"a""b"`, `""""`, `""`, `"",""`,
		`x,"[{""connection"":""Username-Password-Authentication"",""user_id"":""5fa0768b83cd62b96d17d778""}]",y`,
		`"0123456789abcdef""0123456789abcdef"`, `"01234567""`, `"0123456""7"`, `"abcdefgh"`, `"abcdefgh""`,
		`a"b`, `"a"b`, `"a`, `"a""`, `abcdefgh,ijklmnop"q`, `abcdefghijklmnop,"qrstuvwxyz""0123456789"`,
		`"a,b","c""d,e""f",g`, "\"a\nb\",c", `ünïcödé,"“quoted” ""x"""`,
	}
	for _, rec := range tests {
		checkFields(t, rec, ',')
		checkFields(t, strings.ReplaceAll(rec, ",", ";"), ';')
	}
	// Random records over a small alphabet hit every boundary of the
	// word-at-a-time loops.
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = `"",,ab;"`
	for range 20000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		checkFields(t, string(b), ',')
	}
}

func FuzzFields(f *testing.F) {
	f.Add(`x,"[{""a"":1}]",y`, byte(','))
	f.Add(`"a""b",c`, byte(';'))
	f.Fuzz(func(t *testing.T, rec string, delim byte) {
		if delim == '"' || delim == '\n' || delim == '\r' {
			return
		}
		checkFields(t, rec, delim)
	})
}

func TestQuoteBytes_FlagsExactlyTheQuotes(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 100000 {
		var v, want uint64
		for i := range 8 {
			b := uint64(r.IntN(256))
			if r.IntN(4) == 0 {
				b = '"'
			} else if r.IntN(4) == 0 {
				b = '"' ^ 1 // '#', a borrow away from a quote
			}
			v |= b << (8 * i)
			if b == '"' {
				want |= 0x80 << (8 * i)
			}
		}
		if got := quoteBytes(v); got != want {
			t.Fatalf("quoteBytes(%#x) = %#x, want %#x", v, got, want)
		}
	}
}
