package main

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/ferry-dev/ferry/passwords/screen"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile/query"
)

func (a *app) importCommand() *cobra.Command {
	f := newRunFlags()
	var to, connection, sqlQuery string
	var upsert bool
	cmd := &cobra.Command{
		Use:   "import SRC",
		Short: "Import users from a file into a store (default: the embedded SQLite store ./ferry.db)",
		Long: `Import reads users from SRC (a file, a glob like 'exports/*.ndjson.gz', or - for stdin),
normalizes and validates each against Auth0's import schema, and writes them to the store.

As in Auth0's bulk import, a user whose user_id, email or username already exists in the
connection is rejected (DUPLICATED_USER, CONFLICT_EMAIL, CONFLICT_USERNAME) unless --upsert is
given; with --upsert a user matched by email has its upsertable fields replaced (names, picture,
email_verified, custom_password_hash; user_metadata and app_metadata replaced whole).`,
		Example: `  ferry import fixtures/sample/users.json
  ferry import users.csv --to sqlite://tenant.db --upsert --rejects rejects.ndjson
  ferry import users.csv --resume        # continue a run that was interrupted`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if !isStore(to) && !isDatabase(to) {
				return usagef("--to must name a store (sqlite://PATH, postgres://…, mysql://…); use 'ferry convert' to write files")
			}
			reg, err := a.prepare(cmd, f, sides{in: args[0], out: to, table: sqlQuery != ""})
			if err != nil {
				return err
			}
			var src pipeline.Source
			if sqlQuery != "" {
				// A legacy user table: --query is a SELECT, --map its mapping.
				src, err = a.openTableSource(ctx, args[0], sqlQuery)
			} else {
				src, err = a.openSource(ctx, args[0], reg, "", nil)
			}
			if err != nil {
				return err
			}
			var sink pipeline.Sink
			if isDatabase(to) {
				sink, err = a.openDatabaseSink(ctx, to, connection, upsert, f.sessions)
			} else {
				sink, err = a.openStoreSink(ctx, to, connection, upsert)
			}
			if err != nil {
				src.Close()
				return err
			}
			pr := &pipelineRun{name: "import", from: args[0], to: to,
				job: pipeline.Job{Source: src, Stages: a.stages(), Ordered: a.ordered(), Sink: sink}}
			_, err = a.execute(ctx, pr)
			return err
		},
	}
	f.registerRun(cmd, true)
	f.registerMaxRejects(cmd, -1)
	f.registerRejects(cmd)
	f.registerResume(cmd)
	f.registerInput(cmd)
	f.registerStages(cmd)
	f.pw.register(cmd)
	f.registerStore(cmd)
	cmd.Flags().StringVar(&to, "to", defaultStore, "store to import into")
	cmd.Flags().StringVar(&connection, "connection", "Username-Password-Authentication", "connection the users belong to")
	cmd.Flags().BoolVar(&upsert, "upsert", false, "update users that exist (matched by email) instead of rejecting them")
	cmd.Flags().StringVar(&sqlQuery, "query", "", "with a postgres://, mysql:// or sqlite:// SRC: the SELECT reading a legacy user table (columns mapped by --map)")
	return cmd
}

