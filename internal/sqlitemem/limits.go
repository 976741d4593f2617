package sqlitemem

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// Limits applied to every connection of a database opened by this package.
// The database is untrusted: its schema can hold views, generated columns
// and virtual tables that turn a plain SELECT into unbounded work. Every
// figure leaves a wide margin over what real databases need (see doc.go).
const (
	// MaxValueLength is SQLITE_LIMIT_LENGTH: the largest string, blob or
	// row, in bytes. The largest values in real record databases are
	// contact photos of a few megabytes.
	MaxValueLength = 64 << 20

	// MaxSQLLength is SQLITE_LIMIT_SQL_LENGTH, which also applies to every
	// CREATE statement of the schema (real ones are under 10 KB).
	MaxSQLLength = 1 << 20

	// MaxExprDepth is SQLITE_LIMIT_EXPR_DEPTH.
	MaxExprDepth = 200

	// MaxVDBEOps is SQLITE_LIMIT_VDBE_OP: the size of a compiled
	// statement. The readers' statements compile to a few hundred.
	MaxVDBEOps = 250_000

	// HeapLimit is SQLite's hard heap limit in bytes, set once for the
	// whole process on the first open (it is a property of the SQLite
	// library, shared with any other user of github.com/mattn/go-sqlite3
	// in the program); SetHeapLimit changes it. The database images are
	// outside that heap on the Linux zero-copy path: it bounds page caches,
	// sorters, temporary tables and values. An allocation above it fails
	// the statement with a *LimitError. The portable path sets no hard
	// limit (see SetHeapLimit).
	HeapLimit = 2 << 30

	// StepOpsBase and StepOpsPerByte bound the work of a single step (the
	// production of one result row, which includes a whole scan when a
	// query sorts or aggregates): at most StepOpsBase + StepOpsPerByte ×
	// image size virtual machine instructions. Linux only (it needs
	// sqlite3_progress_handler); the portable path bounds a step's time
	// by PortableStepTimeout instead.
	StepOpsBase    = 1_000_000_000
	StepOpsPerByte = 64

	// StatementTimeBase and StatementTimePerMiB bound the time SQLite
	// spends computing the rows of one statement (the time between steps,
	// when the caller handles a row, is not counted): at most
	// StatementTimeBase + StatementTimePerMiB per MiB of image.
	StatementTimeBase   = 5 * time.Minute
	StatementTimePerMiB = time.Second

	// DatabaseTimeBase and DatabaseTimePerMiB bound the same time summed
	// over every statement run on one opened database, which a reader
	// that runs a statement per record would otherwise multiply.
	DatabaseTimeBase   = 15 * time.Minute
	DatabaseTimePerMiB = 3 * time.Second

	// PortableStepTimeout is the time one step may take on the portable
	// build, which cannot install a progress handler.
	PortableStepTimeout = 2 * time.Minute
)

// ErrLimit is matched (errors.Is) by every *LimitError.
var ErrLimit = errors.New("database query stopped by a resource limit")

// LimitError reports a statement stopped by one of the limits above. The
// bounds need no cooperation from the caller; a caller's context that is
// done interrupts a statement as well, with the context's error.
type LimitError struct {
	Limit string // which limit: "step", "time", "database time", "length" or "heap"
	Value int64  // the limit: instructions (Linux) or seconds (portable) per step, seconds, seconds, bytes, bytes
	Err   error  // the SQLite error
}

func (e *LimitError) Error() string {
	switch e.Limit {
	case "step":
		if zeroCopyGuard {
			return fmt.Sprintf("sqlitemem: query stopped: one step took more than %d SQLite instructions", e.Value)
		}
		return fmt.Sprintf("sqlitemem: query stopped: one step took more than %d s", e.Value)
	case "time":
		return fmt.Sprintf("sqlitemem: query stopped: SQLite worked on it for more than %d s", e.Value)
	case "database time":
		return fmt.Sprintf("sqlitemem: query stopped: SQLite worked on this database for more than %d s in all", e.Value)
	case "length":
		return fmt.Sprintf("sqlitemem: query stopped: a string or blob exceeded %d bytes", e.Value)
	case "heap":
		return fmt.Sprintf("sqlitemem: query stopped: SQLite's memory limit of %d bytes was reached", e.Value)
	}
	return fmt.Sprintf("sqlitemem: query stopped by the %s limit (%d)", e.Limit, e.Value)
}

func (e *LimitError) Unwrap() error { return e.Err }

// Is reports whether target is ErrLimit.
func (e *LimitError) Is(target error) bool { return target == ErrLimit }

