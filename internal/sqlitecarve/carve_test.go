package sqlitecarve

import (
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"testing"
)

// freelistPages lists the freelist pages of an image by a separate walk
// of the header's trunk chain (independent of the package's own).
func freelistPages(img []byte, ps int) map[uint32]bool {
	out := map[uint32]bool{}
	trunk := binary.BigEndian.Uint32(img[32:])
	for trunk != 0 && !out[trunk] && int(trunk)*ps <= len(img) {
		out[trunk] = true
		p := img[int(trunk-1)*ps:]
		n := binary.BigEndian.Uint32(p[4:])
		for i := uint32(0); i < n; i++ {
			out[binary.BigEndian.Uint32(p[8+4*i:])] = true
		}
		trunk = binary.BigEndian.Uint32(p)
	}
	return out
}

// cellPointers lists the cell pointers of a b-tree page.
func cellPointers(p []byte, pg uint32) map[int]bool {
	o := 0
	if pg == 1 {
		o = 100
	}
	out := map[int]bool{}
	n := int(binary.BigEndian.Uint16(p[o+3:]))
	hs := o + 8
	if p[o] == 5 || p[o] == 2 {
		hs = o + 12
	}
	for i := 0; i < n; i++ {
		out[int(binary.BigEndian.Uint16(p[hs+2*i:]))] = true
	}
	return out
}

func TestCarveDeletedRows(t *testing.T) {
	type tc struct {
		name     string
		mode     string
		pageSize int
		lengths  func(i int) int
		del      string
		perRow   bool // delete one row per transaction, as the phone does
	}
	small := func(i int) int { return 10 + (i*37)%120 }
	mixed := func(i int) int {
		if i%10 == 0 {
			return 3000 + i*7 // overflow pages
		}
		return 20 + (i*53)%400
	}
	for _, c := range []tc{
		{"journal-small", "delete", 4096, small, "ROWID % 3 = 0", true},
		{"journal-mixed", "delete", 4096, mixed, "ROWID % 4 = 1 OR ROWID % 7 = 3", true},
		{"journal-bulk", "delete", 4096, mixed, "ROWID % 4 = 1 OR ROWID BETWEEN 200 AND 230", false},
		{"journal-mixed-1k", "delete", 1024, mixed, "ROWID % 5 = 2", true},
		{"wal-small", "wal", 4096, small, "ROWID % 3 = 0", true},
		{"wal-mixed", "wal", 4096, mixed, "ROWID % 4 = 1 OR ROWID BETWEEN 200 AND 230", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var lengths []int
			for i := 0; i < 400; i++ {
				lengths = append(lengths, c.lengths(i))
			}
			var deleted map[int64]bool
			main, wal, rows := buildDB(t, c.mode, c.pageSize, lengths, func(db *sql.DB) error {
				deleted = map[int64]bool{}
				rs, err := db.Query("SELECT ROWID FROM message WHERE " + c.del)
				if err != nil {
					return err
				}
				var ids []int64
				for rs.Next() {
					var id int64
					rs.Scan(&id)
					ids = append(ids, id)
				}
				rs.Close()
				if !c.perRow {
					_, err := db.Exec("DELETE FROM message WHERE " + c.del)
					for _, id := range ids {
						deleted[id] = true
					}
					return err
				}
				for _, id := range ids {
					if _, err := db.Exec("DELETE FROM message WHERE ROWID = ?", id); err != nil {
						return err
					}
					deleted[id] = true
				}
				return nil
			})
			if c.mode == "wal" && len(wal) == 0 {
				t.Fatal("no -wal")
			}
			db, err := Open(main, wal)
			if err != nil {
				t.Fatal(err)
			}
			tab := db.Table("message")
			if tab == nil || len(tab.Columns) != 7 || tab.RowIDAlias != 0 {
				t.Fatalf("message table: %+v", tab)
			}
			recs := db.Carve()
			texts := map[string]bool{}
			live := map[string]bool{}
			for _, r := range rows {
				if !deleted[r.id] {
					live[r.text] = true
				}
			}
			frames := db.Frames()
			img := main // the committed image, for the source checks
			if len(wal) > 0 {
				img = committedImage(t, main, wal)
			}
			free := freelistPages(img, c.pageSize)
			for _, r := range recs {
				if r.Table != "message" {
					continue
				}
				txt, _ := r.Value(tab, "text").(string)
				if live[txt] && !r.History {
					t.Errorf("live row reported deleted: %.30q (%s page %d)", txt, r.Source, r.Page)
				}
				texts[txt] = true
				if r.RowIDKnown && !deleted[r.RowID] && !r.History {
					t.Errorf("rowid %d is live but reported deleted", r.RowID)
				}
				if r.RowIDKnown {
					if want := fmt.Sprintf("GUID-%05d", r.RowID); r.Value(tab, "guid") != want {
						t.Errorf("rowid %d carries guid %v: %+v", r.RowID, r.Value(tab, "guid"), r)
					}
				}
				switch r.Source {
				case SourceWAL:
					if c.mode != "wal" || r.Frame < 1 || r.Frame > len(frames) || frames[r.Frame-1].Current || frames[r.Frame-1].Page != r.Page {
						t.Errorf("wal record in frame %d page %d", r.Frame, r.Page)
					}
				case SourceSuperseded:
					if c.mode != "wal" {
						t.Errorf("superseded page without a -wal")
					}
				case SourceFreelist:
					if !free[r.Page] {
						t.Errorf("freelist record on page %d, not in the freelist %v", r.Page, free)
					}
				case SourceUnallocated:
					p := img[int(r.Page-1)*c.pageSize : int(r.Page)*c.pageSize]
					if free[r.Page] || cellPointers(p, r.Page)[r.Offset] {
						t.Errorf("unallocated record at page %d offset %d is a live cell or free page", r.Page, r.Offset)
					}
				default:
					t.Errorf("source %q", r.Source)
				}
				if r.Source != SourceWAL && r.FileOffset != int64(r.Page-1)*int64(c.pageSize)+int64(r.Offset) && r.Source != SourceUnallocated && r.Source != SourceFreelist {
					t.Errorf("file offset %d for page %d offset %d", r.FileOffset, r.Page, r.Offset)
				}
			}
			found, present, foundPresent := 0, 0, 0
			for id := range deleted {
				txt := rows[id-1].text
				// still in the files byte for byte (short rows; long ones
				// span pages)
				there := strings.Contains(string(main), txt) || strings.Contains(string(wal), txt)
				if there {
					present++
				}
				if texts[txt] {
					found++
					if there {
						foundPresent++
					}
				}
			}
			pct := 100 * found / len(deleted)
			t.Logf("%d deleted, %d still in the bytes, %d recovered in full (%d%%), %d records", len(deleted), present, found, pct, len(recs))
			if c.perRow && pct < 80 {
				t.Errorf("recovered %d%% of the deleted rows' text, want >= 80%%", pct)
			}
			// a bulk delete lets SQLite rebalance and overwrite pages: what
			// is gone from the bytes cannot come back, the rest must
			if !c.perRow && (pct < 70 || foundPresent*100 < 95*present) {
				t.Errorf("bulk: recovered %d%% (%d of the %d still present)", pct, foundPresent, present)
			}
		})
	}
}

