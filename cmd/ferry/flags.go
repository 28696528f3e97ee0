package main

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ferry-dev/ferry/formats/csv"
	"github.com/ferry-dev/ferry/formats/parquet"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	pgsink "github.com/ferry-dev/ferry/sinks/postgres"
)

// globalFlags are the flags of every command.
type globalFlags struct {
	logFormat  string
	logLevel   string
	cpuProfile string
	verbose    bool
}

func (g *globalFlags) register(root *cobra.Command) {
	p := root.PersistentFlags()
	p.StringVar(&g.logFormat, "log-format", "text", "log format: text or json")
	p.BoolVarP(&g.verbose, "verbose", "v", false, "log progress and decisions (never record content)")
	p.StringVar(&g.cpuProfile, "cpuprofile", "", "write a CPU profile (pprof) of the run to this file")
	p.StringVar(&g.logLevel, "log-level", "", "log level: debug, info, warn or error (default warn; -v: info)")
}

// runFlags are the flags of a command that runs a pipeline. Every such
// command has its own, with only the groups of flags it honours
// registered (cobra refuses the others), and calls check before it runs:
// a flag that an invocation would ignore, or that contradicts another, is
// a usage error, never silently dropped.
type runFlags struct {
	workers         int
	batchSize       int
	maxRejects      int64
	rejects         string
	rejectsPII      bool
	resume          bool
	job             string
	report          string
	progress        string
	quiet           bool
	checkpointEvery time.Duration

	format   string
	toFormat string
	// formatIsOutput: --format names the output (export, fixtures
	// generate), which have no input file.
	formatIsOutput bool
	delimiter      string
	mapping        string
	fields         []string
	includeSecret  bool

	strict      bool
	noNormalize bool
	keepCase    bool
	noPicture   bool
	require     string
	dedupe      bool
	hashTarget  string
	noValidate  bool // convert

	compression  string
	rowGroupRows int
	flatten      []string

	commitUsers int // import into the SQLite store
	sessions    int // import into a PostgreSQL store

	s3 s3Flags
	pw passwordFlags // breached-password screening (passwords.go)
}

// newRunFlags returns the flags of a command before registration: what a
// flag the command does not register stands for.
func newRunFlags() *runFlags {
	return &runFlags{maxRejects: -1}
}

// registerRun adds the flags every pipeline command honours; summary adds
// -q, for the commands that print a run summary.
func (f *runFlags) registerRun(cmd *cobra.Command, summary bool) {
	p := cmd.Flags()
	p.IntVar(&f.workers, "workers", runtime.GOMAXPROCS(0), "concurrent stage workers (0: one per CPU)")
	p.IntVar(&f.batchSize, "batch-size", 1000, "records per batch (0 means the default)")
	p.StringVar(&f.report, "report", "", "write the run summary as JSON to this file")
	p.StringVar(&f.progress, "progress", "auto", "progress bar: auto (on a terminal), always or never")
	if summary {
		p.BoolVarP(&f.quiet, "quiet", "q", false, "print no summary")
	}
}

// registerMaxRejects adds --max-rejects, with the command's default.
func (f *runFlags) registerMaxRejects(cmd *cobra.Command, def int64) {
	cmd.Flags().Int64Var(&f.maxRejects, "max-rejects", def, "stop and exit 3 once more records than this are rejected (-1: no limit)")
}

// registerRejects adds the flags of the rejects file.
func (f *runFlags) registerRejects(cmd *cobra.Command) {
	p := cmd.Flags()
	p.StringVar(&f.rejects, "rejects", "", "write rejected records to this NDJSON file (positions, paths and codes only)")
	p.BoolVar(&f.rejectsPII, "rejects-include-pii", false, "with --rejects: also write each rejected record itself to the rejects file")
}

// registerResume adds the flags of commands whose output keeps checkpoints.
func (f *runFlags) registerResume(cmd *cobra.Command) {
	p := cmd.Flags()
	p.BoolVar(&f.resume, "resume", false, "continue an interrupted run after its last committed batch (not with standard output)")
	p.StringVar(&f.job, "job", "", "name of the job's checkpoints (default: derived from source and destination)")
}

// registerInput adds the flags of commands that read files.
func (f *runFlags) registerInput(cmd *cobra.Command) {
	p := cmd.Flags()
	p.StringVar(&f.format, "format", "", "input format (csv, tsv, ndjson, json, parquet, arrow, arrows); default: from the extension")
	p.StringVar(&f.mapping, "map", "", "YAML file mapping input columns (CSV, TSV, Parquet, Arrow) or object members (NDJSON, JSON) to profile paths; import --query: table columns")
	f.registerDelimiter(cmd)
	f.s3.registerConn(cmd)
}

