package sqlitemem

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// Header is the magic string every SQLite 3 database image starts with.
const Header = "SQLite format 3\x00"

// MaxImageSize caps the size of an image (main file with WAL applied).
const MaxImageSize = 1 << 36 // 64 GiB

// ErrNotSQLite reports an image that does not start with the SQLite header.
var ErrNotSQLite = errors.New("sqlitemem: not an SQLite database")

// FormatError reports a malformed WAL or database image.
type FormatError struct {
	Offset int64  // byte offset in the WAL or image where the problem was found
	Msg    string // what is wrong
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("sqlitemem: malformed input at offset %d: %s", e.Offset, e.Msg)
}

// IsSQLite reports whether b starts with the SQLite header.
func IsSQLite(b []byte) bool {
	return len(b) >= len(Header) && string(b[:len(Header)]) == Header
}

// Open returns a read-only database over the image db with the committed
// frames of wal applied (wal may be nil or empty). Neither slice is
// modified or retained.
func Open(db, wal []byte) (*sql.DB, error) {
	if len(wal) == 0 {
		// Straight into C memory: no intermediate copy.
		if !IsSQLite(db) {
			return nil, ErrNotSQLite
		}
		if len(db) < 100 {
			return nil, &FormatError{Offset: int64(len(db)), Msg: "database header truncated"}
		}
		buf, err := NewBuffer(len(db))
		if err != nil {
			return nil, err
		}
		copy(buf.Bytes(), db)
		d, err := OpenBuffer(buf)
		if err != nil {
			buf.Free()
			return nil, err
		}
		return d, nil
	}
	img, err := Image(db, wal)
	if err != nil {
		return nil, err
	}
	return openImage(img)
}

// OpenOwned is Open for an image without WAL that the caller hands over
// (its header may be patched in place; it must not be used afterwards).
// It saves the copy that Image makes; see OpenBuffer to save the last one.
func OpenOwned(img []byte) (*sql.DB, error) {
	if !IsSQLite(img) {
		return nil, ErrNotSQLite
	}
	if len(img) < 100 {
		return nil, &FormatError{Offset: int64(len(img)), Msg: "database header truncated"}
	}
	patchHeader(img)
	return openImage(img)
}

// patchHeader presents a WAL-mode image as a rollback-journal one: bytes
// 18 and 19 are the write and read format versions, 2 meaning WAL, which
// an in-memory database cannot use. The content is unchanged.
func patchHeader(img []byte) {
	if img[18] == 2 {
		img[18] = 1
	}
	if img[19] == 2 {
		img[19] = 1
	}
}

// Image returns the database image that SQLite would see after replaying
// the committed frames of wal over db: a new slice, with the header switched
// from WAL to rollback-journal mode so that it can be deserialized.
func Image(db, wal []byte) ([]byte, error) {
	var img []byte
	if len(wal) > 0 {
		var err error
		img, err = ApplyWAL(db, wal)
		if err != nil {
			return nil, err
		}
	} else {
		img = append([]byte(nil), db...)
	}
	if !IsSQLite(img) {
		return nil, ErrNotSQLite
	}
	if len(img) < 100 {
		return nil, &FormatError{Offset: int64(len(img)), Msg: "database header truncated"}
	}
	patchHeader(img)
	return img, nil
}

// openImage copies img into C memory once; every connection then reads
// that copy in place.
func openImage(img []byte) (*sql.DB, error) {
	buf, err := NewBuffer(len(img))
	if err != nil {
		return nil, err
	}
	copy(buf.Bytes(), img)
	db, err := OpenBuffer(buf)
	if err != nil {
		buf.Free()
		return nil, err
	}
	return db, nil
}

// buildConnector opens plain in-memory databases for Build.
type buildConnector struct{ drv *sqlite3.SQLiteDriver }

func (c *buildConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(":memory:") }
func (c *buildConnector) Driver() driver.Driver                        { return c.drv }

// Build creates a new database in memory, lets fill populate it, and
// returns its serialized image. It is meant for tests and fixtures.
func Build(fill func(db *sql.Conn) error) ([]byte, error) {
	return BuildFrom(nil, fill)
}

// BuildFrom is Build starting from a copy of the database image img (nil:
// an empty database). It is meant for tests and measurements.
func BuildFrom(img []byte, fill func(db *sql.Conn) error) ([]byte, error) {
	drv := &sqlite3.SQLiteDriver{}
	db := sql.OpenDB(&buildConnector{drv: drv})
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if img != nil {
		img = append([]byte(nil), img...)
		patchHeader(img)
		if err := conn.Raw(func(dc any) error {
			sc, ok := dc.(*sqlite3.SQLiteConn)
			if !ok {
				return errors.New("sqlitemem: unexpected driver connection")
			}
			// A deserialized image cannot grow: copy it into the
			// connection's own database with the backup API.
			src, err := drv.Open(":memory:")
			if err != nil {
				return err
			}
			defer src.Close()
			ss := src.(*sqlite3.SQLiteConn)
			if err := ss.Deserialize(img, "main"); err != nil {
				return err
			}
			b, err := sc.Backup("main", ss, "main")
			if err != nil {
				return err
			}
			if _, err := b.Step(-1); err != nil {
				b.Finish()
				return err
			}
			return b.Finish()
		}); err != nil {
			return nil, err
		}
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA temp_store = MEMORY"); err != nil {
		return nil, err
	}
	if err := fill(conn); err != nil {
		return nil, err
	}
	var out []byte
	err = conn.Raw(func(dc any) error {
		sc, ok := dc.(*sqlite3.SQLiteConn)
		if !ok {
			return errors.New("sqlitemem: unexpected driver connection")
		}
		b, err := sc.Serialize("main")
		out = b
		return err
	})
	return out, err
}

