package backup

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"howett.net/plist"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/iosbackup/iosbackup/internal/realdata"
	"github.com/iosbackup/iosbackup/manifest"
)

// hv20 payloads present in the real encrypted iOS 9 backup, with the
// SHA-256 of their plaintext (SOURCES.md).
var hv20Payloads = map[string]struct {
	sha  string
	size int64
}{
	"HomeDomain/Library/SMS/sms.db":                                             {"c34a3518ab3407084cafb60585e9c582515b1ebe881fc3cee9915a41e3e70ff1", 176128},
	"HomeDomain/Library/CallHistoryDB/CallHistory.storedata":                    {"47716968bde88e832db0b2668f2177259d796ace9f8d063173a9d247fc6f1e1c", 36864},
	"HomeDomain/Library/AddressBook/AddressBook.sqlitedb":                       {"d18243ecd0bfb8520871ca45742f72cd4ecbd2663885dfb5e214c8f3433fd8dc", 307200},
	"HomeDomain/Library/CallHistoryDB/com.apple.callhistory.databaseInfo.plist": {"efbfcd3f1d13c5ea91060937a12725735f4132a17c3af3d147fe8e139afaf2f3", 298},
	"HomeDomain/Library/Preferences/com.apple.MobileSMS.plist":                  {"e02d8f639b753b9dba339418a62c5ed35fddf7fe9ceccaa0c53d60a72832033e", 207},
	"HomeDomain/Library/Mail/AutoFetchEnabled":                                  {"f18276674d15bfd03109bb490842d8dc2c47322a0c2c0412ba655c62d75c7fa2", 42},
	"HomeDomain/Library/CallHistoryTransactions/transaction.log":                {"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0},
}

func openHV20(t *testing.T) *Backup {
	t.Helper()
	b, err := Open(realdata.Path(t, "hv20/day23/Backup"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestHV20Info(t *testing.T) {
	b := openHV20(t)
	in := b.Info()
	if in.DeviceName != "Santas Phone" || in.ProductType != "iPhone4,1" || in.ProductVersion != "9.3.6" || in.BuildVersion != "13G37" ||
		in.UDID != "5e8dfbc7f9f29a7645d66ef70b6f2d3f5dad8583" || in.SerialNumber != "DQGJ22F8DTD2" || in.IMEI != "013172009188964" ||
		!in.Encrypted || !in.PasscodeSet || in.Format != "Manifest.mbdb" || in.ManifestEncrypted {
		t.Fatalf("info %+v", in)
	}
	if !in.LastBackupDate.Equal(time.Date(2020, 12, 16, 20, 47, 32, 0, time.UTC)) {
		t.Fatalf("date %v", in.LastBackupDate)
	}
	if in.Status == nil || in.Status.SnapshotState != "finished" || in.Status.Version != "2.4" || in.Status.UUID != "D3CE5954-EE71-4086-AFE8-2650F6B1E901" {
		t.Fatalf("status %+v", in.Status)
	}
	if len(in.Apps) != 65 {
		t.Fatalf("%d apps in Manifest.plist, want 65", len(in.Apps))
	}
	line, err := b.HashLine()
	if err != nil || line != strings.TrimSpace(string(realdata.Read(t, "hv20/day23/hash.txt"))) {
		t.Fatalf("hash line %q, %v", line, err)
	}
}

func TestHV20Locked(t *testing.T) {
	b := openHV20(t)
	// The mbdb manifest is plaintext: listing works without a password.
	n := 0
	for _, err := range b.Entries() {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 757 {
		t.Fatalf("%d entries, want 757", n)
	}
	_, err := fs.ReadFile(b, "HomeDomain/Library/SMS/sms.db")
	if !errors.Is(err, ErrPasswordRequired) {
		t.Fatalf("locked read: %v", err)
	}
	if err := b.Unlock(context.Background(), "20201224"); !errors.Is(err, ErrIncorrectPassword) {
		t.Fatalf("wrong password: %v", err)
	}
	if err := b.Unlock(context.Background(), ""); !errors.Is(err, ErrPasswordRequired) {
		t.Fatalf("empty password: %v", err)
	}
	if _, err := fs.ReadFile(b, "HomeDomain/Library/SMS/sms.db"); !errors.Is(err, ErrPasswordRequired) {
		t.Fatalf("after wrong password: %v", err)
	}
}

func TestHV20Decrypt(t *testing.T) {
	b := openHV20(t)
	if err := b.Unlock(context.Background(), "20201225"); err != nil {
		t.Fatal(err)
	}
	if k := hex.EncodeToString(b.DerivedKey()); k != "38b97d556cace5fd1cfcbe67ec6a81277dfef5c5bacdfccdd32bb25467f56b25" {
		t.Fatalf("derived key %s", k)
	}
	if got := b.deviceBoundClasses(); len(got) != 4 {
		t.Fatalf("device-bound %v", got)
	}
	for name, want := range hv20Payloads {
		data, err := fs.ReadFile(b, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != want.sha || int64(len(data)) != want.size {
			t.Errorf("%s: %d bytes sha %x", name, len(data), sum)
		}
		st, err := fs.Stat(b, name)
		if err != nil || st.Size() != want.size {
			t.Errorf("%s: stat size %v, %v", name, st, err)
		}
		// The open file reports the same real size (not the stale recorded one).
		if f, err := b.Open(name); err != nil {
			t.Errorf("%s: %v", name, err)
		} else {
			if fst, err := f.Stat(); err != nil || fst.Size() != want.size {
				t.Errorf("%s: open file's stat size %v, %v", name, fst, err)
			}
			f.Close()
		}
		// The File of the same name opens the same content, and its
		// stored bytes are the ciphertext.
		e := st.Sys().(*manifest.Entry)
		f, err := b.Lookup(e.Domain, e.Path)
		if err != nil || f.FileID != e.FileID {
			t.Fatalf("%s: lookup %v %v", name, f, err)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		pb, err := io.ReadAll(rc)
		rc.Close()
		if sum := sha256.Sum256(pb); err != nil || hex.EncodeToString(sum[:]) != want.sha {
			t.Errorf("%s: File.Open %d bytes sha %x, %v", name, len(pb), sum, err)
		}
		raw, err := f.OpenRaw()
		if err != nil {
			t.Fatal(err)
		}
		rb, _ := io.ReadAll(raw)
		raw.Close()
		if int64(len(rb)) != (want.size/16+1)*16 {
			t.Errorf("%s: raw %d bytes", name, len(rb))
		}
	}
	// sms.db's recorded size is stale: the content is not truncated to it.
	e, err := b.Lookup("HomeDomain", "Library/SMS/sms.db")
	if err != nil || e.Size != 118784 {
		t.Fatalf("sms.db entry %+v %v", e, err)
	}
	// Every other regular file with content is reported missing.
	missing := 0
	for e, err := range b.Entries() {
		if err != nil {
			t.Fatal(err)
		}
		if e.Kind != manifest.File {
			continue
		}
		if _, ok := hv20Payloads[e.Name()]; ok {
			continue
		}
		_, err := fs.ReadFile(b, e.Name())
		if e.Size > 0 && !errors.Is(err, ErrMissingPayload) {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		if errors.Is(err, ErrMissingPayload) {
			missing++
		}
	}
	if missing < 300 {
		t.Fatalf("%d missing payloads reported", missing)
	}
	// A saved key unlocks without the password.
	b2 := openHV20(t)
	if err := b2.UnlockWithKey(b.DerivedKey()); err != nil {
		t.Fatal(err)
	}
	if data, err := fs.ReadFile(b2, "HomeDomain/Library/Mail/AutoFetchEnabled"); err != nil || len(data) != 42 {
		t.Fatalf("with key: %d %v", len(data), err)
	}
}

func TestHV20ExtractAndCheck(t *testing.T) {
	b := openHV20(t)
	if _, err := b.Extract(t.Context(), t.TempDir(), nil); !errors.Is(err, ErrPasswordRequired) {
		t.Fatalf("locked extract: %v", err)
	}
	h, err := b.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if h.Entries != 757 || h.Files != 321 || h.SnapshotState != "finished" || h.SnapshotDir || h.SizesChecked || h.Healthy() {
		t.Fatalf("locked health %+v", h)
	}
	if err := b.Unlock(context.Background(), "20201225"); err != nil {
		t.Fatal(err)
	}
	h, err = b.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	stale := map[string]bool{}
	for _, m := range h.SizeMismatch {
		stale[m.Entry.Name()] = true
	}
	if !stale["HomeDomain/Library/SMS/sms.db"] || !stale["HomeDomain/Library/AddressBook/AddressBook.sqlitedb"] || len(h.Missing) < 300 {
		t.Fatalf("health: %d mismatches %v, %d missing", len(h.SizeMismatch), stale, len(h.Missing))
	}
	dest := t.TempDir()
	var last Progress
	rep, err := b.Extract(t.Context(), dest, &ExtractOptions{Workers: 3, Progress: func(p Progress) { last = p }})
	if err != nil {
		t.Fatal(err)
	}
	// 321 regular files: 7 payloads present, 6 empty files recorded with
	// size 0 and no payload (written empty), 308 missing.
	if rep.Files != 13 || rep.Dirs != 429 || len(rep.Failed) != 308 || last.Done != 757 || rep.Bytes != 176128+36864+307200+298+207+42 {
		t.Fatalf("report: files %d dirs %d failed %d skipped %d, progress %+v", rep.Files, rep.Dirs, len(rep.Failed), len(rep.Skipped), last)
	}
	for _, f := range rep.Failed {
		if !errors.Is(f.Err, ErrMissingPayload) {
			t.Fatalf("%v", f)
		}
	}
	symlinks := 0
	for _, s := range rep.Skipped {
		if s.Reason == SkipSymlink && s.String() == fmt.Sprintf("symlink not created (target %q)", s.Detail) {
			symlinks++
		}
	}
	if symlinks != 7 {
		t.Fatalf("%d symlinks skipped", symlinks)
	}
	for name, want := range hv20Payloads {
		data, err := os.ReadFile(filepath.Join(dest, filepath.FromSlash(name)))
		sum := sha256.Sum256(data)
		if err != nil || hex.EncodeToString(sum[:]) != want.sha {
			t.Errorf("%s: %v", name, err)
		}
	}
	st, err := os.Stat(filepath.Join(dest, "HomeDomain/Library/SMS/sms.db"))
	e, _ := b.Lookup("HomeDomain", "Library/SMS/sms.db")
	if err != nil || !st.ModTime().Equal(e.Modified) {
		t.Fatalf("mtime %v vs %v: %v", st.ModTime(), e.Modified, err)
	}
}

// pyiosbackup's pieces assembled into a backup: an iOS 10.2+ keybag with
// DPIC 10,000,000, the encrypted Manifest.db, one file.
func pyiosbackupFS(t *testing.T) fstest.MapFS {
	mp := map[string]any{
		"BackupKeyBag": realdata.Read(t, "pyiosbackup/extracted_from_tests/MANIFEST_KEYBAG_ZEROS.bin"),
		"ManifestKey":  realdata.Read(t, "pyiosbackup/extracted_from_tests/ManifestKey.bin"),
		"IsEncrypted":  true,
		"Version":      "10.0",
	}
	b, err := plist.Marshal(mp, plist.BinaryFormat)
	if err != nil {
		t.Fatal(err)
	}
	return fstest.MapFS{
		"Manifest.plist": {Data: b},
		"Manifest.db":    {Data: realdata.Read(t, "pyiosbackup/tests/encrypted_sqlite3_db.bin")},
		"57/5727bd1c5fa1055e15d8b4a75a74793c84b5ffdc": {Data: realdata.Read(t, "pyiosbackup/extracted_from_tests/5727bd1c5fa1055e15d8b4a75a74793c84b5ffdc.enc")},
	}
}

func TestPyiosbackup(t *testing.T) {
	b, err := New(pyiosbackupFS(t))
	if err != nil {
		t.Fatal(err)
	}
	if !b.Info().ManifestEncrypted {
		t.Fatal("manifest should be encrypted")
	}
	if _, err := b.Lookup("MyTestDomain", "Media/Test.txt"); !errors.Is(err, ErrPasswordRequired) {
		t.Fatalf("locked lookup: %v", err)
	}
	// The KEK for "0000" is a known answer (docs/FORMAT.md §16.3); the full
	// 10,000,000-round derivation runs unless -short.
	kek, _ := hex.DecodeString("ec8edc160b5745ccae000bfb4787630f322821191fba7eea38feab2c6307cd9b")
	if !testing.Short() {
		if err := b.Unlock(context.Background(), "0001"); !errors.Is(err, ErrIncorrectPassword) {
			t.Fatalf("wrong password: %v", err)
		}
		if err := b.Unlock(context.Background(), "0000"); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.DerivedKey(), kek) {
			t.Fatalf("derived %x", b.DerivedKey())
		}
	} else if err := b.UnlockWithKey(kek); err != nil {
		t.Fatal(err)
	}
	e, err := b.Lookup("MyTestDomain", "Media/Test.txt")
	if err != nil {
		t.Fatal(err)
	}
	if e.Size != 9 || e.Mode != 33261 || e.UID != 501 || e.GID != 501 || e.FileID != "5727bd1c5fa1055e15d8b4a75a74793c84b5ffdc" {
		t.Fatalf("entry %+v", e)
	}
	data, err := fs.ReadFile(b, "MyTestDomain/Media/Test.txt")
	if err != nil || string(data) != "Test data" {
		t.Fatalf("%q %v", data, err)
	}
	// The File reads the same; its stored bytes are one AES block.
	rc, err := e.Open()
	if err != nil {
		t.Fatal(err)
	}
	data, err = io.ReadAll(rc)
	rc.Close()
	if err != nil || string(data) != "Test data" {
		t.Fatalf("File.Open: %q %v", data, err)
	}
	raw, err := e.OpenRaw()
	if err != nil {
		t.Fatal(err)
	}
	data, err = io.ReadAll(raw)
	raw.Close()
	if err != nil || len(data) != 16 || bytes.Contains(data, []byte("Test")) {
		t.Fatalf("File.OpenRaw: %x %v", data, err)
	}
	n := 0
	for e, err := range b.Entries() {
		if err != nil || e.Domain != "MyTestDomain" {
			t.Fatal(e, err)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("%d entries", n)
	}
}

// MVT's real iOS 14 Manifest.db (from an encrypted backup, decrypted) in an
// unencrypted layout with MVT's small synthetic payloads.
func TestMVT(t *testing.T) {
	zr, err := gzip.NewReader(bytes.NewReader(realdata.Read(t, "mvt/tests/artifacts/ios_backup/Manifest.db.gz")))
	if err != nil {
		t.Fatal(err)
	}
	img, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{
		"Manifest.db": {Data: img},
		"Info.plist":  {Data: realdata.Read(t, "mvt/tests/artifacts/ios_backup/Info.plist")},
	}
	for _, id := range []string{"3d0d7e5fb2ce288813306e4d4636395e047a3d28", "0dc926a1810f7aee4e8f38793ed788701f93bf9d", "2041457d5fe04d39d0ab481178355df6781e6858"} {
		m[id[:2]+"/"+id] = &fstest.MapFile{Data: realdata.Read(t, "mvt/tests/artifacts/ios_backup/"+id[:2]+"/"+id)}
	}
	b, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	in := b.Info()
	if in.DeviceName != "iPhone" || in.ProductType != "iPhone9,3" || in.ProductVersion != "14.3" || in.BuildVersion != "18C66" ||
		in.IMEI != "42" || in.SerialNumber != "F1234567890" || in.UDID != "1CB128EAFA77C5BE74283E9A3A2130AF36A3C059" ||
		!in.LastBackupDate.Equal(time.Date(2021, 12, 3, 19, 33, 13, 0, time.UTC)) || len(in.InstalledApps) != 6 || in.Encrypted {
		t.Fatalf("info %+v", in)
	}
	if len(in.Problems) != 2 { // no Manifest.plist, no Status.plist
		t.Fatalf("problems %v", in.Problems)
	}
	n := 0
	for _, err := range b.Entries() {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 3721 {
		t.Fatalf("%d entries", n)
	}
	data, err := fs.ReadFile(b, "HomeDomain/Library/SMS/sms.db")
	if err != nil || len(data) != 28672 {
		t.Fatalf("sms.db: %d %v", len(data), err)
	}
	// The manifest says 278528 bytes; the (trimmed) payload has 28672.
	st, _ := fs.Stat(b, "HomeDomain/Library/SMS/sms.db")
	if st.Size() != 28672 || st.Sys().(*manifest.Entry).Size != 278528 {
		t.Fatalf("stat %d", st.Size())
	}
	des, err := fs.ReadDir(b, "HomeDomain/Library/SMS")
	if err != nil || len(des) == 0 {
		t.Fatalf("readdir: %v %v", des, err)
	}
	domains, err := fs.ReadDir(b, ".")
	if err != nil || len(domains) != 562 {
		t.Fatalf("%d domains, %v", len(domains), err)
	}
	if _, err := fs.ReadFile(b, "HomeDomain/Library/Calendar/Calendar.sqlitedb"); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.ReadFile(b, "WirelessDomain/Library/Databases/DataUsage.sqlite"); !errors.Is(err, ErrMissingPayload) {
		t.Fatalf("missing payload: %v", err)
	}
	// In an unencrypted backup File.Open and File.OpenRaw give the same
	// bytes: the stored payload, not cut to the recorded size (the
	// entries keep the keys of the encrypted backup they came from).
	f, err := b.Lookup("HomeDomain", "Library/SMS/sms.db")
	if err != nil || f.Size != 278528 || !f.Encrypted() || f.KeyClass != 4 {
		t.Fatalf("lookup: %+v %v", f, err)
	}
	for _, open := range []func() (io.ReadCloser, error){f.Open, f.OpenRaw} {
		rc, err := open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("File: %d bytes, %v", len(got), err)
		}
	}
	gone, err := b.Lookup("WirelessDomain", "Library/Databases/DataUsage.sqlite")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gone.Open(); !errors.Is(err, ErrMissingPayload) {
		t.Fatalf("File.Open of a missing payload: %v", err)
	}
}
