package manifestdb

import (
	"bytes"
	"errors"
	"runtime"
	"testing"

	"github.com/iosbackup/iosbackup/internal/fuzzcorpus"

	"github.com/iosbackup/iosbackup/internal/backuptest"
	"github.com/iosbackup/iosbackup/internal/nskeyed"
	"github.com/iosbackup/iosbackup/manifest"
)

func seedFiles() []backuptest.File {
	return []backuptest.File{
		{Domain: "HomeDomain", Path: "Library/SMS/sms.db", Data: []byte("db")},
		{Domain: "HomeDomain", Path: "Library/SMS", Kind: backuptest.KindDir},
		{Domain: "AppDomain-../..", Path: "../x\x00y", Data: []byte("hostile")},
		{Domain: "HomeDomain", Path: "Library/link", Kind: backuptest.KindSymlink, Target: "/var/mobile"},
		{Domain: "MediaDomain", Path: "a.jpg", Data: []byte("jpg"), Digest: bytes.Repeat([]byte{7}, 20), Class: 11},
	}
}

// seedMBDB returns Manifest.mbdb streams of synthetic backups, plain and
// encrypted, with hostile names, a raw record and a truncated stream.
func seedMBDB(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for i, o := range []backuptest.Options{
		{Era: backuptest.EraMBDB},
		{Era: backuptest.EraMBDB, Encrypted: true, Iterations: 1, MBDBNullEmptyPath: true},
		{Era: backuptest.EraMBDB, Raw: []backuptest.RawRow{{Record: []byte{0, 4, 'H', 'o', 'm', 'e', 0xff, 0xfe}}}},
	} {
		o.Seed = int64(i)
		_, res, err := backuptest.Build(o, seedFiles())
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, res.MBDB)
	}
	rec, err := backuptest.MBDBRecord{Domain: "D", Path: "p", Mode: backuptest.ModeFile, Size: -1,
		Properties: [][2][]byte{{[]byte("k"), []byte("v")}}}.Append(append([]byte(nil), backuptest.MBDBHeader...))
	if err != nil {
		tb.Fatal(err)
	}
	return append(out, out[0][:len(out[0])/2], rec, []byte("mbdb\x04\x00"), backuptest.MBDBHeader)
}

// seedMBFiles returns MBFile archives: file, symlink, directory, key data
// inline and behind a UID, digest.
func seedMBFiles(tb testing.TB) [][]byte {
	tb.Helper()
	key := append([]byte{3, 0, 0, 0}, bytes.Repeat([]byte{0xab}, 40)...)
	var out [][]byte
	for _, m := range []backuptest.MBFile{
		{RelativePath: "Library/SMS/sms.db", Size: 118784, Mode: backuptest.ModeFile, UserID: 501, GroupID: 501, InodeNumber: 7,
			ProtectionClass: 3, Flags: 1, LastModified: 1600000000, Birth: 1500000000, LastStatusChange: 1600000001, EncryptionKey: key},
		{RelativePath: "l", Target: "/var/mobile/x", Mode: backuptest.ModeSymlink, Flags: 4},
		{RelativePath: "d", Mode: backuptest.ModeDir, Flags: 2},
		{RelativePath: "k", Size: 9, Mode: backuptest.ModeFile, EncryptionKey: key, KeyDataAsUID: true, Digest: bytes.Repeat([]byte{1}, 20)},
		{RelativePath: "neg", Size: -5, Mode: backuptest.ModeFile, EncryptionKey: key[:10]},
	} {
		b, err := m.Archive()
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return append(out, []byte("bplist00"), backuptest.Garbage(40))
}

func FuzzParseMBDB(f *testing.F) {
	for _, s := range seedMBDB(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		es, err := ParseMBDB(b)
		if err != nil {
			var fe *manifest.FormatError
			if !errors.As(err, &fe) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("untyped error %v", err)
			}
			if fe != nil && (fe.Offset < 0 || fe.Offset > int64(len(b))) {
				t.Fatalf("offset %d outside the %d-byte input", fe.Offset, len(b))
			}
		}
		// A record has at least 5 two-byte lengths and 40 fixed bytes.
		if len(es) > (len(b)-6)/50+1 {
			t.Fatalf("%d entries from %d bytes", len(es), len(b))
		}
		for _, e := range es {
			if id, _ := ComputeFileID(e.Domain, e.Path); e.Size < 0 || e.FileID != id || !ValidFileID(e.FileID) {
				t.Fatalf("entry %+v", e)
			}
			if e.WrappedKey != nil && len(e.WrappedKey) != 40 {
				t.Fatalf("wrapped key of %d bytes", len(e.WrappedKey))
			}
			_ = e.Problem()
			_ = e.FileMode()
		}
	})
}

