package yamldoc

import (
	"strings"
	"testing"
)

func TestMapping(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		keys     int    // root keys, -1 for no root
		err      string // a part of the error
	}{
		{"empty", "", -1, ""},
		{"comment only", "# nothing\n", -1, ""},
		{"null", "~\n", -1, ""},
		{"mapping", "a: 1\nb: [2]\n", 2, ""},
		{"explicit document", "---\na: 1\n", 1, ""},
		{"list", "\n- a\n", -1, "line 2: want a mapping with a and b"},
		{"scalar", "a\n", -1, "want a mapping"},
		{"two documents", "a: 1\n---\nb: 2\n", -1, "more than one yaml document"},
		{"syntax", "a: [1\n", -1, "yaml:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, err := Mapping(strings.NewReader(tc.in), "a and b")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.keys < 0 && root != nil || tc.keys >= 0 && (root == nil || len(root.Content) != 2*tc.keys) {
				t.Errorf("root %+v, want %d keys", root, tc.keys)
			}
		})
	}
}
