package sqlitemem

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Hostile databases: each case is a schema and the query run over it.
var hostileCases = []struct{ name, schema, query, limit string }{
	// An endless recursive query behind a view, and a sorted one whose
	// first row needs the whole endless sequence.
	{"recursive view", "CREATE TABLE u(x); CREATE VIEW t AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT x AS a FROM c", "SELECT a FROM t", ""},
	{"recursive view sorted", "CREATE TABLE u(x); CREATE VIEW t AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT x AS a FROM c", "SELECT a FROM t ORDER BY 1", ""},
	// Gigabyte values behind a view (the 5.3 GB case).
	{"randomblob view", "CREATE TABLE u(x); CREATE VIEW t AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 100) SELECT randomblob(1000000000) AS a FROM c", "SELECT a FROM t", ""},
	// The step bound itself, on a query with no view.
	{"endless step", "CREATE TABLE t(a)", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c", "step"},
	// A generated column that builds a 1.5 GB string.
	{"generated column", "CREATE TABLE t(b); INSERT INTO t(b) VALUES (1500000000);" + retype("t(b, a AS (printf('%.*c', b, 'x')))"), "SELECT a FROM t", "length"},
	{"zeroblob column", "CREATE TABLE t(b); INSERT INTO t(b) VALUES (2000000000);" + retype("t(b, a AS (zeroblob(b)))"), "SELECT a FROM t", "length"},
	// Sorting megabyte values made by a generated column: the sorter's
	// memory (100,000 rows of 1 MB, from a 1 MB file).
	{"sort bomb", "CREATE TABLE t(b); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 100000) INSERT INTO t(b) SELECT 'x' FROM c; " + retype("t(b, a AS (printf('%.*c', 1000000, b)))"), "SELECT a FROM t ORDER BY 1", "heap"},
	// The same rows unsorted: each step is cheap, the statement is not
	// (100,000 rows of 40 MB).
	{"slow rows", "CREATE TABLE t(b); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 100000) INSERT INTO t(b) SELECT 'x' FROM c; " + retype("t(b, a AS (length(printf('%.*c', 40000000, b))))"), "SELECT a FROM t", "time"},
}

// retype rewrites the definition of table t in the schema, the way a
// forger would, so that its rows gain a generated column that SQLite never
// computed when the rows were written.
func retype(def string) string {
	return "PRAGMA writable_schema=ON; UPDATE sqlite_master SET sql='CREATE TABLE " + strings.ReplaceAll(def, "'", "''") + "' WHERE name='t';"
}

func hostileImage(tb testing.TB, schema string) []byte {
	tb.Helper()
	img, err := Build(func(c *sql.Conn) error {
		_, err := c.ExecContext(context.Background(), schema)
		return err
	})
	if err != nil {
		tb.Fatalf("%s: %v", schema, err)
	}
	return img
}

// lowLimits lowers the bounds so that the hostile cases end quickly.
func lowLimits(t *testing.T) {
	restore := SetBudgets(50_000_000, 8*time.Second, 0)
	prev := SetHeapLimit(256 << 20)
	t.Cleanup(func() {
		restore()
		SetHeapLimit(prev)
	})
}

// TestHostileQueriesBounded runs each hostile case without a deadline:
// every query must end with a bound's error in bounded time, with a
// bounded Go heap, and the image is unchanged.
func TestHostileQueriesBounded(t *testing.T) {
	imgs := map[string][]byte{}
	for _, c := range hostileCases {
		imgs[c.name] = hostileImage(t, c.schema)
	}
	lowLimits(t)
	for _, c := range hostileCases {
		t.Run(c.name, func(t *testing.T) {
			img := imgs[c.name]
			orig := append([]byte(nil), img...)
			db, err := Open(img, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			start := time.Now()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			before := ms.TotalAlloc
			err = readAll(context.Background(), db, c.query)
			el := time.Since(start)
			runtime.ReadMemStats(&ms)
			if !isBoundErr(err) && !(strings.Contains(c.name, "view") && zeroCopyGuard && err != nil) {
				t.Fatalf("error %v (%T), want a bound", err, err)
			}
			var le *LimitError
			if errors.As(err, &le) && c.limit != "" && le.Limit != c.limit && le.Limit != "time" {
				t.Errorf("stopped by the %s limit, want %s", le.Limit, c.limit)
			}
			if el > 30*time.Second {
				t.Errorf("took %v", el)
			}
			// Total allocation grows with the rows streamed before a bound
			// stops the query (on the portable path views cannot be
			// switched off, so a recursive view runs until the time
			// bound, faster machines streaming more); what must stay
			// bounded is the memory held, so the live heap is checked
			// too, and the total only against a looser bound.
			if d := ms.TotalAlloc - before; d > 2<<30 {
				t.Errorf("%d bytes allocated in Go", d)
			}
			runtime.GC()
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > 256<<20 {
				t.Errorf("%d bytes of live Go heap after the query", ms.HeapAlloc)
			}
			if string(img) != string(orig) {
				t.Error("image changed")
			}
			t.Logf("%v after %v", err, el.Round(time.Millisecond))
		})
	}
}

func isBoundErr(err error) bool {
	var le *LimitError
	return errors.As(err, &le)
}

func readAll(ctx context.Context, db *sql.DB, q string) error {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var v any
		if err := rows.Scan(&v); err != nil {
			return err
		}
		n++
	}
	return rows.Err()
}

// TestContextInterrupts: the caller's context stops an endless statement
// at once, with the context's error.
func TestContextInterrupts(t *testing.T) {
	db, err := Open(hostileImage(t, "CREATE TABLE t(a)"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c",
		"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT x FROM c",
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		start := time.Now()
		err := readAll(ctx, db, q)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: %v", q, err)
		}
		if el := time.Since(start); el > 5*time.Second {
			t.Errorf("%s: stopped after %v", q, el)
		}
	}
	// The database is still usable afterwards.
	var n int
	if err := db.QueryRow("SELECT count(*) FROM t").Scan(&n); err != nil || n != 0 {
		t.Fatalf("count %d, %v", n, err)
	}
}

// TestDefensiveSettings: every connection refuses what a reader never
// needs, and keeps the limits.
func TestDefensiveSettings(t *testing.T) {
	db, err := Open(hostileImage(t, "CREATE TABLE t(a); INSERT INTO t VALUES (1)"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for q, want := range map[string]int64{
		"PRAGMA trusted_schema": 0,
		"PRAGMA query_only":     1,
		"PRAGMA temp_store":     2,
	} {
		var v int64
		if err := db.QueryRow(q).Scan(&v); err != nil || v != want {
			t.Errorf("%s = %d, %v; want %d", q, v, err, want)
		}
	}
	for _, q := range []string{
		"ATTACH DATABASE '/etc/passwd' AS x",
		"SELECT load_extension('x')",
		"INSERT INTO t VALUES (2)",
		"SELECT length(zeroblob(100000000))",
	} {
		if _, err := db.Exec(q); err == nil {
			t.Errorf("%s succeeded", q)
		}
	}
	if zeroCopyGuard {
		if SetHeapLimit(-1) <= 0 {
			t.Error("no hard heap limit")
		}
	}
}

// TestMeasureManifestSort measures the heaviest statement of a large
// Manifest.db: every row sorted by domain and path. It runs only with
// IOSBACKUP_MEASURE set.
func TestMeasureManifestSort(t *testing.T) {
	if os.Getenv("IOSBACKUP_MEASURE") == "" {
		t.Skip("set IOSBACKUP_MEASURE")
	}
	const rows = 300_000
	img, err := Build(func(c *sql.Conn) error {
		_, err := c.ExecContext(context.Background(), `
CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB);
CREATE INDEX FilesDomainIdx ON Files(domain);
CREATE INDEX FilesRelativePathIdx ON Files(relativePath);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT ?)
INSERT INTO Files SELECT hex(randomblob(20)), 'CameraRollDomain', 'Media/DCIM/' || hex(randomblob(12)), 1, randomblob(400) FROM c`, rows)
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
	Peaks(true)
	start := time.Now()
	r, err := db.Query("SELECT fileID, domain, relativePath, flags, file FROM Files ORDER BY domain, relativePath")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for r.Next() {
		n++
	}
	r.Close()
	ops, heap := Peaks(false)
	t.Logf("%d rows, image %d bytes: peak step %d VM instructions, SQLite heap high-water %d bytes, %v", n, len(img), ops, heap, time.Since(start).Round(time.Millisecond))
}

// TestDatabaseTimeBound: many statements that each stay within their own
// budget are stopped once the database's time is used up.
func TestDatabaseTimeBound(t *testing.T) {
	defer SetBudgets(0, time.Second, 2*time.Second)()
	db, err := Open(hostileImage(t, "CREATE TABLE t(a)"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	var le *LimitError
	for i := 0; ; i++ {
		err := readAll(context.Background(), db, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c")
		if !errors.As(err, &le) {
			t.Fatalf("statement %d: %v", i, err)
		}
		if le.Limit == "database time" {
			break
		}
		if time.Since(start) > 20*time.Second {
			t.Fatal("no database time bound")
		}
	}
	if el := time.Since(start); el > 20*time.Second {
		t.Errorf("took %v", el)
	}
}
