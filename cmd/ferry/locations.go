package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	arrowfmt "github.com/ferry-dev/ferry/formats/arrow"
	"github.com/ferry-dev/ferry/formats/csv"
	fjson "github.com/ferry-dev/ferry/formats/json"
	"github.com/ferry-dev/ferry/formats/ndjson"
	"github.com/ferry-dev/ferry/formats/parquet"
	"github.com/ferry-dev/ferry/passwords/screen"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	filesink "github.com/ferry-dev/ferry/sinks/file"
	sqlitesink "github.com/ferry-dev/ferry/sinks/sqlite"
	filesource "github.com/ferry-dev/ferry/sources/file"
	sqlitesource "github.com/ferry-dev/ferry/sources/sqlite"
)

// defaultStore is the embedded store used when no --to/--from is given.
const defaultStore = "sqlite://ferry.db"

// isStore reports whether loc names a store rather than a file.
func isStore(loc string) bool {
	if strings.HasPrefix(loc, "sqlite:") {
		return true
	}
	for _, ext := range []string{".db", ".sqlite", ".sqlite3"} {
		if strings.HasSuffix(loc, ext) {
			return true
		}
	}
	return false
}

// registry builds the formats with the options of this invocation.
func (a *app) registry() (*pipeline.Registry, error) {
	f := a.flags
	delim, err := delimiter(f.delimiter)
	if err != nil {
		return nil, err
	}
	var mapping profile.Mapping
	if f.mapping != "" {
		mf, err := os.Open(f.mapping)
		if err != nil {
			return nil, usagef("--map: %v", err)
		}
		mapping, err = profile.LoadMapping(mf)
		mf.Close()
		if err != nil {
			return nil, usagef("--map %s: %v", f.mapping, err)
		}
	}
	fields, exportAs := splitFields(f.fields)
	o := formatOptions{
		csv: csv.Options{
			Delimiter:      delim,
			Mapping:        mapping,
			Fields:         fields,
			ExportAs:       exportAs,
			IncludeSecrets: f.includeSecret,
		},
		// --fields projects JSON objects as Auth0's JSON export does;
		// --map names members as it names columns.
		json: fjson.Options{Fields: fields, ExportAs: exportAs, Mapping: mapping},
		nd:   ndjson.Options{Fields: fields, ExportAs: exportAs, Mapping: mapping},
		parquet: parquet.Options{Compression: f.compression, RowGroupRows: f.rowGroupRows, Flatten: f.flatten,
			IncludeSecrets: f.includeSecret, Mapping: mapping},
		arrow: arrowfmt.Options{Flatten: f.flatten, IncludeSecrets: f.includeSecret, Mapping: mapping},
	}
	if err := o.csv.Validate(); err != nil {
		return nil, usageError{err}
	}
	// TSV stays tab-separated: --delimiter is CSV's.
	o.tsv = o.csv
	o.tsv.Delimiter = '\t'
	if err := o.parquet.Validate(); err != nil {
		return nil, usageError{err}
	}
	if err := o.arrow.Validate(); err != nil {
		return nil, usageError{err}
	}
	return newRegistry(o), nil
}

// formatOptions are the options of every format; the zero value works.
type formatOptions struct {
	csv, tsv csv.Options
	json     fjson.Options
	nd       ndjson.Options
	parquet  parquet.Options
	arrow    arrowfmt.Options
}

