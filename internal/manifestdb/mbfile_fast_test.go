package manifestdb

import (
	"bytes"
	"compress/gzip"
	"crypto/aes"
	"crypto/cipher"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"testing"
	"time"

	"howett.net/plist"

	"github.com/iosbackup/iosbackup/internal/backuptest"
	"github.com/iosbackup/iosbackup/internal/fuzzcorpus"
	"github.com/iosbackup/iosbackup/internal/realdata"
	"github.com/iosbackup/iosbackup/internal/sqlitemem"
	"github.com/iosbackup/iosbackup/manifest"
)

// compareFastSlow decodes blob with both paths into fresh entries and
// fails unless the fast path either refused without touching its entry
// or gave the same entry and error as the general decoder. It reports
// whether the fast path accepted blob.
func compareFastSlow(t testing.TB, name string, blob []byte) bool {
	t.Helper()
	fast, slow := &manifest.Entry{}, &manifest.Entry{}
	ok, ferr := decodeMBFileFast(blob, fast)
	serr := decodeMBFileSlow(blob, slow)
	if !ok {
		if ferr != nil || !reflect.DeepEqual(fast, &manifest.Entry{}) {
			t.Errorf("%s: refused but changed the entry: %+v, %v", name, fast, ferr)
		}
		return false
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Errorf("%s: entries differ\nfast %+v\nslow %+v", name, fast, slow)
	}
	if (ferr == nil) != (serr == nil) || ferr != nil && ferr.Error() != serr.Error() {
		t.Errorf("%s: errors differ: fast %v, slow %v", name, ferr, serr)
	}
	// The public entry point gives the same.
	pub := &manifest.Entry{}
	perr := DecodeMBFile(blob, pub)
	if !reflect.DeepEqual(pub, slow) || (perr == nil) != (serr == nil) {
		t.Errorf("%s: DecodeMBFile differs: %+v %v", name, pub, perr)
	}
	return true
}

// fileBlobs returns the `file` column of every row of a Manifest.db image.
func fileBlobs(t *testing.T, img []byte) [][]byte {
	t.Helper()
	db, err := sqlitemem.Open(img, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT file FROM Files ORDER BY fileID")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var b sql.RawBytes
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		out = append(out, bytes.Clone(b))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func mvtManifestImage(t *testing.T) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(realdata.Read(t, "mvt/tests/artifacts/ios_backup/Manifest.db.gz")))
	if err != nil {
		t.Fatal(err)
	}
	img, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestFastMBFileMVT: on the 3721 rows of the MVT Manifest.db the fast path
// accepts at least 99% of the records and decodes each like the general
// decoder.
func TestFastMBFileMVT(t *testing.T) {
	blobs := fileBlobs(t, mvtManifestImage(t))
	if len(blobs) != 3721 {
		t.Fatalf("%d rows, want 3721", len(blobs))
	}
	accepted, keys, targets, digests := 0, 0, 0, 0
	for i, b := range blobs {
		if !compareFastSlow(t, "row", b) {
			if accepted+len(blobs)-i < len(blobs)*99/100 {
				t.Fatalf("fast path refused row %d: %x", i, b)
			}
			continue
		}
		accepted++
		e := &manifest.Entry{}
		_, _ = decodeMBFileFast(b, e)
		if e.WrappedKey != nil {
			keys++
		}
		if e.Target != "" {
			targets++
		}
		if e.Digest != nil {
			digests++
		}
	}
	t.Logf("fast path accepted %d of %d MBFile records", accepted, len(blobs))
	if accepted*100 < len(blobs)*99 {
		t.Fatalf("fast path accepted only %d of %d records", accepted, len(blobs))
	}
	// The same counts as TestMVTManifestDB, from the fast path alone.
	if accepted == len(blobs) && (keys != 1089 || targets != 14 || digests != 477) {
		t.Fatalf("keys %d targets %d digests %d", keys, targets, digests)
	}
}

// TestFastMBFilePyiosbackup: the pyiosbackup record, whose EncryptionKey
// NS.data is a UID to a data object, is taken by the fast path.
func TestFastMBFilePyiosbackup(t *testing.T) {
	ct := realdata.Read(t, "pyiosbackup/tests/encrypted_sqlite3_db.bin")
	block, _ := aes.NewCipher(make([]byte, 32))
	img := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, make([]byte, 16)).CryptBlocks(img, ct)
	blobs := fileBlobs(t, img)
	if len(blobs) == 0 {
		t.Fatal("no rows")
	}
	mk := realdata.Read(t, "pyiosbackup/extracted_from_tests/ManifestKey.bin")
	found := false
	for _, b := range blobs {
		if !compareFastSlow(t, "pyiosbackup", b) {
			t.Errorf("fast path refused %x", b)
			continue
		}
		e := &manifest.Entry{}
		if _, err := decodeMBFileFast(b, e); err != nil {
			t.Fatal(err)
		}
		if e.Size == 9 && e.Mode == 0o100755 {
			found = true
			if e.KeyClass != 2 || !bytes.Equal(e.WrappedKey, mk[4:]) || e.Modified.Unix() != 1628082463 || e.Birth.Unix() != 1627974948 {
				t.Fatalf("entry %+v", e)
			}
		}
	}
	if !found {
		t.Fatal("Media/Test.txt record not found")
	}
}

