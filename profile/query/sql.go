package query

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Dialect is an SQL dialect that SQL writes.
type Dialect uint8

// The dialects of ferry's stores.
const (
	// Postgres writes $1, $2… placeholders and jsonb/jsonpath operators;
	// JSON columns are jsonb, times timestamptz, booleans boolean.
	Postgres Dialect = iota + 1
	// MySQL writes ? placeholders, JSON_EXTRACT and JSON_TABLE (MariaDB
	// 10.6+, MySQL 8.0.17+); JSON columns are JSON text, times TimeLayout
	// text, booleans 0/1 integers, text columns utf8mb4.
	MySQL
	// SQLite writes ? placeholders, json_each and json_tree (SQLite
	// 3.38+); JSON columns are JSON text, times TimeLayout text, booleans
	// 0/1 integers.
	SQLite
)

// String returns the dialect's name.
func (d Dialect) String() string {
	switch d {
	case Postgres:
		return "postgres"
	case MySQL:
		return "mysql"
	case SQLite:
		return "sqlite"
	}
	return "dialect(" + strconv.Itoa(int(d)) + ")"
}

// TimeLayout is how the SQLite and MySQL stores keep times: UTC, in fixed
// width, so that the order of the text is the order of the times.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// Columns maps the searchable attributes to the columns of a store's user
// table. Each field names a column (or any SQL expression) and is written
// into the SQL as it is: it comes from the store's code, never from a user.
// An empty field means the attribute's own name, so the zero value is the
// layout DefaultColumns returns.
//
// The JSON attributes (AppMetadata, UserMetadata, Identities) are columns
// holding the JSON text the profile codec writes (jsonb in PostgreSQL).
// Absent values are NULL or empty text.
type Columns struct {
	// Qualifier, when set, prefixes every column: "u" gives u.email.
	Qualifier string

	UserID, Email, EmailVerified, PhoneNumber, PhoneVerified, Username string
	GivenName, FamilyName, Name, Nickname, Picture, Blocked            string
	CreatedAt, UpdatedAt, LastLogin, LastIP, LoginsCount               string
	AppMetadata, UserMetadata, Identities                              string

	// Lower names the SQL function that lower-cases text for the
	// case-insensitive fields; default "lower". SQLite's lower() folds
	// ASCII letters only: a store can register a Unicode-aware function
	// and name it here.
	Lower string
}

// DefaultColumns returns the layout of ferry's stores: every column named
// as its attribute.
func DefaultColumns() Columns {
	return Columns{
		UserID: "user_id", Email: "email", EmailVerified: "email_verified",
		PhoneNumber: "phone_number", PhoneVerified: "phone_verified", Username: "username",
		GivenName: "given_name", FamilyName: "family_name", Name: "name", Nickname: "nickname",
		Picture: "picture", Blocked: "blocked", CreatedAt: "created_at", UpdatedAt: "updated_at",
		LastLogin: "last_login", LastIP: "last_ip", LoginsCount: "logins_count",
		AppMetadata: "app_metadata", UserMetadata: "user_metadata", Identities: "identities",
		Lower: "lower",
	}
}

// column returns the column of a, qualified.
func (c Columns) column(a attr) string {
	var n string
	switch a {
	case attrUserID:
		n = c.UserID
	case attrEmail, attrEmailDomain:
		n, a = c.Email, attrEmail
	case attrEmailVerified:
		n = c.EmailVerified
	case attrPhoneNumber:
		n = c.PhoneNumber
	case attrPhoneVerified:
		n = c.PhoneVerified
	case attrUsername:
		n = c.Username
	case attrGivenName:
		n = c.GivenName
	case attrFamilyName:
		n = c.FamilyName
	case attrName:
		n = c.Name
	case attrNickname:
		n = c.Nickname
	case attrPicture:
		n = c.Picture
	case attrBlocked:
		n = c.Blocked
	case attrCreatedAt:
		n = c.CreatedAt
	case attrUpdatedAt:
		n = c.UpdatedAt
	case attrLastLogin:
		n = c.LastLogin
	case attrLastIP:
		n = c.LastIP
	case attrLoginsCount:
		n = c.LoginsCount
	case attrAppMetadata:
		n = c.AppMetadata
	case attrUserMetadata:
		n = c.UserMetadata
	case attrIdentities:
		n = c.Identities
	}
	if n == "" {
		n = a.String()
	}
	if c.Qualifier != "" {
		return c.Qualifier + "." + n
	}
	return n
}

