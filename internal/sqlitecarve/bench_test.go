package sqlitecarve

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkCarve100MB carves a 100 MB sms.db-like database (4096-byte
// pages, 200 000 messages of 20 to 1 000 bytes, one in 20 deleted one by
// one, secure_delete off) with its -wal: open, map, index the live rows
// and carve every free place. Building the database is not timed.
func BenchmarkCarve100MB(b *testing.B) {
	dir := b.TempDir()
	path := filepath.Join(dir, "sms.db")
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	for _, q := range []string{"PRAGMA page_size=4096", "PRAGMA secure_delete=OFF", "PRAGMA journal_mode=WAL", "PRAGMA wal_autocheckpoint=0", testSchema} {
		if _, err := db.Exec(q); err != nil {
			b.Fatal(err)
		}
	}
	tx, _ := db.Begin()
	st, _ := tx.Prepare("INSERT INTO message (guid, text, handle_id, date, is_from_me, attributedBody) VALUES (?,?,?,?,?,?)")
	filler := strings.Repeat("the quick brown fox jumps over the lazy dog ", 30)
	for i := 0; i < 200000; i++ {
		n := 20 + (i*7919)%1000
		if _, err := st.Exec(fmt.Sprintf("G-%08d", i), filler[:n], i%50, 700000000+i, i%2, []byte{4, 11, byte(i)}); err != nil {
			b.Fatal(err)
		}
	}
	st.Close()
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		b.Fatal(err)
	}
	for i := 1; i <= 200000; i += 20 {
		if _, err := db.Exec("DELETE FROM message WHERE ROWID = ?", i); err != nil {
			b.Fatal(err)
		}
	}
	main, _ := os.ReadFile(path)
	wal, _ := os.ReadFile(path + "-wal")
	db.Close()
	b.SetBytes(int64(len(main) + len(wal)))
	b.ReportAllocs()
	b.ResetTimer()
	var n int
	for i := 0; i < b.N; i++ {
		d, err := Open(main, wal)
		if err != nil {
			b.Fatal(err)
		}
		n = len(d.Carve())
	}
	b.ReportMetric(float64(n), "records")
	b.ReportMetric(float64(len(main))/1e6, "MB-main")
	b.ReportMetric(float64(len(wal))/1e6, "MB-wal")
}
