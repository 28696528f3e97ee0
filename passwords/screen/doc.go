// Package screen holds the pipeline stages that look at users' passwords:
// Count, which tallies users by the algorithm of their stored password for
// every run's summary, and Stage, which screens passwords against a
// breached-password corpus at import.
//
// # Census
//
// Count returns a cheap stage (no parsing for the common forms, no
// allocation per record) that tallies each batch (Batch.Tally): how many
// users hold a bcrypt hash, a pbkdf2-sha256 one, a plaintext password of
// legacy input, none at all, … UserLabel names one user's password that
// way.
//
// # Screening
//
// Stage screens each record by what it holds:
//
//	plaintext password (legacy input)   SHA-1 / NT hash looked up in the corpus
//	unsalted SHA-1, NT hash             the digest itself looked up
//	other unsalted digests (MD5, …)     audited: compared with the digests of
//	salted digests, HMAC, LDAP SSHA     the top-N common passwords, within a
//	                                    CPU budget (Options.Candidates, AuditBudget)
//	bcrypt, argon2, scrypt, PBKDF2, …   counted as unverifiable
//
// The corpus is a local breach.Index (one per digest kind, looked up in
// process) or a breach.Client for a range API (looked up concurrently per
// batch, the client bounding the requests in flight across workers), or
// both: then the API is asked what no index found.
//
// A breached record is handled by the Policy: Flag sets
// app_metadata.<FlagField> to true (key order kept), Reject moves it to the
// rejects with code PASSWORD_BREACHED at the path of what was checked
// (password, password_hash or custom_password_hash), Reset removes the
// password and hashes, so the user must reset, and flags.
//
// Stats counts, with atomic counters shared by all workers, what was
// checked, found breached, audited or left unverifiable, in total and per
// algorithm. Nothing in this package logs or returns a password or a hash.
package screen