// newRegistry returns the formats, configured by o.
func newRegistry(o formatOptions) *pipeline.Registry {
	if o.tsv.Delimiter == 0 {
		o.tsv.Delimiter = '\t'
	}
	// A quote inside a TSV field is a character, as database dumps (and
	// IANA's TSV) write it; a field starting with a quote is still quoted.
	o.tsv.LiteralQuotes = true
	r := pipeline.NewRegistry()
	r.AddFormat(pipeline.Format{
		Name: "parquet", Exts: []string{".parquet"},
		NewReaderAt: func(rd io.ReaderAt, size int64, src string) (pipeline.Decoder, error) {
			return parquet.NewDecoder(rd, size, src, o.parquet)
		},
		NewDecoder: func(rd io.Reader, src string) (pipeline.Decoder, error) {
			return parquet.NewStreamDecoder(rd, src, o.parquet)
		},
		NewEncoder: func() (pipeline.Encoder, error) { return parquet.NewEncoder(o.parquet), nil },
		NewWriter: func(w io.Writer, e pipeline.Encoder) (pipeline.BatchWriter, error) {
			return parquet.NewWriter(w, e)
		},
		ResumeWriter: func(w io.Writer, e pipeline.Encoder, size int64, journal []byte) (pipeline.BatchWriter, error) {
			return parquet.ResumeWriter(w, e, size, journal)
		},
	})
	r.AddFormat(pipeline.Format{
		Name: "arrow", Exts: []string{".arrow"},
		NewReaderAt: func(rd io.ReaderAt, size int64, src string) (pipeline.Decoder, error) {
			return arrowfmt.NewFileDecoder(rd, size, src, o.arrow)
		},
		NewDecoder: func(rd io.Reader, src string) (pipeline.Decoder, error) {
			return arrowfmt.NewStreamDecoder(rd, src, o.arrow)
		},
		NewEncoder: func() (pipeline.Encoder, error) { return arrowfmt.NewEncoder(o.arrow), nil },
		NewWriter: func(w io.Writer, e pipeline.Encoder) (pipeline.BatchWriter, error) {
			return arrowfmt.NewFileWriter(w, e)
		},
		ResumeWriter: func(w io.Writer, e pipeline.Encoder, size int64, journal []byte) (pipeline.BatchWriter, error) {
			return arrowfmt.ResumeFileWriter(w, e, size, journal)
		},
	})
	r.AddFormat(pipeline.Format{
		Name: "arrows", Exts: []string{".arrows"},
		NewDecoder: func(rd io.Reader, src string) (pipeline.Decoder, error) {
			return arrowfmt.NewStreamDecoder(rd, src, o.arrow)
		},
		NewEncoder: func() (pipeline.Encoder, error) { return arrowfmt.NewEncoder(o.arrow), nil },
	})
	r.AddFormat(pipeline.Format{
		Name: "tsv", Exts: []string{".tsv", ".tab"},
		NewDecoder: func(rd io.Reader, src string) (pipeline.Decoder, error) {
			return csv.NewDecoder(rd, src, o.tsv), nil
		},
		NewEncoder: func() (pipeline.Encoder, error) { return csv.NewEncoder(o.tsv), nil },
	})
	r.AddFormat(pipeline.Format{
		Name: "csv", Exts: []string{".csv"},
		NewDecoder: func(rd io.Reader, src string) (pipeline.Decoder, error) {
			return csv.NewDecoder(rd, src, o.csv), nil
		},
		NewEncoder: func() (pipeline.Encoder, error) { return csv.NewEncoder(o.csv), nil },
	})
	r.AddFormat(pipeline.Format{
		Name: "ndjson", Exts: []string{".ndjson", ".jsonl"},
		NewDecoder: func(rd io.Reader, src string) (pipeline.Decoder, error) {
			return ndjson.NewDecoder(rd, src, o.nd), nil
		},
		NewEncoder: func() (pipeline.Encoder, error) { return ndjson.NewEncoder(o.nd), nil },
	})
	r.AddFormat(pipeline.Format{
		Name: "json", Exts: []string{".json"},
		NewDecoder: func(rd io.Reader, src string) (pipeline.Decoder, error) {
			return fjson.NewDecoder(rd, src, o.json), nil
		},
		NewEncoder: func() (pipeline.Encoder, error) { return fjson.NewEncoder(o.json), nil },
	})
	return r
}

