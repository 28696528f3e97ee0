// Package ndjson reads and writes newline-delimited JSON: one user object
// per line, the shape of Auth0's JSON export jobs and of ferry's own
// output.
//
// Decoding is split as the pipeline runs it. The Decoder, on the reader
// goroutine, only cuts the stream at newlines (a JSON string cannot hold a
// raw newline) into chunks of whole lines; the workers parse each chunk's
// lines with profile.DecodeJSON, concurrently. Blank lines are skipped but
// counted, so Origin.Line is the line in the file; "\r\n" line ends and a
// byte order mark at the start are accepted. A line that is not a JSON
// object, is malformed or is not valid UTF-8 becomes a reject with
// profile.CodeParse at its line; the lines after it are read as usual. A
// value of the wrong type inside an object is an issue of the record
// (Record.Issues), which validation reports together with its own.
//
// Skip resumes after a checkpoint: it seeks to the checkpoint's offset when
// the input is a plain file, and otherwise reads forward, checking that the
// offset falls on a line boundary with the checkpoint's record count
// before it.
//
// The Encoder writes each record as one compact object (profile.AppendJSON:
// every attribute, Extra ones included) followed by "\n".
package ndjson
