package sqltable

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/ferry-dev/ferry/internal/yamldoc"

	"github.com/ferry-dev/ferry/passwords"
	"github.com/ferry-dev/ferry/profile"
)

// ErrMapping marks a mapping file or Mapping that cannot be used. It wraps
// profile.ErrMapping, so callers may check either.
var ErrMapping = fmt.Errorf("%w for a table", profile.ErrMapping)

// Mapping tells a table source what the columns of its query mean. It
// extends profile.Mapping (columns → profile paths, ignored columns) with
// the key the source pages by, the password columns with their hash
// format, and the text columns that hold JSON. A mapping file reads:
//
//	key: id                      # unique, never NULL; default: a column named id
//	columns:
//	  id: app_metadata.legacy_id
//	  mail: email
//	  first: given_name
//	  password:
//	    hash: django             # a password column declares its hash format
//	  prefs:
//	    json: user_metadata.prefs  # the column's text is JSON, set as a value
//	ignore: [internal_notes]
//
// A column neither mapped nor ignored resolves as in a CSV header: through
// the alias table, else it becomes an unknown attribute of its own name.
// Columns the database types as JSON (PostgreSQL json and jsonb, MySQL 8
// JSON) are set as JSON values anyway; MariaDB reports its JSON columns as
// text, so they need json: to be more than strings below the root of an
// attribute.
type Mapping struct {
	profile.Mapping
	// Key is the column the source pages by.
	Key string
	// Passwords maps a column holding password hashes (or plaintext
	// passwords, format "plaintext") to its format; see HashFormats.
	Passwords map[string]string
	// JSON maps a column whose text is a JSON value to its profile path.
	JSON map[string]string
}

// HashFormats returns the names a password column may declare:
//
//	auto        any format passwords.Identify reads
//	bcrypt      $2a$/$2b$/$2y$ strings
//	mcf         crypt(3) strings: $1$, $5$, $6$ and bcrypt
//	phc         PHC strings: $argon2id$…, $pbkdf2-sha256$i=…, $scrypt$…
//	passlib     passlib's $pbkdf2-sha256$<rounds>$… and PHC strings
//	django      Django's pbkdf2_sha256$…, argon2$…, bcrypt$…, sha1$…, md5$…
//	ldap        RFC 2307 {SSHA}…, {SHA}…, {CRYPT}…
//	kratos      Ory Kratos' hashes
//	auth0       Auth0 custom_password_hash objects (JSON)
//	okta        Okta PasswordCredentialHash objects (JSON)
//	keycloak    Keycloak CredentialRepresentation objects (JSON)
//	hex         a bare hex digest: MD5, SHA-1, SHA-256 or SHA-512 by length
//	plaintext   a plaintext password (hash it before it reaches a store)
//
// Every hash is converted to Auth0's import form (password_hash for bcrypt
// cost 10, else custom_password_hash); one Auth0 cannot hold is an issue
// of the record (HASH_UNSUPPORTED_BY_TARGET).
func HashFormats() []string {
	names := make([]string, 0, len(hashFormats))
	for n := range hashFormats {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// hashFormats parse one declared format. Formats Identify reads are
// checked to be of the declared kind, so that a column of mixed or
// mistaken hashes is reported rather than guessed.
var hashFormats = map[string]func(string) (passwords.Hash, error){
	"auto": passwords.Identify,
	"bcrypt": func(s string) (passwords.Hash, error) {
		return identifyAs(s, func(h passwords.Hash) bool { return h.Algorithm == passwords.Bcrypt && h.Digest == "" })
	},
	"mcf": func(s string) (passwords.Hash, error) {
		return identifyAs(s, func(h passwords.Hash) bool { return h.Format == passwords.FormatMCF })
	},
	"phc":     passwords.ParsePHC,
	"passlib": passwords.ParsePHC,
	"django":  passwords.ParseDjango,
	"ldap":    passwords.ParseLDAP,
	"kratos":  passwords.ParseKratos,
	"auth0":   func(s string) (passwords.Hash, error) { return passwords.FromAuth0Custom([]byte(s)) },
	"okta":    func(s string) (passwords.Hash, error) { return passwords.FromOkta([]byte(s)) },
	"keycloak": func(s string) (passwords.Hash, error) {
		return passwords.FromKeycloak([]byte(s))
	},
	"hex": func(s string) (passwords.Hash, error) {
		return identifyAs(s, func(h passwords.Hash) bool { return h.Format == passwords.FormatHex })
	},
	"plaintext": nil, // not a hash: see source.password
}

var errWrongFormat = errors.New("not of the declared hash format")

func identifyAs(s string, ok func(passwords.Hash) bool) (passwords.Hash, error) {
	h, err := passwords.Identify(s)
	if err != nil {
		return h, err
	}
	if !ok(h) {
		return passwords.Hash{}, errWrongFormat
	}
	return h, nil
}

// LoadMapping reads a mapping file (YAML, the shape Mapping shows) and
// checks it: only the keys key, columns and ignore; every target a valid
// profile path, or a password column with a known hash format; no column
// both mapped and ignored; no two columns onto one path. Errors wrap
// ErrMapping and name the column and its line. An empty file is an empty
// Mapping.
func LoadMapping(r io.Reader) (Mapping, error) {
	root, err := yamldoc.Mapping(r, "key, columns and ignore")
	if err != nil {
		return Mapping{}, fmt.Errorf("%w: %w", ErrMapping, err)
	}
	if root == nil {
		return Mapping{}, nil
	}
	var m Mapping
	lines := map[string]int{} // column → line, for messages
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "key":
			if v.Kind != yaml.ScalarNode || yamldoc.IsNull(v) || v.Value == "" {
				return Mapping{}, fmt.Errorf("%w: line %d: key: want a column name", ErrMapping, v.Line)
			}
			m.Key = v.Value
		case "columns":
			if yamldoc.IsNull(v) {
				continue
			}
			if v.Kind != yaml.MappingNode {
				return Mapping{}, fmt.Errorf("%w: line %d: columns: want a mapping of column names to paths", ErrMapping, v.Line)
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				if err := m.column(v.Content[j], v.Content[j+1], lines); err != nil {
					return Mapping{}, err
				}
			}
		case "ignore":
			if yamldoc.IsNull(v) {
				continue
			}
			items := []*yaml.Node{v}
			if v.Kind == yaml.SequenceNode {
				items = v.Content
			}
			for _, it := range items {
				if it.Kind != yaml.ScalarNode || it.Value == "" {
					return Mapping{}, fmt.Errorf("%w: line %d: ignore: want column names", ErrMapping, it.Line)
				}
				if line, mapped := lines[it.Value]; mapped {
					return Mapping{}, fmt.Errorf("%w: line %d: column %q: both mapped (line %d) and ignored", ErrMapping, it.Line, it.Value, line)
				}
				m.Ignore = append(m.Ignore, it.Value)
			}
		default:
			return Mapping{}, fmt.Errorf("%w: line %d: unknown key %q (want key, columns or ignore)", ErrMapping, k.Line, k.Value)
		}
	}
	if err := m.Check(); err != nil {
		return Mapping{}, err
	}
	return m, nil
}

