package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"

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
var ErrClosed = errors.New("mysql: store closed")

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
	// Logger receives retries and reconnections (never record content).
	Logger *slog.Logger

	// insertOnly bulk-inserts with multi-row INSERTs rather than LOAD
	// DATA LOCAL INFILE (tests and benchmarks of that path).
	insertOnly bool
}

func (o Options) withDefaults() Options {
	if o.Connection == "" {
		o.Connection = DefaultConnection
	}
	o.Retries, o.MinBackoff, o.MaxBackoff = retry.Defaults(o.Retries, o.MinBackoff, o.MaxBackoff)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Sink writes batches into a MySQL or MariaDB store, one transaction per
// batch with the batch's checkpoint in the same transaction. Its methods
// may be called from several goroutines; writes are serialised on one
// connection.
type Sink struct {
	name string // the location without its password
	opts Options

	mu     sync.Mutex
	db     *sql.DB
	conn   *sql.Conn // nil after a failure, until the next attempt reconnects
	closed bool
	enc    sqlstore.Encoder
	// workers has enc's settings, for the pipeline's workers.
	workers *sqlstore.BatchEncoder
	plan    *sqlstore.Plan
	buf     []byte
	packet  int // the server's max_allowed_packet
	// loadData, when set, names the driver's reader handler that LOAD
	// DATA LOCAL INFILE reads the fast records from; loadBuf holds them.
	loadData string
	loadBuf  []byte
	connID   int64 // the server's id of conn, for tests that kill it
	// lookup is set after a batch met stored keys: the next batch skips
	// the bulk insert, which would be rolled back, and looks every
	// record up.
	lookup bool

	// beforeCommit, when set by a test, runs after the batch's statements
	// and before its commit.
	beforeCommit func()
}

// Open connects to the store named by location ("mysql://…") and brings
// its schema up to date.
func Open(ctx context.Context, location string, opts Options) (*Sink, error) {
	cfg, err := ParseLocation(location)
	if err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	if n := len([]rune(opts.Connection)); n > sqlstore.MaxConnection {
		return nil, fmt.Errorf("mysql: connection name longer than %d characters", sqlstore.MaxConnection)
	}
	s := &Sink{
		name: Redact(location),
		opts: opts,
		enc:  sqlstore.Encoder{Connection: opts.Connection, Encoding: sqlstore.Text},
		plan: sqlstore.NewPlan(opts.Connection, opts.Upsert),
	}
	s.workers = s.enc.Batches()
	if s.db, err = OpenDB(cfg); err != nil {
		return nil, fmt.Errorf("mysql: open %s: %w", s.name, err)
	}
	if err := s.reconnect(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("mysql: open %s: %w", s.name, err)
	}
	if err := Migrate(ctx, s.conn); err != nil {
		s.db.Close()
		return nil, err
	}
	if !opts.insertOnly {
		s.useLoadData()
	}
	return s, nil
}

// OpenDB returns a database handle for cfg (from ParseLocation) that keeps
// at most one connection open: a store's session is one connection.
func OpenDB(cfg *mysqldriver.Config) (*sql.DB, error) {
	c, err := mysqldriver.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	return db, nil
}

// reconnect takes a new connection and reads the server's packet limit.
func (s *Sink) reconnect(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	if err := conn.QueryRowContext(ctx, "SELECT @@max_allowed_packet, CONNECTION_ID()").Scan(&s.packet, &s.connID); err != nil {
		conn.Close()
		return err
	}
	s.conn = conn
	return nil
}

// drop discards a connection that failed; the next attempt reconnects.
func (s *Sink) drop() {
	if s.conn == nil {
		return
	}
	// Returning ErrBadConn from Raw makes database/sql close the
	// connection instead of pooling it.
	s.conn.Raw(func(any) error { return driver.ErrBadConn })
	s.conn.Close()
	s.conn = nil
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

var (
	sqlInsert = "INSERT INTO users (" + columns + ") VALUES "
	sqlUpsert = func() string {
		var sets []string
		for _, c := range sqlstore.Upsertable {
			n := sqlstore.ColumnName(c)
			sets = append(sets, n+" = VALUES("+n+")")
		}
		return " ON DUPLICATE KEY UPDATE " + strings.Join(sets, ", ")
	}()
	sqlSaveCP = `INSERT INTO ferry_checkpoints (job, checkpoint, updated_at) VALUES (?, ?, ?)
ON DUPLICATE KEY UPDATE checkpoint = VALUES(checkpoint), updated_at = VALUES(updated_at)`
	sqlLoadCP = "SELECT checkpoint FROM ferry_checkpoints WHERE job = ?"
)

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
		return fmt.Errorf("mysql: write batch %d: %w", b.Seq, err)
	}
	// Work on a copy; once an attempt has settled the rejects and written
	// them (PrepareCommit), later attempts continue from it.
	work := *b
	err := s.retrying("batch failed", "batch", b.Seq).Do(ctx, func() error {
		done, err := s.attempt(ctx, &work)
		if err == nil {
			*b = done
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("mysql: write batch %d: %w", b.Seq, scrub(err))
	}
	return nil
}

// retrying is how the store retries what failed on its connection: on a
// new connection, after a wait, logging what failed with attrs.
func (s *Sink) retrying(what string, attrs ...any) retry.Policy {
	return retry.Policy{
		Retries: s.opts.Retries, Min: s.opts.MinBackoff, Max: s.opts.MaxBackoff,
		Retryable: Retryable,
		Reset:     s.drop,
		Warn: func(attempt int, wait time.Duration, err error) {
			s.opts.Logger.Warn("mysql: "+what+", retrying",
				append([]any{"store", s.name}, append(attrs, "attempt", attempt, "wait", wait, "error", scrub(err))...)...)
		},
	}
}

// attempt writes the batch once: the bulk way, or record by record when the
// database refused a value.
func (s *Sink) attempt(ctx context.Context, work *pipeline.Batch) (pipeline.Batch, error) {
	if s.conn == nil {
		if err := s.reconnect(ctx); err != nil {
			return pipeline.Batch{}, fmt.Errorf("reconnect: %w", err)
		}
	}
	done, err := s.write(ctx, work, false)
	if _, ok := recordError(err); ok {
		s.opts.Logger.Info("mysql: batch refused a value, writing it record by record", "store", s.name, "batch", work.Seq)
		done, err = s.write(ctx, work, true)
	}
	return done, err
}

// write runs the batch's transaction. careful takes every record one at a
// time, each in a savepoint, so that a record the database refuses is
// rejected alone.
func (s *Sink) write(ctx context.Context, work *pipeline.Batch, careful bool) (_ pipeline.Batch, err error) {
	p := s.plan
	if err := p.Encode(&s.enc, work); err != nil {
		return pipeline.Batch{}, permanent{err}
	}
	nfast := p.Classify()
	lookup := s.lookup && !careful
	if careful || lookup {
		p.SkipAllFast()
		nfast = 0
	}
	tx, err := s.conn.BeginTx(ctx, nil)
	if err != nil {
		return pipeline.Batch{}, fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if nfast > 0 {
		if err := s.bulkInsert(ctx, tx); err != nil {
			return pipeline.Batch{}, err
		}
	}
	if p.Count(sqlstore.Pending) > 0 {
		if err := s.know(ctx, tx); err != nil {
			return pipeline.Batch{}, err
		}
		if careful {
			err = s.decideCarefully(ctx, tx)
		} else {
			err = s.decide(ctx, tx)
		}
		if err != nil {
			return pipeline.Batch{}, err
		}
		if lookup && p.Count(sqlstore.Inserted) > len(p.Rows)/2 {
			s.lookup = false // most records were new again: bulk-insert the next batch
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
	now := time.Now().UTC().Format(sqlstore.TimeLayout)
	if _, err := tx.ExecContext(ctx, sqlSaveCP, cp.Job, string(text), now); err != nil {
		return pipeline.Batch{}, fmt.Errorf("save checkpoint: %w", err)
	}
	if s.beforeCommit != nil {
		s.beforeCommit()
	}
	if err := tx.Commit(); err != nil {
		if cerr := ctx.Err(); cerr != nil {
			// A cancelled context rolls the transaction back under the
			// driver; report the cancellation, not the closed transaction.
			return pipeline.Batch{}, fmt.Errorf("commit: %w: %w", cerr, err)
		}
		return pipeline.Batch{}, fmt.Errorf("commit: %w", err)
	}
	done.Checkpoint = cp
	return done, nil
}

// bulkInsert inserts the fast records with LOAD DATA LOCAL INFILE (or
// multi-row INSERTs where the server refuses it) inside a savepoint. When
// one of them meets a stored key, the savepoint is rolled back and every
// fast record becomes pending (MySQL cannot tell which rows LOAD DATA or
// INSERT IGNORE skipped, and IGNORE would also swallow bad values); the
// next batches skip the bulk insert until one is mostly new again.
func (s *Sink) bulkInsert(ctx context.Context, tx *sql.Tx) error {
	p := s.plan
	if _, err := tx.ExecContext(ctx, "SAVEPOINT ferry_bulk"); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	fast := func(yield func(r *sqlstore.Row)) {
		for i := range p.Rows {
			if p.Outcomes[i] == sqlstore.Fast {
				yield(&p.Rows[i])
			}
		}
	}
	var err error
	if s.loadData != "" {
		err = s.load(ctx, tx, fast)
		if localRefused(err) {
			// The server (or its version) refuses LOAD DATA LOCAL: use
			// INSERTs from now on.
			s.opts.Logger.Info("mysql: LOAD DATA LOCAL INFILE refused, using INSERTs", "store", s.name)
			mysqldriver.DeregisterReaderHandler(s.loadData)
			s.loadData = ""
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT ferry_bulk"); err != nil {
				return fmt.Errorf("roll back to savepoint: %w", err)
			}
		}
	}
	if s.loadData == "" {
		err = s.insertRows(ctx, tx, "", fast)
	}
	if isDuplicate(err) {
		if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT ferry_bulk"); err != nil {
			return fmt.Errorf("roll back to savepoint: %w", err)
		}
		p.SkipAllFast()
		s.lookup = true
		return nil
	}
	if err != nil {
		return err
	}
	p.InsertFast()
	return nil
}

// insertRows runs multi-row INSERTs of the rows each yields, each statement
// within the server's packet limit, with suffix after the VALUES.
func (s *Sink) insertRows(ctx context.Context, tx *sql.Tx, suffix string, each func(yield func(r *sqlstore.Row))) error {
	limit := max(s.packet/2, 64<<10)
	buf := append(s.buf[:0], sqlInsert...)
	rows := 0
	var err error
	flush := func() {
		if rows == 0 || err != nil {
			return
		}
		buf = append(buf, suffix...)
		if _, e := tx.ExecContext(ctx, string(buf)); e != nil {
			err = fmt.Errorf("insert %d rows: %w", rows, e)
		}
		buf = append(buf[:0], sqlInsert...)
		rows = 0
	}
	each(func(r *sqlstore.Row) {
		if err != nil {
			return
		}
		if rows > 0 {
			buf = append(buf, ',')
		}
		buf = appendRow(buf, r)
		rows++
		if len(buf) >= limit {
			flush()
		}
	})
	flush()
	s.buf = buf
	return err
}

// know loads into the plan every stored row that shares a key with a
// pending record.
func (s *Sink) know(ctx context.Context, tx *sql.Tx) error {
	ids, emails, names := s.plan.Keys(sqlstore.Pending)
	var q strings.Builder
	var args []any
	branch := func(where string, pre []any, keys []string) {
		if len(keys) == 0 {
			return
		}
		if q.Len() > 0 {
			q.WriteString(" UNION ALL ")
		}
		q.WriteString("SELECT " + columns + " FROM users WHERE " + where + " IN (")
		q.WriteString(strings.TrimSuffix(strings.Repeat("?,", len(keys)), ","))
		q.WriteString(")")
		args = append(args, pre...)
		for _, k := range keys {
			args = append(args, k)
		}
	}
	branch("user_id", nil, ids)
	branch("connection = ? AND email", []any{s.opts.Connection}, emails)
	branch("connection = ? AND username", []any{s.opts.Connection}, names)
	if q.Len() == 0 {
		return nil
	}
	rows, err := tx.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return fmt.Errorf("look up stored users: %w", err)
	}
	defer rows.Close()
	vals := make([]sql.RawBytes, sqlstore.NumCols)
	dest := make([]any, sqlstore.NumCols)
	for i := range vals {
		dest[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("look up stored users: %w", err)
		}
		var r sqlstore.Row
		for i, v := range vals {
			if v != nil {
				r[i] = v
			}
		}
		s.plan.Know(r.Clone())
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("look up stored users: %w", err)
	}
	return nil
}

// decide settles the pending records in order and applies the outcome with
// multi-row statements: an INSERT of the new users and an INSERT … ON
// DUPLICATE KEY UPDATE of the upserted ones.
func (s *Sink) decide(ctx context.Context, tx *sql.Tx) error {
	p := s.plan
	p.DecideAll()
	if ins := p.Inserts(); len(ins) > 0 {
		if err := s.insertRows(ctx, tx, "", func(yield func(r *sqlstore.Row)) {
			for _, i := range ins {
				yield(&p.Rows[i])
			}
		}); err != nil {
			return err
		}
	}
	if ups := p.Updates(); len(ups) > 0 {
		if err := s.insertRows(ctx, tx, sqlUpsert, func(yield func(r *sqlstore.Row)) {
			for k := range ups {
				yield(&ups[k])
			}
		}); err != nil {
			return err
		}
	}
	return nil
}

// decideCarefully settles the pending records in order, each insert or
// update in its own savepoint: a record the database refuses is rejected
// with the constraint's code and the others are written.
func (s *Sink) decideCarefully(ctx context.Context, tx *sql.Tx) error {
	p := s.plan
	for i, o := range p.Outcomes {
		if o != sqlstore.Pending {
			continue
		}
		ch := p.Decide(i)
		var stmt []byte
		switch ch.Outcome {
		case sqlstore.Inserted:
			stmt = appendRow(append(s.buf[:0], sqlInsert...), &p.Rows[i])
		case sqlstore.Updated:
			stmt = append(s.buf[:0], "UPDATE users SET "...)
			for k, c := range sqlstore.Upsertable {
				if k > 0 {
					stmt = append(stmt, ", "...)
				}
				stmt = append(stmt, sqlstore.ColumnName(c)...)
				stmt = append(stmt, " = "...)
				stmt = appendValue(stmt, ch.Merged[c], sqlstore.ColumnKind(c))
			}
			stmt = append(stmt, " WHERE user_id = "...)
			stmt = appendValue(stmt, ch.Merged[sqlstore.ColUserID], sqlstore.KindText)
		default:
			p.Apply(i, ch)
			continue
		}
		s.buf = stmt
		if _, err := tx.ExecContext(ctx, "SAVEPOINT ferry_record"); err != nil {
			return fmt.Errorf("savepoint: %w", err)
		}
		if _, err := tx.ExecContext(ctx, string(stmt)); err != nil {
			me, ok := recordError(err)
			if !ok {
				return fmt.Errorf("write record %d: %w", i, err)
			}
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT ferry_record"); err != nil {
				return fmt.Errorf("roll back to savepoint: %w", err)
			}
			code, path, msg := refusal(me)
			p.Reject(i, code, path, msg)
			continue
		}
		if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT ferry_record"); err != nil {
			return fmt.Errorf("release savepoint: %w", err)
		}
		p.Apply(i, ch)
	}
	return nil
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
	err := s.retrying("loading the checkpoint failed", "job", job).Do(ctx, func() error {
		if s.conn == nil {
			if err := s.reconnect(ctx); err != nil {
				return fmt.Errorf("reconnect: %w", err)
			}
		}
		err := s.conn.QueryRowContext(ctx, sqlLoadCP, job).Scan(&text)
		if errors.Is(err, sql.ErrNoRows) {
			found = false
			return nil
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("mysql: load checkpoint: %w", err)
	}
	if !found {
		return nil, nil
	}
	var cp pipeline.Checkpoint
	if err := json.Unmarshal([]byte(text), &cp); err != nil {
		return nil, fmt.Errorf("mysql: load checkpoint: %w: %w", sqlstore.ErrCorrupt, err)
	}
	return &cp, nil
}

// Close releases the connection. Every successful Write is already
// committed. It is safe to call twice.
func (s *Sink) Close(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.loadData != "" {
		mysqldriver.DeregisterReaderHandler(s.loadData)
	}
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("mysql: close %s: %w", s.name, err)
	}
	return nil
}
