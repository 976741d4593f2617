package nskeyed

import (
	"bytes"
	"encoding/binary"
	"errors"
	"runtime"
	"testing"

	"github.com/iosbackup/iosbackup/internal/fuzzcorpus"

	"howett.net/plist"

	"github.com/iosbackup/iosbackup/internal/backuptest"
)

// explosive returns an archive of n objects where object i refers twice
// to object i+1: expanding it naively takes 2^n steps.
func explosive(tb testing.TB, n int) []byte {
	tb.Helper()
	objs := []any{"$null"}
	for i := 1; i <= n; i++ {
		objs = append(objs, []any{plist.UID(i + 1), plist.UID(i + 1)})
	}
	objs = append(objs, "leaf")
	b, err := plist.Marshal(map[string]any{"$archiver": "NSKeyedArchiver", "$version": 100000,
		"$top": map[string]any{"root": plist.UID(1)}, "$objects": objs}, plist.BinaryFormat)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// giantTrailer returns a binary plist whose trailer claims count objects
// while it holds one.
func giantTrailer(count uint64, offsetTable uint64) []byte {
	b := []byte("bplist00")
	b = append(b, 0x08, 8) // false, offset table: one 1-byte offset
	tr := make([]byte, 32)
	tr[6], tr[7] = 1, 1
	binary.BigEndian.PutUint64(tr[8:], count)
	binary.BigEndian.PutUint64(tr[24:], offsetTable)
	return append(b, tr...)
}

func seedArchives(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	key := append([]byte{3, 0, 0, 0}, bytes.Repeat([]byte{0xcd}, 40)...)
	for _, m := range []backuptest.MBFile{
		{RelativePath: "Library/SMS/sms.db", Size: 100, Mode: backuptest.ModeFile, Flags: 1, ProtectionClass: 3, EncryptionKey: key, Digest: []byte("0123456789abcdef0123")},
		{RelativePath: "link", Target: "/x", Mode: backuptest.ModeSymlink, Flags: 4},
		{RelativePath: "k", Mode: backuptest.ModeFile, EncryptionKey: key, KeyDataAsUID: true},
	} {
		b, err := m.Archive()
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	xml, err := plist.Marshal(map[string]any{"$archiver": "NSKeyedArchiver", "$top": map[string]any{"root": plist.UID(1)},
		"$objects": []any{"$null", map[string]any{"NS.keys": []any{plist.UID(2)}, "NS.objects": []any{plist.UID(1)}, "$class": plist.UID(3)},
			"key", map[string]any{"$classname": "NSDictionary"}}}, plist.XMLFormat)
	if err != nil {
		tb.Fatal(err)
	}
	return append(out, xml, explosive(tb, 12), giantTrailer(1<<40, 9), []byte("bplist00"))
}

// FuzzDecode parses arbitrary archives and decodes their root and every
// object: no panic, only ErrFormat errors.
func FuzzDecode(f *testing.F) {
	for _, s := range seedArchives(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if r, err := a.Root(); err == nil {
			if _, err := a.Decode(r); err != nil && !errors.Is(err, ErrFormat) {
				t.Fatalf("Decode: %v", err)
			}
			if m, ok := r.(map[string]any); ok {
				_ = a.ClassName(m)
				for k := range m {
					_, _ = a.Field(m, k)
				}
			}
		}
		for i := range min(len(a.Objects), 64) {
			_, _ = a.Decode(plist.UID(i))
		}
	})
}

// TestDecodeBudget: an archive that doubles at each of 40 levels is
// refused with ErrFormat instead of expanding 2^40 values.
func TestDecodeBudget(t *testing.T) {
	a, err := Parse(explosive(t, 40))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Decode(plist.UID(1)); !errors.Is(err, ErrFormat) {
		t.Fatalf("explosive archive: %v", err)
	}
	// A small shared DAG still decodes in full.
	a, err = Parse(explosive(t, 6))
	if err != nil {
		t.Fatal(err)
	}
	v, err := a.Decode(plist.UID(1))
	if err != nil {
		t.Fatal(err)
	}
	leaves := 0
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				walk(e)
			}
		case string:
			if x == "leaf" {
				leaves++
			}
		}
	}
	walk(v)
	if leaves != 64 {
		t.Fatalf("%d leaves, want 64", leaves)
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

// TestGiantCountsNotAllocated: binary plists whose trailer, array or data
// headers claim huge counts are refused without allocating them.
func TestGiantCountsNotAllocated(t *testing.T) {
	hugeArray := append([]byte("bplist00"), 0xaf, 0x13) // array, count in a following int
	hugeArray = binary.BigEndian.AppendUint64(hugeArray, 1<<40)
	hugeArray = append(hugeArray, 8)
	tr := make([]byte, 32)
	tr[6], tr[7] = 1, 1
	binary.BigEndian.PutUint64(tr[8:], 1)
	binary.BigEndian.PutUint64(tr[24:], uint64(len(hugeArray)-1))
	hugeArray = append(hugeArray, tr...)
	hugeData := bytes.Clone(hugeArray)
	hugeData[8] = 0x4f // data with a 2^40 length
	for name, in := range map[string][]byte{
		"objects 2^40":   giantTrailer(1<<40, 9),
		"objects 2^63":   giantTrailer(1<<63, 9),
		"offset table":   giantTrailer(1, 1<<62),
		"array of 2^40":  hugeArray,
		"data of 2^40":   hugeData,
		"deep recursion": deepArray(100000),
	} {
		var err error
		got := allocPerRun(5, func() { _, err = Parse(in) })
		if !errors.Is(err, ErrFormat) {
			t.Errorf("%s: %v", name, err)
		}
		if limit := uint64(10*len(in) + 64<<10); got > limit {
			t.Errorf("%s: %d bytes allocated for %d input bytes", name, got, len(in))
		}
	}
}

// deepArray nests n one-element arrays.
func deepArray(n int) []byte {
	b := []byte("bplist00")
	offsets := make([]int, n+1)
	for i := 0; i < n; i++ {
		offsets[i] = len(b)
		b = append(b, 0xa1, 0, 0, 0) // array of one 3-byte ref
		b[len(b)-3], b[len(b)-2], b[len(b)-1] = byte((i+1)>>16), byte((i+1)>>8), byte(i+1)
	}
	offsets[n] = len(b)
	b = append(b, 0x08)
	table := len(b)
	for _, o := range offsets {
		b = append(b, byte(o>>24), byte(o>>16), byte(o>>8), byte(o))
	}
	tr := make([]byte, 32)
	tr[6], tr[7] = 4, 3
	binary.BigEndian.PutUint64(tr[8:], uint64(n+1))
	binary.BigEndian.PutUint64(tr[24:], uint64(table))
	return append(b, tr...)
}

func TestFuzzCorpus(t *testing.T) {
	fuzzcorpus.Check(t, "FuzzDecode", fuzzcorpus.Bytes(seedArchives(t)))
}