func (f *runFlags) registerDelimiter(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.delimiter, "delimiter", ",", "CSV field delimiter of CSV input and output (one character; \\t for tab); TSV stays tab-separated")
}

// registerStages adds the flags of normalization and validation.
func (f *runFlags) registerStages(cmd *cobra.Command) {
	p := cmd.Flags()
	p.BoolVar(&f.strict, "strict", false, "reject attributes Auth0's import schema does not allow")
	p.BoolVar(&f.noNormalize, "no-normalize", false, "do not trim, NFC-normalize, lowercase or derive fields")
	p.BoolVar(&f.keepCase, "keep-email-case", false, "do not lowercase emails and usernames")
	p.BoolVar(&f.noPicture, "no-default-picture", false, "do not add a Gravatar picture when none is given")
	p.StringVar(&f.require, "require", "email", "identifier every user must have: "+orList(profile.Identifiers()))
	p.BoolVar(&f.dedupe, "dedupe", false, "reject records whose user_id, email or username an earlier record had (uses ~40 bytes per user)")
	f.registerHashTarget(cmd)
}

func (f *runFlags) registerHashTarget(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.hashTarget, "hash-target", "", "rewrite password hashes into a target's form: auth0 (password_hash or custom_password_hash; others are rejected with HASH_UNSUPPORTED_BY_TARGET); needs the hashes in the output (export: --include-secrets)")
}

// registerOutput adds the flags of commands that write files; secrets is
// the command's default of --include-secrets.
func (f *runFlags) registerOutput(cmd *cobra.Command, secrets bool) {
	p := cmd.Flags()
	p.StringVar(&f.toFormat, "to-format", "", "output format (csv, tsv, ndjson, json, parquet, arrow, arrows); default: from the extension")
	p.StringSliceVar(&f.fields, "fields", nil, "paths to write, e.g. email,user_metadata.plan; 'path=Name' renames (CSV, NDJSON, JSON)")
	f.s3.registerSink(cmd)
	p.StringVar(&f.compression, "compression", "zstd", "Parquet output: compression zstd, snappy or none")
	p.IntVar(&f.rowGroupRows, "row-group-rows", parquet.DefaultRowGroupRows, "Parquet output: rows per row group; a row group ends at a batch boundary, so it holds at least one batch")
	p.StringSliceVar(&f.flatten, "flatten", nil, "Parquet/Arrow output: metadata paths to promote to columns, e.g. user_metadata.plan")
	if secrets {
		p.BoolVar(&f.includeSecret, "include-secrets", true, "write password hashes, MFA factors and provider tokens; --include-secrets=false leaves them out")
	} else {
		p.BoolVar(&f.includeSecret, "include-secrets", false, "write password hashes, MFA factors and provider tokens (left out by default)")
	}
	p.DurationVar(&f.checkpointEvery, "checkpoint-every", 0, "how often the output records a resumable checkpoint (default: every second for a file; for s3://, when a part rotates — each checkpoint completes the open parts)")
}

// registerOutputOnly adds what registerInput would to a command that reads
// no file: --format names its output, --delimiter its CSV, and the S3
// connection its s3:// destination.
func (f *runFlags) registerOutputOnly(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.format, "format", "", "output format, as --to-format (csv, tsv, ndjson, json, parquet, arrow, arrows); default: from the extension")
	f.formatIsOutput = true
	f.registerDelimiter(cmd)
	f.s3.registerConn(cmd)
}

// registerStore adds the flags of import's stores.
func (f *runFlags) registerStore(cmd *cobra.Command) {
	p := cmd.Flags()
	p.IntVar(&f.commitUsers, "commit-users", 0, "SQLite store only: users per store transaction (0 means 10000; batches are grouped; 1 commits every batch)")
	p.IntVar(&f.sessions, "sessions", 2, "postgres:// store only: database sessions that copy a batch of new users at once")
}

// prepare makes f the flags of this run, refuses what check refuses, and
// returns the formats configured by f (nil for import from a --query
// table, whose --map is a table mapping, read by openTableSource).
func (a *app) prepare(cmd *cobra.Command, f *runFlags, s sides) (*pipeline.Registry, error) {
	a.flags = f
	if err := f.check(cmd.Flags(), s); err != nil {
		return nil, err
	}
	if s.table {
		return nil, nil
	}
	return a.registry()
}

