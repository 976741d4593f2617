package sqlitecarve

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unicode/utf8"
)

// Header is the magic string every SQLite 3 database starts with.
const Header = "SQLite format 3\x00"

// ErrNotSQLite reports main-file bytes without the SQLite header.
var ErrNotSQLite = errors.New("sqlitecarve: not an SQLite database")

// FormatError reports malformed database or WAL bytes.
type FormatError struct {
	What   string // "database", "wal", or a page description
	Offset int64  // byte offset in that input
	Msg    string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("sqlitecarve: %s: offset %d: %s", e.What, e.Offset, e.Msg)
}

// Page types (b-tree page header byte 0).
const (
	pageIndexInterior = 0x02
	pageTableInterior = 0x05
	pageIndexLeaf     = 0x0a
	pageTableLeaf     = 0x0d
)

// varint decodes an SQLite varint at b[i:]. n is 0 when b is too short.
func varint(b []byte, i int) (v uint64, n int) {
	for k := 0; k < 8; k++ {
		if i+k >= len(b) {
			return 0, 0
		}
		c := b[i+k]
		v = v<<7 | uint64(c&0x7f)
		if c < 0x80 {
			return v, k + 1
		}
	}
	if i+8 >= len(b) {
		return 0, 0
	}
	return v<<8 | uint64(b[i+8]), 9
}

// serialSize is the body size of a serial type; ok is false for the
// reserved types 10 and 11.
func serialSize(t uint64) (int, bool) {
	switch {
	case t <= 4:
		return [...]int{0, 1, 2, 3, 4}[t], true
	case t == 5:
		return 6, true
	case t == 6, t == 7:
		return 8, true
	case t == 8, t == 9:
		return 0, true
	case t == 10, t == 11:
		return 0, false
	case t >= 12 && t < 1<<40:
		return int((t - 12) / 2), true
	}
	return 0, false
}

// decodeValue turns a serial type and its body bytes into a Go value:
// nil, int64, float64, string (text) or []byte (blob). Text and blob
// values alias body.
func decodeValue(t uint64, body []byte) any {
	switch {
	case t == 0:
		return nil
	case t >= 1 && t <= 6:
		return intOf(body)
	case t == 7:
		return math.Float64frombits(binary.BigEndian.Uint64(body))
	case t == 8:
		return int64(0)
	case t == 9:
		return int64(1)
	case t >= 12 && t%2 == 0:
		return body
	default:
		return string(body)
	}
}

// localPayload is the number of payload bytes stored in a table-leaf cell
// (the rest goes to overflow pages), per the file format.
func localPayload(p int64, usable int) int {
	maxLocal := int64(usable - 35)
	if p <= maxLocal {
		return int(p)
	}
	minLocal := int64((usable-12)*32/255 - 23)
	k := minLocal + (p-minLocal)%int64(usable-4)
	if k <= maxLocal {
		return int(k)
	}
	return int(minLocal)
}

// header parses a record header at b[i:]: it returns the serial types and
// the header length. maxCols bounds the work.
func recordHeader(b []byte, i, maxCols int) (types []uint64, hdrLen int, ok bool) {
	hl, n := varint(b, i)
	if n == 0 || hl < uint64(n) || hl > uint64(len(b)-i) || hl > uint64(9*maxCols+2) {
		return nil, 0, false
	}
	end := i + int(hl)
	p := i + n
	for p < end {
		t, m := varint(b[:end], p)
		if m == 0 {
			return nil, 0, false
		}
		if _, ok := serialSize(t); !ok {
			return nil, 0, false
		}
		types = append(types, t)
		if len(types) > maxCols {
			return nil, 0, false
		}
		p += m
	}
	return types, int(hl), true
}

// bodySize sums the body sizes of types.
func bodySize(types []uint64) int64 {
	var s int64
	for _, t := range types {
		n, _ := serialSize(t)
		s += int64(n)
	}
	return s
}

// decodeBody decodes the values of a record whose body is body (possibly
// shorter than the types need: missing values become nil and complete is
// false; a text cut short keeps its valid prefix).
func decodeBody(types []uint64, body []byte) (vals []any, complete bool) {
	vals = make([]any, len(types))
	complete = true
	p := 0
	for i, t := range types {
		n, _ := serialSize(t)
		if p+n > len(body) {
			complete = false
			if t >= 12 && p < len(body) {
				part := body[p:]
				if t%2 == 1 {
					vals[i] = validPrefix(part)
				} else {
					vals[i] = part
				}
			}
			p = len(body)
			continue
		}
		vals[i] = decodeValue(t, body[p:p+n])
		p += n
	}
	return vals, complete
}

func validPrefix(b []byte) string {
	for len(b) > 0 && !utf8.Valid(b) {
		b = b[:len(b)-1]
	}
	return string(b)
}

// intOf decodes a big-endian two's-complement integer of 1 to 8 bytes.
func intOf(body []byte) int64 {
	var v int64
	for _, c := range body {
		v = v<<8 | int64(c)
	}
	shift := 64 - 8*uint(len(body))
	return v << shift >> shift
}
