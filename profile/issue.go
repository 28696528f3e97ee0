package profile

import (
	"errors"
	"strings"
)

// Code is an Auth0-style issue code. The codes of Auth0's import job errors
// are used where one fits; the rest follow their pattern.
type Code string

// Issue codes of Auth0's bulk import (spec §3), as validation emits them.
const (
	CodeAnyOfMissing     Code = "ANY_OF_MISSING"
	CodeArrayLengthLong  Code = "ARRAY_LENGTH_LONG"
	CodeArrayLengthShort Code = "ARRAY_LENGTH_SHORT"
	CodeConflict         Code = "CONFLICT"
	CodeConflictEmail    Code = "CONFLICT_EMAIL"
	CodeConflictUsername Code = "CONFLICT_USERNAME"
	CodeDuplicatedUser   Code = "DUPLICATED_USER"
	CodeEnumMismatch     Code = "ENUM_MISMATCH"
	CodeFormat           Code = "FORMAT"
	CodeInvalidType      Code = "INVALID_TYPE"
	CodeMaxLength        Code = "MAX_LENGTH"
	CodeMaximum          Code = "MAXIMUM"
	CodeMFAFactorsFailed Code = "MFA_FACTORS_FAILED"
	CodeMinLength        Code = "MIN_LENGTH"
	CodeMinimum          Code = "MINIMUM"
	CodeNotPassed        Code = "NOT_PASSED"
	CodeObjectRequired   Code = "OBJECT_REQUIRED"
	CodePattern          Code = "PATTERN"
)

// Codes ferry adds for what Auth0's list does not cover.
const (
	// CodeRequired: a required attribute is missing (Auth0 reports it as
	// OBJECT_REQUIRED; ferry keeps both names apart for clarity).
	CodeRequired Code = "REQUIRED"
	// CodeForbiddenKey: a reserved key in app_metadata, or a key holding
	// '.' or '$' in metadata.
	CodeForbiddenKey Code = "FORBIDDEN_KEY"
	// CodeAdditionalProperty: an attribute the target schema does not allow
	// (reported for root attributes only in strict mode; inside
	// custom_password_hash always, as Auth0 rejects the hash).
	CodeAdditionalProperty Code = "ADDITIONAL_PROPERTY"
	// CodeParse: the record could not be decoded at all (malformed JSON,
	// wrong number of CSV fields, invalid UTF-8).
	CodeParse Code = "PARSE_ERROR"
	// CodeHashUnsupportedByTarget: the target cannot hold the record's hash.
	CodeHashUnsupportedByTarget Code = "HASH_UNSUPPORTED_BY_TARGET"
	// CodePasswordBreached: the password is in the breached-password corpus.
	CodePasswordBreached Code = "PASSWORD_BREACHED"
)

// Issue is one problem with one record. Message names the rule, never the
// offending value, so issues can be logged and written to reject files
// without leaking personal data.
type Issue struct {
	Code    Code   `json:"code"`
	Path    string `json:"path"`
	Message string `json:"message"`
}

// Issues is the list of all problems of one record.
type Issues []Issue

// Add appends an issue.
func (is *Issues) Add(code Code, path, msg string) {
	*is = append(*is, Issue{Code: code, Path: path, Message: msg})
}

// Error joins the issues into one line.
func (is Issues) Error() string {
	var b strings.Builder
	for i, x := range is {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(x.Path)
		b.WriteString(": ")
		b.WriteString(string(x.Code))
		if x.Message != "" {
			b.WriteString(" (")
			b.WriteString(x.Message)
			b.WriteString(")")
		}
	}
	return b.String()
}

// ErrInvalid marks an error that carries Issues.
var ErrInvalid = errors.New("invalid profile")

// ErrUnknownPath is returned for a field path the profile does not have.
var ErrUnknownPath = errors.New("unknown field path")
