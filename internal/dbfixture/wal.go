package dbfixture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// WAL format constants (https://www.sqlite.org/fileformat2.html#walformat).
const (
	walMagicLE     = 0x377f0682 // checksums computed on little-endian words
	walVersion     = 3007000
	walHeaderSize  = 32
	walFrameHeader = 24
	walSalt1       = 0x1f2e3d4c // fixed so that fixtures are reproducible
	walSalt2       = 0x5a6b7c8d
)

// WAL returns a write-ahead log that turns the database image base into
// updated: one committed transaction holding every page of updated that
// differs from (or is beyond the end of) base. Replaying it over base, as
// SQLite or sqlitemem.ApplyWAL do, yields updated's content, so the rows
// that only updated has live only in the WAL — the situation of a backup
// copy taken before a checkpoint.
//
// Both images must have the same page size. Frame checksums and salts
// follow the SQLite WAL format (magic 0x377f0682, version 3007000,
// cumulative checksums, salts copied into every frame header).
//
// A real SQLite only reads a WAL when the main file's header says WAL
// mode: pass WALMode(base) as the main file in that case. Page 1 of the
// log keeps base's file-format bytes (offsets 18 and 19) for that reason.
func WAL(base, updated []byte) ([]byte, error) {
	pageSize, err := imagePageSize(updated)
	if err != nil {
		return nil, fmt.Errorf("dbfixture: updated image: %w", err)
	}
	if len(base) > 0 {
		bps, err := imagePageSize(base)
		if err != nil {
			return nil, fmt.Errorf("dbfixture: base image: %w", err)
		}
		if bps != pageSize {
			return nil, fmt.Errorf("dbfixture: page sizes differ (%d and %d)", bps, pageSize)
		}
	}
	if len(updated)%pageSize != 0 {
		return nil, errors.New("dbfixture: updated image is not a whole number of pages")
	}
	nPages := len(updated) / pageSize
	var changed []int
	for pg := 1; pg <= nPages; pg++ {
		off := (pg - 1) * pageSize
		newPage := updated[off : off+pageSize]
		if off+pageSize <= len(base) && bytes.Equal(base[off:off+pageSize], newPage) {
			continue
		}
		changed = append(changed, pg)
	}
	if len(changed) == 0 && len(base) != len(updated) {
		changed = append(changed, 1) // a commit frame is needed to record the new size
	}

	out := make([]byte, walHeaderSize, walHeaderSize+len(changed)*(walFrameHeader+pageSize))
	binary.BigEndian.PutUint32(out[0:], walMagicLE)
	binary.BigEndian.PutUint32(out[4:], walVersion)
	binary.BigEndian.PutUint32(out[8:], uint32(pageSize))
	binary.BigEndian.PutUint32(out[12:], 0) // checkpoint sequence
	binary.BigEndian.PutUint32(out[16:], walSalt1)
	binary.BigEndian.PutUint32(out[20:], walSalt2)
	s0, s1 := walSum(out[:24], 0, 0)
	binary.BigEndian.PutUint32(out[24:], s0)
	binary.BigEndian.PutUint32(out[28:], s1)

	for i, pg := range changed {
		off := (pg - 1) * pageSize
		page := append([]byte(nil), updated[off:off+pageSize]...)
		if pg == 1 && len(base) >= 20 {
			page[18], page[19] = base[18], base[19]
		}
		var h [walFrameHeader]byte
		binary.BigEndian.PutUint32(h[0:], uint32(pg))
		if i == len(changed)-1 {
			binary.BigEndian.PutUint32(h[4:], uint32(nPages)) // commit frame: database size in pages
		}
		binary.BigEndian.PutUint32(h[8:], walSalt1)
		binary.BigEndian.PutUint32(h[12:], walSalt2)
		s0, s1 = walSum(h[:8], s0, s1)
		s0, s1 = walSum(page, s0, s1)
		binary.BigEndian.PutUint32(h[16:], s0)
		binary.BigEndian.PutUint32(h[20:], s1)
		out = append(out, h[:]...)
		out = append(out, page...)
	}
	return out, nil
}

// WALMode returns a copy of a database image whose header says WAL mode
// (file format bytes 18 and 19 set to 2), as the main file of a database
// with a live "-wal" looks on a device.
func WALMode(db []byte) []byte {
	out := append([]byte(nil), db...)
	if len(out) >= 20 {
		out[18], out[19] = 2, 2
	}
	return out
}

func imagePageSize(img []byte) (int, error) {
	if len(img) < 100 || string(img[:16]) != "SQLite format 3\x00" {
		return 0, errors.New("not an SQLite image")
	}
	ps := int(binary.BigEndian.Uint16(img[16:18]))
	if ps == 1 {
		ps = 65536
	}
	if ps < 512 || ps&(ps-1) != 0 {
		return 0, fmt.Errorf("bad page size %d", ps)
	}
	return ps, nil
}

// walSum continues the WAL checksum (little-endian words) over b.
func walSum(b []byte, s0, s1 uint32) (uint32, uint32) {
	for i := 0; i+8 <= len(b); i += 8 {
		s0 += binary.LittleEndian.Uint32(b[i:]) + s1
		s1 += binary.LittleEndian.Uint32(b[i+4:]) + s0
	}
	return s0, s1
}
