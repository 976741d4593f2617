package sqlitemem

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/iosbackup/iosbackup/internal/realdata"
)

func TestBuildAndOpen(t *testing.T) {
	img, err := Build(func(c *sql.Conn) error {
		_, err := c.ExecContext(t.Context(), "CREATE TABLE t(a TEXT); INSERT INTO t VALUES ('x'),('y')")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(img, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM t").Scan(&n); err != nil || n != 2 {
		t.Fatalf("count = %d, %v", n, err)
	}
	if _, err := db.Exec("INSERT INTO t VALUES ('z')"); err == nil {
		t.Fatal("write succeeded on a query-only database")
	}
}

func TestWALOnlyAddressBook(t *testing.T) {
	dir := realdata.Path(t, "iLEAPP/admin/test/cases/data/addressBook/belkasoft_ctf6_ios_device1_unzipped/private/var/mobile/Library/AddressBook")
	main, err := os.ReadFile(filepath.Join(dir, "AddressBook.sqlitedb"))
	if err != nil {
		t.Fatal(err)
	}
	wal, err := os.ReadFile(filepath.Join(dir, "AddressBook.sqlitedb-wal"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(main, wal)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var first, last string
	if err := db.QueryRow("SELECT First, Last FROM ABPerson WHERE ROWID=1").Scan(&first, &last); err != nil {
		t.Fatal(err)
	}
	if first != "William" || last != "Phorger" {
		t.Fatalf("got %q %q", first, last)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Fatalf("the fixture folder changed: %d entries", len(entries))
	}
}
