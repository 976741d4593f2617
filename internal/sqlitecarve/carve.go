package sqlitecarve

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Source says where a recovered record was found.
type Source string

// Sources of recovered records.
const (
	// SourceWAL: a page version in the -wal that the committed state no
	// longer uses (superseded by a later frame, or never committed).
	SourceWAL Source = "wal"
	// SourceSuperseded: a main-file page that a committed -wal frame
	// replaces (or that lies beyond the committed database size).
	SourceSuperseded Source = "superseded-page"
	// SourceFreelist: a freelist trunk or leaf page of the committed state.
	SourceFreelist Source = "freelist"
	// SourceUnallocated: the free space of a live b-tree page (freeblocks
	// and the gap between the cell pointers and the cells), or a page
	// that no structure of the committed state reaches.
	SourceUnallocated Source = "unallocated"
)

// Record is a row recovered from a place the committed state does not use.
type Record struct {
	Table      string
	RowID      int64 // valid when RowIDKnown
	RowIDKnown bool  // false when the cell's first bytes were overwritten
	// Values holds one value per column present in the record (fewer than
	// the table's columns for a row written before ALTER TABLE ADD
	// COLUMN): nil, int64, float64, string or []byte. The rowid alias
	// column holds the rowid when it is known.
	Values []any
	// Partial marks the values that are cut short (overflow chain lost)
	// or unknown (overwritten); nil when none.
	Partial []bool
	Source  Source
	Page    uint32 // database page number
	Offset  int    // byte offset of the cell in the page
	Frame   int    // 1-based -wal frame for SourceWAL, else 0
	// FileOffset is the byte offset of the cell in the -wal (SourceWAL)
	// or in the main file (other sources).
	FileOffset int64
	Complete   bool     // every value read in full
	Damage     []string // what could not be read, when not Complete
	// History is true when the committed state has a live row with this
	// rowid but different content: the record is an earlier (or
	// uncommitted) version of that row, not a deleted row.
	History bool
	// Earlier is true on a version of a deleted row (no live row has its
	// rowid) when another version of that rowid was found that is later
	// (a later -wal frame): the latest version is the one not marked.
	Earlier bool
	Copies  int // how many other places held the same record
}

// Value returns the value of the named column, or nil.
func (r *Record) Value(t *Table, col string) any {
	i := t.ColumnIndex(col)
	if i < 0 || i >= len(r.Values) {
		return nil
	}
	return r.Values[i]
}

type pageCtx struct {
	pgno    uint32
	src     Source
	frame   int
	fileOff int64 // offset of the page in its file
	get     func(uint32) []byte
	hint    int // committed owner table of this page number, -1
}

type carver struct {
	db      *DB
	targets []int
	cands   []*cand
	budget  int64
}

type cand struct {
	rec  *Record
	ti   int
	skip int // leading columns lost (rowid unknown)
}

// Carve recovers rows from every place the committed state does not use:
// -wal frames other than the committed version of each page, main-file
// pages replaced by the -wal, freelist pages, unreachable pages, and the
// free space of live table pages. Copies of live rows (same rowid or, when
// the rowid was lost, same content) are left out; other versions of a
// live rowid are marked History. Identical records found in several
// places are returned once (Copies counts the others).
func (db *DB) Carve() []*Record {
	c := &carver{db: db, budget: 2 * int64(len(db.main)+len(db.wal))}
	for i, t := range db.tables {
		if !strings.HasPrefix(strings.ToLower(t.Name), "sqlite_") {
			c.targets = append(c.targets, i)
		}
	}
	if len(c.targets) == 0 {
		return nil
	}
	// -wal frames the committed state does not use.
	for i, f := range db.frames {
		if f.Current || f.Page == 0 {
			continue // the page in use, or a frame of no page
		}
		idx := i
		c.page(db.framePage(i), pageCtx{pgno: f.Page, src: SourceWAL, frame: f.Index, fileOff: f.Offset,
			get: func(n uint32) []byte { return db.pageAtFrame(n, idx) }, hint: db.ownerOf(f.Page)}, true)
	}
	// main-file pages replaced by the -wal or cut off by it.
	for n := uint32(1); int64(n-1)*int64(db.pageSize) < int64(len(db.main)); n++ {
		_, replaced := db.current[n]
		if !replaced && n <= db.nPages {
			continue
		}
		c.page(db.mainPage(n), pageCtx{pgno: n, src: SourceSuperseded, fileOff: int64(n-1) * int64(db.pageSize),
			get: db.mainPage, hint: db.ownerOf(n)}, true)
	}
	// the committed state's free pages and free space.
	for n := uint32(1); n <= db.nPages; n++ {
		p := db.page(n)
		if p == nil {
			continue
		}
		ctx := pageCtx{pgno: n, src: SourceUnallocated, fileOff: db.fileOffset(n), get: db.page, hint: db.ownerOf(n)}
		switch db.roles[n] {
		case roleTable:
			c.page(p, ctx, false)
		case roleFreeLeaf:
			ctx.src = SourceFreelist
			c.page(p, ctx, true)
		case roleFreeTrunk:
			ctx.src = SourceFreelist
			k := 8
			if len(p) >= 8 {
				if m := int(binary.BigEndian.Uint32(p[4:])); m >= 0 && m < (db.usable-8)/4 {
					k += 4 * m
				} else {
					k = db.usable
				}
			}
			c.scan(p, ctx, k, min(len(p), db.usable))
		case roleNone:
			c.page(p, ctx, true)
		}
	}
	return c.finish()
}