// tripKind says which bound stopped a step.
type tripKind int32

const (
	tripNone tripKind = iota
	tripStep
	tripTime
	tripDBTime
)

// dbBudget is the time budget shared by every connection of a database.
type dbBudget struct {
	limit time.Duration
	spent atomic.Int64 // ns
}

func newDBBudget(imageLen int) *dbBudget {
	b := &dbBudget{limit: DatabaseTimeBase + DatabaseTimePerMiB*time.Duration(imageLen>>20)}
	if v := testDBTime.Load(); v > 0 {
		b.limit = time.Duration(v)
	}
	return b
}

// left returns what is left of the statement's and the database's time,
// the smaller of the two, and which one it is.
func (w *watch) left() (time.Duration, tripKind) {
	st := w.g.stmtTime - w.spent
	db := w.g.db.limit - time.Duration(w.g.db.spent.Load())
	if db < st {
		return db, tripDBTime
	}
	return st, tripTime
}

// Budgets set by SetBudgets; 0: computed from the image size.
var (
	testStepOps  atomic.Int64
	testStmtTime atomic.Int64
	testDBTime   atomic.Int64
)

// SetBudgets replaces the step budget (VM instructions; Linux), the
// statement time budget and the database time budget of the databases
// and connections opened from now on; 0 restores the budgets computed
// from the image size. It returns a function that
// restores the previous setting. It is meant for tests and fuzzing, which
// need hostile inputs to end in a fraction of the normal bound.
func SetBudgets(stepOps int64, stmtTime, dbTime time.Duration) (restore func()) {
	prevOps := testStepOps.Swap(stepOps)
	prevTime := testStmtTime.Swap(int64(stmtTime))
	prevDB := testDBTime.Swap(int64(dbTime))
	return func() {
		testStepOps.Store(prevOps)
		testStmtTime.Store(prevTime)
		testDBTime.Store(prevDB)
	}
}

// budgets returns the step and statement budgets of a connection over an
// image of n bytes.
func budgets(n int) (int64, time.Duration) {
	ops := StepOpsBase + StepOpsPerByte*int64(n)
	t := StatementTimeBase + StatementTimePerMiB*time.Duration(n>>20)
	if v := testStepOps.Load(); v > 0 {
		ops = v
	}
	if v := testStmtTime.Load(); v > 0 {
		t = time.Duration(v)
	}
	return ops, t
}

// configure applies the run-time limits and pragmas to a new connection,
// then the platform's defensive options and step guard.
func configure(sc *sqlite3.SQLiteConn, handle unsafe.Pointer, imageLen int, db *dbBudget) (*guard, error) {
	for _, l := range []struct{ id, v int }{
		{sqlite3.SQLITE_LIMIT_LENGTH, MaxValueLength},
		{sqlite3.SQLITE_LIMIT_SQL_LENGTH, MaxSQLLength},
		{sqlite3.SQLITE_LIMIT_EXPR_DEPTH, MaxExprDepth},
		{sqlite3.SQLITE_LIMIT_VDBE_OP, MaxVDBEOps},
		{sqlite3.SQLITE_LIMIT_ATTACHED, 0},
		{sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 1000},
		{sqlite3.SQLITE_LIMIT_TRIGGER_DEPTH, 1},
		{sqlite3.SQLITE_LIMIT_WORKER_THREADS, 0},
	} {
		sc.SetLimit(l.id, l.v)
	}
	if _, err := sc.Exec("PRAGMA trusted_schema = OFF; PRAGMA temp_store = MEMORY; PRAGMA query_only = ON;", nil); err != nil {
		return nil, err
	}
	ops, t := budgets(imageLen)
	g, err := defend(handle, ops, t)
	if err != nil {
		return nil, err
	}
	g.db = db
	return g, nil
}

// conn is a connection whose statements run under the step guard and
// whose limit errors become *LimitError. Every other method is the
// SQLite connection's own.
type conn struct {
	*sqlite3.SQLiteConn
	g       *guard
	release func() // after Close
	once    sync.Once
}

func (c *conn) Close() error {
	err := c.SQLiteConn.Close()
	c.once.Do(func() {
		c.g.free()
		if c.release != nil {
			c.release()
		}
	})
	return err
}

// QueryContext runs a query (go-sqlite3 takes its first step here).
func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	sctx, w := c.g.start(ctx)
	if err := w.exhausted(); err != nil {
		w.done()
		return nil, err
	}
	w.arm()
	r, err := c.SQLiteConn.QueryContext(sctx, query, args)
	tripped := w.disarm()
	if err != nil {
		w.done()
		return nil, translate(ctx, err, w, tripped)
	}
	return wrapRows(ctx, r, w), nil
}