// Test values for the synthetic MBFile archives.
var (
	testKey    = append([]byte{3, 0, 0, 0}, bytes.Repeat([]byte{0xab}, 40)...)
	testDigest = bytes.Repeat([]byte{0x5a}, 20)
)

func backuptestMBFiles() map[string]backuptest.MBFile {
	base := backuptest.MBFile{RelativePath: "Library/SMS/sms.db", Size: 118784, Mode: backuptest.ModeFile, UserID: 501, GroupID: 501,
		InodeNumber: 45856, ProtectionClass: 4, Flags: 1, LastModified: 1638501497, Birth: 1566918489, LastStatusChange: 1638559914}
	with := func(f func(*backuptest.MBFile)) backuptest.MBFile {
		m := base
		f(&m)
		return m
	}
	return map[string]backuptest.MBFile{
		"plain":         base,
		"key":           with(func(m *backuptest.MBFile) { m.EncryptionKey = testKey }),
		"key-uid":       with(func(m *backuptest.MBFile) { m.EncryptionKey, m.KeyDataAsUID = testKey, true }),
		"key-digest":    with(func(m *backuptest.MBFile) { m.EncryptionKey, m.Digest = testKey, testDigest }),
		"empty-digest":  with(func(m *backuptest.MBFile) { m.Digest = []byte{} }),
		"empty-key":     with(func(m *backuptest.MBFile) { m.EncryptionKey = []byte{} }),
		"short-key":     with(func(m *backuptest.MBFile) { m.EncryptionKey = testKey[:10] }),
		"negative-size": with(func(m *backuptest.MBFile) { m.Size, m.EncryptionKey = -5, testKey[:10] }),
		"symlink": with(func(m *backuptest.MBFile) {
			m.Mode, m.Target, m.Size = backuptest.ModeSymlink, "/var/mobile/Library", 0
		}),
		"symlink-utf16": with(func(m *backuptest.MBFile) { m.Mode, m.Target = backuptest.ModeSymlink, "/var/mobile/Fotos é 😀" }),
		"dir":           with(func(m *backuptest.MBFile) { m.Mode, m.Size = backuptest.ModeDir, 0 }),
		"negative-time": with(func(m *backuptest.MBFile) { m.LastModified, m.Birth = -1, math.MinInt64 }),
		"big-size":      with(func(m *backuptest.MBFile) { m.Size, m.InodeNumber = math.MaxInt64, math.MaxUint32+1 }),
		"huge-inode":    with(func(m *backuptest.MBFile) { m.InodeNumber = math.MaxUint64 }),
		"bad-mode":      with(func(m *backuptest.MBFile) { m.Mode = 0o7777 }),
	}
}

