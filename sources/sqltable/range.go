package sqltable

// Range is a shard of a keyset-paginated source: the rows whose key k has
// After < k <= Through, in the key's order. An empty After starts at the
// first row and an empty Through runs to the last, so the zero Range is the
// whole table, and the ranges a source's Split returns cover the table
// however it grows after the split. Keys are written as text: a number in
// decimal, a time in RFC 3339, a string as itself.
type Range struct {
	After   string `json:"after,omitempty"`
	Through string `json:"through,omitempty"`
}

// Ranges turns the n upper bounds a split query found, in order, into n
// ranges that cover every key: the first from the start, the last to the
// end.
func Ranges(bounds []string) []Range {
	if len(bounds) == 0 {
		return []Range{{}}
	}
	out := make([]Range, len(bounds))
	prev := ""
	for i, b := range bounds {
		out[i] = Range{After: prev, Through: b}
		prev = b
	}
	out[len(out)-1].Through = ""
	return out
}
