package passwords

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"testing"
)

// vector is one hash with the plaintext its source publishes.
//
// source says where it comes from:
//   - "published: …" — the hash and the password appear together in the
//     named document or test suite;
//   - "re-encoded: …" — a published vector (hash bytes and password
//     unchanged) written in another provider's representation, because
//     that provider publishes none; the conversion under test is the
//     re-encoding itself;
//   - "cross-checked with …" — computed with an independent tool.
type vector struct {
	name   string
	parse  func() (Hash, error)
	pw     string
	alg    Algorithm
	source string
	slow   bool // costs over ~200 ms; skipped with -short
}

func id(s string) func() (Hash, error) { return func() (Hash, error) { return Identify(s) } }
func auth0(s string) func() (Hash, error) {
	return func() (Hash, error) { return FromAuth0Custom([]byte(s)) }
}
func kratos(s string) func() (Hash, error) { return func() (Hash, error) { return ParseKratos(s) } }
func okta(s string) func() (Hash, error)   { return func() (Hash, error) { return FromOkta([]byte(s)) } }
func b64(h string) string {
	b, _ := hex.DecodeString(h)
	return base64.RawStdEncoding.EncodeToString(b)
}
func keycloak(s string) func() (Hash, error) {
	return func() (Hash, error) { return FromKeycloak([]byte(s)) }
}

// firebaseREADME holds the example of the firebase/scrypt README.
var firebaseREADME = FirebaseParams{
	SignerKey:     "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==",
	SaltSeparator: "Bw==",
	Rounds:        8,
	MemCost:       14,
}

