//go:build !linux || iosbackup_portable

// The portable path cannot reach SQLite's C interface beyond what
// github.com/mattn/go-sqlite3 exports, so its step bound is a time limit
// enforced through the statement's context, and the defensive settings
// that have a pragma are set by pragma.

package sqlitemem

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// stepTimeout bounds the time of one step on the portable path.
var stepTimeout = PortableStepTimeout

var errStepTimeout = errors.New("sqlitemem: step time limit")

type guard struct {
	stmtTime time.Duration
	db       *dbBudget
}

var heapMu sync.Mutex

// SetHeapLimit is a no-op on the portable path, which does not set a hard
// heap limit (each connection's copy of the image lives in SQLite's heap
// there, and a hard limit can be lowered but not raised by pragma); it
// returns 0.
func SetHeapLimit(n int64) int64 {
	heapMu.Lock()
	defer heapMu.Unlock()
	return 0
}

func defend(_ unsafe.Pointer, _ int64, stmtTime time.Duration) (*guard, error) {
	return &guard{stmtTime: stmtTime}, nil
}

func (g *guard) free() {}

// watch is the bound of one statement: a timer that cancels the
// statement's context when a step runs for longer than stepTimeout, or
// when the statement's steps together exceed its time.
type watch struct {
	g       *guard
	cancel  context.CancelCauseFunc
	timer   *time.Timer
	tripped atomic.Int32 // the kind the running timer stands for
	fired   atomic.Int32 // the kind of the timer that fired, sticky
	spent   time.Duration
	began   time.Time
}

func (g *guard) start(ctx context.Context) (context.Context, *watch) {
	ctx, cancel := context.WithCancelCause(ctx)
	w := &watch{g: g, cancel: cancel}
	w.timer = time.AfterFunc(time.Hour, func() {
		w.fired.Store(w.tripped.Load())
		cancel(errStepTimeout)
	})
	w.timer.Stop()
	return ctx, w
}

func (w *watch) arm() {
	d, kind := stepTimeout, tripStep
	if left, k := w.left(); left < d {
		d, kind = left, k
	}
	w.tripped.Store(int32(kind))
	w.began = time.Now()
	w.timer.Reset(d)
}

func (w *watch) disarm() tripKind {
	w.timer.Stop()
	d := time.Since(w.began)
	w.spent += d
	w.g.db.spent.Add(int64(d))
	return tripKind(w.fired.Load())
}

func (w *watch) done() {
	w.timer.Stop()
	w.cancel(nil)
}

// stepLimit is the step time limit in seconds.
func (w *watch) stepLimit() int64 { return int64(stepTimeout / time.Second) }

func heapLimitNow() int64 { return 0 }

// zeroCopyGuard: the step bound is a time.
const zeroCopyGuard = false

// Peaks reports nothing on the portable path (no progress handler, no
// access to sqlite3_memory_highwater).
func Peaks(reset bool) (stepOps, heap int64) { return 0, 0 }