func delimiter(s string) (rune, error) {
	switch s {
	case `\t`, "tab":
		return '\t', nil
	}
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || n != len(s) || r == '"' || r == '\n' || r == '\r' {
		return 0, usagef("--delimiter must be one character other than a quote or newline")
	}
	return r, nil
}

// splitFields turns "email,given_name=Given Name" into paths and renames.
func splitFields(in []string) ([]string, map[string]string) {
	var paths []string
	var as map[string]string
	for _, f := range in {
		path, name, ok := strings.Cut(f, "=")
		path = strings.TrimSpace(path)
		paths = append(paths, path)
		if ok {
			if as == nil {
				as = map[string]string{}
			}
			as[path] = strings.TrimSpace(name)
		}
	}
	return paths, as
}

// openSource opens a file or store location for reading.
func (a *app) openSource(ctx context.Context, loc string, reg *pipeline.Registry, where string, args []any) (pipeline.Source, error) {
	if isStore(loc) {
		return sqlitesource.Open(ctx, loc, sqlitesource.Options{BatchSize: a.flags.batchSize, Where: where, Args: args})
	}
	if isDatabase(loc) && where == "" {
		// A ferry store on PostgreSQL or MySQL, read whole (a --query of
		// convert or validate filters it as it filters a file).
		return a.openDatabaseSource(ctx, loc, nil)
	}
	if where != "" {
		return nil, fmt.Errorf("internal: SQL filter on a file source")
	}
	opts := filesource.Options{BatchSize: a.flags.batchSize, Stdin: a.stdin}
	if a.flags.format != "" {
		f, err := reg.Format(a.flags.format)
		if err != nil {
			return nil, usageError{err}
		}
		opts.Format = &f
	}
	if isS3(loc) {
		return a.openS3Source(ctx, loc, reg, opts.Format)
	}
	return filesource.Open(loc, reg, opts)
}

// openFileSink opens a file location for writing.
func (a *app) openFileSink(ctx context.Context, loc string, reg *pipeline.Registry) (pipeline.Sink, error) {
	format, err := a.flags.outputFormat(reg, loc)
	if err != nil {
		return nil, err
	}
	if isS3(loc) {
		return a.openS3Sink(ctx, loc, format)
	}
	enc, err := format.NewEncoder()
	if err != nil {
		return nil, usageError{err}
	}
	return filesink.Open(loc, enc, filesink.Options{Stdout: a.stdout, CheckpointEvery: a.flags.checkpointEvery, Writer: format.NewWriter, Resume: format.ResumeWriter})
}

// openStoreSink opens the embedded store for writing.
func (a *app) openStoreSink(ctx context.Context, loc, connection string, upsert bool) (pipeline.Sink, error) {
	return sqlitesink.Open(ctx, loc, sqlitesink.Options{Connection: connection, Upsert: upsert, CommitUsers: a.flags.commitUsers})
}

// stages are the standard stages of a pipeline that reads foreign input.
// The last one rejects invalid records: Validate, or with --no-validate
// RejectIssues, which still rejects a record a decoder could not take a
// value of (the value would otherwise be dropped from the output).
func (a *app) stages() []pipeline.Stage {
	f := a.flags
	var st []pipeline.Stage
	if !f.noNormalize {
		st = append(st, pipeline.Normalize(profile.NormalizeOptions{
			KeepEmailCase:    f.keepCase,
			NoDefaultPicture: f.noPicture,
		}))
	}
	if f.hashTarget == "auth0" {
		st = append(st, screen.ToAuth0())
	}
	if f.noValidate {
		return append(st, pipeline.RejectIssues())
	}
	st = append(st, pipeline.Validate(profile.ValidateOptions{
		Strict:  f.strict,
		Require: f.require,
	}))
	return st
}

// ordered are the stages that must see records in input order.
func (a *app) ordered() []pipeline.Stage {
	if a.flags.dedupe {
		return []pipeline.Stage{pipeline.Dedupe()}
	}
	return nil
}