var vectors = []vector{
	// bcrypt
	{"bcrypt/auth0-doc", id("$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K"), "hello", Bcrypt,
		"published: Auth0 bulk import schema docs (password_hash example)", false},
	{"bcrypt/kratos-2a-12", id("$2a$12$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6"), "test", Bcrypt,
		"published: ory/kratos hash/hasher_test.go", false},
	{"bcrypt/php-2y", id("$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"), "rasmuslerdorf", Bcrypt,
		"published: PHP manual, password_verify example", false},
	{"bcrypt/auth0-custom-2y", auth0(`{"algorithm":"bcrypt","hash":{"value":"$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"}}`),
		"rasmuslerdorf", Bcrypt, "re-encoded: PHP manual vector as an Auth0 custom_password_hash", false},
	{"bcrypt/keycloak-provider", keycloak(`{"type":"password","secretData":"{\"value\":\"$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K\"}","credentialData":"{\"hashIterations\":-1,\"algorithm\":\"bcrypt\"}"}`),
		"hello", Bcrypt, "re-encoded: Auth0 docs vector as a keycloak-bcrypt provider credential", false},
	{"bcrypt/okta", okta(`{"algorithm":"BCRYPT","workFactor":10,"salt":"nFguVi9LsCAcvTZFKQlRKe","value":"LVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K"}`),
		"hello", Bcrypt, "re-encoded: Auth0 docs vector split as Okta's spec §5 describes", false},

	// argon2
	{"argon2id/kratos", id("$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw"), "test", Argon2id,
		"published: ory/kratos hash/hasher_test.go", false},
	{"argon2i/kratos", id("$argon2i$v=19$m=65536,t=3,p=4$kk51rW/vxIVCYn+EG4kTSg$NyT88uraJ6im6dyha/M5jhXvpqlEdlS/9fEm7ScMb8c"), "test", Argon2i,
		"published: ory/kratos hash/hasher_test.go", false},
	{"argon2i/reference-readme", id("$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"), "password", Argon2i,
		"published: P-H-C/phc-winner-argon2 README command-line example", false},
	{"argon2i/django", id("argon2$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q"), "secret", Argon2i,
		"published: django tests/auth_tests/test_hashers.py", false},
	{"argon2id/django", id("argon2$argon2id$v=19$m=102400,t=2,p=8$Y041dExhNkljRUUy$TMa6A8fPJhCAUXRhJXCXdw"), "secret", Argon2id,
		"published: django tests/auth_tests/test_hashers.py", true},
	{"argon2id/auth0-custom", auth0(`{"algorithm":"argon2","hash":{"value":"$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw","encoding":"utf8"}}`),
		"test", Argon2id, "re-encoded: ory/kratos vector as an Auth0 custom_password_hash", false},
	{"argon2id/keycloak", keycloak(`{"type":"password","secretData":"{\"value\":\"MNzk5BtR2vUhrp6qQEjRNw==\",\"salt\":\"cm94YnRVOW5jZzFzcVE4bQ==\",\"additionalParameters\":{}}","credentialData":"{\"hashIterations\":2,\"algorithm\":\"argon2\",\"additionalParameters\":{\"hashLength\":[\"16\"],\"memory\":[\"32\"],\"type\":[\"id\"],\"version\":[\"1.3\"],\"parallelism\":[\"4\"]}}"}`),
		"test", Argon2id, "re-encoded: ory/kratos vector as a Keycloak argon2 credential", false},

	// PBKDF2
	{"pbkdf2-sha256/kratos", id("$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI"),
		"test", PBKDF2, "published: ory/kratos hash/hasher_test.go", false},
	{"pbkdf2-sha512/kratos", id("$pbkdf2-sha512$i=100000,l=32$bdHBpn7OWOivJMVJypy2UqR0UnaD5prQXRZevj/05YU$+wArTfv1a+bNGO1iZrmEdVjhA+lL11wF4/IxpgYfPwc"),
		"test", PBKDF2, "published: ory/kratos hash/hasher_test.go", false},
	{"pbkdf2-sha1/rfc6070", id("$pbkdf2-sha1$i=4096,l=20$" + b64(hex.EncodeToString([]byte("salt"))) + "$" + b64("4b007901b765489abead49d926f721d065a429c1")),
		"password", PBKDF2, "re-encoded: RFC 6070 §2 (c=4096, dkLen=20) as a PHC string", false},
	{"pbkdf2-sha256/rfc7914", id("$pbkdf2-sha256$i=1,l=64$" + b64(hex.EncodeToString([]byte("salt"))) + "$" +
		b64("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")),
		"passwd", PBKDF2, "re-encoded: RFC 7914 §11 PBKDF2-HMAC-SHA256 vector as a PHC string", false},
	{"pbkdf2-sha256/django-1.5", id("pbkdf2_sha256$10000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY="), "lètmein", PBKDF2,
		"published: django 1.5 auth tests (as ported by the djangohashers crate)", false},
	{"pbkdf2-sha256/django", id("pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c="), "lètmein", PBKDF2,
		"published: django tests/auth_tests/test_hashers.py", true},
	{"pbkdf2-sha1/django-passlib", id("pbkdf2_sha1$10000$wz5B6WkasRoF$atJmJ1o+XfJxKq1+Nu1f1i57Z5I="), "not a password", PBKDF2,
		"published: passlib tests, django_pbkdf2_sha1 known_correct_hashes", false},
	{"pbkdf2-sha256/passlib-doc", id("$pbkdf2-sha256$6400$0ZrzXitFSGltTQnBWOsdAw$Y11AchqV4b0sUisdZd0Xr97KWoymNE0LNNrnEgY4H9M"), "password", PBKDF2,
		"published: passlib docs, passlib.hash.pbkdf2_digest", false},
	{"pbkdf2-sha256/passlib-ab64", id("$pbkdf2-sha256$29000$N2YMIWQsBWBMae09x1jrPQ$1t8iyB2A.WF/Z5JZv.lfCIhXXN33N23OSgQYThBYRfk"), "toomanysecrets", PBKDF2,
		"published: passlib docs, front page example", false},
	{"pbkdf2-sha256/keycloak", keycloak(`{"credentialData":"{\"hashIterations\": 27500,\"algorithm\": \"pbkdf2-sha256\"}","secretData":"{\"salt\": \"x/bm4Y3DcuV9eU97ervkPA==\",\"value\": \"1u7BLvfSPxQFpwc5jpGSA+88EGl9pZYKhaZ8YPIu9N4=\"}","type":"password"}`),
		"admin", PBKDF2, "published: dev.to 'Import PBKDF2 hashed user passwords into Keycloak' (Keycloak 9.0.5); cross-checked with python3 hashlib", false},
	{"pbkdf2-sha256/keycloak-legacy", keycloak(`{"type":"password","hashedSaltedValue":"1u7BLvfSPxQFpwc5jpGSA+88EGl9pZYKhaZ8YPIu9N4=","salt":"x/bm4Y3DcuV9eU97ervkPA==","hashIterations":27500,"algorithm":"pbkdf2-sha256"}`),
		"admin", PBKDF2, "re-encoded: the dev.to Keycloak vector in the legacy (pre-11) credential fields", false},
	{"pbkdf2-sha512/keycloak", keycloak(`{"type":"password","secretData":"{\"value\":\"+wArTfv1a+bNGO1iZrmEdVjhA+lL11wF4/IxpgYfPwc=\",\"salt\":\"bdHBpn7OWOivJMVJypy2UqR0UnaD5prQXRZevj/05YU=\",\"additionalParameters\":{}}","credentialData":"{\"hashIterations\":100000,\"algorithm\":\"pbkdf2-sha512\",\"additionalParameters\":{}}"}`),
		"test", PBKDF2, "re-encoded: ory/kratos pbkdf2-sha512 vector as a Keycloak credential", false},
	{"pbkdf2-sha256/okta", okta(`{"algorithm":"PBKDF2","salt":"1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc=","value":"QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI=","iterationCount":100000,"keySize":32,"digestAlgorithm":"SHA256_HMAC"}`),
		"test", PBKDF2, "re-encoded: ory/kratos pbkdf2-sha256 vector as an Okta PasswordCredentialHash", false},
	{"pbkdf2-sha256/auth0-custom", auth0(`{"algorithm":"pbkdf2","hash":{"value":"$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI","encoding":"utf8"}}`),
		"test", PBKDF2, "re-encoded: ory/kratos vector as an Auth0 custom_password_hash (same syntax)", false},

	// scrypt
	{"scrypt/auth0-doc", auth0(`{"algorithm":"scrypt","hash":{"value":"097f6197e1b41538f723e32aa7a68e8d76227d8e432ce5faa4882a913032db29","encoding":"hex"},"salt":{"value":"abc123","encoding":"utf8"},"keylen":32,"cost":4096}`),
		"password", Scrypt, "published: Auth0 bulk import schema docs (plaintext verified in spec §2)", false},
	{"scrypt/rfc7914", auth0(`{"algorithm":"scrypt","hash":{"value":"fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640","encoding":"hex"},"salt":{"value":"NaCl"},"keylen":64,"cost":1024,"blockSize":8,"parallelization":16}`),
		"password", Scrypt, "re-encoded: RFC 7914 §12 scrypt vector as an Auth0 custom_password_hash", false},
	{"scrypt/kratos", id("$scrypt$ln=16384,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE="),
		"test", Scrypt, "published: ory/kratos hash/hasher_test.go", false},
	{"scrypt/passlib-doc", id("$scrypt$ln=8,r=8,p=1$WKs1xljLudd6z9kbY0wpJQ$yCR4iDZYDKv+iEJj6yHY0lv/epnfB6f/w1EbXrsJOuQ"),
		"password", Scrypt, "published: passlib docs, passlib.hash.scrypt", false},
	{"scrypt/django", id("scrypt$16384$seasalt$8$1$Qj3+9PPyRjSJIebHnG81TMjsqtaIGxNQG/aEB/NYafTJ7tibgfYz71m0ldQESkXFRkdVCBhhY8mx7rQwite/Pw=="),
		"lètmein", Scrypt, "published: django tests/auth_tests/test_hashers.py", false},

	// Firebase scrypt
	{"firebase-scrypt/readme", func() (Hash, error) {
		return FromFirebase("lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==", "42xEC+ixf3L2lw==", firebaseREADME)
	}, "user1password", FirebaseScrypt, "published: firebase/scrypt README", false},
	{"firebase-scrypt/kratos", id("$firescrypt$ln=14,r=8,p=1$sPtDhWcd1MfdAw==$xbSou7FOl6mChCyzpCPIQ7tku7nsQMTFtyOZSXXd7tjBa4NtimOx7v42Gv2SfzPQu1oxM2/k4SsbOu73wlKe1A==$Bw==$YE0dO4bwD4JnJafh6lZZfkp1MtKzuKAXQcDCJNJNyeCHairWHKENOkbh3dzwaCdizzOspwr/FITUVlnOAwPKyw=="),
		"8x4WjoDbSxJZdR", FirebaseScrypt, "published: ory/kratos hash/hasher_test.go", false},
	{"firebase-scrypt/clerk", func() (Hash, error) {
		return FromClerk("scrypt_firebase", "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==$42xEC+ixf3L2lw==$jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==$Bw==$8$14")
	}, "user1password", FirebaseScrypt, "re-encoded: firebase/scrypt README vector in Clerk's scrypt_firebase layout", false},

	// HMAC
	{"hmac-sha1/auth0-doc", auth0(`{"algorithm":"hmac","hash":{"value":"cg7f42jH39/2EaAU4wNd4s2lKIk=","encoding":"base64","digest":"sha1","key":{"value":"736868","encoding":"hex"}}}`),
		"test", HMAC, "published: Auth0 bulk import schema docs (plaintext verified in spec §2)", false},
	{"hmac-md4/kratos", id("$hmac-md4$MWQ5ZTI4Nzc2Zjg4YmE2MTQ5YjQ0OTMyOGE4NWU4YjA=$MTIzNDU="), "test", HMAC, "published: ory/kratos hash/hasher_test.go", false},
	{"hmac-md5/kratos", id("$hmac-md5$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$MTIzNDU="), "test", HMAC, "published: ory/kratos hash/hasher_test.go", false},
	{"hmac-sha256/kratos", id("$hmac-sha256$ZTAzMWJhMWMyOTM4YjFkMjgzZjkxOWExZGY5YWM2NmMxOTJhN2RkNzQ0MzJkNWZkNGFkYTI5OTk0MWJhMTA5Zg==$MTIzNDU="),
		"test", HMAC, "published: ory/kratos hash/hasher_test.go", false},
	{"hmac-sha512/kratos", id("$hmac-sha512$OTFmODY0ZTI1NmU0ZjVhYjhiMDViZGFmNGVmNGZmMGVlNTY4ODYwNWJhYTk4MTk2OTgyMzc3NzI1YTc4MzcxMTMzNzZmY2YxYTk5MGMxM2RiZDk2MGFmMmQ1YzRmODdlMGMwYTNkYjcyNjY0NjM4NGE4YzQ2MjNhZDZkN2UxZTE=$MTIzNDU="),
		"test", HMAC, "published: ory/kratos hash/hasher_test.go", false},

	// Plain and salted digests
	{"md5/auth0-doc-salted", auth0(`{"algorithm":"md5","hash":{"value":"67A1E09BB1F83F5007DC119C14D663AA","encoding":"hex"},"salt":{"value":"salt","position":"prefix"}}`),
		"password", MD5, "published: Auth0 bulk import schema docs, MD5(\"salt\"+\"password\")", false},
	{"md5/rfc1321", id("900150983cd24fb0d6963f7d28e17f72"), "abc", MD5, "published: RFC 1321 A.5 test suite", false},
	{"md4/rfc1320", auth0(`{"algorithm":"md4","hash":{"value":"a448017aaf21d8525fc10ae87aa6729d","encoding":"hex"}}`), "abc", MD4,
		"re-encoded: RFC 1320 A.5 test suite as an Auth0 custom_password_hash", false},
	{"md4/ntlm", auth0(`{"algorithm":"md4","hash":{"value":"8846F7EAEE8FB117AD06BDD830B7586C","encoding":"hex"},"password":{"encoding":"utf16le"}}`),
		"password", MD4, "cross-checked: the widely quoted NT hash of \"password\", reproduced by x/crypto/md4 (which passes RFC 1320, vector md4/rfc1320); as an Auth0 md4/utf16le object", false},
	{"sha1/fips180", id("a9993e364706816aba3e25717850c26c9cd0d89d"), "abc", SHA1, "published: FIPS 180-2 appendix A.1", false},
	{"sha256/fips180", id("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), "abc", SHA256, "published: FIPS 180-2 appendix B.1", false},
	{"sha512/fips180", id("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
		"abc", SHA512, "published: FIPS 180-2 appendix C.1", false},
	{"sha1/django-salted", id("sha1$seasalt$cff36ea83f5706ce9aa7454e63e431fc726b2dc8"), "lètmein", SHA1, "published: django tests/auth_tests/test_hashers.py", false},
	{"md5/django-salted", id("md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3"), "lètmein", MD5, "published: django tests/auth_tests/test_hashers.py", false},
	{"md5/django-unsalted", id("88a434c88cca4e900f7874cd98123f43"), "lètmein", MD5, "published: django tests/auth_tests/test_hashers.py", false},
	{"sha1/django-unsalted", id("sha1$$6d138ca3ae545631b3abd71a4f076ce759c5700b"), "lètmein", SHA1, "published: django tests/auth_tests/test_hashers.py", false},
	{"sha1/kratos-pf", id("$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ="), "test", SHA1, "published: ory/kratos hash/hasher_test.go", false},
	{"sha1/kratos-pf-template", id("$sha1$pf=Pz9zdGF0aWNQcmVmaXg/P3tTQUxUfXtQQVNTV09SRH0=$NW9wbWtnejAzcg==$SAAxMUn7jxckQXkBmsVF0nHwqso="), "test", SHA1,
		"published: ory/kratos hash/hasher_test.go", false},
	{"sha256/kratos-pf", id("$sha256$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$0gfRVLCvtBCk20udLDEY5vNhujWx7RGjwRIS1ebMsLY="), "test", SHA256,
		"published: ory/kratos hash/hasher_test.go", false},
	{"sha512/kratos-pf", id("$sha512$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$6ctpVuApMNp0CgBXcdHw/GC562eFEFGr4gpgANX8ZYsX+j5B19IkdmOY2Fytsz3QUwSWdGcUjbqwgJGTH0UYvw=="),
		"test", SHA512, "published: ory/kratos hash/hasher_test.go", false},
	{"md5/kratos", id("$md5$CY9rzUYh03PK3k6DJie09g=="), "test", MD5, "published: ory/kratos hash/hasher_test.go", false},
	{"md5/kratos-pf", id("$md5$pf=e1NBTFR9e1BBU1NXT1JEfQ==$MTIz$q+RdKCgc+ipCAcm5ChQwlQ=="), "test", MD5, "published: ory/kratos hash/hasher_test.go", false},
	{"sha512/okta-support", okta(`{"algorithm":"SHA-512","saltOrder":"POSTFIX","salt":"JipHQUgqQU8qQUwpQUYjUChBSEcjQQ==","value":"Zz6KwLGDm7ospSipwpDmxAjBWHKPLgGh1roGzI267h6txr/ihTI/R4K2eYrpyc0R24qCSF6DRqNl110vZZtj4A=="}`),
		"s3cr3tp@ssw0rd", SHA512, "published: Okta support article 'Users are unable to login using imported hashed password'", false},

	// LDAP
	{"ldap/sha", id("{SHA}at+xg6SiyUovktq1redipHiJpaE="), "helloworld", SHA1, "published: passlib tests, ldap_sha1_test", false},
	{"ldap/md5", id("{MD5}/F4DjTilcDIIVEHn/nAQsA=="), "helloworld", MD5, "published: passlib tests, ldap_md5_test", false},
	{"ldap/smd5", id("{SMD5}UjFY34os/pnZQ3oQOzjqGu4yeXE="), "testing1234", MD5, "published: passlib tests, ldap_salted_md5_test", false},
	{"ldap/ssha", id("{SSHA}0c0blFTXXNuAMHECS4uxrj3ZieMoWImr"), "testing123", SHA1, "published: passlib tests, ldap_salted_sha1_test", false},
	{"ldap/ssha256", id("{SSHA256}czO44OTV17PcF1cRxWrLZLy9xHd7CWyVYplr1rOhuMlx/7IK"), "test123", SHA256, "published: ory/kratos hash/hasher_test.go", false},
	{"ldap/ssha512", id("{SSHA512}xPUl/px+1cG55rUH4rzcwxdOIPSB2TingLpiJJumN2xyDWN4Ix1WQG3ihnvHaWUE8MYNkvMi5rf0C9NYixHsE6Yh59M="), "test123", SHA512,
		"published: ory/kratos hash/hasher_test.go", false},
	{"ldap/sha256", id("{SHA256}e1LJ7NS8EeE5DqREJ5yU0n1xpNu2kcotxl6XvY9kVqQ="), "Test1000!", SHA256, "published: zitadel/passwap ssha/ssha_test.go", false},
	{"ldap/sha384", id("{SHA384}33ONcPYPqzSsF8AsvGnI1VCpT+gCXcH5L5yl0qfbTL55HboMjsvZC7+EYdwAl99z"), "Test1000!", SHA384, "published: zitadel/passwap ssha/ssha_test.go", false},
	{"ldap/ssha384", id("{SSHA384}aeKvmu3YhytWWcalwjHOt7NumBH3dmIowiWhiojx0QWW6WYuRjxPXFjrVrLvgLmJc2FsdA=="), "Test1000!", SHA384,
		"published: zitadel/passwap ssha/ssha_test.go", false},
	{"ldap/sha512", id("{SHA512}lva7IDajagCj80luf1Nh/r/PaYeYbw14lO2SakO639hc0UY9choH8Qt3/StzUwU97QR5xoF0u14RISWcXcMDAw=="), "Test1000!", SHA512,
		"published: zitadel/passwap ssha/ssha_test.go", false},
	{"ldap/crypt-sha512", id("{CRYPT}$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"), "Hello world!", SHA512Crypt,
		"re-encoded: glibc sha512-crypt vector inside an RFC 2307 {CRYPT} value", false},

	// crypt(3)
	{"md5-crypt/freebsd", id("$1$deadbeef$0Huu6KHrKLVWfqa4WljDE0"), "0.s0.l33t", MD5Crypt, "published: FreeBSD lib/libcrypt/tests/crypt_tests.c", false},
	{"md5-crypt/kratos", id("$md5-crypt$TVEiiKNb$SN6/pUaRQS/E8Jh46As2C/"), "test", MD5Crypt, "published: ory/kratos hash/hasher_test.go", false},
	{"md5-crypt/kratos-empty-salt", id("$md5-crypt$$whuMjZj.HMFoaTaZRRtkO0"), "test", MD5Crypt, "published: ory/kratos hash/hasher_test.go", false},
	{"sha256-crypt/glibc", id("$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"), "Hello world!", SHA256Crypt,
		"published: glibc crypt/sha256c-test.c (Drepper's specification); cross-checked with python3 crypt", false},
	{"sha256-crypt/glibc-rounds", id("$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA"), "Hello world!", SHA256Crypt,
		"published: Drepper's SHA-crypt specification test vectors", false},
	{"sha512-crypt/glibc", id("$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"), "Hello world!", SHA512Crypt,
		"published: glibc crypt/sha512c-test.c (Drepper's specification)", false},
	{"sha512-crypt/glibc-rounds", id("$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."), "Hello world!", SHA512Crypt,
		"published: Drepper's SHA-crypt specification test vectors", false},
	{"sha256-crypt/kratos", id("$sha256-crypt$rounds=535000$05R.9KB6UC2kLI3w$Q/zslzx./JjkAVPTwp6th7nW5l7JU91Gte/UmIh.U78"), "test", SHA256Crypt,
		"published: ory/kratos hash/hasher_test.go", true},
	{"sha512-crypt/kratos", id("$sha512-crypt$rounds=656000$3LVbIAVxR//cRajw$uuNasMW.RYxlGzIRFU1Was70BPSa933AjxhZIGJdJBOlqJAHlgqa0yuiuq5JHF/ryNGryJkj87G9i3G2HPSXg1"), "test", SHA512Crypt,
		"published: ory/kratos hash/hasher_test.go", true},

	// Clerk layouts (re-encodings of published vectors)
	{"pbkdf2-sha256/clerk", func() (Hash, error) {
		return FromClerk("pbkdf2_sha256", "pbkdf2_sha256$100000$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc=$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI=")
	}, "test", PBKDF2, "re-encoded: ory/kratos pbkdf2-sha256 vector in Clerk's pbkdf2_sha256 layout", false},
	{"pbkdf2-sha1/clerk", func() (Hash, error) {
		return FromClerk("pbkdf2_sha1", "pbkdf2_sha1$4096$73616c74$4b007901b765489abead49d926f721d065a429c1$20")
	}, "password", PBKDF2, "re-encoded: RFC 6070 vector in Clerk's pbkdf2_sha1 layout (hex salt)", false},
}

// cheap reports whether verifying h costs at most a few milliseconds.
func cheap(h Hash) bool {
	switch h.Algorithm {
	case Bcrypt:
		return h.Cost <= 6
	case PBKDF2:
		return h.Iterations <= 10000
	case Scrypt, FirebaseScrypt:
		return h.N*h.BlockSize*h.Parallelism <= 1<<14
	case Argon2id, Argon2i, Argon2d:
		return int(h.Memory)*h.Iterations <= 1<<12
	case SHA256Crypt, SHA512Crypt:
		return h.Iterations <= 10000
	}
	return true
}

func TestVectors_VerifyPublishedPlaintext(t *testing.T) {
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			if v.slow && testing.Short() {
				t.Skip("slow KDF parameters")
			}
			h, err := v.parse()
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if h.Algorithm != v.alg {
				t.Fatalf("algorithm = %s, want %s", h.Algorithm, v.alg)
			}
			if raceEnabled && !cheap(h) {
				t.Skip("costly KDF under the race detector")
			}
			ok, err := h.Verify([]byte(v.pw))
			if err != nil || !ok {
				t.Fatalf("Verify(published password) = %v, %v; want true (%s)", ok, err, v.source)
			}
			ok, err = h.Verify([]byte(v.pw + "x"))
			if err != nil || ok {
				t.Fatalf("Verify(wrong password) = %v, %v; want false", ok, err)
			}
		})
	}
}

