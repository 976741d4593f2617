package manifestdb

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/iosbackup/iosbackup/internal/nskeyed"
	"github.com/iosbackup/iosbackup/manifest"
)

// The fast MBFile decoder reads the binary plist in place, without
// building the generic value tree of the plist and nskeyed packages. It is
// deliberately narrow: it accepts only archives that it can tell the
// general decoder (decodeMBFileSlow) reads without error and to the same
// Entry, and refuses (ok=false) everything else so that the caller falls
// back. Its checks are therefore a superset of those of howett.net/plist's
// binary parser (trailer invariants, offsets inside the object area,
// counts that fit, string dictionary keys, no container inside itself),
// applied to every object rather than to those reachable from the top;
// it also refuses what an MBFile does not need: reals, dates, 128-bit
// integers, UTF-16 dictionary keys, more than fastMaxObjects objects,
// containers referring to earlier containers, and field values of
// unexpected types (the general decoder reports or ignores those).

const (
	// fastMaxObjects bounds the objects of an archive the fast path takes
	// (an MBFile archive has a few dozen).
	fastMaxObjects = 256
	// fastMaxWrap bounds the NS.data/NS.string/NS.bytes wrappers and UIDs
	// followed to resolve one field.
	fastMaxWrap = 4
)

// bpReader reads one binary plist whose trailer has been checked.
type bpReader struct {
	b       []byte
	table   uint64 // offset of the offset table: the end of the object area
	n       uint64 // number of objects, at most fastMaxObjects
	top     uint64 // index of the top object
	refSize uint64 // bytes per object reference, 1..7
	// offs holds the offset of each object, in [8, table).
	offs [fastMaxObjects]uint32
}