// sides are what one invocation reads and writes, for check.
type sides struct {
	in  string // the location read; "" for none (fixtures generate)
	out string // the location written; "" for none (validate, inspect)
	// table: in is a database table that import's --query selects.
	table bool
}

// check refuses the flags of this invocation that would be ignored, that
// contradict each other, or whose values cannot work, each with a usage
// error that names the flag and what to do. It also settles --format of
// the commands where it names the output. fs is the command's flag set.
func (f *runFlags) check(fs *pflag.FlagSet, s sides) error {
	given := fs.Changed
	// Values.
	if f.workers < 0 {
		return usagef("--workers must be 0 (one per CPU) or more, not %d", f.workers)
	}
	if f.batchSize < 0 {
		return usagef("--batch-size must be 0 (the default, 1000) or more, not %d", f.batchSize)
	}
	if given("progress") && !slices.Contains([]string{"auto", "always", "never"}, f.progress) {
		return usagef("--progress must be auto, always or never, not %q", f.progress)
	}
	if (profile.ValidateOptions{Require: f.require}).Validate() != nil {
		return usagef("--require must be %s, not %q", orList(profile.Identifiers()), f.require)
	}
	if f.hashTarget != "" && f.hashTarget != "auth0" {
		return usagef("--hash-target must be auth0, not %q", f.hashTarget)
	}
	if f.checkpointEvery < 0 {
		return usagef("--checkpoint-every must not be negative: give a duration such as 5s, or 0 for the default")
	}
	if given("row-group-rows") && f.rowGroupRows <= 0 {
		return usagef("--row-group-rows must be 1 or more (default %d); a row group ends at a batch boundary, so it holds at least one batch", parquet.DefaultRowGroupRows)
	}
	if f.commitUsers < 0 {
		return usagef("--commit-users must be 0 (the default, 10000) or more, not %d", f.commitUsers)
	}
	if given("sessions") && f.sessions < 1 {
		return usagef("--sessions must be at least 1, not %d", f.sessions)
	}

	// Flags that need or contradict others.
	if f.rejectsPII && f.rejects == "" {
		return usagef("--rejects-include-pii adds each rejected record to the --rejects file: give --rejects FILE too")
	}
	if f.noNormalize {
		for _, name := range []string{"keep-email-case", "no-default-picture"} {
			if on(fs, name) {
				return usagef("--%s tunes normalization, which --no-normalize switches off: give one of them", name)
			}
		}
	}
	if f.noValidate {
		for _, name := range []string{"strict", "require", "dedupe"} {
			if given(name) && (name == "require" || on(fs, name)) {
				return usagef("--%s is a validation rule, and --no-validate writes records without validating them: give one of them", name)
			}
		}
	}
	if fs.Lookup("include-secrets") != nil && !f.includeSecret {
		if f.hashTarget != "" {
			return usagef("--hash-target rewrites password hashes, which this output leaves out: add --include-secrets")
		}
		for _, fld := range f.fields {
			path, _, _ := strings.Cut(fld, "=")
			path = strings.TrimSpace(path)
			for _, sec := range append(slices.Clone(csv.Secrets), "password") {
				if path == sec || strings.HasPrefix(path, sec+".") {
					return usagef("--fields names %s, which this output leaves out: add --include-secrets to write it, or leave it out of --fields", path)
				}
			}
		}
	}
	if s.out == "-" {
		for _, name := range []string{"resume", "job", "checkpoint-every"} {
			if given(name) {
				return usagef("--%s: standard output keeps no checkpoints, so a run into it cannot resume; write to a file to use --%s", name, name)
			}
		}
	}
	if !isS3(s.out) {
		for _, name := range s3FlagNames((*s3Flags).registerSink) {
			if !given(name) {
				continue
			}
			if name == "compress" {
				return usagef("--compress applies to s3:// output; to compress a file, name it .gz or .zst (e.g. users.ndjson.gz)")
			}
			return usagef("--%s applies to s3:// output only; %s is not an s3:// location", name, describe(s.out))
		}
	}
	if !isS3(s.in) && !isS3(s.out) {
		for _, name := range s3FlagNames((*s3Flags).registerConn) {
			if given(name) {
				return usagef("--%s says how to reach s3:// locations, and this run reads and writes none", name)
			}
		}
	}
	if given("commit-users") && (isDatabase(s.out) || !isStore(s.out)) {
		return usagef("--commit-users applies to the SQLite store (sqlite://PATH) only, not to %s", redactLocation(s.out))
	}
	if given("sessions") && !pgsink.IsLocation(s.out) {
		return usagef("--sessions applies to postgres:// stores only, not to %s", redactLocation(s.out))
	}
	if err := f.pw.check(fs); err != nil {
		return err
	}

	// Flags that depend on the formats read and written.
	if f.formatIsOutput {
		if f.format != "" && f.toFormat != "" && f.format != f.toFormat {
			return usagef("--format and --to-format both name the output format, and disagree (%s, %s): give one", f.format, f.toFormat)
		}
		if f.toFormat == "" {
			f.toFormat = f.format
		}
	}
	reg := newRegistry(formatOptions{})
	in, inKnown, err := f.inputFormat(reg, s)
	if err != nil {
		return err
	}
	var out string
	if s.out != "" && !isStore(s.out) && !isDatabase(s.out) {
		format, err := f.outputFormat(reg, s.out)
		if err != nil {
			return err
		}
		out = format.Name
	}
	if given("format") && !f.formatIsOutput && (s.table || isStore(s.in) || isDatabase(s.in)) {
		return usagef("--format names the format of an input file; %s is not a file", describe(s.in))
	}
	if given("delimiter") && inKnown && in != "csv" && out != "csv" {
		return usagef("--delimiter applies to CSV input and output (TSV stays tab-separated), and this run reads and writes no CSV; name the CSV side with --format or --to-format csv")
	}
	if given("map") && !s.table && inKnown && in == "" {
		return usagef("--map names the columns or members of an input file (or of an import --query table); %s is not a file", describe(s.in))
	}
	if out == "" {
		return nil
	}
	if len(f.fields) > 0 && !slices.Contains([]string{"csv", "tsv", "ndjson", "json"}, out) {
		return usagef("--fields selects CSV columns and JSON members; %s output holds every attribute (--flatten promotes metadata paths to columns)", out)
	}
	for _, name := range []string{"compression", "row-group-rows"} {
		if given(name) && out != "parquet" {
			return usagef("--%s applies to Parquet output, and this run writes %s; drop it, or write Parquet (.parquet or --to-format parquet)", name, out)
		}
	}
	if given("flatten") && !slices.Contains([]string{"parquet", "arrow", "arrows"}, out) {
		return usagef("--flatten applies to Parquet and Arrow output, and this run writes %s; use --fields to pick paths of %s output", out, out)
	}
	return nil
}

