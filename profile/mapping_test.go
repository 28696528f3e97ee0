package profile

import (
	"errors"
	"strings"
	"testing"
)

const mpExample = `columns:
  Mail Address: email
  Plan: user_metadata.plan
  legacy_id: app_metadata.legacy_id
  Conn: identities[0].connection
  City: user_metadata.addresses[0].city
  Avatar Email: identities[1].profileData.email
ignore: [internal_notes]
`

func TestLoadMapping_ResolvesColumns(t *testing.T) {
	m, err := LoadMapping(strings.NewReader(mpExample))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		column, path string
		ignore       bool
	}{
		{"Mail Address", "email", false},
		{"Plan", "user_metadata.plan", false},
		{"legacy_id", "app_metadata.legacy_id", false},
		{"Conn", "identities[0].connection", false},
		{"City", "user_metadata.addresses[0].city", false},
		{"internal_notes", "", true},
		{"lastName", "family_name", false},          // alias table
		{"email", "email", false},                   // root attribute
		{"E-mail Address", "email", false},          // not mapped (mapping is exact), but an alias
		{"Favorite Color", "Favorite Color", false}, // unknown: kept as is
	}
	for _, tt := range tests {
		path, ignore := m.Resolve(tt.column)
		if path != tt.path || ignore != tt.ignore {
			t.Errorf("Resolve(%q) = %q, %v; want %q, %v", tt.column, path, ignore, tt.path, tt.ignore)
		}
	}
	if err := m.Check(); err != nil {
		t.Errorf("Check of a loaded mapping: %v", err)
	}
}

func TestMapping_ZeroValueUsesAliases(t *testing.T) {
	var m Mapping
	if p, ig := m.Resolve("surname"); p != "family_name" || ig {
		t.Fatalf("got %q, %v", p, ig)
	}
}

func TestLoadMapping_AcceptsEmptyForms(t *testing.T) {
	for _, in := range []string{"", "\n", "# nothing\n", "columns:\nignore:\n", "ignore: notes\n", "---\ncolumns: {}\n"} {
		m, err := LoadMapping(strings.NewReader(in))
		if err != nil {
			t.Errorf("%q: %v", in, err)
		}
		if len(m.Columns) != 0 {
			t.Errorf("%q: columns %v", in, m.Columns)
		}
	}
	m, _ := LoadMapping(strings.NewReader("ignore: notes\n"))
	if _, ig := m.Resolve("notes"); !ig {
		t.Error("a scalar ignore is not honoured")
	}
}

func TestLoadMapping_RejectsBadFiles(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string // substrings of the error
	}{
		{"unknown key", "column:\n  a: email\n", []string{"line 1", `"column"`}},
		{"typo in target", "columns:\n  Mail: email\n  Mobile: phone_numbr\n", []string{"line 3", `"Mobile"`, `"phone_numbr"`}},
		{"reserved app key", "columns:\n  Blocked: app_metadata.blocked\n", []string{"line 2", `"Blocked"`, "reserved"}},
		{"dollar in metadata key", "columns:\n  X: user_metadata.$set\n", []string{"line 2", `"X"`}},
		{"empty metadata key", "columns:\n  X: user_metadata..plan\n", []string{"line 2", "empty key"}},
		{"bad metadata index", "columns:\n  X: user_metadata.list[a]\n", []string{"line 2", "index"}},
		{"identity index", "columns:\n  X: identities[x].connection\n", []string{"line 2", "identities[N]"}},
		{"identity leading zero", "columns:\n  X: identities[01].connection\n", []string{"line 2"}},
		{"identity field", "columns:\n  X: identities[0].nickname\n", []string{"line 2", `"nickname"`}},
		{"identity depth", "columns:\n  X: identities[0].provider.name\n", []string{"line 2"}},
		{"bare identities path", "columns:\n  X: identities.connection\n", []string{"line 2"}},
		{"target twice", "columns:\n  Mail: email\n  E-Mail: email\n", []string{"line 3", `"E-Mail"`, `"Mail"`, "line 2"}},
		{"column twice", "columns:\n  Mail: email\n  Mail: username\n", []string{"line 3", `"Mail"`, "twice"}},
		{"mapped and ignored", "columns:\n  Mail: email\nignore: [Mail]\n", []string{"line 2", `"Mail"`, "ignored"}},
		{"columns not a mapping", "columns: [a, b]\n", []string{"line 1", "columns"}},
		{"target not a scalar", "columns:\n  Mail: [email]\n", []string{"line 2", `"Mail"`}},
		{"null target", "columns:\n  Mail:\n", []string{`"Mail"`}},
		{"ignore of mappings", "ignore:\n  - a: b\n", []string{"line 2", "ignore"}},
		{"root scalar", "email\n", []string{"line 1"}},
		{"malformed yaml", "columns:\n  a: [\n", []string{"yaml"}},
		{"two documents", "columns: {}\n---\ncolumns: {}\n", []string{"more than one"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadMapping(strings.NewReader(tt.in))
			if !errors.Is(err, ErrMapping) {
				t.Fatalf("got %v, want ErrMapping", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestMappingCheck(t *testing.T) {
	tests := []struct {
		name string
		m    Mapping
		ok   bool
	}{
		{"zero", Mapping{}, true},
		{"valid", Mapping{Columns: map[string]string{"Mail": "email", "Title": "job_title", "P": "user_metadata.p"}, Ignore: []string{"x"}}, true},
		{"bad target", Mapping{Columns: map[string]string{"Mail": "mail_address"}}, false},
		{"target twice", Mapping{Columns: map[string]string{"A": "email", "B": "email"}}, false},
		{"mapped and ignored", Mapping{Columns: map[string]string{"A": "email"}, Ignore: []string{"A"}}, false},
	}
	for _, tt := range tests {
		err := tt.m.Check()
		if (err == nil) != tt.ok || err != nil && !errors.Is(err, ErrMapping) {
			t.Errorf("%s: Check() = %v", tt.name, err)
		}
	}
}

// FuzzLoadMapping: no input makes LoadMapping panic, and what it accepts
// passes Check.
func FuzzLoadMapping(f *testing.F) {
	f.Add(mpExample)
	f.Add("columns:\n  a: identities[0].profileData.x[1][2]\n")
	f.Add("ignore: [a, b]\ncolumns: {x: email}\n")
	f.Add("columns:\n  &a x: *a\n")
	f.Fuzz(func(t *testing.T, in string) {
		m, err := LoadMapping(strings.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrMapping) {
				t.Fatalf("error does not wrap ErrMapping: %v", err)
			}
			return
		}
		if err := m.Check(); err != nil {
			t.Fatalf("loaded mapping fails Check: %v", err)
		}
		for c := range m.Columns {
			m.Resolve(c)
		}
	})
}
