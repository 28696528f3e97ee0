package arrow

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/ferry-dev/ferry/formats/internal/columnar"
	"github.com/ferry-dev/ferry/profile"
)

// Options configure the encoder, the file writer and the decoders. The
// zero value works.
type Options struct {
	// Flatten lists profile paths written as string columns of their own
	// besides the object that holds them, e.g. "user_metadata.plan".
	Flatten []string
	// IncludeSecrets writes password_hash, custom_password_hash,
	// mfa_factors and password, which are left out by default.
	IncludeSecrets bool

	// Mapping resolves the column names of input written by other tools
	// before the alias table does (profile.Mapping.Resolve).
	Mapping profile.Mapping
	// MaxMessageBytes bounds the body of one IPC message the decoders
	// accept, so that a damaged length cannot make them allocate without
	// limit; default DefaultMaxMessageBytes.
	MaxMessageBytes int64
}

// DefaultMaxMessageBytes is the default of Options.MaxMessageBytes.
const DefaultMaxMessageBytes = 256 << 20

func (o Options) maxBody() int64 {
	if o.MaxMessageBytes > 0 {
		return o.MaxMessageBytes
	}
	return DefaultMaxMessageBytes
}

// ErrOptions is returned for options that cannot work.
var ErrOptions = errors.New("invalid arrow options")

// Validate reports options that cannot work.
func (o Options) Validate() error {
	if _, err := columnar.NewSchema(o.columnar()); err != nil {
		return fmt.Errorf("%w: %w", ErrOptions, err)
	}
	return nil
}

func (o Options) columnar() columnar.Options {
	return columnar.Options{Flatten: o.Flatten, IncludeSecrets: o.IncludeSecrets}
}

// Field metadata that marks a string column holding JSON text: the
// canonical arrow.json extension type.
const (
	extensionName = "ARROW:extension:name"
	extensionMeta = "ARROW:extension:metadata"
	jsonExtension = "arrow.json"
)

var jsonMetadata = arrow.NewMetadata([]string{extensionName, extensionMeta}, []string{jsonExtension, ""})

// schemaOf returns the Arrow schema of s: the columns of the Parquet
// writer, every one nullable, lists of structs as list<item: struct>.
func schemaOf(s *columnar.Schema) *arrow.Schema {
	fields := make([]arrow.Field, len(s.Fields))
	for i := range s.Fields {
		fields[i] = fieldOf(&s.Fields[i])
	}
	return arrow.NewSchema(fields, nil)
}

func fieldOf(f *columnar.Field) arrow.Field {
	af := arrow.Field{Name: f.Name, Nullable: true}
	switch f.Kind {
	case columnar.String:
		af.Type = arrow.BinaryTypes.String
	case columnar.JSON:
		af.Type, af.Metadata = arrow.BinaryTypes.String, jsonMetadata
	case columnar.Bool:
		af.Type = arrow.FixedWidthTypes.Boolean
	case columnar.Int64:
		af.Type = arrow.PrimitiveTypes.Int64
	case columnar.Time:
		af.Type = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case columnar.List:
		members := make([]arrow.Field, len(f.Fields))
		for j := range f.Fields {
			members[j] = fieldOf(&f.Fields[j])
		}
		af.Type = arrow.ListOfField(arrow.Field{Name: "item", Type: arrow.StructOf(members...), Nullable: true})
	}
	return af
}

// isJSON reports whether an input field holds JSON text.
func isJSON(f arrow.Field) bool {
	if v, ok := f.Metadata.GetValue(extensionName); ok && v == jsonExtension {
		return true
	}
	if e, ok := f.Type.(arrow.ExtensionType); ok && e.ExtensionName() == jsonExtension {
		return true
	}
	return false
}
