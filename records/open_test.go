package records

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/devicepath"
	"github.com/iosbackup/iosbackup/internal/sqlitemem"
)

// endless is a query that never ends; randomBlobs one whose rows are a
// gigabyte each.
const (
	endless     = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT x AS ROWID, x AS Z_PK, x AS a FROM c"
	randomBlobs = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 100) SELECT x AS ROWID, randomblob(1000000000) AS text FROM c"
)

func buildDB(tb testing.TB, schema string) []byte {
	tb.Helper()
	img, err := sqlitemem.Build(func(c *sql.Conn) error {
		_, err := c.ExecContext(context.Background(), schema)
		return err
	})
	if err != nil {
		tb.Fatalf("%s: %v", schema, err)
	}
	return img
}

// hostileDBs are databases whose table a reader reads is a view or a
// virtual table; opener opens them with the reader that reads it.
var hostileDBs = []struct {
	name, schema string
	open         func(main, wal []byte) error
}{
	{"message recursive view", "CREATE TABLE handle(ROWID); CREATE VIEW message AS " + endless, openMsgs},
	{"message randomblob view", "CREATE VIEW message AS " + randomBlobs, openMsgs},
	{"Message view, other case", "CREATE VIEW Message AS " + endless, openMsgs},
	{"chat view beside a real message table", "CREATE TABLE message(ROWID INTEGER PRIMARY KEY, text); CREATE VIEW chat AS " + endless, openMsgs},
	{"message virtual table", "CREATE VIRTUAL TABLE message USING fts3(text)", openMsgs},
	{"message rtree", "CREATE VIRTUAL TABLE message USING rtree(id, a, b)", openMsgs},
	{"ABPerson view", "CREATE VIEW ABPerson AS " + endless, openContacts},
	{"ABMultiValue view", "CREATE TABLE ABPerson(ROWID INTEGER PRIMARY KEY, First); CREATE VIEW ABMultiValue AS " + endless, openContacts},
	{"ZCALLRECORD view", "CREATE VIEW ZCALLRECORD AS " + endless, openCalls},
	{"Core Data join view", "CREATE TABLE ZCALLRECORD(Z_PK INTEGER PRIMARY KEY, ZDATE); CREATE VIEW Z_2REMOTEPARTICIPANTHANDLES AS " + endless, openCalls},
	{"call view", "CREATE VIEW call AS " + endless, openCalls},
}

func openMsgs(main, wal []byte) error {
	db, err := OpenMessages(dbfixture.FS(devicepath.SMS, main, wal))
	if err == nil {
		db.Close()
	}
	return err
}

func openContacts(main, wal []byte) error {
	db, err := OpenContacts(dbfixture.FS(devicepath.AddressBook, main, wal))
	if err == nil {
		db.Close()
	}
	return err
}

func openCalls(main, wal []byte) error {
	db, err := OpenCalls(dbfixture.FS(devicepath.CallHistory, main, wal))
	if err == nil {
		db.Close()
	}
	return err
}

// noNewTemp fails the test if anything appears in TMPDIR while it runs.
func noNewTemp(t *testing.T) {
	dir, err := os.MkdirTemp("", "records-tmp")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", dir)
	t.Cleanup(func() {
		if e, _ := os.ReadDir(dir); len(e) != 0 {
			t.Errorf("files left in TMPDIR: %v", e)
		}
		os.RemoveAll(dir)
	})
}

// bounded runs f and fails the test if it takes longer than 20 s or
// allocates more than maxAlloc bytes in Go.
func bounded(t *testing.T, maxAlloc uint64, f func()) {
	t.Helper()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	start := time.Now()
	f()
	if el := time.Since(start); el > 20*time.Second {
		t.Errorf("took %v", el)
	}
	runtime.ReadMemStats(&ms)
	if d := ms.TotalAlloc - before; d > maxAlloc {
		t.Errorf("allocated %d bytes", d)
	}
}