// TestFastMBFileBackuptest compares both paths on archives written by
// backuptest and checks the values the fast path reads.
func TestFastMBFileBackuptest(t *testing.T) {
	refusedOK := map[string]bool{"huge-inode": true} // a 128-bit integer
	for name, m := range backuptestMBFiles() {
		b, err := m.Archive()
		if err != nil {
			t.Fatal(err)
		}
		if !compareFastSlow(t, name, b) {
			if !refusedOK[name] {
				t.Errorf("%s: refused", name)
			}
			continue
		}
		e := &manifest.Entry{}
		err = DecodeMBFile(b, e)
		switch name {
		case "plain", "key", "key-uid", "key-digest":
			if err != nil || e.Size != 118784 || e.Mode != uint32(backuptest.ModeFile) || e.UID != 501 || e.GID != 501 || e.Inode != 45856 ||
				e.ProtectionClass != 4 || e.Kind != manifest.File || !e.Modified.Equal(time.Unix(1638501497, 0)) ||
				!e.Birth.Equal(time.Unix(1566918489, 0)) || !e.Changed.Equal(time.Unix(1638559914, 0)) {
				t.Errorf("%s: %+v %v", name, e, err)
			}
			if name != "plain" && (e.KeyClass != 3 || !bytes.Equal(e.WrappedKey, testKey[4:])) {
				t.Errorf("%s: key %d %x", name, e.KeyClass, e.WrappedKey)
			}
			if (name == "key-digest") != bytes.Equal(e.Digest, testDigest) {
				t.Errorf("%s: digest %x", name, e.Digest)
			}
		case "empty-digest", "empty-key":
			if err != nil || e.Digest != nil || e.WrappedKey != nil {
				t.Errorf("%s: %+v %v", name, e, err)
			}
		case "short-key":
			if err == nil || err.Error() != "EncryptionKey is 10 bytes, want 44" || e.WrappedKey != nil || e.Size != 118784 {
				t.Errorf("%s: %+v %v", name, e, err)
			}
		case "negative-size":
			if err == nil || err.Error() != "MBFile Size -5 is negative" || e.Size != 0 {
				t.Errorf("%s: %+v %v", name, e, err)
			}
		case "symlink", "symlink-utf16":
			want := map[string]string{"symlink": "/var/mobile/Library", "symlink-utf16": "/var/mobile/Fotos é 😀"}[name]
			if err != nil || e.Kind != manifest.Symlink || e.Target != want {
				t.Errorf("%s: %+v %v", name, e, err)
			}
		case "negative-time":
			if err != nil || e.Modified.Unix() != -1 || e.Birth.Unix() != math.MinInt64 {
				t.Errorf("%s: %+v %v", name, e, err)
			}
		case "big-size":
			if err != nil || e.Size != math.MaxInt64 || e.Inode != math.MaxUint32+1 {
				t.Errorf("%s: %+v %v", name, e, err)
			}
		case "bad-mode":
			if err != nil || e.Kind != manifest.Other || e.Mode != 0o7777 {
				t.Errorf("%s: %+v %v", name, e, err)
			}
		}
	}
}

// A small binary plist writer for hand-made archives: ordered
// dictionaries with duplicate keys, UTF-16 strings, explicit integer
// widths and raw (possibly malformed) objects.
type (
	bpKV    struct{ k, v any }
	bpDict  []bpKV
	bpUTF16 string
	bpUID   uint64
	bpRaw   []byte // an object written as is
	bpInt   struct {
		width int // 1, 2, 4, 8 or 16 bytes
		v     uint64
	}
	bpSelf struct{} // an array containing itself
)

type bpWriter struct {
	objs [][]byte
}

