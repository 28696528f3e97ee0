package sqlsource

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ferry-dev/ferry/profile"
)

// Fields is what a read selects for Options.Fields: the store columns to
// select, and what to drop from the users read back.
type Fields struct {
	// Columns are the store columns to select, in the store's order.
	Columns []string

	keepID    bool
	keepExtra map[string]bool // unknown attributes asked for; nil keeps all
}

// SelectFields returns the Fields of the profile paths paths ("email",
// "user_metadata.plan", "identities[0].connection") over a store's columns
// all. A path selects its root attribute whole; a root the profile does not
// know selects that unknown attribute (in the extra column). No paths
// selects every column and keeps everything. key, when it is one of all, is
// selected always (the read pages by it); user_id is set on the records
// only when asked for. source names the source in errors ("mysql source").
func SelectFields(source string, all []string, key string, paths []string) (Fields, error) {
	if len(paths) == 0 {
		return Fields{Columns: all, keepID: true}, nil
	}
	var f Fields
	want := map[string]bool{}
	if slices.Contains(all, key) {
		want[key] = true
	}
	for _, p := range paths {
		root := p
		if i := strings.IndexAny(p, ".["); i >= 0 {
			root = p[:i]
		}
		if root == "" {
			return Fields{}, fmt.Errorf("%s: %w: %q names no attribute", source, ErrField, p)
		}
		if root == "user_id" {
			f.keepID = true
		}
		known := false
		for _, c := range all {
			if c == root && c != "connection" && c != "extra" {
				known = true
			}
		}
		if !known {
			if f.keepExtra == nil {
				f.keepExtra = map[string]bool{}
			}
			root, f.keepExtra[root] = "extra", true
		}
		want[root] = true
	}
	for _, c := range all {
		if want[c] {
			f.Columns = append(f.Columns, c)
		}
	}
	return f, nil
}

// Trim drops from u what the fields did not ask for: user_id and unknown
// attributes.
func (f *Fields) Trim(u *profile.User) {
	if !f.keepID {
		u.UserID = ""
	}
	if f.keepExtra == nil || len(u.Extra) == 0 {
		return
	}
	n := 0
	for _, a := range u.Extra {
		if f.keepExtra[a.Key] {
			u.Extra[n] = a
			n++
		}
	}
	u.Extra = u.Extra[:n]
}
