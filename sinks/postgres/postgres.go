package postgres

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ferry-dev/ferry/internal/retry"
	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/sinks/internal/sqlstore"
)

var (
	_ pipeline.Sink         = (*Sink)(nil)
	_ pipeline.Checkpointer = (*Sink)(nil)
	_ pipeline.Encoding     = (*Sink)(nil)
)

// ErrClosed is returned by Write and LastCheckpoint after Close.
var ErrClosed = errors.New("postgres: store closed")

// ErrCommitsLost is returned when the database, reconnected to after a
// failure, no longer holds the last batch it acknowledged: a server crash
// with asynchronous commit. Nothing is lost for good: a resumed run starts
// after the checkpoint the database kept.
var ErrCommitsLost = errors.New("database lost acknowledged commits")

// DefaultConnection is the connection users are stored under when
// Options.Connection is empty: Auth0's default database connection.
const DefaultConnection = sqlstore.DefaultConnection

// Options configure a Sink. The zero value imports into DefaultConnection
// without upsert, retrying a failed batch 5 times.
type Options struct {
	// Connection is the database connection users are imported into; the
	// uniqueness of email and username holds per connection. Default
	// DefaultConnection.
	Connection string
	// Upsert makes a user whose email exists in the connection update the
	// stored user's upsertable attributes instead of being rejected
	// (Auth0's upsert=true).
	Upsert bool
	// Retries is how many times a batch is tried again, on a new
	// connection, after the database failed (went away, killed the
	// connection, deadlocked); default 5, negative for none.
	Retries int
	// MinBackoff and MaxBackoff bound the wait before each retry, doubled
	// from one to the next; defaults 200 ms and 10 s.
	MinBackoff, MaxBackoff time.Duration
	// SynchronousCommit makes every batch's commit wait for the server's
	// disk flush. By default the session commits asynchronously (the
	// server flushes within a fraction of a second) and Close waits for
	// the flush: a server crash mid-run can then lose the last batches
	// it acknowledged, together with their checkpoint; the sink notices
	// on reconnecting (ErrCommitsLost) and a resumed run redoes them.
	SynchronousCommit bool
	// Sessions is how many database sessions copy a batch of new users
	// at once: the batch is cut into that many parts, each COPYed on its
	// own connection, so that the server's index maintenance — most of
	// an import's time — runs on as many of its cores. Default 2; 1 uses
	// one connection. The parts on the extra sessions commit just before
	// the batch's own transaction, which holds the checkpoint: a failure
	// between the two leaves those users stored ahead of their
	// checkpoint, and the batch, written again on retry or resume, finds
	// them identical (unchanged). Nothing is lost or doubled. When the
	// server refuses another connection (too many clients, a role's
	// connection limit), the sink logs it and goes on with the sessions
	// it has.
	Sessions int
	// Logger receives retries and reconnections (never record content).
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Connection == "" {
		o.Connection = DefaultConnection
	}
	o.Retries, o.MinBackoff, o.MaxBackoff = retry.Defaults(o.Retries, o.MinBackoff, o.MaxBackoff)
	if o.Sessions <= 0 {
		o.Sessions = 2
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Sink writes batches into a PostgreSQL store, one transaction per batch
// with the batch's checkpoint in the same transaction. Its methods may be
// called from several goroutines; writes are serialised on one connection.
type Sink struct {
	name string // the location without its password
	cfg  *pgx.ConnConfig
	opts Options

	mu      sync.Mutex
	conn    *pgx.Conn // nil after a failure, until the next attempt reconnects
	closed  bool
	enc     sqlstore.Encoder
	workers *sqlstore.BatchEncoder // enc's settings, for the pipeline's workers
	plan    *sqlstore.Plan
	copyBuf []byte
	// extra are the sessions beyond conn that copy parts of a batch of
	// new users (Options.Sessions), each nil until needed or after a
	// failure; partBufs are their COPY buffers.
	extra    []*pgx.Conn
	partBufs [][]byte
	// next is the mode the next batch starts in: direct while batches
	// meet no stored key, staged after one did, lookup while most
	// records of a batch meet stored keys (a resend, an upsert).
	next mode
	// committed is the last batch committed for each job, to notice a
	// database that lost acknowledged commits.
	committed map[string]uint64

	// beforeCommit, when set by a test, runs after the batch's statements
	// and before its commit, with the transaction's connection.
	beforeCommit func(conn *pgx.Conn)
}

// Open connects to the store named by location ("postgres://…") and brings
// its schema up to date.
func Open(ctx context.Context, location string, opts Options) (*Sink, error) {
	cfg, err := ParseLocation(location)
	if err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	if n := len([]rune(opts.Connection)); n > sqlstore.MaxConnection {
		return nil, fmt.Errorf("postgres: connection name longer than %d characters", sqlstore.MaxConnection)
	}
	s := &Sink{
		name:      Redact(location),
		cfg:       cfg,
		opts:      opts,
		enc:       sqlstore.Encoder{Connection: opts.Connection, Encoding: sqlstore.Binary, RejectNUL: true},
		plan:      sqlstore.NewPlan(opts.Connection, opts.Upsert),
		next:      direct,
		committed: map[string]uint64{},
		extra:     make([]*pgx.Conn, opts.Sessions-1),
		partBufs:  make([][]byte, opts.Sessions-1),
	}
	s.workers = s.enc.Batches()
	conn, err := connect(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open %s: %w", s.name, err)
	}
	if err := Migrate(ctx, conn); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	if err := s.prepare(ctx, conn, true); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("postgres: open %s: %w", s.name, err)
	}
	s.conn = conn
	return s, nil
}

// connect opens a connection with a bounded wait.
func connect(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, error) {
	c := cfg.Copy()
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = 10 * time.Second
	}
	return pgx.ConnectConfig(ctx, c)
}