// SQL translates the query into a boolean SQL expression over the columns
// cols of one row, for a WHERE clause, with every value of the query in
// args as a bound parameter. PostgreSQL placeholders are numbered from $1:
// a caller adding its own parameters numbers them from len(args)+1.
//
// The expression selects the users Match accepts, given the storage rules
// of the dialect's constant and of Columns; the package documentation lists
// where the engines' own rules make a difference.
func (q *Query) SQL(d Dialect, cols Columns) (where string, args []any, err error) {
	switch d {
	case Postgres, MySQL, SQLite:
	default:
		return "", nil, fmt.Errorf("%w: %d", ErrDialect, int(d))
	}
	if cols.Lower == "" {
		cols.Lower = "lower"
	}
	g := &gen{d: d, c: cols}
	g.node(q.root)
	return g.b.String(), g.args, nil
}

type gen struct {
	d       Dialect
	c       Columns
	b       strings.Builder
	args    []any
	aliases int
}

func (g *gen) w(parts ...string) {
	for _, s := range parts {
		g.b.WriteString(s)
	}
}

// arg binds v and returns its placeholder. Placeholders must be written in
// the order arg is called.
func (g *gen) arg(v any) string {
	g.args = append(g.args, v)
	if g.d == Postgres {
		return "$" + strconv.Itoa(len(g.args))
	}
	return "?"
}

func (g *gen) alias() string {
	g.aliases++
	return "j" + strconv.Itoa(g.aliases)
}

func (g *gen) node(n *node) {
	switch n.op {
	case opAll:
		g.w("1=1")
	case opNone:
		g.w("1=0")
	case opNot:
		g.w("NOT (")
		g.node(n.kids[0])
		g.w(")")
	case opAnd, opOr:
		sep := " AND "
		if n.op == opOr {
			sep = " OR "
		}
		g.w("(")
		for i, k := range n.kids {
			if i > 0 {
				g.w(sep)
			}
			g.node(k)
		}
		g.w(")")
	case opTerm:
		g.term(n.t)
	}
}

func (g *gen) term(t *term) {
	a := t.field.attr
	switch a.kind() {
	case kindText:
		if a != attrNone {
			g.text(t, a)
			return
		}
		g.w("(")
		for i, d := range defaultAttrs() {
			if i > 0 {
				g.w(" OR ")
			}
			g.text(t, d)
		}
		g.w(")")
	case kindBool:
		g.boolean(t, a)
	case kindInt:
		g.integer(t, a)
	case kindTime:
		g.time(t, a)
	case kindJSON:
		g.json(t)
	}
}

// present writes the test that a text expression holds a value: absent
// attributes are NULL or "".
func (g *gen) present(x string) {
	g.w("COALESCE(length(", x, "), 0) > 0")
}

// textExpr returns the expression of a text attribute.
func (g *gen) textExpr(a attr) string {
	col := g.c.column(a)
	if a != attrEmailDomain {
		return col
	}
	switch g.d {
	case Postgres:
		return "CASE WHEN strpos(" + col + ", '@') > 0 THEN substring(" + col + " from '[^@]*$') END"
	case MySQL:
		return "CASE WHEN LOCATE('@', " + col + ") > 0 THEN SUBSTRING_INDEX(" + col + ", '@', -1) END"
	}
	return "CASE WHEN instr(" + col + ", '@') > 0 THEN substr(" + col + ", length(rtrim(" + col + ", replace(" + col + ", '@', ''))) + 1) END"
}

// text writes a test on a text attribute.
func (g *gen) text(t *term, a attr) {
	x := g.textExpr(a)
	fold := a.folds()
	v := x
	if fold {
		v = g.c.Lower + "(" + x + ")"
	}
	g.w("(")
	g.present(x)
	switch t.kind {
	case termEq:
		lit := t.text
		if fold {
			lit = t.lower
		}
		g.w(" AND ")
		g.compareText(v, "=", lit)
	case termWildcard:
		chunks := t.chunks
		if fold {
			chunks = t.lowerChunks
		}
		g.w(" AND ")
		g.like(v, chunks)
	case termRange:
		if !t.lo.open {
			lit := t.lo.text
			if fold {
				lit = t.lo.lower
			}
			g.w(" AND ")
			g.compareText(v, lowerOp(t.lo.incl), lit)
		}
		if !t.hi.open {
			lit := t.hi.text
			if fold {
				lit = t.hi.lower
			}
			g.w(" AND ")
			g.compareText(v, upperOp(t.hi.incl), lit)
		}
	}
	g.w(")")
}

func lowerOp(incl bool) string {
	if incl {
		return " >= "
	}
	return " > "
}

func upperOp(incl bool) string {
	if incl {
		return " <= "
	}
	return " < "
}

