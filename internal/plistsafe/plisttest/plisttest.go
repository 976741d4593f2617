// Package plisttest builds hostile plists for tests and fuzz seeds: the
// inputs that crashed, overflowed the stack of or slowed the plist decoder
// before internal/plistsafe checked them.
package plisttest

import (
	"encoding/binary"
	"strings"
)

// WrappedLength is the 51-byte binary plist whose data object claims
// 2^64-17 bytes: howett.net/plist sliced out of range on it (a panic).
func WrappedLength() []byte {
	b := append([]byte("bplist00"), 0x4F, 0x13, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xEF)
	b = append(b, 8) // offset table: object 0 at offset 8
	tr := make([]byte, 32)
	tr[6], tr[7] = 1, 1
	binary.BigEndian.PutUint64(tr[8:], 1)
	binary.BigEndian.PutUint64(tr[24:], uint64(len(b)-1))
	return append(b, tr...)
}

// DeepBinary nests n one-element arrays with 3-byte references (200,000
// levels took 50 s to decode).
func DeepBinary(n int) []byte {
	b := []byte("bplist00")
	offsets := make([]int, n+1)
	for i := 0; i < n; i++ {
		offsets[i] = len(b)
		b = append(b, 0xa1, byte((i+1)>>16), byte((i+1)>>8), byte(i+1))
	}
	offsets[n] = len(b)
	b = append(b, 0x08)
	table := len(b)
	for _, o := range offsets {
		b = binary.BigEndian.AppendUint32(b, uint32(o))
	}
	tr := make([]byte, 32)
	tr[6], tr[7] = 4, 3
	binary.BigEndian.PutUint64(tr[8:], uint64(n+1))
	binary.BigEndian.PutUint64(tr[24:], uint64(table))
	return append(b, tr...)
}

// DeepXML nests n arrays in an XML plist (at 1,000,000 levels, 15 MB, the
// decoder overflowed the goroutine stack: a fatal error).
func DeepXML(n int) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?><plist version="1.0">` +
		strings.Repeat("<array>", n) + strings.Repeat("</array>", n) + "</plist>")
}

// DeepText nests n arrays in an OpenStep text plist.
func DeepText(n int) []byte { return []byte(strings.Repeat("(", n) + strings.Repeat(")", n)) }