// column reads one entry of columns: "name: path" or "name: {hash: format}".
func (m *Mapping) column(k, v *yaml.Node, lines map[string]int) error {
	col := k.Value
	if k.Kind != yaml.ScalarNode || col == "" {
		return fmt.Errorf("%w: line %d: columns: want a column name", ErrMapping, k.Line)
	}
	if prev, dup := lines[col]; dup {
		return fmt.Errorf("%w: line %d: column %q: mapped twice (first at line %d)", ErrMapping, k.Line, col, prev)
	}
	lines[col] = k.Line
	if v.Kind == yaml.MappingNode {
		if len(v.Content) != 2 || v.Content[1].Kind != yaml.ScalarNode || (v.Content[0].Value != "hash" && v.Content[0].Value != "json") {
			return fmt.Errorf("%w: line %d: column %q: want hash: FORMAT (one of %s) or json: PATH", ErrMapping, v.Line, col, strings.Join(HashFormats(), ", "))
		}
		if v.Content[0].Value == "json" {
			path := v.Content[1].Value
			if err := checkJSONPath(path); err != nil {
				return fmt.Errorf("%w: line %d: column %q: %w", ErrMapping, v.Content[1].Line, col, err)
			}
			if m.JSON == nil {
				m.JSON = map[string]string{}
			}
			m.JSON[col] = path
			return nil
		}
		format := v.Content[1].Value
		if _, ok := hashFormats[format]; !ok {
			return fmt.Errorf("%w: line %d: column %q: unknown hash format %q (want one of %s)", ErrMapping, v.Line, col, format, strings.Join(HashFormats(), ", "))
		}
		if m.Passwords == nil {
			m.Passwords = map[string]string{}
		}
		m.Passwords[col] = format
		return nil
	}
	if v.Kind != yaml.ScalarNode || yamldoc.IsNull(v) {
		return fmt.Errorf("%w: line %d: column %q: want a profile path or hash: FORMAT", ErrMapping, v.Line, col)
	}
	if err := (profile.Mapping{Columns: map[string]string{col: v.Value}}).Check(); err != nil {
		return fmt.Errorf("%w: line %d: %w", ErrMapping, v.Line, err)
	}
	if m.Columns == nil {
		m.Columns = map[string]string{}
	}
	m.Columns[col] = v.Value
	return nil
}

// Check reports the first problem of a Mapping built in code, as
// LoadMapping would (without line numbers).
func (m Mapping) Check() error {
	if err := m.Mapping.Check(); err != nil {
		return fmt.Errorf("%w: %w", ErrMapping, err)
	}
	targets := map[string]string{}
	for c, p := range m.Columns {
		targets[p] = c
	}
	jcols := slices.Sorted(maps.Keys(m.JSON))
	for _, c := range jcols {
		p := m.JSON[c]
		if err := checkJSONPath(p); err != nil {
			return fmt.Errorf("%w: column %q: %w", ErrMapping, c, err)
		}
		if _, dup := m.Columns[c]; dup || slices.Contains(m.Ignore, c) {
			return fmt.Errorf("%w: column %q: both a JSON column and mapped or ignored", ErrMapping, c)
		}
		if other, dup := targets[p]; dup {
			return fmt.Errorf("%w: column %q: path %q is already the target of column %q", ErrMapping, c, p, other)
		}
		targets[p] = c
	}
	cols := make([]string, 0, len(m.Passwords))
	for c := range m.Passwords {
		cols = append(cols, c)
	}
	slices.Sort(cols)
	for _, c := range cols {
		if _, ok := hashFormats[m.Passwords[c]]; !ok {
			return fmt.Errorf("%w: column %q: unknown hash format %q", ErrMapping, c, m.Passwords[c])
		}
		_, isJSON := m.JSON[c]
		if _, mapped := m.Columns[c]; mapped || isJSON || slices.Contains(m.Ignore, c) {
			return fmt.Errorf("%w: column %q: both a password column and mapped or ignored", ErrMapping, c)
		}
	}
	return nil
}

// checkJSONPath checks the target of a JSON column: any path a value can be
// set at, an unknown attribute's name included.
func checkJSONPath(p string) error {
	var probe profile.User
	if err := probe.SetText(p, ""); err != nil {
		return err
	}
	return nil
}