func (db *DB) ownerOf(n uint32) int {
	if int(n) < len(db.owner) {
		return int(db.owner[n])
	}
	return -1
}

func (db *DB) fileOffset(n uint32) int64 {
	if i, ok := db.current[n]; ok {
		return db.frames[i].Offset
	}
	return int64(n-1) * int64(db.pageSize)
}

// pageAtFrame returns page n as it stood when frame idx was written: the
// latest frame for n at or before idx, else the main file's page.
func (db *DB) pageAtFrame(n uint32, idx int) []byte {
	fs := db.byPage[n]
	k := sort.SearchInts(fs, idx+1) - 1
	if k >= 0 {
		return db.framePage(fs[k])
	}
	return db.mainPage(n)
}

// page carves one page version. whole means every cell of the page is a
// candidate (a page version nothing uses any more); otherwise only the
// free space of the page is.
func (c *carver) page(p []byte, ctx pageCtx, whole bool) {
	usable := min(len(p), c.db.usable)
	h, ok := parsePageHeader(p, ctx.pgno)
	if !ok {
		if whole {
			c.scan(p, ctx, hdrOffset(ctx.pgno), usable)
		}
		return
	}
	if h.typ != pageTableLeaf {
		return // interior and index pages hold no rows of rowid tables
	}
	if whole {
		for _, off := range h.cells(p, usable) {
			if cd, ok := c.cellAt(p[:usable], off, ctx, false); ok {
				c.add(cd)
			}
		}
	}
	// freeblocks
	fb, prev := h.firstFree, 0
	for n := 0; fb != 0 && n < usable/4; n++ {
		if fb <= prev || fb < h.ptrStart+2*h.nCells || fb+4 > usable {
			break
		}
		size := int(binary.BigEndian.Uint16(p[fb+2:]))
		next := int(binary.BigEndian.Uint16(p[fb:]))
		if size < 4 || fb+size > usable {
			break
		}
		c.freeArea(p[:usable], ctx, fb, fb+size)
		prev, fb = fb, next
	}
	// the unallocated gap
	gapStart := h.ptrStart + 2*h.nCells
	if gapStart < h.content && h.content <= usable {
		c.scan(p, ctx, gapStart, h.content)
	}
}

// scan looks for intact cells at every offset of p[from:to].
func (c *carver) scan(p []byte, ctx pageCtx, from, to int) {
	if to > len(p) {
		to = len(p)
	}
	for o := from; o+3 < to; o++ {
		if b := p[o]; b == 0 || b == 0x80 {
			continue
		}
		if cd, ok := c.cellAt(p[:to], o, ctx, true); ok {
			c.add(cd)
			o += cd.size - 1
		}
	}
}

// freeArea carves a freeblock: its first cell lost its first 4 bytes to
// the freeblock header; cells after it may be intact or damaged alike.
func (c *carver) freeArea(p []byte, ctx pageCtx, start, end int) {
	pos := start
	for pos+4 < end {
		if pos != start {
			if cd, ok := c.cellAt(p[:end], pos, ctx, true); ok {
				c.add(cd)
				pos += cd.size
				continue
			}
		}
		if cd, ok := c.reconstruct(p[:end], pos, ctx); ok {
			c.add(cd)
			pos += cd.size
			continue
		}
		break
	}
	if pos != start {
		c.scan(p, ctx, pos, end)
	} else {
		c.scan(p, ctx, pos+4, end)
	}
}

type carved struct {
	cand
	size int
}

func (c *carver) add(cd carved) { c.cands = append(c.cands, &cd.cand) }

