package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/sync/errgroup"
	"golang.org/x/term"

	"github.com/ferry-dev/ferry/passwords"
	"github.com/ferry-dev/ferry/passwords/breach"
	"github.com/ferry-dev/ferry/passwords/screen"
	"github.com/ferry-dev/ferry/pipeline"
)

// This file holds `ferry passwords …` and the password side of pipeline
// runs: the per-algorithm census every run reports, and breached-password
// screening (--breached-index, --breached-api).

// passwordFlags are the screening flags of pipeline commands.
type passwordFlags struct {
	index       []string
	api         string
	policy      string
	field       string
	auditTop    int
	auditBudget time.Duration
	auditList   string
	parsed      screen.Policy // policy, once check accepted it
}

func (f *passwordFlags) register(cmd *cobra.Command) {
	p := cmd.Flags()
	p.StringArrayVar(&f.index, "breached-index", nil, "screen passwords against this breach index (see 'ferry passwords index build'); repeat for a SHA-1 and an NTLM index")
	p.StringVar(&f.api, "breached-api", "", "screen passwords against this Pwned Passwords range API (https://api.pwnedpasswords.com or a mirror)")
	p.StringVar(&f.policy, "breached", "flag", "what to do with a breached password: flag (set an app_metadata field), reject, or reset (remove the password and hash, and flag)")
	p.StringVar(&f.field, "breached-flag-field", screen.DefaultFlagField, "app_metadata key set to true on users with a breached password (dots nest)")
	p.IntVar(&f.auditTop, "audit-top", 1000, "audit salted fast hashes against the first N passwords of --audit-list (0: all)")
	p.DurationVar(&f.auditBudget, "audit-budget", 0, "time to spend auditing in the whole run, summed over workers (0: no limit)")
	p.StringVar(&f.auditList, "audit-list", "", "common breached passwords, most common first, one a line: audit salted and unsalted fast hashes against them")
}

func (f *passwordFlags) screening() bool { return len(f.index) > 0 || f.api != "" }

// check refuses screening flags that would be ignored or cannot work; fs
// is the command's flag set (runFlags.check calls it).
func (f *passwordFlags) check(fs *pflag.FlagSet) error {
	policy, err := screen.ParsePolicy(f.policy)
	if err != nil {
		return usagef("--breached must be flag, reject or reset, not %q", f.policy)
	}
	f.parsed = policy
	if !f.screening() {
		for _, name := range []string{"breached", "breached-flag-field", "audit-list", "audit-top", "audit-budget"} {
			if fs.Changed(name) {
				return usagef("--%s tunes breached-password screening, which needs --breached-index FILE or --breached-api URL", name)
			}
		}
		return nil
	}
	if f.api != "" {
		u, err := url.Parse(f.api)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usagef("--breached-api must be an http(s) URL, like %s", breach.DefaultBaseURL)
		}
	}
	if policy == screen.Reject && fs.Changed("breached-flag-field") {
		return usagef("--breached-flag-field names the flag --breached flag and reset set; --breached reject flags nothing: give one of them")
	}
	if f.auditTop < 0 {
		return usagef("--audit-top must be 0 (all) or more")
	}
	if f.auditBudget < 0 {
		return usagef("--audit-budget must be 0 (no limit) or a positive duration such as 5m")
	}
	if f.auditList == "" {
		for _, name := range []string{"audit-top", "audit-budget"} {
			if fs.Changed(name) {
				return usagef("--%s tunes the audit of --audit-list: give --audit-list FILE too", name)
			}
		}
	}
	return nil
}

// passwordRun is the password side of one pipeline run. The census and the
// screening counts are in the run's counts (Counts.Tally, see screen.Count
// and screen.FromTally).
type passwordRun struct {
	stats  *screen.Stats // nil without screening
	policy screen.Policy
}

// passwordReport is the "passwords" object of --report.
type passwordReport struct {
	// Algorithms counts the decoded records of the committed batches (of
	// the whole job, when resumed) by the algorithm of their password:
	// "bcrypt", "pbkdf2-sha256", "plaintext", "none", ….
	Algorithms map[string]int64 `json:"algorithms"`
	Screening  *screen.Summary  `json:"screening,omitempty"`
}

