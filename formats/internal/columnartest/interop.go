package columnartest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferry-dev/ferry/fixtures"
	"github.com/ferry-dev/ferry/fixtures/formattest"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

// InteropUsers are the users the interoperability tests carry: the tricky
// ones of formattest.Users, then n generated ones (seed 7) with every kind
// of attribute.
func InteropUsers(n int) []profile.User {
	users := formattest.Users()
	g := fixtures.New(fixtures.Options{Seed: 7})
	for i := range n {
		var u profile.User
		g.User(int64(i), &u)
		users = append(users, u)
	}
	return users
}

// WriteTemp writes data to a file name in a directory of t's own, for a
// third-party program to read, and returns its path.
func WriteTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// GoldenLines writes each record (and reject) of res as one line of a
// golden file: its row (after its source, when source is set, for a file
// that holds several inputs), then the user and its issues, or the
// reject's issues.
func GoldenLines(res formattest.Result, source bool) []byte {
	var b []byte
	for _, r := range res.Records {
		b = goldenPosition(b, r.Origin, source)
		b = append(b, `"user":`...)
		b = profile.AppendJSON(b, &r.User)
		is, _ := json.Marshal(r.Issues)
		b = fmt.Appendf(b, `,"issues":%s}`+"\n", is)
	}
	for _, r := range res.Rejects {
		b = goldenPosition(b, r.Origin, source)
		is, _ := json.Marshal(r.Issues)
		b = fmt.Appendf(b, `"rejected":%s}`+"\n", is)
	}
	return b
}

func goldenPosition(b []byte, o pipeline.Position, source bool) []byte {
	b = append(b, '{')
	if source {
		b = fmt.Appendf(b, `"source":%q,`, o.Source)
	}
	return fmt.Appendf(b, `"row":%d,`, o.Line)
}
