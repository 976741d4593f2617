package sqlitecarve

import (
	"database/sql"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"sort"
	"testing"

	"github.com/iosbackup/iosbackup/internal/realdata"
)

// TestPresentationsWAL carves the real iOS 5 sms.db whose 546-frame -wal
// came from a talk on recovering deleted messages from the WAL. The
// expected history is computed independently: every committed state the
// -wal passed through is rebuilt by a plain frame replay written here,
// opened with SQLite, and its message rows collected.
func TestPresentationsWAL(t *testing.T) {
	main := realdata.Read(t, "Presentations", "sms.db")
	wal := realdata.Read(t, "Presentations", "sms.db-wal")
	logical := realdata.Read(t, "Presentations", "Logical", "sms.db")

	// Independent replay: header fields and frames read directly.
	ps := int(binary.BigEndian.Uint32(wal[8:]))
	img := append([]byte(nil), main...)
	type version struct {
		rowid int64
		text  string
		flags int64
	}
	seen := map[version]bool{}  // every message row version of every committed state
	var final map[int64]version // the last committed state
	dir := t.TempDir()
	nFrames, nCommits := 0, 0
	var pending [][2]int // page, offset of frames since the last commit
	for off := 32; off+24+ps <= len(wal); off += 24 + ps {
		nFrames++
		pg := int(binary.BigEndian.Uint32(wal[off:]))
		commit := int(binary.BigEndian.Uint32(wal[off+4:]))
		pending = append(pending, [2]int{pg, off + 24})
		if commit == 0 {
			continue
		}
		nCommits++
		for _, f := range pending {
			for len(img) < f[0]*ps {
				img = append(img, make([]byte, ps)...)
			}
			copy(img[(f[0]-1)*ps:], wal[f[1]:f[1]+ps])
		}
		pending = pending[:0]
		img = img[:commit*ps]
		state := append([]byte(nil), img...)
		state[18], state[19] = 1, 1
		name := filepath.Join(dir, fmt.Sprintf("s%d.db", nCommits))
		writeFile(t, name, state)
		rows := queryMessages(t, name)
		final = map[int64]version{}
		for _, r := range rows {
			v := version(r)
			seen[v] = true
			final[r.rowid] = v
		}
	}
	if nFrames != 546 || nCommits != 304 {
		t.Fatalf("independent count: %d frames, %d commits", nFrames, nCommits)
	}
	// the last committed state is the logical copy
	writeFile(t, filepath.Join(dir, "logical.db"), logical)
	lrows := queryMessages(t, filepath.Join(dir, "logical.db"))
	if len(lrows) != len(final) {
		t.Fatalf("logical copy has %d messages, replay %d", len(lrows), len(final))
	}
	for _, r := range lrows {
		if final[r.rowid].text != r.text {
			t.Fatalf("logical copy differs at rowid %d", r.rowid)
		}
	}
	wantDeleted := map[int64]string{}
	wantHistory := map[version]bool{}
	for v := range seen {
		if _, live := final[v.rowid]; !live {
			wantDeleted[v.rowid] = v.text
		} else if v != final[v.rowid] {
			wantHistory[v] = true
		}
	}

	db, err := Open(main, wal)
	if err != nil {
		t.Fatal(err)
	}
	frames := db.Frames()
	valid := 0
	for _, f := range frames {
		if f.Valid && f.Committed {
			valid++
		}
	}
	if len(frames) != 546 || valid != 546 || db.PageCount() != uint32(len(logical)/ps) {
		t.Fatalf("%d frames, %d valid and committed, %d pages", len(frames), valid, db.PageCount())
	}
	tab := db.Table("message")
	if tab == nil || len(tab.Columns) != 33 || tab.ColumnIndex("address") != 1 || tab.ColumnIndex("flags") != 4 {
		t.Fatalf("message table %+v", tab)
	}
	gotDeleted := map[int64]string{}
	gotHistory := map[version]bool{}
	for _, r := range db.Carve() {
		if r.Table != "message" {
			continue
		}
		if r.Source != SourceWAL || !r.RowIDKnown || !r.Complete {
			t.Errorf("message record from %s (rowid known %v, complete %v)", r.Source, r.RowIDKnown, r.Complete)
		}
		txt, _ := r.Value(tab, "text").(string)
		flags, _ := r.Value(tab, "flags").(int64)
		v := version{r.RowID, txt, flags}
		if _, live := final[r.RowID]; live != r.History {
			t.Errorf("rowid %d: history %v, live %v", r.RowID, r.History, live)
		}
		if r.History {
			gotHistory[v] = true
		} else {
			if prev, ok := gotDeleted[r.RowID]; ok && prev != txt {
				t.Errorf("rowid %d deleted with two texts", r.RowID)
			}
			gotDeleted[r.RowID] = txt
		}
	}
	if fmt.Sprint(sortedMap(gotDeleted)) != fmt.Sprint(sortedMap(wantDeleted)) {
		t.Errorf("deleted messages:\n got %v\nwant %v", sortedMap(gotDeleted), sortedMap(wantDeleted))
	}
	for v := range wantHistory {
		if !gotHistory[v] {
			t.Errorf("history version %+v not carved", v)
		}
	}
	for v := range gotHistory {
		if !wantHistory[v] && !seen[v] {
			t.Errorf("history version %+v never committed", v)
		}
	}
	t.Logf("%d commits; deleted messages %v; %d earlier versions of %d live messages", nCommits, sortedMap(wantDeleted), len(wantHistory), len(final))
}

type msgRow struct {
	rowid int64
	text  string
	flags int64
}

func queryMessages(t *testing.T, path string) []msgRow {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rs, err := db.Query("SELECT ROWID, coalesce(text,''), coalesce(flags,0) FROM message")
	if err != nil {
		return nil // the table does not exist yet in the earliest states
	}
	defer rs.Close()
	var out []msgRow
	for rs.Next() {
		var r msgRow
		if err := rs.Scan(&r.rowid, &r.text, &r.flags); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func sortedMap(m map[int64]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprintf("%d=%q", k, v))
	}
	sort.Strings(out)
	return out
}
