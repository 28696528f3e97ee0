package parquet

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/parquet-go/parquet-go/encoding/rle"
)

func TestAppendLevels_DecodesWithParquetGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name   string
		levels []byte
		max    uint8
	}{
		{"empty", nil, 1},
		{"one", []byte{1}, 1},
		{"all set", slices.Repeat([]byte{1}, 1000), 1},
		{"alternating", func() []byte {
			b := make([]byte, 999)
			for i := range b {
				b[i] = byte(i % 2)
			}
			return b
		}(), 1},
		{"runs and noise", func() []byte {
			var b []byte
			for range 200 {
				v := byte(rng.IntN(5))
				b = append(b, slices.Repeat([]byte{v}, 1+rng.IntN(20))...)
			}
			return b
		}(), 4},
		{"random width 3", func() []byte {
			b := make([]byte, 4097)
			for i := range b {
				b[i] = byte(rng.IntN(8))
			}
			return b
		}(), 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := bitWidth(tt.max)
			enc := appendLevels(nil, tt.levels, w)
			got, err := (&rle.Encoding{BitWidth: w}).DecodeLevels(nil, enc)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if len(got) < len(tt.levels) {
				t.Fatalf("decoded %d levels, want at least %d", len(got), len(tt.levels))
			}
			if !slices.Equal(got[:len(tt.levels)], tt.levels) {
				t.Errorf("levels differ after a round trip")
			}
			for _, v := range got[len(tt.levels):] {
				if v != 0 {
					t.Errorf("padding holds %d, want 0", v)
				}
			}
		})
	}
}
