// Package redact takes secrets out of the locations ferry names in
// messages, logs, job names and reports.
package redact

import "strings"

// URL returns the location loc (a database or endpoint URL) without its password, for
// messages, logs, job names and reports. It reads loc as text rather than
// parse it as a URL: a password holding an unencoded '#', '/' or '?' makes
// URL parsers see no password at all. Everything between the first ':' of
// the user information and its last '@' becomes "xxxxx" (an '@' in the
// query may mask more than the password, never less), and so does every
// query parameter whose name holds "password" (password, sslpassword).
func URL(loc string) string {
	scheme, rest, ok := strings.Cut(loc, "://")
	if !ok {
		return loc
	}
	var b strings.Builder
	b.WriteString(scheme + "://")
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		if user, _, hasPassword := strings.Cut(rest[:at], ":"); hasPassword {
			b.WriteString(user + ":xxxxx")
		} else {
			b.WriteString(rest[:at])
		}
		rest = rest[at:]
	}
	base, query, hasQuery := strings.Cut(rest, "?")
	b.WriteString(base)
	if !hasQuery {
		return b.String()
	}
	params := strings.Split(query, "&")
	for i, p := range params {
		if k, _, _ := strings.Cut(p, "="); strings.Contains(strings.ToLower(k), "password") {
			params[i] = k + "=xxxxx"
		}
	}
	b.WriteString("?" + strings.Join(params, "&"))
	return b.String()
}
