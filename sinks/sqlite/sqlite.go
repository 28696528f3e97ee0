package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ferry-dev/ferry/pipeline"
	"github.com/ferry-dev/ferry/profile"
	"github.com/ferry-dev/ferry/sinks/internal/sqlstore"
)

var (
	_ pipeline.Sink         = (*Sink)(nil)
	_ pipeline.Checkpointer = (*Sink)(nil)
)

// ErrClosed is returned by Write and LastCheckpoint after Close.
var ErrClosed = errors.New("sqlite: store closed")

// Defaults of Options.
const (
	DefaultCommitUsers    = 10000
	DefaultCommitInterval = 2 * time.Second
)

// Options configure a Sink. The zero value imports into DefaultConnection
// without upsert, committing about every 10,000 users.
type Options struct {
	// Connection is the database connection users are imported into; the
	// uniqueness of email and username holds per connection. Default
	// DefaultConnection.
	Connection string
	// Upsert makes a user whose email exists in the connection update the
	// stored user's upsertable attributes instead of being rejected
	// (Auth0's upsert=true).
	Upsert bool
	// CommitUsers and CommitInterval bound a transaction: Write commits
	// once the batches written since the last commit hold CommitUsers
	// records or the transaction is CommitInterval old (checked at the
	// end of each Write; LastCheckpoint and Close commit too). Whole batches
	// commit together with the checkpoint of the last one (see "Commits"
	// in the package documentation). CommitUsers 1 commits every batch.
	// Defaults DefaultCommitUsers and DefaultCommitInterval.
	CommitUsers    int
	CommitInterval time.Duration
}

func (o Options) withDefaults() Options {
	if o.Connection == "" {
		o.Connection = DefaultConnection
	}
	if o.CommitUsers <= 0 {
		o.CommitUsers = DefaultCommitUsers
	}
	if o.CommitInterval <= 0 {
		o.CommitInterval = DefaultCommitInterval
	}
	return o
}

// chunkSizes are the row counts of the prepared multi-row INSERTs: a batch
// is cut into chunks of the largest size and the rest into smaller powers
// of two, so every statement is prepared once, when the store opens. 128
// rows of 26 columns stay far below SQLite's 32766 bound parameters.
var chunkSizes = [...]int{128, 64, 32, 16, 8, 4, 2, 1}

// Sink writes batches into the store. Its methods may be called from
// several goroutines; writes are serialised.
type Sink struct {
	path string
	opts Options

	mu     sync.Mutex
	db     *sql.DB
	closed bool
	enc    encoder

	stmts statements // prepared on the connection
	tx    *sql.Tx    // the open transaction, or nil
	txs   statements // stmts bound to tx
	// Since the last commit: records written and when the transaction
	// began.
	pendingUsers int
	txStart      time.Time

	// Scratch reused from batch to batch.
	rows     []row
	outcomes []outcome
	idx      []int
	args     []any
	claimed  [3]map[string]struct{}
	inserted map[string]struct{}
	touched  map[string]struct{}
	found    row

	// afterStatements, when set by a test, runs after a batch's
	// statements, before any commit; an error fails the write.
	afterStatements func(b *pipeline.Batch) error
}

// statements are the store's prepared statements.
type statements struct {
	insertMany [len(chunkSizes)]*sql.Stmt // INSERT OR IGNORE of chunkSizes[i] rows
	insertOne  *sql.Stmt
	idsBetween *sql.Stmt
	byID       *sql.Stmt
	byEmail    *sql.Stmt
	byUsername *sql.Stmt
	update     *sql.Stmt
	saveCP     *sql.Stmt
	loadCP     *sql.Stmt
}

func (st *statements) all() []**sql.Stmt {
	out := []**sql.Stmt{&st.insertOne, &st.idsBetween, &st.byID, &st.byEmail, &st.byUsername, &st.update, &st.saveCP, &st.loadCP}
	for i := range st.insertMany {
		out = append(out, &st.insertMany[i])
	}
	return out
}

func (st *statements) close() {
	for _, p := range st.all() {
		if *p != nil {
			(*p).Close()
			*p = nil
		}
	}
}

// outcome is what Write decided for one record.
type outcome struct {
	kind   outcomeKind
	issues profile.Issues
}

type outcomeKind uint8

const (
	fast      outcomeKind = iota // try the multi-row insert
	slow                         // decide against the store, record by record
	inserted                     // done: new row
	updated                      // done: upsert changed the stored row
	unchanged                    // done: the stored row already holds it
	rejected                     // refused with issues
)