// WAL header and frame layout.
const (
	walHeaderSize      = 32
	walFrameHeaderSize = 24
	walMagicLE         = 0x377f0682
	walMagicBE         = 0x377f0683
)

// ApplyWAL returns a new image: db with every frame of wal that belongs to
// a committed transaction written over it. Frames after the last valid
// commit frame, frames whose salt differs from the header's and frames
// whose cumulative checksum fails are ignored, as SQLite ignores them. A
// WAL that is empty or whose header is invalid (magic, page size,
// checksum) leaves db unchanged; a WAL whose page size disagrees with the
// database, or whose commit frame claims a database larger than db and wal
// together, is an error. The result is never larger than len(db)+len(wal).
func ApplyWAL(db, wal []byte) ([]byte, error) {
	out := append([]byte(nil), db...)
	if len(wal) < walHeaderSize {
		return out, nil
	}
	magic := binary.BigEndian.Uint32(wal[0:4])
	var order binary.ByteOrder
	switch magic {
	case walMagicLE:
		order = binary.LittleEndian
	case walMagicBE:
		order = binary.BigEndian
	default:
		// SQLite treats a WAL without a valid header as empty.
		return out, nil
	}
	pageSize := int(binary.BigEndian.Uint32(wal[8:12]))
	if pageSize == 1 {
		pageSize = 65536
	}
	if pageSize < 512 || pageSize > 65536 || pageSize&(pageSize-1) != 0 {
		return out, nil
	}
	if len(db) >= 100 && IsSQLite(db) {
		dbPage := int(binary.BigEndian.Uint16(db[16:18]))
		if dbPage == 1 {
			dbPage = 65536
		}
		if dbPage != pageSize {
			return nil, &FormatError{Offset: 8, Msg: "WAL page size differs from the database's"}
		}
	}
	salt1 := binary.BigEndian.Uint32(wal[16:20])
	salt2 := binary.BigEndian.Uint32(wal[20:24])
	s0, s1 := walChecksum(order, wal[0:24], 0, 0)
	if s0 != binary.BigEndian.Uint32(wal[24:28]) || s1 != binary.BigEndian.Uint32(wal[28:32]) {
		// SQLite treats a WAL with a bad header checksum as empty.
		return out, nil
	}

	type frame struct {
		pgno uint32
		off  int
	}
	var pending []frame
	latest := map[uint32]int{} // page number -> offset of page data, committed frames only
	committedPages := -1
	frameSize := walFrameHeaderSize + pageSize
	for off := walHeaderSize; off+frameSize <= len(wal); off += frameSize {
		h := wal[off : off+walFrameHeaderSize]
		pgno := binary.BigEndian.Uint32(h[0:4])
		commit := binary.BigEndian.Uint32(h[4:8])
		if binary.BigEndian.Uint32(h[8:12]) != salt1 || binary.BigEndian.Uint32(h[12:16]) != salt2 || pgno == 0 {
			break
		}
		s0, s1 = walChecksum(order, h[0:8], s0, s1)
		s0, s1 = walChecksum(order, wal[off+walFrameHeaderSize:off+frameSize], s0, s1)
		if s0 != binary.BigEndian.Uint32(h[16:20]) || s1 != binary.BigEndian.Uint32(h[20:24]) {
			break
		}
		pending = append(pending, frame{pgno, off + walFrameHeaderSize})
		if commit != 0 {
			for _, f := range pending {
				latest[f.pgno] = f.off
			}
			pending = pending[:0]
			committedPages = int(commit)
		}
	}
	if committedPages < 0 {
		return out, nil
	}
	size := int64(committedPages) * int64(pageSize)
	// Every page of a real database is in the main file or in a frame, so
	// the image can never be larger than both inputs together: a larger
	// size in a commit frame is a lie that must not be allocated.
	if size > MaxImageSize || size > int64(len(db))+int64(len(wal)) {
		return nil, &FormatError{Offset: 0, Msg: fmt.Sprintf("database size %d in WAL commit frame exceeds the %d bytes of input", size, len(db)+len(wal))}
	}
	for pgno := range latest {
		if int64(pgno) > int64(committedPages) {
			delete(latest, pgno) // beyond the end of the committed database: truncated away
		}
	}
	if int64(len(out)) > size {
		out = out[:size]
	} else if int64(len(out)) < size {
		out = append(out, make([]byte, size-int64(len(out)))...)
	}
	for pgno, off := range latest {
		copy(out[int64(pgno-1)*int64(pageSize):], wal[off:off+pageSize])
	}
	return out, nil
}

// walChecksum continues the WAL checksum over b (a multiple of 8 bytes).
func walChecksum(order binary.ByteOrder, b []byte, s0, s1 uint32) (uint32, uint32) {
	for i := 0; i+8 <= len(b); i += 8 {
		s0 += order.Uint32(b[i:]) + s1
		s1 += order.Uint32(b[i+4:]) + s0
	}
	return s0, s1
}
