package screen_test

import (
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/ferry-dev/ferry/passwords/screen"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

func TestToAuth0_ConvertsWhatAuth0HoldsAndRejectsTheRest(t *testing.T) {
	tests := []struct {
		name       string
		hash       string
		wantCode   profile.Code
		wantPlain  bool // stays a password_hash
		wantCustom bool // becomes a custom_password_hash
	}{
		{"bcrypt cost 10 stays", "$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K", "", true, false},
		{"hex md5 becomes custom", "5f4dcc3b5aa765d61d8327deb882cf99", "", false, true},
		{"ldap sha becomes custom", "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "", false, true},
		{"django pbkdf2 becomes custom", "pbkdf2_sha256$260000$AqjEu5xbV2SD$SU0bQf1Z6xCYzjcNMH+8Xs6gqUXu8m3W0Q6CGnBcn1M=", "", false, true},
		{"md5-crypt is unsupported", "$1$saltsalt$2vnaRpHa6Jxjz5n83ok8Z0", profile.CodeHashUnsupportedByTarget, false, false},
		{"garbage is a format error", "not-a-hash", profile.CodeFormat, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &pipeline.Batch{Records: []pipeline.Record{{User: profile.User{Email: "a@example.com", PasswordHash: tt.hash}}}, Read: 1}
			if err := screen.ToAuth0()(t.Context(), b); err != nil {
				t.Fatal(err)
			}
			if tt.wantCode != "" {
				if len(b.Rejects) != 1 || b.Rejects[0].Issues[0].Code != tt.wantCode {
					t.Fatalf("rejects %+v, want one %s", b.Rejects, tt.wantCode)
				}
				if m := b.Rejects[0].Issues[0].Message; strings.Contains(m, tt.hash) {
					t.Errorf("message %q carries the hash", m)
				}
				return
			}
			if len(b.Rejects) != 0 || len(b.Records) != 1 {
				t.Fatalf("rejected %+v", b.Rejects)
			}
			u := b.Records[0].User
			if (u.PasswordHash != "") != tt.wantPlain || (len(u.CustomPasswordHash) > 0) != tt.wantCustom {
				t.Errorf("password_hash %q, custom %s", u.PasswordHash, u.CustomPasswordHash)
			}
			if tt.wantCustom && len(profile.Validate(&u, profile.ValidateOptions{})) != 0 {
				t.Errorf("converted hash fails validation: %v", profile.Validate(&u, profile.ValidateOptions{}))
			}
		})
	}
}

func TestHashPlaintext_HashesWhatHasNoHashYet(t *testing.T) {
	const bcryptHash = "$2b$10$abcdefghijklmnopqrstuuYV4FS6NbGnzEYC9ACB4qpSGnwfFz3rW"
	tests := []struct {
		name     string
		u        profile.User
		hashed   bool   // the plaintext became a bcrypt hash of it
		keep     string // else the password_hash afterwards
		rejected string // code, "" for none
	}{
		{"plaintext only", profile.User{Email: "a@x.com", Password: "correct horse"}, true, "", ""},
		{"plaintext beside a hash is left for the store to refuse", profile.User{Email: "b@x.com", Password: "x", PasswordHash: bcryptHash}, false, bcryptHash, ""},
		{"no password", profile.User{Email: "c@x.com"}, false, "", ""},
		{"longer than bcrypt takes", profile.User{Email: "d@x.com", Password: strings.Repeat("p", 73)}, false, "", "MAX_LENGTH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pw := tt.u.Password
			b := &pipeline.Batch{Records: []pipeline.Record{{User: tt.u}}}
			if err := screen.HashPlaintext()(t.Context(), b); err != nil {
				t.Fatal(err)
			}
			if tt.rejected != "" {
				if len(b.Rejects) != 1 || b.Rejects[0].Issues[0].Code != profile.Code(tt.rejected) || strings.Contains(b.Rejects[0].Issues[0].Message, pw) {
					t.Fatalf("rejects %+v, want one %s without the password", b.Rejects, tt.rejected)
				}
				return
			}
			u := b.Records[0].User
			if !tt.hashed {
				if u.PasswordHash != tt.keep || u.Password != tt.u.Password {
					t.Errorf("user changed: hash %q, password kept %v", u.PasswordHash, u.Password == tt.u.Password)
				}
				return
			}
			if u.Password != "" || !strings.HasPrefix(u.PasswordHash, "$2a$10$") || bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(pw)) != nil {
				t.Errorf("hash %q (plaintext cleared: %v): want a cost-10 bcrypt of the password", u.PasswordHash, u.Password == "")
			}
		})
	}
}
