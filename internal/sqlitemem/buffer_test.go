package sqlitemem

import (
	"database/sql"
	"fmt"
	"sync"
	"testing"
)

func buildNumbers(t *testing.T, n int) []byte {
	t.Helper()
	img, err := Build(func(c *sql.Conn) error {
		if _, err := c.ExecContext(t.Context(), "CREATE TABLE t(i INTEGER, s TEXT)"); err != nil {
			return err
		}
		for i := range n {
			if _, err := c.ExecContext(t.Context(), "INSERT INTO t VALUES (?, ?)", i, fmt.Sprint("row", i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestBufferShared runs queries on several connections at once over one
// C buffer, closes the database while a query is still open, and checks
// that the buffer is freed only when that query ends.
func TestBufferShared(t *testing.T) {
	img := buildNumbers(t, 500)
	buf, err := NewBuffer(len(img))
	if err != nil {
		t.Fatal(err)
	}
	copy(buf.Bytes(), img)
	db, err := OpenBuffer(buf)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var s string
			if err := db.QueryRow("SELECT s FROM t WHERE i = ?", g*50).Scan(&s); err != nil || s != fmt.Sprint("row", g*50) {
				t.Errorf("goroutine %d: %q %v", g, s, err)
			}
		}()
	}
	wg.Wait()
	if _, err := db.Exec("DELETE FROM t"); err == nil {
		t.Fatal("a write succeeded")
	}
	rows, err := db.Query("SELECT i FROM t ORDER BY i")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if buf.freed() && zeroCopy {
		t.Fatal("buffer freed while a query was open")
	}
	n := 0
	for rows.Next() {
		n++
	}
	rows.Close()
	if n != 500 || rows.Err() != nil {
		t.Fatalf("%d rows, %v", n, rows.Err())
	}
	if !buf.freed() {
		t.Fatal("buffer not freed after the last connection closed")
	}
}

func TestBufferBadImage(t *testing.T) {
	buf, _ := NewBuffer(200)
	copy(buf.Bytes(), "not sqlite")
	if _, err := OpenBuffer(buf); err != ErrNotSQLite {
		t.Fatalf("got %v", err)
	}
	img := buildNumbers(t, 3)
	buf2, _ := NewBuffer(len(img))
	copy(buf2.Bytes(), img)
	clear(buf2.Bytes()[100:]) // header intact, pages destroyed
	if _, err := OpenBuffer(buf2); err == nil {
		t.Fatal("corrupt image opened")
	}
	if buf2.freed() {
		t.Fatal("buffer freed although OpenBuffer failed")
	}
	buf.Free()
	buf2.Free()
	if !buf.freed() || !buf2.freed() {
		t.Fatal("Free did not free")
	}
	if _, err := NewBuffer(0); err == nil {
		t.Fatal("zero-size buffer")
	}
}
