package sqlitecarve

import (
	"database/sql"
	"encoding/binary"
	"runtime"
	"sync"
	"testing"

	"github.com/iosbackup/iosbackup/internal/fuzzcorpus"
)

// seedDB is a small database (512-byte pages) with deleted rows, a
// freelist, overflow chains and a -wal.
var seedDB struct {
	once      sync.Once
	main, wal []byte
	journal   []byte
}

func seedImages(t testing.TB) (main, wal, journal []byte) {
	seedDB.once.Do(func() {
		lengths := []int{10, 40, 900, 25, 60, 15, 700, 33}
		del := func(db *sql.DB) error {
			_, err := db.Exec("DELETE FROM message WHERE ROWID IN (2, 3, 6)")
			return err
		}
		seedDB.main, seedDB.wal, _ = buildDB(t, "wal", 512, lengths, del)
		seedDB.journal, _, _ = buildDB(t, "delete", 512, lengths, del)
	})
	return seedDB.main, seedDB.wal, seedDB.journal
}

func carveSeeds(t testing.TB) [][]any {
	main, wal, journal := seedImages(t)
	loop := append([]byte(nil), journal...)
	binary.BigEndian.PutUint32(loop[32:], 2)  // freelist trunk 2 ...
	binary.BigEndian.PutUint32(loop[512:], 2) // ... pointing to itself
	return [][]any{
		{main, wal},
		{journal, []byte{}},
		{main, wal[:len(wal)/2]},
		{loop, []byte{}},
		{journal[:100], []byte{}},
	}
}

// checkRecords asserts what every carve must satisfy on any input.
func checkRecords(t *testing.T, db *DB, recs []*Record, inputSize int) {
	total := 0
	for _, r := range recs {
		if r.Page == 0 || r.Offset < 0 || r.Offset >= db.PageSize() {
			t.Fatalf("record at page %d offset %d", r.Page, r.Offset)
		}
		if db.Table(r.Table) == nil || len(r.Values) > len(db.Table(r.Table).Columns) {
			t.Fatalf("record of table %q with %d values", r.Table, len(r.Values))
		}
		for _, v := range r.Values {
			switch x := v.(type) {
			case string:
				total += len(x)
			case []byte:
				total += len(x)
			}
		}
	}
	if total > 4*inputSize+1<<16 {
		t.Fatalf("%d bytes of values from %d input bytes", total, inputSize)
	}
}

// FuzzCarve parses and carves arbitrary main-file and -wal bytes.
func FuzzCarve(f *testing.F) {
	for _, s := range carveSeeds(f) {
		f.Add(s[0].([]byte), s[1].([]byte))
	}
	f.Fuzz(func(t *testing.T, main, wal []byte) {
		db, err := Open(main, wal)
		if err != nil {
			return
		}
		checkRecords(t, db, db.Carve(), len(main)+len(wal))
	})
}

// pageSeeds are single pages to put in place of a table page of the seed
// database: the page and cell parsers see arbitrary bytes with a real
// schema around them.
func pageSeeds(t testing.TB) [][]byte {
	_, _, journal := seedImages(t)
	var out [][]byte
	for n := 2; n*512 <= len(journal) && len(out) < 6; n++ {
		out = append(out, append([]byte(nil), journal[(n-1)*512:n*512]...))
	}
	bogus := make([]byte, 512)
	bogus[0] = pageTableLeaf
	binary.BigEndian.PutUint16(bogus[1:], 8)   // freeblock at 8 pointing to itself
	binary.BigEndian.PutUint16(bogus[3:], 200) // 200 cells
	for i := 8; i < 512; i++ {
		bogus[i] = 0xff // huge varints everywhere
	}
	return append(out, bogus)
}

// FuzzPage replaces every page but the first of the seed database with the
// fuzzed page (as a table page, a freelist page and a -wal frame) and
// carves.
func FuzzPage(f *testing.F) {
	for _, s := range pageSeeds(f) {
		f.Add(s)
	}
	_, _, journal := seedImages(f)
	f.Fuzz(func(t *testing.T, page []byte) {
		if len(page) > 512 {
			page = page[:512]
		}
		img := append([]byte(nil), journal...)
		for n := 2; n*512 <= len(img); n++ {
			copy(img[(n-1)*512:n*512], page)
		}
		db, err := Open(img, nil)
		if err != nil {
			t.Fatalf("the seed database no longer opens: %v", err)
		}
		checkRecords(t, db, db.Carve(), len(img))
	})
}

func TestFuzzCorpus(t *testing.T) {
	fuzzcorpus.Check(t, "FuzzCarve", carveSeeds(t))
	fuzzcorpus.Check(t, "FuzzPage", fuzzcorpus.Bytes(pageSeeds(t)))
}

