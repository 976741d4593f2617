package sqlitemem

import (
	"bytes"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"testing"

	"github.com/iosbackup/iosbackup/internal/fuzzcorpus"
)

type walFrame struct {
	pgno, commit uint32
	data         []byte
}

// buildWAL writes a big-endian WAL with valid header and frame checksums.
func buildWAL(pageSize int, salt1, salt2 uint32, frames []walFrame) []byte {
	w := make([]byte, walHeaderSize)
	binary.BigEndian.PutUint32(w[0:], walMagicBE)
	binary.BigEndian.PutUint32(w[4:], 3007000)
	binary.BigEndian.PutUint32(w[8:], uint32(pageSize))
	binary.BigEndian.PutUint32(w[16:], salt1)
	binary.BigEndian.PutUint32(w[20:], salt2)
	fixChecksums(w)
	for _, f := range frames {
		h := make([]byte, walFrameHeaderSize)
		binary.BigEndian.PutUint32(h[0:], f.pgno)
		binary.BigEndian.PutUint32(h[4:], f.commit)
		binary.BigEndian.PutUint32(h[8:], salt1)
		binary.BigEndian.PutUint32(h[12:], salt2)
		page := make([]byte, pageSize)
		copy(page, f.data)
		w = append(append(w, h...), page...)
	}
	fixChecksums(w)
	return w
}

// fixChecksums recomputes the header and frame checksums of a WAL in
// place, as far as its header allows, so that fuzzed frame fields reach
// the code behind the checksum test.
func fixChecksums(w []byte) {
	if len(w) < walHeaderSize {
		return
	}
	order := binary.ByteOrder(binary.BigEndian)
	if binary.BigEndian.Uint32(w) == walMagicLE {
		order = binary.LittleEndian
	}
	s0, s1 := walChecksum(order, w[:24], 0, 0)
	binary.BigEndian.PutUint32(w[24:], s0)
	binary.BigEndian.PutUint32(w[28:], s1)
	ps := int(binary.BigEndian.Uint32(w[8:12]))
	if ps == 1 {
		ps = 65536
	}
	if ps < 512 || ps > 65536 {
		return
	}
	for off := walHeaderSize; off+walFrameHeaderSize+ps <= len(w); off += walFrameHeaderSize + ps {
		s0, s1 = walChecksum(order, w[off:off+8], s0, s1)
		s0, s1 = walChecksum(order, w[off+walFrameHeaderSize:off+walFrameHeaderSize+ps], s0, s1)
		binary.BigEndian.PutUint32(w[off+16:], s0)
		binary.BigEndian.PutUint32(w[off+20:], s1)
	}
}

