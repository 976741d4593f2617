package sqlitecarve

import (
	"encoding/binary"
	"strings"
)

// Frame describes one frame of a -wal.
type Frame struct {
	Index     int    // 1-based position in the -wal
	Page      uint32 // database page the frame holds
	Commit    uint32 // database size in pages for a commit frame, else 0
	Offset    int64  // byte offset of the page data in the -wal
	Valid     bool   // salts match the header and the checksum chain holds
	Committed bool   // valid and followed (or ended) by a commit frame
	Current   bool   // the page version the committed state uses
}

// Page roles in the committed state.
const (
	roleNone byte = iota
	roleTable
	roleIndex
	roleOverflow
	roleFreeTrunk
	roleFreeLeaf
	rolePtrMap
	roleHeader // page 1 when it is not a table page (never)
)

// DB is a parsed database image: main-file bytes and -wal bytes. Nothing
// is copied: pages are slices of the inputs.
type DB struct {
	main, wal []byte
	pageSize  int
	usable    int
	nPages    uint32 // pages in the committed state

	frames  []Frame
	current map[uint32]int // page -> index in frames of its committed version

	roles  []byte  // by page number (index 0 unused)
	owner  []int32 // table index of a table b-tree page, -1 otherwise
	tables []*Table
	errs   []error // problems met in the committed structure (skipped, not fatal)
	live   []*liveTable
	byPage map[uint32][]int // page -> indexes of its frames, in -wal order
}

// Open parses main (the database file) and wal (its -wal, may be nil).
// It fails only when main is not a database; a damaged -wal or damaged
// pages are skipped and listed by Problems.
func Open(main, wal []byte) (*DB, error) {
	if len(main) < 100 || string(main[:16]) != Header {
		return nil, ErrNotSQLite
	}
	ps := int(binary.BigEndian.Uint16(main[16:]))
	if ps == 1 {
		ps = 65536
	}
	if ps < 512 || ps > 65536 || ps&(ps-1) != 0 {
		return nil, &FormatError{What: "database", Offset: 16, Msg: "bad page size"}
	}
	usable := ps - int(main[20])
	if usable < 480 {
		return nil, &FormatError{What: "database", Offset: 20, Msg: "reserved space leaves too small a page"}
	}
	db := &DB{main: main, wal: wal, pageSize: ps, usable: usable, current: map[uint32]int{}}
	db.nPages = uint32(len(main) / ps)
	if len(main)%ps != 0 {
		db.nPages++ // a short last page is read as far as it goes
	}
	if len(wal) > 0 {
		db.parseWAL()
	}
	db.mapStructure()
	db.indexLive()
	return db, nil
}

// PageSize returns the database page size.
func (db *DB) PageSize() int { return db.pageSize }

// PageCount returns the number of pages of the committed state.
func (db *DB) PageCount() uint32 { return db.nPages }

// Frames lists the frames of the -wal.
func (db *DB) Frames() []Frame { return db.frames }

// Tables returns the rowid tables of the committed schema.
func (db *DB) Tables() []*Table { return db.tables }

// Table returns the named table (case-insensitive), or nil.
func (db *DB) Table(name string) *Table {
	for _, t := range db.tables {
		if strings.EqualFold(t.Name, name) {
			return t
		}
	}
	return nil
}

// Problems lists the damage met while mapping the committed state
// (bad pages, loops); such parts are skipped.
func (db *DB) Problems() []error { return db.errs }

func (db *DB) problem(what string, off int64, msg string) {
	if len(db.errs) < 100 {
		db.errs = append(db.errs, &FormatError{What: what, Offset: off, Msg: msg})
	}
}

// mainPage returns page n of the main file (nil when outside; a short
// last page is returned short).
func (db *DB) mainPage(n uint32) []byte {
	if n == 0 {
		return nil
	}
	off := int64(n-1) * int64(db.pageSize)
	if off >= int64(len(db.main)) {
		return nil
	}
	end := off + int64(db.pageSize)
	if end > int64(len(db.main)) {
		end = int64(len(db.main))
	}
	return db.main[off:end]
}

func (db *DB) framePage(i int) []byte {
	f := db.frames[i]
	return db.wal[f.Offset : f.Offset+int64(db.pageSize)]
}

// page returns the committed version of page n, or nil.
func (db *DB) page(n uint32) []byte {
	if n == 0 || n > db.nPages {
		return nil
	}
	if i, ok := db.current[n]; ok {
		return db.framePage(i)
	}
	return db.mainPage(n)
}

