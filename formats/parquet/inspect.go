package parquet

import (
	"fmt"
	"io"
	"strings"

	pq "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"

	"github.com/ferry-dev/ferry/formats/internal/columnar"
	"github.com/ferry-dev/ferry/profile"
)

// Info describes a Parquet file, for `ferry inspect`. It holds no value of
// the file: column statistics (min and max) are left out because they are
// personal data.
type Info struct {
	Size      int64  `json:"size"`
	Rows      int64  `json:"rows"`
	CreatedBy string `json:"created_by,omitempty"`
	// Schema is the file's schema in Parquet's message notation.
	Schema    string         `json:"schema"`
	Fields    []FieldInfo    `json:"fields"`
	Columns   []ColumnInfo   `json:"columns"`
	RowGroups []RowGroupInfo `json:"row_groups"`
	// Metadata is the file's key-value metadata.
	Metadata map[string]string `json:"metadata,omitempty"`
}

// FieldInfo says what ferry reads from a top-level column.
type FieldInfo struct {
	Name string `json:"name"`
	// Path is the profile path the column maps to through the alias table.
	Path string `json:"path,omitempty"`
	// Unknown is set for a column kept as an unknown attribute (Extra).
	Unknown bool `json:"unknown,omitempty"`
	// Ignored is set for a flattened copy of a path another column holds.
	Ignored bool `json:"ignored,omitempty"`
}

// ColumnInfo describes a leaf column over all row groups.
type ColumnInfo struct {
	Path              string `json:"path"`
	Physical          string `json:"physical"`
	Logical           string `json:"logical,omitempty"`
	Codec             string `json:"codec"`
	Values            int64  `json:"values"`
	Nulls             int64  `json:"nulls"`
	CompressedBytes   int64  `json:"compressed_bytes"`
	UncompressedBytes int64  `json:"uncompressed_bytes"`
}

// RowGroupInfo describes one row group.
type RowGroupInfo struct {
	Rows              int64 `json:"rows"`
	CompressedBytes   int64 `json:"compressed_bytes"`
	UncompressedBytes int64 `json:"uncompressed_bytes"`
	// PageIndex is set when every column has an offset index, so readers
	// can seek by row within the group.
	PageIndex bool `json:"page_index"`
}

// Inspect reads the footer of the Parquet file r of size bytes and
// describes it: schema, row groups, counts, and the profile path each
// top-level column maps to.
func Inspect(r io.ReaderAt, size int64) (info Info, err error) {
	defer func() {
		if v := recover(); v != nil {
			info, err = Info{}, fmt.Errorf("%w: malformed footer", ErrNotParquet)
		}
	}()
	f, err := open(r, size)
	if err != nil {
		return Info{}, err
	}
	md := f.Metadata()
	info = Info{Size: size, Rows: f.NumRows(), CreatedBy: md.CreatedBy, Schema: f.Schema().String()}
	for _, kv := range md.KeyValueMetadata {
		if info.Metadata == nil {
			info.Metadata = map[string]string{}
		}
		info.Metadata[kv.Key] = kv.Value
	}
	cols := f.Root().Columns()
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name()
	}
	bs, err := columnar.Bind(names, func(i int) bool {
		return cols[i].Leaf() && infoOf(cols[i].Type()).t == vJSON
	}, profile.Mapping{})
	if err != nil {
		return Info{}, err
	}
	for i, b := range bs {
		fi := FieldInfo{Name: names[i], Path: b.Path, Ignored: b.Ignore}
		if b.Field == nil && !b.Ignore {
			root, rest := splitPath(b.Path)
			_, known := columnar.Root(root)
			fi.Unknown = b.Whole || !known && rest == ""
		}
		info.Fields = append(info.Fields, fi)
	}
	var leaves []*pq.Column
	var walk func(c *pq.Column)
	walk = func(c *pq.Column) {
		if c.Leaf() {
			leaves = append(leaves, c)
			return
		}
		for _, cc := range c.Columns() {
			walk(cc)
		}
	}
	walk(f.Root())
	info.Columns = make([]ColumnInfo, len(leaves))
	for i, c := range leaves {
		ci := ColumnInfo{Path: strings.Join(c.Path(), "."), Physical: c.Type().Kind().String()}
		if lt := c.Type().LogicalType(); lt != nil && lt.Value != nil {
			ci.Logical = lt.String()
		} else if ct := c.Type().ConvertedType(); ct != nil {
			ci.Logical = convertedName(*ct)
		}
		info.Columns[i] = ci
	}
	for _, rg := range md.RowGroups {
		ri := RowGroupInfo{Rows: rg.NumRows, PageIndex: len(rg.Columns) > 0}
		for j, c := range rg.Columns {
			ri.CompressedBytes += c.MetaData.TotalCompressedSize
			ri.UncompressedBytes += c.MetaData.TotalUncompressedSize
			ri.PageIndex = ri.PageIndex && c.OffsetIndexOffset > 0
			if j < len(info.Columns) {
				ci := &info.Columns[j]
				ci.Codec = c.MetaData.Codec.String()
				ci.Values += c.MetaData.NumValues
				ci.Nulls += c.MetaData.Statistics.NullCount
				ci.CompressedBytes += c.MetaData.TotalCompressedSize
				ci.UncompressedBytes += c.MetaData.TotalUncompressedSize
			}
		}
		info.RowGroups = append(info.RowGroups, ri)
	}
	return info, nil
}

func splitPath(p string) (root, rest string) {
	if i := strings.IndexAny(p, ".["); i >= 0 {
		return p[:i], p[i:]
	}
	return p, ""
}

// convertedName names the legacy converted types readers meet most.
func convertedName(ct deprecated.ConvertedType) string {
	switch ct {
	case deprecated.UTF8:
		return "UTF8"
	case deprecated.Json:
		return "JSON"
	case deprecated.List:
		return "LIST"
	case deprecated.Map:
		return "MAP"
	case deprecated.Date:
		return "DATE"
	case deprecated.TimestampMillis:
		return "TIMESTAMP_MILLIS"
	case deprecated.TimestampMicros:
		return "TIMESTAMP_MICROS"
	case deprecated.Decimal:
		return "DECIMAL"
	case deprecated.Enum:
		return "ENUM"
	}
	return fmt.Sprintf("CONVERTED_TYPE(%d)", ct)
}
