package jsonobject

import (
	"errors"
	"unicode/utf8"

	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

// Decode decodes obj, the text of one JSON value (an array element, a
// line) that starts at position at, into a record it appends to b.Records,
// with the issues of its values; members the profile does not know are
// resolved through m and the alias table (see resolve). When obj is no
// object or cannot be decoded it appends a reject to b.Rejects instead:
// with the message notObject when obj does not start with '{', else the
// one syntaxMessage gives. obj must not be empty.
func Decode(b *pipeline.Batch, at pipeline.Position, obj []byte, notObject string, m *Names) {
	if obj[0] != '{' {
		b.Rejects = append(b.Rejects, parseReject(at, notObject))
		return
	}
	b.Records = append(b.Records, pipeline.Record{Origin: at})
	r := &b.Records[len(b.Records)-1]
	is, err := profile.DecodeJSON(obj, &r.User)
	if err != nil {
		b.Records[len(b.Records)-1] = pipeline.Record{}
		b.Records = b.Records[:len(b.Records)-1]
		b.Rejects = append(b.Rejects, parseReject(at, syntaxMessage(obj, err)))
		return
	}
	resolve(&r.User, m, &is)
	r.Issues = is
}

// syntaxMessage describes why DecodeJSON refused obj: invalid UTF-8
// (checked only now: DecodeJSON accepts nothing else, so valid text needs
// no second pass), else the position and rule of a *profile.SyntaxError
// (which never quotes the text), else a fixed message.
func syntaxMessage(obj []byte, err error) string {
	if !utf8.Valid(obj) {
		return "invalid UTF-8"
	}
	if se, ok := errors.AsType[*profile.SyntaxError](err); ok {
		return "malformed JSON object: " + se.Error()
	}
	return "malformed JSON object"
}

func parseReject(at pipeline.Position, msg string) pipeline.Reject {
	return pipeline.Reject{Origin: at, Issues: profile.Issues{{Code: profile.CodeParse, Message: msg}}}
}
