// Package json reads and writes users as one JSON array, the shape of
// Auth0's bulk import files ([{…}, {…}]), and reads the wrapper objects of
// Firebase and Keycloak exports ({"users": […]}, other members skipped).
// The package is named after the format; import it under another name next
// to encoding/json.
//
// The input is streamed, never loaded whole. The Decoder, on the reader
// goroutine, scans bytes only: it follows strings, escapes and the nesting
// of brackets to find where each element ends, and cuts the array into
// chunks of whole elements. The workers parse each element with
// profile.DecodeJSON, concurrently; Origin.Line is the line of the
// element's first byte, so pretty-printed files report exact lines.
//
// An element that is not an object, is malformed inside or is not valid
// UTF-8 becomes a reject with profile.CodeParse; the elements after it are
// read as usual. A fault of the structure itself (an unterminated array,
// garbage or a missing comma between elements, a bracket closing the wrong
// kind, input that starts with neither '[' nor '{', an object without the
// users array) ends the stream with a *SyntaxError naming the line and the
// byte offset; the elements before it are delivered first. A value of the
// wrong type inside a user is an issue of the record (Record.Issues).
//
// Skip resumes after a checkpoint: it reads the opening of the array, then
// seeks to the checkpoint's offset when the input is a plain file, and
// otherwise reads forward, checking that the offset falls on an element
// boundary with the checkpoint's record count before it.
//
// The Encoder writes "[", the users as compact objects (profile.AppendJSON:
// every attribute, Extra ones included) joined by ",\n", and "\n]\n"; with
// Options.Wrap, the array is the "users" member of an object.
package json
