package parquet

import (
	"errors"
	"fmt"
	"io"
	"slices"

	pq "github.com/parquet-go/parquet-go"

	"github.com/ferry-dev/ferry/formats/internal/columnar"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

// run is a chunk's decoder: n rows of row group rg from row start on.
type run struct {
	p     *plan
	rg    int
	start int64
	n     int
}

// state is the scratch of one run being decoded.
type state struct {
	rows  []pq.Row
	vals  [][]pq.Value // the current row's values, per leaf
	asm   asm
	arena columnar.Arena
	js    []byte
}

const rowsPerRead = 128

// DecodeChunk reads the run's rows into b.Records. Values the profile
// cannot take are issues of their record; rows the file does not deliver
// (damaged pages) are rejects with profile.CodeParse.
func (r *run) DecodeChunk(c *pipeline.Chunk, b *pipeline.Batch) {
	p := r.p
	st := p.states.Get().(*state)
	defer p.states.Put(st)
	if len(st.rows) == 0 {
		st.rows = make([]pq.Row, rowsPerRead)
	}
	b.Records = slices.Grow(b.Records, r.n)
	read := r.readRows(c, b, st)
	st.arena.Finish()
	for i := read; i < r.n; i++ {
		at := pipeline.Position{Source: c.Source, Line: c.Index + int64(i) + 1, Index: c.Index + int64(i)}
		b.Rejects = append(b.Rejects, pipeline.Reject{Origin: at, Issues: profile.Issues{{Code: profile.CodeParse,
			Message: fmt.Sprintf("row group %d: the row cannot be read (damaged or unsupported data)", r.rg)}}})
	}
	b.Read += r.n
}

// readRows decodes rows until the run is done or the file fails, and
// returns how many it decoded. A panic in the Parquet library (a damaged
// file) ends the run like an error.
func (r *run) readRows(c *pipeline.Chunk, b *pipeline.Batch, st *state) (read int) {
	n0 := len(b.Records)
	defer func() {
		if v := recover(); v != nil {
			// Drop a record that was being filled when the panic came.
			b.Records = b.Records[:n0+read]
		}
	}()
	rows := r.rows()
	defer rows.Close()
	if err := rows.SeekToRow(r.start); err != nil {
		return 0
	}
	for read < r.n {
		k, err := rows.ReadRows(st.rows[:min(len(st.rows), r.n-read)])
		for i := range k {
			idx := c.Index + int64(read)
			b.Records = append(b.Records, pipeline.Record{Origin: pipeline.Position{Source: c.Source, Line: idx + 1, Index: idx}})
			r.p.row(&b.Records[len(b.Records)-1], st.rows[i], st)
			read++
		}
		if err != nil && (!errors.Is(err, io.EOF) || read < r.n) {
			return read
		}
		if k == 0 && err == nil {
			return read
		}
	}
	return read
}

// rows opens the run's row group: from its bytes in memory when it is
// small enough to read at once (see maxPrefetch), else from the file.
func (r *run) rows() pq.Rows {
	p, g := r.p, r.p.groups[r.rg]
	mem := p.pre.reader(r.rg, p.spans[r.rg])
	if mem == nil {
		return g.Rows()
	}
	return rowsFrom(g, mem)
}

// row fills rec from one row's values.
func (p *plan) row(rec *pipeline.Record, row pq.Row, st *state) {
	clear(st.vals)
	for i := 0; i < len(row); {
		col := row[i].Column()
		j := i + 1
		for j < len(row) && row[j].Column() == col {
			j++
		}
		if col >= 0 && col < len(st.vals) {
			st.vals[col] = row[i:j:j]
		}
		i = j
	}
	u := &rec.User
	for ci := range p.cols {
		c := &p.cols[ci]
		if c.how == hIgnore {
			continue
		}
		var err error
		switch c.how {
		case hList:
			err = c.list(u, st)
		case hGeneric:
			err = c.generic(u, st)
		default:
			v, ok := first(st.vals[c.n.leaf])
			if !ok || v.IsNull() || v.DefinitionLevel() < c.n.def {
				continue
			}
			f := c.b.Field
			switch c.how {
			case hStr:
				st.arena.Str(f.StrPtr(u), v.ByteArray())
			case hBool:
				columnar.SetBool(u, f, profile.BoolOf(v.Boolean()))
			case hTime:
				columnar.SetTime(u, f, c.n.vi.timeOf(v))
			case hInt:
				columnar.SetInt(u, f, integer(v, c.n.vi.kind))
			case hJSON:
				err = columnar.SetJSON(u, f, v.ByteArray())
			}
		}
		if err != nil {
			code := profile.CodeInvalidType
			if c.b.Field != nil {
				code = columnar.IssueCode(c.b.Field.Kind)
			}
			rec.Issues.Add(code, c.b.Path, fmt.Sprintf("column %s: %v", c.name, err))
		}
	}
}

func first(vs []pq.Value) (pq.Value, bool) {
	if len(vs) == 0 {
		return pq.Value{}, false
	}
	return vs[0], true
}

// generic sets the column's attribute from its text or JSON form.
func (c *colPlan) generic(u *profile.User, st *state) error {
	n := c.n
	if n.leaf >= 0 && !n.repeated {
		v, ok := first(st.vals[n.leaf])
		if !ok || v.IsNull() || v.DefinitionLevel() < n.def {
			return nil
		}
		text, js := n.vi.forms(v, st.js[:0])
		if js != nil {
			st.js = js[:0]
		}
		return c.b.SetText(u, text, js)
	}
	a := &st.asm
	a.vals = st.vals
	if len(a.pos) < len(st.vals) {
		a.pos = make([]int, len(st.vals))
	}
	for _, l := range n.leaves {
		a.pos[l] = 0
	}
	js, ok := a.field(st.js[:0], n)
	st.js = js[:0]
	if !ok {
		return nil
	}
	return c.b.SetText(u, string(js), js)
}

// list fills identities or mfa_factors from a column laid out as ferry
// writes it.
func (c *colPlan) list(u *profile.User, st *state) error {
	n := c.n
	r, e := n.children[0], n.children[0].children[0]
	lead := st.vals[c.members[0].leaf.leaf]
	v, ok := first(lead)
	if !ok || v.DefinitionLevel() < n.def {
		return nil
	}
	count := 0
	if v.DefinitionLevel() >= r.def {
		count = len(lead)
	}
	var err error
	if c.b.Field.Attr == columnar.Identities {
		ids := make([]profile.Identity, count)
		u.Identities = ids
		for _, m := range c.members {
			for j, v := range st.vals[m.leaf.leaf] {
				if j >= count || v.DefinitionLevel() < m.leaf.def || v.DefinitionLevel() < e.def {
					continue
				}
				switch m.f.Kind {
				case columnar.String:
					st.arena.Str(m.f.IdentityStrPtr(&ids[j]), v.ByteArray())
				case columnar.Bool:
					columnar.SetIdentityBool(&ids[j], m.f, profile.BoolOf(v.Boolean()))
				case columnar.JSON:
					if serr := columnar.SetIdentityJSON(u, j, m.f, v.ByteArray()); serr != nil && err == nil {
						err = serr
					}
				}
			}
		}
		return err
	}
	fs := make([]profile.MFAFactor, count)
	u.MFAFactors = fs
	for _, m := range c.members {
		for j, v := range st.vals[m.leaf.leaf] {
			if j >= count || v.DefinitionLevel() < m.leaf.def || v.DefinitionLevel() < e.def {
				continue
			}
			switch m.f.Kind {
			case columnar.String:
				st.arena.Str(m.f.FactorStrPtr(&fs[j]), v.ByteArray())
			case columnar.JSON:
				if serr := columnar.SetFactorJSON(&fs[j], j, m.f, v.ByteArray()); serr != nil && err == nil {
					err = serr
				}
			}
		}
	}
	return err
}