// committedImage replays the committed -wal frames over main with
// go-sqlite3's own reading: it copies both files into a temp dir, opens
// them with SQLite and checkpoints, then reads the result.
func committedImage(t *testing.T, main, wal []byte) []byte {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir+"/c.db", main)
	writeFile(t, dir+"/c.db-wal", wal)
	db, err := sql.Open("sqlite3", "file:"+dir+"/c.db")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	return readFile(t, dir+"/c.db")
}

func TestParseCreateTable(t *testing.T) {
	for _, c := range []struct {
		sql   string
		cols  string
		alias int
	}{
		{"CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, text TEXT, replace INTEGER DEFAULT 0)", "ROWID:INTEGER guid:TEXT text:TEXT replace:INTEGER", 0},
		{"CREATE TABLE sqlite_sequence(name,seq)", "name: seq:", -1},
		{`CREATE TABLE "ZCALLRECORD" ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, ZADDRESS VARCHAR, ZDATE TIMESTAMP )`, "Z_PK:INTEGER Z_ENT:INTEGER ZADDRESS:VARCHAR ZDATE:TIMESTAMP", 0},
		{"CREATE TABLE chat_message_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE, message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, message_date INTEGER DEFAULT 0, PRIMARY KEY (chat_id, message_id))", "chat_id:INTEGER message_id:INTEGER message_date:INTEGER", -1},
		{"CREATE TABLE t (a, b VARCHAR(10) DEFAULT 'x,y', [c d] TEXT, CHECK (a != 0))", "a: b:VARCHAR c d:TEXT", -1},
		{"CREATE TABLE t (id INTEGER, x TEXT, PRIMARY KEY (id))", "id:INTEGER x:TEXT", 0},
		{"CREATE TABLE t (id INTEGER PRIMARY KEY DESC, x)", "id:INTEGER x:", -1},
	} {
		cols, alias, ok := parseCreateTable(c.sql)
		var got []string
		for _, col := range cols {
			got = append(got, col.Name+":"+col.Type)
		}
		if !ok || strings.Join(got, " ") != c.cols || alias != c.alias {
			t.Errorf("%s: %v %d %v", c.sql, got, alias, ok)
		}
	}
	for _, bad := range []string{"CREATE TABLE t (a) WITHOUT ROWID", "CREATE VIRTUAL TABLE t USING fts5(a)", "CREATE TABLE t AS SELECT 1", "CREATE TABLE t (", ""} {
		if _, _, ok := parseCreateTable(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

// TestHashBodyMatchesValues: the live rows' content hashes (from the raw
// body) equal those of the same values decoded, as carved records have.
func TestHashBodyMatchesValues(t *testing.T) {
	types := []uint64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 13 + 2*3, 12 + 2*2, 0}
	body := []byte{0x80, 0x12, 0x34, 0xff, 0xff, 0xfe, 1, 2, 3, 4, 0, 0, 0, 0, 0, 7, 0x80, 0, 0, 0, 0, 0, 0, 1,
		0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18, 'a', 'b', 'c', 9, 9}
	vals, complete := decodeBody(types, body)
	if !complete {
		t.Fatal("body too short")
	}
	for alias := -1; alias < 3; alias++ {
		if hashBody(types, body, alias) != hashAll(vals, alias) {
			t.Errorf("alias %d: hashes differ", alias)
		}
	}
	want := []any{nil, int64(-128), int64(0x1234), int64(-2), int64(0x01020304), int64(7), int64(math.MinInt64 + 1), math.Pi, int64(0), int64(1), "abc", []byte{9, 9}, nil}
	if fmt.Sprint(vals) != fmt.Sprint(want) {
		t.Errorf("values %v, want %v", vals, want)
	}
}
