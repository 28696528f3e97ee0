package pipeline

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
)

// Format is a byte format: how to read it and how to write it. Options of
// a format (delimiter, fields, mapping) are bound when cmd builds the
// registry.
type Format struct {
	Name string
	// Exts are the file extensions that select the format, with the dot.
	Exts []string
	// NewDecoder reads a decompressed stream; r is an io.Seeker when the
	// input is a plain file.
	NewDecoder func(r io.Reader, source string) (Decoder, error)
	// NewEncoder returns an encoder for one output.
	NewEncoder func() (Encoder, error)

	// NewReaderAt, when set, reads the format from random-access input
	// (Parquet, Arrow IPC files): the decoder reads by ranges instead of
	// streaming, so sources hand it a plain file rather than NewDecoder a
	// stream. Its chunks carry no Data: their decoders read rows by
	// position, Line is the 1-based row of the first record and Offset is
	// 0, so a checkpoint of such an input is resumed by record index.
	NewReaderAt func(r io.ReaderAt, size int64, source string) (Decoder, error)
	// NewWriter, when set, makes the format columnar: a sink writes the
	// encoded batches through the BatchWriter it returns for w and enc (an
	// encoder NewEncoder returned) instead of concatenating them.
	NewWriter func(w io.Writer, enc Encoder) (BatchWriter, error)
	// ResumeWriter, when set, continues an output NewWriter started and
	// that stopped early: w appends after the output's first size bytes,
	// which its ResumableWriter's marks described with journal (their bytes
	// concatenated). It fails when enc does not write what the output was
	// started with (another schema).
	ResumeWriter func(w io.Writer, enc Encoder, size int64, journal []byte) (BatchWriter, error)
}

// Registry names the formats ferry knows. It is built explicitly by the
// command (no init-time registration).
type Registry struct {
	formats []Format
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{} }

// AddFormat registers f. It panics on a duplicate name or extension: that
// is a programming error in the command's wiring, not an input error.
func (r *Registry) AddFormat(f Format) {
	for _, g := range r.formats {
		if g.Name == f.Name {
			panic("pipeline: duplicate format " + f.Name)
		}
		for _, e := range f.Exts {
			if slices.Contains(g.Exts, e) {
				panic("pipeline: duplicate extension " + e)
			}
		}
	}
	r.formats = append(r.formats, f)
}

// Format returns the format called name.
func (r *Registry) Format(name string) (Format, error) {
	for _, f := range r.formats {
		if f.Name == name {
			return f, nil
		}
	}
	return Format{}, fmt.Errorf("unknown format %q (known: %s)", name, strings.Join(r.Names(), ", "))
}

// Names lists the registered formats.
func (r *Registry) Names() []string {
	var ns []string
	for _, f := range r.formats {
		ns = append(ns, f.Name)
	}
	return ns
}

// Compression returns the compression a name's extension implies ("gz",
// "zst" or "") and the name without that extension.
func Compression(name string) (string, string) {
	switch ext := filepath.Ext(name); ext {
	case ".gz", ".gzip":
		return "gz", strings.TrimSuffix(name, ext)
	case ".zst", ".zstd":
		return "zst", strings.TrimSuffix(name, ext)
	}
	return "", name
}

// ForPath picks a format by the name's extension, looking through a
// compression extension ("users.ndjson.gz" is ndjson).
func (r *Registry) ForPath(name string) (Format, error) {
	_, base := Compression(name)
	ext := strings.ToLower(filepath.Ext(base))
	for _, f := range r.formats {
		if slices.Contains(f.Exts, ext) {
			return f, nil
		}
	}
	return Format{}, fmt.Errorf("cannot tell the format of %q from its extension; use --format (known: %s)",
		filepath.Base(name), strings.Join(r.Names(), ", "))
}
