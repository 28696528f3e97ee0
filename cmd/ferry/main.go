// Command ferry moves user profiles between files, provider exports,
// databases and object stores. See README.md and `ferry help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/ferry-dev/ferry/pipeline"
)

// Exit codes.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitRejects     = 3
	exitInterrupted = 130
)

// version is set by the build (-ldflags "-X main.version=…").
var version = "dev"

// usageError marks errors in how ferry was called (exit 2).
type usageError struct{ error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func main() {
	tuneGC()
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// tuneGC trades a little memory for CPU: batches are short-lived garbage,
// so a rarer collection (GOGC 300) saves about 8 % CPU, while a soft memory
// limit keeps the heap within the bound ferry promises. GOGC and GOMEMLIMIT
// in the environment win.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(300)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(150 << 20)
	}
}

// run is main without the process: tests call it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		n := 0
		for range sigs {
			n++
			if n == 1 {
				fmt.Fprintln(stderr, "ferry: stopping after the batches in flight (again to abort)")
				close(stop)
				continue
			}
			cancel()
			return
		}
	}()

	app := &app{stdin: stdin, stdout: stdout, stderr: stderr, stop: stop}
	root := app.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ue usageError
	switch {
	case errors.As(err, &ue) || isCobraUsage(err):
		fmt.Fprintf(stderr, "ferry: %v\nRun 'ferry help' for usage.\n", err)
		return exitUsage
	case errors.Is(err, pipeline.ErrInterrupted):
		fmt.Fprintln(stderr, "ferry: interrupted; what was committed stays — rerun with --resume to continue after it")
		return exitInterrupted
	case errors.Is(err, pipeline.ErrTooManyRejects), errors.Is(err, errRejects):
		fmt.Fprintf(stderr, "ferry: %v\n", err)
		return exitRejects
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "ferry: aborted")
		return exitInterrupted
	}
	fmt.Fprintf(stderr, "ferry: %v\n", err)
	return exitFailed
}

// errRejects: the run finished but rejected more than --max-rejects allows.
var errRejects = errors.New("rejects over the limit")

type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	stop           <-chan struct{}
	global         globalFlags
	// flags are the flags of the running pipeline command (prepare).
	flags  *runFlags
	logger *slog.Logger
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "ferry",
		Short: "Move user profiles between files, provider exports, databases and object stores",
		Long: `ferry moves user profiles — email, names, metadata, identities, password hashes,
MFA factors — between CSV/JSON/NDJSON files, provider exports and stores, in bulk,
validating every record against Auth0's import schema. Nothing is lost: every
record read is written, rejected (with its position, field path and code) or
filtered, and the summary proves it.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if a.global.cpuProfile != "" {
				f, err := os.Create(a.global.cpuProfile)
				if err != nil {
					return err
				}
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
			}
			return a.setupLogging()
		},
		PersistentPostRun: func(*cobra.Command, []string) {
			if a.global.cpuProfile != "" {
				pprof.StopCPUProfile()
			}
		},
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		// A command registers only the flags it honours.
		if strings.HasPrefix(err.Error(), "unknown ") {
			err = fmt.Errorf("%w (not a flag of %s: '%s --help' lists them)", err, c.CommandPath(), c.CommandPath())
		}
		return usageError{err}
	})
	a.global.register(root)
	root.AddCommand(
		a.importCommand(),
		a.exportCommand(),
		a.convertCommand(),
		a.validateCommand(),
		a.fixturesCommand(),
		a.inspectCommand(),
		a.passwordsCommand(),
		a.storeCommand(),
		a.usersCommand(),
		a.versionCommand(),
	)
	return root
}

func (a *app) setupLogging() error {
	opts := &slog.HandlerOptions{Level: slog.LevelWarn}
	if a.global.verbose {
		opts.Level = slog.LevelInfo
	}
	if a.global.logLevel != "" {
		var lvl slog.Level
		if err := lvl.UnmarshalText([]byte(a.global.logLevel)); err != nil {
			return usagef("--log-level must be debug, info, warn or error")
		}
		opts.Level = lvl
	}
	switch a.global.logFormat {
	case "text", "":
		a.logger = slog.New(slog.NewTextHandler(a.stderr, opts))
	case "json":
		a.logger = slog.New(slog.NewJSONHandler(a.stderr, opts))
	default:
		return usagef("--log-format must be text or json, not %q", a.global.logFormat)
	}
	return nil
}

func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "accepts ", "requires at least", "requires exactly", "invalid argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