// preparePasswords adds the census as the first stage of pr and, when a
// breached option is set, the screening stage after the others; with
// --hash-target auth0, hashing plaintext passwords comes last (screening
// needs the plaintext). The screening resources (indexes) are released
// with pr's closers.
func (a *app) preparePasswords(pr *pipelineRun) error {
	pr.job.Stages = append([]pipeline.Stage{screen.Count()}, pr.job.Stages...)
	pr.passwords = &passwordRun{}
	if err := a.prepareScreening(pr); err != nil {
		return err
	}
	if a.flags.hashTarget == "auth0" {
		pr.job.Stages = append(pr.job.Stages, screen.HashPlaintext())
	}
	return nil
}

// prepareScreening adds the screening stage when a breached option is set.
func (a *app) prepareScreening(pr *pipelineRun) error {
	f := &a.flags.pw
	if !f.screening() {
		return nil
	}
	policy := f.parsed
	opts := screen.Options{Policy: policy, FlagField: f.field, AuditBudget: f.auditBudget}
	for _, path := range f.index {
		ix, err := breach.Open(path)
		if err != nil {
			return usagef("--breached-index %s: %v", path, err)
		}
		pr.closers = append(pr.closers, ix.Close)
		opts.Indexes = append(opts.Indexes, ix)
	}
	if f.api != "" {
		opts.Client = &breach.Client{BaseURL: f.api}
	}
	if f.auditList != "" {
		var err error
		if opts.Candidates, err = readLines(f.auditList, f.auditTop); err != nil {
			return usagef("--audit-list: %v", err)
		}
	}
	stage, stats, err := screen.Stage(opts)
	if err != nil {
		return usageError{err}
	}
	pr.job.Stages = append(pr.job.Stages, stage)
	pr.passwords.stats, pr.passwords.policy = stats, policy
	a.logger.Info("screening passwords", "policy", policy.String(), "indexes", len(opts.Indexes),
		"range_api", opts.Client != nil, "audit_candidates", len(opts.Candidates), "audit_budget", f.auditBudget)
	return nil
}

// abort closes the source and sink of a run that never started.
func (pr *pipelineRun) abort() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = pr.job.Sink.Close(ctx)
	_ = pr.job.Source.Close()
}

// readLines reads up to max non-empty lines of a file (0: all).
func readLines(path string, max int) ([][]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			continue
		}
		if max > 0 && len(out) == max {
			break
		}
		out = append(out, line)
	}
	if len(out) == 0 {
		return nil, errors.New("no passwords in the file")
	}
	return out, nil
}

// passwordReport returns what --report holds about passwords, given the
// run's counts.
func (pr *pipelineRun) passwordReport(c pipeline.Counts) *passwordReport {
	if pr.passwords == nil {
		return nil
	}
	r := &passwordReport{Algorithms: screen.CensusFromTally(c.Tally)}
	if pr.passwords.stats != nil {
		// The committed batches' counts (of the whole job when resumed),
		// not the workers' running totals.
		s := screen.FromTally(pr.passwords.policy, c.Tally)
		r.Screening = &s
	}
	return r
}

// printPasswords writes the summary lines about passwords.
func (a *app) printPasswords(w io.Writer, pr *pipelineRun, c pipeline.Counts) {
	r := pr.passwordReport(c)
	if r == nil {
		return
	}
	var total int64
	for _, n := range r.Algorithms {
		total += n
	}
	fmt.Fprintf(w, "  passwords %10d%s\n", total, byCode(r.Algorithms))
	if s := r.Screening; s != nil {
		fmt.Fprintf(w, "  breached  %10d   checked %d, unverifiable %d, audited %d", s.Breached, s.Checked, s.Unverifiable, s.Audited)
		if s.AuditIncomplete > 0 {
			fmt.Fprintf(w, " (%d cut short by --audit-budget)", s.AuditIncomplete)
		}
		switch s.Policy {
		case "flag":
			fmt.Fprintf(w, "; flagged %d", s.Flagged)
		case "reject":
			fmt.Fprintf(w, "; rejected %d", s.Rejected)
		case "reset":
			fmt.Fprintf(w, "; reset %d", s.Reset)
		}
		fmt.Fprintln(w)
	}
}

// ---- ferry passwords … ----

func (a *app) passwordsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "passwords",
		Short: "Identify and verify password hashes; build and query breached-password indexes",
		Long: `Passwords works with the password side of user migrations:

  identify  names a stored hash's algorithm, parameters and screening class
  verify    checks a password (read from standard input, never from the command line)
  index     builds a breached-password index from the Have I Been Pwned corpus or a blocklist
  check     looks passwords from standard input up in an index or a range API

None of them prints a password, and identify and verify print a hash's algorithm and
parameters only, never its salt or digest.`,
	}
	cmd.AddCommand(a.identifyCommand(), a.verifyCommand(), a.indexCommand(), a.checkCommand())
	return cmd
}

