package sqlitecarve

import (
	"bytes"
	"encoding/binary"
	"math"
)

// liveTable indexes the live rows of a table in the committed state.
type liveTable struct {
	rows map[int64]tableCell
	// sets of content hashes skipping the first 0, 1 and 2 columns (the
	// rowid alias is always skipped), for records whose rowid was lost.
	sets [3]map[uint64]struct{}
}

func (db *DB) indexLive() {
	db.live = make([]*liveTable, len(db.tables))
	for i, t := range db.tables {
		lt := &liveTable{rows: map[int64]tableCell{}}
		db.live[i] = lt
		db.eachLeafCell(t.RootPage, func(c tableCell, types []uint64, body []byte) {
			lt.rows[c.rowid] = c
		})
	}
}

// contentSet returns the set of content hashes (skipping skip leading
// columns) of table ti's live rows, computed on first use: only records
// whose rowid was lost need them.
func (db *DB) contentSet(ti, skip int) map[uint64]struct{} {
	lt := db.live[ti]
	if lt.sets[0] == nil {
		for k := range lt.sets {
			lt.sets[k] = make(map[uint64]struct{}, len(lt.rows))
		}
		t := db.tables[ti]
		db.eachLeafCell(t.RootPage, func(c tableCell, types []uint64, body []byte) {
			h := hashBody(types, body, t.RowIDAlias)
			for k := range lt.sets {
				lt.sets[k][h[k]] = struct{}{}
			}
		})
	}
	return lt.sets[skip]
}

// hashBody is hashAll of the values a record body holds, without
// decoding them into interfaces.
func hashBody(types []uint64, body []byte, alias int) [3]uint64 {
	hs := [3]fnv64{fnvOffset, fnvOffset, fnvOffset}
	end := len(types)
	for end > 0 && types[end-1] == 0 {
		end--
	}
	p := 0
	for i := 0; i < end; i++ {
		t := types[i]
		n, _ := serialSize(t)
		if p+n > len(body) {
			break
		}
		v := body[p : p+n]
		p += n
		if i == alias {
			continue
		}
		for k := 0; k < 3 && k <= i; k++ {
			h := &hs[k]
			switch {
			case t == 0:
				h.byte(0)
			case t <= 6:
				h.byte(1)
				h.u64(uint64(intOf(v)))
			case t == 8 || t == 9:
				h.byte(1)
				h.u64(t - 8)
			case t == 7:
				h.byte(2)
				h.u64(binary.BigEndian.Uint64(v))
			case t%2 == 1:
				h.byte(3)
				h.u64(uint64(len(v)))
				h.bytes(v)
			default:
				h.byte(4)
				h.u64(uint64(len(v)))
				h.bytes(v)
			}
		}
	}
	return [3]uint64{uint64(hs[0]), uint64(hs[1]), uint64(hs[2])}
}

// eachLeafCell walks a committed table b-tree (already mapped) without
// marking anything.
func (db *DB) eachLeafCell(root uint32, fn func(c tableCell, types []uint64, body []byte)) {
	var buf []byte
	seen := map[uint32]bool{}
	var walk func(n uint32, depth int)
	walk = func(n uint32, depth int) {
		if n == 0 || n > db.nPages || depth > maxDepth || seen[n] {
			return
		}
		seen[n] = true
		p := db.page(n)
		h, ok := parsePageHeader(p, n)
		if !ok {
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
				if ok && cell.types != nil {
					fn(tableCell{rowid: cell.rowid, page: n, off: c}, cell.types, cell.payload[cell.hdrLen:])
				}
			}
		}
	}
	walk(root, 0)
}

// liveValues returns the values of the live row rowid of table ti.
func (db *DB) liveValues(ti int, rowid int64) ([]any, bool) {
	c, ok := db.live[ti].rows[rowid]
	if !ok {
		return nil, false
	}
	var buf []byte
	cell, ok := db.readTableCell(db.page(c.page), c.off, db.page, &buf)
	if !ok || cell.types == nil {
		return nil, false
	}
	vals, _ := decodeBodyNoCopy(cell.types, cell.payload[cell.hdrLen:])
	return vals, true
}

// decodeBodyNoCopy is decodeBody with text as unsafe-free []byte views:
// texts are returned as textView so nothing is copied.
type textView []byte