// TestHostilePages: loops in the freelist and in overflow chains, bogus
// cell pointers, huge varints and page sizes give errors or are skipped.
func TestHostile(t *testing.T) {
	_, _, journal := seedImages(t)
	for name, mutate := range map[string]func(b []byte){
		"freelist-loop": func(b []byte) {
			binary.BigEndian.PutUint32(b[32:], 2)
			binary.BigEndian.PutUint32(b[512:], 2)
			binary.BigEndian.PutUint32(b[512+4:], 1000)
		},
		"page-size-0":   func(b []byte) { binary.BigEndian.PutUint16(b[16:], 0) },
		"page-size-odd": func(b []byte) { binary.BigEndian.PutUint16(b[16:], 1000) },
		"reserved-all":  func(b []byte) { b[20] = 255 },
		"cell-pointers": func(b []byte) {
			for n := 2; n*512 <= len(b); n++ {
				p := b[(n-1)*512:]
				binary.BigEndian.PutUint16(p[3:], 0xffff)
			}
		},
		"overflow-loop": func(b []byte) {
			for n := 2; n*512 <= len(b); n++ {
				binary.BigEndian.PutUint32(b[(n-1)*512:], uint32(n)) // every page points to itself
			}
		},
		"varints": func(b []byte) {
			for i := 600; i < len(b); i++ {
				b[i] |= 0x80
			}
		},
	} {
		img := append([]byte(nil), journal...)
		mutate(img)
		db, err := Open(img, nil)
		if err != nil {
			t.Logf("%s: %v", name, err)
			continue
		}
		recs := db.Carve()
		checkRecords(t, db, recs, len(img))
		t.Logf("%s: %d records, problems %v", name, len(recs), db.Problems())
	}
	if _, err := Open([]byte("SQLite format 3\x00"), nil); err != ErrNotSQLite {
		t.Errorf("short header: %v", err)
	}
}

// TestCarveMemoryBounded: a -wal of many frames whose cells all claim huge
// payloads on one long overflow chain allocates a small multiple of the
// input, not frames × chain.
func TestCarveMemoryBounded(t *testing.T) {
	_, _, journal := seedImages(t)
	ps := 512
	first := len(journal)/ps + 1
	img := append(append([]byte(nil), journal...), make([]byte, 300*ps)...)
	// 300 pages added at the end form one overflow chain
	for p := first; p < first+299; p++ {
		binary.BigEndian.PutUint32(img[(p-1)*ps:], uint32(p+1))
	}
	// a leaf page full of message cells claiming 128 KiB payloads (less
	// than the input, so not refused outright) on that chain: header 10
	// bytes (NULL, 10-byte text, 131 049-byte text, three 1-byte ints,
	// empty blob), 39 bytes local, then page 3
	const pl = 128 << 10
	cell := []byte{0x88, 0x80, 0x00, 1, 10, 0, 33, 0x8f, 0xff, 0x5f, 1, 1, 1, 12}
	cell = append(cell, "GUID-00001"...)
	cell = append(cell, make([]byte, 4+39-len(cell))...)
	cell = binary.BigEndian.AppendUint32(cell, uint32(first))
	leaf := make([]byte, ps)
	leaf[0] = pageTableLeaf
	cells := 0
	for off := ps - len(cell); off > 8+2*(cells+1); off -= len(cell) {
		copy(leaf[off:], cell)
		binary.BigEndian.PutUint16(leaf[8+2*cells:], uint16(off))
		cells++
	}
	binary.BigEndian.PutUint16(leaf[3:], uint16(cells))
	binary.BigEndian.PutUint16(leaf[5:], uint16(ps-len(cell)*cells))
	if v, _ := varint(cell, 0); v != pl || localPayload(pl, ps) != 39 {
		t.Fatalf("bad test cell: payload %d, local %d", v, localPayload(pl, ps))
	}
	if types, hl, ok := recordHeader(cell, 4, 100); !ok || int64(hl)+bodySize(types) != pl {
		t.Fatalf("bad test cell header: %v %d %v", types, hl, ok)
	}
	// a -wal of 400 frames of that page as page 2
	wal := make([]byte, 32, 32+400*(24+ps))
	binary.BigEndian.PutUint32(wal[0:], 0x377f0682)
	binary.BigEndian.PutUint32(wal[4:], 3007000)
	binary.BigEndian.PutUint32(wal[8:], uint32(ps))
	for i := 0; i < 400; i++ {
		h := make([]byte, 24)
		binary.BigEndian.PutUint32(h, 2)
		wal = append(append(wal, h...), leaf...)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	db, err := Open(img, wal)
	if err != nil {
		t.Fatal(err)
	}
	recs := db.Carve()
	runtime.ReadMemStats(&after)
	t.Logf("tables %d, frames %d, problems %v", len(db.Tables()), len(db.Frames()), db.Problems())
	in := uint64(len(img) + len(wal))
	if got := after.TotalAlloc - before.TotalAlloc; got > 16*in+4<<20 {
		t.Errorf("allocated %d bytes for %d input bytes", got, in)
	}
	checkRecords(t, db, recs, int(in))
	t.Logf("%d frames of %d cells claiming 128 KiB each: %d records, %d bytes allocated for %d input bytes", 400, cells, len(recs), after.TotalAlloc-before.TotalAlloc, in)
}