func (a *app) identifyCommand() *cobra.Command {
	var params string
	cmd := &cobra.Command{
		Use:   "identify HASH",
		Short: "Name a hash's algorithm, parameters and class (- reads it from standard input)",
		Long: `Identify parses a stored password value — bcrypt, crypt(3), PHC, passlib, Django, LDAP,
Kratos, bare hex digests, and the JSON of Auth0's custom_password_hash, Okta's
PasswordCredentialHash or a Keycloak credential — and prints its algorithm, cost
parameters, screening class and the targets ferry can convert it to. HASH '-' reads the
value from standard input, which keeps it out of the shell history.

--params gives what the value itself lacks, as a JSON object: Firebase's project
parameters and the user's salt {"base64_signer_key":…,"base64_salt_separator":…,
"rounds":8,"mem_cost":14,"salt":…}, a Clerk hasher {"hasher":"bcrypt"}, or
{"format":"kratos"} to read $pbkdf2-sha224$/$pbkdf2-sha384$ as Kratos does.`,
		Example: `  ferry passwords identify '$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K'
  jq -c '.custom_password_hash' user.json | ferry passwords identify -`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			value := args[0]
			if value == "-" {
				data, err := readSecret(a.stdin)
				if err != nil {
					return err
				}
				value = string(data)
			}
			h, err := parseHash(value, params)
			if err != nil {
				return err
			}
			describeHash(a.stdout, h)
			return nil
		},
	}
	cmd.Flags().StringVar(&params, "params", "", "JSON object of parameters the hash does not carry (Firebase, Clerk, Kratos)")
	return cmd
}

// errMismatch: verify was given a password the hash does not match.
var errMismatch = errors.New("password does not match the hash")

