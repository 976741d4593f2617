//go:build linux && !iosbackup_portable

// The defensive settings and the step bound of the zero-copy path, through
// weak references to the amalgamation that github.com/mattn/go-sqlite3
// links in (see buffer_linux.go).

package sqlitemem

/*
#include <stdlib.h>
#include <time.h>

typedef struct sqlite3 sqlite3;
extern int sqlite3_db_config(sqlite3*, int, ...) __attribute__((weak));
extern void sqlite3_progress_handler(sqlite3*, int, int(*)(void*), void*) __attribute__((weak));
extern long long sqlite3_hard_heap_limit64(long long) __attribute__((weak));
extern long long sqlite3_memory_highwater(int) __attribute__((weak));

static int ib_have_guard(void) {
	return sqlite3_db_config != 0 && sqlite3_progress_handler != 0 && sqlite3_hard_heap_limit64 != 0;
}

// ib_guard counts the calls of the progress handler since the last reset,
// which the Go side makes before every sqlite3_step.
typedef struct {
	long long calls;    // progress calls in this step
	long long max;      // progress calls allowed per step
	long long start;    // monotonic ns at the start of the step
	long long deadline; // monotonic ns when the statement's time is up
	int tripped;        // 1: instructions, 2: time
} ib_guard;

static long long ib_now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int ib_progress(void *p) {
	ib_guard *g = (ib_guard*)p;
	if (++g->calls > g->max) {
		g->tripped = 1;
		return 1; // SQLITE_INTERRUPT
	}
	if (ib_now() > g->deadline) {
		g->tripped = 2;
		return 1;
	}
	return 0;
}

// ib_arm starts a step that may run for at most remaining ns.
static void ib_arm(ib_guard *g, long long remaining) {
	g->calls = 0;
	g->tripped = 0;
	g->start = ib_now();
	g->deadline = g->start + remaining;
}

// ib_disarm ends a step and returns its duration in ns.
static long long ib_disarm(ib_guard *g) { return ib_now() - g->start; }

// ib_defend applies the database configuration options: defensive mode,
// no trust in functions and virtual tables named by the schema, no
// triggers, no views (no reader reads a view; records and manifest refuse
// them at open time with a clearer error), no extension loading. It
// returns the first option that failed, or 0.
static int ib_defend(void *db, ib_guard *g, int every) {
	sqlite3 *d = (sqlite3*)db;
	static const int on[] = {1010};                 // DEFENSIVE
	static const int off[] = {1017, 1003, 1015, 1005}; // TRUSTED_SCHEMA, ENABLE_TRIGGER, ENABLE_VIEW, ENABLE_LOAD_EXTENSION
	int got;
	for (unsigned i = 0; i < sizeof on / sizeof on[0]; i++) {
		got = -1;
		if (sqlite3_db_config(d, on[i], 1, &got) != 0 || got != 1) return on[i];
	}
	for (unsigned i = 0; i < sizeof off / sizeof off[0]; i++) {
		got = -1;
		if (sqlite3_db_config(d, off[i], 0, &got) != 0 || got != 0) return off[i];
	}
	sqlite3_progress_handler(d, every, ib_progress, g);
	return 0;
}

static long long ib_hard_heap_limit(long long n) { return sqlite3_hard_heap_limit64(n); }
static long long ib_highwater(int reset) { return sqlite3_memory_highwater ? sqlite3_memory_highwater(reset) : 0; }
*/
import "C"

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// guard bounds the work of each step of a connection: SQLite calls the
// progress handler every progressEvery virtual machine instructions, and
// the handler interrupts the statement once the step has used its budget.
type guard struct {
	c        *C.ib_guard // C memory: SQLite keeps a pointer to it
	stmtTime time.Duration
	db       *dbBudget
}

// progressEvery is how many VM instructions SQLite runs between calls of
// the progress handler.
const progressEvery = 1000

var heapOnce sync.Once