// Name returns the store's location without its password.
func (s *Sink) Name() string { return s.name }

// Encoder returns the encoder that turns batches into rows on the
// pipeline's workers, so that Write, which the database waits on, only
// slices them.
func (s *Sink) Encoder() pipeline.Encoder { return s.workers }

// Connection returns the connection users are imported into.
func (s *Sink) Connection() string { return s.opts.Connection }

// columns is the users table's column list.
var columns = strings.Join(sqlstore.Columns(), ", ")

// stageColumns are the staging table's columns: the record's position in
// the batch, whether it takes the bulk insert, and the users columns with
// their types, JSON as text so that COPY never fails on a value.
var stageColumns = func() string {
	var b strings.Builder
	b.WriteString("ord int4 NOT NULL, fast bool NOT NULL")
	for c := range sqlstore.NumCols {
		b.WriteString(", ")
		b.WriteString(sqlstore.ColumnName(c))
		switch sqlstore.ColumnKind(c) {
		case sqlstore.KindBool:
			b.WriteString(" bool")
		case sqlstore.KindTime:
			b.WriteString(" timestamptz")
		case sqlstore.KindInt:
			b.WriteString(" int8")
		default:
			b.WriteString(" text")
		}
	}
	return b.String()
}()

// fromStage selects the users columns from the staging table s, casting
// JSON text to json.
var fromStage = func() string {
	var b strings.Builder
	for c := range sqlstore.NumCols {
		if c > 0 {
			b.WriteString(", ")
		}
		b.WriteString("s.")
		b.WriteString(sqlstore.ColumnName(c))
		if sqlstore.ColumnKind(c) == sqlstore.KindJSON {
			b.WriteString("::json")
		}
	}
	return b.String()
}()

// setFromStage assigns the upsertable columns from the staging row s;
// merge keeps the stored value where the staged one is NULL.
func setFromStage(merge bool) string {
	var sets []string
	for _, c := range sqlstore.Upsertable {
		n := sqlstore.ColumnName(c)
		v := "s." + n
		if sqlstore.ColumnKind(c) == sqlstore.KindJSON {
			v += "::json"
		}
		if merge {
			v = "COALESCE(" + v + ", u." + n + ")"
		}
		sets = append(sets, n+" = "+v)
	}
	return strings.Join(sets, ", ")
}

