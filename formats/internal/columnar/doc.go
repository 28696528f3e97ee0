// Package columnar holds what the columnar formats (formats/parquet and
// formats/arrow) share: the column schema of a profile, reading an
// attribute of a user for a column and setting it back, and resolving the
// columns of a file written by another tool to profile paths.
//
// # Schema
//
// Root attributes come first, in the order of profile.RootFields, each
// nullable (null means absent):
//
//	user_id, email, phone_number, username, given_name, family_name, name,
//	nickname, picture, last_ip, password_hash, password   string
//	email_verified, phone_verified, blocked                boolean
//	created_at, updated_at, last_login, last_password_reset
//	                                                       timestamp (µs, UTC)
//	logins_count                                           int64
//	app_metadata, user_metadata, custom_password_hash      JSON text
//	identities   list of struct {connection, provider, user_id string,
//	             isSocial boolean, access_token, access_token_secret,
//	             refresh_token string, profileData JSON, extra JSON}
//	mfa_factors  list of struct {totp_secret, phone, email string, raw JSON}
//
// then one string column per flattened path (Options.Flatten, named after
// the path, e.g. "user_metadata.plan"), and last "extra", a JSON object of
// the attributes the profile does not know (User.Extra), in input order.
// An identity's extra member holds its unknown attributes the same way; a
// factor's raw member holds a factor that is none of the three shapes.
//
// Times keep their instant, not their zone offset, to the microsecond.
// password_hash, custom_password_hash, mfa_factors and password are
// written only with Options.IncludeSecrets, as the CSV writer does.
// Flattened columns are copies: the metadata column still holds the whole
// object, so a reader that ignores them loses nothing, and a reader of a
// file with both takes the object column.
package columnar