// TestVectors_EveryFormatHasAnExternalVector fails when a format this
// package parses has no vector whose source is external.
func TestVectors_EveryFormatHasAnExternalVector(t *testing.T) {
	have := map[Format]map[Algorithm]bool{}
	for _, v := range vectors {
		h, err := v.parse()
		if err != nil {
			continue
		}
		if have[h.Format] == nil {
			have[h.Format] = map[Algorithm]bool{}
		}
		have[h.Format][h.Algorithm] = true
	}
	need := map[Format][]Algorithm{
		FormatMCF:      {Bcrypt, MD5Crypt, SHA256Crypt, SHA512Crypt},
		FormatPHC:      {Argon2id, Argon2i, PBKDF2, Scrypt},
		FormatPasslib:  {PBKDF2},
		FormatDjango:   {PBKDF2, Argon2id, Argon2i, Scrypt, SHA1, MD5},
		FormatLDAP:     {MD5, SHA1, SHA256, SHA384, SHA512},
		FormatKratos:   {FirebaseScrypt, HMAC, SHA1, SHA256, SHA512, MD5, MD5Crypt, SHA256Crypt, SHA512Crypt, Scrypt},
		FormatAuth0:    {Bcrypt, Argon2id, PBKDF2, Scrypt, HMAC, MD5, MD4},
		FormatOkta:     {Bcrypt, SHA512, PBKDF2},
		FormatKeycloak: {PBKDF2, Argon2id},
		FormatFirebase: {FirebaseScrypt},
		FormatHex:      {MD5, SHA1, SHA256, SHA512},
		FormatClerk:    {FirebaseScrypt, PBKDF2},
	}
	for f, algs := range need {
		for _, a := range algs {
			if !have[f][a] {
				t.Errorf("format %s, algorithm %s: no vector", f, a)
			}
		}
	}
}