// parseWAL reads the -wal header and frames.
func (db *DB) parseWAL() {
	w := db.wal
	if len(w) < 32 {
		db.problem("wal", 0, "header truncated")
		return
	}
	magic := binary.BigEndian.Uint32(w)
	if magic&^1 != 0x377f0682 {
		db.problem("wal", 0, "bad magic")
		return
	}
	var order binary.ByteOrder = binary.LittleEndian
	if magic&1 == 1 {
		order = binary.BigEndian
	}
	if int(binary.BigEndian.Uint32(w[8:])) != db.pageSize {
		db.problem("wal", 8, "page size differs from the database's")
		return
	}
	salt1, salt2 := binary.BigEndian.Uint32(w[16:]), binary.BigEndian.Uint32(w[20:])
	s0, s1 := walSum(order, w[:24], 0, 0)
	chain := s0 == binary.BigEndian.Uint32(w[24:]) && s1 == binary.BigEndian.Uint32(w[28:])
	if !chain {
		db.problem("wal", 24, "header checksum mismatch: no frame is committed")
	}
	fsz := 24 + db.pageSize
	lastCommit := -1
	var commitSize uint32
	for off := 32; off+fsz <= len(w); off += fsz {
		h := w[off : off+24]
		f := Frame{
			Index:  len(db.frames) + 1,
			Page:   binary.BigEndian.Uint32(h),
			Commit: binary.BigEndian.Uint32(h[4:]),
			Offset: int64(off + 24),
		}
		if chain && binary.BigEndian.Uint32(h[8:]) == salt1 && binary.BigEndian.Uint32(h[12:]) == salt2 && f.Page != 0 {
			s0, s1 = walSum(order, h[:8], s0, s1)
			s0, s1 = walSum(order, w[off+24:off+fsz], s0, s1)
			if s0 == binary.BigEndian.Uint32(h[16:]) && s1 == binary.BigEndian.Uint32(h[20:]) {
				f.Valid = true
			} else {
				chain = false
			}
		} else {
			chain = false
		}
		if f.Valid && f.Commit != 0 {
			lastCommit = len(db.frames)
			commitSize = f.Commit
		}
		db.frames = append(db.frames, f)
	}
	for i := 0; i <= lastCommit; i++ {
		db.frames[i].Committed = true
		db.current[db.frames[i].Page] = i
	}
	if lastCommit >= 0 {
		// pages beyond both files do not exist, whatever the commit says
		limit := db.nPages
		for i := 0; i <= lastCommit; i++ {
			limit = max(limit, db.frames[i].Page)
		}
		db.nPages = min(commitSize, limit)
		for p, i := range db.current {
			if p > commitSize {
				delete(db.current, p)
			} else {
				db.frames[i].Current = true
			}
		}
	}
	db.byPage = map[uint32][]int{}
	for i, f := range db.frames {
		db.byPage[f.Page] = append(db.byPage[f.Page], i)
	}
}

func walSum(order binary.ByteOrder, b []byte, s0, s1 uint32) (uint32, uint32) {
	for i := 0; i+8 <= len(b); i += 8 {
		s0 += order.Uint32(b[i:]) + s1
		s1 += order.Uint32(b[i+4:]) + s0
	}
	return s0, s1
}

// btreeHeader returns the offset of the b-tree page header in page n.
func hdrOffset(n uint32) int {
	if n == 1 {
		return 100
	}
	return 0
}

// leafCells returns the cell offsets of a b-tree page, read from its cell
// pointer array; bogus pointers are dropped. ok is false when the page
// header is not a b-tree header.
type pageHeader struct {
	typ        byte
	firstFree  int
	nCells     int
	content    int
	rightChild uint32
	ptrStart   int // offset of the cell pointer array
}

func parsePageHeader(p []byte, n uint32) (h pageHeader, ok bool) {
	o := hdrOffset(n)
	if len(p) < o+8 {
		return h, false
	}
	h.typ = p[o]
	switch h.typ {
	case pageIndexInterior, pageTableInterior, pageIndexLeaf, pageTableLeaf:
	default:
		return h, false
	}
	h.firstFree = int(binary.BigEndian.Uint16(p[o+1:]))
	h.nCells = int(binary.BigEndian.Uint16(p[o+3:]))
	h.content = int(binary.BigEndian.Uint16(p[o+5:]))
	if h.content == 0 {
		h.content = 65536
	}
	h.ptrStart = o + 8
	if h.typ == pageIndexInterior || h.typ == pageTableInterior {
		if len(p) < o+12 {
			return h, false
		}
		h.rightChild = binary.BigEndian.Uint32(p[o+8:])
		h.ptrStart = o + 12
	}
	if h.ptrStart+2*h.nCells > len(p) {
		return h, false
	}
	return h, true
}

func (h pageHeader) cells(p []byte, usable int) []int {
	out := make([]int, 0, h.nCells)
	for i := 0; i < h.nCells; i++ {
		c := int(binary.BigEndian.Uint16(p[h.ptrStart+2*i:]))
		if c < h.ptrStart+2*h.nCells || c >= usable || c >= len(p) {
			continue
		}
		out = append(out, c)
	}
	return out
}