func (w *bpWriter) add(v any) uint64 {
	i := uint64(len(w.objs))
	w.objs = append(w.objs, nil)
	var o []byte
	marker := func(kind byte, n int) {
		if n < 15 {
			o = append(o, kind<<4|byte(n))
		} else {
			o = append(o, kind<<4|0xF, 0x12)
			o = binary.BigEndian.AppendUint32(o, uint32(n))
		}
	}
	refs := func(r []uint64) {
		for _, x := range r {
			o = binary.BigEndian.AppendUint16(o, uint16(x))
		}
	}
	switch x := v.(type) {
	case string:
		marker(5, len(x))
		o = append(o, x...)
	case bpUTF16:
		var units []uint16
		for _, r := range string(x) {
			if r >= 0x10000 {
				r -= 0x10000
				units = append(units, uint16(0xD800+(r>>10)), uint16(0xDC00+(r&0x3FF)))
			} else {
				units = append(units, uint16(r))
			}
		}
		marker(6, len(units))
		for _, c := range units {
			o = binary.BigEndian.AppendUint16(o, c)
		}
	case []byte:
		marker(4, len(x))
		o = append(o, x...)
	case int:
		o = append(o, 0x13)
		o = binary.BigEndian.AppendUint64(o, uint64(x))
	case bpInt:
		switch x.width {
		case 1:
			o = append(o, 0x10, byte(x.v))
		case 2:
			o = binary.BigEndian.AppendUint16(append(o, 0x11), uint16(x.v))
		case 4:
			o = binary.BigEndian.AppendUint32(append(o, 0x12), uint32(x.v))
		case 8:
			o = binary.BigEndian.AppendUint64(append(o, 0x13), x.v)
		case 16:
			o = binary.BigEndian.AppendUint64(append(o, 0x14, 0, 0, 0, 0, 0, 0, 0, 0), x.v)
		}
	case bool:
		o = append(o, 0x08)
		if x {
			o[0] = 0x09
		}
	case float64:
		o = binary.BigEndian.AppendUint64(append(o, 0x23), math.Float64bits(x))
	case bpUID:
		o = binary.BigEndian.AppendUint16(append(o, 0x81), uint16(x))
	case bpRaw:
		o = append(o, x...)
	case bpSelf:
		marker(0xA, 1)
		refs([]uint64{i})
	case []any:
		r := make([]uint64, len(x))
		for k, e := range x {
			r[k] = w.add(e)
		}
		marker(0xA, len(x))
		refs(r)
	case bpDict:
		r := make([]uint64, 2*len(x))
		for k, kv := range x {
			r[k] = w.add(kv.k)
			r[len(x)+k] = w.add(kv.v)
		}
		marker(0xD, len(x))
		refs(r)
	default:
		panic("bpWriter: unsupported value")
	}
	w.objs[i] = o
	return i
}

// bpEncode writes v as a binary plist with 2-byte references and 4-byte
// offsets.
func bpEncode(v any) []byte {
	var w bpWriter
	w.add(v)
	b := []byte("bplist00")
	offs := make([]int, len(w.objs))
	for i, o := range w.objs {
		offs[i] = len(b)
		b = append(b, o...)
	}
	table := len(b)
	for _, o := range offs {
		b = binary.BigEndian.AppendUint32(b, uint32(o))
	}
	b = append(b, 0, 0, 0, 0, 0, 0, 4, 2)
	b = binary.BigEndian.AppendUint64(b, uint64(len(w.objs)))
	b = binary.BigEndian.AppendUint64(b, 0)
	return binary.BigEndian.AppendUint64(b, uint64(table))
}

// nsArchive wraps objects (objects[1] being the root) in the keyed
// archive envelope.
func nsArchive(objects ...any) []byte {
	return bpEncode(bpDict{
		{"$version", bpInt{4, 100000}},
		{"$archiver", "NSKeyedArchiver"},
		{"$top", bpDict{{"root", bpUID(1)}}},
		{"$objects", append([]any{"$null"}, objects...)},
	})
}

