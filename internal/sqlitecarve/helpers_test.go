package sqlitecarve

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"
)

// testRow is a row of the test message table.
type testRow struct {
	id   int64
	text string
}

// rowText is a deterministic text of n bytes for row id.
func rowText(id int64, n int) string {
	s := fmt.Sprintf("row %d says hello; ", id)
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(s)
	}
	return b.String()[:n]
}

const testSchema = `CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, text TEXT, handle_id INTEGER DEFAULT 0, date INTEGER, is_from_me INTEGER DEFAULT 0, attributedBody BLOB);
CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, id TEXT NOT NULL, service TEXT NOT NULL);
CREATE INDEX message_idx_date ON message(date);`

// buildDB makes a database the way SQLite leaves it on a phone
// (secure_delete off) in journal mode "delete" or "wal": it inserts rows
// with the given text lengths, then runs del. It returns the main file
// and -wal bytes as they are before any checkpoint.
func buildDB(t testing.TB, mode string, pageSize int, lengths []int, del func(db *sql.DB) error) (main, wal []byte, rows []testRow) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "sms.db")
	db, err := sql.Open("sqlite3", "file:"+path+"?_secure_delete=false")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		fmt.Sprintf("PRAGMA page_size=%d", pageSize),
		"PRAGMA secure_delete=OFF",
		"PRAGMA journal_mode=" + mode,
		"PRAGMA wal_autocheckpoint=0",
		testSchema,
		"INSERT INTO handle (id, service) VALUES ('+15550001','SMS'), ('a@example.com','iMessage')",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range lengths {
		id := int64(i + 1)
		txt := rowText(id, n)
		if _, err := tx.Exec("INSERT INTO message (ROWID, guid, text, handle_id, date, is_from_me, attributedBody) VALUES (?,?,?,?,?,?,?)",
			id, fmt.Sprintf("GUID-%05d", id), txt, id%2+1, 700000000+id*60, id%3 == 0, []byte{4, 11, byte(id)}); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, testRow{id, txt})
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if mode == "wal" {
		// the state a backup copies: the main file as of the first
		// checkpoint, the rest in the -wal
		if _, err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			t.Fatal(err)
		}
	}
	if del != nil {
		if err := del(db); err != nil {
			t.Fatal(err)
		}
	}
	main, err = os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wal, err = os.ReadFile(path + "-wal")
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return main, wal, rows
}

func writeFile(t testing.TB, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(name, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
