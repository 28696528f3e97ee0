package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ferry-dev/ferry/formats/parquet"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
)

func (a *app) inspectCommand() *cobra.Command {
	f := newRunFlags()
	var rows int
	cmd := &cobra.Command{
		Use:   "inspect FILE",
		Short: "Show a file's format, attributes, counts and a few masked rows",
		Long: `Inspect reads FILE (any format ferry reads, or a store) and prints its format and size,
how many records it holds, how many would be rejected and why, which attributes occur and how
often (metadata keys one level deep), and the first rows with personal data masked.

Records are normalized and validated as validate does, with the same flags (--require,
--strict, --hash-target, --dedupe, --no-normalize, …), so the valid and invalid counts agree
with validate's; attributes and rows are those of the valid records as normalized.`,
		Example: `  ferry inspect fixtures/sample/users.json
  ferry inspect users.csv.gz --rows 5`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			loc := args[0]
			reg, err := a.prepare(cmd, f, sides{in: loc})
			if err != nil {
				return err
			}
			format := "sqlite store"
			if !isStore(loc) {
				ff, err := reg.ForPath(loc)
				if f.format != "" {
					ff, err = reg.Format(f.format)
				}
				if err != nil {
					return usageError{err}
				}
				format = ff.Name
				if c, _ := pipeline.Compression(loc); c != "" {
					format += " (" + c + ")"
				}
			}
			src, err := a.openSource(ctx, loc, reg, "", nil)
			if err != nil {
				return err
			}
			sink := &inspector{rows: rows, attrs: map[string]int64{}}
			f.quiet = true
			pr := &pipelineRun{name: "inspect", from: loc, to: "(nothing)",
				job: pipeline.Job{Source: src, Stages: a.stages(), Ordered: a.ordered(), Sink: sink}}
			sum, err := a.execute(ctx, pr)
			if err != nil {
				return err
			}
			w := a.stdout
			fmt.Fprintf(w, "file:       %s\n", loc)
			fmt.Fprintf(w, "format:     %s\n", format)
			if st, err := os.Stat(loc); err == nil {
				fmt.Fprintf(w, "size:       %d bytes\n", st.Size())
			}
			c := sum.Counts
			fmt.Fprintf(w, "records:    %d (%d valid, %d invalid)\n", c.Read, c.Written, c.Rejected)
			if len(c.ByCode) > 0 {
				fmt.Fprintf(w, "issues:    %s\n", byCode(c.ByCode))
			}
			fmt.Fprintln(w, "attributes (records that have it, of the valid ones):")
			keys := slices.Sorted(maps.Keys(sink.attrs))
			slices.SortStableFunc(keys, func(x, y string) int { return order(x) - order(y) })
			for _, k := range keys {
				fmt.Fprintf(w, "  %-32s %10d\n", k, sink.attrs[k])
			}
			if strings.HasPrefix(format, "parquet") {
				if err := printParquet(w, loc); err != nil {
					return err
				}
			}
			if len(sink.sample) > 0 {
				fmt.Fprintf(w, "first %d rows (masked):\n", len(sink.sample))
				for _, s := range sink.sample {
					fmt.Fprintf(w, "  %s\n", s)
				}
			}
			return nil
		},
	}
	f.registerRun(cmd, false)
	f.registerRejects(cmd)
	f.registerInput(cmd)
	f.registerStages(cmd)
	cmd.Flags().IntVar(&rows, "rows", 3, "how many masked rows to show")
	return cmd
}

// order sorts root attributes in canonical order, metadata keys after
// their object, unknown attributes last.
func order(path string) int {
	root, _, _ := strings.Cut(path, ".")
	if i := slices.Index(profile.RootFields, root); i >= 0 {
		return i
	}
	return len(profile.RootFields)
}

// inspector is the sink of inspect: it counts attributes and keeps the
// first rows, masked.
type inspector struct {
	rows   int
	attrs  map[string]int64
	sample []string
}

func (s *inspector) Write(ctx context.Context, b *pipeline.Batch) error {
	for i := range b.Records {
		u := &b.Records[i].User
		for _, f := range profile.RootFields {
			raw, ok := u.GetJSON(f)
			if !ok {
				continue
			}
			s.attrs[f]++
			if f == "user_metadata" || f == "app_metadata" {
				_ = profile.ObjectEach(raw, func(key string, _ []byte) error {
					s.attrs[f+"."+key]++
					return nil
				})
			}
		}
		for _, x := range u.Extra {
			s.attrs[x.Key+" (unknown)"]++
		}
		if len(s.sample) < s.rows {
			m := profile.Mask(u)
			s.sample = append(s.sample, string(profile.AppendJSON(nil, &m)))
		}
	}
	return ctx.Err()
}

func (s *inspector) Close(context.Context) error { return nil }

// printParquet adds what a Parquet footer tells: row groups, columns and
// their codecs, and how each column maps to the profile. No statistics:
// min and max values are personal data.
func printParquet(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	info, err := parquet.Inspect(f, st.Size())
	if err != nil {
		return fmt.Errorf("inspect %s: %w", path, err)
	}
	fmt.Fprintf(w, "parquet:    %d rows in %d row groups", info.Rows, len(info.RowGroups))
	if info.CreatedBy != "" {
		fmt.Fprintf(w, ", written by %s", info.CreatedBy)
	}
	fmt.Fprintln(w)
	for i, rg := range info.RowGroups {
		fmt.Fprintf(w, "  row group %d: %d rows, %d bytes (%d uncompressed), page index %v\n", i, rg.Rows, rg.CompressedBytes, rg.UncompressedBytes, rg.PageIndex)
	}
	fmt.Fprintln(w, "columns:")
	for _, c := range info.Columns {
		logical := c.Logical
		if logical != "" {
			logical = " " + logical
		}
		fmt.Fprintf(w, "  %-40s %s%s %s, %d values, %d nulls, %d bytes\n", c.Path, c.Physical, logical, c.Codec, c.Values, c.Nulls, c.CompressedBytes)
	}
	for _, fi := range info.Fields {
		switch {
		case fi.Unknown:
			fmt.Fprintf(w, "  %s: kept as an unknown attribute\n", fi.Name)
		case fi.Path != "" && fi.Path != fi.Name:
			fmt.Fprintf(w, "  %s: read as %s\n", fi.Name, fi.Path)
		}
	}
	return nil
}
