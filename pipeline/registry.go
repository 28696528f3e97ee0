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
