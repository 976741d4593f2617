//go:build linux && !iosbackup_portable

// The zero-copy path: the image lives in C memory and every connection
// deserializes it read-only in place. It calls sqlite3_deserialize of the
// amalgamation that github.com/mattn/go-sqlite3 links in, through a weak
// reference, which GNU ld resolves; other platforms use
// buffer_portable.go.

package sqlitemem

/*
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>

// ib_malloc_huge allocates n bytes and asks for transparent huge pages
// over the 2 MiB-aligned part of a large buffer: 512 times fewer page
// faults when the image is read in.
static void *ib_malloc_huge(size_t n) {
	void *p = malloc(n);
	if (p != NULL && n >= (4u << 20)) {
		uintptr_t a = ((uintptr_t)p + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1);
		uintptr_t e = ((uintptr_t)p + n) & ~(uintptr_t)((2u << 20) - 1);
		if (e > a) madvise((void *)a, e - a, MADV_HUGEPAGE);
	}
	return p;
}

typedef struct sqlite3 sqlite3;
// Provided by the SQLite amalgamation that github.com/mattn/go-sqlite3
// compiles into the same binary; weak so that this package's own cgo link
// step does not need it.
extern int sqlite3_deserialize(sqlite3*, const char*, unsigned char*, long long, long long, unsigned int) __attribute__((weak));

static int ib_have_deserialize(void) { return sqlite3_deserialize != 0; }

// SQLITE_DESERIALIZE_READONLY (4): SQLite reads the caller's buffer in
// place, never writes, copies or frees it.
static int ib_deserialize_readonly(void *db, unsigned char *buf, long long n) {
	return sqlite3_deserialize((sqlite3*)db, "main", buf, n, n, 4);
}
*/
import "C"

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"unsafe"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// Buffer is a database image in C memory, outside the Go heap, that every
// connection of a database opened with OpenBuffer reads in place: no
// connection copies it. It is freed when the database is closed and its
// last connection is gone.
type Buffer struct {
	mu    sync.Mutex
	p     unsafe.Pointer
	n     int
	refs  int  // open connections
	owned bool // handed to OpenBuffer
	done  bool // the database was closed
}

// NewBuffer allocates an uninitialised buffer of n bytes.
func NewBuffer(n int) (*Buffer, error) {
	if n <= 0 || int64(n) > MaxImageSize {
		return nil, fmt.Errorf("sqlitemem: buffer size %d out of range", n)
	}
	p := C.ib_malloc_huge(C.size_t(n))
	if p == nil {
		return nil, errors.New("sqlitemem: out of memory")
	}
	return &Buffer{p: p, n: n}, nil
}

// Bytes returns the buffer's memory. It must not be used after Free, or
// after the database it was handed to is closed.
func (b *Buffer) Bytes() []byte {
	if b.p == nil {
		return nil
	}
	return unsafe.Slice((*byte)(b.p), b.n)
}

// Truncate shortens the image to n bytes (e.g. after removing padding).
func (b *Buffer) Truncate(n int) {
	if n >= 0 && n < b.n {
		b.n = n
	}
}

// Free releases a buffer that was not handed to OpenBuffer (or whose
// OpenBuffer failed). The memory is zeroed first.
func (b *Buffer) Free() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.owned && !b.done {
		return // the database frees it
	}
	b.freeLocked()
}

// freed reports whether the memory was released (for tests).
func (b *Buffer) freed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.p == nil
}

func (b *Buffer) freeLocked() {
	if b.p != nil {
		C.memset(b.p, 0, C.size_t(b.n))
		C.free(b.p)
		b.p = nil
	}
}

func (b *Buffer) acquire() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done || b.p == nil {
		return false
	}
	b.refs++
	return true
}

func (b *Buffer) release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refs--
	if b.done && b.refs == 0 {
		b.freeLocked()
	}
}

func (b *Buffer) closeDB() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done = true
	if b.refs == 0 {
		b.freeLocked()
	}
}

// OpenBuffer opens the image in buf read-only, taking ownership of buf:
// all connections read it in place, and it is zeroed and freed once the
// database is closed and its last connection released. On error buf is
// still the caller's to Free.
func OpenBuffer(buf *Buffer) (*sql.DB, error) {
	img := buf.Bytes()
	if !IsSQLite(img) {
		return nil, ErrNotSQLite
	}
	if len(img) < 100 {
		return nil, &FormatError{Offset: int64(len(img)), Msg: "database header truncated"}
	}
	if C.ib_have_deserialize() == 0 {
		return nil, errors.New("sqlitemem: sqlite3_deserialize is not available")
	}
	patchHeader(img)
	buf.owned = true
	c := &bufConnector{buf: buf, drv: &sqlite3.SQLiteDriver{}, budget: newDBBudget(len(img))}
	db := sql.OpenDB(c)
	db.SetMaxIdleConns(2)
	var n int
	if err := db.QueryRow("SELECT count(*) FROM sqlite_master").Scan(&n); err != nil {
		buf.mu.Lock()
		buf.owned = false
		buf.mu.Unlock()
		c.keep = true
		db.Close()
		return nil, fmt.Errorf("sqlitemem: cannot read database: %w", err)
	}
	return db, nil
}

type bufConnector struct {
	budget *dbBudget
	buf    *Buffer
	drv    *sqlite3.SQLiteDriver
	keep   bool // do not free on Close (OpenBuffer failed: the caller frees)
}

func (c *bufConnector) Connect(context.Context) (driver.Conn, error) {
	if !c.buf.acquire() {
		return nil, errors.New("sqlitemem: database closed")
	}
	dc, err := c.drv.Open(":memory:")
	if err != nil {
		c.buf.release()
		return nil, err
	}
	sc := dc.(*sqlite3.SQLiteConn)
	cn := &conn{SQLiteConn: sc, release: c.buf.release}
	handle := reflect.ValueOf(sc).Elem().FieldByName("db").UnsafePointer()
	if handle == nil {
		cn.Close()
		return nil, errors.New("sqlitemem: no SQLite handle")
	}
	img := c.buf.Bytes()
	if rc := C.ib_deserialize_readonly(handle, (*C.uchar)(c.buf.p), C.longlong(len(img))); rc != 0 {
		cn.Close()
		return nil, fmt.Errorf("sqlitemem: deserialize failed (%d)", int(rc))
	}
	g, err := configure(sc, handle, len(img), c.budget)
	if err != nil {
		cn.Close()
		return nil, err
	}
	cn.g = g
	return cn, nil
}

func (c *bufConnector) Driver() driver.Driver { return c.drv }

// Close is called by sql.DB.Close after it closed the idle connections;
// the buffer is freed when the last active one is released.
func (c *bufConnector) Close() error {
	if !c.keep {
		c.buf.closeDB()
	}
	return nil
}
