package manifestdb

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/iosbackup/iosbackup/internal/sqlitemem"
)

// TestAllOrder: All yields every row once, sorted by domain and path,
// whether the rowid is reachable by name (the narrow sort) or hidden by
// columns or absent (the whole-row sort).
func TestAllOrder(t *testing.T) {
	for _, c := range []struct{ name, schema, rowid string }{
		{"plain", filesTable, "rowid"},
		{"rowid column", "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB, rowid INTEGER);", "_rowid_"},
		{"all names taken", "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB, ROWID, _rowid_, Oid);", ""},
		{"without rowid", "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB) WITHOUT ROWID;", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			img, err := sqlitemem.Build(func(conn *sql.Conn) error {
				ctx := context.Background()
				if _, err := conn.ExecContext(ctx, c.schema); err != nil {
					return err
				}
				// Inserted out of order; the extra columns (if any) hold
				// misleading values.
				for i := range 50 {
					k := (i * 37) % 50
					q := "INSERT INTO Files (fileID, domain, relativePath, flags) VALUES (?, ?, ?, 1)"
					if _, err := conn.ExecContext(ctx, q, fmt.Sprintf("%040x", k), fmt.Sprintf("D%d", k%3), fmt.Sprintf("p%02d", k)); err != nil {
						return err
					}
				}
				if c.name == "rowid column" {
					_, err := conn.ExecContext(ctx, "UPDATE Files SET rowid = 7")
					return err
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			d, err := OpenDB(img, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if d.rowid != c.rowid {
				t.Errorf("rowid name %q, want %q", d.rowid, c.rowid)
			}
			var got []string
			for e, err := range d.All() {
				if err != nil {
					t.Fatal(err)
				}
				var k int
				fmt.Sscanf(e.Path, "p%d", &k)
				if e.FileID != fmt.Sprintf("%040x", k) || e.Domain != fmt.Sprintf("D%d", k%3) {
					t.Errorf("row mixed up: %s %s %s", e.FileID, e.Domain, e.Path)
				}
				got = append(got, e.Domain+"/"+e.Path)
			}
			if len(got) != 50 {
				t.Fatalf("%d rows, want 50", len(got))
			}
			for i := 1; i < len(got); i++ {
				if got[i-1] >= got[i] {
					t.Errorf("out of order: %s before %s", got[i-1], got[i])
				}
			}
		})
	}
}
