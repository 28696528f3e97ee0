package sqlstore

import (
	"testing"

	"github.com/ferry-dev/ferry/fixtures"
	"github.com/ferry-dev/ferry/pipeline"
)

func benchBatch(b *testing.B) *pipeline.Batch {
	g := fixtures.New(fixtures.Options{Seed: 5})
	batch := &pipeline.Batch{Records: make([]pipeline.Record, 1000)}
	for k := range batch.Records {
		g.User(int64(k), &batch.Records[k].User)
	}
	return batch
}

// BenchmarkEncode measures turning a batch of 1000 generated users into
// rows and classifying them, the client side of a store's write. One op is
// one user.
func BenchmarkEncode(b *testing.B) {
	for _, enc := range []struct {
		name string
		e    Encoding
	}{{"binary", Binary}, {"text", Text}} {
		b.Run(enc.name, func(b *testing.B) {
			batch := benchBatch(b)
			e := &Encoder{Connection: DefaultConnection, Encoding: enc.e, RejectNUL: enc.e == Binary}
			p := NewPlan(DefaultConnection, false)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if i%1000 == 0 {
					if err := p.Encode(e, batch); err != nil {
						b.Fatal(err)
					}
					p.Classify()
				}
			}
		})
	}
}