// compareText compares text by code point (the bytes of UTF-8), whatever
// the collation of the column.
func (g *gen) compareText(x, op, lit string) {
	op = " " + strings.TrimSpace(op) + " "
	switch g.d {
	case Postgres:
		if strings.TrimSpace(op) == "=" {
			g.w(x, op, g.arg(lit))
			return
		}
		g.w(x, ` COLLATE "C"`, op, g.arg(lit))
	case MySQL:
		g.w("CAST(", x, " AS BINARY)", op, "CAST(", g.arg(lit), " AS BINARY)")
	default:
		g.w(x, op, g.arg(lit))
	}
}

// like matches x against a '*' pattern, case-sensitively.
func (g *gen) like(x string, chunks []string) {
	switch g.d {
	case Postgres:
		g.w(x, " LIKE ", g.arg(likePattern(chunks)), " ESCAPE '!'")
	case MySQL:
		g.w("CAST(", x, " AS BINARY) LIKE CAST(", g.arg(likePattern(chunks)), " AS BINARY) ESCAPE '!'")
	default:
		g.w(x, " GLOB ", g.arg(globPattern(chunks)))
	}
}

// likePattern turns wildcard chunks into a LIKE pattern escaped with '!'.
func likePattern(chunks []string) string {
	var b strings.Builder
	for i, c := range chunks {
		if i > 0 {
			b.WriteByte('%')
		}
		for _, r := range c {
			if r == '!' || r == '%' || r == '_' {
				b.WriteByte('!')
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// globPattern turns wildcard chunks into an SQLite GLOB pattern (which is
// case-sensitive, unlike SQLite's LIKE).
func globPattern(chunks []string) string {
	var b strings.Builder
	for i, c := range chunks {
		if i > 0 {
			b.WriteByte('*')
		}
		for _, r := range c {
			switch r {
			case '*', '?', '[':
				b.WriteByte('[')
				b.WriteRune(r)
				b.WriteByte(']')
			default:
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

func (g *gen) boolean(t *term, a attr) {
	x := g.c.column(a)
	g.w("(", x, " IS NOT NULL")
	if t.kind == termEq {
		var v any = t.boolean
		if g.d != Postgres {
			v = 0
			if t.boolean {
				v = 1
			}
		}
		g.w(" AND ", x, " = ", g.arg(v))
	}
	g.w(")")
}

func (g *gen) integer(t *term, a attr) {
	x := g.c.column(a)
	g.w("(", x, " IS NOT NULL")
	switch t.kind {
	case termEq:
		g.w(" AND ", x, " = ", g.arg(t.integer))
	case termRange:
		if !t.lo.open {
			g.w(" AND ", x, lowerOp(t.lo.incl), g.arg(t.lo.integer))
		}
		if !t.hi.open {
			g.w(" AND ", x, upperOp(t.hi.incl), g.arg(t.hi.integer))
		}
	}
	g.w(")")
}

// timeArg binds an instant as the dialect stores it.
func (g *gen) timeArg(t time.Time) string {
	if g.d == Postgres {
		return g.arg(t.UTC())
	}
	return g.arg(t.UTC().Format(TimeLayout))
}

func (g *gen) time(t *term, a attr) {
	x := g.c.column(a)
	g.w("(")
	if g.d == Postgres {
		g.w(x, " IS NOT NULL")
	} else {
		g.present(x)
	}
	switch t.kind {
	case termEq:
		g.w(" AND ", x, " >= ", g.timeArg(t.from), " AND ", x, " < ", g.timeArg(t.to))
	case termRange:
		if !t.lo.open {
			g.w(" AND ", x, " >= ", g.timeArg(t.lo.at))
		}
		if !t.hi.open {
			g.w(" AND ", x, " < ", g.timeArg(t.hi.at))
		}
	}
	g.w(")")
}

// keyPath returns the JSON path of one key, in the syntax the three
// engines share. Keys hold only letters, digits, '_' and '-' (parseField),
// so they need no escaping inside the quotes.
func keyPath(k string) string { return `$."` + k + `"` }

// json writes a test on a path inside a JSON column: EXISTS over the values
// the path reaches, each array met standing for its elements.
func (g *gen) json(t *term) {
	col := g.c.column(t.field.attr)
	if g.d != Postgres {
		col = "NULLIF(" + col + ", '')" // empty text is absent, not malformed JSON
	}
	array := t.field.attr == attrIdentities
	var leaf string
	switch g.d {
	case Postgres:
		leaf = g.pgChain(col, array, t.field.path)
	case MySQL:
		leaf = g.mysqlChain(col, array, t.field.path)
	default:
		leaf = g.sqliteChain(col, array, t.field.path)
	}
	g.w(" WHERE ")
	switch g.d {
	case Postgres:
		g.pgLeaf(t, leaf)
	case MySQL:
		g.mysqlLeaf(t, leaf)
	default:
		g.sqliteLeaf(t, leaf)
	}
	g.w(")")
}

// sqliteChain opens "EXISTS (SELECT 1 FROM" with one json_each per step of
// the path and returns the alias of the last, whose rows are the values
// reached. Each step reads the key's value from the object of the step
// before and spreads it: an array gives its elements, anything else itself.
func (g *gen) sqliteChain(col string, array bool, path []string) string {
	g.w("EXISTS (SELECT 1 FROM ")
	prev := ""
	switch {
	case array:
		prev = g.alias()
		g.w("json_each(CASE WHEN json_type(", col, ") = 'array' THEN ", col, " END) AS ", prev)
	case len(path) == 0:
		a := g.alias()
		g.w("json_each('[' || ", col, " || ']') AS ", a)
		return a
	}
	for _, k := range path {
		if prev != "" {
			g.w(", ")
		}
		a := g.alias()
		p := keyPath(k)
		g.w("json_each(")
		obj := col
		if prev != "" {
			obj = prev + ".value"
			g.w("CASE WHEN ", prev, ".type = 'object' THEN (")
		}
		g.w("CASE WHEN json_type(", obj, ", ", g.arg(p), ") = 'array' THEN ", obj, " -> ", g.arg(p),
			" ELSE '[' || (", obj, " -> ", g.arg(p), ") || ']' END")
		if prev != "" {
			g.w(") END")
		}
		g.w(") AS ", a)
		prev = a
	}
	return prev
}

const sqliteScalar = "('true', 'false', 'integer', 'real', 'text')"

func (g *gen) sqliteLeaf(t *term, a string) {
	typ, val := a+".type", a+".value"
	switch t.kind {
	case termExists:
		inner := g.alias()
		g.w("CASE WHEN ", typ, " IN ('object', 'array') THEN EXISTS (SELECT 1 FROM json_tree(", val, ") AS ", inner,
			" WHERE ", inner, ".type IN ", sqliteScalar, ") ELSE ", typ, " IN ", sqliteScalar, " END")
	case termEq:
		g.w("((", typ, " = 'text' AND ", val, " = ", g.arg(t.text), ")")
		if t.isNum {
			g.w(" OR (", typ, " IN ('integer', 'real') AND ", val, " = ", g.arg(t.num), ")")
		}
		if t.isBool {
			g.w(" OR ", typ, " = ", g.arg(t.text))
		}
		g.w(")")
	case termWildcard:
		g.w(typ, " = 'text' AND ", val, " GLOB ", g.arg(globPattern(t.chunks)))
	case termRange:
		if t.numeric {
			g.w(typ, " IN ('integer', 'real')")
		} else {
			g.w(typ, " = 'text'")
		}
		g.jsonBounds(t, val, func(b bound) string {
			if t.numeric {
				return g.arg(b.num)
			}
			return g.arg(b.text)
		})
	}
}

// jsonBounds writes the comparisons of a range on a JSON value.
func (g *gen) jsonBounds(t *term, x string, arg func(bound) string) {
	if !t.lo.open {
		g.w(" AND ", x, lowerOp(t.lo.incl), arg(t.lo))
	}
	if !t.hi.open {
		g.w(" AND ", x, upperOp(t.hi.incl), arg(t.hi))
	}
}

// pgChain opens "EXISTS (SELECT 1 FROM jsonb_path_query(…)" with a lax
// jsonpath: lax mode unwraps an array met by a key accessor, one level
// deep, which is Auth0's way of skipping arrays; the final [*] spreads the
// last value.
func (g *gen) pgChain(col string, array bool, path []string) string {
	var p strings.Builder
	p.WriteByte('$')
	if array {
		p.WriteString("[*]")
	}
	for _, k := range path {
		p.WriteString(`."`)
		p.WriteString(k)
		p.WriteByte('"')
	}
	if len(path) > 0 {
		p.WriteString("[*]")
	}
	a := g.alias()
	g.w("EXISTS (SELECT 1 FROM jsonb_path_query(", col, ", ", g.arg(p.String()), "::jsonpath) AS ", a, "(v)")
	return a
}

func (g *gen) pgLeaf(t *term, a string) {
	v := a + ".v"
	typ := "jsonb_typeof(" + v + ")"
	txt := "(" + v + " #>> '{}')"
	switch t.kind {
	case termExists:
		g.w("jsonb_path_exists(", v, `, 'strict $.** ? (@.type() == "string" || @.type() == "number" || @.type() == "boolean")')`)
	case termEq:
		g.w("((", typ, " = 'string' AND ", txt, " = ", g.arg(t.text), ")")
		if t.isNum {
			g.w(" OR (", typ, " = 'number' AND ", txt, "::numeric = ", g.arg(t.text), "::numeric)")
		}
		if t.isBool {
			g.w(" OR (", typ, " = 'boolean' AND ", txt, " = ", g.arg(t.text), ")")
		}
		g.w(")")
	case termWildcard:
		g.w(typ, " = 'string' AND ", txt, " LIKE ", g.arg(likePattern(t.chunks)), " ESCAPE '!'")
	case termRange:
		if t.numeric {
			g.w(typ, " = 'number'")
			g.jsonBounds(t, txt+"::numeric", func(b bound) string { return g.arg(b.text) + "::numeric" })
			return
		}
		g.w(typ, " = 'string'")
		g.jsonBounds(t, txt+` COLLATE "C"`, func(b bound) string { return g.arg(b.text) })
	}
}

// mysqlColumns are the columns of every JSON_TABLE: the value as JSON, and
// as text for a scalar (a string unquoted).
const mysqlColumns = "'$[*]' COLUMNS (v JSON PATH '$', s LONGTEXT CHARACTER SET utf8mb4 PATH '$')"

// mysqlChain opens "EXISTS (SELECT 1 FROM" with one JSON_TABLE per step.
// Each step extracts both key[*] and key, so an array gives its elements
// (and itself, which no leaf test accepts and no further key reaches) and
// anything else gives itself.
func (g *gen) mysqlChain(col string, array bool, path []string) string {
	g.w("EXISTS (SELECT 1 FROM ")
	prev := ""
	switch {
	case array:
		prev = g.alias()
		g.w("JSON_TABLE(", col, ", ", mysqlColumns, ") AS ", prev)
	case len(path) == 0:
		a := g.alias()
		g.w("JSON_TABLE(CONCAT('[', ", col, ", ']'), ", mysqlColumns, ") AS ", a)
		return a
	}
	for _, k := range path {
		obj := col
		if prev != "" {
			g.w(", ")
			obj = prev + ".v"
		}
		a := g.alias()
		p := keyPath(k)
		g.w("JSON_TABLE(JSON_EXTRACT(", obj, ", ", g.arg(p+"[*]"), ", ", g.arg(p), "), ", mysqlColumns, ") AS ", a)
		prev = a
	}
	return prev
}

const mysqlNumber = "('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL')"

func (g *gen) mysqlLeaf(t *term, a string) {
	typ := "JSON_TYPE(" + a + ".v)"
	s := a + ".s"
	switch t.kind {
	case termExists:
		inner := g.alias()
		g.w("CASE WHEN ", typ, " IN ('OBJECT', 'ARRAY') THEN EXISTS (SELECT 1 FROM JSON_TABLE(JSON_EXTRACT(", a,
			".v, '$**.*', '$**[*]'), '$[*]' COLUMNS (v JSON PATH '$')) AS ", inner,
			" WHERE JSON_TYPE(", inner, ".v) NOT IN ('OBJECT', 'ARRAY', 'NULL')) ELSE ", typ, " <> 'NULL' END")
	case termEq:
		g.w("((", typ, " = 'STRING' AND ")
		g.compareText(s, "=", t.text)
		g.w(")")
		if t.isNum {
			g.w(" OR (", typ, " IN ", mysqlNumber, " AND CAST(", s, " AS DOUBLE) = ", g.arg(t.num), ")")
		}
		if t.isBool {
			g.w(" OR (", typ, " = 'BOOLEAN' AND ", s, " = ", g.arg(t.text), ")")
		}
		g.w(")")
	case termWildcard:
		g.w(typ, " = 'STRING' AND ")
		g.like(s, t.chunks)
	case termRange:
		if t.numeric {
			g.w(typ, " IN ", mysqlNumber)
			g.jsonBounds(t, "CAST("+s+" AS DOUBLE)", func(b bound) string { return g.arg(b.num) })
			return
		}
		g.w(typ, " = 'STRING'")
		if !t.lo.open {
			g.w(" AND ")
			g.compareText(s, lowerOp(t.lo.incl), t.lo.text)
		}
		if !t.hi.open {
			g.w(" AND ")
			g.compareText(s, upperOp(t.hi.incl), t.hi.text)
		}
	}
}
