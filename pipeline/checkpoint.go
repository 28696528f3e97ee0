package pipeline

// Checkpoint is the position of a source after a committed batch together
// with the run's counts at that point, so a resumed run continues reading
// after it and its summary covers the whole job.
type Checkpoint struct {
	Job string `json:"job"`
	// Seq is the sequence number of the last committed batch.
	Seq uint64 `json:"seq"`
	// Source is the source name (file) the position refers to.
	Source string `json:"source,omitempty"`
	// SourceIndex is the position of Source in a multi-file input.
	SourceIndex int `json:"source_index"`
	// Offset is the byte offset after the batch in the source's
	// (decompressed) stream, when the source is a byte stream.
	Offset int64 `json:"offset"`
	// Line is the number of lines consumed in Source.
	Line int64 `json:"line"`
	// Index is the number of records consumed in Source.
	Index int64 `json:"index"`
	// Key is the last key read, for keyset-paginated sources.
	Key string `json:"key,omitempty"`
	// Counts are the run's totals up to and including the batch.
	Counts Counts `json:"counts"`
}

// Counts are the conservation counters of a run.
type Counts struct {
	Read     int64            `json:"read"`
	Written  int64            `json:"written"`
	Rejected int64            `json:"rejected"`
	Filtered int64            `json:"filtered"`
	Stats    WriteStats       `json:"store"`
	ByCode   map[string]int64 `json:"by_code,omitempty"`
	// Tally sums the batches' Batch.Tally.
	Tally map[string]int64 `json:"tally,omitempty"`
}

// Balanced reports whether every record read is accounted for.
func (c Counts) Balanced() bool { return c.Read == c.Written+c.Rejected+c.Filtered }
