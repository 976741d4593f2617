//go:build !linux || iosbackup_portable

package sqlitemem

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"sync"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// Buffer is a database image in memory. On this platform every pooled
// connection deserializes its own copy of it (the zero-copy path is
// Linux-only: see buffer_linux.go).
type Buffer struct {
	mu   sync.Mutex
	b    []byte
	done bool
}

// NewBuffer allocates a buffer of n bytes.
func NewBuffer(n int) (*Buffer, error) {
	if n <= 0 || int64(n) > MaxImageSize {
		return nil, fmt.Errorf("sqlitemem: buffer size %d out of range", n)
	}
	return &Buffer{b: make([]byte, n)}, nil
}

// Bytes returns the buffer's memory.
func (b *Buffer) Bytes() []byte { return b.b }

// Truncate shortens the image to n bytes.
func (b *Buffer) Truncate(n int) {
	if n >= 0 && n < len(b.b) {
		b.b = b.b[:n]
	}
}

// Free zeroes and releases a buffer not handed to OpenBuffer.
func (b *Buffer) Free() {
	b.mu.Lock()
	defer b.mu.Unlock()
	clear(b.b)
	b.b = nil
}

func (b *Buffer) freed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b == nil
}

// OpenBuffer opens the image in buf read-only, taking ownership of buf:
// it is zeroed when the database is closed. On error buf is still the
// caller's to Free.
func OpenBuffer(buf *Buffer) (*sql.DB, error) {
	img := buf.Bytes()
	if !IsSQLite(img) {
		return nil, ErrNotSQLite
	}
	if len(img) < 100 {
		return nil, &FormatError{Offset: int64(len(img)), Msg: "database header truncated"}
	}
	patchHeader(img)
	c := &copyConnector{buf: buf, budget: newDBBudget(len(img))}
	c.drv = &sqlite3.SQLiteDriver{}
	db := sql.OpenDB(c)
	db.SetMaxIdleConns(2)
	var n int
	if err := db.QueryRow("SELECT count(*) FROM sqlite_master").Scan(&n); err != nil {
		c.keep = true
		db.Close()
		return nil, fmt.Errorf("sqlitemem: cannot read database: %w", err)
	}
	return db, nil
}

type copyConnector struct {
	budget *dbBudget
	buf    *Buffer
	drv    *sqlite3.SQLiteDriver
	keep   bool
}

func (c *copyConnector) Connect(context.Context) (driver.Conn, error) {
	dc, err := c.drv.Open(":memory:")
	if err != nil {
		return nil, err
	}
	sc := dc.(*sqlite3.SQLiteConn)
	img := c.buf.Bytes()
	if err := sc.Deserialize(img, "main"); err != nil {
		sc.Close()
		return nil, err
	}
	g, err := configure(sc, nil, len(img), c.budget)
	if err != nil {
		sc.Close()
		return nil, err
	}
	return &conn{SQLiteConn: sc, g: g}, nil
}

func (c *copyConnector) Driver() driver.Driver { return c.drv }

// Close zeroes the image once the database is closed: each connection
// has its own copy, so the original is no longer needed.
func (c *copyConnector) Close() error {
	if !c.keep {
		c.buf.Free()
	}
	return nil
}
