package jsonobject

import (
	"fmt"
	"testing"

	"github.com/ferry-dev/ferry/profile"
)

func TestNames_RemembersABoundedNumberOfNames(t *testing.T) {
	ns := NewNames(&profile.Mapping{Columns: map[string]string{"Plan": "user_metadata.plan"}, Ignore: []string{"notes"}})
	for i := range maxNames + 100 {
		if r := ns.lookup(fmt.Sprintf("unknown-%d", i)); r.set || r.ignore {
			t.Fatalf("unknown name %d resolved to %+v", i, r)
		}
	}
	if n := ns.n.Load(); n != maxNames {
		t.Errorf("remembers %d names, want at most %d", n, maxNames)
	}
	// Past the bound names still resolve, twice the same.
	for range 2 {
		for name, want := range map[string]resolved{
			"Plan":     {path: "user_metadata.plan", set: true},
			"notes":    {ignore: true},
			"lastName": {path: "family_name", set: true},
			"email":    {path: "email", set: true},
			"zeta":     {path: "zeta"},
		} {
			if got := ns.lookup(name); got != want {
				t.Errorf("lookup(%q) = %+v, want %+v", name, got, want)
			}
		}
	}
}
