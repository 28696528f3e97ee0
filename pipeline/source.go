package pipeline

import (
	"context"
)

// Source yields batches until it returns io.EOF. A batch carries either
// decoded Records or a Raw chunk that the workers decode.
type Source interface {
	Next(ctx context.Context) (*Batch, error)
	Close() error
}

// Resumer is implemented by sources that can continue after a checkpoint
// instead of starting over. Resume is called once, before the first Next.
type Resumer interface {
	Resume(ctx context.Context, cp Checkpoint) error
}

// Decoder reads one byte stream of a format: Split cuts the stream into
// record-aligned chunks on the reader goroutine (cheap), and the chunks'
// ChunkDecoder parses them on the workers. A decoder of a random-access
// format (Format.NewReaderAt) cuts the input into runs of rows instead:
// its chunks hold no Data, and each chunk's decoder reads its rows by
// position.
type Decoder interface {
	// Next returns the next chunk holding about n records, or io.EOF.
	Next(ctx context.Context, n int) (*Chunk, error)
	// Skip advances past the first n records and the bytes up to offset,
	// for resume. Decoders that cannot seek read and discard.
	Skip(ctx context.Context, cp Checkpoint) error
}
