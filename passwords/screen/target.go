package screen

import (
	"context"

	"golang.org/x/crypto/bcrypt"

	"github.com/ferry-dev/ferry/passwords"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

// ToAuth0 returns the stage that rewrites every record's stored hash into
// the form Auth0's bulk import takes: password_hash for a bcrypt $2a$/$2b$
// hash of cost 10, custom_password_hash for every other hash Auth0 can
// verify (a Django or PHC PBKDF2 string, an LDAP {SSHA}, a hex MD5, …).
// A record whose hash Auth0 cannot hold (crypt(3), Firebase scrypt, …) is
// rejected with HASH_UNSUPPORTED_BY_TARGET — never silently emptied — and
// one whose hash ferry cannot read with FORMAT. Messages name the
// algorithm, never the hash.
func ToAuth0() pipeline.Stage {
	return func(ctx context.Context, b *pipeline.Batch) error {
		b.Check(func(r *pipeline.Record) profile.Issues {
			u := &r.User
			path := "password_hash"
			if len(u.CustomPasswordHash) > 0 {
				path = "custom_password_hash"
			}
			h, ok, err := passwords.FromUser(u)
			if !ok {
				return nil
			}
			if err != nil {
				return profile.Issues{{Code: profile.CodeFormat, Path: path, Message: "not a password hash ferry can read"}}
			}
			if err := passwords.SetAuth0(u, h); err != nil {
				return profile.Issues{{Code: passwords.Code(err), Path: path, Message: "auth0 cannot hold a " + h.Name() + " hash"}}
			}
			return nil
		})
		return nil
	}
}

// PlaintextCost is the bcrypt cost HashPlaintext hashes with: the cost of
// the $2a$/$2b$ hashes Auth0's bulk import takes as password_hash.
const PlaintextCost = 10

// HashPlaintext returns the stage that hashes the plaintext password of
// legacy input with bcrypt (PlaintextCost) into password_hash, which
// Auth0's import and ferry's stores take, and clears the plaintext. It
// runs after breached-password screening, which needs the plaintext. A
// record that also holds a hash is left as it is (the stores refuse it);
// a password bcrypt cannot take (longer than 72 bytes) rejects the record
// with MAX_LENGTH. bcrypt costs some tens of milliseconds per user, spread
// over the workers.
func HashPlaintext() pipeline.Stage {
	return func(ctx context.Context, b *pipeline.Batch) error {
		b.Check(func(r *pipeline.Record) profile.Issues {
			u := &r.User
			if u.Password == "" || u.PasswordHash != "" || len(u.CustomPasswordHash) > 0 {
				return nil
			}
			h, err := bcrypt.GenerateFromPassword([]byte(u.Password), PlaintextCost)
			if err != nil {
				return profile.Issues{{Code: profile.CodeMaxLength, Path: "password", Message: "bcrypt takes at most 72 bytes"}}
			}
			u.PasswordHash, u.Password = string(h), ""
			return nil
		})
		return ctx.Err()
	}
}
