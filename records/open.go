package records

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/iosbackup/iosbackup/internal/sqlitemem"
)

// maxDatabaseSize caps the bytes of a record database (main file and
// "-wal" together) read into memory: 4 GiB. A database above it is
// refused with an error wrapping ErrTooLarge, before anything is
// allocated for it.
const maxDatabaseSize = 4 << 30

// readTables are the tables the record readers read. A view or virtual
// table under one of these names (in any letter case) is refused when the
// database is opened; so is one under any Core Data name (Z_...), which
// the call readers look up by pattern.
var readTables = []string{
	// Messages (every era).
	"message", "chat", "handle", "chat_message_join", "chat_handle_join",
	"attachment", "message_attachment_join", "msg_group", "group_member",
	"msg_pieces", "madrid_chat", "madrid_attachment",
	"chat_recoverable_message_join", "recoverable_message_part",
	"deleted_messages", "sync_deleted_messages", "sync_deleted_chats",
	// Address book and its images.
	"ABPerson", "ABMultiValue", "ABMultiValueLabel", "ABMultiValueEntry",
	"ABMultiValueEntryKey", "ABGroup", "ABGroupMembers", "ABStore",
	"ABPersonFullTextSearch_content", "ABFullSizeImage", "ABThumbnailImage",
	// Call history (Core Data and legacy).
	"ZCALLRECORD", "ZHANDLE", "call", "Z_PRIMARYKEY", "Z_METADATA",
	// Calendar and reminders.
	"CalendarItem", "Calendar", "Store", "Location", "Recurrence", "Alarm",
	"Participant", "Identity", "Attachment", "ZREMCDREMINDER",
	"ZREMCDBASELIST", "ZREMCDOBJECT",
}

var readTableSet = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range readTables {
		m[strings.ToLower(t)] = true
	}
	return m
}()

// openFS reads name and, when present, name+"-wal" from fsys and opens
// them in memory. A missing main file gives an error wrapping ErrNotFound.
func openFS(fsys fs.FS, name string) (*sql.DB, error) {
	return openFSContext(context.Background(), fsys, name)
}

// openFSContext is openFS under ctx: reading stops when ctx is done, and
// the checks made at open time run under it.
func openFSContext(ctx context.Context, fsys fs.FS, name string) (*sql.DB, error) {
	if _, err := fs.Stat(fsys, name+"-wal"); errors.Is(err, fs.ErrNotExist) {
		// No WAL: the file goes straight into the memory SQLite reads.
		buf, err := readFSBuffer(ctx, fsys, name, maxDatabaseSize)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
			}
			return nil, &DatabaseError{Name: name, Err: err}
		}
		return openBufferContext(ctx, name, buf)
	}
	main, err := readFS(ctx, fsys, name, maxDatabaseSize)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
		}
		return nil, &DatabaseError{Name: name, Err: err}
	}
	wal, err := readFS(ctx, fsys, name+"-wal", maxDatabaseSize-int64(len(main)))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, &DatabaseError{Name: name + "-wal", Err: err}
	}
	return openBytesContext(ctx, name, main, wal)
}

// readFSBuffer is readFS into a buffer outside the Go heap (see
// readIntoBuffer).
func readFSBuffer(ctx context.Context, fsys fs.FS, name string, limit int64) (*sqlitemem.Buffer, error) {
	f, st, err := openRegularFS(fsys, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readIntoBuffer(ctx, f, st, limit)
}

// readIntoBuffer reads the regular file f, whose opened file's information
// is st, into a buffer of st.Size() bytes outside the Go heap, which
// SQLite then reads in place: one copy of the database instead of three.
// The size is that of the opened file (for a backup, of its decrypted
// content), never a recorded one, and at most limit. A file shorter than
// its size is truncated to what was read; one that turns out longer than
// its size is read again the general way.
func readIntoBuffer(ctx context.Context, f io.Reader, st fs.FileInfo, limit int64) (*sqlitemem.Buffer, error) {
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w (%v)", ErrNotRegular, st.Mode().Type())
	}
	size := st.Size()
	if size > limit {
		return nil, fmt.Errorf("%w: %d bytes recorded, %d allowed", ErrTooLarge, size, limit)
	}
	if size < 100 { // not even a header: let the general path say why
		b, err := readLimited(ctx, f, limit)
		if err != nil {
			return nil, err
		}
		return bufferOf(b)
	}
	buf, err := sqlitemem.NewBuffer(int(size))
	if err != nil {
		return nil, err
	}
	dst := buf.Bytes()
	n := 0
	for n < len(dst) {
		if err := ctx.Err(); err != nil {
			buf.Free()
			return nil, err
		}
		m, err := f.Read(dst[n:min(len(dst), n+readChunk)])
		n += m
		if err == io.EOF {
			break
		}
		if err != nil {
			buf.Free()
			return nil, err
		}
	}
	if n < len(dst) {
		buf.Truncate(n)
		return buf, nil
	}
	var probe [1]byte
	if m, _ := io.ReadFull(f, probe[:]); m == 0 {
		return buf, nil
	}
	// Longer than its size: keep what was read and read the rest.
	head := append(make([]byte, 0, n+1), dst...)
	buf.Free()
	rest, err := readLimited(ctx, f, limit-int64(n)-1)
	if err != nil {
		return nil, err
	}
	return bufferOf(append(append(head, probe[0]), rest...))
}

