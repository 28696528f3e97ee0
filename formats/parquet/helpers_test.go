package parquet

import (
	"bytes"
	"os"
	"testing"

	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

// encodeFile writes users as one Parquet file, per batches of per users.
func encodeFile(tb testing.TB, opts Options, users []profile.User, per int) []byte {
	tb.Helper()
	enc := NewEncoder(opts)
	var buf bytes.Buffer
	w, err := NewWriter(&buf, enc)
	if err != nil {
		tb.Fatalf("new writer: %v", err)
	}
	if per <= 0 {
		per = max(len(users), 1)
	}
	for i := 0; i < len(users); i += per {
		b := batchOf(users[i:min(len(users), i+per)])
		b.Seq = uint64(i / per)
		if b.Out, err = enc.Encode(nil, b); err != nil {
			tb.Fatalf("encode: %v", err)
		}
		if err := w.WriteBatch(b); err != nil {
			tb.Fatalf("write batch: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatalf("close: %v", err)
	}
	return buf.Bytes()
}

func batchOf(users []profile.User) *pipeline.Batch {
	b := &pipeline.Batch{Records: make([]pipeline.Record, len(users))}
	for i, u := range users {
		b.Records[i].User = u
	}
	return b
}

func bytesReaderAt(b []byte) *bytes.Reader { return bytes.NewReader(b) }

var osReadFile = os.ReadFile