func (a *app) verifyCommand() *cobra.Command {
	var hash, params string
	cmd := &cobra.Command{
		Use:   "verify --hash HASH",
		Short: "Check a password against a hash; exit 0 on a match, 1 otherwise",
		Long: `Verify reads a password from standard input (or prompts for it without echo on a
terminal; never from the command line) and checks it against --hash in constant time.
The hash's cost parameters are checked before any key derivation runs, so a hash
claiming absurd costs fails at once instead of hanging. It exits 0 when the password
matches and 1 when it does not or the hash cannot be checked. One trailing newline of
the input is not part of the password. --params is as for identify.`,
		Example: `  ferry passwords verify --hash "$(jq -r .password_hash user.json)"
  printf %s "$PW" | ferry passwords verify --hash '{SSHA}…'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if hash == "" {
				return usagef("verify needs --hash")
			}
			h, err := parseHash(hash, params)
			if err != nil {
				return err
			}
			pw, err := a.readPassword()
			if err != nil {
				return err
			}
			defer clear(pw)
			ok, err := h.Verify(pw)
			if err != nil {
				return fmt.Errorf("verify %s: %w", h.Name(), err)
			}
			if !ok {
				return fmt.Errorf("%w (%s)", errMismatch, h.Name())
			}
			fmt.Fprintf(a.stdout, "ok: the password matches (%s)\n", h.Name())
			return nil
		},
	}
	cmd.Flags().StringVar(&hash, "hash", "", "the stored hash (any format identify reads)")
	cmd.Flags().StringVar(&params, "params", "", "JSON object of parameters the hash does not carry (see identify)")
	return cmd
}

// maxSecret bounds a password or hash read from standard input.
const maxSecret = 64 << 10

// readPassword prompts on a terminal without echo, else reads standard input.
func (a *app) readPassword() ([]byte, error) {
	if f, ok := a.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(a.stderr, "Password: ")
		pw, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.stderr)
		if err != nil {
			return nil, fmt.Errorf("read password: %w", err)
		}
		return pw, nil
	}
	return readSecret(a.stdin)
}

// readSecret reads standard input without its one trailing newline.
func readSecret(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxSecret+1))
	if err != nil {
		return nil, fmt.Errorf("read standard input: %w", err)
	}
	if len(data) > maxSecret {
		return nil, usagef("standard input is longer than %d KiB", maxSecret>>10)
	}
	data = bytes.TrimSuffix(data, []byte("\n"))
	data = bytes.TrimSuffix(data, []byte("\r"))
	if len(data) == 0 {
		return nil, usagef("nothing on standard input")
	}
	return data, nil
}

// hashParams is --params: what a hash value does not carry itself.
type hashParams struct {
	Format        string `json:"format"` // "kratos"
	Hasher        string `json:"hasher"` // Clerk's password_hasher
	Algorithm     string `json:"algorithm"`
	SignerKey     string `json:"base64_signer_key"`
	SaltSeparator string `json:"base64_salt_separator"`
	Rounds        int    `json:"rounds"`
	MemCost       int    `json:"mem_cost"`
	Salt          string `json:"salt"` // Firebase: the user's salt
}

// parseHash reads a hash value with the --params it may need. Errors name
// the format and part, never the value.
func parseHash(value, params string) (passwords.Hash, error) {
	var p hashParams
	if params != "" {
		dec := json.NewDecoder(strings.NewReader(params))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			return passwords.Hash{}, usagef("--params must be a JSON object with format, hasher, or Firebase's base64_signer_key, base64_salt_separator, rounds, mem_cost and salt")
		}
	}
	var h passwords.Hash
	var err error
	switch {
	case p.Hasher != "":
		h, err = passwords.FromClerk(p.Hasher, value)
	case p.SignerKey != "" || p.SaltSeparator != "" || p.Salt != "" || p.Rounds != 0 || p.MemCost != 0:
		if p.Algorithm != "" && !strings.EqualFold(p.Algorithm, "scrypt") {
			return h, usagef("--params: only Firebase's SCRYPT algorithm takes project parameters")
		}
		h, err = passwords.FromFirebase(value, p.Salt, passwords.FirebaseParams{
			SignerKey: p.SignerKey, SaltSeparator: p.SaltSeparator, Rounds: p.Rounds, MemCost: p.MemCost})
	case p.Format == "kratos":
		h, err = passwords.ParseKratos(value)
	case p.Format != "":
		return h, usagef("--params: format must be kratos")
	default:
		h, err = passwords.Identify(value)
	}
	if err != nil {
		return h, fmt.Errorf("read hash: %w", err)
	}
	return h, nil
}

// describeHash prints what identify shows: algorithm, parameters, class and
// targets. It never prints the salt, key or digest, only their lengths.
func describeHash(w io.Writer, h passwords.Hash) {
	fmt.Fprintf(w, "algorithm  %s\n", h.Name())
	fmt.Fprintf(w, "format     %s\n", h.Format)
	if ps := hashParamsText(h); ps != "" {
		fmt.Fprintf(w, "params     %s\n", ps)
	}
	class := passwords.Classify(h)
	var what string
	switch {
	case class == passwords.Slow:
		what = "counted as unverifiable by breached-password screening"
	case func() bool { _, _, ok := h.BreachKey(); return ok }():
		what = "looked up directly in a breached-password corpus"
	default:
		what = "audited against common passwords by screening (--audit-list)"
	}
	fmt.Fprintf(w, "class      %s: %s\n", class, what)
	if err := h.CheckLimits(passwords.Limits{}); err != nil {
		fmt.Fprintf(w, "limits     not verifiable within ferry's limits: %v\n", err)
	} else {
		fmt.Fprintln(w, "limits     within ferry's limits")
	}
	fmt.Fprintf(w, "converts   %s\n", strings.Join(targets(h), ", "))
}

// hashParamsText lists h's cost parameters and the lengths of its secrets.
func hashParamsText(h passwords.Hash) string {
	var ps []string
	add := func(name string, v int64) {
		if v != 0 {
			ps = append(ps, fmt.Sprintf("%s=%d", name, v))
		}
	}
	if h.Variant != "" {
		ps = append(ps, "variant="+h.Variant)
	}
	if h.Digest != "" {
		ps = append(ps, "digest="+string(h.Digest))
	}
	add("cost", int64(h.Cost))
	add("iterations", int64(h.Iterations))
	add("memory_kib", int64(h.Memory))
	add("parallelism", int64(h.Parallelism))
	add("version", int64(h.Version))
	add("N", int64(h.N))
	add("r", int64(h.BlockSize))
	add("keylen", int64(h.KeyLen))
	if len(h.Salt) > 0 {
		s := fmt.Sprintf("salt=%d bytes", len(h.Salt))
		if h.SaltPosition != "" {
			s += " (" + string(h.SaltPosition) + ")"
		}
		ps = append(ps, s)
	}
	if h.Template != "" {
		ps = append(ps, "template="+h.Template)
	}
	add("key_bytes", int64(len(h.Key)))
	add("salt_separator_bytes", int64(len(h.SaltSeparator)))
	if h.PasswordEncoding != "" {
		ps = append(ps, "password_encoding="+string(h.PasswordEncoding))
	}
	return strings.Join(ps, " ")
}

// targets names the representations h converts to.
func targets(h passwords.Hash) []string {
	var out []string
	try := func(name string, err error) {
		if err == nil {
			out = append(out, name)
		}
	}
	_, _, err := passwords.ToAuth0(h)
	try("auth0", err)
	_, err = passwords.ToPHC(h)
	try("phc", err)
	_, err = passwords.ToMCF(h)
	try("mcf", err)
	_, err = passwords.ToKeycloak(h)
	try("keycloak", err)
	_, err = passwords.ToOkta(h)
	try("okta", err)
	_, err = passwords.ToKratos(h)
	try("kratos", err)
	_, err = passwords.ToDjango(h)
	try("django", err)
	_, err = passwords.ToLDAP(h)
	try("ldap", err)
	_, _, _, err = passwords.ToFirebase(h)
	try("firebase", err)
	if len(out) == 0 {
		return []string{"(none)"}
	}
	return out
}

func (a *app) indexCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "index",
		Short: "Build or inspect a breached-password index",
	}
	var out, kind, input, tmp string
	var bits, minCount int
	var exact bool
	build := &cobra.Command{
		Use:   "build SRC --out FILE",
		Short: "Build a breached-password index from the Have I Been Pwned corpus or a blocklist",
		Long: `Build reads SRC — the Have I Been Pwned downloader's output (one file of HASH:COUNT lines, or
a directory of per-prefix files of SUFFIX:COUNT lines) or a plain blocklist, one password a
line — and writes a binary fuse filter index to --out, for --breached-index and
'ferry passwords check'. --kind must match the corpus (sha1 or ntlm; a blocklist is hashed
as --kind says). --bits 8 gives ~0.4 % false positives at ~9 bits a key, --bits 16
~0.0015 % at ~18; --exact adds 8 bytes a key that confirm every hit. Memory stays bounded
whatever the corpus size: the build goes shard by shard.`,
		Example: `  ferry passwords index build pwnedpasswords/ --out sha1.bix
  ferry passwords index build pwned-ntlm.txt --kind ntlm --bits 16 --out ntlm.bix
  ferry passwords index build blocklist.txt --exact --out blocklist.bix`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usagef("index build needs --out FILE")
			}
			k, err := breach.ParseKind(kind)
			if err != nil {
				return usagef("--kind must be sha1 or ntlm")
			}
			if bits != 8 && bits != 16 {
				return usagef("--bits must be 8 or 16")
			}
			var in breach.InputFormat
			switch input {
			case "auto":
				in = breach.InputAuto
			case "hibp":
				in = breach.InputHIBP
			case "plain":
				in = breach.InputPlain
			default:
				return usagef("--input must be auto, hibp or plain")
			}
			st, err := breach.Build(cmd.Context(), args[0], out, breach.BuildOptions{
				Kind: k, Input: in, FingerprintBits: bits, Exact: exact, MinCount: minCount, TempDir: tmp})
			if err != nil {
				return fmt.Errorf("index build: %w", err)
			}
			ex := ""
			if exact {
				ex = ", exact"
			}
			fmt.Fprintf(a.stdout, "%s: %d keys (%s, %d-bit%s) from %d lines, %d shards, %d bytes, %s\n",
				out, st.Keys, k, bits, ex, st.Lines, st.Shards, st.Bytes, st.Elapsed.Round(time.Millisecond))
			return nil
		},
	}
	f := build.Flags()
	f.StringVar(&out, "out", "", "index file to write")
	f.StringVar(&kind, "kind", "sha1", "digest the corpus is keyed by: sha1 or ntlm")
	f.IntVar(&bits, "bits", 8, "fingerprint bits: 8 or 16")
	f.BoolVar(&exact, "exact", false, "add the exact tier that confirms filter hits")
	f.IntVar(&minCount, "min-count", 0, "skip corpus entries seen fewer times")
	f.StringVar(&input, "input", "auto", "input format: auto, hibp or plain")
	f.StringVar(&tmp, "temp-dir", "", "directory for the scatter files of unsorted input (default: beside --out)")

	var verify bool
	info := &cobra.Command{
		Use:   "info FILE",
		Short: "Print an index's kind, size and accuracy (--verify checks every checksum)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ix, err := breach.Open(args[0])
			if err != nil {
				return err
			}
			defer ix.Close()
			fmt.Fprintf(a.stdout, "kind     %s\nkeys     %d\nbits     %d\nexact    %t\n", ix.Kind(), ix.Len(), ix.FingerprintBits(), ix.Exact())
			if verify {
				if err := ix.Verify(); err != nil {
					return err
				}
				fmt.Fprintln(a.stdout, "checksum ok")
			}
			return nil
		},
	}
	info.Flags().BoolVar(&verify, "verify", false, "read every shard and check its checksum")
	cmd.AddCommand(build, info)
	return cmd
}

func (a *app) checkCommand() *cobra.Command {
	var indexes []string
	var api string
	cmd := &cobra.Command{
		Use:   "check --index FILE | --api URL",
		Short: "Look passwords from standard input up; print the line numbers of breached ones",
		Long: `Check reads candidate passwords from standard input, one a line, and looks each up in the
indexes (--index, once per kind) or the range API (--api; only five hex digits of each
SHA-1 leave the machine). It prints the line number of every breached password — never the
password — and a count, and exits 3 when any is breached, 0 when none is.`,
		Example: `  ferry passwords check --index sha1.bix < candidates.txt
  ferry passwords check --api https://api.pwnedpasswords.com < candidates.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(indexes) == 0 && api == "" {
				return usagef("check needs --index FILE or --api URL")
			}
			var ixs []*breach.Index
			for _, p := range indexes {
				ix, err := breach.Open(p)
				if err != nil {
					return usagef("--index %s: %v", p, err)
				}
				defer ix.Close()
				ixs = append(ixs, ix)
			}
			var client *breach.Client
			if api != "" {
				u, err := url.Parse(api)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					return usagef("--api must be an http(s) URL, like %s", breach.DefaultBaseURL)
				}
				client = &breach.Client{BaseURL: api}
			}
			return a.check(cmd.Context(), ixs, client)
		},
	}
	cmd.Flags().StringArrayVar(&indexes, "index", nil, "breach index to look passwords up in (repeat for SHA-1 and NTLM)")
	cmd.Flags().StringVar(&api, "api", "", "Pwned Passwords range API to ask")
	return cmd
}

