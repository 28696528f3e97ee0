package sqlsource

import (
	"fmt"

	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

// Cursor is the position of a keyset read: the key of the last row read,
// the records read and the sequence number of the next batch. It makes
// the rows of each page a batch (Page) and moves past them when the page
// ends. Keys are text, as checkpoints hold them.
type Cursor struct {
	name   string
	fields Fields
	after  string // key of the last row read; "" before the first
	index  int64  // records read so far
	seq    uint64 // of the next batch
	done   bool   // the last page was short: no row follows
}

// NewCursor returns a cursor before the row after key after ("" for the
// first row) of the source named name, trimming users to fields.
func NewCursor(name string, fields Fields, after string) Cursor {
	return Cursor{name: name, fields: fields, after: after}
}

// After returns the key of the last row read.
func (c *Cursor) After() string { return c.after }

// Seq returns the sequence number of the next batch.
func (c *Cursor) Seq() uint64 { return c.seq }

// Index returns the number of records read (the index of the next one).
func (c *Cursor) Index() int64 { return c.index }

// Done reports whether the read is over: the last page was short.
func (c *Cursor) Done() bool { return c.done }

// Resume moves the cursor after cp: to the row after cp.Key, or after
// start when cp holds no key, numbering records from cp.Index and batches
// from cp.Seq+1.
func (c *Cursor) Resume(cp pipeline.Checkpoint, start string) error {
	if cp.Key == "" && cp.Index > 0 {
		return fmt.Errorf("checkpoint after record %d holds no key", cp.Index)
	}
	c.after, c.index, c.seq, c.done = cp.Key, cp.Index, cp.Seq+1, false
	if c.after == "" {
		c.after = start
	}
	return nil
}

// Page is the batch of one page of rows in the making.
type Page struct {
	c    *Cursor
	b    *pipeline.Batch
	n    int    // rows added
	last string // key of the last row added
}

// Page begins a page of at most size rows after the cursor.
func (c *Cursor) Page(size int) Page {
	return Page{c: c, b: &pipeline.Batch{Seq: c.seq, Records: make([]pipeline.Record, 0, size)}, last: c.after}
}

// Index returns the index of the record the next row makes.
func (p *Page) Index() int64 { return p.c.index + int64(p.n) }

// Add adds the row with key key: its user u, trimmed to the cursor's
// fields, or, when decoding it into u failed with err, a reject with
// PARSE_ERROR, so that the run's counts still add up. It copies u.
func (p *Page) Add(key string, u *profile.User, err error) {
	origin := pipeline.Position{Source: p.c.name, Index: p.Index()}
	p.last = key
	p.n++
	if err != nil {
		var is profile.Issues
		is.Add(profile.CodeParse, "", "stored row unreadable: "+err.Error())
		p.b.Rejects = append(p.b.Rejects, pipeline.Reject{Origin: origin, Issues: is})
		return
	}
	p.c.fields.Trim(u)
	p.b.Records = append(p.b.Records, pipeline.Record{User: *u, Origin: origin})
}

// End ends a page that asked for size rows: it moves the cursor past the
// page's rows and returns their batch, checkpointed at the last row, or
// nil when the page has none. A page shorter than size is the last.
func (p *Page) End(size int) *pipeline.Batch {
	c := p.c
	if p.n < size {
		c.done = true
	}
	if p.n == 0 {
		return nil
	}
	c.index += int64(p.n)
	c.after = p.last
	p.b.Read = p.n
	p.b.Checkpoint = pipeline.Checkpoint{Seq: c.seq, Source: c.name, Index: c.index, Key: p.last}
	c.seq++
	return p.b
}
