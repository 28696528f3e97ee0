package mysql

import "github.com/ferry-dev/ferry/sinks/internal/sqlstore"

// appendRow appends one parenthesised row of SQL literals.
func appendRow(dst []byte, r *sqlstore.Row) []byte {
	dst = append(dst, '(')
	for c, v := range r {
		if c > 0 {
			dst = append(dst, ',')
		}
		dst = appendValue(dst, v, sqlstore.ColumnKind(c))
	}
	return append(dst, ')')
}

// appendValue appends v as an SQL literal: NULL, a number as it is, else a
// quoted string with backslash escapes (the session's sql_mode keeps
// backslash escapes on). Building the statement text here, rather than
// binding thousands of parameters, spares the driver boxing every value.
func appendValue(dst, v []byte, k sqlstore.Kind) []byte {
	if v == nil {
		return append(dst, "NULL"...)
	}
	if k == sqlstore.KindBool || k == sqlstore.KindInt {
		return append(dst, v...)
	}
	dst = append(dst, '\'')
	start := 0
	for i, c := range v {
		var esc byte
		switch c {
		case 0:
			esc = '0'
		case '\n':
			esc = 'n'
		case '\r':
			esc = 'r'
		case '\\':
			esc = '\\'
		case '\'':
			esc = '\''
		case '"':
			esc = '"'
		case 0x1a:
			esc = 'Z'
		default:
			continue
		}
		dst = append(dst, v[start:i]...)
		dst = append(dst, '\\', esc)
		start = i + 1
	}
	dst = append(dst, v[start:]...)
	return append(dst, '\'')
}
