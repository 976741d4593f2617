package manifestdb

import (
	"bytes"
	"compress/gzip"
	"crypto/aes"
	"crypto/cipher"
	"encoding/hex"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/internal/realdata"
	"github.com/iosbackup/iosbackup/manifest"
)

func TestHV20MBDB(t *testing.T) {
	entries, err := ParseMBDB(realdata.Read(t, "hv20/day23/Backup/Manifest.mbdb"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 757 {
		t.Fatalf("%d records, want 757", len(entries))
	}
	kinds := map[manifest.Kind]int{}
	domains := map[string]bool{}
	var sms *manifest.Entry
	for _, e := range entries {
		kinds[e.Kind]++
		domains[e.Domain] = true
		if e.Domain == "HomeDomain" && e.Path == "Library/SMS/sms.db" {
			sms = e
		}
	}
	if kinds[manifest.File] != 321 || kinds[manifest.Dir] != 429 || kinds[manifest.Symlink] != 7 || len(domains) != 97 {
		t.Fatalf("kinds %v, %d domains", kinds, len(domains))
	}
	if sms == nil {
		t.Fatal("sms.db not found")
	}
	if sms.FileID != "3d0d7e5fb2ce288813306e4d4636395e047a3d28" || sms.Size != 118784 || sms.ProtectionClass != 3 || sms.KeyClass != 3 || len(sms.WrappedKey) != 40 {
		t.Fatalf("sms.db entry %+v", sms)
	}
	if sms.Modified.IsZero() || sms.Modified.Year() < 2010 {
		t.Fatalf("sms.db mtime %v", sms.Modified)
	}
}

func TestMBDBTruncated(t *testing.T) {
	b := realdata.Read(t, "hv20/day23/Backup/Manifest.mbdb")
	entries, err := ParseMBDB(b[:5000])
	var fe *manifest.FormatError
	if !errors.As(err, &fe) || fe.Offset <= 6 || len(entries) == 0 {
		t.Fatalf("truncated: %d entries, %v", len(entries), err)
	}
	if _, err := ParseMBDB([]byte("nope")); !errors.As(err, &fe) {
		t.Fatalf("bad header: %v", err)
	}
}

func TestMVTManifestDB(t *testing.T) {
	zr, err := gzip.NewReader(bytes.NewReader(realdata.Read(t, "mvt/tests/artifacts/ios_backup/Manifest.db.gz")))
	if err != nil {
		t.Fatal(err)
	}
	img, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	db, err := OpenDB(img, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	kinds := map[manifest.Kind]int{}
	classes := map[int]int{}
	var sum int64
	keys, targets, digests := 0, 0, 0
	for e, err := range db.All() {
		if err != nil {
			t.Fatal(err)
		}
		if e.Err != nil {
			t.Fatalf("%s: %v", e.Name(), e.Err)
		}
		n++
		kinds[e.Kind]++
		classes[e.ProtectionClass]++
		sum += e.Size
		if e.WrappedKey != nil {
			keys++
		}
		if e.Target != "" {
			targets++
		}
		if e.Digest != nil {
			digests++
		}
		if id, _ := ComputeFileID(e.Domain, e.Path); e.FileID != id {
			t.Errorf("%s: fileID mismatch", e.Name())
		}
	}
	if n != 3721 || kinds[manifest.File] != 1089 || kinds[manifest.Dir] != 2618 || kinds[manifest.Symlink] != 14 {
		t.Fatalf("%d entries, kinds %v", n, kinds)
	}
	// SOURCES.md says 475 rows have Digest; Python plistlib counts 477 (all UID references to 20-byte data).
	if keys != 1089 || targets != 14 || digests != 477 || sum != 182028381 {
		t.Fatalf("keys %d targets %d digests %d size sum %d", keys, targets, digests, sum)
	}
	if classes[0] != 2496 || classes[3] != 612 || classes[4] != 571 || classes[1] != 40 || classes[2] != 2 {
		t.Fatalf("classes %v", classes)
	}
	es, err := db.Lookup("HomeDomain", "Library/SMS/sms.db")
	if err != nil || len(es) != 1 {
		t.Fatalf("lookup: %v %v", es, err)
	}
	e := es[0]
	if e.FileID != "3d0d7e5fb2ce288813306e4d4636395e047a3d28" || e.Size != 278528 || e.Mode != 33188 || e.ProtectionClass != 4 ||
		e.Inode != 45856 || e.UID != 501 || e.GID != 501 || e.KeyClass != 4 ||
		!e.Birth.Equal(time.Unix(1566918489, 0)) || !e.Modified.Equal(time.Unix(1638501497, 0)) || !e.Changed.Equal(time.Unix(1638559914, 0)) {
		t.Fatalf("sms.db entry %+v", e)
	}
	es, _ = db.ByFileID("b61844dd930352ebc9be6ed807e26325cc92625d")
	if len(es) != 1 || es[0].Kind != manifest.Symlink || es[0].Mode != 41453 ||
		es[0].Target != "/var/mobile/Containers/Data/Application/2D4D1445-FCB4-47F6-A789-941C77FBE73B/Library/WebKit/WebsiteData/IndexedDB" {
		t.Fatalf("symlink %+v", es)
	}
}

// The pyiosbackup encrypted Manifest.db: zero key, one row whose
// EncryptionKey is an NSMutableData with NS.data behind a UID.
func TestPyiosbackupManifest(t *testing.T) {
	ct := realdata.Read(t, "pyiosbackup/tests/encrypted_sqlite3_db.bin")
	block, _ := aes.NewCipher(make([]byte, 32))
	img := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, make([]byte, 16)).CryptBlocks(img, ct)
	db, err := OpenDB(img, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	es, err := db.Lookup("MyTestDomain", "Media/Test.txt")
	if err != nil || len(es) != 1 {
		t.Fatalf("%v %v", es, err)
	}
	e := es[0]
	mk := realdata.Read(t, "pyiosbackup/extracted_from_tests/ManifestKey.bin")
	if e.Err != nil || e.FileID != "5727bd1c5fa1055e15d8b4a75a74793c84b5ffdc" || e.Size != 9 || e.Mode != 0o100755 || e.UID != 501 || e.GID != 501 ||
		e.KeyClass != 2 || hex.EncodeToString(e.WrappedKey) != hex.EncodeToString(mk[4:]) ||
		e.Modified.Unix() != 1628082463 || e.Changed.Unix() != 1628082509 || e.Birth.Unix() != 1627974948 {
		t.Fatalf("entry %+v", e)
	}
}
