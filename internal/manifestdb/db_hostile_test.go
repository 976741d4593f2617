package manifestdb

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/internal/sqlitemem"
	"github.com/iosbackup/iosbackup/manifest"
)

const filesTable = "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB);"

// TestHostileManifestTables: Files or Properties as a view (an endless
// recursive one, or one of gigabyte blobs) or as a virtual table is
// refused with a manifest.FormatError at once, instead of hanging every command.
func TestHostileManifestTables(t *testing.T) {
	const endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT 'passwordHash' AS key, x AS value FROM c"
	for _, c := range []struct{ name, schema, want string }{
		{"Properties endless view", filesTable + "CREATE VIEW Properties AS " + endless, "Properties is not a table (view)"},
		{"properties view, other case", filesTable + "CREATE VIEW properties AS " + endless, "properties is not a table (view)"},
		{"Files endless view", "CREATE VIEW Files AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT hex(x) AS fileID, 'D' AS domain, 'p' AS relativePath, 1 AS flags, NULL AS file FROM c", "Files is not a table (view)"},
		{"Files randomblob view", "CREATE VIEW Files AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 100) SELECT hex(x) AS fileID, 'D' AS domain, 'p' AS relativePath, 1 AS flags, randomblob(1000000000) AS file FROM c", "Files is not a table (view)"},
		{"Files virtual table", "CREATE VIRTUAL TABLE Files USING fts3(fileID, domain, relativePath, flags, file)", "Files is a virtual table"},
		{"Properties virtual table", filesTable + "CREATE VIRTUAL TABLE Properties USING fts3(key, value)", "Properties is a virtual table"},
		{"no Files", "CREATE TABLE Other(a)", "no Files table"},
	} {
		t.Run(c.name, func(t *testing.T) {
			img, err := sqlitemem.Build(func(conn *sql.Conn) error {
				_, err := conn.ExecContext(context.Background(), c.schema)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			orig := string(img)
			start := time.Now()
			d, err := OpenDB(append([]byte(nil), img...), nil)
			if el := time.Since(start); el > 20*time.Second {
				t.Errorf("took %v", el)
			}
			var fe *manifest.FormatError
			if !errors.As(err, &fe) || !strings.Contains(fe.Err.Error(), c.want) {
				if d != nil {
					d.Close()
				}
				t.Fatalf("error %v, want a manifest.FormatError saying %q", err, c.want)
			}
			if string(img) != orig {
				t.Error("input changed")
			}
		})
	}
	// A plain Files and Properties pair is accepted.
	img, err := sqlitemem.Build(func(conn *sql.Conn) error {
		_, err := conn.ExecContext(context.Background(), filesTable+"CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB); INSERT INTO Files VALUES ('ab', 'HomeDomain', 'x', 1, NULL)")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	d, err := OpenDB(img, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if n, err := d.Count(); err != nil || n != 1 {
		t.Errorf("Count = %d, %v", n, err)
	}
}