// TestVectors_OktaForumSaltIsText documents Okta's open question (spec
// §5): in the forum thread the salt "MPu13OmY" was hashed as its text, and
// Okta staff confirmed the login. FromOkta follows the API reference
// (base64 salt); this test shows the digest itself matches the thread when
// the salt is taken as text.
func TestVectors_OktaForumSaltIsText(t *testing.T) {
	h, err := FromOkta([]byte(`{"algorithm":"SHA-256","salt":"TVB1MTNPbVk=","saltOrder":"PREFIX","value":"TdLtPD2sUZ6gnRDUkvaQgqZcZttYBhoBqQGSI/pXqnU"}`))
	if err != nil {
		t.Fatal(err)
	}
	if string(h.Salt) != "MPu13OmY" {
		t.Fatalf("salt = %q", h.Salt)
	}
	ok, err := h.Verify([]byte("Testing123!"))
	if err != nil || !ok {
		t.Fatalf("Verify = %v, %v; want true", ok, err)
	}
}

// ExampleIdentify shows the summary fields of a parsed hash.
func ExampleIdentify() {
	h, err := Identify("$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K")
	if err != nil {
		panic(err)
	}
	ok, _ := h.Verify([]byte("hello"))
	fmt.Println(h.Name(), h.Format, Classify(h), ok)
	// Output: bcrypt mcf slow true
}
