package pipeline

import (
	"github.com/ferry-dev/ferry/profile"
)

// Position locates a record in its source, for reject reports and resume.
// It never holds record content.
type Position struct {
	// Source names the file, object or table the record came from.
	Source string `json:"source"`
	// Line is the 1-based line of the record's first byte in a text format,
	// or the 1-based row in a table or columnar file; 0 when unknown.
	Line int64 `json:"line,omitempty"`
	// Index is the 0-based index of the record in its source.
	Index int64 `json:"record"`
}

// Record is one user on its way through the pipeline.
type Record struct {
	User   profile.User
	Origin Position
	// Issues found while decoding (a wrong type, say: the decoder leaves
	// the value unset). The record goes on to validation, which adds its
	// own issues and rejects it, so that the reject lists all of them; a
	// run without validation rejects it with RejectIssues instead.
	Issues profile.Issues
}

// Key returns the record's stable identity (user_id, else email).
func (r *Record) Key() string { return r.User.Key() }

// Reject is a record a stage or sink refused, with every issue found.
type Reject struct {
	Origin Position
	Issues profile.Issues
	// User is kept so that --rejects-include-pii can write it; reject
	// writers leave it out otherwise.
	User *profile.User
}

// Chunk is a run of undecoded bytes from a splittable source, aligned on
// record boundaries. Workers decode chunks concurrently; Line and Index let
// the decoder report exact positions.
type Chunk struct {
	Source string
	Data   []byte
	// Line is the 1-based line number of Data's first byte.
	Line int64
	// Index is the 0-based index of the first record in Data.
	Index int64
	// Offset is the byte offset of Data in the (decompressed) stream.
	Offset int64
	// Decoder turns Data into records.
	Decoder ChunkDecoder
}

// ChunkDecoder decodes one chunk into b.Records (and b.Rejects for records
// that cannot be parsed). It must be safe for concurrent use.
type ChunkDecoder interface {
	DecodeChunk(c *Chunk, b *Batch)
}

// Batch is the unit of work: a reader fills it, stage workers transform it,
// the writer hands it to the sink. A stage owns the batch while it runs.
type Batch struct {
	// Seq is the order of the batch in its source, from 0.
	Seq uint64
	// Raw, when set, holds bytes still to be decoded into Records.
	Raw *Chunk
	// Read is the number of records this batch took from the source
	// (decoded records plus parse rejects). Set by the decode step.
	Read     int
	Records  []Record
	Rejects  []Reject
	Filtered int
	// Out holds the batch encoded by the sink's encoder, when the sink
	// writes bytes; filled by the encode stage.
	Out []byte
	// Checkpoint is the source position after this batch together with the
	// counts so far. A sink that implements Checkpointer persists it
	// atomically with the batch's data.
	Checkpoint Checkpoint
	// Written reports what the sink did with the records it accepted.
	Written WriteStats
	// Tally holds what stages counted in the batch beyond the conservation
	// counters, by name (the password census: users by algorithm, say);
	// names start with the counting stage's own prefix. The runner adds it
	// to Counts.Tally once the batch is written, so the totals cover the
	// committed batches only, like Read, and a checkpoint carries them to a
	// resumed run.
	Tally map[string]int64

	base           Counts // the run's counts before this batch
	commit         func(*Batch) error
	rejectsWritten bool
}

// WriteStats counts what a sink did with a batch's records.
type WriteStats struct {
	Inserted  int64 `json:"inserted"`
	Updated   int64 `json:"updated"`
	Unchanged int64 `json:"unchanged"`
}

// Add adds o to s.
func (s *WriteStats) Add(o WriteStats) {
	s.Inserted += o.Inserted
	s.Updated += o.Updated
	s.Unchanged += o.Unchanged
}

// Reject moves record i to Rejects with the given issues. It keeps the order
// of the remaining records; call it from the end or use Check.
func (b *Batch) Reject(i int, issues profile.Issues) {
	r := b.Records[i]
	b.Rejects = append(b.Rejects, Reject{Origin: r.Origin, Issues: issues, User: &r.User})
	b.Records = append(b.Records[:i], b.Records[i+1:]...)
}

// Check calls fn on every record; records for which fn returns issues move
// to Rejects. Order is kept and no memory is allocated for passing records.
func (b *Batch) Check(fn func(r *Record) profile.Issues) {
	n := 0
	for i := range b.Records {
		r := &b.Records[i]
		if is := fn(r); len(is) > 0 {
			u := r.User
			b.Rejects = append(b.Rejects, Reject{Origin: r.Origin, Issues: is, User: &u})
			continue
		}
		if n != i {
			b.Records[n] = *r
		}
		n++
	}
	clear(b.Records[n:])
	b.Records = b.Records[:n]
}

// Keep drops the records for which keep returns false, counting them as
// filtered.
func (b *Batch) Keep(keep func(r *Record) bool) {
	n := 0
	for i := range b.Records {
		if !keep(&b.Records[i]) {
			b.Filtered++
			continue
		}
		if n != i {
			b.Records[n] = b.Records[i]
		}
		n++
	}
	clear(b.Records[n:])
	b.Records = b.Records[:n]
}
