// Package query is Auth0's user-search query syntax (v3, spec §8), for
// ferry's --query: Parse reads a query, (*Query).Match filters profiles in
// process (files), and (*Query).SQL translates it into a WHERE clause for
// the stores (PostgreSQL, MySQL/MariaDB, SQLite). Both give the same users
// on the same data; package querytest holds the cases that show it.
//
// # Syntax
//
//	jane                                 a term: searches the default fields
//	email:jane@exampleco.com             field:value
//	name:"jane smith"   name:John\ Doe   a quoted phrase, or '\' escaping a character
//	email:("a@x.io" OR "b@x.io")         a field group: the field applies inside
//	a AND b   a OR b   NOT a   (a b)     operators in upper case, parentheses
//	+a   -a                              required and prohibited clauses (Lucene)
//	name:john*   name:*usa   name:j*n*e  '*' wildcards
//	logins_count:[100 TO 200}            ranges: [ ] inclusive, { } exclusive, '*' open
//	_exists_:user_metadata.plan          the field holds an indexed value
//	app_metadata.subscription.plan:gold  paths into metadata and identities
//	email.domain:example.com             the part of the email after its last '@'
//
// Whitespace may follow "field:". A value after "field:" may hold ':' (for
// times and IPv6 addresses); elsewhere ':' ends a field name. Parse refuses,
// with a *SyntaxError pointing at the column, what Auth0 does not support or
// ferry cannot evaluate: the '?' wildcard, regular expressions (/…/), fuzzy
// and proximity searches (~), boosts (^), &&, || and !, ranges and wildcards
// on user_metadata, a wildcard other than one trailing '*' with fewer than
// three literal characters (name:*sa), unknown fields, and values of the
// wrong type (logins_count:abc, blocked:yes). A field:* term means
// _exists_:field; an unfielded '*' matches everyone, as does an empty query.
//
// # Operators
//
// Explicit operators follow boolean precedence, NOT over AND over OR, so
// that Auth0's documented examples mean what their documentation says:
// "email_verified:false OR NOT _exists_:email_verified" finds users whose
// email is not verified, and "(NOT _exists_:logins_count OR logins_count:0)"
// users who never logged in. (Lucene's classic parser, which Elasticsearch's
// query_string uses, reads both as "x AND NOT y" and finds nobody.)
//
// Juxtaposed clauses, with no operator between them, follow Lucene with its
// default operator OR, as Elasticsearch does: "a b" is a OR b; a clause
// marked + is required, and once one is, the unmarked ones no longer matter
// ("+a b" is a); a clause marked - or led by NOT is prohibited ("a -b" and
// "a NOT b" are a AND NOT b; "-a" alone is NOT a). Juxtaposition binds
// tighter than OR and looser than AND: "a b OR c" is (a OR b) OR c, and
// "a b AND c" is a OR (b AND c). Inside an AND chain or after OR, + does
// nothing and - is NOT.
//
// # Fields and values
//
// Searchable are the root attributes user_id, email, email_verified,
// username, given_name, family_name, name, nickname, picture, phone_number,
// phone_verified, blocked, created_at, updated_at, last_login, last_ip and
// logins_count; email.domain; and paths inside app_metadata, user_metadata
// and identities. organization_id is not: ferry's profile holds no
// organizations. Any other field is an error, where Auth0 would find nobody.
// A term without a field searches user_id, email, username, name,
// given_name, family_name and nickname, never metadata.
//
// email, name, given_name, family_name, nickname and email.domain compare
// case-insensitively (both sides lower-cased rune by rune, as
// strings.ToLower does); every other field, metadata included, compares
// case-sensitively.
//
// A term or phrase matches a text field when it equals the field's whole
// value, and a wildcard when the pattern covers the whole value. This is
// what Auth0's v3 migration guide states ("user fields are not tokenized
// like in v2, so user_id:auth0 will not match a user_id with value
// auth0|12345"; "fields match the whole value that is provided"), and
// differs only where Auth0's Elasticsearch index analyses a field into
// words, in which case Auth0 may also find "Jane Smith" for name:smith: in
// ferry write name:*smith* (the guide's own advice). A quoted phrase is
// never a wildcard. Absent values (empty text, unset booleans and counts,
// zero times) match nothing but NOT; field:"" matches nobody.
//
// blocked, email_verified and phone_verified take true or false;
// logins_count takes whole numbers. Times take YYYY, YYYY-MM, YYYY-MM-DD or
// YYYY-MM-DDThh[:mm[:ss[.ffffff]]] with an optional zone (Z, ±hh:mm; none
// means UTC), and each names a whole period: created_at:2018-01-15 is that
// day, [* TO 2017-12] runs to the end of December, {2017-11 TO …} starts
// after November. Times compare at the microsecond precision the stores
// keep; finer fractions are refused.
//
// Ranges on text compare by code point (the byte order of UTF-8), after
// lower-casing on the case-insensitive fields.
//
// # Metadata and identities
//
// A path walks app_metadata or user_metadata from the object's root, or
// each identity's attributes as ferry's JSON codec writes them
// (connection, provider, user_id, isSocial, the tokens, profileData and
// unknown attributes). Path keys may hold letters, digits, '_' and '-'.
// As in Auth0, an array met at any step stands for its elements:
// user_metadata.addresses.city:Paris finds {"addresses":[{"city":"Paris"}]}
// and {"addresses":{"city":"Paris"}}, and app_metadata.roles:admin finds
// {"roles":["admin"]}. Unlike Elasticsearch, which flattens arrays at any
// depth, ferry unwraps one level per step: [[1]] does not hold 1.
//
// At the end of the path, a value matches a string equal to it, a number
// equal to it when it is a number (5, 5.0 and 5e0 are equal; "5" the string
// matches 5 the literal too, as text), and a boolean when it is true or
// false. Ranges compare numbers when every bound is a number, else strings
// by code point; wildcards match strings. Null, empty objects and empty
// arrays are not indexed: _exists_ holds when the path reaches a string,
// number or boolean, or an object or array holding one at any depth.
//
// # SQL
//
// SQL returns a boolean expression with every value of the query bound as
// a parameter, never written into the text; Columns names the columns (see
// DefaultColumns and TimeLayout for the layout it assumes). Every test is
// two-valued: a NULL or empty column is an absent value, so NOT gives the
// same users as Match. Metadata and identity paths become EXISTS over the
// values the path reaches: json_each chains in SQLite, one lax jsonpath
// (jsonb_path_query) in PostgreSQL, JSON_TABLE chains in MySQL/MariaDB.
// Case-sensitive text compares by bytes whatever the column's collation
// (COLLATE "C" in PostgreSQL, CAST … AS BINARY in MySQL); wildcards are
// LIKE with '!' as escape character, or GLOB in SQLite, whose LIKE ignores
// case.
//
// Where the engines' own rules make SQL and Match differ, on data the
// shared cases avoid:
//   - Case folding of non-ASCII letters is the engine's lower(): SQLite's
//     folds ASCII only (a store may name its own function in
//     Columns.Lower), PostgreSQL's follows the database's LC_CTYPE.
//   - MariaDB does not decode \u escapes in stored JSON keys: a key written
//     "caf\u00e9" is not found by app_metadata.café. A store that
//     normalizes metadata on write avoids it.
//   - Numbers in metadata compare as float64 in Match, SQLite and MySQL,
//     and exactly (numeric) in PostgreSQL: they differ beyond about 15
//     significant digits.
//   - For a key given twice in one object, Match and PostgreSQL use the
//     last, SQLite and MariaDB the first.
package query
