package query

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrSyntax is wrapped by every *SyntaxError, so callers can tell a bad
// query from other failures with errors.Is.
var ErrSyntax = errors.New("query syntax")

// ErrDialect is returned by SQL for a Dialect it does not know.
var ErrDialect = errors.New("query: unknown sql dialect")

// SyntaxError is a query Parse refused, with the position of the fault.
//
// Msg names the rule broken and at most a field name, never a value, so it
// can be logged on its own. Error also prints the query, which is the
// user's own input: show it to that user, do not log it.
type SyntaxError struct {
	// Offset is the 0-based byte offset of the fault in the query.
	Offset int
	// Column is the 1-based rune column of the fault: between 1 and the
	// number of runes in the query plus one (the end of the query).
	Column int
	// Msg says what is wrong, in lower case.
	Msg string

	query string
}

// Error returns the message, the query and a caret under the column:
//
//	query: expected value after "email:" at column 7
//	  email:
//	        ^
func (e *SyntaxError) Error() string {
	var b strings.Builder
	b.WriteString("query: ")
	b.WriteString(e.Msg)
	b.WriteString(" at column ")
	b.WriteString(strconv.Itoa(e.Column))
	if e.query == "" {
		return b.String()
	}
	b.WriteString("\n  ")
	for _, r := range e.query {
		if unicode.IsControl(r) {
			r = ' ' // keep one column per rune, so the caret lines up
		}
		b.WriteRune(r)
	}
	b.WriteString("\n  ")
	for i := 1; i < e.Column; i++ {
		b.WriteByte(' ')
	}
	b.WriteByte('^')
	return b.String()
}

// Unwrap returns ErrSyntax.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// syntaxError builds the error for a fault at byte offset off of q.
func syntaxError(q string, off int, msg string) *SyntaxError {
	if off > len(q) {
		off = len(q)
	}
	if off < 0 {
		off = 0
	}
	return &SyntaxError{
		Offset: off,
		Column: utf8.RuneCountInString(q[:off]) + 1,
		Msg:    msg,
		query:  q,
	}
}
