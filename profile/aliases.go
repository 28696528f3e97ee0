package profile

// Alias maps an attribute name that providers, exports or spreadsheets use
// onto a profile path.
type Alias struct {
	// Name is the attribute as the source spells it, e.g. "lastName".
	Name string
	// Path is the profile path it means, e.g. "family_name". A path that is
	// not one of User's fields (upn, job_title, preferred_language) names a
	// root attribute Auth0 keeps as it is; ferry holds it in User.Extra.
	Path string
	// Source says who uses the name, for documentation.
	Source string
}

// aliasTable is ferry's one table of attribute aliases, grouped by path.
// Canonical matches Name exactly first, then ignoring case and the
// separators '_', '-' and ' ', so "lastName" also covers "last_name",
// "LastName" and "Last Name"; several spellings are listed anyway where
// sources use them, for the documentation.
//
// Deliberately absent:
//   - Inverse attributes are not aliases: Keycloak's and Cognito's enabled
//     and Okta's status mean "not blocked" at best; the dialects convert them.
//     Firebase's disabled means exactly blocked, so it is here.
//   - Microsoft Graph's mobilePhone becomes phone_number (Okta's mobilePhone
//     is the same thing), not the Extra attribute mobile that Auth0's Azure
//     AD connection writes; businessPhones, an array, stays as it is.
//   - A generic passwordHash column must hold bcrypt to be a password_hash;
//     Firebase's scrypt passwordHash is the firebase dialect's business.
var aliasTable = [...]Alias{
	{"first_name", "given_name", "generic, Clerk"},
	{"firstName", "given_name", "Keycloak, Okta, Clerk tool"},
	{"givenName", "given_name", "Microsoft Graph, SCIM, LDAP"},
	{"forename", "given_name", "generic"},

	{"surname", "family_name", "Microsoft Graph, SAML"},
	{"last_name", "family_name", "generic, Clerk"},
	{"lastName", "family_name", "Keycloak, Okta, Clerk tool"},
	{"lastname", "family_name", "generic"},
	{"familyName", "family_name", "SCIM"},
	{"sn", "family_name", "LDAP"},

	{"displayName", "name", "Firebase, Microsoft Graph, SCIM"},
	{"display_name", "name", "generic"},
	{"fullName", "name", "generic"},
	{"cn", "name", "LDAP"},

	{"mail", "email", "LDAP, Microsoft Graph"},
	{"emailAddress", "email", "generic"},
	{"email_address", "email", "generic"},
	{"primary_email_address", "email", "Clerk"},

	{"emailVerified", "email_verified", "Firebase, Keycloak"},
	{"email_confirmed", "email_verified", "generic"},
	{"verified_email", "email_verified", "Google"},

	{"phone", "phone_number", "generic"},
	{"phoneNumber", "phone_number", "Firebase"},
	{"mobile", "phone_number", "LDAP, generic"},
	{"mobilePhone", "phone_number", "Okta, Microsoft Graph"},
	{"primary_phone_number", "phone_number", "Clerk"},

	{"phone_number_verified", "phone_verified", "Cognito"},

	{"login", "username", "Okta"},
	{"userName", "username", "SCIM, Zitadel"},
	{"user_name", "username", "generic"},
	{"preferred_username", "username", "OIDC, Cognito"},
	{"cognito:username", "username", "Cognito"},
	{"sAMAccountName", "username", "Active Directory"},

	{"photoUrl", "picture", "Firebase"},
	{"avatar", "picture", "generic"},
	{"avatar_url", "picture", "GitHub, generic"},
	{"image_url", "picture", "Clerk"},

	{"disabled", "blocked", "Firebase"},

	{"localId", "user_id", "Firebase"},
	{"uid", "user_id", "Firebase, LDAP"},
	{"id", "user_id", "Keycloak, Okta, Clerk, Auth0 export (Id)"},
	{"sub", "user_id", "OIDC, Cognito"},

	{"createdAt", "created_at", "Firebase"},
	{"created", "created_at", "Okta"},
	{"creation_date", "created_at", "generic"},
	{"createdTimestamp", "created_at", "Keycloak"},
	{"UserCreateDate", "created_at", "Cognito"},

	{"updatedAt", "updated_at", "generic"},
	{"lastUpdated", "updated_at", "Okta"},
	{"UserLastModifiedDate", "updated_at", "Cognito"},

	{"lastLogin", "last_login", "Okta"},
	{"lastSignedInAt", "last_login", "Firebase CLI"},
	{"lastLoginAt", "last_login", "Firebase API"},
	{"last_sign_in_at", "last_login", "Supabase"},

	{"loginsCount", "logins_count", "Auth0 (camel case)"},

	{"appMetadata", "app_metadata", "generic"},
	{"userMetadata", "user_metadata", "generic"},

	{"passwordHash", "password_hash", "generic (bcrypt only)"},

	{"connection", "identities[0].connection", "Auth0 export extension (Connection)"},

	{"userPrincipalName", "upn", "Microsoft Graph"},
	{"jobTitle", "job_title", "Microsoft Graph"},
	{"preferredLanguage", "preferred_language", "Microsoft Graph"},
}

// Aliases returns ferry's attribute alias table, grouped by path, for help
// texts and documentation. The slice is a fresh copy.
func Aliases() []Alias {
	out := make([]Alias, len(aliasTable))
	copy(out, aliasTable[:])
	return out
}

// Canonical returns the profile path an attribute name stands for: the
// root attribute itself ("email", "password"), or the path of an alias
// ("lastName" → "family_name"). It tries an exact, case-sensitive match
// first, then one that ignores ASCII case and the separators '_', '-' and
// ' ' ("Last Name", "E-Mail", "EMAIL_VERIFIED"). ok is false for a name it
// does not know, which a decoder keeps as an Extra attribute. Canonical
// allocates nothing.
func Canonical(name string) (path string, ok bool) {
	if isRootName(name) {
		return name, true
	}
	for i := range aliasTable {
		if aliasTable[i].Name == name {
			return aliasTable[i].Path, true
		}
	}
	for _, f := range RootFields {
		if foldedEqual(f, name) {
			return f, true
		}
	}
	if foldedEqual("password", name) {
		return "password", true
	}
	for i := range aliasTable {
		if foldedEqual(aliasTable[i].Name, name) {
			return aliasTable[i].Path, true
		}
	}
	return "", false
}

// isRootName reports whether name is a root attribute of User: one of
// RootFields, or the plaintext password of legacy input.
func isRootName(name string) bool {
	if name == "password" {
		return true
	}
	for _, f := range RootFields {
		if f == name {
			return true
		}
	}
	return false
}

// foldedEqual compares a and b ignoring ASCII case and the separators '_',
// '-' and ' '. Two names made only of separators are not equal.
func foldedEqual(a, b string) bool {
	i, j, n := 0, 0, 0
	for {
		for i < len(a) && isNameSeparator(a[i]) {
			i++
		}
		for j < len(b) && isNameSeparator(b[j]) {
			j++
		}
		if i == len(a) || j == len(b) {
			return i == len(a) && j == len(b) && n > 0
		}
		if lowerASCII(a[i]) != lowerASCII(b[j]) {
			return false
		}
		i, j, n = i+1, j+1, n+1
	}
}

func isNameSeparator(c byte) bool { return c == '_' || c == '-' || c == ' ' }

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
