package records

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"

	"github.com/iosbackup/iosbackup/internal/sqlitecarve"
	"github.com/iosbackup/iosbackup/internal/typedstream"
)

// Recovery says where a recovered record was found and how complete it
// is. JSON field names follow docs/CLI.md.
type Recovery struct {
	Source   RecoverySource `json:"source"`   // one of the Recovered* constants
	Database string         `json:"database"` // path of the database in its source
	Table    string         `json:"table"`
	Page     uint32         `json:"page,omitempty"`   // database page number (carved records)
	Offset   int            `json:"offset,omitempty"` // byte offset of the cell in the page
	Frame    int            `json:"frame,omitempty"`  // 1-based -wal frame, for source "wal"
	// FileOffset is the byte offset of the cell in the -wal (source "wal")
	// or in the main database file (other carved sources).
	FileOffset int64 `json:"file_offset,omitempty"`
	Complete   bool  `json:"complete"`
	// Missing lists what could not be read when the record is not complete.
	Missing []string `json:"missing,omitempty"`
	// HistoryOf is set on an earlier (or uncommitted) version of a row:
	// the row's id. When that row is live the record is not Deleted; when
	// the row is deleted too, the record without HistoryOf is its latest
	// version.
	HistoryOf *int64 `json:"history_of,omitempty"`
	// DeletedAt is when a Recently Deleted message was deleted.
	DeletedAt *time.Time `json:"deleted_at,omitempty"`
	// Copies counts the other places that held the same record.
	Copies int `json:"copies,omitempty"`
}

// origin is where a database was opened from, kept so that recovery can
// read its bytes again: name in fsys, or the path name on disk when fsys
// is nil.
type origin struct {
	fsys fs.FS
	name string
}

// read reads the database and its "-wal" (which may be absent) under ctx,
// with the checks and the size limit of opening: a missing database gives
// an error wrapping ErrNotFound, an unreadable one a *DatabaseError.
func (o origin) read(ctx context.Context) (main, wal []byte, err error) {
	get := func(name string, limit int64) ([]byte, error) {
		if o.fsys == nil {
			return readOSFile(ctx, name, limit)
		}
		return readFS(ctx, o.fsys, name, limit)
	}
	main, err = get(o.name, maxDatabaseSize)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("%w: %s", ErrNotFound, o.name)
		}
		return nil, nil, &DatabaseError{Name: o.name, Err: err}
	}
	wal, err = get(o.name+"-wal", maxDatabaseSize-int64(len(main)))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, &DatabaseError{Name: o.name + "-wal", Err: err}
	}
	return main, wal, nil
}

// carving is a carved database: its parse, its recovered records by table,
// and its live state opened in memory for lookups.
type carving struct {
	name string
	cdb  *sqlitecarve.DB
	recs map[string][]*sqlitecarve.Record // by lower-case table name
	db   *sql.DB
}

func carve(name string, main, wal []byte) (*carving, error) {
	cdb, err := sqlitecarve.Open(main, wal)
	if err != nil {
		return nil, &DatabaseError{Name: name, Err: err}
	}
	db, err := openBytes(name, main, wal)
	if err != nil {
		return nil, err
	}
	c := &carving{name: name, cdb: cdb, recs: map[string][]*sqlitecarve.Record{}, db: db}
	for _, r := range cdb.Carve() {
		k := strings.ToLower(r.Table)
		c.recs[k] = append(c.recs[k], r)
	}
	return c, nil
}

func (c *carving) close() { c.db.Close() }

// table returns the carved records of a table and its schema.
func (c *carving) table(name string) ([]*sqlitecarve.Record, *sqlitecarve.Table) {
	return c.recs[strings.ToLower(name)], c.cdb.Table(name)
}

// recovery describes where r came from.
func (c *carving) recovery(r *sqlitecarve.Record) *Recovery {
	rc := &Recovery{Source: RecoverySource(r.Source), Database: c.name, Table: r.Table, Page: r.Page, Offset: r.Offset,
		Frame: r.Frame, FileOffset: r.FileOffset, Complete: r.Complete, Missing: r.Damage, Copies: r.Copies}
	if r.History || r.Earlier {
		id := r.RowID
		rc.HistoryOf = &id
	}
	return rc
}

// row gives by-name access to a carved record's values.
type row struct {
	r *sqlitecarve.Record
	t *sqlitecarve.Table
}

func (w row) v(col string) any             { return w.r.Value(w.t, col) }
func (w row) s(col string) string          { return strings.TrimSpace(asString(w.v(col))) }
func (w row) i(col string) int64           { n, _ := asInt(w.v(col)); return n }
func (w row) f(col string) (float64, bool) { return asFloat(w.v(col)) }

// id returns the record's rowid when known.
func (w row) id() int64 {
	if w.r.RowIDKnown {
		return w.r.RowID
	}
	return 0
}

// yieldAll yields items, or err alone, stopping with ctx's error when
// ctx is done.
func yieldAll[T any](ctx context.Context, yield func(*T, error) bool, items []*T, err error) {
	if err != nil {
		yield(nil, err)
		return
	}
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			yield(nil, err)
			return
		}
		if !yield(it, nil) {
			return
		}
	}
}

// decodedText returns a message body from text, else from attributedBody
// (typedstream), recovering what it can from a damaged blob.
func decodedText(text string, body []byte) string {
	if text != "" || len(body) == 0 {
		return text
	}
	if t, err := typedstream.Text(body); err == nil {
		return t
	}
	if t, ok := typedstream.Recover(body); ok {
		return t
	}
	return ""
}

// sortByDate orders messages by date (undated last), then rowid.
func sortMessages(ms []*Message) {
	sort.SliceStable(ms, func(i, j int) bool {
		a, b := ms[i], ms[j]
		if (a.Date == nil) != (b.Date == nil) {
			return a.Date != nil
		}
		if a.Date != nil && !a.Date.Equal(*b.Date) {
			return a.Date.Before(*b.Date)
		}
		return a.RowID < b.RowID
	})
}

// recBool reports whether a value is a non-zero number.
func recBool(v any) bool {
	f, ok := asFloat(v)
	return ok && f != 0
}