// checkChunk is how many lines check looks up at a time.
const checkChunk = 256

// check looks up stdin's lines, chunk by chunk, printing hits in order.
func (a *app) check(ctx context.Context, ixs []*breach.Index, client *breach.Client) error {
	sc := bufio.NewScanner(a.stdin)
	sc.Buffer(make([]byte, 0, 64<<10), maxSecret)
	var line, checked, hits int64
	lines := make([][]byte, 0, checkChunk)
	nums := make([]int64, 0, checkChunk)
	counts := make([]int64, checkChunk)
	flush := func() error {
		clear(counts)
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(8)
		for i, pw := range lines {
			if slices.ContainsFunc(ixs, func(ix *breach.Index) bool { return ix.ContainsPassword(pw) }) {
				counts[i] = -1 // found locally; the count is unknown
				continue
			}
			if client != nil {
				g.Go(func() error {
					n, err := client.CountPassword(gctx, breach.SHA1, pw)
					counts[i] = n
					return err
				})
			}
		}
		if err := g.Wait(); err != nil {
			return fmt.Errorf("check: %w", err)
		}
		for i, n := range counts[:len(lines)] {
			checked++
			switch {
			case n < 0:
				hits++
				fmt.Fprintf(a.stdout, "line %d: breached\n", nums[i])
			case n > 0:
				hits++
				fmt.Fprintf(a.stdout, "line %d: breached, seen %d times\n", nums[i], n)
			}
		}
		for _, l := range lines {
			clear(l)
		}
		lines, nums = lines[:0], nums[:0]
		return nil
	}
	for sc.Scan() {
		line++
		pw := bytes.TrimSuffix(sc.Bytes(), []byte("\r"))
		if len(pw) == 0 {
			continue
		}
		lines = append(lines, bytes.Clone(pw))
		nums = append(nums, line)
		if len(lines) == checkChunk {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("check: read line %d: %w", line+1, err)
	}
	if err := flush(); err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "checked %d passwords, %d breached\n", checked, hits)
	if hits > 0 {
		return fmt.Errorf("%w: %d of %d passwords are breached", errRejects, hits, checked)
	}
	return nil
}
