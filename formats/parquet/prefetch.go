package parquet

import (
	"io"
	"sync"

	pq "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// maxPrefetch is the largest row group, in bytes from its first column
// chunk to the end of its last, that is read with one ReadAt before its
// rows are decoded. parquet-go reads a column chunk through a 4 KiB buffer,
// a read per page header and per page; on object storage every read is a
// request (sources/s3 sends a ranged GET), so a row group costs a hundred
// requests or more, each paying the store's latency, and one read of the
// whole row group replaces them. The bound keeps memory in check, since a
// row group's bytes are held while its runs are decoded: about one row
// group per worker. Past a few MiB the transfer dwarfs the latency of the
// requests saved, so row groups larger than 16 MiB are read page by page
// as before.
const maxPrefetch = 16 << 20

// span is the byte range of a row group's column chunks; n is 0 when the
// footer gives none that parquet-go would read within the file.
type span struct{ off, n int64 }

// groupSpan returns the bytes parquet-go reads for the pages of rg: each
// column chunk from its dictionary page (else its first data page) for its
// total_compressed_size.
func groupSpan(rg *format.RowGroup, size int64) span {
	start, end := size, int64(0)
	for _, c := range rg.Columns {
		md := &c.MetaData
		base := md.DataPageOffset
		if md.DictionaryPageOffset != 0 {
			base = md.DictionaryPageOffset
		}
		if c.FilePath != "" || base < 0 || md.TotalCompressedSize < 0 || base > size-md.TotalCompressedSize {
			return span{}
		}
		start, end = min(start, base), max(end, base+md.TotalCompressedSize)
	}
	if end <= start {
		return span{}
	}
	return span{off: start, n: end - start}
}

// prefetcher reads whole row groups of a file, each with one ReadAt by the
// first of its runs to be decoded, and keeps the bytes until its last run
// has them. It is safe for concurrent use: its lock is held for
// bookkeeping only, never across a read, so a worker waits only for the
// read of the row group it needs itself, never for another's.
//
// Memory stays bounded: the decoder counts the runs it creates of each row
// group (add), a row group's bytes are read when its first run is decoded
// and dropped when its last run starts, and workers take runs in file
// order, so a file holds about one row group per worker, each of at most
// max bytes. Runs created but never decoded (a cancelled job) keep theirs
// until the decoder is dropped.
type prefetcher struct {
	r   io.ReaderAt
	max int64 // the largest span read at once; 0 reads none

	mu     sync.Mutex
	groups map[int]*prefetched // by row group
}

// prefetched is a row group whose runs are being decoded.
type prefetched struct {
	runs int       // runs created and not yet given a reader
	last bool      // the decoder has created the row group's last run
	read *readSpan // the current read; nil before the first or after one failed
}

// readSpan is one read of a row group's bytes. data is set before ready is
// closed, and is nil when the read failed.
type readSpan struct {
	ready chan struct{}
	data  []byte
}

// add counts a run the decoder created of row group rg, whose column
// chunks span s; last says it is the row group's last run.
func (p *prefetcher) add(rg int, s span, last bool) {
	if s.n <= 0 || s.n > p.max {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.groups == nil {
		p.groups = make(map[int]*prefetched)
	}
	g := p.groups[rg]
	if g == nil {
		g = &prefetched{}
		p.groups[rg] = g
	}
	g.runs++
	g.last = last
}

// reader returns, for a run of row group rg, a reader of the file that
// answers reads of the row group's bytes s from memory, read at once by
// this run or an earlier one. It returns nil when the row group is not
// read at once (larger than p.max, or the run was not counted by add) or
// the read failed (the next run tries again): the run then reads the file.
func (p *prefetcher) reader(rg int, s span) io.ReaderAt {
	p.mu.Lock()
	g := p.groups[rg]
	if g == nil {
		p.mu.Unlock()
		return nil
	}
	if g.runs--; g.runs <= 0 && g.last {
		delete(p.groups, rg)
	}
	rs, load := g.read, g.read == nil
	if load {
		rs = &readSpan{ready: make(chan struct{})}
		g.read = rs
	}
	p.mu.Unlock()
	if load {
		rs.load(p.r, s)
	}
	<-rs.ready
	if rs.data == nil {
		p.mu.Lock()
		if g.read == rs {
			g.read = nil
		}
		p.mu.Unlock()
		return nil
	}
	return &spanReader{r: p.r, off: s.off, data: rs.data}
}

// load reads s, and closes rs.ready even if the read panics.
func (rs *readSpan) load(r io.ReaderAt, s span) {
	defer close(rs.ready)
	buf := make([]byte, s.n)
	// io.ReaderAt: n == len(buf) is a full read even with io.EOF.
	if n, _ := r.ReadAt(buf, s.off); n == len(buf) {
		rs.data = buf
	}
}

// spanReader answers reads within the bytes of a row group from memory,
// and passes any other to the file.
type spanReader struct {
	r    io.ReaderAt
	off  int64
	data []byte
}

func (s *spanReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= s.off {
		if rel := off - s.off; rel <= int64(len(s.data)) && int64(len(p)) <= int64(len(s.data))-rel {
			return copy(p, s.data[rel:]), nil
		}
	}
	return s.r.ReadAt(p, off)
}

// groupFrom is a row group whose column chunks read their pages from r
// instead of the file parquet-go opened.
type groupFrom struct {
	*pq.FileRowGroup
	cols []pq.ColumnChunk
}

func (g groupFrom) ColumnChunks() []pq.ColumnChunk { return g.cols }

type chunkFrom struct {
	*pq.FileColumnChunk
	r io.ReaderAt
}

func (c chunkFrom) Pages() pq.Pages { return c.PagesFrom(c.r) }

// rowsFrom returns a row reader of g whose pages are read from r, as
// g.Rows() reads them from the file.
func rowsFrom(g pq.RowGroup, r io.ReaderAt) pq.Rows {
	fg, ok := g.(*pq.FileRowGroup)
	if !ok {
		return g.Rows()
	}
	chunks := fg.ColumnChunks()
	cols := make([]pq.ColumnChunk, len(chunks))
	for i, c := range chunks {
		fc, ok := c.(*pq.FileColumnChunk)
		if !ok {
			return g.Rows()
		}
		cols[i] = chunkFrom{FileColumnChunk: fc, r: r}
	}
	return pq.NewRowGroupRowReader(groupFrom{FileRowGroup: fg, cols: cols})
}