// bufferOf copies b into a new buffer.
func bufferOf(b []byte) (*sqlitemem.Buffer, error) {
	if len(b) == 0 {
		return nil, sqlitemem.ErrNotSQLite
	}
	buf, err := sqlitemem.NewBuffer(len(b))
	if err != nil {
		return nil, err
	}
	copy(buf.Bytes(), b)
	return buf, nil
}

// readFS reads a regular file of at most limit bytes from fsys. Its mode
// is checked before it is opened (where fsys can Stat) and again after,
// before anything is read; its size is not trusted for an allocation.
func readFS(ctx context.Context, fsys fs.FS, name string, limit int64) ([]byte, error) {
	f, st, err := openRegularFS(fsys, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readRegular(ctx, f, st, limit)
}

// openRegularFS opens name in fsys if it is a regular file, checked
// before opening (where fsys can Stat) and on the opened file.
func openRegularFS(fsys fs.FS, name string) (fs.File, fs.FileInfo, error) {
	if st, err := fs.Stat(fsys, name); err != nil {
		return nil, nil, err
	} else if !st.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%w (%v)", ErrNotRegular, st.Mode().Type())
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, st, nil
}

// readRegular reads f, whose opened file's information is st, refusing
// anything but a regular file and more than limit bytes.
func readRegular(ctx context.Context, f io.Reader, st fs.FileInfo, limit int64) ([]byte, error) {
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w (%v)", ErrNotRegular, st.Mode().Type())
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%w: %d bytes recorded, %d allowed", ErrTooLarge, st.Size(), limit)
	}
	return readLimited(ctx, f, limit)
}

// readChunk is the most read at once, and the initial capacity; the
// buffer then doubles as the data arrives, never sized from a recorded
// size.
const readChunk = 1 << 20

// readLimited reads r to its end, failing with ErrTooLarge past limit
// bytes and with ctx's error when ctx is done.
func readLimited(ctx context.Context, r io.Reader, limit int64) ([]byte, error) {
	var b []byte
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if int64(len(b)) > limit {
			return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
		}
		if len(b) == cap(b) {
			// Double, within the limit (plus the byte that shows the
			// input is larger).
			b = slices.Grow(b, int(min(max(int64(cap(b)), readChunk), limit+1-int64(len(b)))))
		}
		end := min(cap(b), len(b)+readChunk)
		n, err := r.Read(b[len(b):end])
		b = b[:len(b)+n]
		if err == io.EOF {
			if int64(len(b)) > limit {
				return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
			}
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// openFile reads a bare database file and its "-wal" beside it, if any.
// The files are only read: nothing is created or changed beside them.
func openFile(path string) (*sql.DB, error) {
	return openFileContext(context.Background(), path)
}

// openFileContext is openFile under ctx. Both files must be regular
// files; a symbolic link to one is followed (it is how a user points at a
// database kept elsewhere), a link to anything else is refused like the
// thing itself, before it is opened.
func openFileContext(ctx context.Context, path string) (*sql.DB, error) {
	if _, err := os.Lstat(path + "-wal"); errors.Is(err, fs.ErrNotExist) {
		// No WAL: the file goes straight into the memory SQLite reads.
		buf, err := readOSFileBuffer(ctx, path, maxDatabaseSize)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("%w: %s", ErrNotFound, path)
			}
			return nil, &DatabaseError{Name: path, Err: err}
		}
		return openBufferContext(ctx, path, buf)
	}
	main, err := readOSFile(ctx, path, maxDatabaseSize)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, path)
		}
		return nil, &DatabaseError{Name: path, Err: err}
	}
	wal, err := readOSFile(ctx, path+"-wal", maxDatabaseSize-int64(len(main)))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, &DatabaseError{Name: path + "-wal", Err: err}
	}
	return openBytesContext(ctx, path, main, wal)
}