// Open opens (creating when needed) the store named by location (see
// ParseLocation) and brings its schema up to date.
func Open(ctx context.Context, location string, opts Options) (*Sink, error) {
	path, err := ParseLocation(location)
	if err != nil {
		return nil, err
	}
	db, err := OpenDB(ctx, path)
	if err != nil {
		return nil, err
	}
	s, err := newSink(ctx, db, path, opts)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func newSink(ctx context.Context, db *sql.DB, path string, opts Options) (*Sink, error) {
	if err := Migrate(ctx, db); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	s := &Sink{
		path:     path,
		opts:     opts,
		db:       db,
		enc:      encoder{connection: opts.Connection},
		inserted: make(map[string]struct{}),
		touched:  make(map[string]struct{}),
	}
	for i := range s.claimed {
		s.claimed[i] = make(map[string]struct{})
	}
	cols := strings.Join(sqlstore.Columns(), ", ")
	var sets []string
	for _, c := range sqlstore.Upsertable {
		sets = append(sets, sqlstore.ColumnName(c)+" = ?")
	}
	queries := map[**sql.Stmt]string{
		&s.stmts.insertOne:  "INSERT INTO users (" + cols + ") VALUES " + placeholders(1),
		&s.stmts.idsBetween: "SELECT user_id FROM users WHERE rowid > ? AND rowid <= ?",
		&s.stmts.byID:       "SELECT " + cols + " FROM users WHERE user_id = ?",
		&s.stmts.byEmail:    "SELECT " + cols + " FROM users WHERE connection = ? AND email = ?",
		&s.stmts.byUsername: "SELECT " + cols + " FROM users WHERE connection = ? AND username = ?",
		&s.stmts.update:     "UPDATE users SET " + strings.Join(sets, ", ") + " WHERE user_id = ?",
		&s.stmts.saveCP: `INSERT INTO ferry_checkpoints (job, checkpoint, updated_at) VALUES (?, ?, ?)
ON CONFLICT (job) DO UPDATE SET checkpoint = excluded.checkpoint, updated_at = excluded.updated_at`,
		&s.stmts.loadCP: "SELECT checkpoint FROM ferry_checkpoints WHERE job = ?",
	}
	for i, n := range chunkSizes {
		// OR IGNORE rather than ON CONFLICT DO NOTHING: with no
		// constraint left that aborts, SQLite keeps no statement journal
		// for the multi-row statement, which saves a copy of every page it
		// touches. A row skipped for any reason is decided again the slow
		// way, where a plain INSERT reports what is wrong.
		queries[&s.stmts.insertMany[i]] = "INSERT OR IGNORE INTO users (" + cols + ") VALUES " + placeholders(n)
	}
	for dst, q := range queries {
		stmt, err := db.PrepareContext(ctx, q)
		if err != nil {
			s.stmts.close()
			return nil, fmt.Errorf("sqlite: prepare: %w", err)
		}
		*dst = stmt
	}
	return s, nil
}

// placeholders returns n parenthesised rows of one parameter per column.
func placeholders(n int) string {
	one := "(" + strings.Repeat("?, ", sqlstore.NumCols-1) + "?)"
	var b strings.Builder
	b.Grow(n * (len(one) + 2))
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one)
	}
	return b.String()
}

// Path returns the file the store lives in.
func (s *Sink) Path() string { return s.path }

// Write stores b's records and b.Checkpoint in the open transaction,
// and commits it when it has grown past Options.CommitUsers or
// Options.CommitInterval.
//
// A record whose user_id, email or username is taken (in the store or by an
// earlier record of the batch) moves to b.Rejects with DUPLICATED_USER,
// CONFLICT_EMAIL or CONFLICT_USERNAME, and the rest of the batch is written.
// With Options.Upsert a record whose email matches updates that user's
// upsertable attributes. A record identical to the stored user of the same
// user_id counts as unchanged rather than as a duplicate, so resending a
// batch is harmless.
//
// ctx is checked when Write begins: with a cancelled context nothing is
// written and the transaction stays as it was. A batch once begun is
// finished (as the runner's graceful stop wants). On any other error the
// open transaction is rolled back, with the batches written into it since
// the last commit, and the error says how many records that was; when the
// error comes from the batch's own statements, b is left as it was.
func (s *Sink) Write(ctx context.Context, b *pipeline.Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: write batch %d: %w", b.Seq, err)
	}
	ctx = context.WithoutCancel(ctx)
	n := len(b.Records)
	done, err := s.write(ctx, b)
	if err != nil {
		lost := s.pendingUsers
		s.rollback()
		return fmt.Errorf("sqlite: write batch %d: %w (rolled back with %d records of earlier uncommitted batches)", b.Seq, err, lost)
	}
	*b = done
	s.pendingUsers += n
	if s.pendingUsers >= s.opts.CommitUsers || time.Since(s.txStart) >= s.opts.CommitInterval {
		lost := s.pendingUsers
		if err := s.commit(); err != nil {
			return fmt.Errorf("sqlite: write batch %d: %w (%d records of uncommitted batches rolled back)", b.Seq, err, lost)
		}
	}
	return nil
}