// TestViewsRefused: a view or virtual table where a reader expects a
// table is refused at open time with ErrNotTable, at once.
func TestViewsRefused(t *testing.T) {
	noNewTemp(t)
	for _, c := range hostileDBs {
		t.Run(c.name, func(t *testing.T) {
			img := buildDB(t, c.schema)
			orig := string(img)
			var err error
			bounded(t, 16<<20, func() { err = c.open(img, nil) })
			var de *DatabaseError
			if !errors.Is(err, ErrNotTable) || !errors.As(err, &de) {
				t.Fatalf("error %v (%T), want ErrNotTable in a *DatabaseError", err, err)
			}
			if string(img) != orig {
				t.Error("input changed")
			}
		})
	}
}

// TestRealSchemasAccepted: the check accepts the schemas of every era's
// fixtures (which carry triggers and, for the address book, an FTS
// virtual table under a name no reader reads).
func TestRealSchemasAccepted(t *testing.T) {
	for _, era := range []dbfixture.SMSEra{dbfixture.SMSiOS6, dbfixture.SMSiOS11, dbfixture.SMSiOS18} {
		fsys := fxBackup(t, era)
		db, err := OpenMessages(fsys)
		if err != nil {
			t.Fatalf("%v: %v", era, err)
		}
		db.Close()
	}
}

// TestLimitSurfaces: a table whose generated column builds a 1.5 GB
// string (a forged schema) stops the query with an error matching
// ErrLimit, in bounded time and memory.
func TestLimitSurfaces(t *testing.T) {
	noNewTemp(t)
	img := buildDB(t, "CREATE TABLE message(ROWID INTEGER PRIMARY KEY, b); INSERT INTO message(b) VALUES (1500000000);"+
		"PRAGMA writable_schema=ON; UPDATE sqlite_master SET sql='CREATE TABLE message(ROWID INTEGER PRIMARY KEY, b, text AS (printf(''%.*c'', b, ''x'')))' WHERE name='message'")
	db, err := openBytes("sms.db", img, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	bounded(t, 256<<20, func() {
		var s string
		err = db.QueryRow("SELECT text FROM message").Scan(&s)
	})
	if !errors.Is(err, ErrLimit) {
		t.Fatalf("error %v (%T), want ErrLimit", err, err)
	}
}

// TestSparseHugeDatabase: a 1 TiB sparse sms.db (a few KB on disk) is
// refused by size, before anything is allocated for it, from a bare file
// and from an fs.FS.
func TestSparseHugeDatabase(t *testing.T) {
	noNewTemp(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "sms.db")
	img := buildDB(t, "CREATE TABLE message(ROWID INTEGER PRIMARY KEY, text)")
	if err := os.WriteFile(p, img, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, 1<<40); err != nil {
		t.Skipf("no sparse files here: %v", err)
	}
	for name, open := range map[string]func() error{
		"file": func() error { _, err := openFile(p); return err },
		"fs":   func() error { _, err := openFS(os.DirFS(dir), "sms.db"); return err },
		// A size that lies low: the read itself stops at the cap.
		"reader": func() error {
			_, err := readLimited(context.Background(), zeroReader{}, 64<<20)
			return err
		},
	} {
		var err error
		bounded(t, 200<<20, func() { err = open() })
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: %v, want ErrTooLarge", name, err)
		}
	}
	if st, err := os.Stat(p); err != nil || st.Size() != 1<<40 {
		t.Errorf("input changed: %v %v", st, err)
	}
}

type zeroReader struct{}

func (zeroReader) Read(b []byte) (int, error) { clear(b); return len(b), nil }

