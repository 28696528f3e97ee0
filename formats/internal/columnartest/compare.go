package columnartest

import (
	"bytes"
	"time"

	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferry-dev/ferry/fixtures/formattest"
	"github.com/ferry-dev/ferry/profile"
)

// CheckUsers fails t unless got holds the users of want, times compared
// as instants. It compares their JSON first (cheap, also under the race
// detector) and diffs only the users that differ.
func CheckUsers(t *testing.T, want, got []profile.User) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d users, want %d", len(got), len(want))
	}
	bad := 0
	for i := range min(len(got), len(want)) {
		if bytes.Equal(canonical(want[i]), canonical(got[i])) {
			continue
		}
		if d := cmp.Diff(want[i], got[i]); d != "" {
			t.Errorf("user %d differs (-want +got):\n%s", i, d)
			if bad++; bad == 5 {
				t.Fatalf("more users differ")
			}
		}
	}
}

// canonical is u's JSON with its times in UTC.
func canonical(u profile.User) []byte {
	for _, t := range []*time.Time{&u.CreatedAt, &u.UpdatedAt, &u.LastLogin, &u.LastPasswordReset} {
		if !t.IsZero() {
			*t = t.UTC()
		}
	}
	return profile.AppendJSON(nil, &u)
}

// CheckRoundTrip fails t unless res holds the users of want (see
// CheckUsers), without a reject or a record with issues.
func CheckRoundTrip(t *testing.T, res formattest.Result, want []profile.User) {
	t.Helper()
	if len(res.Rejects) > 0 {
		t.Errorf("%d rejects, first %v", len(res.Rejects), res.Rejects[0].Issues)
	}
	for i, r := range res.Records {
		if len(r.Issues) > 0 {
			t.Errorf("record %d: issues %v", i, r.Issues)
		}
	}
	CheckUsers(t, want, res.Users())
}
