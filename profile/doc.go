// Package profile is ferry's vocabulary: the canonical user profile every
// format, source and sink speaks, and the rules that say when one is fit to
// import.
//
// A User is Auth0's normalized profile together with the attributes of its
// bulk-import schema: root attributes (email, username, names, picture, …),
// identities[] (linked accounts), user_metadata and app_metadata (raw JSON
// text, so key order and number precision survive), a bcrypt password_hash
// or a custom_password_hash, MFA factors, and Extra, the attributes of the
// input ferry does not know, which are never dropped silently. A field's
// zero value means "absent".
//
// Paths name attributes everywhere: "email", "identities[0].connection",
// "user_metadata.consent.given". Readers turn provider and spreadsheet
// names into paths with Canonical, ferry's one table of attribute aliases
// ("lastName" and "surname" are family_name; Aliases lists them), and with
// a Mapping loaded from a YAML file for the columns only one input has.
//
// Normalization (Normalize) brings a user into the shape Auth0 stores:
// trimmed, NFC, lowercased email and username, derived name and nickname,
// Gravatar picture. Validation (Validate) then checks every rule of Auth0's
// import schema and reports all the problems of a record at once, as Issues:
// an Auth0-style Code (FORMAT, MAX_LENGTH, …), the path of the attribute and
// a short message that names the rule.
//
// Issue messages, errors and paths never carry a value: no email, name,
// password or hash ever reaches a log or a reject file through them. Where
// even a metadata key might be personal data (a key holding '.' is often an
// email address) the path names the key by its position instead.
package profile