// write runs b's statements in the open transaction (beginning one when
// needed) and returns b as it is to be once they commit.
func (s *Sink) write(ctx context.Context, b *pipeline.Batch) (pipeline.Batch, error) {
	n := len(b.Records)
	clear(s.inserted)
	clear(s.touched)
	s.rows = grow(s.rows, n)
	s.outcomes = grow(s.outcomes, n)
	if err := s.classify(b); err != nil {
		return pipeline.Batch{}, err
	}
	if err := s.begin(); err != nil {
		return pipeline.Batch{}, err
	}
	if err := s.insertFast(ctx); err != nil {
		return pipeline.Batch{}, err
	}
	if err := s.decideSlow(ctx); err != nil {
		return pipeline.Batch{}, err
	}
	done := s.settle(b)
	sqlstore.TallyPlaintext(&done)
	cp, err := done.PrepareCommit()
	if err != nil {
		return pipeline.Batch{}, err
	}
	text, err := json.Marshal(&cp)
	if err != nil {
		return pipeline.Batch{}, fmt.Errorf("encode checkpoint: %w", err)
	}
	now := time.Now().UTC().Format(sqlstore.TimeLayout)
	if _, err := s.txs.saveCP.ExecContext(ctx, cp.Job, string(text), now); err != nil {
		return pipeline.Batch{}, fmt.Errorf("save checkpoint: %w", err)
	}
	if s.afterStatements != nil {
		if err := s.afterStatements(b); err != nil {
			return pipeline.Batch{}, err
		}
	}
	done.Checkpoint = cp
	return done, nil
}