func decodeBodyNoCopy(types []uint64, body []byte) ([]any, bool) {
	vals := make([]any, len(types))
	p := 0
	for i, t := range types {
		n, _ := serialSize(t)
		if p+n > len(body) {
			return vals, false
		}
		if t >= 13 && t%2 == 1 {
			vals[i] = textView(body[p : p+n])
		} else {
			vals[i] = decodeValue(t, body[p:p+n])
		}
		p += n
	}
	return vals, true
}

// hashValues hashes values from column skip on, leaving out the rowid
// alias column; trailing NULLs are ignored (columns added by ALTER TABLE).
func hashValues(vals []any, alias, skip int) uint64 {
	return hashAll(vals, alias)[min(skip, 2)]
}

// FNV-1a, written out so that hashing allocates nothing.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

type fnv64 uint64

func (h *fnv64) byte(b byte) { *h = (*h ^ fnv64(b)) * fnvPrime }

func (h *fnv64) u64(v uint64) {
	for i := 0; i < 8; i++ {
		h.byte(byte(v >> (56 - 8*i)))
	}
}

func (h *fnv64) str(s string) {
	for i := 0; i < len(s); i++ {
		h.byte(s[i])
	}
}

func (h *fnv64) bytes(b []byte) {
	for _, c := range b {
		h.byte(c)
	}
}

// hashAll returns the hashes of vals skipping 0, 1 and 2 leading columns
// (see hashValues), in one pass.
func hashAll(vals []any, alias int) [3]uint64 {
	hs := [3]fnv64{fnvOffset, fnvOffset, fnvOffset}
	end := len(vals)
	for end > 0 && vals[end-1] == nil {
		end--
	}
	for i := 0; i < end; i++ {
		if i == alias {
			continue
		}
		for k := 0; k < 3 && k <= i; k++ {
			h := &hs[k]
			switch v := vals[i].(type) {
			case nil:
				h.byte(0)
			case int64:
				h.byte(1)
				h.u64(uint64(v))
			case float64:
				h.byte(2)
				h.u64(math.Float64bits(v))
			case string:
				h.byte(3)
				h.u64(uint64(len(v)))
				h.str(v)
			case textView:
				h.byte(3)
				h.u64(uint64(len(v)))
				h.bytes(v)
			case []byte:
				h.byte(4)
				h.u64(uint64(len(v)))
				h.bytes(v)
			}
		}
	}
	return [3]uint64{uint64(hs[0]), uint64(hs[1]), uint64(hs[2])}
}

// sameValues reports whether carved values equal live ones: columns the
// carved record lacks (trailing, added later) are not compared; an
// incomplete carved value must be a prefix of the live one.
func sameValues(carved []any, incomplete []bool, live []any, alias int) bool {
	for i, v := range carved {
		if i == alias {
			continue
		}
		var lv any
		if i < len(live) {
			lv = live[i]
		}
		if incomplete != nil && i < len(incomplete) && incomplete[i] {
			if !isPrefix(v, lv) {
				return false
			}
			continue
		}
		if !equalValue(v, lv) {
			return false
		}
	}
	for i := len(carved); i < len(live); i++ {
		if live[i] != nil && i != alias {
			// a column the old version lacked now has a value: the row
			// changed (ALTER TABLE defaults are stored as NULL or a
			// default; treat a value as a change only when not NULL)
			return false
		}
	}
	return true
}

func asBytes(v any) ([]byte, int, bool) {
	switch x := v.(type) {
	case string:
		return []byte(x), 3, true
	case textView:
		return x, 3, true
	case []byte:
		return x, 4, true
	}
	return nil, 0, false
}

func equalValue(a, b any) bool {
	ab, ak, aok := asBytes(a)
	bb, bk, bok := asBytes(b)
	if aok || bok {
		return aok && bok && ak == bk && bytes.Equal(ab, bb)
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case int64:
		y, ok := b.(int64)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	}
	return false
}

func isPrefix(a, b any) bool {
	ab, _, aok := asBytes(a)
	bb, _, bok := asBytes(b)
	if !aok {
		return a == nil
	}
	return bok && bytes.HasPrefix(bb, ab)
}