var mbfileClass = bpDict{{"$classname", "MBFile"}, {"$classes", []any{"MBFile", "NSObject"}}}

// craftedArchives returns hand-made archives and whether the fast path is
// expected to take each.
func craftedArchives() map[string]struct {
	b    []byte
	fast bool
} {
	type c = struct {
		b    []byte
		fast bool
	}
	dataClass := bpDict{{"$classname", "NSMutableData"}, {"$classes", []any{"NSMutableData", "NSData", "NSObject"}}}
	return map[string]c{
		"ints-behind-uids": {nsArchive(bpDict{{"Size", bpUID(2)}, {"Mode", bpUID(3)}, {"InodeNumber", bpInt{2, 7}}, {"$class", bpUID(4)}},
			bpInt{8, 77}, bpInt{2, 0o100600}, mbfileClass), true},
		"duplicate-keys": {nsArchive(bpDict{{"Size", bpInt{1, 1}}, {"Target", "/a"}, {"Size", bpInt{4, 99}}, {"Target", bpUID(0)}, {"Mode", bpInt{2, 0o40755}}}), true},
		"utf16-target": {nsArchive(bpDict{{"Target", bpUID(2)}, {"Mode", bpInt{2, 0o120755}}},
			bpUTF16("/x/\u00e9\U0001F600"), mbfileClass), true},
		"unpaired-surrogates": {nsArchive(bpDict{{"Target", bpUID(2)}},
			bpRaw{0x64, 0xD8, 0x00, 0x00, 0x41, 0xDC, 0x00, 0xD8, 0x3D}), true},
		"utf16-null":         {nsArchive(bpDict{{"Target", bpUID(2)}, {"Size", bpUID(2)}}, bpUTF16("$null")), true},
		"inline-null-string": {nsArchive(bpDict{{"Target", "$null"}}), true},
		"long-count-null": {nsArchive(bpDict{{"Target", bpUID(2)}, {"Digest", bpUID(3)}},
			bpRaw("\x5F\x10\x05$null"), bpRaw("\x6F\x10\x05\x00$\x00n\x00u\x00l\x00l")), true},
		"long-count-key": {nsArchive(bpDict{{bpRaw("\x5F\x10\x04Size"), bpInt{1, 9}}, {bpRaw("\x5F\x11\x00\x0fProtectionClass"), bpInt{1, 3}}}), true},
		"nsstring-target": {nsArchive(bpDict{{"Target", bpUID(2)}},
			bpDict{{"NS.string", "/var/x"}, {"$class", bpUID(3)}}, bpDict{{"$classname", "NSString"}}), true},
		"nsdata-digest-uid": {nsArchive(bpDict{{"Digest", bpUID(2)}, {"EncryptionKey", bpUID(3)}},
			bpDict{{"NS.data", bpUID(4)}, {"$class", bpUID(5)}}, bpDict{{"NS.data", testKey}, {"$class", bpUID(5)}}, testDigest, dataClass), true},
		"inline-wrapper":   {nsArchive(bpDict{{"Digest", bpDict{{"NS.bytes", testDigest}}}}), true},
		"wrapper-priority": {nsArchive(bpDict{{"Target", bpDict{{"NS.bytes", "b"}, {"NS.string", "s"}}}}), true},
		"null-fields":      {nsArchive(bpDict{{"Size", bpUID(0)}, {"Digest", bpUID(0)}, {"EncryptionKey", bpUID(0)}, {"Target", bpUID(0)}}), true},
		"empty-root":       {nsArchive(bpDict{}), true},
		"big-uint8":        {nsArchive(bpDict{{"Size", bpInt{8, 1 << 63}}, {"InodeNumber", bpInt{8, math.MaxUint64}}}), true},
		"uint32-max":       {nsArchive(bpDict{{"Mode", bpInt{4, math.MaxUint32}}, {"UserID", bpInt{4, 1 << 31}}}), true},
		"bool-in-objects":  {nsArchive(bpDict{{"Mode", bpInt{2, 0o100644}}}, true), true},
		"int-128":          {nsArchive(bpDict{{"Size", bpInt{16, 5}}}), false},
		"real-size":        {nsArchive(bpDict{{"Size", 12.5}}), false},
		"bool-size":        {nsArchive(bpDict{{"Size", true}}), false},
		"string-size":      {nsArchive(bpDict{{"Size", "12"}}), false},
		"data-target":      {nsArchive(bpDict{{"Target", []byte("x")}}), false},
		"dict-key":         {nsArchive(bpDict{{"EncryptionKey", bpDict{{"X", "y"}}}}), false},
		"uid-out-of-range": {nsArchive(bpDict{{"Size", bpUID(9)}}), false},
		"uid-to-uid":       {nsArchive(bpDict{{"Size", bpUID(2)}}, bpUID(3), bpInt{1, 4}), false},
		"self-array":       {nsArchive(bpDict{}, bpSelf{}), false},
		"overlong-string":  {nsArchive(bpDict{}, bpRaw{0x5F, 0x10, 0xFF, 'a'}), false},
		"bad-atom":         {nsArchive(bpDict{}, bpRaw{0x70}), false},
		"null-atom":        {nsArchive(bpDict{}, bpRaw{0x00}), false},
		"set":              {nsArchive(bpDict{}, bpRaw{0xC0}), false},
		"utf16-key":        {nsArchive(bpDict{{bpUTF16("Size"), bpInt{1, 3}}}), false},
		"non-string-key":   {nsArchive(bpDict{{bpInt{1, 1}, bpInt{1, 3}}}), false},
		"inline-root": {bpEncode(bpDict{{"$top", bpDict{{"root", bpDict{{"Size", bpInt{1, 3}}}}}},
			{"$objects", []any{"$null"}}}), false},
		"null-root":          {bpEncode(bpDict{{"$top", bpDict{{"root", bpUID(0)}}}, {"$objects", []any{"$null"}}}), false},
		"no-top":             {bpEncode(bpDict{{"$objects", []any{"$null"}}}), false},
		"top-array":          {bpEncode([]any{"$objects"}), false},
		"deep-nested":        {nsArchive(bpDict{{"Size", bpInt{1, 3}}}, []any{[]any{[]any{[]any{[]any{"x"}}}}}), true},
		"cycle":              {bpEncode([]any{bpRaw{0xA1, 0x00, 0x00}}), false},
		"backward-container": {nsArchive(bpDict{{"Size", bpUID(2)}}, bpInt{1, 3}, []any{bpRaw{0xA1, 0x00, 0x06}}), false},
		"300-objects": {nsArchive(append([]any{bpDict{{"Size", bpInt{1, 3}}}},
			func() (s []any) {
				for i := range 300 {
					s = append(s, fmt.Sprint(i))
				}
				return s
			}()...)...), false},
	}
}

