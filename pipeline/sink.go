package pipeline

import (
	"context"
)

// Sink writes all records of b or returns an error. Writes must be
// idempotent per record key, because a resumed run may resend the batch
// that was in flight when the previous run stopped. A sink may refuse
// single records (a conflict in a store) by moving them to b.Rejects with a
// code; the rest of the batch is still written. A sink must not keep b.Out
// once Write has returned: the runner reuses it for a later batch.
type Sink interface {
	Write(ctx context.Context, b *Batch) error
	// Close flushes and commits what was written. After an error or a
	// cancelled context, Close must leave no half-written output visible.
	Close(ctx context.Context) error
}

// Checkpointer is implemented by sinks that commit b.Checkpoint atomically
// with the batch's data, so a resumed run neither loses nor repeats a batch.
type Checkpointer interface {
	// LastCheckpoint returns the last checkpoint committed for job, or
	// nil when there is none, and prepares the sink to continue after it.
	LastCheckpoint(ctx context.Context, job string) (*Checkpoint, error)
}

// Committer is implemented by sinks whose checkpoints can fall behind the
// batches they were handed (a file sink checkpoints every second, a
// Parquet file at the end of a row group). Once the sink is closed,
// Committed returns the last checkpoint it committed, the one a resumed
// run continues after; nil when it committed none.
type Committer interface {
	Committed() *Checkpoint
}

// Encoder turns batches into bytes on the workers, concurrently; a byte
// sink then writes the results in order. Records of one batch are encoded
// each preceded by Separator (for a JSON array ",\n"); the sink drops the
// separator before the first record of the whole output.
type Encoder interface {
	// Header is written once before the first record.
	Header() []byte
	// Separator is written between two records.
	Separator() []byte
	// Footer is written once after the last record.
	Footer() []byte
	// Encode appends b's records, each preceded by Separator, to dst.
	Encode(dst []byte, b *Batch) ([]byte, error)
}

// Encoding is implemented by sinks that write bytes through an Encoder; the
// runner then encodes on the workers and the sink only writes b.Out.
type Encoding interface {
	Encoder() Encoder
}

// BatchWriter writes one output of a format whose file is not the
// concatenation of its batches' bytes: Parquet gathers pages into row
// groups, and Parquet and Arrow IPC files end in a footer that indexes what
// came before. The workers still encode every batch concurrently with the
// format's Encoder (its Header, Separator and Footer are not used); the
// sink then hands each batch, with the bytes the Encoder left in b.Out, to
// WriteBatch on the writer goroutine, in batch order. Close writes what is
// still buffered and the footer; it does not close the underlying writer.
//
// Such an output is complete only once Close has returned. A run that
// stops early can be resumed only when the writer is a ResumableWriter;
// otherwise file sinks refuse --resume for it with ErrCannotResume.
type BatchWriter interface {
	WriteBatch(b *Batch) error
	Close() error
}

// ResumableWriter is a BatchWriter whose output a later run can continue
// (Format.ResumeWriter). After each WriteBatch the sink calls Mark. While
// the writer still holds batches it has not written out (a Parquet row
// group being gathered), Mark returns ok false. Otherwise everything it was
// handed is on its underlying writer, and Mark returns ok true with the
// bytes a resumed writer needs beyond those of the earlier marks (what the
// footer will index; possibly none). The sink keeps the marks' bytes, in
// order, in a journal, and each checkpoint it records holds the output's
// length and the journal's length at the last mark, with the pipeline
// checkpoint of the batch that mark followed.
type ResumableWriter interface {
	BatchWriter
	Mark() (journal []byte, ok bool, err error)
}