// inputFormat names the format s.in is read in: "" for no input, a store
// or a table. known is false when only the files themselves tell (an
// s3:// prefix, standard input without --format, an unknown extension,
// which the source reports).
func (f *runFlags) inputFormat(reg *pipeline.Registry, s sides) (name string, known bool, err error) {
	switch {
	case s.in == "" || s.table || isStore(s.in) || isDatabase(s.in):
		return "", true, nil
	case f.format != "" && !f.formatIsOutput:
		format, err := reg.Format(f.format)
		if err != nil {
			return "", false, usageError{fmt.Errorf("--format: %w", err)}
		}
		return format.Name, true, nil
	}
	format, err := reg.ForPath(strings.TrimSuffix(s.in, "/"))
	if err != nil {
		if st, serr := os.Stat(s.in); serr == nil && st.Mode().IsRegular() {
			// One file whose extension names no format: say so now.
			return "", false, usageError{err}
		}
		return "", false, nil
	}
	return format.Name, true, nil
}

// outputFormat is the format loc is written in: --to-format, else its
// extension (an s3:// prefix or standard output: NDJSON unless named).
func (f *runFlags) outputFormat(reg *pipeline.Registry, loc string) (pipeline.Format, error) {
	var format pipeline.Format
	var err error
	switch {
	case f.toFormat != "":
		format, err = reg.Format(f.toFormat)
	case isS3(loc):
		// A prefix is named after its format ("s3://b/users.parquet/"),
		// or names none: NDJSON unless --to-format says.
		if format, err = reg.ForPath(strings.TrimSuffix(loc, "/")); err != nil {
			format, err = reg.Format("ndjson")
		}
	case loc == "-":
		format, err = reg.Format("ndjson")
	default:
		format, err = reg.ForPath(loc)
	}
	if err != nil {
		return format, usageError{err}
	}
	return format, nil
}

// on reports whether the boolean flag name was given and is true.
func on(fs *pflag.FlagSet, name string) bool {
	if !fs.Changed(name) {
		return false
	}
	v, err := fs.GetBool(name)
	return err == nil && v
}

// describe names a location in a message, without a password.
func describe(loc string) string {
	switch loc {
	case "":
		return "the destination"
	case "-":
		return "standard output"
	}
	return redactLocation(loc)
}

// orList joins "a", "b", "c" as "a, b or c".
func orList(xs []string) string {
	if len(xs) < 2 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}