// TestFastMBFileCrafted compares both paths on hand-made archives and
// checks which ones the fast path takes.
func TestFastMBFileCrafted(t *testing.T) {
	for name, c := range craftedArchives() {
		if got := compareFastSlow(t, name, c.b); got != c.fast {
			t.Errorf("%s: fast path took it: %v, want %v", name, got, c.fast)
		}
	}
	check := func(name string, f func(*manifest.Entry) bool) {
		t.Helper()
		e := &manifest.Entry{}
		err := DecodeMBFile(craftedArchives()[name].b, e)
		if !f(e) {
			t.Errorf("%s: %+v %v", name, e, err)
		}
	}
	check("ints-behind-uids", func(e *manifest.Entry) bool {
		return e.Size == 77 && e.Mode == 0o100600 && e.Inode == 7 && e.Kind == manifest.File
	})
	check("duplicate-keys", func(e *manifest.Entry) bool { return e.Size == 99 && e.Target == "" && e.Kind == manifest.Dir })
	check("utf16-target", func(e *manifest.Entry) bool { return e.Target == "/x/é😀" && e.Kind == manifest.Symlink })
	check("unpaired-surrogates", func(e *manifest.Entry) bool { return e.Target == "\uFFFDA\uFFFD\uFFFD" })
	check("utf16-null", func(e *manifest.Entry) bool { return e.Target == "" && e.Size == 0 })
	check("inline-null-string", func(e *manifest.Entry) bool { return e.Target == "$null" })
	check("long-count-null", func(e *manifest.Entry) bool { return e.Target == "" && e.Digest == nil })
	check("long-count-key", func(e *manifest.Entry) bool { return e.Size == 9 && e.ProtectionClass == 3 })
	check("nsstring-target", func(e *manifest.Entry) bool { return e.Target == "/var/x" })
	check("nsdata-digest-uid", func(e *manifest.Entry) bool {
		return bytes.Equal(e.Digest, testDigest) && e.KeyClass == 3 && bytes.Equal(e.WrappedKey, testKey[4:])
	})
	check("inline-wrapper", func(e *manifest.Entry) bool { return bytes.Equal(e.Digest, testDigest) })
	check("wrapper-priority", func(e *manifest.Entry) bool { return e.Target == "s" })
	check("big-uint8", func(e *manifest.Entry) bool { return e.Size == 0 && e.Inode == math.MaxUint64 })
	check("uint32-max", func(e *manifest.Entry) bool { return e.Mode == math.MaxUint32 && e.UID == 1<<31 })
}

