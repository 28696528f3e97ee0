package columnar

// Arena gathers the strings of one chunk of records into one allocation:
// Str records where a string goes, and Finish converts all the bytes once
// and points every field at its part. The fields must stay where they are
// until Finish (the records' slice must not grow meanwhile).
type Arena struct {
	text  []byte
	fixes []fix
}

type fix struct {
	dst  *string
	a, b int
}

// Str sets *dst to a copy of b at Finish; an empty b or nil dst sets
// nothing.
func (a *Arena) Str(dst *string, b []byte) {
	if len(b) == 0 || dst == nil {
		return
	}
	a.fixes = append(a.fixes, fix{dst: dst, a: len(a.text), b: len(a.text) + len(b)})
	a.text = append(a.text, b...)
}

// String is Str for a string.
func (a *Arena) String(dst *string, s string) {
	if len(s) == 0 || dst == nil {
		return
	}
	a.fixes = append(a.fixes, fix{dst: dst, a: len(a.text), b: len(a.text) + len(s)})
	a.text = append(a.text, s...)
}

// Finish sets the fields and empties the arena for the next chunk.
func (a *Arena) Finish() {
	s := string(a.text)
	for _, f := range a.fixes {
		*f.dst = s[f.a:f.b]
	}
	clear(a.fixes)
	a.fixes, a.text = a.fixes[:0], a.text[:0]
}