// compatible reports whether serial type st can be stored in column i of t.
func compatible(t *Table, i int, st uint64) bool {
	if i == t.RowIDAlias {
		return st == 0
	}
	isText := st >= 13 && st%2 == 1
	isBlob := st >= 12 && st%2 == 0
	switch t.Columns[i].Affinity {
	case AffInteger, AffReal:
		return st <= 9
	case AffText:
		return st == 0 || isText || isBlob
	}
	return true
}

// match picks the table whose columns fit types best (hint first).
func (c *carver) match(types []uint64, hint int) int {
	fits := func(ti int) (bool, int) {
		t := c.db.tables[ti]
		if len(types) > len(t.Columns) || 2*len(types) < len(t.Columns) || len(types) < 2 && len(t.Columns) >= 2 {
			return false, 0
		}
		score, nonNull := 0, false
		for i, st := range types {
			if !compatible(t, i, st) {
				return false, 0
			}
			if a := t.Columns[i].Affinity; (a != AffBlob && a != AffNumeric || i == t.RowIDAlias) && st != 0 {
				score++
			}
			if st != 0 && i != t.RowIDAlias {
				nonNull = true
			}
		}
		if !nonNull {
			return false, 0
		}
		if len(types) == len(t.Columns) {
			score += 1000
		}
		return true, score
	}
	if hint >= 0 && hint < len(c.db.tables) && !strings.HasPrefix(strings.ToLower(c.db.tables[hint].Name), "sqlite_") {
		if ok, s := fits(hint); ok && s >= 1000 {
			return hint
		}
	}
	best, bestScore, tie := -1, -1, false
	for _, ti := range c.targets {
		if ok, s := fits(ti); ok {
			switch {
			case s > bestScore:
				best, bestScore, tie = ti, s, false
			case s == bestScore:
				tie = true
			}
		}
	}
	if tie && best != hint {
		if ok, s := fits(hint); hint >= 0 && ok && s == bestScore {
			return hint
		}
		return -1
	}
	return best
}

// cellAt reads an intact table-leaf cell at p[o:] (p ends where the cell
// must end) and matches it to a table.
func (c *carver) cellAt(p []byte, o int, ctx pageCtx, strict bool) (carved, bool) {
	db := c.db
	var cd carved
	pl, n1 := varint(p, o)
	if n1 == 0 || pl < 2 || pl > uint64(len(db.main)+len(db.wal)) {
		return cd, false
	}
	rid, n2 := varint(p, o+n1)
	if n2 == 0 || strict && (int64(rid) <= 0 || n1 > 4) {
		return cd, false
	}
	local := localPayload(int64(pl), db.usable)
	start := o + n1 + n2
	end := start + local
	size := n1 + n2 + local
	if int64(local) < int64(pl) {
		size += 4
	}
	if o+size > len(p) {
		return cd, false
	}
	types, hl, ok := recordHeader(p[:end], start, 4096)
	if !ok || len(types) == 0 || int64(hl)+bodySize(types) != int64(pl) {
		return cd, false
	}
	ti := c.match(types, ctx.hint)
	if ti < 0 {
		return cd, false
	}
	payload := p[start:end]
	complete := true
	if int64(local) < int64(pl) {
		if c.budget < int64(pl) {
			complete = false
		} else {
			c.budget -= int64(pl)
			ovf := binary.BigEndian.Uint32(p[end:])
			payload, complete = db.readOverflow(append([]byte(nil), payload...), ovf, int64(pl), ctx.get)
		}
	}
	rec, ok := c.record(ti, types, payload[hl:], complete, ctx, o)
	if !ok {
		return cd, false
	}
	rec.RowID, rec.RowIDKnown = int64(rid), true
	if t := db.tables[ti]; t.RowIDAlias >= 0 && t.RowIDAlias < len(rec.Values) {
		rec.Values[t.RowIDAlias] = int64(rid)
	}
	cd.rec, cd.ti, cd.size = rec, ti, size
	return cd, true
}