// TestSpecialFilesRefused: a FIFO or a device as the database or as its
// -wal is refused before it is opened (a FIFO would block), directly or
// through a symbolic link; a link to a regular file is followed.
func TestSpecialFilesRefused(t *testing.T) {
	noNewTemp(t)
	img := buildDB(t, "CREATE TABLE message(ROWID INTEGER PRIMARY KEY, text); INSERT INTO message VALUES (1, 'hello')")
	mk := func(t *testing.T) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "real.db"), img, 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	fifo := func(p string) error { return syscall.Mkfifo(p, 0o600) }
	devZero := func(p string) error { return os.Symlink("/dev/zero", p) }
	dirOf := func(p string) error { return os.Mkdir(p, 0o700) }
	for _, c := range []struct {
		name      string
		main, wal func(string) error
	}{
		{"fifo main", fifo, nil},
		{"fifo wal", nil, fifo},
		{"dev zero main", devZero, nil},
		{"dev zero wal", nil, devZero},
		{"folder main", dirOf, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := mk(t)
			p := filepath.Join(dir, "sms.db")
			if c.main != nil {
				if err := c.main(p); err != nil {
					t.Skip(err)
				}
			} else if err := os.Symlink("real.db", p); err != nil {
				t.Fatal(err)
			}
			if c.wal != nil {
				if err := c.wal(p + "-wal"); err != nil {
					t.Skip(err)
				}
			}
			for how, open := range map[string]func() error{
				"file": func() error { _, err := openFile(p); return err },
				"fs":   func() error { _, err := openFS(os.DirFS(dir), "sms.db"); return err },
			} {
				var err error
				done := make(chan struct{})
				go func() { err = open(); close(done) }()
				select {
				case <-done:
				case <-time.After(20 * time.Second):
					t.Fatalf("%s: hangs", how)
				}
				if !errors.Is(err, ErrNotRegular) {
					t.Errorf("%s: %v, want ErrNotRegular", how, err)
				}
			}
		})
	}
	// A link to a regular file is followed.
	dir := mk(t)
	p := filepath.Join(dir, "sms.db")
	if err := os.Symlink("real.db", p); err != nil {
		t.Fatal(err)
	}
	db, err := openFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var text string
	if err := db.QueryRow("SELECT text FROM message").Scan(&text); err != nil || text != "hello" {
		t.Errorf("through a link: %q, %v", text, err)
	}
	db.Close()
}

// TestOpenContext: opening stops when the context is done, with its
// error, and a query run under a context is interrupted by it.
func TestOpenContext(t *testing.T) {
	img := buildDB(t, "CREATE TABLE message(ROWID INTEGER PRIMARY KEY, text)")
	fsys := fstest.MapFS{devicepath.SMS: {Data: img}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := openFSContext(ctx, fsys, devicepath.SMS); !errors.Is(err, context.Canceled) {
		t.Errorf("openFSContext: %v", err)
	}
	db, err := openFSContext(context.Background(), fsys, devicepath.SMS)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	rows, err := db.QueryContext(ctx, endless)
	if err == nil {
		for rows.Next() {
		}
		err = rows.Err()
		rows.Close()
	}
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("endless query under a deadline: %v after %v", err, time.Since(start))
	}
	if _, err := columnsContext(ctx, db, "message"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("columnsContext after the deadline: %v", err)
	}
}

// TestNotFoundStillNotFound: the stricter reads keep ErrNotFound for a
// missing database, and a missing -wal is no error.
func TestNotFoundStillNotFound(t *testing.T) {
	if _, err := openFS(fstest.MapFS{}, devicepath.SMS); !errors.Is(err, ErrNotFound) {
		t.Errorf("fs: %v", err)
	}
	if _, err := openFile(filepath.Join(t.TempDir(), "none.db")); !errors.Is(err, ErrNotFound) {
		t.Errorf("file: %v", err)
	}
	img := buildDB(t, "CREATE TABLE message(ROWID INTEGER PRIMARY KEY, text)")
	db, err := openFS(fstest.MapFS{devicepath.SMS: {Data: img, Mode: 0o644}}, devicepath.SMS)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := openFS(fstest.MapFS{devicepath.SMS: {Data: img, Mode: fs.ModeNamedPipe}}, devicepath.SMS); !errors.Is(err, ErrNotRegular) {
		t.Errorf("pipe in an fs.FS: %v", err)
	}
}
