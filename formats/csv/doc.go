// Package csv reads and writes users as CSV (RFC 4180): quoted fields may
// hold the delimiter, doubled quotes and line breaks; rows end in "\n" or
// "\r\n"; a byte order mark at the start is skipped. The delimiter is ','
// unless Options.Delimiter says otherwise (';' and '\t' are common).
//
// # Reading
//
// The first row is the header, unless Options.Header names the columns of a
// file that has none. Column names are resolved to profile paths once per
// file: through the inverse of Options.ExportAs, then Options.Mapping, which
// falls back to the alias table ("Given Name", "surname", "Connection" and
// Auth0's export names) and then to the name itself. Columns may name root
// attributes ("email"), leaves ("user_metadata.plan",
// "identities[0].connection") or whole JSON values ("app_metadata",
// "identities", "mfa_factors", holding JSON text); a name the profile does
// not know is kept in User.Extra as a JSON string. An empty name or a column
// the mapping ignores is dropped. Two columns holding one path, or a name
// that is a malformed path, stop the file with ErrHeader.
//
// An empty cell is an absent attribute. A row with malformed quoting (a
// quote inside an unquoted field, unless Options.LiteralQuotes, as TSV is
// read; text after a closing quote; a quote left open at the end of the
// input), invalid UTF-8 or another number of fields
// than the header becomes a reject with profile.CodeParse at the line of its
// first byte; the rows after it are read as usual. A cell the profile cannot
// take ("maybe" for a boolean) is an issue of the record, naming the column
// and the path but never the cell.
//
// The Decoder, on the reader goroutine, only cuts the stream into chunks of
// whole rows: it counts quotes per line (bytes.Count) and walks a line field
// by field only when the count is odd or the line continues a quoted field,
// so that a stray quote does not swallow the rows after it. Workers parse
// the chunks concurrently with a hand-written field parser that allocates
// one string per chunk (cells are substrings of it; only cells with doubled
// quotes are copied, into one more string per chunk). It is faster than
// encoding/csv, which allocates per record. A caller keeping user strings
// long after the batch (an index of emails, say) keeps the chunk's text
// alive with them, and should copy them (strings.Clone).
//
// Skip reads the header, then seeks to the checkpoint's offset when the
// input is a plain file, and otherwise reads forward, checking that the
// offset falls on a row boundary with the checkpoint's row count before it.
//
// # Writing
//
// The Encoder writes a header row, then one row per user with the columns of
// Options.Fields, renamed by Options.ExportAs. The default columns are
// profile.RootFields without Secrets (password_hash, custom_password_hash,
// mfa_factors), unless Options.IncludeSecrets; identities and metadata are
// written as JSON cells. Cells are quoted only when they hold the delimiter,
// a quote or a line end. Rows end in "\n", or "\r\n" with Options.CRLF.
//
// Attributes outside Options.Fields are not written: User.Extra attributes,
// the password of legacy input, and, when only leaf paths such as
// "user_metadata.plan" are chosen, the rest of the metadata. The command
// warns when a run would drop attributes this way.
//
// Options.Escape guards spreadsheets against formula injection, as OWASP
// advises and Auth0's exports do: a cell starting with '=', '+', '-', '@', a
// tab or a carriage return is prefixed with a single quote and quoted. It is
// off by default because it changes values (phone numbers in E.164 start
// with '+'), and the decoder does not undo it, so an escaped file does not
// round-trip.
package csv