// ExecContext runs a statement that returns no rows.
func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	sctx, w := c.g.start(ctx)
	defer w.done()
	w.arm()
	r, err := c.SQLiteConn.ExecContext(sctx, query, args)
	if tripped := w.disarm(); err != nil {
		return nil, translate(ctx, err, w, tripped)
	}
	return r, nil
}

// PrepareContext prepares a statement whose executions are guarded.
func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	s, err := c.SQLiteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, translate(ctx, err, nil, tripNone)
	}
	ss, ok := s.(*sqlite3.SQLiteStmt)
	if !ok {
		s.Close()
		return nil, errors.New("sqlitemem: unexpected driver statement")
	}
	return &stmt{SQLiteStmt: ss, g: c.g}, nil
}

// Prepare is PrepareContext without a context.
func (c *conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

type stmt struct {
	*sqlite3.SQLiteStmt
	g *guard
}

func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	sctx, w := s.g.start(ctx)
	if err := w.exhausted(); err != nil {
		w.done()
		return nil, err
	}
	w.arm()
	r, err := s.SQLiteStmt.QueryContext(sctx, args)
	tripped := w.disarm()
	if err != nil {
		w.done()
		return nil, translate(ctx, err, w, tripped)
	}
	return wrapRows(ctx, r, w), nil
}

func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	sctx, w := s.g.start(ctx)
	defer w.done()
	w.arm()
	r, err := s.SQLiteStmt.ExecContext(sctx, args)
	if tripped := w.disarm(); err != nil {
		return nil, translate(ctx, err, w, tripped)
	}
	return r, nil
}

// rows guards every step of a result set.
type rows struct {
	*sqlite3.SQLiteRows
	ctx  context.Context // the caller's
	w    *watch
	once sync.Once
}

// plainRows is the fallback for a driver.Rows of another type.
type plainRows struct {
	driver.Rows
	ctx  context.Context
	w    *watch
	once sync.Once
}

func wrapRows(ctx context.Context, r driver.Rows, w *watch) driver.Rows {
	if sr, ok := r.(*sqlite3.SQLiteRows); ok {
		return &rows{SQLiteRows: sr, ctx: ctx, w: w}
	}
	return &plainRows{Rows: r, ctx: ctx, w: w}
}

func (r *rows) Next(dest []driver.Value) error {
	if err := r.w.exhausted(); err != nil {
		return err
	}
	r.w.arm()
	err := r.SQLiteRows.Next(dest)
	tripped := r.w.disarm()
	if err != nil {
		return translate(r.ctx, err, r.w, tripped)
	}
	return nil
}

func (r *rows) Close() error {
	err := r.SQLiteRows.Close()
	r.once.Do(r.w.done)
	return err
}

func (r *plainRows) Next(dest []driver.Value) error {
	if err := r.w.exhausted(); err != nil {
		return err
	}
	r.w.arm()
	err := r.Rows.Next(dest)
	tripped := r.w.disarm()
	if err != nil {
		return translate(r.ctx, err, r.w, tripped)
	}
	return nil
}

func (r *plainRows) Close() error {
	err := r.Rows.Close()
	r.once.Do(r.w.done)
	return err
}

// exhausted returns the time limit's error once the statement's steps
// have used its time, before another step starts.
func (w *watch) exhausted() error {
	left, kind := w.left()
	if left > 0 {
		return nil
	}
	return w.timeError(kind, errors.New("time exhausted"))
}

func (w *watch) timeError(kind tripKind, err error) error {
	if kind == tripDBTime {
		return &LimitError{Limit: "database time", Value: int64(w.g.db.limit / time.Second), Err: err}
	}
	return &LimitError{Limit: "time", Value: int64(w.g.stmtTime / time.Second), Err: err}
}

// translate turns the errors of the limits into *LimitError and an
// interruption by the caller's context into the context's error.
func translate(ctx context.Context, err error, w *watch, tripped tripKind) error {
	if err == nil || err == io.EOF {
		return err
	}
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	switch tripped {
	case tripStep:
		return &LimitError{Limit: "step", Value: w.stepLimit(), Err: err}
	case tripTime, tripDBTime:
		return w.timeError(tripped, err)
	}
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrTooBig:
			return &LimitError{Limit: "length", Value: MaxValueLength, Err: err}
		case sqlite3.ErrNomem:
			return &LimitError{Limit: "heap", Value: heapLimitNow(), Err: err}
		}
	}
	return err
}