// record decodes a record's values and checks them (texts must be UTF-8).
func (c *carver) record(ti int, types []uint64, body []byte, complete bool, ctx pageCtx, off int) (*Record, bool) {
	vals := make([]any, len(types))
	var partial []bool
	p := 0
	for i, t := range types {
		n, _ := serialSize(t)
		if p+n > len(body) {
			if !complete {
				if partial == nil {
					partial = make([]bool, len(types))
				}
				partial[i] = true
				if t >= 12 && p < len(body) {
					if t%2 == 1 {
						vals[i] = validPrefix(body[p:])
					} else {
						vals[i] = bytes.Clone(body[p:])
					}
				}
				p = len(body)
				continue
			}
			return nil, false
		}
		v := body[p : p+n]
		switch {
		case t >= 13 && t%2 == 1:
			if !utf8.Valid(v) {
				return nil, false
			}
			vals[i] = string(v)
		case t >= 12:
			vals[i] = bytes.Clone(v)
		default:
			vals[i] = decodeValue(t, v)
		}
		p += n
	}
	rec := &Record{Table: c.db.tables[ti].Name, Values: vals, Partial: partial, Source: ctx.src, Page: ctx.pgno,
		Offset: off, Frame: ctx.frame, FileOffset: ctx.fileOff + int64(off), Complete: complete}
	if !complete {
		rec.Damage = append(rec.Damage, "overflow chain lost")
	}
	return rec, true
}

// lostGuesses are the serial types tried for a leading column whose type
// byte the freeblock header overwrote.
var lostGuesses = []uint64{0, 1, 2, 3, 4, 5, 6, 8, 9}

// reconstruct reads a cell at p[fb:] whose first four bytes were
// overwritten by a freeblock header: it tries where the serial types
// start and which leading ones were lost, for each table, and keeps the
// hypothesis that fits best.
func (c *carver) reconstruct(p []byte, fb int, ctx pageCtx) (carved, bool) {
	type hyp struct {
		ti, q, m, hs, hdrLen, cellEnd int
		types                         []uint64
		local                         int
		pl                            int64
		score                         int
	}
	var best *hyp
	end := len(p)
	for _, ti := range c.targets {
		t := c.db.tables[ti]
		n := len(t.Columns)
		for m := 0; m <= 2 && m < n; m++ {
			// guesses for the lost leading columns
			var guesses [][]uint64
			if m == 0 {
				guesses = [][]uint64{nil}
			} else {
				guesses = lostTypes(t, m)
			}
			for q := fb + 4; q <= fb+4+14 && q < end; q++ {
				if m > 0 && q > fb+5 {
					break
				}
				// the rest of the serial types
				rest := make([]uint64, 0, n-m)
				pos := q
				ok := true
				for i := m; i < n; i++ {
					st, k := varint(p, pos)
					if k == 0 || !compatible(t, i, st) {
						ok = false
						break
					}
					if _, valid := serialSize(st); !valid {
						ok = false
						break
					}
					rest = append(rest, st)
					pos += k
				}
				if !ok {
					continue
				}
				for _, g := range guesses {
					types := append(append([]uint64(nil), g...), rest...)
					hdrBytes := len(g) + (pos - q)
					hlvs := 1
					if hdrBytes+1 > 127 {
						hlvs = 2
					}
					hdrLen := hdrBytes + hlvs
					hs := q - len(g) - hlvs
					pl := int64(hdrLen) + bodySize(types)
					vsPL := varintLen(uint64(pl))
					if hs-fb < vsPL+1 || hs-fb > vsPL+9 {
						continue
					}
					if hs >= fb+4 { // the header-length varint is visible
						if v, k := varint(p, hs); k != hlvs || v != uint64(hdrLen) {
							continue
						}
					}
					local := localPayload(pl, c.db.usable)
					cellEnd := hs + local
					if int64(local) < pl {
						cellEnd += 4
					}
					if cellEnd > end {
						continue
					}
					score := 0
					if cellEnd == end {
						score += 1000
					}
					score -= 10 * m
					for _, st := range types {
						if st != 0 {
							score++
						}
					}
					if best == nil || score > best.score {
						best = &hyp{ti: ti, q: q, m: m, hs: hs, hdrLen: hdrLen, cellEnd: cellEnd, types: types, local: local, pl: pl, score: score}
					}
				}
			}
		}
	}
	if best == nil {
		return carved{}, false
	}
	payloadEnd := best.hs + best.local
	body := p[best.hs+best.hdrLen : payloadEnd]
	complete := true
	if int64(best.local) < best.pl {
		if c.budget < best.pl {
			complete = false
		} else {
			c.budget -= best.pl
			ovf := binary.BigEndian.Uint32(p[payloadEnd:])
			var buf []byte
			buf, complete = c.db.readOverflow(append([]byte(nil), p[best.hs:payloadEnd]...), ovf, best.pl, ctx.get)
			body = buf[best.hdrLen:]
		}
	}
	rec, ok := c.record(best.ti, best.types, body, complete, ctx, fb)
	if !ok {
		return carved{}, false
	}
	t := c.db.tables[best.ti]
	rec.Damage = append(rec.Damage, "rowid lost (cell header overwritten by a freeblock header)")
	rec.Complete = false
	for i := 0; i < best.m; i++ {
		if i != t.RowIDAlias {
			if rec.Partial == nil {
				rec.Partial = make([]bool, len(rec.Values))
			}
			rec.Partial[i] = true
			rec.Values[i] = nil
			rec.Damage = append(rec.Damage, fmt.Sprintf("column %s lost", t.Columns[i].Name))
			rec.Complete = false
		}
	}
	return carved{cand: cand{rec: rec, ti: best.ti, skip: best.m}, size: best.cellEnd - fb}, true
}