// Statements of a batch.
var (
	sqlStage = "CREATE TEMP TABLE IF NOT EXISTS ferry_stage (" + stageColumns + ") ON COMMIT DELETE ROWS"
	sqlCopy  = "COPY ferry_stage (ord, fast, " + columns + ") FROM STDIN (FORMAT binary)"
	// sqlCopyUsers loads fast records straight into users.
	sqlCopyUsers = "COPY users (" + columns + ") FROM STDIN (FORMAT binary)"
	// sqlBulk inserts the fast records, skipping any that conflicts, and
	// returns the positions of the skipped ones.
	sqlBulk = "WITH ins AS (INSERT INTO users (" + columns + ") SELECT " + fromStage +
		" FROM ferry_stage s WHERE s.fast ON CONFLICT DO NOTHING RETURNING user_id)" +
		" SELECT s.ord FROM ferry_stage s WHERE s.fast AND NOT EXISTS (SELECT 1 FROM ins WHERE ins.user_id = s.user_id)"
	sqlKnown = "SELECT " + columns + " FROM users WHERE user_id = ANY($1::text[])" +
		" UNION ALL SELECT " + columns + " FROM users WHERE connection = $2 AND email = ANY($3::text[])" +
		" UNION ALL SELECT " + columns + " FROM users WHERE connection = $2 AND username = ANY($4::text[])"
	sqlInsertSome = "INSERT INTO users (" + columns + ") SELECT " + fromStage + " FROM ferry_stage s WHERE s.ord = ANY($1::int4[]) ORDER BY s.ord"
	sqlInsertOne  = "INSERT INTO users (" + columns + ") SELECT " + fromStage + " FROM ferry_stage s WHERE s.ord = $1"
	sqlUpdateAll  = "UPDATE users u SET " + setFromStage(false) + " FROM ferry_stage s WHERE s.ord < 0 AND u.user_id = s.user_id"
	sqlUpdateOne  = "UPDATE users u SET " + setFromStage(true) + " FROM ferry_stage s WHERE s.ord = $1 AND u.user_id = $2"
	sqlSaveCP     = `INSERT INTO ferry_checkpoints (job, checkpoint, updated_at) VALUES ($1, $2, now())
ON CONFLICT (job) DO UPDATE SET checkpoint = EXCLUDED.checkpoint, updated_at = EXCLUDED.updated_at`
	sqlLoadCP = "SELECT checkpoint::text FROM ferry_checkpoints WHERE job = $1"
)

// prepare readies a new connection: the session's commit mode and, for
// the main session, its staging table.
func (s *Sink) prepare(ctx context.Context, conn *pgx.Conn, staging bool) error {
	if staging {
		if _, err := conn.Exec(ctx, sqlStage); err != nil {
			return fmt.Errorf("create staging table: %w", err)
		}
	}
	if !s.opts.SynchronousCommit {
		if _, err := conn.Exec(ctx, "SET synchronous_commit = off"); err != nil {
			return fmt.Errorf("set asynchronous commit: %w", err)
		}
	}
	return nil
}

// flush waits until the server has flushed every commit of the session to
// disk: one synchronous commit that writes, after the asynchronous ones,
// flushes them all.
func (s *Sink) flush(ctx context.Context) error {
	if s.opts.SynchronousCommit || len(s.committed) == 0 || s.conn == nil {
		return nil
	}
	if _, err := s.conn.Exec(ctx, "SET synchronous_commit = on"); err != nil {
		return err
	}
	for job := range s.committed {
		if _, err := s.conn.Exec(ctx, "UPDATE ferry_checkpoints SET updated_at = now() WHERE job = $1", job); err != nil {
			return err
		}
		break
	}
	_, err := s.conn.Exec(ctx, "SET synchronous_commit = off")
	return err
}

