package sqlitecarve

import (
	"encoding/binary"
	"fmt"
)

// maxDepth bounds b-tree descent (real trees are far shallower).
const maxDepth = 40

// tableCell is a live table-leaf cell of the committed state.
type tableCell struct {
	rowid int64
	page  uint32
	off   int
}

// mapStructure walks the committed state: schema, every table and index
// b-tree, the freelist and pointer-map pages, marking page roles.
func (db *DB) mapStructure() {
	db.roles = make([]byte, db.nPages+1)
	db.owner = make([]int32, db.nPages+1)
	for i := range db.owner {
		db.owner[i] = -1
	}
	db.markFreelist()
	db.markPtrMap()
	// sqlite_master is the table b-tree rooted at page 1.
	var master []masterRow
	db.walkTable(1, -1, func(c tableCell, types []uint64, payload []byte) {
		vals, _ := decodeBody(types, payload)
		if len(vals) < 5 {
			return
		}
		typ, _ := vals[0].(string)
		name, _ := vals[1].(string)
		root, _ := vals[3].(int64)
		sqlText, _ := vals[4].(string)
		master = append(master, masterRow{typ, name, root, sqlText})
	})
	for _, m := range master {
		if m.typ != "table" || m.root <= 0 || m.root > int64(db.nPages) {
			continue
		}
		cols, alias, ok := parseCreateTable(m.sql)
		if !ok {
			continue
		}
		db.tables = append(db.tables, &Table{Name: m.name, RootPage: uint32(m.root), Columns: cols, RowIDAlias: alias, SQL: m.sql})
	}
	for i, t := range db.tables {
		db.walkTable(t.RootPage, int32(i), nil)
	}
	for _, m := range master {
		if m.typ == "index" && m.root > 1 && m.root <= int64(db.nPages) {
			db.walkIndex(uint32(m.root))
		}
	}
}

type masterRow struct {
	typ, name string
	root      int64
	sql       string
}

func (db *DB) markFreelist() {
	p1 := db.page(1)
	if len(p1) < 40 {
		return
	}
	trunk := binary.BigEndian.Uint32(p1[32:])
	seen := 0
	for trunk != 0 {
		if trunk > db.nPages || db.roles[trunk] != roleNone {
			db.problem("freelist", int64(trunk), "trunk page out of range or seen twice (loop)")
			return
		}
		db.roles[trunk] = roleFreeTrunk
		p := db.page(trunk)
		if len(p) < 8 {
			return
		}
		n := int(binary.BigEndian.Uint32(p[4:]))
		if n > (db.usable-8)/4 {
			db.problem("freelist", int64(trunk), "trunk claims too many leaves")
			n = (db.usable - 8) / 4
		}
		for i := 0; i < n && 8+4*i+4 <= len(p); i++ {
			leaf := binary.BigEndian.Uint32(p[8+4*i:])
			if leaf == 0 || leaf > db.nPages || db.roles[leaf] != roleNone {
				continue
			}
			db.roles[leaf] = roleFreeLeaf
		}
		trunk = binary.BigEndian.Uint32(p)
		if seen++; seen > int(db.nPages) {
			return
		}
	}
}

func (db *DB) markPtrMap() {
	p1 := db.page(1)
	if len(p1) < 56 || binary.BigEndian.Uint32(p1[52:]) == 0 {
		return
	}
	per := uint32(db.usable / 5)
	for p := uint32(2); p <= db.nPages; p += per + 1 {
		if db.roles[p] == roleNone {
			db.roles[p] = rolePtrMap
		}
	}
}

// walkTable visits the committed table b-tree rooted at root, marking its
// pages (owner tab) and calling fn, when not nil, with each leaf cell's
// rowid, serial types and payload (overflow included; payload is a
// scratch buffer valid during the call).
func (db *DB) walkTable(root uint32, tab int32, fn func(c tableCell, types []uint64, payload []byte)) {
	var buf []byte
	var walk func(n uint32, depth int)
	walk = func(n uint32, depth int) {
		if n == 0 || n > db.nPages || depth > maxDepth {
			db.problem("table b-tree", int64(n), "page out of range or tree too deep")
			return
		}
		if db.roles[n] != roleNone && !(n == 1 && tab < 0) {
			if db.roles[n] != roleTable || db.owner[n] != tab {
				db.problem("table b-tree", int64(n), "page reached twice")
			}
			return
		}
		db.roles[n] = roleTable
		db.owner[n] = tab
		p := db.page(n)
		h, ok := parsePageHeader(p, n)
		if !ok {
			db.problem("table b-tree", int64(n), "not a b-tree page")
			return
		}
		switch h.typ {
		case pageTableInterior:
			for _, c := range h.cells(p, db.usable) {
				if c+4 <= len(p) {
					walk(binary.BigEndian.Uint32(p[c:]), depth+1)
				}
			}
			walk(h.rightChild, depth+1)
		case pageTableLeaf:
			for _, c := range h.cells(p, db.usable) {
				cell, ok := db.readTableCell(p, c, db.page, &buf)
				if !ok {
					db.problem("table leaf", int64(n), fmt.Sprintf("bad cell at %d", c))
					continue
				}
				db.markOverflow(cell.overflow, cell.payloadLen-int64(cell.local))
				if fn != nil && cell.types != nil {
					fn(tableCell{rowid: cell.rowid, page: n, off: c}, cell.types, cell.payload[cell.hdrLen:])
				}
			}
		default:
			db.problem("table b-tree", int64(n), "index page in a table b-tree")
		}
	}
	walk(root, 0)
}