// TestFastMBFileRefusals: inputs that are not binary keyed archives, or
// whose trailer is inconsistent, are refused without allocating.
func TestFastMBFileRefusals(t *testing.T) {
	good, err := backuptestMBFiles()["key"].Archive()
	if err != nil {
		t.Fatal(err)
	}
	xml, err := plist.Marshal(map[string]any{"$archiver": "NSKeyedArchiver", "$top": map[string]any{"root": plist.UID(1)},
		"$objects": []any{"$null", map[string]any{"Size": 3}}}, plist.XMLFormat)
	if err != nil {
		t.Fatal(err)
	}
	trailer := func(pos int, v byte) []byte {
		b := bytes.Clone(good)
		b[len(b)-32+pos] = v
		return b
	}
	cases := map[string][]byte{
		"empty":          nil,
		"header only":    []byte("bplist00"),
		"xml":            xml,
		"bplist01":       append([]byte("bplist01"), good[8:]...),
		"truncated":      good[:len(good)-1],
		"cut table":      append(bytes.Clone(good[:len(good)-40]), good[len(good)-32:]...),
		"offset size 0":  trailer(6, 0),
		"offset size 9":  trailer(6, 9),
		"ref size 0":     trailer(7, 0),
		"ref size 8":     trailer(7, 8),
		"objects 2^56":   trailer(9, 1),
		"top out":        trailer(23, 0xff),
		"table at 0":     trailer(31, 0),
		"table past end": trailer(24, 1),
	}
	for name, b := range cases {
		if compareFastSlow(t, name, b) {
			t.Errorf("%s: accepted", name)
		}
		e := &manifest.Entry{}
		if n := testing.AllocsPerRun(10, func() { _, _ = decodeMBFileFast(b, e) }); n != 0 {
			t.Errorf("%s: %v allocations", name, n)
		}
	}
}

// TestFastMBFileAllocations: a record with key, digest and target costs
// the three copies it keeps, nothing more.
func TestFastMBFileAllocations(t *testing.T) {
	m := backuptestMBFiles()["key-digest"]
	m.Target = "/var/mobile/x"
	b, err := m.Archive()
	if err != nil {
		t.Fatal(err)
	}
	var e manifest.Entry
	if ok, err := decodeMBFileFast(b, &e); !ok || err != nil || e.Target != "/var/mobile/x" {
		t.Fatalf("%v %v %+v", ok, err, e)
	}
	if n := testing.AllocsPerRun(100, func() { e = manifest.Entry{}; _, _ = decodeMBFileFast(b, &e) }); n != 3 {
		t.Errorf("%v allocations per record, want 3", n)
	}
}