// readOSFile reads a regular file of at most limit bytes: its mode is
// checked before it is opened (so that a FIFO is never opened, which
// would block) and again on the opened file.
func readOSFile(ctx context.Context, path string, limit int64) ([]byte, error) {
	f, st, err := openRegularOS(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readRegular(ctx, f, st, limit)
}

// openRegularOS opens path if it is a regular file (a symbolic link to one
// is followed), checked before opening, so that a FIFO is never opened,
// and again on the opened file.
func openRegularOS(path string) (*os.File, fs.FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%w (%v)", ErrNotRegular, st.Mode().Type())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	if st, err = f.Stat(); err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, st, nil
}

// readOSFileBuffer is readOSFile into a buffer outside the Go heap (see
// readIntoBuffer).
func readOSFileBuffer(ctx context.Context, path string, limit int64) (*sqlitemem.Buffer, error) {
	f, st, err := openRegularOS(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readIntoBuffer(ctx, f, st, limit)
}

// openBufferContext is openBytesContext for an image already in a buffer,
// which it takes over (freed on error).
func openBufferContext(ctx context.Context, name string, buf *sqlitemem.Buffer) (*sql.DB, error) {
	db, err := sqlitemem.OpenBuffer(buf)
	if err != nil {
		buf.Free()
		return nil, &DatabaseError{Name: name, Err: err}
	}
	if err := checkTables(ctx, db); err != nil {
		db.Close()
		return nil, &DatabaseError{Name: name, Err: err}
	}
	return db, nil
}

func openBytes(name string, main, wal []byte) (*sql.DB, error) {
	return openBytesContext(context.Background(), name, main, wal)
}

// openBytesContext opens a database from its bytes and checks, under
// ctx, that no table the readers read is a view or a virtual table.
func openBytesContext(ctx context.Context, name string, main, wal []byte) (*sql.DB, error) {
	if int64(len(main))+int64(len(wal)) > maxDatabaseSize {
		return nil, &DatabaseError{Name: name, Err: fmt.Errorf("%w: %d bytes, %d allowed", ErrTooLarge, int64(len(main))+int64(len(wal)), int64(maxDatabaseSize))}
	}
	db, err := sqlitemem.Open(main, wal)
	if err != nil {
		return nil, &DatabaseError{Name: name, Err: err}
	}
	if err := checkTables(ctx, db); err != nil {
		db.Close()
		return nil, &DatabaseError{Name: name, Err: err}
	}
	return db, nil
}

// checkTables refuses a database where a name in readTables, or a Core
// Data name, is a view or a virtual table. Triggers are not refused: real
// databases carry many, and a read-only connection never fires them.
func checkTables(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, "SELECT type, name, coalesce(sql, '') FROM sqlite_master WHERE type IN ('table', 'view')")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var typ, name, def string
		if err := rows.Scan(&typ, &name, &def); err != nil {
			return err
		}
		lower := strings.ToLower(name)
		if !readTableSet[lower] && !strings.HasPrefix(lower, "z_") {
			continue
		}
		if typ == "view" {
			return fmt.Errorf("%w: %s is a view", ErrNotTable, name)
		}
		if f := strings.Fields(strings.ToUpper(def)); len(f) >= 2 && f[0] == "CREATE" && f[1] == "VIRTUAL" {
			return fmt.Errorf("%w: %s is a virtual table", ErrNotTable, name)
		}
	}
	return rows.Err()
}

// columns returns the set of column names of table (empty when the table
// does not exist). Schema variants are detected this way, never by the iOS
// version.
func columns(db *sql.DB, table string) (map[string]bool, error) {
	return columnsContext(context.Background(), db, table)
}

// columnsContext is columns under ctx.
func columnsContext(ctx context.Context, db *sql.DB, table string) (map[string]bool, error) {
	rows, err := db.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		cols[n] = true
	}
	return cols, rows.Err()
}