func (db *DB) walkIndex(root uint32) {
	var walk func(n uint32, depth int)
	walk = func(n uint32, depth int) {
		if n == 0 || n > db.nPages || depth > maxDepth || db.roles[n] != roleNone {
			return
		}
		db.roles[n] = roleIndex
		p := db.page(n)
		h, ok := parsePageHeader(p, n)
		if !ok || (h.typ != pageIndexInterior && h.typ != pageIndexLeaf) {
			return
		}
		maxLocal := (db.usable-12)*64/255 - 23
		minLocal := (db.usable-12)*32/255 - 23
		for _, c := range h.cells(p, db.usable) {
			o := c
			if h.typ == pageIndexInterior {
				if c+4 > len(p) {
					continue
				}
				walk(binary.BigEndian.Uint32(p[c:]), depth+1)
				o += 4
			}
			pl, n := varint(p, o)
			if n == 0 || pl <= uint64(maxLocal) || pl > 1<<40 {
				continue
			}
			k := int64(minLocal) + (int64(pl)-int64(minLocal))%int64(db.usable-4)
			if k > int64(maxLocal) {
				k = int64(minLocal)
			}
			at := o + n + int(k)
			if at+4 <= len(p) {
				db.markOverflow(binary.BigEndian.Uint32(p[at:]), int64(pl)-k)
			}
		}
		if h.typ == pageIndexInterior {
			walk(h.rightChild, depth+1)
		}
	}
	walk(root, 0)
}

func (db *DB) markOverflow(first uint32, rest int64) {
	for n := first; n != 0 && rest > 0; {
		if n > db.nPages || db.roles[n] != roleNone {
			return
		}
		db.roles[n] = roleOverflow
		p := db.page(n)
		if len(p) < 4 {
			return
		}
		rest -= int64(db.usable - 4)
		n = binary.BigEndian.Uint32(p)
	}
}

// cellData is a parsed table-leaf cell.
type cellData struct {
	payloadLen int64
	rowid      int64
	local      int    // payload bytes stored in the page
	overflow   uint32 // first overflow page, 0 when none
	size       int    // bytes the cell takes in the page
	types      []uint64
	hdrLen     int
	payload    []byte // header+body; may be shorter than payloadLen when the chain is lost
	complete   bool
}

// readTableCell parses the table-leaf cell at p[c:]; overflow pages are
// read with get. buf is a reusable scratch buffer for payloads with
// overflow.
func (db *DB) readTableCell(p []byte, c int, get func(uint32) []byte, buf *[]byte) (cellData, bool) {
	var d cellData
	pl, n1 := varint(p, c)
	if n1 == 0 || pl > uint64(len(db.main)+len(db.wal)) {
		return d, false
	}
	rid, n2 := varint(p, c+n1)
	if n2 == 0 {
		return d, false
	}
	d.payloadLen, d.rowid = int64(pl), int64(rid)
	d.local = localPayload(d.payloadLen, db.usable)
	start := c + n1 + n2
	end := start + d.local
	if end > len(p) || end > db.usable {
		return d, false
	}
	d.size = n1 + n2 + d.local
	d.complete = true
	if int64(d.local) < d.payloadLen {
		if end+4 > len(p) {
			return d, false
		}
		d.overflow = binary.BigEndian.Uint32(p[end:])
		d.size += 4
		*buf = append((*buf)[:0], p[start:end]...)
		d.payload, d.complete = db.readOverflow(*buf, d.overflow, d.payloadLen, get)
		*buf = d.payload
	} else {
		d.payload = p[start:end]
	}
	types, hl, ok := recordHeader(d.payload, 0, 4096)
	if !ok {
		return d, true // a cell, but not a readable record
	}
	d.types, d.hdrLen = types, hl
	return d, true
}

// readOverflow appends the overflow chain starting at first to dst until
// total bytes are there; complete is false when the chain ends early,
// loops or leaves the database.
func (db *DB) readOverflow(dst []byte, first uint32, total int64, get func(uint32) []byte) ([]byte, bool) {
	seen := map[uint32]bool{}
	for n := first; int64(len(dst)) < total; {
		if n == 0 || n > db.nPages || seen[n] || len(seen) > int(db.nPages) {
			return dst, false
		}
		seen[n] = true
		p := get(n)
		if len(p) < db.usable {
			return dst, false
		}
		take := int64(db.usable - 4)
		if rest := total - int64(len(dst)); rest < take {
			take = rest
		}
		dst = append(dst, p[4:4+take]...)
		n = binary.BigEndian.Uint32(p)
	}
	return dst, true
}