// lostTypes lists the serial-type guesses for the first m columns of t:
// the rowid alias is always NULL; other columns must be numeric.
func lostTypes(t *Table, m int) [][]uint64 {
	out := [][]uint64{nil}
	for i := 0; i < m; i++ {
		var opts []uint64
		switch {
		case i == t.RowIDAlias:
			opts = []uint64{0}
		case t.Columns[i].Affinity == AffInteger || t.Columns[i].Affinity == AffReal:
			opts = lostGuesses
		default:
			return nil
		}
		var next [][]uint64
		for _, o := range out {
			for _, g := range opts {
				next = append(next, append(append([]uint64(nil), o...), g))
			}
		}
		out = next
	}
	return out
}

func varintLen(v uint64) int {
	n := 1
	for v > 0x7f && n < 9 {
		v >>= 7
		n++
	}
	return n
}

var sourceRank = map[Source]int{SourceWAL: 0, SourceSuperseded: 1, SourceFreelist: 2, SourceUnallocated: 3}

type dkey struct {
	ti    int
	rowid int64
	known bool
	skip  int
	h     uint64
}

// finish drops copies of live rows, marks history, and deduplicates.
func (c *carver) finish() []*Record {
	db := c.db
	sort.SliceStable(c.cands, func(i, j int) bool {
		a, b := c.cands[i].rec, c.cands[j].rec
		if a.RowIDKnown != b.RowIDKnown {
			return a.RowIDKnown
		}
		if a.Complete != b.Complete {
			return a.Complete
		}
		return sourceRank[a.Source] < sourceRank[b.Source]
	})
	seen := map[dkey]*Record{}
	var out []*Record
	for _, cd := range c.cands {
		r, t := cd.rec, db.tables[cd.ti]
		if r.RowIDKnown {
			if lv, ok := db.liveValues(cd.ti, r.RowID); ok {
				if sameValues(r.Values, r.Partial, lv, t.RowIDAlias) {
					continue
				}
				r.History = true
			}
			k := dkey{cd.ti, r.RowID, true, 0, hashValues(r.Values, t.RowIDAlias, 0)}
			if d := seen[k]; d != nil {
				d.Copies++
				continue
			}
			seen[k] = r
			if r.Complete {
				for s := 0; s < 3; s++ {
					ku := dkey{cd.ti, 0, false, s, hashValues(r.Values, t.RowIDAlias, s)}
					if seen[ku] == nil {
						seen[ku] = r
					}
				}
			}
			out = append(out, r)
			continue
		}
		h := hashValues(r.Values, t.RowIDAlias, cd.skip)
		if _, live := db.contentSet(cd.ti, cd.skip)[h]; live && onlyLeadPartial(r, cd.skip) {
			continue
		}
		k := dkey{cd.ti, 0, false, cd.skip, h}
		if d := seen[k]; d != nil {
			d.Copies++
			continue
		}
		seen[k] = r
		out = append(out, r)
	}
	markEarlier(out)
	return out
}

// markEarlier marks, among the versions of each deleted rowid, all but
// the latest (the one in the last -wal frame; the first found when none
// is in the -wal).
func markEarlier(recs []*Record) {
	type key struct {
		table string
		rowid int64
	}
	latest := map[key]*Record{}
	for _, r := range recs {
		if !r.RowIDKnown || r.History {
			continue
		}
		k := key{r.Table, r.RowID}
		if l := latest[k]; l == nil || r.Frame > l.Frame {
			latest[k] = r
		}
	}
	for _, r := range recs {
		if r.RowIDKnown && !r.History && latest[key{r.Table, r.RowID}] != r {
			r.Earlier = true
		}
	}
}

// onlyLeadPartial reports whether the record's only unknown values are its
// first skip columns (so its content hash covers everything else).
func onlyLeadPartial(r *Record, skip int) bool {
	for i, p := range r.Partial {
		if p && i >= skip {
			return false
		}
	}
	return true
}
