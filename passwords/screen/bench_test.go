package screen

import (
	"testing"

	"github.com/ferry-dev/ferry/fixtures"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

func BenchmarkUserLabel(b *testing.B) {
	for _, bc := range []struct {
		name string
		user user
	}{
		{"bcrypt", user{hash: bcryptHello}},
		{"custom-sha256", user{custom: saltedSHA256Custom("x")}},
		{"custom-pbkdf2", user{custom: pbkdf2Custom}},
		{"custom-hmac", user{custom: hmacCustom("x")}},
		{"none", user{}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			u := bc.user.profile()
			b.ReportAllocs()
			for b.Loop() {
				UserLabel(&u)
			}
		})
	}
}

// generated returns a batch of n valid generated users.
func generated(n int) *pipeline.Batch {
	g := fixtures.New(fixtures.Options{Seed: 2})
	bt := &pipeline.Batch{}
	for i := int64(0); len(bt.Records) < n; i++ {
		var u profile.User
		if g.User(i, &u) == nil {
			bt.Records = append(bt.Records, pipeline.Record{User: u})
		}
	}
	bt.Read = n
	return bt
}

// BenchmarkCount is the census of one batch of 1000 generated users
// (60 % bcrypt, 17 % custom hashes, 3 % plaintext).
func BenchmarkCount(b *testing.B) {
	bt := generated(1000)
	stage := Count()
	b.ReportAllocs()
	for b.Loop() {
		stage(b.Context(), bt)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(bt.Records)), "ns/record")
}

// BenchmarkStage screens batches of 1000 generated users against a SHA-1
// and an NTLM index, with the flag policy (records already flagged are
// flagged again, which costs the same).
func BenchmarkStage(b *testing.B) {
	bt := generated(1000)
	stage, _, err := Stage(Options{Indexes: (sha1Index | ntlmIndex).optionsTB(b).Indexes})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := stage(b.Context(), bt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(bt.Records)), "ns/record")
}