// Write stores b's records and b.Checkpoint in one transaction.
//
// A record whose user_id, email or username is taken (in the store or by an
// earlier record of the batch) moves to b.Rejects with DUPLICATED_USER,
// CONFLICT_EMAIL or CONFLICT_USERNAME, and the rest of the batch is written;
// a record another constraint of the database refuses moves to b.Rejects
// with CONFLICT (FORMAT for a value it cannot hold). With Options.Upsert a
// record whose email matches updates that user's upsertable attributes. A
// record identical to the stored user of the same user_id counts as
// unchanged, so resending a batch is harmless.
//
// When the database fails, the batch is tried again on a new connection
// (Options.Retries); on an error nothing of the batch is stored and b is
// left as it was.
func (s *Sink) Write(ctx context.Context, b *pipeline.Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("postgres: write batch %d: %w", b.Seq, err)
	}
	// Work on a copy; once an attempt has settled the rejects and written
	// them (PrepareCommit), later attempts continue from it.
	work := *b
	err := s.retrying(ctx, "batch failed", "batch", b.Seq).Do(ctx, func() error {
		done, err := s.attempt(ctx, &work)
		if err == nil {
			*b = done
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: write batch %d: %w", b.Seq, err)
	}
	return nil
}

// retrying is how the store retries what failed on its connection: on a
// new connection, after a wait, logging what failed with attrs.
func (s *Sink) retrying(ctx context.Context, what string, attrs ...any) retry.Policy {
	return retry.Policy{
		Retries: s.opts.Retries, Min: s.opts.MinBackoff, Max: s.opts.MaxBackoff,
		Retryable: Retryable,
		Reset:     func() { s.drop(ctx) },
		Warn: func(attempt int, wait time.Duration, err error) {
			s.opts.Logger.Warn("postgres: "+what+", retrying",
				append([]any{"store", s.name}, append(attrs, "attempt", attempt, "wait", wait, "error", err)...)...)
		},
	}
}

// drop closes the connections after a failure; the next attempt
// reconnects.
func (s *Sink) drop(ctx context.Context) {
	closeConn(ctx, &s.conn)
	for j := range s.extra {
		closeConn(ctx, &s.extra[j])
	}
}

// closeConn closes *c, if open, with a bounded wait and forgets it.
func closeConn(ctx context.Context, c **pgx.Conn) {
	if *c == nil {
		return
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	(*c).Close(cctx)
	cancel()
	*c = nil
}

// mode is how a write takes a batch.
type mode uint8

const (
	// direct COPYs the fast records straight into users: the fastest
	// way, for batches that meet no stored key (a fresh import).
	direct mode = iota
	// staged COPYs the batch into the staging table and inserts its fast
	// records with INSERT … ON CONFLICT DO NOTHING, which skips the
	// conflicting ones; those are then decided record by record.
	staged
	// lookup skips the bulk insert, which would skip most records
	// anyway: every record is decided against the stored rows it shares
	// a key with.
	lookup
	// careful takes every record one at a time, each in a savepoint, so
	// that a record the database refuses is rejected alone.
	careful
)

// attempt writes the batch once: directly or staged, or record by record
// when the database refused a value.
func (s *Sink) attempt(ctx context.Context, work *pipeline.Batch) (pipeline.Batch, error) {
	if s.conn == nil {
		if err := s.reconnect(ctx); err != nil {
			return pipeline.Batch{}, fmt.Errorf("reconnect: %w", err)
		}
		if err := s.checkCommits(ctx, work.Checkpoint.Job); err != nil {
			return pipeline.Batch{}, err
		}
	}
	m := s.next
	done, err := s.write(ctx, work, m)
	if m == direct && isUnique(err) {
		// The batch meets stored keys: stage it, and stage the next
		// ones until a batch meets none again.
		s.next = staged
		done, err = s.write(ctx, work, staged)
	}
	if _, ok := recordError(err); ok {
		s.opts.Logger.Info("postgres: batch refused a value, writing it record by record", "store", s.name, "batch", work.Seq)
		done, err = s.write(ctx, work, careful)
	}
	return done, err
}

// checkCommits makes sure that the database still holds the last batch
// this sink committed for job. With asynchronous commit a server that
// crashed may have lost the last commits it acknowledged; the run cannot
// go on (its source is past them), but a resumed run continues from the
// checkpoint the database kept, which was lost with its batch.
func (s *Sink) checkCommits(ctx context.Context, job string) error {
	want, ok := s.committed[job]
	if !ok {
		return nil
	}
	var seq int64 = -1
	err := s.conn.QueryRow(ctx, "SELECT (checkpoint->>'seq')::bigint FROM ferry_checkpoints WHERE job = $1", job).Scan(&seq)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("check committed batches: %w", err)
	}
	if seq < int64(want) {
		return permanent{fmt.Errorf("%w: job %q: batch %d was committed, the database holds up to %d; rerun with --resume",
			ErrCommitsLost, job, want, seq)}
	}
	return nil
}

// write runs the batch's transaction in mode m.
func (s *Sink) write(ctx context.Context, work *pipeline.Batch, m mode) (_ pipeline.Batch, err error) {
	p := s.plan
	if err := p.Encode(&s.enc, work); err != nil {
		return pipeline.Batch{}, permanent{err}
	}
	nfast := p.Classify()
	if m == careful || m == lookup {
		p.SkipAllFast()
		nfast = 0
	}
	// Read committed (whatever the server's default): the statements
	// after a parallel copy must see the parts the other sessions
	// committed.
	tx, err := s.conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return pipeline.Batch{}, fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if m == direct && nfast > 0 {
		if err := s.copyFast(ctx, tx, nfast); err != nil {
			return pipeline.Batch{}, err
		}
		p.InsertFast()
		nfast = 0
	}
	if nfast > 0 || p.Count(sqlstore.Pending) > 0 {
		if err := s.copyRows(ctx, tx, sqlCopy, true, func(yield func(ord int32, fast bool, r *sqlstore.Row)) {
			for i := range p.Rows {
				if o := p.Outcomes[i]; o == sqlstore.Fast || o == sqlstore.Pending {
					yield(int32(i), o == sqlstore.Fast, &p.Rows[i])
				}
			}
		}); err != nil {
			return pipeline.Batch{}, err
		}
	}
	if nfast > 0 {
		skipped, err := s.bulkInsert(ctx, tx)
		if err != nil {
			return pipeline.Batch{}, err
		}
		switch {
		case skipped == 0:
			s.next = direct // a batch met no stored key: try the next directly
		case skipped > nfast/2:
			s.next = lookup // most records met stored keys: look them all up
		}
	}
	if p.Count(sqlstore.Pending) > 0 {
		if err := s.know(ctx, tx); err != nil {
			return pipeline.Batch{}, err
		}
		if m == careful {
			err = s.decideCarefully(ctx, tx)
		} else {
			err = s.decide(ctx, tx)
		}
		if err != nil {
			return pipeline.Batch{}, err
		}
		if m == lookup && p.Count(sqlstore.Inserted) > len(p.Rows)/2 {
			s.next = staged // most records were new again
		}
	}
	done, err := p.Settle(work)
	if err != nil {
		return pipeline.Batch{}, permanent{err}
	}
	sqlstore.TallyPlaintext(&done)
	cp, err := done.PrepareCommit()
	if err != nil {
		return pipeline.Batch{}, permanent{err}
	}
	*work = done // the rejects are written: a retry continues from here
	text, err := json.Marshal(&cp)
	if err != nil {
		return pipeline.Batch{}, permanent{fmt.Errorf("encode checkpoint: %w", err)}
	}
	if _, err := tx.Exec(ctx, sqlSaveCP, cp.Job, string(text)); err != nil {
		return pipeline.Batch{}, fmt.Errorf("save checkpoint: %w", err)
	}
	if s.beforeCommit != nil {
		s.beforeCommit(s.conn)
	}
	if err := tx.Commit(ctx); err != nil {
		if cerr := ctx.Err(); cerr != nil {
			// A cancelled context rolls the transaction back under the
			// driver; report the cancellation, not the closed transaction.
			return pipeline.Batch{}, fmt.Errorf("commit: %w: %w", cerr, err)
		}
		return pipeline.Batch{}, fmt.Errorf("commit: %w", err)
	}
	s.committed[cp.Job] = cp.Seq
	done.Checkpoint = cp
	return done, nil
}

// bulkInsert inserts the fast records with one statement that skips the
// conflicting ones, which become pending, and returns how many it skipped.
func (s *Sink) bulkInsert(ctx context.Context, tx pgx.Tx) (int, error) {
	rows, err := tx.Query(ctx, sqlBulk)
	if err != nil {
		return 0, fmt.Errorf("insert: %w", err)
	}
	var skipped []int32
	for rows.Next() {
		var ord int32
		if err := rows.Scan(&ord); err != nil {
			rows.Close()
			return 0, fmt.Errorf("insert: %w", err)
		}
		skipped = append(skipped, ord)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("insert: %w", err)
	}
	for _, i := range skipped {
		s.plan.Skip(int(i))
	}
	s.plan.InsertFast()
	return len(skipped), nil
}

// know loads into the plan every stored row that shares a key with a
// pending record.
func (s *Sink) know(ctx context.Context, tx pgx.Tx) error {
	ids, emails, names := s.plan.Keys(sqlstore.Pending)
	rows, err := tx.Query(ctx, sqlKnown, pgx.QueryResultFormats{pgx.BinaryFormatCode}, ids, s.opts.Connection, emails, names)
	if err != nil {
		return fmt.Errorf("look up stored users: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		vals := rows.RawValues()
		if len(vals) != sqlstore.NumCols {
			return permanent{fmt.Errorf("look up stored users: %d columns", len(vals))}
		}
		var r sqlstore.Row
		copy(r[:], vals)
		s.plan.Know(r.Clone())
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("look up stored users: %w", err)
	}
	return nil
}

// decide settles the pending records in order and applies the outcome with
// one insert and one update.
func (s *Sink) decide(ctx context.Context, tx pgx.Tx) error {
	p := s.plan
	p.DecideAll()
	if ins := p.Inserts(); len(ins) > 0 {
		ords := make([]int32, len(ins))
		for k, i := range ins {
			ords[k] = int32(i)
		}
		if _, err := tx.Exec(ctx, sqlInsertSome, ords); err != nil {
			return fmt.Errorf("insert %d records: %w", len(ords), err)
		}
	}
	if ups := p.Updates(); len(ups) > 0 {
		if err := s.copyRows(ctx, tx, sqlCopy, true, func(yield func(ord int32, fast bool, r *sqlstore.Row)) {
			for k := range ups {
				yield(int32(-1-k), false, &ups[k])
			}
		}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, sqlUpdateAll); err != nil {
			return fmt.Errorf("update %d users: %w", len(ups), err)
		}
	}
	return nil
}

// decideCarefully settles the pending records in order, each insert or
// update in its own savepoint: a record the database refuses is rejected
// with the constraint's code and the others are written.
func (s *Sink) decideCarefully(ctx context.Context, tx pgx.Tx) error {
	p := s.plan
	for i, o := range p.Outcomes {
		if o != sqlstore.Pending {
			continue
		}
		ch := p.Decide(i)
		var stmt string
		var args []any
		switch ch.Outcome {
		case sqlstore.Inserted:
			stmt, args = sqlInsertOne, []any{int32(i)}
		case sqlstore.Updated:
			stmt, args = sqlUpdateOne, []any{int32(i), string(ch.Merged[sqlstore.ColUserID])}
		default:
			p.Apply(i, ch)
			continue
		}
		sp, err := tx.Begin(ctx)
		if err != nil {
			return fmt.Errorf("savepoint: %w", err)
		}
		if _, err := sp.Exec(ctx, stmt, args...); err != nil {
			pe, ok := recordError(err)
			if !ok {
				return fmt.Errorf("write record %d: %w", i, err)
			}
			if err := sp.Rollback(ctx); err != nil {
				return fmt.Errorf("roll back to savepoint: %w", err)
			}
			code, path, msg := refusal(pe)
			p.Reject(i, code, path, msg)
			continue
		}
		if err := sp.Commit(ctx); err != nil {
			return fmt.Errorf("release savepoint: %w", err)
		}
		p.Apply(i, ch)
	}
	return nil
}

// copyRows streams rows with one binary COPY: into the staging table with
// each row's position and fast flag (staging), or into users.
func (s *Sink) copyRows(ctx context.Context, tx pgx.Tx, stmt string, staging bool, each func(yield func(ord int32, fast bool, r *sqlstore.Row))) error {
	buf, n := appendCopy(s.copyBuf[:0], staging, each)
	s.copyBuf = buf
	return sendCopy(ctx, tx.Conn(), stmt, buf, n)
}

// appendCopy appends to buf the rows each yields in COPY's binary format,
// and returns it with the number of rows.
func appendCopy(buf []byte, staging bool, each func(yield func(ord int32, fast bool, r *sqlstore.Row))) ([]byte, int) {
	buf = append(buf, "PGCOPY\n\xff\r\n\x00"...)
	buf = binary.BigEndian.AppendUint32(buf, 0) // flags
	buf = binary.BigEndian.AppendUint32(buf, 0) // header extension
	n := 0
	each(func(ord int32, fast bool, r *sqlstore.Row) {
		n++
		if staging {
			buf = binary.BigEndian.AppendUint16(buf, 2+sqlstore.NumCols)
			buf = binary.BigEndian.AppendUint32(buf, 4)
			buf = binary.BigEndian.AppendUint32(buf, uint32(ord))
			buf = binary.BigEndian.AppendUint32(buf, 1)
			if fast {
				buf = append(buf, 1)
			} else {
				buf = append(buf, 0)
			}
		} else {
			buf = binary.BigEndian.AppendUint16(buf, sqlstore.NumCols)
		}
		for _, v := range r {
			if v == nil {
				buf = binary.BigEndian.AppendUint32(buf, 0xffffffff)
				continue
			}
			buf = binary.BigEndian.AppendUint32(buf, uint32(len(v)))
			buf = append(buf, v...)
		}
	})
	return binary.BigEndian.AppendUint16(buf, 0xffff), n
}

// sendCopy runs stmt, a COPY FROM STDIN, on conn with data, n rows in
// binary format; nothing when n is 0.
func sendCopy(ctx context.Context, conn *pgx.Conn, stmt string, data []byte, n int) error {
	if n == 0 {
		return nil
	}
	if _, err := conn.PgConn().CopyFrom(ctx, bytes.NewReader(data), stmt); err != nil {
		return fmt.Errorf("copy %d rows: %w", n, err)
	}
	return nil
}

// minPart is the fewest new users a part of a parallel copy holds: below
// it, the round trips of another transaction cost more than they save.
const minPart = 256

// fastRows yields the fast records among p.Rows[lo:hi].
func fastRows(p *sqlstore.Plan, lo, hi int) func(yield func(ord int32, fast bool, r *sqlstore.Row)) {
	return func(yield func(ord int32, fast bool, r *sqlstore.Row)) {
		for i := lo; i < hi; i++ {
			if p.Outcomes[i] == sqlstore.Fast {
				yield(int32(i), true, &p.Rows[i])
			}
		}
	}
}

// copyFast COPYs the plan's nfast fast records straight into users. When
// there are enough of them and Options.Sessions allows, they are cut into
// parts copied at the same time: the first on tx, the others each in a
// transaction of an extra session, committed when every part is in. Fast
// records share no key with each other, so the parts never wait on each
// other's locks. Should any part fail, none is committed and the first
// unique violation, if any, is returned, so that the caller stages the
// batch. A failure after some parts committed is retried like any other:
// the batch written again finds their users stored and identical.
func (s *Sink) copyFast(ctx context.Context, tx pgx.Tx, nfast int) error {
	p := s.plan
	parts := min(len(s.extra)+1, nfast/minPart)
	if parts <= 1 {
		return s.copyRows(ctx, tx, sqlCopyUsers, false, fastRows(p, 0, len(p.Rows)))
	}
	// bounds[j]:bounds[j+1] holds part j's share of the fast records.
	bounds := make([]int, parts+1)
	bounds[parts] = len(p.Rows)
	seen, j := 0, 1
	for i, o := range p.Outcomes {
		if j < parts && seen == j*nfast/parts {
			bounds[j] = i
			j++
		}
		if o == sqlstore.Fast {
			seen++
		}
	}
	for j := range parts - 1 {
		if s.extra[j] != nil {
			continue
		}
		conn, err := connect(ctx, s.cfg)
		if err == nil {
			if err = s.prepare(ctx, conn, false); err != nil {
				conn.Close(context.WithoutCancel(ctx))
			}
		}
		if err != nil {
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || !strings.HasPrefix(pe.Code, "53") {
				return fmt.Errorf("connect session %d: %w", j+2, err)
			}
			// The server allows no more connections (to this role): go
			// on with the sessions there are rather than fail the run.
			s.opts.Logger.Warn("postgres: cannot open another session, copying over fewer", "store", s.name,
				"sessions", j+1, "error", err)
			s.extra = s.extra[:j]
			return s.copyFast(ctx, tx, nfast)
		}
		s.extra[j] = conn
	}
	txs := make([]pgx.Tx, parts-1)
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for j := 1; j < parts; j++ {
		wg.Go(func() {
			conn := s.extra[j-1]
			t, err := conn.Begin(ctx)
			if err != nil {
				errs[j] = fmt.Errorf("session %d: begin: %w", j+1, err)
				return
			}
			txs[j-1] = t
			buf, n := appendCopy(s.partBufs[j-1][:0], false, fastRows(p, bounds[j], bounds[j+1]))
			s.partBufs[j-1] = buf
			if err := sendCopy(ctx, conn, sqlCopyUsers, buf, n); err != nil {
				errs[j] = fmt.Errorf("session %d: %w", j+1, err)
			}
		})
	}
	errs[0] = s.copyRows(ctx, tx, sqlCopyUsers, false, fastRows(p, bounds[0], bounds[1]))
	wg.Wait()
	var err error
	for _, e := range errs {
		if e != nil && (err == nil || isUnique(e) && !isUnique(err)) {
			err = e
		}
	}
	for j, t := range txs {
		if err == nil {
			if cerr := t.Commit(ctx); cerr != nil {
				err = fmt.Errorf("session %d: commit: %w", j+2, cerr)
				closeConn(ctx, &s.extra[j])
			}
			continue
		}
		// A session whose part failed other than on a unique key, or
		// whose rollback failed, is in an unknown state: start afresh.
		broken := errs[j+1] != nil && !isUnique(errs[j+1])
		if t != nil && t.Rollback(context.WithoutCancel(ctx)) != nil {
			broken = true
		}
		if broken {
			closeConn(ctx, &s.extra[j])
		}
	}
	return err
}

// LastCheckpoint returns the checkpoint last committed for job, or nil.
func (s *Sink) LastCheckpoint(ctx context.Context, job string) (*pipeline.Checkpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	var text string
	found := true
	err := s.retrying(ctx, "loading the checkpoint failed", "job", job).Do(ctx, func() error {
		if s.conn == nil {
			if err := s.reconnect(ctx); err != nil {
				return fmt.Errorf("reconnect: %w", err)
			}
		}
		err := s.conn.QueryRow(ctx, sqlLoadCP, job).Scan(&text)
		if errors.Is(err, pgx.ErrNoRows) {
			found = false
			return nil
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: load checkpoint: %w", err)
	}
	if !found {
		return nil, nil
	}
	var cp pipeline.Checkpoint
	if err := json.Unmarshal([]byte(text), &cp); err != nil {
		return nil, fmt.Errorf("postgres: load checkpoint: %w: %w", sqlstore.ErrCorrupt, err)
	}
	return &cp, nil
}

func (s *Sink) reconnect(ctx context.Context) error {
	conn, err := connect(ctx, s.cfg)
	if err != nil {
		return err
	}
	if err := s.prepare(ctx, conn, true); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return err
	}
	s.conn = conn
	return nil
}

// Close waits until the server has flushed the batches committed
// asynchronously (see Options.SynchronousCommit) and releases the
// connection. It is safe to call twice.
func (s *Sink) Close(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	// The flush on the main session covers the extra sessions' commits,
	// which precede its own in the server's log.
	errFlush := s.flush(cctx)
	for j := range s.extra {
		closeConn(cctx, &s.extra[j])
	}
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close(cctx)
	s.conn = nil
	if errFlush != nil {
		return fmt.Errorf("postgres: close %s: flush commits: %w", s.name, errFlush)
	}
	if err != nil {
		return fmt.Errorf("postgres: close %s: %w", s.name, err)
	}
	return nil
}