func FuzzDecodeMBFile(f *testing.F) {
	for _, s := range seedMBFiles(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e := &manifest.Entry{Kind: manifest.Other}
		err := DecodeMBFile(b, e)
		if e.Size < 0 {
			t.Fatalf("negative size %d", e.Size)
		}
		if e.WrappedKey != nil && len(e.WrappedKey) != 40 {
			t.Fatalf("wrapped key of %d bytes", len(e.WrappedKey))
		}
		if err == nil && e.Kind == manifest.Other && kindFromMode(e.Mode) != manifest.Other {
			t.Fatalf("kind not set from mode %o", e.Mode)
		}
	})
}

func TestFuzzCorpus(t *testing.T) {
	fuzzcorpus.Check(t, "FuzzParseMBDB", fuzzcorpus.Bytes(seedMBDB(t)))
	fuzzcorpus.Check(t, "FuzzDecodeMBFile", fuzzcorpus.Bytes(seedMBFiles(t)))
}

// TestHostileDecodeMBFile checks archives whose fields have the wrong
// types or dangling references: the entry keeps what is readable and the
// error is typed.
func TestHostileDecodeMBFile(t *testing.T) {
	for _, b := range seedMBFiles(t)[5:] {
		e := &manifest.Entry{}
		if err := DecodeMBFile(b, e); !errors.Is(err, nskeyed.ErrFormat) {
			t.Errorf("%q: %v", b, err)
		}
	}
	neg := seedMBFiles(t)[4]
	e := &manifest.Entry{}
	err := DecodeMBFile(neg, e)
	if err == nil || e.Size != 0 || e.WrappedKey != nil || e.Mode != uint32(backuptest.ModeFile) {
		t.Errorf("negative size and short key: %+v %v", e, err)
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

// TestMBDBGiantLengths: string length fields claim up to 64 KiB and
// property counts up to 255 with a few bytes present; the parse stops at a
// manifest.FormatError with the offset of the short field and allocates little.
func TestMBDBGiantLengths(t *testing.T) {
	hdr := backuptest.MBDBHeader
	cases := map[string][]byte{
		"domain":      append(bytes.Clone(hdr), 0xff, 0xfe, 'a', 'b'),
		"path":        append(bytes.Clone(hdr), 0, 1, 'D', 0xff, 0xfe, 'p'),
		"fixed":       append(bytes.Clone(hdr), 0, 1, 'D', 0, 1, 'p', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3),
		"properties":  append(append(bytes.Clone(hdr), 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), append(make([]byte, 39), 0xff, 0, 3, 'a', 'b', 'c', 0xff, 0x00)...),
		"many-fields": append(bytes.Clone(hdr), bytes.Repeat([]byte{0xff, 0xfe}, 200)...),
	}
	for name, in := range cases {
		var es []*manifest.Entry
		var err error
		got := allocPerRun(20, func() { es, err = ParseMBDB(in) })
		var fe *manifest.FormatError
		if !errors.As(err, &fe) || len(es) != 0 || fe.Offset <= 6 || fe.Offset > int64(len(in)) {
			t.Errorf("%s: %d entries, %v", name, len(es), err)
		}
		if limit := uint64(10*len(in) + 2048); got > limit {
			t.Errorf("%s: %d bytes allocated for %d input bytes", name, got, len(in))
		}
	}
}

// TestMBDBShortHeaders is the regression test of a fuzz crasher: "mbdb"
// with fewer than 6 bytes indexed past the input.
func TestMBDBShortHeaders(t *testing.T) {
	for _, in := range []string{"mbdb", "mbdb\x05", "mbd", ""} {
		es, err := ParseMBDB([]byte(in))
		var fe *manifest.FormatError
		if !errors.As(err, &fe) || es != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
	if _, err := ParseMBDB([]byte("mbdb\x04\x00")); !errors.Is(err, ErrUnsupported) || err.Error() != "manifest: unsupported: Manifest.mbdb version 4.0" {
		t.Errorf("version 4.0: %v", err)
	}
}
