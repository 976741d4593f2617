package sqlitecarve

import (
	"bytes"
	"encoding/binary"
	"hash/fnv"
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
		for k := range lt.sets {
			lt.sets[k] = map[uint64]struct{}{}
		}
		db.live[i] = lt
		db.eachLeafCell(t.RootPage, func(c tableCell, types []uint64, body []byte) {
			lt.rows[c.rowid] = c
			vals, _ := decodeBodyNoCopy(types, body)
			for k := range lt.sets {
				lt.sets[k][hashValues(vals, t.RowIDAlias, k)] = struct{}{}
			}
		})
	}
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
	h := fnv.New64a()
	var b [9]byte
	end := len(vals)
	for end > 0 && vals[end-1] == nil {
		end--
	}
	for i := skip; i < end; i++ {
		if i == alias {
			continue
		}
		switch v := vals[i].(type) {
		case nil:
			h.Write([]byte{0})
		case int64:
			b[0] = 1
			binary.BigEndian.PutUint64(b[1:], uint64(v))
			h.Write(b[:])
		case float64:
			b[0] = 2
			binary.BigEndian.PutUint64(b[1:], math.Float64bits(v))
			h.Write(b[:])
		case string:
			b[0] = 3
			binary.BigEndian.PutUint64(b[1:], uint64(len(v)))
			h.Write(b[:])
			h.Write([]byte(v))
		case textView:
			b[0] = 3
			binary.BigEndian.PutUint64(b[1:], uint64(len(v)))
			h.Write(b[:])
			h.Write(v)
		case []byte:
			b[0] = 4
			binary.BigEndian.PutUint64(b[1:], uint64(len(v)))
			h.Write(b[:])
			h.Write(v)
		}
	}
	return h.Sum64()
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
