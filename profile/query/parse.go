package query

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// maxNesting bounds parentheses and NOT chains, so that no query can make
// the parser or the SQL it yields arbitrarily deep.
const maxNesting = 100

// Parse reads q, a query in Auth0's user-search syntax (v3). An empty or
// blank q matches every user. A malformed q returns a *SyntaxError, which
// wraps ErrSyntax.
func Parse(q string) (*Query, error) {
	if !utf8.ValidString(q) {
		i := 0
		for i < len(q) {
			r, n := utf8.DecodeRuneInString(q[i:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			i += n
		}
		return nil, syntaxError(q, i, "invalid UTF-8")
	}
	p := &parser{q: q}
	p.skipWS()
	if p.eof() {
		return &Query{root: allNode()}, nil
	}
	n, err := p.parseOr(nil)
	if err != nil {
		return nil, err
	}
	p.skipWS()
	if !p.eof() { // only a ')' stops parseOr before the end
		return nil, p.fail(p.pos, "unexpected ')' without a matching '('")
	}
	return &Query{root: n}, nil
}

type parser struct {
	q     string
	pos   int
	depth int
}

// occur is the role of a clause in a list of juxtaposed clauses, as in
// Lucene: a plain clause should match, '+' must, '-' and NOT must not.
type occur uint8

const (
	occurShould occur = iota
	occurMust
	occurMustNot
)

type clause struct {
	n   *node
	occ occur
}

// node returns the clause as a standalone expression.
func (c clause) node() *node {
	if c.occ == occurMustNot {
		return notNode(c.n)
	}
	return c.n
}

func (p *parser) fail(off int, msg string) error { return syntaxError(p.q, off, msg) }

func (p *parser) eof() bool { return p.pos >= len(p.q) }

func (p *parser) peek() byte {
	if p.pos < len(p.q) {
		return p.q[p.pos]
	}
	return 0
}

func (p *parser) skipWS() {
	for p.pos < len(p.q) {
		r, n := utf8.DecodeRuneInString(p.q[p.pos:])
		if !unicode.IsSpace(r) {
			return
		}
		p.pos += n
	}
}

// spaceAt reports whether the query holds white space at byte offset i.
func (p *parser) spaceAt(i int) bool {
	if i >= len(p.q) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(p.q[i:])
	return unicode.IsSpace(r)
}

// keyword reports whether the operator w (AND, OR, NOT) starts at pos: in
// upper case, and followed by the end, white space, '(' or '"'.
func (p *parser) keyword(w string) bool {
	if !strings.HasPrefix(p.q[p.pos:], w) {
		return false
	}
	i := p.pos + len(w)
	if i == len(p.q) || p.spaceAt(i) {
		return true
	}
	switch p.q[i] {
	case '(', '"':
		return true
	}
	return false
}

// atClauseEnd reports whether nothing that could start a term follows.
func (p *parser) atClauseEnd() bool {
	return p.eof() || p.peek() == ')' || p.keyword("AND") || p.keyword("OR")
}

// enter counts one level of nesting.
func (p *parser) enter(at int) error {
	p.depth++
	if p.depth > maxNesting {
		return p.fail(at, "nesting deeper than "+strconv.Itoa(maxNesting))
	}
	return nil
}

// parseOr reads clause lists joined by OR. ctx is the field of an
// enclosing field group, nil outside one.
func (p *parser) parseOr(ctx *field) (*node, error) {
	var alts []*node
	for {
		n, err := p.parseClauses(ctx)
		if err != nil {
			return nil, err
		}
		alts = append(alts, n)
		p.skipWS()
		if !p.keyword("OR") {
			return orNode(alts), nil
		}
		p.pos += len("OR")
		p.skipWS()
		if p.atClauseEnd() {
			return nil, p.fail(p.pos, "expected a term after OR")
		}
	}
}

// parseClauses reads juxtaposed clauses (no operator between them) and
// combines them as Lucene does with its default OR operator.
func (p *parser) parseClauses(ctx *field) (*node, error) {
	var cs []clause
	for {
		p.skipWS()
		if p.eof() || p.peek() == ')' || p.keyword("OR") {
			break
		}
		if p.keyword("AND") {
			return nil, p.fail(p.pos, "expected a term before AND")
		}
		c, err := p.parseAnd(ctx)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	if len(cs) == 0 {
		switch {
		case p.eof():
			return nil, p.fail(p.pos, "expected a term")
		case p.peek() == ')':
			return nil, p.fail(p.pos, "expected a term before ')'")
		}
		return nil, p.fail(p.pos, "expected a term before OR")
	}
	return combine(cs), nil
}

// combine applies Lucene's rules to a list of juxtaposed clauses: when some
// clause is required the optional ones do not matter; otherwise at least
// one optional clause must match; prohibited clauses must not match.
func combine(cs []clause) *node {
	if len(cs) == 1 {
		return cs[0].node()
	}
	var must, should, not []*node
	for _, c := range cs {
		switch c.occ {
		case occurMust:
			must = append(must, c.n)
		case occurMustNot:
			not = append(not, notNode(c.n))
		default:
			should = append(should, c.n)
		}
	}
	parts := must
	if len(must) == 0 && len(should) > 0 {
		parts = append(parts, orNode(should))
	}
	return andNode(append(parts, not...))
}

// parseAnd reads unary expressions joined by AND.
func (p *parser) parseAnd(ctx *field) (clause, error) {
	c, err := p.parseUnary(ctx)
	if err != nil {
		return clause{}, err
	}
	p.skipWS()
	if !p.keyword("AND") {
		return c, nil
	}
	items := []*node{c.node()}
	for p.keyword("AND") {
		p.pos += len("AND")
		p.skipWS()
		if p.atClauseEnd() {
			return clause{}, p.fail(p.pos, "expected a term after AND")
		}
		c, err := p.parseUnary(ctx)
		if err != nil {
			return clause{}, err
		}
		items = append(items, c.node())
		p.skipWS()
	}
	return clause{n: andNode(items)}, nil
}

// parseUnary reads NOT x, +x, -x or x.
func (p *parser) parseUnary(ctx *field) (clause, error) {
	start := p.pos
	if p.keyword("NOT") {
		p.pos += len("NOT")
		p.skipWS()
		if p.atClauseEnd() {
			return clause{}, p.fail(p.pos, "expected a term after NOT")
		}
		if err := p.enter(start); err != nil {
			return clause{}, err
		}
		c, err := p.parseUnary(ctx)
		p.depth--
		if err != nil {
			return clause{}, err
		}
		return clause{n: c.node(), occ: occurMustNot}, nil
	}
	if c := p.peek(); c == '+' || c == '-' {
		p.pos++
		switch {
		case p.eof(), p.spaceAt(p.pos), p.peek() == ')', p.peek() == '+', p.peek() == '-':
			return clause{}, p.fail(p.pos, "expected a term right after '"+string(c)+"'")
		}
		n, err := p.parsePrimary(ctx)
		if err != nil {
			return clause{}, err
		}
		if c == '+' {
			return clause{n: n, occ: occurMust}, nil
		}
		return clause{n: n, occ: occurMustNot}, nil
	}
	n, err := p.parsePrimary(ctx)
	return clause{n: n}, err
}

// parsePrimary reads a group, a phrase, a range (in a field group) or a
// term, with or without a field.
func (p *parser) parsePrimary(ctx *field) (*node, error) {
	start := p.pos
	switch c := p.peek(); c {
	case '(':
		return p.parseGroup(ctx)
	case ')':
		return nil, p.fail(start, "unexpected ')' without a matching '('")
	case '"':
		tok, err := p.scanPhrase()
		if err != nil {
			return nil, err
		}
		return p.makeTerm(ctx, tok)
	case '[', '{':
		if ctx == nil {
			return nil, p.fail(start, "a range needs a field, as in logins_count:[1 TO 5]")
		}
		return p.parseRange(*ctx)
	case ']', '}':
		return nil, p.fail(start, "unexpected '"+string(c)+"' outside a range")
	}
	if p.keyword("AND") || p.keyword("OR") {
		return nil, p.fail(start, "expected a term, found an operator")
	}
	tok, err := p.scanTerm(false)
	if err != nil {
		return nil, err
	}
	if p.peek() != ':' {
		if tok.empty() {
			return nil, p.fail(start, "expected a term")
		}
		return p.makeTerm(ctx, tok)
	}
	// field:value
	switch {
	case tok.empty():
		return nil, p.fail(p.pos, "expected a field name before ':'")
	case ctx != nil:
		return nil, p.fail(start, "a field group cannot name another field")
	case tok.wild() || tok.escaped:
		return nil, p.fail(start, "wildcards and escapes are not allowed in field names")
	}
	name := tok.text
	p.pos++ // ':'
	if name == "_exists_" {
		return p.parseExists()
	}
	f, msg := parseField(name)
	if msg != "" {
		return nil, p.fail(start, msg)
	}
	p.skipWS()
	vpos := p.pos
	expected := `expected value after "` + name + `:"`
	if p.atClauseEnd() || p.keyword("NOT") {
		return nil, p.fail(vpos, expected)
	}
	switch p.peek() {
	case '(':
		return p.parseGroup(&f)
	case '[', '{':
		return p.parseRange(f)
	case '"':
		tok, err := p.scanPhrase()
		if err != nil {
			return nil, err
		}
		return p.makeTerm(&f, tok)
	case ']', '}':
		return nil, p.fail(vpos, expected)
	}
	tok, err = p.scanTerm(true)
	if err != nil {
		return nil, err
	}
	if tok.empty() {
		return nil, p.fail(vpos, expected)
	}
	return p.makeTerm(&f, tok)
}

// parseGroup reads "( … )"; inside a field group ctx is its field.
func (p *parser) parseGroup(ctx *field) (*node, error) {
	start := p.pos
	if err := p.enter(start); err != nil {
		return nil, err
	}
	p.pos++
	p.skipWS()
	if p.peek() == ')' {
		return nil, p.fail(start, "empty parentheses")
	}
	n, err := p.parseOr(ctx)
	if err != nil {
		return nil, err
	}
	p.skipWS()
	if p.peek() != ')' {
		return nil, p.fail(start, "'(' is never closed")
	}
	p.pos++
	p.depth--
	return n, nil
}

// parseExists reads the field path after "_exists_:".
func (p *parser) parseExists() (*node, error) {
	p.skipWS()
	vpos := p.pos
	tok, err := p.scanTerm(true)
	if err != nil {
		return nil, err
	}
	switch {
	case tok.empty():
		return nil, p.fail(vpos, `expected a field name after "_exists_:"`)
	case tok.wild() || tok.escaped:
		return nil, p.fail(vpos, "wildcards and escapes are not allowed in field names")
	}
	f, msg := parseField(tok.text)
	if msg != "" {
		return nil, p.fail(vpos, msg)
	}
	return existsNode(f), nil
}

// token is a term or phrase as read, escapes decoded.
type token struct {
	start, end int
	// text is the literal; for a wildcard term, chunks holds the literal
	// runs around each '*' (consecutive '*' count as one) and text is "".
	text    string
	chunks  []string
	escaped bool
	phrase  bool
}

func (t token) wild() bool  { return len(t.chunks) > 1 }
func (t token) empty() bool { return t.end == t.start }

// starOnly reports whether the token is a lone '*'.
func (t token) starOnly() bool {
	return len(t.chunks) == 2 && t.chunks[0] == "" && t.chunks[1] == ""
}

// scanTerm reads an unquoted term. In a value (after "field:") a ':' is
// part of the term; elsewhere it ends it, to mark a field name.
func (p *parser) scanTerm(value bool) (token, error) {
	start := p.pos
	switch {
	case p.peek() == '/':
		return token{}, p.fail(start, "regular expressions are not supported; quote the value or escape '/'")
	case p.peek() == '!' && !value:
		return token{}, p.fail(start, "use NOT instead of '!'")
	case strings.HasPrefix(p.q[p.pos:], "&&"), strings.HasPrefix(p.q[p.pos:], "||"):
		return token{}, p.fail(start, "use AND and OR instead of && and ||")
	}
	var cur strings.Builder
	var chunks []string
	escaped := false
loop:
	for p.pos < len(p.q) {
		r, n := utf8.DecodeRuneInString(p.q[p.pos:])
		if unicode.IsSpace(r) {
			break
		}
		switch r {
		case '(', ')', '"', '[', ']', '{', '}':
			break loop
		case ':':
			if !value {
				break loop
			}
		case '\\':
			if p.pos+n >= len(p.q) {
				return token{}, p.fail(p.pos, "'\\' at the end of the query escapes nothing")
			}
			r2, n2 := utf8.DecodeRuneInString(p.q[p.pos+n:])
			cur.WriteRune(r2)
			escaped = true
			p.pos += n + n2
			continue
		case '*':
			chunks = append(chunks, cur.String())
			cur.Reset()
			p.pos += n
			continue
		case '?':
			return token{}, p.fail(p.pos, "the '?' wildcard is not supported; use '*' or escape it")
		case '~':
			return token{}, p.fail(p.pos, "fuzzy and proximity searches ('~') are not supported")
		case '^':
			return token{}, p.fail(p.pos, "boosts ('^') are not supported")
		}
		cur.WriteRune(r)
		p.pos += n
	}
	tok := token{start: start, end: p.pos, escaped: escaped}
	if chunks == nil {
		tok.text = cur.String()
		return tok, nil
	}
	chunks = append(chunks, cur.String())
	// Consecutive '*' leave empty runs between them: keep only the ends.
	out := chunks[:1]
	for i := 1; i < len(chunks)-1; i++ {
		if chunks[i] != "" {
			out = append(out, chunks[i])
		}
	}
	tok.chunks = append(out, chunks[len(chunks)-1])
	return tok, nil
}

// scanPhrase reads a quoted phrase; '\' escapes the next character.
func (p *parser) scanPhrase() (token, error) {
	start := p.pos
	p.pos++
	var b strings.Builder
	for {
		if p.eof() {
			return token{}, p.fail(start, "quoted phrase is never closed")
		}
		c := p.q[p.pos]
		if c == '"' {
			p.pos++
			break
		}
		if c == '\\' {
			if p.pos+1 >= len(p.q) {
				return token{}, p.fail(start, "quoted phrase is never closed")
			}
			r, n := utf8.DecodeRuneInString(p.q[p.pos+1:])
			b.WriteRune(r)
			p.pos += 1 + n
			continue
		}
		j := p.pos + 1
		for j < len(p.q) && p.q[j] != '"' && p.q[j] != '\\' {
			j++
		}
		b.WriteString(p.q[p.pos:j])
		p.pos = j
	}
	if p.peek() == ':' {
		return token{}, p.fail(p.pos, "a quoted phrase cannot be a field name")
	}
	return token{start: start, end: p.pos, text: b.String(), phrase: true}, nil
}

// parseRange reads [a TO b], {a TO b} or a mix, for field f.
func (p *parser) parseRange(f field) (*node, error) {
	start := p.pos
	loIncl := p.peek() == '['
	p.pos++
	p.skipWS()
	lo, err := p.scanBound()
	if err != nil {
		return nil, err
	}
	if lo.text == "TO" && !lo.phrase {
		return nil, p.fail(lo.start, "expected a range bound before TO")
	}
	if !p.spaceAt(p.pos) {
		return nil, p.fail(p.pos, "expected ' TO ' after the lower bound of the range")
	}
	p.skipWS()
	if !strings.HasPrefix(p.q[p.pos:], "TO") || !p.spaceAt(p.pos+2) {
		return nil, p.fail(p.pos, "expected TO (in upper case) between the bounds of the range")
	}
	p.pos += len("TO")
	p.skipWS()
	hi, err := p.scanBound()
	if err != nil {
		return nil, err
	}
	p.skipWS()
	var hiIncl bool
	switch p.peek() {
	case ']':
		hiIncl = true
	case '}':
	default:
		return nil, p.fail(p.pos, "expected ']' or '}' to close the range")
	}
	p.pos++
	return p.makeRange(f, start, lo, hi, loIncl, hiIncl)
}

// scanBound reads one bound of a range: a quoted phrase, '*' for an open
// end, or text up to white space, ']' or '}'.
func (p *parser) scanBound() (token, error) {
	if p.peek() == '"' {
		tok, err := p.scanPhrase()
		if err != nil {
			return token{}, err
		}
		return tok, nil
	}
	start := p.pos
	var b strings.Builder
	stars := 0
	for p.pos < len(p.q) {
		r, n := utf8.DecodeRuneInString(p.q[p.pos:])
		if unicode.IsSpace(r) || r == ']' || r == '}' {
			break
		}
		switch r {
		case '\\':
			if p.pos+n >= len(p.q) {
				return token{}, p.fail(p.pos, "'\\' at the end of the query escapes nothing")
			}
			r2, n2 := utf8.DecodeRuneInString(p.q[p.pos+n:])
			b.WriteRune(r2)
			p.pos += n + n2
			continue
		case '*':
			stars++
		case '[', '{', '"':
			return token{}, p.fail(p.pos, "unexpected '"+string(r)+"' in a range bound; quote the bound")
		}
		b.WriteRune(r)
		p.pos += n
	}
	tok := token{start: start, end: p.pos, text: b.String()}
	switch {
	case tok.empty():
		return token{}, p.fail(start, "expected a range bound")
	case tok.text == "*" && stars == 1:
		tok.text, tok.chunks = "", []string{"", ""}
	case stars > 0:
		return token{}, p.fail(start, "wildcards are not allowed in range bounds, except '*' for an open end")
	}
	return tok, nil
}

// makeTerm builds the term for tok on field ctx (nil: the default fields),
// checking that the field takes such a value.
func (p *parser) makeTerm(ctx *field, tok token) (*node, error) {
	if ctx == nil {
		switch {
		case tok.starOnly():
			return allNode(), nil
		case tok.wild():
			if !wildcardOK(tok.chunks) {
				return nil, p.fail(tok.start, wildcardMsg)
			}
			return termNode(newWildcard(field{}, tok)), nil
		case tok.text == "":
			return noneNode(), nil
		}
		return termNode(newEq(field{}, tok.text, tok.phrase)), nil
	}
	f := *ctx
	name := f.String()
	if tok.starOnly() {
		if f.attr == attrUserMetadata {
			return nil, p.fail(tok.start, "wildcards are not allowed on user_metadata fields; use _exists_:"+name)
		}
		return existsNode(f), nil
	}
	if tok.wild() {
		switch {
		case f.attr.kind() != kindText && f.attr.kind() != kindJSON:
			return nil, p.fail(tok.start, "wildcards are not allowed on "+name)
		case f.attr == attrUserMetadata:
			return nil, p.fail(tok.start, "wildcards are not allowed on user_metadata fields")
		case f.attr.kind() == kindJSON && len(f.path) == 0:
			return nil, p.fail(tok.start, name+" needs a sub-field, as in "+name+".plan")
		case !wildcardOK(tok.chunks):
			return nil, p.fail(tok.start, wildcardMsg)
		}
		return termNode(newWildcard(f, tok)), nil
	}
	switch f.attr.kind() {
	case kindText:
		if tok.text == "" {
			return noneNode(), nil // an absent attribute is "", and "" is never stored
		}
		return termNode(newEq(f, tok.text, tok.phrase)), nil
	case kindBool:
		t := newEq(f, tok.text, tok.phrase)
		switch tok.text {
		case "true":
			t.boolean = true
		case "false":
		default:
			return nil, p.fail(tok.start, name+" takes true or false")
		}
		return termNode(t), nil
	case kindInt:
		t := newEq(f, tok.text, tok.phrase)
		v, err := strconv.ParseInt(tok.text, 10, 64)
		if err != nil {
			return nil, p.fail(tok.start, name+" takes a whole number")
		}
		t.integer = v
		return termNode(t), nil
	case kindTime:
		t := newEq(f, tok.text, tok.phrase)
		from, to, ok := parseDate(tok.text)
		if !ok {
			return nil, p.fail(tok.start, name+" takes a date such as 2018-01-15 or 2018-01-15T10:00:00Z")
		}
		t.from, t.to = from, to
		return termNode(t), nil
	}
	// kindJSON
	if len(f.path) == 0 {
		return nil, p.fail(tok.start, name+" needs a sub-field, as in "+name+".plan")
	}
	return termNode(newEq(f, tok.text, tok.phrase)), nil
}

const wildcardMsg = "a wildcard other than one trailing '*' needs at least 3 other characters"

// wildcardOK applies Auth0's rule: a prefix (one trailing '*') needs one
// literal character; any other pattern needs three.
func wildcardOK(chunks []string) bool {
	if len(chunks) == 2 && chunks[0] != "" && chunks[1] == "" {
		return true
	}
	n := 0
	for _, c := range chunks {
		n += utf8.RuneCountInString(c)
	}
	return n >= 3
}

// makeRange builds a range term for field f, checking its bounds.
func (p *parser) makeRange(f field, start int, lo, hi token, loIncl, hiIncl bool) (*node, error) {
	name := f.String()
	switch f.attr.kind() {
	case kindBool:
		return nil, p.fail(start, "ranges are not allowed on "+name)
	case kindJSON:
		switch {
		case f.attr == attrUserMetadata:
			return nil, p.fail(start, "ranges are not allowed on user_metadata fields")
		case len(f.path) == 0:
			return nil, p.fail(start, name+" needs a sub-field, as in "+name+".plan")
		}
	}
	if f.attr == attrNone {
		return nil, p.fail(start, "a range needs a field, as in logins_count:[1 TO 5]")
	}
	t := &term{kind: termRange, field: f}
	var err error
	if t.lo, err = p.makeBound(f, lo, loIncl, false); err != nil {
		return nil, err
	}
	if t.hi, err = p.makeBound(f, hi, hiIncl, true); err != nil {
		return nil, err
	}
	if t.lo.open && t.hi.open {
		return existsNode(f), nil
	}
	if f.attr.kind() == kindJSON {
		t.numeric = (t.lo.open || t.lo.isNum) && (t.hi.open || t.hi.isNum)
	}
	return termNode(t), nil
}

func (p *parser) makeBound(f field, tok token, incl, upper bool) (bound, error) {
	if tok.starOnly() {
		return bound{open: true, incl: incl}, nil
	}
	b := bound{incl: incl, text: tok.text, lower: tok.text, phrase: tok.phrase}
	if f.attr.folds() {
		b.lower = strings.ToLower(tok.text)
	}
	name := f.String()
	switch f.attr.kind() {
	case kindInt:
		v, err := strconv.ParseInt(tok.text, 10, 64)
		if err != nil {
			return b, p.fail(tok.start, name+" takes whole numbers")
		}
		b.integer = v
	case kindTime:
		from, to, ok := parseDate(tok.text)
		if !ok {
			return b, p.fail(tok.start, name+" takes dates such as 2018-01-15 or 2018-01-15T10:00:00Z")
		}
		// A bound names a whole period (a day, a month…): the range keeps
		// v >= at for a lower bound and v < at for an upper one.
		switch {
		case !upper && incl, upper && !incl:
			b.at = from
		default:
			b.at = to
		}
	case kindJSON:
		if isJSONNumber(tok.text) {
			b.num, _ = strconv.ParseFloat(tok.text, 64)
			b.isNum = true
		}
	}
	return b, nil
}

// isJSONNumber reports whether s is a number in JSON's grammar.
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - j
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// parseDate reads a date of the forms YYYY, YYYY-MM, YYYY-MM-DD and
// YYYY-MM-DDThh[:mm[:ss[.ffffff]]][Z|±hh[:mm]], and returns the period it
// names, [from, to), in UTC: a whole year, month, day, hour, minute, second
// or fraction of one. A time without a zone is UTC. Precision finer than a
// microsecond is refused, because the stores keep microseconds.
func parseDate(s string) (from, to time.Time, ok bool) {
	num := func(i, w int) (int, bool) {
		if i+w > len(s) {
			return 0, false
		}
		v := 0
		for _, c := range []byte(s[i : i+w]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	year, ok := num(0, 4)
	if !ok {
		return from, to, false
	}
	month, day, hour, minute, sec, nsec := 1, 1, 0, 0, 0, 0
	var step func(time.Time) time.Time
	i := 4
	switch {
	case len(s) == 4:
		step = func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }
	case s[4] != '-':
		return from, to, false
	default:
		if month, ok = num(5, 2); !ok || month < 1 || month > 12 {
			return from, to, false
		}
		i = 7
		if len(s) == 7 {
			step = func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }
			break
		}
		if s[7] != '-' {
			return from, to, false
		}
		if day, ok = num(8, 2); !ok || day < 1 || day > daysIn(time.Month(month), year) {
			return from, to, false
		}
		i = 10
		if len(s) == 10 {
			step = func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }
			break
		}
		if s[10] != 'T' {
			return from, to, false
		}
		if hour, ok = num(11, 2); !ok || hour > 23 {
			return from, to, false
		}
		i = 13
		unit := time.Hour
		if i < len(s) && s[i] == ':' {
			if minute, ok = num(14, 2); !ok || minute > 59 {
				return from, to, false
			}
			i, unit = 16, time.Minute
			if i < len(s) && s[i] == ':' {
				if sec, ok = num(17, 2); !ok || sec > 59 {
					return from, to, false
				}
				i, unit = 19, time.Second
				if i < len(s) && s[i] == '.' {
					j := i + 1
					for j < len(s) && s[j] >= '0' && s[j] <= '9' {
						j++
					}
					digits := j - i - 1
					if digits == 0 || digits > 6 {
						return from, to, false
					}
					frac, _ := num(i+1, digits)
					unit = time.Second
					for range digits {
						unit /= 10
					}
					nsec = frac * int(unit)
					i = j
				}
			}
		}
		step = func(t time.Time) time.Time { return t.Add(unit) }
	}
	zone := time.UTC
	if i < len(s) && i >= 13 {
		switch s[i] {
		case 'Z':
			i++
		case '+', '-':
			sign := 1
			if s[i] == '-' {
				sign = -1
			}
			oh, ok := num(i+1, 2)
			if !ok || oh > 23 {
				return from, to, false
			}
			i += 3
			om := 0
			if i < len(s) {
				if s[i] == ':' {
					i++
				}
				if om, ok = num(i, 2); !ok || om > 59 {
					return from, to, false
				}
				i += 2
			}
			zone = time.FixedZone("", sign*(oh*3600+om*60))
		}
	}
	if i != len(s) {
		return from, to, false
	}
	from = time.Date(year, time.Month(month), day, hour, minute, sec, nsec, zone)
	to = step(from)
	return from.UTC(), to.UTC(), true
}

func daysIn(m time.Month, year int) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}
