package main

import (
	"github.com/spf13/cobra"

	"github.com/ferry-dev/ferry/fixtures"
	"github.com/ferry-dev/ferry/pipeline"
)

func (a *app) fixturesCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fixtures",
		Short: "Generate synthetic users for tests and benchmarks",
	}
	f := newRunFlags()
	var n int64
	var seed uint64
	var rate float64
	var out, connection string
	gen := &cobra.Command{
		Use:   "generate --users N [--out FILE]",
		Short: "Write N deterministic synthetic users (non-ASCII names, identities, metadata, hashes, MFA)",
		Long: `Generate writes N realistic synthetic users: names from many locales, emails, phones,
linked identities, user and app metadata, password hashes in several formats and MFA factors.
The same --seed always yields the same users. --error-rate makes that share invalid (bad
emails, over-long names, forbidden metadata keys, duplicate emails, …) to exercise rejects.
The format follows --out's extension (or --format/--to-format); without --out, NDJSON goes to
stdout. The users carry their synthetic password hashes and MFA factors unless
--include-secrets=false.`,
		Example: `  ferry fixtures generate --users 1000000 --out users.csv
  ferry fixtures generate --users 1000 --error-rate 0.02 --seed 7 --out sample.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if n < 0 {
				return usagef("--users must be positive")
			}
			if rate < 0 || rate > 1 {
				return usagef("--error-rate must be between 0 and 1")
			}
			reg, err := a.prepare(cmd, f, sides{out: out})
			if err != nil {
				return err
			}
			sink, err := a.openFileSink(cmd.Context(), out, reg)
			if err != nil {
				return err
			}
			src := fixtures.NewSource(n, fixtures.Options{Seed: seed, ErrorRate: rate, Connection: connection}, f.batchSize)
			if out == "-" {
				f.quiet = true
			}
			pr := &pipelineRun{name: "fixtures generate", from: "generator", to: out, strip: !f.includeSecret,
				job: pipeline.Job{Source: src, Sink: sink}}
			_, err = a.execute(cmd.Context(), pr)
			return err
		},
	}
	f.registerRun(gen, true)
	f.registerResume(gen)
	f.registerOutput(gen, true)
	f.registerOutputOnly(gen)
	gen.Flags().Int64Var(&n, "users", 1000, "how many users")
	gen.Flags().Uint64Var(&seed, "seed", 1, "population seed")
	gen.Flags().Float64Var(&rate, "error-rate", 0, "share of invalid users, 0 to 1")
	gen.Flags().StringVar(&out, "out", "-", "output file (format from the extension)")
	gen.Flags().StringVar(&connection, "connection", fixtures.DefaultConnection, "connection of the users' auth0 identity")
	cmd.AddCommand(gen)
	return cmd
}