// fastSeeds returns the seed corpus of FuzzDecodeMBFileFast: archives
// from backuptest, hand-made ones, and broken headers.
func fastSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, name := range []string{"plain", "key", "key-uid", "key-digest", "short-key", "negative-size", "symlink", "symlink-utf16", "huge-inode"} {
		b, err := backuptestMBFiles()[name].Archive()
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	for _, name := range []string{"ints-behind-uids", "duplicate-keys", "unpaired-surrogates", "utf16-null", "nsstring-target",
		"nsdata-digest-uid", "wrapper-priority", "big-uint8", "int-128", "real-size", "uid-to-uid", "self-array",
		"overlong-string", "utf16-key", "inline-root", "deep-nested", "long-count-null", "long-count-key"} {
		out = append(out, craftedArchives()[name].b)
	}
	return append(out, []byte("bplist00"), backuptest.Garbage(48))
}

// FuzzDecodeMBFileFast: whenever the fast path takes an input, it decodes
// it exactly as the general decoder; when it refuses, e is untouched.
func FuzzDecodeMBFileFast(f *testing.F) {
	for _, s := range fastSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		compareFastSlow(t, "input", b)
	})
}

func TestFastFuzzCorpus(t *testing.T) {
	fuzzcorpus.Check(t, "FuzzDecodeMBFileFast", fuzzcorpus.Bytes(fastSeeds(t)))
}

// BenchmarkDecodeMBFile decodes a typical encrypted-file record (path,
// key, digest) with each path.
func BenchmarkDecodeMBFile(b *testing.B) {
	blob, err := backuptestMBFiles()["key-digest"].Archive()
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		f    func([]byte, *manifest.Entry) error
	}{
		{"fast", func(blob []byte, e *manifest.Entry) error {
			if ok, err := decodeMBFileFast(blob, e); ok {
				return err
			}
			return errors.New("fast path refused the record")
		}},
		{"slow", decodeMBFileSlow},
		{"DecodeMBFile", DecodeMBFile},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(blob)))
			for b.Loop() {
				var e manifest.Entry
				if err := bc.f(blob, &e); err != nil || e.Size != 118784 {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestFastMBFileMutations changes every byte of a few archives to a few
// values each: whatever the fast path takes (many of these mutants still
// parse), it decodes like the general decoder.
func TestFastMBFileMutations(t *testing.T) {
	var blobs [][]byte
	for _, name := range []string{"key-digest", "key-uid", "symlink-utf16"} {
		b, err := backuptestMBFiles()[name].Archive()
		if err != nil {
			t.Fatal(err)
		}
		blobs = append(blobs, b)
	}
	blobs = append(blobs, craftedArchives()["nsdata-digest-uid"].b, craftedArchives()["ints-behind-uids"].b)
	total, accepted := 0, 0
	for _, b := range blobs {
		m := bytes.Clone(b)
		for i, c := range b {
			for _, v := range []byte{0, 1, 8, 0x7f, 0x80, 0xff, c ^ 1, c + 1, c - 1, c ^ 0x10} {
				if v == c {
					continue
				}
				m[i] = v
				total++
				if compareFastSlow(t, fmt.Sprintf("byte %d = %#x", i, v), m) {
					accepted++
				}
				m[i] = c
			}
			if t.Failed() {
				t.FailNow()
			}
		}
	}
	t.Logf("fast path took %d of %d mutants", accepted, total)
	if accepted < total/4 {
		t.Errorf("fast path took only %d of %d mutants", accepted, total)
	}
}