// applyHeapLimit sets the process-wide hard heap limit once (see
// HeapLimit). SQLite refuses any allocation that would exceed it.
func applyHeapLimit() {
	heapOnce.Do(func() {
		if C.ib_have_guard() != 0 {
			C.ib_hard_heap_limit(C.longlong(HeapLimit))
		}
	})
}

// SetHeapLimit changes SQLite's process-wide hard heap limit (bytes; 0
// removes it) and returns the previous one. It is meant for programs that
// need more than HeapLimit for very large databases, and for tests.
func SetHeapLimit(n int64) int64 {
	applyHeapLimit()
	if C.ib_have_guard() == 0 {
		return 0
	}
	return int64(C.ib_hard_heap_limit(C.longlong(n)))
}

// defend applies the defensive options and installs the step guard on the
// SQLite handle of a new connection.
func defend(handle unsafe.Pointer, maxOps int64, stmtTime time.Duration) (*guard, error) {
	if C.ib_have_guard() == 0 {
		return nil, fmt.Errorf("sqlitemem: the SQLite library lacks sqlite3_db_config or sqlite3_progress_handler")
	}
	applyHeapLimit()
	g := &guard{c: (*C.ib_guard)(C.calloc(1, C.size_t(unsafe.Sizeof(C.ib_guard{})))), stmtTime: stmtTime}
	if g.c == nil {
		return nil, fmt.Errorf("sqlitemem: out of memory")
	}
	calls := maxOps / progressEvery
	if calls < 1 {
		calls = 1
	}
	g.c.max = C.longlong(calls)
	if op := C.ib_defend(handle, g.c, progressEvery); op != 0 {
		C.free(unsafe.Pointer(g.c))
		g.c = nil
		return nil, fmt.Errorf("sqlitemem: sqlite3_db_config option %d could not be set", int(op))
	}
	return g, nil
}

// free releases the guard; the connection must be closed already.
func (g *guard) free() {
	if g != nil && g.c != nil {
		C.free(unsafe.Pointer(g.c))
		g.c = nil
	}
}

// watch is the bound of one statement.
type watch struct {
	g     *guard
	spent time.Duration // time in steps so far
	kind  tripKind      // which time bound the running step is under
}

// start returns the context to run a statement under and its watch.
func (g *guard) start(ctx context.Context) (context.Context, *watch) {
	return ctx, &watch{g: g}
}

// arm gives the next step a fresh instruction budget and what is left of
// the statement's time.
func (w *watch) arm() {
	var left time.Duration
	left, w.kind = w.left()
	C.ib_arm(w.g.c, C.longlong(left))
}

// disarm ends a step and reports which bound, if any, stopped it.
func (w *watch) disarm() tripKind {
	d := time.Duration(C.ib_disarm(w.g.c))
	w.spent += d
	w.g.db.spent.Add(int64(d))
	if ops := int64(w.g.c.calls) * progressEvery; ops > peakOps.Load() {
		peakOps.Store(ops) // racy maximum: good enough for a measurement
	}
	switch w.g.c.tripped {
	case 1:
		return tripStep
	case 2:
		return w.kind
	}
	return tripNone
}

// done ends the statement.
func (w *watch) done() {}

// stepLimit is the step budget in VM instructions.
func (w *watch) stepLimit() int64 { return int64(w.g.c.max) * progressEvery }

// heapLimitNow returns the hard heap limit in force.
func heapLimitNow() int64 {
	if C.ib_have_guard() == 0 {
		return 0
	}
	return int64(C.ib_hard_heap_limit(-1))
}

// zeroCopyGuard: the step bound counts instructions.
const zeroCopyGuard = true

var peakOps atomic.Int64

// Peaks reports, for measurements, the most VM instructions one step has
// used (to within 1000) and SQLite's heap high-water mark since the last
// call with reset set, which starts both anew.
func Peaks(reset bool) (stepOps, heap int64) {
	stepOps = peakOps.Load()
	heap = int64(C.ib_highwater(0))
	if reset {
		peakOps.Store(0)
		C.ib_highwater(1)
	}
	return stepOps, heap
}