func (a *app) exportCommand() *cobra.Command {
	f := newRunFlags()
	var from, to, q string
	cmd := &cobra.Command{
		Use:   "export --to DST",
		Short: "Export users from a store to a file",
		Long: `Export reads users from a store (default ./ferry.db) and writes them to DST in the format
its extension names (.csv, .ndjson, .json — the Auth0 import shape —, optionally .gz or .zst;
.parquet, .arrow) or --format/--to-format names, to standard output with --to -, or to an S3
prefix (s3://bucket/prefix/, NDJSON unless a format is named).

--query filters with Auth0's user-search syntax, translated to SQL on the store:
  ferry export --to gold.ndjson --query 'app_metadata.plan:"gold" AND email_verified:true'
Password hashes, MFA factors and provider tokens are left out unless --include-secrets is
given; breached-password screening (--breached-index, --breached-api) sees them either way.
With --include-secrets, --hash-target auth0 rewrites the hashes as convert does.`,
		Example: `  ferry export --to users.csv --fields user_id,email,given_name=Given\ Name,user_metadata.plan
  ferry export --from sqlite://tenant.db --to - --query 'blocked:true'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if to == "" {
				return usagef("export needs --to DST (a file, or - for standard output)")
			}
			if !isStore(from) && !isDatabase(from) {
				return usagef("--from must name a store (sqlite://PATH, postgres://…, mysql://…); use 'ferry convert' for files")
			}
			reg, err := a.prepare(cmd, f, sides{in: from, out: to})
			if err != nil {
				return err
			}
			var pq *query.Query
			if q != "" {
				if pq, err = query.Parse(q); err != nil {
					return usageError{err}
				}
			}
			var src pipeline.Source
			if isDatabase(from) {
				src, err = a.openDatabaseSource(ctx, from, pq)
			} else {
				var where string
				var qargs []any
				if pq != nil {
					if where, qargs, err = pq.SQL(query.SQLite, query.DefaultColumns()); err != nil {
						return usageError{err}
					}
				}
				src, err = a.openSource(ctx, from, reg, where, qargs)
			}
			if err != nil {
				return err
			}
			sink, err := a.openFileSink(ctx, to, reg)
			if err != nil {
				src.Close()
				return err
			}
			var stages []pipeline.Stage
			if f.hashTarget == "auth0" {
				stages = append(stages, screen.ToAuth0())
			}
			pr := &pipelineRun{name: "export", from: from, to: to, strip: !f.includeSecret,
				job: pipeline.Job{Source: src, Stages: stages, Sink: sink}}
			_, err = a.execute(ctx, pr)
			return err
		},
	}
	f.registerRun(cmd, true)
	f.registerRejects(cmd)
	f.registerResume(cmd)
	f.registerOutput(cmd, false)
	f.registerOutputOnly(cmd)
	f.registerHashTarget(cmd)
	f.pw.register(cmd)
	cmd.Flags().StringVar(&from, "from", defaultStore, "store to export from")
	cmd.Flags().StringVar(&to, "to", "", "destination file, or - for standard output")
	cmd.Flags().StringVar(&q, "query", "", "Auth0 user-search query selecting the users to export")
	return cmd
}

func (a *app) convertCommand() *cobra.Command {
	f := newRunFlags()
	var q string
	cmd := &cobra.Command{
		Use:   "convert SRC DST",
		Short: "Convert users from one file format to another, validating on the way",
		Long: `Convert reads SRC and writes DST, each in the format its extension names (or --format /
--to-format): csv, ndjson, json (the Auth0 import array; Firebase/Keycloak {"users":[…]}
files are read too), each optionally compressed (.gz, .zst). Records are normalized and
validated; invalid ones go to --rejects instead of DST. --query keeps only matching users.
A conversion keeps everything it reads, password hashes and MFA factors included (a
migration needs them); --include-secrets=false leaves them out.`,
		Example: `  ferry convert users.csv users.ndjson.gz
  ferry convert export.ndjson auth0-import.json --rejects rejects.ndjson
  cat users.csv | ferry convert --format csv - -`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			reg, err := a.prepare(cmd, f, sides{in: args[0], out: args[1]})
			if err != nil {
				return err
			}
			stages := a.stages()
			if q != "" {
				pq, err := query.Parse(q)
				if err != nil {
					return usageError{err}
				}
				stages = append(stages, pipeline.Filter(pq.Match))
			}
			src, err := a.openSource(ctx, args[0], reg, "", nil)
			if err != nil {
				return err
			}
			sink, err := a.openFileSink(ctx, args[1], reg)
			if err != nil {
				src.Close()
				return err
			}
			pr := &pipelineRun{name: "convert", from: args[0], to: args[1], strip: !f.includeSecret,
				job: pipeline.Job{Source: src, Stages: stages, Ordered: a.ordered(), Sink: sink}}
			_, err = a.execute(ctx, pr)
			return err
		},
	}
	f.registerRun(cmd, true)
	f.registerMaxRejects(cmd, -1)
	f.registerRejects(cmd)
	f.registerResume(cmd)
	f.registerInput(cmd)
	f.registerOutput(cmd, true)
	f.registerStages(cmd)
	f.pw.register(cmd)
	cmd.Flags().StringVar(&q, "query", "", "Auth0 user-search query: keep only matching users")
	cmd.Flags().BoolVar(&f.noValidate, "no-validate", false, "write records without validating them against Auth0's schema; a record with a value that could not be read (a wrong type) is still rejected (not with --strict, --require or --dedupe)")
	return cmd
}

func (a *app) validateCommand() *cobra.Command {
	f := newRunFlags()
	cmd := &cobra.Command{
		Use:   "validate SRC",
		Short: "Check a file against Auth0's import schema; exit 3 when it has invalid records",
		Long: `Validate reads SRC like import would, writes nothing, and reports every invalid record
(with --rejects FILE: its line, record index, field paths and codes). It exits 0 when every
record is valid and 3 when more than --max-rejects (default 0) are invalid — for CI.`,
		Example: `  ferry validate users.csv --rejects rejects.ndjson --report report.json
  ferry validate export.json --strict     # also reject attributes Auth0 would refuse`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			reg, err := a.prepare(cmd, f, sides{in: args[0]})
			if err != nil {
				return err
			}
			src, err := a.openSource(ctx, args[0], reg, "", nil)
			if err != nil {
				return err
			}
			// Validation reads everything: the limit decides the exit code,
			// not when to stop.
			limit := a.flags.maxRejects
			a.flags.maxRejects = -1
			pr := &pipelineRun{name: "validate", from: args[0], to: "(nothing)",
				job: pipeline.Job{Source: src, Stages: a.stages(), Ordered: a.ordered(), Sink: discard{}}}
			sum, err := a.execute(ctx, pr)
			if err != nil {
				return err
			}
			if limit >= 0 && sum.Counts.Rejected > limit {
				return fmt.Errorf("%w: %d of %d records are invalid (limit %d)", errRejects, sum.Counts.Rejected, sum.Counts.Read, limit)
			}
			return nil
		},
	}
	f.registerRun(cmd, true)
	f.registerMaxRejects(cmd, 0)
	f.registerRejects(cmd)
	f.registerInput(cmd)
	f.registerStages(cmd)
	f.pw.register(cmd)
	return cmd
}

// discard is the sink of validate: it accepts every record.
type discard struct{}

func (discard) Write(ctx context.Context, b *pipeline.Batch) error { return ctx.Err() }
func (discard) Close(context.Context) error                        { return nil }

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print ferry's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v := version
			if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" {
				for _, s := range bi.Settings {
					if s.Key == "vcs.revision" && len(s.Value) >= 12 {
						v = "dev-" + s.Value[:12]
					}
				}
				fmt.Fprintf(a.stdout, "ferry %s (%s)\n", v, bi.GoVersion)
				return nil
			}
			fmt.Fprintf(a.stdout, "ferry %s\n", v)
			return nil
		},
	}
}