// begin opens a transaction unless one is open. It is not tied to a Write's
// context: it outlives the call.
func (s *Sink) begin() error {
	if s.tx != nil {
		return nil
	}
	tx, err := s.db.BeginTx(context.Background(), nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	s.tx, s.txStart = tx, time.Now()
	src, dst := s.stmts.all(), s.txs.all()
	for i := range src {
		*dst[i] = tx.Stmt(*src[i])
	}
	return nil
}

// commit commits the open transaction, if any.
func (s *Sink) commit() error {
	if s.tx == nil {
		return nil
	}
	tx := s.tx
	s.tx, s.txs, s.pendingUsers = nil, statements{}, 0
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func (s *Sink) rollback() {
	if s.tx != nil {
		s.tx.Rollback()
	}
	s.tx, s.txs, s.pendingUsers = nil, statements{}, 0
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// classify encodes every record and routes it: records sharing no key with
// an earlier record of the batch take the fast multi-row insert; the others
// are decided one by one after it, which keeps the batch's order of effects.
func (s *Sink) classify(b *pipeline.Batch) error {
	for i := range s.claimed {
		clear(s.claimed[i])
	}
	for i := range b.Records {
		r, o := &s.rows[i], &s.outcomes[i]
		issues, err := s.enc.encode(&b.Records[i].User, r)
		if err != nil {
			return fmt.Errorf("record %d: %w", i, err)
		}
		if len(issues) > 0 {
			*o = outcome{kind: rejected, issues: issues}
			continue
		}
		o.kind = fast
		for k, col := range [...]int{sqlstore.ColUserID, sqlstore.ColEmail, sqlstore.ColUsername} {
			v, ok := r[col].(string)
			if !ok {
				continue
			}
			if _, dup := s.claimed[k][v]; dup {
				o.kind = slow
			}
			s.claimed[k][v] = struct{}{}
		}
	}
	return nil
}

// insertFast inserts the fast records with multi-row INSERTs that skip any
// row violating a constraint; the skipped ones go the slow way.
func (s *Sink) insertFast(ctx context.Context) error {
	idx := s.idx[:0]
	for i := range s.outcomes {
		if s.outcomes[i].kind == fast {
			idx = append(idx, i)
		}
	}
	s.idx = idx
	for len(idx) > 0 {
		k := 0
		for chunkSizes[k] > len(idx) {
			k++
		}
		if err := s.insertChunk(ctx, k, idx[:chunkSizes[k]]); err != nil {
			return err
		}
		idx = idx[chunkSizes[k]:]
	}
	return nil
}

// insertChunk runs the multi-row insert k on the records idx and marks them
// inserted, or slow when the store skipped them.
func (s *Sink) insertChunk(ctx context.Context, k int, idx []int) error {
	args := s.args[:0]
	for _, i := range idx {
		args = append(args, s.rows[i][:]...)
	}
	s.args = args
	res, err := s.txs.insertMany[k].ExecContext(ctx, args...)
	clear(args)
	if err != nil {
		return fmt.Errorf("insert %d rows: %w", len(idx), err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("insert %d rows: %w", len(idx), err)
	}
	all := int(n) == len(idx)
	if !all && n > 0 {
		// Some rows were skipped. The inserted ones got consecutive rowids
		// (max+1 each; the store never sets rowids) ending at the last
		// insert's, so they are found without a RETURNING clause, which
		// would cost every statement its price.
		lastID, err := res.LastInsertId()
		if err != nil {
			return fmt.Errorf("insert %d rows: %w", len(idx), err)
		}
		if err := s.insertedBetween(ctx, lastID-n, lastID); err != nil {
			return err
		}
	}
	for _, i := range idx {
		o := &s.outcomes[i]
		id := s.rows[i][sqlstore.ColUserID].(string)
		if _, ok := s.inserted[id]; ok || all {
			o.kind = inserted
			s.touched[id] = struct{}{}
		} else {
			o.kind = slow
		}
	}
	return nil
}

// insertedBetween adds the user_ids of the rows with from < rowid <= to to
// s.inserted.
func (s *Sink) insertedBetween(ctx context.Context, from, to int64) error {
	rows, err := s.txs.idsBetween.QueryContext(ctx, from, to)
	if err != nil {
		return fmt.Errorf("list inserted rows: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("list inserted rows: %w", err)
		}
		s.inserted[id] = struct{}{}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list inserted rows: %w", err)
	}
	return rows.Close()
}

// decideSlow settles the records that share a key with the store or with an
// earlier record, in batch order.
func (s *Sink) decideSlow(ctx context.Context) error {
	byID, byEmail, byUsername := s.txs.byID, s.txs.byEmail, s.txs.byUsername
	for i := range s.outcomes {
		o := &s.outcomes[i]
		if o.kind != slow {
			continue
		}
		r := &s.rows[i]
		id := r[sqlstore.ColUserID].(string)
		email, hasEmail := r[sqlstore.ColEmail].(string)
		username, hasUsername := r[sqlstore.ColUsername].(string)

		if s.opts.Upsert && hasEmail {
			e, err := s.lookup(ctx, byEmail, s.opts.Connection, email)
			if err != nil {
				return err
			}
			if e != nil {
				merged := *e
				for _, c := range sqlstore.Upsertable {
					if r[c] != nil {
						merged[c] = r[c]
					}
				}
				eid := e[sqlstore.ColUserID].(string)
				s.touched[eid] = struct{}{}
				if merged.equal(e) {
					o.kind = unchanged
					continue
				}
				args := make([]any, 0, len(sqlstore.Upsertable)+1)
				for _, c := range sqlstore.Upsertable {
					args = append(args, merged[c])
				}
				if _, err := s.txs.update.ExecContext(ctx, append(args, eid)...); err != nil {
					if s.refused(o, err) {
						continue
					}
					return fmt.Errorf("update record %d: %w", i, err)
				}
				o.kind = updated
				continue
			}
		}

		var sameID *row
		found, err := s.lookup(ctx, byID, id)
		if err != nil {
			return err
		}
		if found != nil {
			cp := *found
			sameID = &cp
			_, seen := s.touched[id]
			if !seen && sameID.equal(r) {
				s.touched[id] = struct{}{}
				o.kind = unchanged
				continue
			}
			o.issues.Add(profile.CodeDuplicatedUser, "user_id", "user_id exists"+where(seen))
		}
		if hasEmail {
			if err := s.conflict(ctx, byEmail, o, sameID, email, profile.CodeConflictEmail, "email"); err != nil {
				return err
			}
		}
		if hasUsername {
			if err := s.conflict(ctx, byUsername, o, sameID, username, profile.CodeConflictUsername, "username"); err != nil {
				return err
			}
		}
		if len(o.issues) > 0 {
			o.kind = rejected
			continue
		}
		if _, err := s.txs.insertOne.ExecContext(ctx, r[:]...); err != nil {
			if s.refused(o, err) {
				continue
			}
			return fmt.Errorf("insert record %d: %w", i, err)
		}
		s.touched[id] = struct{}{}
		o.kind = inserted
	}
	return nil
}

// refused rejects o when err is the store's refusal of its record (see
// refusal); SQLite undid that statement alone, and the transaction goes on.
func (s *Sink) refused(o *outcome, err error) bool {
	code, path, msg, ok := refusal(err)
	if ok {
		o.issues.Add(code, path, msg)
		o.kind = rejected
	}
	return ok
}

// conflict adds code to o when another user of the connection holds value
// in the unique column (email or username).
func (s *Sink) conflict(ctx context.Context, stmt *sql.Stmt, o *outcome, sameID *row, value string, code profile.Code, path string) error {
	found, err := s.lookup(ctx, stmt, s.opts.Connection, value)
	if err != nil || found == nil {
		return err
	}
	id := found[sqlstore.ColUserID].(string)
	if sameID != nil && sameID[sqlstore.ColUserID] == id {
		return nil // the same user, already reported as DUPLICATED_USER
	}
	_, seen := s.touched[id]
	o.issues.Add(code, path, path+" exists in the connection"+where(seen))
	return nil
}

func where(inBatch bool) string {
	if inBatch {
		return " (an earlier record of the batch)"
	}
	return " (in the store)"
}

// lookup returns the row the statement selects, or nil. The row is s.found,
// valid until the next lookup.
func (s *Sink) lookup(ctx context.Context, stmt *sql.Stmt, args ...any) (*row, error) {
	var dest [sqlstore.NumCols]any
	for i := range dest {
		dest[i] = &s.found[i]
	}
	err := stmt.QueryRowContext(ctx, args...).Scan(dest[:]...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up user: %w", err)
	}
	for i, v := range s.found {
		if b, ok := v.([]byte); ok {
			s.found[i] = string(b)
		}
	}
	return &s.found, nil
}

// settle returns b as this write leaves it: refused records moved to
// Rejects, in order, and Written counted. b itself is not touched, so that
// a failed write leaves it as it was.
func (s *Sink) settle(b *pipeline.Batch) pipeline.Batch {
	done := *b
	var st pipeline.WriteStats
	refused := 0
	for i := range s.outcomes {
		switch s.outcomes[i].kind {
		case inserted:
			st.Inserted++
		case updated:
			st.Updated++
		case unchanged:
			st.Unchanged++
		case rejected:
			refused++
		}
	}
	if refused > 0 {
		kept := make([]pipeline.Record, 0, len(b.Records)-refused)
		rejects := slices.Clip(b.Rejects) // appending copies: b.Rejects stays as it is
		for i := range b.Records {
			o := &s.outcomes[i]
			if o.kind != rejected {
				kept = append(kept, b.Records[i])
				continue
			}
			u := b.Records[i].User
			rejects = append(rejects, pipeline.Reject{Origin: b.Records[i].Origin, Issues: o.issues, User: &u})
			o.issues = nil
		}
		done.Records, done.Rejects = kept, rejects
	}
	done.Written = st
	return done
}

// LastCheckpoint commits what is pending and returns the checkpoint last
// committed for job, or nil.
func (s *Sink) LastCheckpoint(ctx context.Context, job string) (*pipeline.Checkpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if err := s.commit(); err != nil {
		return nil, fmt.Errorf("sqlite: load checkpoint: %w", err)
	}
	var text string
	err := s.stmts.loadCP.QueryRowContext(ctx, job).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: load checkpoint: %w", err)
	}
	var cp pipeline.Checkpoint
	if err := json.Unmarshal([]byte(text), &cp); err != nil {
		return nil, fmt.Errorf("sqlite: load checkpoint: %w: %w", ErrCorrupt, err)
	}
	return &cp, nil
}

// Close commits the batches written since the last commit (whole batches
// only: a failed Write has rolled its own back) and releases the store. It
// commits even when ctx is cancelled, as a graceful stop wants. It is safe
// to call twice.
func (s *Sink) Close(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	errCommit := s.commit()
	s.stmts.close()
	if errCommit == nil {
		_, errCommit = s.db.ExecContext(context.WithoutCancel(ctx), "PRAGMA optimize")
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("sqlite: close %s: %w", s.path, err)
	}
	if errCommit != nil {
		return fmt.Errorf("sqlite: close %s: %w", s.path, errCommit)
	}
	return nil
}
