package profile

import (
	"testing"
)

func TestCanonical_MapsEveryAlias(t *testing.T) {
	for _, a := range Aliases() {
		if got, ok := Canonical(a.Name); !ok || got != a.Path {
			t.Errorf("Canonical(%q) = %q, %v; want %q", a.Name, got, ok, a.Path)
		}
		if a.Source == "" {
			t.Errorf("alias %q has no source", a.Name)
		}
	}
}

func TestCanonical(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		// Root attributes are their own path.
		{"email", "email", true},
		{"password", "password", true},
		{"custom_password_hash", "custom_password_hash", true},
		// The brief's table.
		{"surname", "family_name", true},
		{"lastname", "family_name", true},
		{"forename", "given_name", true},
		{"fullName", "name", true},
		{"primary_email_address", "email", true},
		{"email_confirmed", "email_verified", true},
		{"mobilePhone", "phone_number", true},
		{"preferred_username", "username", true},
		{"image_url", "picture", true},
		{"disabled", "blocked", true},
		{"localId", "user_id", true},
		{"sub", "user_id", true},
		{"creation_date", "created_at", true},
		{"last_sign_in_at", "last_login", true},
		{"loginsCount", "logins_count", true},
		{"userMetadata", "user_metadata", true},
		{"passwordHash", "password_hash", true},
		{"userPrincipalName", "upn", true},
		{"jobTitle", "job_title", true},
		// Case and separators do not matter in the second pass.
		{"Last Name", "family_name", true},
		{"LAST_NAME", "family_name", true},
		{"last-name", "family_name", true},
		{"E-Mail", "email", true},
		{"EMAIL", "email", true},
		{"Email Verified", "email_verified", true},
		{"Given Name", "given_name", true},
		{"Created At", "created_at", true},
		{"Updated At", "updated_at", true},
		{"Id", "user_id", true},
		{"ID", "user_id", true},
		{"Connection", "identities[0].connection", true},
		{"photoURL", "picture", true},
		{"phone_number_verified", "phone_verified", true},
		{"Phone Number Verified", "phone_verified", true},
		{" user id ", "user_id", true},
		// Unknown names.
		{"favorite_color", "", false},
		{"", "", false},
		{"___", "", false},
		{"emails", "", false},
		{"e.mail", "", false},
		// Inverses are not aliases.
		{"enabled", "", false},
	}
	for _, tt := range tests {
		got, ok := Canonical(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Canonical(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestAliases_AreUnambiguous(t *testing.T) {
	type entry struct{ name, path string }
	var all []entry
	for _, f := range RootFields {
		all = append(all, entry{f, f})
	}
	all = append(all, entry{"password", "password"})
	seen := map[string]bool{}
	for _, a := range Aliases() {
		if seen[a.Name] {
			t.Errorf("alias %q listed twice", a.Name)
		}
		seen[a.Name] = true
		if isRootName(a.Name) {
			t.Errorf("alias %q shadows a root attribute", a.Name)
		}
		all = append(all, entry{a.Name, a.Path})
	}
	for i, a := range all {
		for _, b := range all[i+1:] {
			if foldedEqual(a.name, b.name) && a.path != b.path {
				t.Errorf("%q (%s) and %q (%s) fold alike but differ", a.name, a.path, b.name, b.path)
			}
		}
	}
}

func TestAliases_TargetsAreMappingTargets(t *testing.T) {
	for _, a := range Aliases() {
		if err := checkTarget(a.Path); err != nil {
			t.Errorf("alias %q: %v", a.Name, err)
		}
	}
}

func TestAliases_ReturnsACopy(t *testing.T) {
	as := Aliases()
	as[0].Path = "changed"
	if got, _ := Canonical(as[0].Name); got == "changed" {
		t.Fatal("Aliases exposes the table")
	}
}

func TestCanonical_AllocatesNothing(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		Canonical("Last Name")
		Canonical("favorite_color")
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per run", allocs)
	}
}

func BenchmarkCanonical(b *testing.B) {
	for _, name := range []string{"email", "lastName", "Last Name", "favorite_color"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Canonical(name)
			}
		})
	}
}
