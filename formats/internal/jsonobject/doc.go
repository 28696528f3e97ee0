// Package jsonobject decodes the JSON objects that the decoders of
// formats/json (array elements) and formats/ndjson (lines) cut from their
// input into records. What is not an object, not valid UTF-8 or malformed
// becomes a reject with profile.CodeParse whose message never quotes the
// input.
package jsonobject