// bigEndian returns the unsigned big-endian value of b (len(b) <= 8).
func bigEndian(b []byte) uint64 {
	switch len(b) {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(binary.BigEndian.Uint16(b))
	case 4:
		return uint64(binary.BigEndian.Uint32(b))
	case 8:
		return binary.BigEndian.Uint64(b)
	}
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// init checks the header, trailer and offset table of b.
func (p *bpReader) init(b []byte) bool {
	if len(b) < 8+32 || len(b) > nskeyed.MaxSize || string(b[:8]) != "bplist00" {
		return false
	}
	tr := b[len(b)-32:]
	offSize, refSize := uint64(tr[6]), uint64(tr[7])
	n, top, table := bigEndian(tr[8:16]), bigEndian(tr[16:24]), bigEndian(tr[24:32])
	end := uint64(len(b) - 32)
	switch {
	case offSize < 1 || offSize > 8 || refSize < 1 || refSize > 7:
		return false
	case table < 9 || table >= end:
		return false
	case (end-table)%offSize != 0 || (end-table)/offSize != n: // offset table fills the gap exactly
		return false
	case n == 0 || n > fastMaxObjects || top >= n || n > 1<<(8*refSize):
		return false
	case offSize < 8 && table >= 1<<(8*offSize):
		return false
	}
	p.b, p.table, p.n, p.top, p.refSize = b, table, n, top, refSize
	offs := p.offs[:n]
	tbl := b[table:end]
	// Each offset must lie in [8, table); table < MaxSize fits in uint32.
	switch offSize {
	case 1:
		for i, c := range tbl[:n] {
			if c < 8 || uint64(c) >= table {
				return false
			}
			offs[i] = uint32(c)
		}
	case 2:
		tbl = tbl[:2*n]
		for i := range offs {
			o := binary.BigEndian.Uint16(tbl[2*i:])
			if o < 8 || uint64(o) >= table {
				return false
			}
			offs[i] = uint32(o)
		}
	default:
		for i := range offs {
			o := bigEndian(tbl[uint64(i)*offSize : uint64(i+1)*offSize])
			if o < 8 || o >= table {
				return false
			}
			offs[i] = uint32(o)
		}
	}
	return true
}

// off returns the offset of object i < n.
func (p *bpReader) off(i uint64) uint64 { return uint64(p.offs[i]) }

// objOff returns the offset of object i.
func (p *bpReader) objOff(i uint64) (uint64, bool) {
	if i >= p.n {
		return 0, false
	}
	return p.off(i), true
}

// ref returns the object reference at pos (pos+refSize <= table checked by
// the caller).
func (p *bpReader) ref(pos uint64) uint64 {
	if p.refSize == 1 {
		return uint64(p.b[pos])
	}
	return bigEndian(p.b[pos : pos+p.refSize])
}

// count returns the element count of the object at off and where its
// payload starts.
func (p *bpReader) count(off uint64) (cnt, start uint64, ok bool) {
	if c := p.b[off] & 0xF; c != 0xF {
		return uint64(c), off + 1, true
	}
	return p.longCount(off)
}

// longCount reads a count stored as an integer object after the marker.
func (p *bpReader) longCount(off uint64) (cnt, start uint64, ok bool) {
	start = off + 1
	if start >= p.table {
		return 0, 0, false
	}
	t := p.b[start]
	if t>>4 != 1 || t&0xF > 3 {
		return 0, 0, false
	}
	w := uint64(1) << (t & 0xF)
	if w > p.table-start-1 {
		return 0, 0, false
	}
	return bigEndian(p.b[start+1 : start+1+w]), start + 1 + w, true
}

// bytesAt returns the payload of the data or ASCII string object at off.
func (p *bpReader) bytesAt(off uint64) ([]byte, bool) {
	cnt, start, ok := p.count(off)
	if !ok || cnt > p.table-start {
		return nil, false
	}
	return p.b[start : start+cnt], true
}

// utf16At returns the big-endian UTF-16 payload of the string at off.
func (p *bpReader) utf16At(off uint64) ([]byte, bool) {
	cnt, start, ok := p.count(off)
	if !ok || cnt > (p.table-start)/2 {
		return nil, false
	}
	return p.b[start : start+2*cnt], true
}

// container returns the number of elements (pairs for a dictionary) and
// the first reference of the array or dictionary at off.
func (p *bpReader) container(off uint64) (cnt, start uint64, ok bool) {
	per := p.refSize
	if p.b[off]>>4 == 0xD {
		per *= 2
	}
	cnt, start, ok = p.count(off)
	if !ok || cnt > (p.table-start)/per {
		return 0, 0, false
	}
	return cnt, start, true
}

// intWidth returns the byte width of the integer with marker tag (1, 2, 4
// or 8), or 0 for wider ones.
func intWidth(tag byte) uint64 {
	if tag&0xF > 3 {
		return 0
	}
	return 1 << (tag & 0xF)
}

// intAt returns the integer at off (checked) as the general decoder
// converts it: 1, 2 and 4-byte integers are unsigned, 8-byte ones signed.
func (p *bpReader) intAt(off uint64) int64 {
	w := intWidth(p.b[off])
	return int64(bigEndian(p.b[off+1 : off+1+w]))
}

// uidAt returns the UID at off (checked).
func (p *bpReader) uidAt(off uint64) uint64 {
	w := uint64(p.b[off]&0xF) + 1
	return bigEndian(p.b[off+1 : off+1+w])
}

// checkAll reports whether every object of the plist parses: scalars fit
// in the object area, containers hold references to existing objects, and
// dictionary keys are ASCII strings. Containers must refer to containers
// only by higher indexes (as Apple's, Python's and howett.net/plist's
// writers lay them out), which rules out a container inside itself, and
// with at most fastMaxObjects objects no chain of containers nests deeper
// than nskeyed.MaxNesting. This checks more than the general decoder,
// which only parses what the top object reaches.
func (p *bpReader) checkAll() bool {
	b, table, refSize := p.b, p.table, p.refSize
	for i := range p.n {
		off := p.off(i)
		tag := b[off]
		switch tag >> 4 {
		case 0x0:
			if tag != 0x08 && tag != 0x09 { // false, true
				return false
			}
			continue
		case 0x1:
			if w := intWidth(tag); w == 0 || w > table-off-1 {
				return false
			}
			continue
		case 0x8:
			if w := uint64(tag&0xF) + 1; w > 8 || w > table-off-1 {
				return false
			}
			continue
		case 0x4, 0x5, 0x6, 0xA, 0xD:
		default:
			return false
		}
		cnt, start := uint64(tag&0xF), off+1
		if cnt == 0xF {
			var ok bool
			if cnt, start, ok = p.longCount(off); !ok {
				return false
			}
		}
		left := table - start
		switch tag >> 4 {
		case 0x4, 0x5:
			if cnt > left {
				return false
			}
		case 0x6:
			if cnt > left/2 {
				return false
			}
		case 0xA:
			// cnt <= left < MaxSize: the products cannot overflow (no
			// division in this loop: it is slow on some processors).
			if cnt > left || cnt*refSize > left {
				return false
			}
			if !p.childrenOK(i, start, cnt, 0) {
				return false
			}
		case 0xD:
			if cnt > left || 2*cnt*refSize > left {
				return false
			}
			if !p.childrenOK(i, start, 2*cnt, cnt) {
				return false
			}
		}
	}
	return true
}

// childrenOK checks the cnt references at start of container i, the first
// keys of which are dictionary keys.
func (p *bpReader) childrenOK(i, start, cnt, keys uint64) bool {
	if p.refSize == 1 {
		for j, r := range p.b[start : start+cnt] {
			if !p.childOK(i, uint64(j) < keys, uint64(r)) {
				return false
			}
		}
		return true
	}
	for j := range cnt {
		if !p.childOK(i, j < keys, p.ref(start+j*p.refSize)) {
			return false
		}
	}
	return true
}

// childOK reports whether object r may be a member (a key if key) of
// container i: it exists, it is an ASCII string if it is a key, and it
// comes after i if it is a container.
func (p *bpReader) childOK(i uint64, key bool, r uint64) bool {
	if r >= p.n {
		return false
	}
	switch p.b[p.off(r)] >> 4 {
	case 0x5:
		return true
	case 0xA, 0xD:
		return r > i && !key
	}
	return !key // keys must be ASCII strings
}

// key returns the bytes of dictionary key i (a checked ASCII string).
func (p *bpReader) key(i uint64) []byte {
	if i < p.n {
		off := uint64(p.offs[i])
		if c := uint64(p.b[off] & 0xF); c != 0xF {
			return p.b[off+1 : off+1+c]
		}
	}
	return p.longKey(i)
}

// longKey is key for keys of 15 bytes or more.
//
//go:noinline
func (p *bpReader) longKey(i uint64) []byte {
	off, ok := p.objOff(i)
	if !ok {
		return nil
	}
	b, _ := p.bytesAt(off)
	return b
}

// dictLookup returns the value reference of the last key equal to name in
// the checked dictionary at off (a later duplicate key wins, as in a Go
// map filled in order).
func (p *bpReader) dictLookup(off uint64, name string) (uint64, bool) {
	cnt, start, _ := p.container(off)
	var v uint64
	found := false
	for j := range cnt {
		if string(p.key(p.ref(start+j*p.refSize))) == name {
			v, found = p.ref(start+(cnt+j)*p.refSize), true
		}
	}
	return v, found
}

// unwrap returns the value of the NS.data member of the checked
// dictionary at off, or else of its NS.string member, or else of NS.bytes
// (the order of nskeyed's Field).
func (p *bpReader) unwrap(off uint64) (uint64, bool) {
	cnt, start, _ := p.container(off)
	var v [3]uint64
	var found [3]bool
	for j := range cnt {
		k := -1
		switch string(p.key(p.ref(start + j*p.refSize))) {
		case "NS.data":
			k = 0
		case "NS.string":
			k = 1
		case "NS.bytes":
			k = 2
		default:
			continue
		}
		v[k], found[k] = p.ref(start+(cnt+j)*p.refSize), true
	}
	for k := range v {
		if found[k] {
			return v[k], true
		}
	}
	return 0, false
}

// isNull reports whether the checked object at off is the string "$null"
// (in ASCII or UTF-16, its count in the marker or, unusually, in an
// integer after it).
func (p *bpReader) isNull(off uint64) bool {
	switch p.b[off] {
	case 0x55:
		return string(p.b[off+1:off+6]) == "$null"
	case 0x65:
		return string(p.b[off+1:off+11]) == "\x00$\x00n\x00u\x00l\x00l"
	case 0x5F:
		b, _ := p.bytesAt(off)
		return string(b) == "$null"
	case 0x6F:
		b, _ := p.utf16At(off)
		return string(b) == "\x00$\x00n\x00u\x00l\x00l"
	}
	return false
}

// Kinds of resolved field values.
const (
	fvNil = iota
	fvInt
	fvString
	fvData
)

// objList is the checked $objects array.
type objList struct{ start, cnt uint64 }

// resolve follows value reference i of an object field as nskeyed's Field
// does: a UID is replaced by the $objects element it indexes ("$null"
// meaning no value), and a dictionary by its NS.data, NS.string or NS.bytes
// member. It returns the kind and offset of the scalar reached, or false
// for anything else.
func (p *bpReader) resolve(objs objList, i uint64) (kind int, off uint64, ok bool) {
	for range fastMaxWrap {
		if off, ok = p.objOff(i); !ok {
			return 0, 0, false
		}
		if p.b[off]>>4 == 0x8 {
			u := p.uidAt(off)
			if u >= objs.cnt {
				return 0, 0, false
			}
			i = p.ref(objs.start + u*p.refSize)
			if off, ok = p.objOff(i); !ok {
				return 0, 0, false
			}
			if p.isNull(off) {
				return fvNil, 0, true
			}
		}
		switch p.b[off] >> 4 {
		case 0x1:
			return fvInt, off, true
		case 0x4:
			return fvData, off, true
		case 0x5, 0x6:
			return fvString, off, true
		case 0xD:
			if i, ok = p.unwrap(off); !ok {
				return 0, 0, false
			}
			continue
		}
		return 0, 0, false
	}
	return 0, 0, false
}

// stringAt converts the checked ASCII or UTF-16 string at off as the
// plist decoder does: ASCII bytes as they are, UTF-16 with unpaired
// surrogates replaced by U+FFFD.
func (p *bpReader) stringAt(off uint64) string {
	if p.b[off]>>4 == 0x5 {
		b, _ := p.bytesAt(off)
		return string(b)
	}
	u, _ := p.utf16At(off)
	size := 0
	for k := 0; k < len(u); {
		r, adv := utf16Rune(u[k:])
		size += utf8.RuneLen(r)
		k += adv
	}
	var sb strings.Builder
	sb.Grow(size)
	for k := 0; k < len(u); {
		r, adv := utf16Rune(u[k:])
		sb.WriteRune(r)
		k += adv
	}
	return sb.String()
}

// utf16Rune decodes the rune at the start of big-endian UTF-16 bytes u
// (len(u) >= 2, even) and returns how many bytes it used.
func utf16Rune(u []byte) (rune, int) {
	c := rune(u[0])<<8 | rune(u[1])
	switch {
	case c < 0xD800 || c >= 0xE000:
		return c, 2
	case c < 0xDC00 && len(u) >= 4:
		if d := rune(u[2])<<8 | rune(u[3]); d >= 0xDC00 && d < 0xE000 {
			return (c-0xD800)<<10 | (d - 0xDC00) + 0x10000, 4
		}
	}
	return utf8.RuneError, 2
}

// Indexes of the MBFile integer fields read by decodeMBFileFast.
const (
	ffSize = iota
	ffMode
	ffUserID
	ffGroupID
	ffInode
	ffClass
	ffModified
	ffChanged
	ffBirth
	ffCount
)

// decodeMBFileFast decodes the usual shape of an MBFile archive (binary
// plist, integers inline or behind UIDs, Target, Digest and EncryptionKey
// as plain or wrapped objects) straight from the bytes. It returns
// ok=false, leaving e untouched, for anything it does not fully
// understand; with ok=true, e and err are what decodeMBFileSlow gives.
func decodeMBFileFast(blob []byte, e *manifest.Entry) (ok bool, err error) {
	var p bpReader
	if !p.init(blob) || !p.checkAll() {
		return false, nil
	}
	topOff, _ := p.objOff(p.top)
	if p.b[topOff]>>4 != 0xD {
		return false, nil
	}
	var objsRef, topRef uint64
	var ok1, ok2 bool
	cnt, start, _ := p.container(topOff)
	for j := range cnt {
		switch string(p.key(p.ref(start + j*p.refSize))) {
		case "$objects":
			objsRef, ok1 = p.ref(start+(cnt+j)*p.refSize), true
		case "$top":
			topRef, ok2 = p.ref(start+(cnt+j)*p.refSize), true
		}
	}
	if !ok1 || !ok2 {
		return false, nil
	}
	objsOff, _ := p.objOff(objsRef)
	topDict, _ := p.objOff(topRef)
	if p.b[objsOff]>>4 != 0xA || p.b[topDict]>>4 != 0xD {
		return false, nil
	}
	var objs objList
	objs.cnt, objs.start, _ = p.container(objsOff)
	rootRef, found := p.dictLookup(topDict, "root")
	if !found {
		return false, nil
	}
	rootUID, _ := p.objOff(rootRef)
	if p.b[rootUID]>>4 != 0x8 {
		return false, nil
	}
	u := p.uidAt(rootUID)
	if u >= objs.cnt {
		return false, nil
	}
	root, _ := p.objOff(p.ref(objs.start + u*p.refSize))
	if p.b[root]>>4 != 0xD {
		return false, nil
	}

	var ints [ffCount]int64
	var target, digest, key uint64 // offsets; valid when the has* flag is set
	var hasTarget, hasDigest, hasKey bool
	cnt, start, _ = p.container(root)
	for j := range cnt {
		field := -1
		k := p.key(p.ref(start + j*p.refSize))
		switch string(k) {
		case "Size":
			field = ffSize
		case "Mode":
			field = ffMode
		case "UserID":
			field = ffUserID
		case "GroupID":
			field = ffGroupID
		case "InodeNumber":
			field = ffInode
		case "ProtectionClass":
			field = ffClass
		case "LastModified":
			field = ffModified
		case "LastStatusChange":
			field = ffChanged
		case "Birth":
			field = ffBirth
		case "Target", "Digest", "EncryptionKey":
		default:
			continue
		}
		kind, off, ok := p.resolve(objs, p.ref(start+(cnt+j)*p.refSize))
		if !ok {
			return false, nil
		}
		if field >= 0 {
			switch kind {
			case fvNil:
				ints[field] = 0
			case fvInt:
				ints[field] = p.intAt(off)
			default:
				return false, nil
			}
			continue
		}
		switch k := string(k); {
		case k == "Target" && kind == fvString:
			target, hasTarget = off, true
		case k == "Target" && kind == fvNil:
			hasTarget = false
		case k == "Digest" && kind == fvData:
			digest, hasDigest = off, true
		case k == "Digest" && kind == fvNil:
			hasDigest = false
		case k == "EncryptionKey" && kind == fvData:
			key, hasKey = off, true
		case k == "EncryptionKey" && kind == fvNil:
			hasKey = false
		default:
			return false, nil
		}
	}

	// Everything is understood: fill e as decodeMBFileSlow does.
	note := func(x error) {
		if err == nil {
			err = x
		}
	}
	e.Size = ints[ffSize]
	if e.Size < 0 {
		note(fmt.Errorf("MBFile Size %d is negative", e.Size))
		e.Size = 0
	}
	e.Mode = uint32(ints[ffMode])
	e.UID = ints[ffUserID]
	e.GID = ints[ffGroupID]
	e.Inode = uint64(ints[ffInode])
	e.ProtectionClass = int(ints[ffClass])
	e.Modified = unixTime(ints[ffModified])
	e.Changed = unixTime(ints[ffChanged])
	e.Birth = unixTime(ints[ffBirth])
	if hasTarget {
		e.Target = p.stringAt(target)
	}
	if hasDigest {
		b, _ := p.bytesAt(digest)
		e.Digest = append([]byte(nil), b...)
	}
	if hasKey {
		b, _ := p.bytesAt(key)
		note(setKey(e, b))
	}
	if e.Kind == manifest.Other {
		if k := kindFromMode(e.Mode); k != manifest.Other {
			e.Kind = k
		}
	}
	return true, err
}