// walPair returns a database image before and after an insert, and a WAL
// that holds the changed pages of the second as one committed transaction.
func walPair(tb testing.TB) (before, after, wal []byte) {
	tb.Helper()
	mk := func(rows int) []byte {
		img, err := Build(func(c *sql.Conn) error {
			if _, err := c.ExecContext(tb.Context(), "PRAGMA page_size=512; CREATE TABLE t(a TEXT); CREATE TABLE u(b)"); err != nil {
				return err
			}
			for i := range rows {
				if _, err := c.ExecContext(tb.Context(), "INSERT INTO t VALUES (?)", fmt.Sprintf("row %d %0100d", i, i)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
		return img
	}
	before, after = mk(2), mk(12)
	const ps = 512
	var frames []walFrame
	for p := 0; p*ps < len(after); p++ {
		page := after[p*ps : (p+1)*ps]
		if (p+1)*ps <= len(before) && bytes.Equal(page, before[p*ps:(p+1)*ps]) {
			continue
		}
		frames = append(frames, walFrame{pgno: uint32(p + 1), data: page})
	}
	frames[len(frames)-1].commit = uint32(len(after) / ps)
	// An uncommitted frame after the commit must be ignored.
	frames = append(frames, walFrame{pgno: 1, data: bytes.Repeat([]byte{0xee}, ps)})
	return before, after, buildWAL(ps, 0x11223344, 0x55667788, frames)
}

func TestApplyWALSynthetic(t *testing.T) {
	before, after, wal := walPair(t)
	img, err := ApplyWAL(before, wal)
	if err != nil || !bytes.Equal(img, after) {
		t.Fatalf("ApplyWAL: %d bytes (want %d), %v", len(img), len(after), err)
	}
	db, err := Open(before, wal)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	var last string
	if err := db.QueryRow("SELECT count(*), max(a) FROM t").Scan(&n, &last); err != nil || n != 12 || last[:6] != "row 9 " {
		t.Fatalf("%d rows, max %q, %v", n, last, err)
	}
	// A WAL without a valid header is ignored, as SQLite ignores it.
	for _, w := range [][]byte{bytes.Repeat([]byte{0x5a}, 600), wal[:20], append([]byte{0, 0, 0, 0}, wal[4:]...)} {
		img, err := ApplyWAL(before, w)
		if err != nil || !bytes.Equal(img, before) {
			t.Errorf("invalid WAL header: %d bytes, %v", len(img), err)
		}
	}
	// A frame with a bad checksum ends the log: nothing committed.
	bad := bytes.Clone(wal)
	bad[walHeaderSize+walFrameHeaderSize+10] ^= 1
	if img, err := ApplyWAL(before, bad); err != nil || !bytes.Equal(img, before) {
		t.Errorf("bad frame checksum: %d bytes, %v", len(img), err)
	}
}

// TestWALGiantCommitNotAllocated: a commit frame that claims a database of
// 2^18 or 2^31 pages is refused, and the memory allocated stays within a
// few times the input.
func TestWALGiantCommitNotAllocated(t *testing.T) {
	before, _, _ := walPair(t)
	for _, pages := range []uint32{1 << 18, 1 << 31, 0xFFFFFFFF} {
		wal := buildWAL(512, 1, 2, []walFrame{{pgno: 1, commit: pages, data: before[:512]}})
		var err error
		got := allocPerRun(10, func() { _, err = ApplyWAL(before, wal) })
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Fatalf("%d pages: %v", pages, err)
		}
		if limit := uint64(10 * (len(before) + len(wal))); got > limit {
			t.Errorf("%d pages: %d bytes allocated (limit %d)", pages, got, limit)
		}
	}
	// A frame for a page beyond a small committed size is dropped.
	wal := buildWAL(512, 1, 2, []walFrame{{pgno: 9, data: bytes.Repeat([]byte{1}, 512)}, {pgno: 1, commit: 1, data: before[:512]}})
	img, err := ApplyWAL(before, wal)
	if err != nil || !bytes.Equal(img, before[:512]) {
		t.Errorf("truncating commit: %d bytes, %v", len(img), err)
	}
}

func allocPerRun(runs int, f func()) uint64 {
	var before, after runtime.MemStats
	f()
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(runs)
}

func walSeeds(tb testing.TB) [][2][]byte {
	before, _, wal := walPair(tb)
	small := before[:1024]
	return [][2][]byte{
		{before, wal},
		{nil, wal},
		{small, buildWAL(512, 9, 9, []walFrame{{pgno: 3, commit: 3, data: []byte("page three")}})},
		{small, buildWAL(1024, 9, 9, []walFrame{{pgno: 1, commit: 1, data: before[:512]}})},
		{[]byte(Header), buildWAL(65536, 1, 1, []walFrame{{pgno: 1, commit: 0x10000}})[:walHeaderSize+100]},
		{before, nil},
	}
}

// FuzzApplyWAL replays arbitrary WALs over arbitrary images. With fix set,
// the WAL's checksums are recomputed first so that mutations of frame
// numbers, commit sizes and page sizes are not all stopped by the checksum.
// ApplyWAL must not panic, and an image it returns is never larger than
// its inputs; small images are also opened with SQLite.
func FuzzApplyWAL(f *testing.F) {
	for _, s := range walSeeds(f) {
		f.Add(s[0], s[1], true)
		f.Add(s[0], s[1], false)
	}
	f.Fuzz(func(t *testing.T, db, wal []byte, fix bool) {
		if fix {
			wal = bytes.Clone(wal)
			fixChecksums(wal)
		}
		img, err := ApplyWAL(db, wal)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) || img != nil {
				t.Fatalf("error %v (%T)", err, err)
			}
			return
		}
		if len(img) > len(db)+len(wal) {
			t.Fatalf("image of %d bytes from %d+%d input bytes", len(img), len(db), len(wal))
		}
		img, err = Image(db, wal)
		if err != nil || len(img) > 1<<16 {
			return
		}
		if d, err := openImage(img); err == nil {
			var n int
			_ = d.QueryRow("SELECT count(*) FROM sqlite_master").Scan(&n)
			d.Close()
		}
	})
}

func TestFuzzCorpus(t *testing.T) {
	var seeds [][]any
	for i, s := range walSeeds(t) {
		seeds = append(seeds, []any{s[0], s[1], i%2 == 0})
	}
	fuzzcorpus.Check(t, "FuzzApplyWAL", seeds)
}
